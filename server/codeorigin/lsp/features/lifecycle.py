"""Lifecycle: `initialize`, `initialized`, `shutdown` and `exit`.

At `initialize` the server reads the client's capabilities, takes the settings given as
`initializationOptions`, swaps in a workspace that counts lines the LSP way, and, for clients that
will not pull diagnostics, withdraws the pull-diagnostic handlers before the capabilities are
computed. At `initialized` it asks for the configuration, applies it, asks the client to watch the
files the verdicts depend on (`features.watched_files`) and starts loading the model in the
background, so the first document does not wait for it and a missing model is reported at once.
"""

from __future__ import annotations

import asyncio
import logging

from lsprotocol import types

from codeorigin.lsp.capabilities import ClientFeatures
from codeorigin.lsp.documents import LspWorkspace
from codeorigin.lsp.options import section
from codeorigin.lsp.state import CodeOriginServer, Feature
from codeorigin.lsp.vocabulary import SECTION

log = logging.getLogger(__name__)


def initialize(ls: CodeOriginServer, params: types.InitializeParams) -> None:
    ls.client = ClientFeatures.of(params.capabilities)
    ls.attach_client_log()
    ls.settings.initialization = section(params.initialization_options)
    ls.protocol._workspace = LspWorkspace.replacing(ls.workspace)
    if not ls.client.pull_diagnostics:
        for method in (types.TEXT_DOCUMENT_DIAGNOSTIC, types.WORKSPACE_DIAGNOSTIC):
            ls.protocol.fm.features.pop(method, None)
            ls.protocol.fm.feature_options.pop(method, None)
    name = params.client_info.name if params.client_info else "unknown client"
    log.info(
        "client %s: position encoding %s, %s diagnostics",
        name,
        ls.workspace.position_encoding,
        "pull" if ls.client.pull_diagnostics else "push",
    )


async def initialized(ls: CodeOriginServer, params: types.InitializedParams) -> None:
    if ls.client.configuration_dynamic:
        try:
            await ls.client_register_capability_async(
                types.RegistrationParams(
                    registrations=[
                        types.Registration(
                            id="codeorigin-configuration",
                            method=types.WORKSPACE_DID_CHANGE_CONFIGURATION,
                            register_options=types.DidChangeConfigurationRegistrationOptions(
                                section=SECTION
                            ),
                        )
                    ]
                )
            )
        except Exception as exc:  # not fatal: the client may still send the notification
            log.warning("could not register for configuration changes: %s", exc)
    await ls.reload_settings()  # and asks the client to watch the files verdicts depend on
    settings = ls.settings.global_settings
    if settings.enable:
        key = ls.models.key(settings, None)
        ls.models.preload = asyncio.ensure_future(ls.models.engine(key))


def shutdown(ls: CodeOriginServer, params: None) -> None:
    ls.analyzer.shutdown()
    ls.attributions.shutdown()


def exit_(ls: CodeOriginServer, params: None) -> None:
    ls.exit_requested = True  # `serve` ends the process with LSP's exit code


class Lifecycle(Feature):
    def register(self, server: CodeOriginServer) -> None:
        server.feature(types.INITIALIZE)(initialize)
        server.feature(types.INITIALIZED)(initialized)
        server.feature(types.SHUTDOWN)(shutdown)
        server.feature(types.EXIT)(exit_)
