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

local filetypes = {
  'python', 'java', 'c', 'cpp', 'javascript', 'javascriptreact',
  'typescript', 'typescriptreact', 'go', 'rust', 'ruby', 'php',
}

-- Same keys and defaults as VS Code's `codeorigin.*` settings, without the prefix (vim.NIL = null).
local settings = {
  enable = true,
  threshold = vim.NIL, -- null: the model's calibrated threshold; else 0..1
  minLines = 3, -- statement lines of the body (not braces, not the signature)
  minTokens = 8, -- identifier and literal tokens of the body
  severity = 'information', -- 'error' | 'warning' | 'information' | 'hint'
  showUncertain = false,
  codeLens = true,
  languages = vim.list_slice(filetypes),
  modelPath = '', -- '': the model shipped with the server
  debounceMs = 400,
  maxFileBytes = 1000000,
  threads = 1,
  inlayHints = false,
  igSteps = vim.NIL, -- null: the model's default number of integrated-gradients steps
  baseline = '', -- a file from `codeorigin scan --write-baseline`; relative: to the root folder
  extensions = vim.empty_dict(), -- e.g. { ['.h'] = 'cpp' }; a .h file is C or C++ by its content
}

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
