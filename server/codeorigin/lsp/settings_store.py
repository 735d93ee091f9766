"""The settings in effect: the raw layers they come from, resolved globally and per workspace folder.

Layers, later ones winning key by key: the server's command line (`--threads`), the client's
`initializationOptions`, `workspace/configuration` for section "codeorigin" without a scope (or a
pushed `workspace/didChangeConfiguration`), and the same request scoped to the document's workspace
folder. `initializationOptions` hold only until the client's own configuration arrives (a
non-empty one): from then on that is the whole of its settings, so a key the user removes goes
back to its default, not to the value it had at start-up. `resolve` validates them (`options`)
and returns the problems a user should hear about once; `for_uri` answers which settings apply
to a document. Reading the layers from the client is the server's (`state.CodeOriginServer`).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from pygls.uris import to_fs_path

from codeorigin.lsp.options import SettingProblem, Settings, settings_from


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
        self.folders = {_key(u).rstrip("/"): u for u in uris}

    def resolve(self) -> list[SettingProblem]:
        """Recompute the settings from the layers; return the problems not reported before."""
        # An empty answer (`{}`: a client with nothing configured for us) leaves them in force.
        start_up = self.initialization if not self.global_raw else None
        common = [self.base, start_up, self.global_raw]
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
        target = _key(uri)
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
        return _fs_path(self.folders[folder])

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
            out.append((settings, _fs_path(self.folders[key])))
        return out


def _key(uri: str) -> str:
    """A URI as folders and documents are matched: unquoted, and a Windows drive letter in
    lowercase (`file:///C%3A/x` and `file:///c:/x` name one folder; clients write either)."""
    return re.sub(r"^(file:///)([A-Za-z]):", lambda m: m[1] + m[2].lower() + ":", unquote(uri))


def _fs_path(uri: str) -> Path | None:
    """A folder URI's path; None for another scheme, or for a URI urllib cannot parse (a client's
    `file://[x`: one bad folder must not stop settings from applying to every document)."""
    try:
        path = to_fs_path(uri)
    except ValueError:
        return None
    return Path(path) if path else None


def _unique(problems: list[SettingProblem]) -> list[SettingProblem]:
    seen: set[str] = set()
    out = []
    for p in problems:
        if p.message not in seen:
            seen.add(p.message)
            out.append(p)
    return out
