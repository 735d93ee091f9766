-- codeorigin for nvim-lspconfig users: registers a custom server config and sets it up.
-- (On Neovim 0.11+ without nvim-lspconfig, use codeorigin.lua beside this file instead.)
--
-- Put this in your init.lua after nvim-lspconfig is loaded, or: dofile('/path/to/editors/nvim/lspconfig.lua')
-- The server is `<python> -m codeorigin serve`, where <python> is vim.g.codeorigin_python,
-- else $CODEORIGIN_PYTHON, else 'python3'; that Python needs codeorigin installed.

local configs = require('lspconfig.configs')
local util = require('lspconfig.util')

local python = vim.g.codeorigin_python or vim.env.CODEORIGIN_PYTHON
if python == nil or python == '' then
  python = 'python3'
end

-- The filetypes the server scores and the default settings (the same keys and defaults as VS Code's
-- `codeorigin.*` settings, without the prefix), shared with codeorigin.lua.
local here = debug.getinfo(1, 'S').source:match('^@(.*[/\\])') or './'
local shared = dofile(here .. 'codeorigin_settings.lua')
local filetypes = shared.filetypes
local settings = shared.settings()

-- Register once: configs.<name> may only be assigned when it does not exist yet.
if not configs.codeorigin then
  configs.codeorigin = {
    default_config = {
      cmd = { python, '-m', 'codeorigin', 'serve' },
      filetypes = filetypes,
      root_dir = util.root_pattern('.git', 'pyproject.toml', 'package.json'),
      single_file_support = true,
      init_options = settings, -- initializationOptions
      settings = { codeorigin = settings }, -- answers workspace/configuration for 'codeorigin'
    },
    docs = {
      description = 'codeorigin: how likely each function was written by an LLM, and why.',
    },
  }
end

-- Anything passed here overrides the defaults above, e.g. setup({ settings = { codeorigin = {...} } }).
require('lspconfig').codeorigin.setup({})
