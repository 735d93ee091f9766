-- Driven by test_neovim.py, run with -c once the configuration has loaded: after start-up, plays
-- the scenario named by vim.g.codeorigin_test_scenario on the current buffer, records what the user
-- would see (the diagnostics, the code lenses drawn, the inlay hints' state, what was said through
-- vim.notify) at each step, then writes it as JSON to vim.g.codeorigin_test_out and quits.
--   settings:    settings changed while the server runs (the recipe in codeorigin.lua)
--   model_later: the model folder appears after start-up, then :CodeoriginRescore
--   killed:      the running server is killed, then :CodeoriginRestart (and again while it runs)
--   messages:    :CodeoriginExplain on a function too short to judge, :CodeoriginStatus[!], and
--                :CodeoriginStatus in a text buffer
--   saved:       a .codeorigin.toml excluding the file, written by another process (a terminal),
--                then :write
local out = { steps = {} }

-- A client method, called as Neovim 0.11+ wants it (client:request) or as 0.10 does
-- (client.request): codeorigin.lua's own, so the scenario runs on both.
local here = debug.getinfo(1, 'S').source:match('^@(.*[/\\])')
local call = assert(loadfile(here .. '../../editors/nvim/codeorigin.lua'))('functions').call
local buf = vim.api.nvim_get_current_buf()

local said = {}
local notify = vim.notify
vim.notify = function(msg, level, opts)
  table.insert(said, msg)
  return notify(msg, level, opts)
end

local function finish(err)
  out.error = err
  out.said = said
  local f = assert(io.open(vim.g.codeorigin_test_out, 'w'))
  f:write(vim.json.encode(out))
  f:close()
  vim.cmd('qall!')
end

local function client()
  return vim.lsp.get_clients({ name = 'codeorigin', bufnr = buf })[1]
end

local function diagnostics()
  local messages = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    table.insert(messages, d.message)
  end
  return messages
end

--- The code lenses drawn in the buffer: the text of the extmarks of Neovim's codelens namespaces.
local function lenses()
  local titles = {}
  for name, ns in pairs(vim.api.nvim_get_namespaces()) do
    if name:match('codelens') then
      for _, mark in ipairs(vim.api.nvim_buf_get_extmarks(buf, ns, 0, -1, { details = true })) do
        local text = ''
        for _, line in ipairs(mark[4].virt_lines or {}) do
          for _, chunk in ipairs(line) do
            text = text .. chunk[1]
          end
        end
        for _, chunk in ipairs(mark[4].virt_text or {}) do
          text = text .. chunk[1]
        end
        if text:match('%S') then
          table.insert(titles, vim.trim(text))
        end
      end
    end
  end
  return titles
end

--- Record a step: wait (`ms` at most) until `ready()` holds, then what is shown.
local function step(name, ms, ready)
  local ok = vim.wait(ms, ready or function() return true end, 50)
  table.insert(out.steps, {
    name = name,
    waited_out = not ok,
    diagnostics = diagnostics(),
    lenses = lenses(),
    inlay_hints = vim.lsp.inlay_hint.is_enabled({ bufnr = buf }),
    said = #said,
  })
end

local function heard(pattern, from)
  for i = from or 1, #said do
    if type(said[i]) == 'string' and said[i]:match(pattern) then
      return said[i]
    end
  end
end

local function set(name, value)
  local c = client()
  c.settings.codeorigin[name] = value
  call(c, 'notify', 'workspace/didChangeConfiguration', { settings = c.settings })
end

local function all_lenses(pattern)
  return function()
    local titles = lenses()
    for _, title in ipairs(titles) do
      if not title:match(pattern) then
        return false
      end
    end
    return #titles > 0
  end
end

local scenarios = {}

function scenarios.settings()
  step('start', 60000, function() return #lenses() > 0 end)
  set('threshold', 0.0)
  step('threshold 0', 10000, function() return #diagnostics() > 0 end)
  step('threshold 0, lenses', 5000, all_lenses('likely LLM'))
  set('enable', false)
  step('disabled', 10000, function() return #diagnostics() == 0 end)
  step('disabled, lenses', 5000, function() return #lenses() == 0 end)
  set('enable', true)
  step('enabled', 10000, function() return #diagnostics() > 0 end)
  set('inlayHints', true)
  step('inlay hints', 5000, function() return vim.lsp.inlay_hint.is_enabled({ bufnr = buf }) end)
end

function scenarios.model_later()
  step('start', 30000, function() return client() and client().initialized and heard('model') end)
  vim.fn.system({ 'cp', '-r', vim.g.codeorigin_test_model_src, vim.g.codeorigin_test_model_dst })
  vim.cmd('CodeoriginRescore')
  step('rescored', 30000, function() return #diagnostics() > 0 end)
  step('rescored, lenses', 5000, function() return #lenses() > 0 end)
end

--- The server's process: nvim's child running python.
local function server_pid()
  for _, pid in ipairs(vim.api.nvim_get_proc_children(vim.fn.getpid())) do
    local proc = vim.api.nvim_get_proc(pid)
    if proc and tostring(proc.name):match('python') then
      return pid
    end
  end
end

function scenarios.killed()
  step('start', 60000, function() return #diagnostics() > 0 end)
  local first = client().id
  local pid = server_pid()
  out.pid = pid or vim.NIL
  if not pid then
    return
  end
  vim.uv.kill(pid, 'sigkill')
  step('killed', 10000, function() return heard('stopped') end)
  out.stopped = heard('the server') or vim.NIL
  local ok = pcall(vim.cmd, 'CodeoriginRestart')
  out.restart_defined = ok
  step('restarted', 60000, function()
    local c = client()
    return c and c.id ~= first and c.initialized and #lenses() > 0
  end)
  out.restarted = client() ~= nil and client().id ~= first
  -- again while it runs: it stops, and that is no news
  local second, before = client() and client().id, #said
  pcall(vim.cmd, 'CodeoriginRestart')
  step('restarted while running', 60000, function()
    local c = client()
    return c and c.id ~= second and c.initialized and #lenses() > 0
  end)
  out.restarted_again = client() ~= nil and client().id ~= second
  out.said_on_second = vim.list_slice(said, before + 1)
end

function scenarios.messages()
  step('start', 60000, function() return #lenses() > 0 end)
  local before = #said
  vim.api.nvim_win_set_cursor(0, { vim.g.codeorigin_test_line, 4 })
  vim.cmd('CodeoriginExplain')
  step('explain', 10000, function() return heard('explain', before + 1) end)
  out.explain = heard('explain', before + 1) or vim.NIL
  before = #said
  vim.cmd('CodeoriginStatus')
  step('status', 10000, function() return #said > before end)
  out.status = said[before + 1] or vim.NIL
  vim.cmd('CodeoriginStatus!')
  vim.wait(10000, function() return vim.api.nvim_get_current_buf() ~= buf end, 50)
  local shown = vim.api.nvim_get_current_buf()
  out.full = shown ~= buf and vim.api.nvim_buf_get_lines(shown, 0, -1, false) or vim.NIL
  -- In a buffer the server never starts for, while it runs for the Python one.
  vim.cmd('edit notes.txt')
  before = #said
  vim.cmd('CodeoriginStatus')
  out.other_buffer = said[before + 1] or vim.NIL
end

function scenarios.saved()
  step('start', 60000, function() return #diagnostics() > 0 end)
  local dir = vim.fn.fnamemodify(vim.api.nvim_buf_get_name(buf), ':p:h')
  local name = vim.fn.fnamemodify(vim.api.nvim_buf_get_name(buf), ':t')
  local toml = string.format('exclude = ["%s"]\n', name)
  vim.fn.system({ 'sh', '-c', 'printf "%s" "$1" > "$2"/.codeorigin.toml', 'sh', toml, dir })
  out.written = vim.v.shell_error == 0
  -- no watcher registered (Neovim on Linux): nothing tells the server yet
  step('settings written', 3000, function() return #diagnostics() == 0 end)
  out.watchers = vim.tbl_get(client().capabilities, 'workspace', 'didChangeWatchedFiles',
    'dynamicRegistration') or false
  vim.cmd('write')
  step('saved', 20000, function() return #diagnostics() == 0 end)
end

-- After start-up, as a user would (:CodeoriginRestart, like vim.lsp.enable, acts after VimEnter);
-- nested, so that the scenario's commands fire their autocommands as typed ones do (:write, the
-- client's BufWritePost, sends textDocument/didSave).
vim.api.nvim_create_autocmd('VimEnter', {
  once = true,
  nested = true,
  callback = function()
    local ok, err = pcall(scenarios[vim.g.codeorigin_test_scenario])
    finish(not ok and tostring(err) or nil)
  end,
})
