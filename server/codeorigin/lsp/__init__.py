"""The language server: the only part of codeorigin that imports pygls and lsprotocol.

Floors, each importing only the ones below it:

- words and data: `vocabulary` (command ids, verdict words, percent formats), `options` (the typed
  `Settings`; `option_values`, the checks of their values), `positions`, `capabilities`,
  `documents`, `arguments` (`--log-level`, which `codeorigin serve` takes too: no pygls, so the
  command line's parser reads it cheaply);
- `host.Host`: pygls' server with the model thread, the client's features, the settings in effect
  (`settings_store`) and messages to the user;
- services on the host: `model_registry` (loaded models), `baselines`, `progress`, `analysis`
  (scoring open documents; `scope`, what a run scores), `attribution_jobs` (Integrated Gradients
  on their own thread);
- `state`: `CodeOriginServer` with those services, and `Feature`, the hooks it calls;
- `features/`: one module per LSP feature, each a `Feature`; none imports another;
- `server`: the list of features, `create_server`, `serve`, and `main` (`python -m codeorigin.lsp`).
"""
