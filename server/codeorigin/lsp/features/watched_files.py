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

Two gaps are closed with other notifications:
- A client that does not watch files for the server (Neovim on Linux, where its watchers are off,
  or a client that refused the registration) sends `textDocument/didSave`: a save then scores the
  open documents again, so a settings file or baseline changed in a terminal or another buffer
  applies at the next save instead of at each document's next edit. With watchers registered a
  save does nothing: the watchers said already.
- A folder renamed in the editor: a watcher for `**/NAME` is not told when a folder above the file
  moves (VS Code says so of its watchers), so a baseline in a renamed folder stayed read, or
  unread, until the next edit. The server asks for `workspace/didRenameFiles` of folders only and
  scores the open documents again. Renamed files need nothing more: the watchers see a settings
  file or baseline renamed, and the editor closes an open document and opens it under its new name
  (`didClose` clears the old name's diagnostics).
"""

from __future__ import annotations

import logging

from lsprotocol import types

from codeorigin.lsp.state import CodeOriginServer, Feature

log = logging.getLogger(__name__)


RENAMED_FOLDERS = types.FileOperationRegistrationOptions(
    filters=[
        types.FileOperationFilter(
            pattern=types.FileOperationPattern(
                glob="**", matches=types.FileOperationPatternKind.Folder
            ),
            scheme="file",
        )
    ]
)


def rescore_open_documents(ls: CodeOriginServer) -> None:
    """Score every open document again (the files read again if they changed) and refresh."""
    ls.analyzer.rescore_all()
    ls.refresh_views()


def did_change_watched_files(
    ls: CodeOriginServer, params: types.DidChangeWatchedFilesParams
) -> None:
    log.info("changed on disk: %s", ", ".join(c.uri for c in params.changes[:5]) or "nothing")
    rescore_open_documents(ls)


def did_save(ls: CodeOriginServer, params: types.DidSaveTextDocumentParams) -> None:
    ls.saved(params.text_document.uri)  # git blame is read again (`features.provenance`)
    if ls.watching is None:  # no watcher registered: a save is when files on disk may count
        rescore_open_documents(ls)


def did_rename_files(ls: CodeOriginServer, params: types.RenameFilesParams) -> None:
    log.info("renamed: %s", ", ".join(f"{f.old_uri} -> {f.new_uri}" for f in params.files[:5]))
    rescore_open_documents(ls)


class WatchedFiles(Feature):
    def register(self, server: CodeOriginServer) -> None:
        server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)(did_change_watched_files)
        server.feature(types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False))(
            did_save
        )
        server.feature(types.WORKSPACE_DID_RENAME_FILES, RENAMED_FOLDERS)(did_rename_files)
