"""Saves and folder renames, over the wire: the files the verdicts depend on (the settings file,
the baseline) count at once where no file watcher tells the server.

A client that does not watch files for the server (Neovim on Linux) saw a settings file changed in
a terminal only at each document's next edit: a save now scores the open documents again. A
folder renamed in the editor is not seen by watchers of the files inside it: the server asks for
`workspace/didRenameFiles` of folders and scores the open documents again.
"""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types

from helpers.cli import scan
from helpers.lsp_client import PY_DOC, Start, uri_in


async def test_a_save_applies_a_settings_file_changed_meanwhile_without_watchers(
    start: Start, root: Path
) -> None:
    client = await start("neovim", init={"threshold": 0.0})  # Neovim registers no watchers
    sync = client.server_capabilities.text_document_sync
    assert isinstance(sync, types.TextDocumentSyncOptions) and sync.save
    uri = uri_in(root, "app.py")
    client.open(uri, PY_DOC)
    assert len((await client.published_for(uri, version=1)).diagnostics) == 2
    (root / ".codeorigin.toml").write_text('exclude = ["app.py"]\n')  # in a terminal
    count = len(client.published)
    client.text_document_did_save(
        types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(uri))
    )
    assert not (await client.published_for(uri, version=1, after=count)).diagnostics
    assert (await client.status(uri))["document"]["skipped"] == "excluded"


async def test_a_folder_renamed_in_the_editor_moves_the_baseline_at_once(
    start: Start, root: Path, tiny_model_dir: Path
) -> None:
    """The baseline setting names `tools/known.json`; the baseline was written to `ci/`, and the
    user renames `ci` to `tools`: the known findings leave the diagnostics without an edit."""
    (root / "app.py").write_text(PY_DOC)
    (root / "ci").mkdir()
    written = scan("app.py", "--model", str(tiny_model_dir), "--threshold", "0",
                   "--write-baseline", "ci/known.json", cwd=root)  # fmt: skip
    assert written.returncode == 0, written.stderr
    client = await start(init={"threshold": 0.0, "baseline": "tools/known.json"})
    renames = client.server_capabilities.workspace.file_operations.did_rename  # type: ignore[union-attr]
    assert renames is not None
    assert [(f.pattern.glob, f.pattern.matches) for f in renames.filters] == [
        ("**", types.FileOperationPatternKind.Folder)
    ]
    uri = uri_in(root, "app.py")
    client.open(uri, PY_DOC)
    assert len((await client.published_for(uri, version=1)).diagnostics) == 2
    (root / "ci").rename(root / "tools")
    count = len(client.published)
    client.workspace_did_rename_files(
        types.RenameFilesParams(
            files=[types.FileRename(old_uri=uri_in(root, "ci"), new_uri=uri_in(root, "tools"))]
        )
    )
    assert not (await client.published_for(uri, version=1, after=count)).diagnostics
    hover = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(1, 4))
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "known from the baseline (tools/known.json)" in hover.contents.value
