-- codeorigin for Neovim 0.11+, with the built-in LSP client and no plugin.
--
-- Use it as the whole configuration:      nvim -u editors/nvim/codeorigin.lua file.py
-- or load it from your init.lua:          dofile('/path/to/codeorigin/editors/nvim/codeorigin.lua')
--
-- The server is `<python> -m codeorigin serve` over stdio, where <python> is, first found:
-- vim.g.codeorigin_python, $CODEORIGIN_PYTHON, this checkout's .venv/bin/python (`make setup` makes
-- it), 'python3'. That Python needs codeorigin installed (`<python> -m pip install <path-to-repo>`).
-- Diagnostics, hovers, code lenses and code actions work as for any language server; the commands
-- :CodeoriginExplain, :CodeoriginRescore and :CodeoriginStatus run the server's own. Whether it
-- started: `:checkhealth vim.lsp`; why not: `:lua vim.cmd.edit(vim.lsp.log.get_filename())`.

--- A non-empty string, or nil.
local function nonempty(value)
  if type(value) == 'string' and value ~= '' then
    return value
  end
  return nil
end

local here = debug.getinfo(1, 'S').source:match('^@(.*[/\\])') or './'
local checkout_python = vim.fn.simplify(vim.fn.fnamemodify(here, ':p') .. '../../.venv/bin/python')
local python = nonempty(vim.g.codeorigin_python)
  or nonempty(vim.env.CODEORIGIN_PYTHON)
  or (vim.fn.executable(checkout_python) == 1 and checkout_python or nil)
  or 'python3'
if vim.fn.executable(python) ~= 1 then
  vim.notify(
    ('codeorigin: %s is not a Python that can run: set vim.g.codeorigin_python to the Python that has '
      .. 'codeorigin installed (the checkout\'s .venv/bin/python after `make setup`)'):format(python),
    vim.log.levels.WARN
  )
end

-- The filetypes the server scores and the default settings, shared with lspconfig.lua (and written
-- from the server's typed settings). Override any setting with
-- vim.g.codeorigin_settings = { threshold = 0.9 } before this file is loaded.
local shared = dofile(here .. 'codeorigin_settings.lua')
local filetypes = shared.filetypes
local settings = shared.settings()
-- A shallow merge: the settings are flat, and a list given here (languages) replaces the default.
for key, value in pairs(vim.g.codeorigin_settings or {}) do
  settings[key] = value
end

--- Neovim only says "Client codeorigin quit with exit code 1": say which Python could not run the
--- server and what to do (the usual cause: codeorigin is not installed in it).
local initialized = {}
local function on_exit(code, signal, client_id)
  if code == 0 and signal == 0 then
    return
  end
  local before = not initialized[client_id]
  vim.schedule(function()
    vim.notify(
      ('codeorigin: the server (%s -m codeorigin serve) %s with exit code %d%s. If that Python lacks '
        .. 'codeorigin, set vim.g.codeorigin_python to the one that has it (the checkout\'s '
        .. '.venv/bin/python after `make setup`). Its error is in %s'):format(
        python,
        before and 'could not start: it ended' or 'stopped',
        code,
        signal ~= 0 and (' (signal %d)'):format(signal) or '',
        vim.lsp.log.get_filename()
      ),
      vim.log.levels.WARN
    )
  end)
end

vim.lsp.config('codeorigin', {
  cmd = { python, '-m', 'codeorigin', 'serve' },
  on_init = function(client)
    initialized[client.id] = true
  end,
  on_exit = on_exit,
  filetypes = filetypes,
  root_markers = { '.git', 'pyproject.toml', 'package.json' },
  -- Sent once as initializationOptions...
  init_options = settings,
  -- ...and the answer to workspace/configuration for section 'codeorigin' (the server pulls it).
  -- To change one while the server runs, edit client.settings and tell the server, e.g.
  --   :lua local c = vim.lsp.get_clients({ name = 'codeorigin' })[1]; c.settings.codeorigin.threshold = 0.9; c:notify('workspace/didChangeConfiguration', { settings = c.settings })
  settings = { codeorigin = settings },
})

vim.lsp.enable('codeorigin')

--- Code lenses: Neovim 0.12 turns them on per buffer; 0.11 shows them when asked to refresh.
local function show_lenses(buf)
  if type(vim.lsp.codelens.enable) == 'function' then
    vim.lsp.codelens.enable(true, { bufnr = buf })
  else
    vim.lsp.codelens.refresh({ bufnr = buf })
  end
end

local group = vim.api.nvim_create_augroup('codeorigin', { clear = true })
vim.api.nvim_create_autocmd('LspAttach', {
  group = group,
  callback = function(args)
    local client = vim.lsp.get_client_by_id(args.data.client_id)
    if not client or client.name ~= 'codeorigin' then
      return
    end
    if settings.inlayHints and vim.lsp.inlay_hint then
      vim.lsp.inlay_hint.enable(true, { bufnr = args.buf })
    end
    if not client:supports_method('textDocument/codeLens') then
      return
    end
    show_lenses(args.buf)
    if type(vim.lsp.codelens.enable) == 'function' then
      return
    end
    vim.api.nvim_clear_autocmds({ group = group, buffer = args.buf }) -- a restarted server attaches again
    vim.api.nvim_create_autocmd({ 'BufEnter', 'InsertLeave', 'TextChanged' }, {
      group = group,
      buffer = args.buf,
      callback = function()
        vim.lsp.codelens.refresh({ bufnr = args.buf })
      end,
    })
  end,
})

--- Run one of the server's commands for the current buffer; `done` gets its result.
local function server_command(name, arguments, done)
  local buf = vim.api.nvim_get_current_buf()
  local client = vim.lsp.get_clients({ name = 'codeorigin', bufnr = buf })[1]
  if not client then
    vim.notify(
      'codeorigin: the server is not attached to this buffer (:checkhealth vim.lsp; why it did not start: '
        .. vim.lsp.log.get_filename() .. ')',
      vim.log.levels.WARN
    )
    return
  end
  client:request('workspace/executeCommand', { command = name, arguments = arguments(client, buf) }, function(err, result)
    if err then
      local message = err.message or tostring(err)
      -- the server's own messages start with "codeorigin" already
      vim.notify(message:match('^codeorigin') and message or 'codeorigin: ' .. message, vim.log.levels.ERROR)
    elseif done then
      done(result)
    end
  end, buf)
end

vim.api.nvim_create_user_command('CodeoriginExplain', function()
  -- The server answers with a message: the lines that weigh most and the top tokens.
  server_command('codeorigin.explain', function(client, buf)
    local at = vim.lsp.util.make_position_params(0, client.offset_encoding)
    return { vim.uri_from_bufnr(buf), at.position, { notify = true } }
  end)
end, { desc = 'codeorigin: explain the score of the function at the cursor' })

vim.api.nvim_create_user_command('CodeoriginRescore', function()
  server_command('codeorigin.rescoreDocument', function(_, buf)
    return { vim.uri_from_bufnr(buf) }
  end, function(spans)
    local n = #(spans or {})
    vim.notify(('codeorigin: %d span%s scored again'):format(n, n == 1 and '' or 's'))
  end)
end, { desc = 'codeorigin: score the buffer again (and retry a model that failed to load)' })

vim.api.nvim_create_user_command('CodeoriginStatus', function()
  server_command('codeorigin.status', function(_, buf)
    return { vim.uri_from_bufnr(buf) }
  end, function(status)
    vim.notify('codeorigin status: ' .. vim.inspect(status))
  end)
end, { desc = 'codeorigin: the model, its thresholds, cache and timings' })
