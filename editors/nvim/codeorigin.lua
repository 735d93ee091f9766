-- codeorigin for Neovim 0.11+, with the built-in LSP client and no plugin.
--
-- Use it as the whole configuration:      nvim -u editors/nvim/codeorigin.lua file.py
-- or load it from your init.lua:          dofile('/path/to/codeorigin/editors/nvim/codeorigin.lua')
--
-- The server is `<python> -m codeorigin serve` over stdio, where <python> is, first found:
-- vim.g.codeorigin_python, $CODEORIGIN_PYTHON, 'python3'. That Python needs codeorigin installed
-- (`<python> -m pip install <path-to-repo>`). Diagnostics, hovers and code actions work as for any
-- language server; `:checkhealth vim.lsp` shows whether it started and `:LspLog` why not.

--- A non-empty string, or nil.
local function nonempty(value)
  if type(value) == 'string' and value ~= '' then
    return value
  end
  return nil
end

local python = nonempty(vim.g.codeorigin_python) or nonempty(vim.env.CODEORIGIN_PYTHON) or 'python3'

-- The filetypes the server scores and the default settings, shared with lspconfig.lua (and written
-- from the server's typed settings). Override any setting with
-- vim.g.codeorigin_settings = { threshold = 0.9 } before this file is loaded.
local here = debug.getinfo(1, 'S').source:match('^@(.*[/\\])') or './'
local shared = dofile(here .. 'codeorigin_settings.lua')
local filetypes = shared.filetypes
local settings = shared.settings()
-- A shallow merge: the settings are flat, and a list given here (languages) replaces the default.
for key, value in pairs(vim.g.codeorigin_settings or {}) do
  settings[key] = value
end

vim.lsp.config('codeorigin', {
  cmd = { python, '-m', 'codeorigin', 'serve' },
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

-- Neovim shows code lenses only when asked to refresh them; do so for codeorigin's buffers.
vim.api.nvim_create_autocmd('LspAttach', {
  group = vim.api.nvim_create_augroup('codeorigin', { clear = true }),
  callback = function(args)
    local client = vim.lsp.get_client_by_id(args.data.client_id)
    if not client or client.name ~= 'codeorigin' or not client:supports_method('textDocument/codeLens') then
      return
    end
    vim.lsp.codelens.refresh({ bufnr = args.buf })
    vim.api.nvim_create_autocmd({ 'BufEnter', 'InsertLeave', 'TextChanged' }, {
      group = 'codeorigin',
      buffer = args.buf,
      callback = function()
        vim.lsp.codelens.refresh({ bufnr = args.buf })
      end,
    })
  end,
})
