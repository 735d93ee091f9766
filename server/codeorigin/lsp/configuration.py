"""Live configuration: where settings come from, per workspace folder, and what a change re-does.

Layers, later ones winning key by key: the server's command line (`--threads`), the client's
`initializationOptions`, `workspace/configuration` for section "codeorigin" without a scope, and the
same request scoped to the document's workspace folder. Clients that cannot answer
`workspace/configuration` send their settings in `workspace/didChangeConfiguration` instead.

A change applies at once: every open document is re-analysed (cheap: scores are cached by text, so
only verdicts are recomputed) and re-published, a new `modelPath` or `threads` loads another model,
and pull-diagnostic and code-lens clients are asked to refresh.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from lsprotocol import types
from pygls.uris import to_fs_path

from codeorigin.lsp.options import SettingProblem, Settings, section, settings_from

if TYPE_CHECKING:
    from codeorigin.lsp.server import CodeOriginServer

log = logging.getLogger(__name__)

SECTION = "codeorigin"
FETCH_TIMEOUT = 10.0


class SettingsStore:
    """The raw layers and the settings resolved from them, globally and per workspace folder."""

    def __init__(self, base: Mapping[str, Any] | None = None) -> None:
        self.base: Mapping[str, Any] = dict(base or {})
        self.initialization: Mapping[str, Any] | None = None
        self.global_raw: Mapping[str, Any] | None = None
        self.folder_raw: dict[str, Mapping[str, Any] | None] = {}
        self.folders: dict[str, str] = {}  # unquoted folder URI (no trailing slash) -> URI
        self.global_settings = Settings()
        self._folder_settings: dict[str, Settings] = {}
        self._reported: set[str] = set()
        self.ready = asyncio.Event()  # set once the first configuration has been read

    def set_folders(self, uris: list[str]) -> None:
        self.folders = {unquote(u).rstrip("/"): u for u in uris}

    def resolve(self) -> list[SettingProblem]:
        """Recompute the settings from the layers; return the problems not reported before."""
        common = [self.base, self.initialization, self.global_raw]
        self.global_settings, problems = settings_from(common)
        self._folder_settings = {}
        for key, uri in self.folders.items():
            settings, more = settings_from([*common, self.folder_raw.get(uri)])
            self._folder_settings[key] = settings
            problems += more
        current = {p.message for p in problems}
        new = [p for p in _unique(problems) if p.message not in self._reported]
        self._reported = current  # a problem fixed and made again is reported again
        return new

    def folder_of(self, uri: str) -> str | None:
        """The unquoted workspace folder URI containing a document, the innermost one."""
        target = unquote(uri)
        best: str | None = None
        for key in self.folders:
            if target.startswith(key + "/") and (best is None or len(key) > len(best)):
                best = key
        return best

    def folder_path(self, uri: str) -> Path | None:
        """The file-system path of a document's workspace folder, if it has one."""
        folder = self.folder_of(uri)
        if folder is None:
            return None
        path = to_fs_path(self.folders[folder])
        return Path(path) if path else None

    def for_uri(self, uri: str | None) -> Settings:
        """The settings that apply to a document (its folder's, else the global ones)."""
        if uri is None:
            return self.global_settings
        folder = self.folder_of(uri)
        if folder is None:
            return self.global_settings
        return self._folder_settings.get(folder, self.global_settings)

    def all_settings(self) -> list[tuple[Settings, Path | None]]:
        """Every distinct settings object in use, with the folder it is resolved against."""
        out: list[tuple[Settings, Path | None]] = [(self.global_settings, None)]
        for key, settings in self._folder_settings.items():
            path = to_fs_path(self.folders[key])
            out.append((settings, Path(path) if path else None))
        return out


def _unique(problems: list[SettingProblem]) -> list[SettingProblem]:
    seen: set[str] = set()
    out = []
    for p in problems:
        if p.message not in seen:
            seen.add(p.message)
            out.append(p)
    return out


async def fetch(ls: CodeOriginServer) -> None:
    """Ask the client for the "codeorigin" section, globally and for each workspace folder."""
    store = ls.settings
    folder_uris = list(store.folders.values())
    items = [types.ConfigurationItem(section=SECTION)] + [
        types.ConfigurationItem(scope_uri=uri, section=SECTION) for uri in folder_uris
    ]
    try:
        values = await asyncio.wait_for(
            ls.workspace_configuration_async(types.ConfigurationParams(items=items)), FETCH_TIMEOUT
        )
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # the client may refuse; keep the settings we have
        log.warning("workspace/configuration failed: %s", exc)
        return
    values = list(values or [])
    values += [None] * (len(items) - len(values))
    store.global_raw = section(values[0])
    store.folder_raw = {uri: section(v) for uri, v in zip(folder_uris, values[1:])}


async def reload(ls: CodeOriginServer, pushed: Any = None) -> None:
    """Re-read the configuration and apply it. `pushed` is the payload of a
    `workspace/didChangeConfiguration` from a client that cannot answer configuration requests."""
    folders = [f.uri for f in ls.workspace.folders.values()]
    if not folders and ls.workspace.root_uri:
        folders = [ls.workspace.root_uri]  # a client that gave only a root: one folder
    ls.settings.set_folders(folders)
    if ls.client.configuration:
        await fetch(ls)
    elif pushed is not None:
        ls.settings.global_raw = section(pushed)
    apply(ls)


def apply(ls: CodeOriginServer) -> None:
    """Resolve the settings, report bad values, and redo what depends on them."""
    for problem in ls.settings.resolve():
        log.warning("%s", problem.message)
        ls.notify_user(problem.message, types.MessageType.Warning)
    ls.settings.ready.set()
    ls.models.forget_failures()
    ls.models.keep_only({ls.models.key(s, base) for s, base in ls.settings.all_settings()})
    ls.analyzer.rescore_all()
    ls.refresh_views()


def register(server: CodeOriginServer) -> None:
    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(
        ls: CodeOriginServer, params: types.DidChangeConfigurationParams
    ) -> None:
        await reload(ls, params.settings)

    @server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    async def did_change_workspace_folders(
        ls: CodeOriginServer, params: types.DidChangeWorkspaceFoldersParams
    ) -> None:
        await reload(ls)
