-- codeorigin for Neovim 0.10 with nvim-lspconfig: registers a custom server config and sets it up.
-- On Neovim 0.11+ use codeorigin.lua beside this file instead, with or without nvim-lspconfig:
-- it uses the built-in vim.lsp.config, and nvim-lspconfig deprecates the framework used here.
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
-- vim.g.codeorigin_settings = { threshold = 0.9 } overrides any of them, as in codeorigin.lua.
for key, value in pairs(vim.g.codeorigin_settings or {}) do
  settings[key] = value
end

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

require('lspconfig').codeorigin.setup({
  -- Neovim 0.10 shows code lenses only when asked to refresh them.
  on_attach = function(client, buf)
    if not client.supports_method('textDocument/codeLens') then
      return
    end
    vim.lsp.codelens.refresh({ bufnr = buf })
    vim.api.nvim_create_autocmd({ 'BufEnter', 'InsertLeave', 'TextChanged' }, {
      group = vim.api.nvim_create_augroup('codeorigin-lenses-' .. buf, { clear = true }),
      buffer = buf,
      callback = function()
        vim.lsp.codelens.refresh({ bufnr = buf })
      end,
    })
  end,
})
