"""The language server's features, one module each, each a `state.Feature` that `server.FEATURES`
lists. A feature imports `state`, `vocabulary` and the services, never another feature."""
