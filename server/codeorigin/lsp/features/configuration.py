"""Live configuration: settings changes and workspace folder changes apply at once.

Where settings come from, and in which order, is `settings_store`'s; reading them from the client
and applying them is `CodeOriginServer.reload_settings`. Clients that cannot answer
`workspace/configuration` send their settings in `workspace/didChangeConfiguration` instead.

A change applies at once: every open document is re-analysed (cheap: scores are cached by text, so
only verdicts are recomputed) and re-published, a new `modelPath` or `threads` loads another model,
and pull-diagnostic, code-lens and inlay-hint clients are asked to refresh.
"""

from __future__ import annotations

from lsprotocol import types

from codeorigin.lsp.state import CodeOriginServer, Feature


async def did_change_configuration(
    ls: CodeOriginServer, params: types.DidChangeConfigurationParams
) -> None:
    await ls.reload_settings(params.settings)


async def did_change_workspace_folders(
    ls: CodeOriginServer, params: types.DidChangeWorkspaceFoldersParams
) -> None:
    await ls.reload_settings()


class Configuration(Feature):
    def register(self, server: CodeOriginServer) -> None:
        server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)(did_change_configuration)
        server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)(did_change_workspace_folders)
