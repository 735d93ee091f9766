"""`codeorigin.scope`: `all` judges every function of a document, `changed` only those whose
lines differ from the file at git's HEAD, on the editor's buffer (saved or not), and of those not
the ones flagged at HEAD that the edit changed little, as `codeorigin scan --diff HEAD` sets them
aside. Over stdio with pytest-lsp, in a temporary git repository. The threshold is 0, so every
judged span is flagged, at HEAD as now."""

from __future__ import annotations

import asyncio
from pathlib import Path

from lsprotocol import types
from pytest_lsp import LanguageClient

from helpers.gitrepo import git, init_repo
from helpers.lsp_client import PY_DOC, Start, uri_in

FLAG_ALL = {"threshold": 0.0, "debounceMs": 0}
GAMMA = """

def gamma(items):
    seen = set()
    for item in items:
        seen.add(item)
    return sorted(seen)
"""
REWRITTEN = """\
    result = []
    for line in text.splitlines():
        result.append(line.strip())
    extra = [r for r in result if r]
    joined = " ".join(extra)
    return joined.split()
"""


def names(published: types.PublishDiagnosticsParams) -> list[str]:
    return [d.data["name"] for d in published.diagnostics]


async def hover_at(client: LanguageClient, uri: str, line: int) -> str:
    params = types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(line, 4))
    hover = await client.text_document_hover_async(params)
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    return hover.contents.value


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
    # A new function differs from HEAD: it is judged, the others are not.
    client.edit(uri, 2, (13, 0), (13, 0), GAMMA)
    assert names(await client.published_for(uri, version=2)) == ["gamma"]
    # A hover over alpha says why it has no verdict, instead of nothing.
    params = types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(1, 4))
    hover = await client.text_document_hover_async(params)
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "`alpha` is not judged: it is unchanged since git's HEAD" in hover.contents.value
    assert hover.range is not None and hover.range.start.line == 0


async def test_a_commit_in_a_terminal_applies_without_an_edit(start: Start, root: Path) -> None:
    """With `scope: changed` the client is asked to watch what moves git's HEAD; when it says
    the branch's ref changed (a commit made in a terminal), the open document is judged again
    against the new HEAD: gamma, committed, is no longer new and loses its diagnostic."""
    committed(root)
    uri = uri_in(root, "a.py")
    client = await start(init={**FLAG_ALL, "scope": "changed"})
    client.open(uri, PY_DOC)
    assert names(await client.published_for(uri, version=1)) == []
    client.edit(uri, 2, (13, 0), (13, 0), GAMMA)
    assert names(await client.published_for(uri, version=2)) == ["gamma"]
    for _ in range(250):  # registered after `initialized`, with no reply to wait for
        watchers = [w["globPattern"] for r in client.registrations  # type: ignore[attr-defined]
                    if r.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES
                    for w in r.register_options["watchers"]]  # fmt: skip
        if "**/.git/refs/heads/**" in watchers:
            break
        await asyncio.sleep(0.02)
    assert {"**/.git/HEAD", "**/.git/refs/heads/**"} <= set(watchers)
    lines = PY_DOC.splitlines(keepends=True)
    (root / "a.py").write_text("".join(lines[:13]) + GAMMA + "".join(lines[13:]))  # saved
    git(root, "commit", "-qam", "gamma")
    count = len(client.published)
    ref = types.FileEvent(uri_in(root, ".git/refs/heads/main"), types.FileChangeType.Changed)
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[ref]))
    assert names(await client.published_for(uri, version=2, after=count)) == []


async def test_changed_scope_sets_aside_what_head_flagged_as_scan_diff_does(
    start: Start, root: Path
) -> None:
    """A one-line edit inside beta, flagged at HEAD: no diagnostic (`scan --diff HEAD` exits 0
    on the same change), and its hover says it was flagged before; a rewrite of most of beta is
    the edit's own, and gets one."""
    committed(root)
    uri = uri_in(root, "a.py")
    client = await start(init={**FLAG_ALL, "scope": "changed"})
    client.open(uri, PY_DOC)
    assert names(await client.published_for(uri, version=1)) == []
    client.edit(uri, 2, (9, 0), (9, 0), "    extra = len(words) * 2\n")
    assert names(await client.published_for(uri, version=2)) == []
    said = await hover_at(client, uri, 8)
    assert "No diagnostic: flagged before this edit, at git's HEAD (" in said
    assert "`alpha` is not judged: it is unchanged" in await hover_at(client, uri, 1)
    # beta rewritten from its second line on: 6 of its 7 lines are new.
    client.edit(uri, 3, (8, 0), (14, 0), REWRITTEN)
    assert names(await client.published_for(uri, version=3)) == ["beta"]
    assert "No diagnostic" not in await hover_at(client, uri, 8)


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
    await client.published_for(uri, version=2)  # beta is judged (and flagged before the edit)
    assert "No diagnostic: flagged before this edit" in await hover_at(client, uri, 11)
    assert "`alpha` is not judged: it is unchanged" in await hover_at(client, uri, 1)


async def test_changed_scope_sets_aside_a_flagged_function_moved_unchanged(
    start: Start, root: Path
) -> None:
    """beta moved above alpha: git's lines say one of them is all new, but its text is HEAD's,
    flagged there, so neither gets a diagnostic (`scan --diff HEAD` exits 0 on it too)."""
    committed(root)
    uri = uri_in(root, "a.py")
    client = await start(init={**FLAG_ALL, "scope": "changed"})
    client.open(uri, PY_DOC)
    assert names(await client.published_for(uri, version=1)) == []
    alpha, beta = PY_DOC.split("\n\n\n")
    client.edit(uri, 2, (0, 0), (13, 0), beta + "\n\n" + alpha + "\n")
    assert names(await client.published_for(uri, version=2)) == []
    said = [await hover_at(client, uri, 1), await hover_at(client, uri, 9)]
    assert any("No diagnostic: flagged before this edit, at git's HEAD (" in s for s in said), said
