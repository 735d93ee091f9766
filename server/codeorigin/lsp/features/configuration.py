"""Live configuration: settings changes and workspace folder changes apply at once.

Where settings come from, and in which order, is `settings_store`'s; reading them from the client
and applying them is `CodeOriginServer.reload_settings`. Clients that cannot answer
`workspace/configuration` send their settings in `workspace/didChangeConfiguration` instead.

A change applies at once: every open document is re-analysed (cheap: scores are cached by text, so
only verdicts are recomputed) and re-published, a new `modelPath` or `threads` loads another model,
and pull-diagnostic, code-lens and inlay-hint clients are asked to refresh.

An answer to `workspace/configuration` must be a JSON array, one value per item asked. lsprotocol
reads any sequence as one, so a client's string answer became a list of its characters and an
object a list of its keys, each then "ignored as not an object". `keep_answers_that_are_no_array`
hands such an answer over as it came, which `CodeOriginServer` ignores with one log line.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from codeorigin.lsp.state import CodeOriginServer, Feature

if TYPE_CHECKING:
    from cattrs import Converter  # pygls' converter of messages


async def did_change_configuration(
    ls: CodeOriginServer, params: types.DidChangeConfigurationParams
) -> None:
    await ls.reload_settings(params.settings)  # a new baseline's file watched too


async def did_change_workspace_folders(
    ls: CodeOriginServer, params: types.DidChangeWorkspaceFoldersParams
) -> None:
    await ls.reload_settings()


def keep_answers_that_are_no_array(converter: Converter) -> None:
    """Read an answer to `workspace/configuration` whose result is not a JSON array (nor null) as
    it came, instead of as a sequence of its characters or keys."""
    structure = converter.get_structure_hook(types.ConfigurationResponse)

    def read(data: Any, cls: type) -> Any:
        result = data.get("result") if isinstance(data, Mapping) else None
        if result is None or isinstance(result, list):
            return structure(data, cls)
        return types.ConfigurationResponse(id=data.get("id"), result=result)

    converter.register_structure_hook(types.ConfigurationResponse, read)


class Configuration(Feature):
    def register(self, server: CodeOriginServer) -> None:
        keep_answers_that_are_no_array(server.protocol._converter)
        server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)(did_change_configuration)
        server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)(did_change_workspace_folders)
