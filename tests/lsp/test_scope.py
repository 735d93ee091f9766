"""`codeorigin.scope`: `all` judges every function of a document, `changed` only those whose
lines differ from the file at git's HEAD, on the editor's buffer (saved or not). Over stdio with
pytest-lsp, in a temporary git repository. The threshold is 0, so every judged span gets a
diagnostic."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types

from helpers.gitrepo import git, init_repo
from helpers.lsp_client import PY_DOC, Start, uri_in

FLAG_ALL = {"threshold": 0.0, "debounceMs": 0}


def names(published: types.PublishDiagnosticsParams) -> list[str]:
    return [d.data["name"] for d in published.diagnostics]


def committed(root: Path) -> None:
    init_repo(root)
    (root / "a.py").write_text(PY_DOC)
    git(root, "add", "a.py")
    git(root, "commit", "-qm", "a")


async def test_changed_scope_judges_only_what_differs_from_head(start: Start, root: Path) -> None:
    committed(root)
    uri = uri_in(root, "a.py")
    everything = await start(init=FLAG_ALL)
    everything.open(uri, PY_DOC)
    assert names(await everything.published_for(uri, version=1)) == ["alpha", "beta"]

    client = await start(init={**FLAG_ALL, "scope": "changed"})
    client.open(uri, PY_DOC)
    assert names(await client.published_for(uri, version=1)) == []  # as committed
    # An unsaved edit inside beta: beta differs from HEAD now, alpha does not.
    client.edit(uri, 2, (9, 0), (9, 0), "    extra = len(words) * 2\n")
    assert names(await client.published_for(uri, version=2)) == ["beta"]
    # A hover over alpha says why it has no verdict, instead of nothing.
    params = types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(1, 4))
    hover = await client.text_document_hover_async(params)
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "alpha is not judged: it is unchanged since git's HEAD" in hover.contents.value
    assert hover.range is not None and hover.range.start.line == 0


async def test_changed_scope_takes_new_files_and_files_outside_git_whole(
    start: Start, root: Path
) -> None:
    committed(root)
    (root / "new.py").write_text(PY_DOC)  # untracked
    client = await start(init={**FLAG_ALL, "scope": "changed"})
    new = uri_in(root, "new.py")
    client.open(new, PY_DOC)
    assert names(await client.published_for(new, version=1)) == ["alpha", "beta"]


async def test_a_bad_scope_is_reported_and_falls_back_to_all(start: Start, root: Path) -> None:
    committed(root)
    client = await start(init={**FLAG_ALL, "scope": "mine"})
    message = await client.message_matching("codeorigin.scope")
    assert '"all", "changed"' in message.message and 'Using the default ("all")' in message.message
    uri = uri_in(root, "a.py")
    client.open(uri, PY_DOC)
    assert names(await client.published_for(uri, version=1)) == ["alpha", "beta"]


async def test_changed_scope_counts_lines_as_lsp_does(start: Start, root: Path) -> None:
    """A form feed (a Python file's page break) ends no line for LSP, git or the spans: an edit
    in beta below it judges beta, not a span three lines off."""
    init_repo(root)
    paged = PY_DOC.replace("\n\n\ndef beta", "\n\x0c\n\x0c\ndef beta")
    (root / "p.py").write_text(paged)
    git(root, "add", "p.py")
    git(root, "commit", "-qm", "p")
    client = await start(init={**FLAG_ALL, "scope": "changed"})
    uri = uri_in(root, "p.py")
    client.open(uri, paged)
    assert names(await client.published_for(uri, version=1)) == []
    client.edit(uri, 2, (12, 0), (12, 0), "    extra = len(words) * 2\n")
    assert names(await client.published_for(uri, version=2)) == ["beta"]
