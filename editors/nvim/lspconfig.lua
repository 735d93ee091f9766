-- codeorigin for Neovim 0.10 with nvim-lspconfig: registers a custom server config and sets it up.
-- On Neovim 0.11+ use codeorigin.lua beside this file instead, with or without nvim-lspconfig:
-- it uses the built-in vim.lsp.config, and nvim-lspconfig deprecates the framework used here.
--
-- Put this in your init.lua after nvim-lspconfig is loaded, or: dofile('/path/to/editors/nvim/lspconfig.lua')
-- It does what codeorigin.lua does, with codeorigin.lua's own functions: the server is
-- `<python> -m codeorigin serve`, where <python> is vim.g.codeorigin_python, else
-- $CODEORIGIN_PYTHON, else this checkout's .venv/bin/python, else 'python3' (a Python that cannot
-- run, or whose server ends before it starts, is named in a warning); vim.g.codeorigin_settings =
-- { threshold = 0.9 } overrides any setting; the commands :CodeoriginExplain, :CodeoriginRescore and
-- :CodeoriginStatus run the server's own, :CodeoriginRestart starts it again; code lenses, and inlay
-- hints with `inlayHints = true`. To change a setting while the server runs (Neovim 0.10's client
-- methods take no `self`: client.notify, where codeorigin.lua's recipe on 0.11 has client:notify):
--   :lua local c = vim.lsp.get_clients({ name = 'codeorigin' })[1]; c.settings.codeorigin.threshold = 0.9; c.notify('workspace/didChangeConfiguration', { settings = c.settings })

local found, configs = pcall(require, 'lspconfig.configs')
if not found then
  vim.notify(
    'codeorigin: lspconfig.lua needs nvim-lspconfig, which is not on the runtimepath (load it before '
      .. 'this file); on Neovim 0.11+ use codeorigin.lua beside it instead, which needs no plugin',
    vim.log.levels.WARN
  )
  return
end
local util = require('lspconfig.util')

local here = debug.getinfo(1, 'S').source:match('^@(.*[/\\])') or './'
local codeorigin = assert(loadfile(here .. 'codeorigin.lua'))('functions')
-- The command, the filetypes the server scores and the settings (the same keys and defaults as VS
-- Code's `codeorigin.*` settings, without the prefix, shared with codeorigin.lua), and the warnings.
local config = codeorigin.client_config(dofile(here .. 'codeorigin_settings.lua'))
config.root_dir = util.root_pattern('.git', 'pyproject.toml', 'package.json')
config.single_file_support = true

-- Register once: configs.<name> may only be assigned when it does not exist yet.
if not configs.codeorigin then
  configs.codeorigin = {
    default_config = config,
    docs = {
      description = 'codeorigin: how likely each function was written by an LLM, and why.',
    },
  }
end

require('lspconfig').codeorigin.setup({
  on_attach = function(client, buf)
    codeorigin.on_attach(client, buf)
  end,
})

-- :CodeoriginRestart starts the server as opening a file does, by the buffers' FileType event.
codeorigin.create_commands(function()
  codeorigin.start_by_filetype(config.filetypes)
end)
