-- Driven by test_neovim.py: waits for codeorigin's diagnostics in the current buffer, asks for a
-- hover, runs the "Rescore selection" code action and the three :Codeorigin* commands, then writes
-- what Neovim received as JSON to vim.g.codeorigin_test_out and quits.
local out = { messages = {} }

-- A client method, called as Neovim 0.11+ wants it (client:request) or as 0.10 does
-- (client.request): codeorigin.lua's own, so the scenario runs on both.
local here = debug.getinfo(1, 'S').source:match('^@(.*[/\\])')
local call = assert(loadfile(here .. '../../editors/nvim/codeorigin.lua'))('functions').call
local buf = vim.api.nvim_get_current_buf()

local function finish(err)
  out.error = err
  local f = assert(io.open(vim.g.codeorigin_test_out, 'w'))
  f:write(vim.json.encode(out))
  f:close()
  vim.cmd('qall!')
end

-- Record what is said through vim.notify (the server's window/showMessage too): into out.messages,
-- then, for the commands, out.notes.
local said_into = out.messages
local notify = vim.notify
vim.notify = function(msg, level, opts)
  table.insert(said_into, msg)
  return notify(msg, level, opts)
end

local ok = vim.wait(90000, function()
  return #vim.diagnostic.get(buf) > 0
end, 100)
if not ok then
  return finish('no diagnostics within 90 s')
end
out.diagnostics = {}
for _, d in ipairs(vim.diagnostic.get(buf)) do
  table.insert(out.diagnostics, {
    lnum = d.lnum, col = d.col, end_lnum = d.end_lnum, end_col = d.end_col,
    message = d.message, source = d.source, code = d.code, severity = d.severity,
  })
end

local client = vim.lsp.get_clients({ name = 'codeorigin', bufnr = buf })[1]
if not client then
  return finish('codeorigin client not attached')
end
local uri = vim.uri_from_bufnr(buf)
local first = out.diagnostics[1]

-- Hover inside the first flagged function (one line below its name).
local hover = call(client, 'request_sync', 'textDocument/hover', {
  textDocument = { uri = uri },
  position = { line = first.lnum + 1, character = 4 },
}, 60000, buf)
out.hover = hover and hover.result and hover.result.contents or vim.NIL

-- The code action for a selection, then its command.
local range = { start = { line = first.lnum, character = 0 }, ['end'] = { line = first.lnum + 3, character = 0 } }
local actions = call(client, 'request_sync', 'textDocument/codeAction', {
  textDocument = { uri = uri },
  range = range,
  context = { diagnostics = {} },
}, 60000, buf)
out.actions = {}
local rescore
for _, a in ipairs(actions and actions.result or {}) do
  table.insert(out.actions, a.title)
  if a.title:match('Rescore selection') then
    rescore = a
  end
end
if rescore then
  local cmd = rescore.command
  if type(cmd) == 'table' and cmd.command == nil then
    cmd = nil
  end
  cmd = cmd or rescore
  local res = call(client, 'request_sync', 'workspace/executeCommand', {
    command = cmd.command, arguments = cmd.arguments,
  }, 60000, buf)
  out.rescore = res and res.result or vim.NIL
  vim.wait(2000, function() return #out.messages > 0 end, 50)
end

out.inlay_hints = vim.lsp.inlay_hint.is_enabled({ bufnr = buf })

-- The user commands of codeorigin.lua and lspconfig.lua: what each says through vim.notify.
out.notes = {}
said_into = out.notes
--- Run the command (one that is not defined is said, not an error that leaves nvim waiting) and
--- wait until a note matches `pattern`.
local function said(command, pattern)
  local ok, err = pcall(vim.cmd, command)
  if not ok then
    table.insert(out.notes, tostring(err))
    return false
  end
  return vim.wait(30000, function()
    for _, note in ipairs(out.notes) do
      if note:match(pattern) then
        return true
      end
    end
    return false
  end, 50)
end
out.status_said = said('CodeoriginStatus', 'tiny%-test')
out.rescore_said = said('CodeoriginRescore', ' scored again')
vim.api.nvim_win_set_cursor(0, { first.lnum + 2, 4 })
-- the tiny model has no gradient graph: the error is said
out.explain_said = said('CodeoriginExplain', 'cannot explain')
finish(nil)
