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
--
-- The functions before the 0.11 set-up at the end (the Python, the settings, the warnings, the
-- commands, lenses and inlay hints) are shared with lspconfig.lua, the Neovim 0.10 route, which
-- gets them with loadfile('.../codeorigin.lua')('functions') and so must work on 0.10 too.

local M = {}

local here = debug.getinfo(1, 'S').source:match('^@(.*[/\\])') or './'

--- Neovim 0.11 made the client's methods take `self` (client:request); 0.10 has closures
--- (client.request). Call `method` of `client` either way.
local function call(client, method, ...)
  if vim.fn.has('nvim-0.11') == 1 then
    return client[method](client, ...)
  end
  return client[method](...)
end

--- A non-empty string, or nil.
local function nonempty(value)
  if type(value) == 'string' and value ~= '' then
    return value
  end
  return nil
end

local function warn(message)
  vim.notify('codeorigin: ' .. message, vim.log.levels.WARN)
end

--- The Python that runs the server: vim.g.codeorigin_python, $CODEORIGIN_PYTHON, this checkout's
--- .venv/bin/python, 'python3'. One that cannot run is named in a warning with what to set.
function M.python()
  local checkout_python = vim.fn.simplify(vim.fn.fnamemodify(here, ':p') .. '../../.venv/bin/python')
  local python = nonempty(vim.g.codeorigin_python)
    or nonempty(vim.env.CODEORIGIN_PYTHON)
    or (vim.fn.executable(checkout_python) == 1 and checkout_python or nil)
    or 'python3'
  if vim.fn.executable(python) ~= 1 then
    warn(
      ('%s is not a Python that can run: set vim.g.codeorigin_python to the Python that has '
        .. 'codeorigin installed (the checkout\'s .venv/bin/python after `make setup`)'):format(python)
    )
  end
  return python
end

--- `defaults` (a new table of the shared settings) with vim.g.codeorigin_settings over it: a shallow
--- merge, as the settings are flat (a list given there, languages, replaces the default). The
--- server checks the values and names an unknown key; what it cannot be sent is said here.
function M.settings(defaults)
  local given = vim.g.codeorigin_settings
  if given == nil then
    return defaults
  end
  if type(given) ~= 'table' then
    warn(('vim.g.codeorigin_settings must be a table like { threshold = 0.9 }, not the %s %s: '
      .. 'using the defaults'):format(type(given), vim.inspect(given)))
    return defaults
  end
  local ignored = {}
  for key, value in pairs(given) do
    if type(key) == 'string' then
      defaults[key] = value
    else
      table.insert(ignored, vim.inspect(value))
    end
  end
  if #ignored > 0 then
    warn(('vim.g.codeorigin_settings takes a setting\'s name with its value, like { showUncertain '
      .. '= true }; ignored: %s'):format(table.concat(ignored, ', ')))
  end
  return defaults
end

--- What both routes give the client, from the shared table of codeorigin_settings.lua: the command,
--- the filetypes, the settings and the warning when the server ends before or after it started
--- (Neovim only says "Client codeorigin quit with exit code 1"; the usual cause: codeorigin is
--- not installed in that Python).
function M.client_config(shared)
  local python = M.python()
  local settings = M.settings(shared.settings())
  local initialized = {}
  local function on_exit(code, signal, client_id)
    if code == 0 and signal == 0 then
      return
    end
    local before = not initialized[client_id]
    vim.schedule(function()
      warn(
        ('the server (%s -m codeorigin serve) %s with exit code %d%s. If that Python lacks '
          .. 'codeorigin, set vim.g.codeorigin_python to the one that has it (the checkout\'s '
          .. '.venv/bin/python after `make setup`). Its error is in %s'):format(
          python,
          before and 'could not start: it ended' or 'stopped',
          code,
          signal ~= 0 and (' (signal %d)'):format(signal) or '',
          vim.lsp.log.get_filename()
        )
      )
    end)
  end
  return {
    cmd = { python, '-m', 'codeorigin', 'serve' },
    filetypes = shared.filetypes,
    on_init = function(client)
      initialized[client.id] = true
    end,
    on_exit = on_exit,
    -- Sent once as initializationOptions...
    init_options = settings,
    -- ...and the answer to workspace/configuration for section 'codeorigin' (the server pulls it).
    settings = { codeorigin = settings },
  }
end

--- Code lenses: Neovim 0.12 turns them on per buffer; 0.10 and 0.11 show them when asked to refresh.
local function show_lenses(buf)
  if type(vim.lsp.codelens.enable) == 'function' then
    vim.lsp.codelens.enable(true, { bufnr = buf })
  else
    vim.lsp.codelens.refresh({ bufnr = buf })
  end
end

--- When the server attaches to `buf`: inlay hints if the setting asks for them, and code lenses.
function M.on_attach(client, buf, settings)
  if settings.inlayHints == true and vim.lsp.inlay_hint then
    vim.lsp.inlay_hint.enable(true, { bufnr = buf })
  end
  if not call(client, 'supports_method', 'textDocument/codeLens') then
    return
  end
  show_lenses(buf)
  if type(vim.lsp.codelens.enable) == 'function' then
    return
  end
  local group = vim.api.nvim_create_augroup('codeorigin-lenses', { clear = false })
  vim.api.nvim_clear_autocmds({ group = group, buffer = buf }) -- a restarted server attaches again
  vim.api.nvim_create_autocmd({ 'BufEnter', 'InsertLeave', 'TextChanged' }, {
    group = group,
    buffer = buf,
    callback = function()
      vim.lsp.codelens.refresh({ bufnr = buf })
    end,
  })
end

--- Run one of the server's commands for the current buffer; `done` gets its result.
local function server_command(name, arguments, done)
  local buf = vim.api.nvim_get_current_buf()
  local client = vim.lsp.get_clients({ name = 'codeorigin', bufnr = buf })[1]
  if not client then
    warn(
      'the server is not attached to this buffer (:checkhealth vim.lsp; why it did not start: '
        .. vim.lsp.log.get_filename() .. ')'
    )
    return
  end
  local params = { command = name, arguments = arguments(client, buf) }
  call(client, 'request', 'workspace/executeCommand', params, function(err, result)
    if err then
      local message = err.message or tostring(err)
      -- the server's own messages start with "codeorigin" already
      vim.notify(message:match('^codeorigin') and message or 'codeorigin: ' .. message, vim.log.levels.ERROR)
    elseif done then
      done(result)
    end
  end, buf)
end

--- :CodeoriginExplain, :CodeoriginRescore and :CodeoriginStatus.
function M.create_commands()
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
end

if ... == 'functions' then
  return M
end

-- Neovim 0.11+: the built-in configuration. The filetypes the server scores and the default
-- settings come from the table shared with lspconfig.lua (written from the server's typed
-- settings). Override any setting with vim.g.codeorigin_settings = { threshold = 0.9 } before this
-- file is loaded.
local config = M.client_config(dofile(here .. 'codeorigin_settings.lua'))
config.root_markers = { '.git', 'pyproject.toml', 'package.json' }
-- To change a setting while the server runs, edit client.settings and tell the server, e.g.
--   :lua local c = vim.lsp.get_clients({ name = 'codeorigin' })[1]; c.settings.codeorigin.threshold = 0.9; c:notify('workspace/didChangeConfiguration', { settings = c.settings })
vim.lsp.config('codeorigin', config)
vim.lsp.enable('codeorigin')

vim.api.nvim_create_autocmd('LspAttach', {
  group = vim.api.nvim_create_augroup('codeorigin', { clear = true }),
  callback = function(args)
    local client = vim.lsp.get_client_by_id(args.data.client_id)
    if client and client.name == 'codeorigin' then
      M.on_attach(client, args.buf, config.init_options)
    end
  end,
})

M.create_commands()
