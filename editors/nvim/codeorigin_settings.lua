-- Written by `python -m codeorigin.lsp.editor_settings` from the server's typed settings
-- (server/codeorigin/lsp/options.py) and language table (server/codeorigin/core/languages.py).
-- Do not edit: change those and run the command again.
--
-- What codeorigin.lua and lspconfig.lua share: the filetypes the server scores and the server
-- settings with VS Code's keys and defaults, without the `codeorigin.` prefix. vim.NIL is JSON
-- null (a Lua nil would drop the key).
local M = {}

M.filetypes = {
  'python', 'java', 'c', 'cpp', 'javascript', 'javascriptreact', 'typescript', 'typescriptreact',
  'go', 'rust', 'ruby', 'php', 'csharp', 'cs', 'kotlin', 'swift',
}

--- A new table of the default settings (callers may change it).
function M.settings()
  return {
    enable = true,
    threshold = vim.NIL, -- null: the model's calibrated threshold; else 0..1
    minLines = 3, -- statement lines of the body (not braces, not the signature)
    minTokens = 8, -- identifier and literal tokens of the body
    severity = 'information', -- 'error' | 'warning' | 'information' | 'hint'
    showUncertain = false,
    codeLens = true,
    provenance = true,
    languages = vim.list_slice(M.filetypes), -- null: every supported language
    modelPath = '', -- '': the server's --model, else the model shipped with the server
    debounceMs = 400,
    maxFileBytes = 1000000,
    threads = 1,
    inlayHints = false,
    igSteps = vim.NIL, -- null: the model's default number of integrated-gradients steps
    baseline = '', -- a file from `codeorigin scan --write-baseline`; relative: to the folder
    extensions = vim.empty_dict(), -- e.g. { ['.h'] = 'cpp' }; a .h file is C or C++ by its content
    includeGenerated = false, -- also score generated and vendored code
    scope = 'all', -- 'all' | 'changed': only functions that differ from git's HEAD
  }
end

return M
