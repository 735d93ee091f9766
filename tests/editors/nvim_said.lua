-- Driven by test_neovim.py, run with --cmd before the configuration loads: records what is said
-- through vim.notify. After start-up it waits (30 s at most) until a message contains
-- vim.g.codeorigin_test_said (when set) and, with vim.g.codeorigin_test_started, until the
-- codeorigin client has initialized; then writes { said, started, cmd } as JSON to
-- vim.g.codeorigin_test_out and quits.
local said = {}
local notify = vim.notify
vim.notify = function(msg, level, opts)
  table.insert(said, msg)
  return notify(msg, level, opts)
end

local function started()
  local client = vim.lsp.get_clients({ name = 'codeorigin' })[1]
  return client ~= nil and client.initialized == true, client
end

local function heard(want)
  for _, msg in ipairs(said) do
    if type(msg) == 'string' and msg:find(want, 1, true) then
      return true
    end
  end
  return false
end

vim.api.nvim_create_autocmd('VimEnter', {
  callback = function()
    local want = vim.g.codeorigin_test_said
    vim.wait(30000, function()
      return (not want or heard(want)) and (not vim.g.codeorigin_test_started or started())
    end, 50)
    local up, client = started()
    local out = { said = said, started = up, cmd = client and client.config.cmd or vim.NIL }
    vim.fn.writefile({ vim.json.encode(out) }, vim.g.codeorigin_test_out)
    vim.cmd('qa!')
  end,
})
