"""The language server: the only part of codeorigin that imports pygls and lsprotocol.

One module per LSP feature, each with a `register(server)` function: `lifecycle` (initialize),
`configuration` (settings, live), `sync` (documents), `diagnostics` (push and pull), `hover`,
`code_lens`, `code_actions`, `commands`. They share the state in `server.CodeOriginServer`:
`options` (the settings dataclass), `models` (loaded models), `analysis` (scoring open documents),
`positions` (offsets to LSP positions), `documents` (LSP line counting), `progress`,
`capabilities` (what the client supports). Start it with `server.serve(...)` or
`python -m codeorigin.lsp`.
"""
