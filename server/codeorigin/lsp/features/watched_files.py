"""Files the verdicts depend on, watched: the project's settings file and the baseline.

An open document's verdicts depend on files the editor may never show: `.codeorigin.toml` (or
`pyproject.toml`'s `[tool.codeorigin]`), whose `exclude` leaves files out, and the baseline file
that `codeorigin.baseline` names, which `scan --write-baseline` rewrites in a terminal. Both are
read again when they change on disk (`project` and `lsp.baselines` check their modification
times), but only when a document is scored again; without a watcher an open document kept its
old verdicts until its next edit.

So, with a client that registers file watchers dynamically, the server asks it to watch
`**/.codeorigin.toml`, `**/pyproject.toml` and each baseline file's name (`**/NAME`), registered
again when the baseline setting changes (`CodeOriginServer.watch_files`, as settings are
applied); any `workspace/didChangeWatchedFiles` then scores every open document again (cheap:
scores are cached by text, so only verdicts are recomputed) and asks pulling clients to refresh.
The notification is handled whether the server registered or not (a client may watch on its own).
"""

from __future__ import annotations

import logging

from lsprotocol import types

from codeorigin.lsp.state import CodeOriginServer, Feature

log = logging.getLogger(__name__)


def did_change_watched_files(
    ls: CodeOriginServer, params: types.DidChangeWatchedFilesParams
) -> None:
    log.info("changed on disk: %s", ", ".join(c.uri for c in params.changes[:5]) or "nothing")
    ls.analyzer.rescore_all()
    ls.refresh_views()


class WatchedFiles(Feature):
    def register(self, server: CodeOriginServer) -> None:
        server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)(did_change_watched_files)
