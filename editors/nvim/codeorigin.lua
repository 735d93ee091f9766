-- codeorigin for Neovim 0.11+, with the built-in LSP client and no plugin.
--
-- Use it as the whole configuration:      nvim -u editors/nvim/codeorigin.lua file.py
-- or load it from your init.lua:          dofile('/path/to/codeorigin/editors/nvim/codeorigin.lua')
--
-- The server is `<python> -m codeorigin serve` over stdio, where <python> is, first found:
-- vim.g.codeorigin_python, $CODEORIGIN_PYTHON, this checkout's .venv/bin/python (`make setup` makes
-- it), 'python3'. That Python needs codeorigin installed (`<python> -m pip install <path-to-repo>`).
-- Diagnostics, hovers, code lenses and code actions work as for any language server; the commands
-- :CodeoriginExplain, :CodeoriginRescore and :CodeoriginStatus run the server's own, and
-- :CodeoriginRestart starts it again. Whether it started: `:checkhealth vim.lsp`; why not:
-- `:lua vim.cmd.edit(vim.lsp.log.get_filename())`.
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
M.call = call

--- A non-empty string, or nil.
local function nonempty(value)
  if type(value) == 'string' and value ~= '' then
    return value
  end
  return nil
end

--- `value`, or nil for JSON null (vim.NIL).
local function given(value)
  if value == vim.NIL then
    return nil
  end
  return value
end

local function warn(message)
  vim.notify('codeorigin: ' .. message, vim.log.levels.WARN)
end

--- A message of the server's with "codeorigin" in front once: most start with "codeorigin: " or
--- "codeorigin does not ...", a few (pygls's own errors) with nothing.
local function prefixed(message)
  message = tostring(message)
  if message:match('^codeorigin') then
    return message
  end
  return 'codeorigin: ' .. message
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

--- How many single-letter edits turn `a` into `b` (Levenshtein).
local function distance(a, b)
  local previous = {}
  for j = 0, #b do
    previous[j] = j
  end
  for i = 1, #a do
    local current = { [0] = i }
    for j = 1, #b do
      local change = a:byte(i) == b:byte(j) and 0 or 1
      local replace = previous[j - 1] + change
      current[j] = math.min(previous[j] + 1, current[j - 1] + 1, replace)
    end
    previous = current
  end
  return previous[#b]
end

--- The name in `known` (sorted) closest to the unknown `name`, or nil when none is close: the same
--- letters in another case, a name that contains it or that it contains (lens: codeLens, model:
--- modelPath), or one a few edits away (threshhold: threshold).
local function closest(name, known)
  local lower = name:lower()
  local best, best_cost
  for _, candidate in ipairs(known) do
    local other = candidate:lower()
    local cost
    if other == lower then
      cost = 0
    elseif #lower >= 4 and (other:find(lower, 1, true) or lower:find(other, 1, true)) then
      cost = 1
    else
      local edits = distance(lower, other)
      if edits <= math.max(1, math.floor(#other / 4)) then
        cost = 1 + edits
      end
    end
    if cost and (best_cost == nil or cost < best_cost) then
      best, best_cost = candidate, cost
    end
  end
  return best
end

--- `defaults` (a new table of the shared settings) with vim.g.codeorigin_settings over it: a shallow
--- merge, as the settings are flat (a list given there, languages, replaces the default). The
--- server checks the values; a name that is not one of `defaults` (the generated table) is said
--- here and not sent, as the server names only near-misspellings (clients send keys of their own).
function M.settings(defaults)
  local given_settings = vim.g.codeorigin_settings
  if given_settings == nil then
    return defaults
  end
  if type(given_settings) ~= 'table' then
    warn(('vim.g.codeorigin_settings must be a table like { threshold = 0.9 }, not the %s %s: '
      .. 'using the defaults'):format(type(given_settings), vim.inspect(given_settings)))
    return defaults
  end
  local known = vim.tbl_keys(defaults)
  table.sort(known)
  local ignored, unknown, unmatched = {}, {}, false
  for key, value in pairs(given_settings) do
    if type(key) ~= 'string' then
      table.insert(ignored, vim.inspect(value))
    elseif defaults[key] ~= nil then
      defaults[key] = value
    else
      local near = closest(key, known)
      unmatched = unmatched or near == nil
      table.insert(unknown, near and ('%s (did you mean %s?)'):format(key, near) or key)
    end
  end
  if #ignored > 0 then
    warn(('vim.g.codeorigin_settings takes a setting\'s name with its value, like { showUncertain '
      .. '= true }; ignored: %s'):format(table.concat(ignored, ', ')))
  end
  if #unknown > 0 then
    table.sort(unknown)
    warn(('vim.g.codeorigin_settings has no setting %s: ignored%s'):format(
      table.concat(unknown, ', '),
      unmatched and ('. The settings are: ' .. table.concat(known, ', ')) or ''
    ))
  end
  return defaults
end

--- What a signal number means for the server, in words (the usual ones).
local SIGNALS = {
  [6] = 'aborted',
  [9] = 'killed: kill -9, or out of memory',
  [11] = 'crashed: segmentation fault',
  [15] = 'terminated',
}

--- Clients that :CodeoriginRestart stops: their end is no news.
local restarting = {}

--- The warning when the server ends: before it started (the usual cause: codeorigin is not
--- installed in that Python), or after (killed, out of memory, a crash: start it again).
local function exit_warning(python, code, signal, started)
  local how = ('exit code %d'):format(code)
  if signal ~= 0 then
    local meaning = SIGNALS[signal] and (' (%s)'):format(SIGNALS[signal]) or ''
    how = ('signal %d%s'):format(signal, meaning)
  end
  if started then
    return ('the server (%s -m codeorigin serve) stopped after it had started, with %s. '
      .. ':CodeoriginRestart starts it again (as does :edit of a file). What it said last, if '
      .. 'anything, is in %s'):format(python, how, vim.lsp.log.get_filename())
  end
  return ('the server (%s -m codeorigin serve) could not start: it ended with %s. If that Python '
    .. 'lacks codeorigin, set vim.g.codeorigin_python to the one that has it (the checkout\'s '
    .. '.venv/bin/python after `make setup`). Its error is in %s'):format(
    python, how, vim.lsp.log.get_filename())
end

--- The server's window/showMessage, with "codeorigin" in front once (Neovim's own handler puts
--- "LSP[codeorigin]" before a message that names codeorigin already).
local levels = vim.log.levels
local LEVELS = { levels.ERROR, levels.WARN, levels.INFO, levels.INFO } -- by MessageType
local function show_message(_, params)
  if params and params.message then
    vim.notify(prefixed(params.message), LEVELS[params.type] or vim.log.levels.INFO)
  end
  return vim.NIL
end

--- Buffers whose code lenses this set-up shows (see M.on_attach).
local lens_buffers = {}

--- Ask again for the lenses of `buf` (of client `client_id`) when the results changed without an
--- edit. Neovim 0.10 and 0.11 neither declare workspace.codeLens.refreshSupport (so the server
--- cannot ask) nor ask by themselves: the lenses stayed as they were after a setting changed or a
--- model came back, contradicting the diagnostics. Neovim with vim.lsp.codelens.enable asks again
--- through its handler of the server's workspace/codeLens/refresh, called here for sure.
local function refresh_lenses(buf, client_id)
  if not (lens_buffers[buf] and vim.api.nvim_buf_is_loaded(buf)) then
    return
  end
  if type(vim.lsp.codelens.enable) ~= 'function' then
    vim.lsp.codelens.refresh({ bufnr = buf })
  elseif type(vim.lsp.codelens.on_refresh) == 'function' and client_id then
    local ctx = { client_id = client_id, method = 'workspace/codeLens/refresh' }
    vim.lsp.codelens.on_refresh(nil, nil, ctx)
  end
end

--- The server publishes diagnostics after each scoring, a setting's change included: show them,
--- then bring the lenses of that buffer up to date.
local function on_diagnostics(err, result, ctx, config)
  vim.lsp.diagnostic.on_publish_diagnostics(err, result, ctx, config)
  for buf in pairs(lens_buffers) do
    if result and vim.api.nvim_buf_is_valid(buf) and vim.uri_from_bufnr(buf) == result.uri then
      refresh_lenses(buf, ctx and ctx.client_id)
    end
  end
end

--- Neovim's inlay hints on for `buf` when the server's setting (live, in client.settings) says so.
local function show_inlay_hints(client, buf)
  local settings = client.settings and client.settings.codeorigin or {}
  if settings.inlayHints == true and vim.lsp.inlay_hint then
    vim.lsp.inlay_hint.enable(true, { bufnr = buf })
  end
end

--- A setting changed while the server runs (the recipe at the end of this file): inlayHints = true
--- turns Neovim's inlay hints on for the server's buffers, as at start-up.
local function follow_settings()
  vim.api.nvim_create_autocmd('LspNotify', {
    group = vim.api.nvim_create_augroup('codeorigin-settings', { clear = true }),
    callback = function(args)
      local client = vim.lsp.get_client_by_id(args.data.client_id)
      if args.data.method ~= 'workspace/didChangeConfiguration' or not client then
        return
      end
      if client.name == 'codeorigin' then
        for buf in pairs(client.attached_buffers or {}) do
          show_inlay_hints(client, buf)
        end
      end
    end,
  })
end

--- What both routes give the client, from the shared table of codeorigin_settings.lua: the command,
--- the filetypes, the settings, the handlers and the warning when the server ends before or after
--- it started (Neovim only says "Client codeorigin quit with exit code 1").
function M.client_config(shared)
  local python = M.python()
  local settings = M.settings(shared.settings())
  local initialized = {}
  local function on_exit(code, signal, client_id)
    local started, quiet = initialized[client_id], restarting[client_id]
    initialized[client_id], restarting[client_id] = nil, nil
    if quiet or (code == 0 and signal == 0) then
      return
    end
    vim.schedule(function()
      warn(exit_warning(python, code, signal, started))
    end)
  end
  follow_settings()
  return {
    cmd = { python, '-m', 'codeorigin', 'serve' },
    filetypes = shared.filetypes,
    on_init = function(client)
      initialized[client.id] = true
    end,
    on_exit = on_exit,
    handlers = {
      ['textDocument/publishDiagnostics'] = on_diagnostics,
      ['window/showMessage'] = show_message,
    },
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
function M.on_attach(client, buf)
  show_inlay_hints(client, buf)
  if not call(client, 'supports_method', 'textDocument/codeLens') then
    return
  end
  lens_buffers[buf] = true
  show_lenses(buf)
  local group = vim.api.nvim_create_augroup('codeorigin-lenses', { clear = false })
  vim.api.nvim_clear_autocmds({ group = group, buffer = buf }) -- a restarted server attaches again
  vim.api.nvim_create_autocmd('BufWipeout', {
    group = group,
    buffer = buf,
    callback = function()
      lens_buffers[buf] = nil
    end,
  })
  if type(vim.lsp.codelens.enable) == 'function' then
    return
  end
  vim.api.nvim_create_autocmd({ 'BufEnter', 'InsertLeave', 'TextChanged' }, {
    group = group,
    buffer = buf,
    callback = function()
      vim.lsp.codelens.refresh({ bufnr = buf })
    end,
  })
end

--- Run one of the server's commands for the current buffer; `done` gets its result, the buffer and
--- the client.
local function server_command(name, arguments, done)
  local buf = vim.api.nvim_get_current_buf()
  local client = vim.lsp.get_clients({ name = 'codeorigin', bufnr = buf })[1]
  if not client then
    local filetypes = dofile(here .. 'codeorigin_settings.lua').filetypes
    local filetype = vim.bo[buf].filetype
    if not vim.tbl_contains(filetypes, filetype) then
      -- Not a failed server: one it never starts for (it may be running for other buffers).
      warn(('this buffer is not one codeorigin scores (filetype %s; it scores %s)'):format(
        filetype ~= '' and filetype or 'none', table.concat(filetypes, ', ')))
      return
    end
    warn(
      'the server is not attached to this buffer (:CodeoriginRestart starts it again; '
        .. ':checkhealth vim.lsp; why it did not start: ' .. vim.lsp.log.get_filename() .. ')'
    )
    return
  end
  local params = { command = name, arguments = arguments(client, buf) }
  call(client, 'request', 'workspace/executeCommand', params, function(err, result)
    if err then
      vim.notify(prefixed(err.message or tostring(err)), vim.log.levels.ERROR)
    elseif done then
      done(result, buf, client)
    end
  end, buf)
end

-- :CodeoriginStatus's summary and scratch buffer (codeorigin_status.lua, beside this file).
local status_view = assert(loadfile(here .. 'codeorigin_status.lua'))(given)

--- Start the server again for the open buffers of `filetypes` the way :edit does, by their
--- FileType event (lspconfig.lua's route: nvim-lspconfig starts servers from it).
function M.start_by_filetype(filetypes)
  for _, buf in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(buf) and vim.bo[buf].buftype == ''
      and vim.tbl_contains(filetypes, vim.bo[buf].filetype) then
      vim.api.nvim_buf_call(buf, function()
        vim.api.nvim_exec_autocmds('FileType', { pattern = vim.bo[buf].filetype, modeline = false })
      end)
    end
  end
end

--- :CodeoriginRestart: stop the server if it runs (waiting for it to end), then `start` it again.
local function restart(start)
  local clients = vim.lsp.get_clients({ name = 'codeorigin' })
  local function ended()
    for _, client in ipairs(clients) do
      if vim.lsp.get_client_by_id(client.id) then
        return false
      end
    end
    return true
  end
  for _, client in ipairs(clients) do
    restarting[client.id] = true
    call(client, 'stop')
  end
  if not vim.wait(5000, ended, 50) then
    for _, client in ipairs(clients) do
      call(client, 'stop', true)
    end
    vim.wait(3000, ended, 50)
  end
  vim.notify('codeorigin: starting the server again')
  start()
end

--- :CodeoriginExplain, :CodeoriginRescore, :CodeoriginStatus[!] and :CodeoriginRestart, which
--- starts the server with `start` (the route's way).
function M.create_commands(start)
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
    end, function(spans, buf, client)
      refresh_lenses(buf, client.id) -- a model that came back has lenses to show
      if given(spans) == nil then
        return -- not scored: the server said why
      end
      local n = #spans
      vim.notify(('codeorigin: %d span%s scored again'):format(n, n == 1 and '' or 's'))
    end)
  end, { desc = 'codeorigin: score the buffer again (and retry a model that failed to load)' })

  vim.api.nvim_create_user_command('CodeoriginStatus', function(opts)
    server_command('codeorigin.status', function(_, buf)
      return { vim.uri_from_bufnr(buf) }
    end, function(status)
      if opts.bang then
        status_view.show_in_scratch(status)
      else
        vim.notify(status_view.summary(status))
      end
    end)
  end, { bang = true, desc = 'codeorigin: the model, thresholds, cache, timings (!: all of it)' })

  vim.api.nvim_create_user_command('CodeoriginRestart', function()
    restart(start)
  end, { desc = 'codeorigin: stop the server if it runs and start it again' })
end

if ... == 'functions' then
  return M
end

-- Neovim 0.10 has no vim.lsp.config: say which file it needs instead of a Lua error at start-up.
if vim.fn.has('nvim-0.11') ~= 1 then
  local v = vim.version()
  warn(
    ('codeorigin.lua needs Neovim 0.11 or later (this is %d.%d.%d): on Neovim 0.10, load '
      .. 'lspconfig.lua beside it instead, with nvim-lspconfig'):format(v.major, v.minor, v.patch)
  )
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
-- The diagnostics, the lenses and (with inlayHints = true) the inlay hints follow.
vim.lsp.config('codeorigin', config)
vim.lsp.enable('codeorigin')

vim.api.nvim_create_autocmd('LspAttach', {
  group = vim.api.nvim_create_augroup('codeorigin', { clear = true }),
  callback = function(args)
    local client = vim.lsp.get_client_by_id(args.data.client_id)
    if client and client.name == 'codeorigin' then
      M.on_attach(client, args.buf)
    end
  end,
})

-- :CodeoriginRestart starts the server as opening a file does: vim.lsp.enable again runs its
-- FileType event for the open buffers.
M.create_commands(function()
  vim.lsp.enable('codeorigin')
end)
