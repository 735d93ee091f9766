"""Provenance in the editor, over stdio on a real git repository: the hover and the code lens name
the agent whose signed commits hold a function's lines (git blame, read on open and save), say
that a function without a marker proves nothing, and `codeorigin.provenance: false` turns it off.
With the shipped model, the hover says what `codeorigin scan` makes of the functions the span's
commit wrote, judged together.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from lsprotocol import types

from helpers.gitrepo import AGENT, PERSON, repo_with_a_squash_merge, repo_with_an_agent_commit
from helpers.lsp_client import TIMEOUT, Client, Start

FLAG_ALL = {"threshold": 0.0, "debounceMs": 0, "minLines": 1, "minTokens": 1}


def repository(root: Path) -> Path:
    return repo_with_an_agent_commit(root)


async def hover_text(client: Client, uri: str, line: int) -> str:
    params = types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(line, 6))
    hover = await asyncio.wait_for(client.text_document_hover_async(params), TIMEOUT)
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    return hover.contents.value


async def lens_titles(client: Client, uri: str) -> list[str]:
    params = types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri))
    lenses = await asyncio.wait_for(client.text_document_code_lens_async(params), TIMEOUT)
    return [lens.command.title for lens in lenses or [] if lens.command]


async def eventually(check, what: str):  # type: ignore[no-untyped-def]
    """The blame is read on a thread of its own: wait for what it shows."""
    for _ in range(100):
        got = await check()
        if got:
            return got
        await asyncio.sleep(0.1)
    raise AssertionError(f"never: {what}")


async def opened_with_provenance(start: Start, repo: Path) -> tuple[Client, str, str]:
    """The server with `repo`'s app.py open, and the hover of its agent's function once it shows
    the blame's provenance."""
    client = await start(init=FLAG_ALL)
    uri = (repo / "app.py").as_uri()
    client.open(uri, (repo / "app.py").read_text())
    await client.published_for(uri, version=1)

    async def agent_in_hover() -> str | None:
        said = await hover_text(client, uri, 7)
        return said if "Provenance" in said else None

    return client, uri, await eventually(agent_in_hover, "the hover's provenance")


async def test_the_hover_says_when_the_signed_commit_squash_merged_a_pull_request(
    start: Start, root: Path
) -> None:
    _, _, hover = await opened_with_provenance(start, repo_with_a_squash_merge(root))
    said = " ".join(hover.split())
    assert "Claude Code signed the commits of 6 of 6 lines (100%)" in said
    assert "its subject ends with (#12), as a squash-merged pull request's does: such a " \
        "marker may stand for only some of the pull request's commits" in said


async def test_the_hover_and_the_lens_name_the_agent_that_signed_the_lines(
    start: Start, root: Path
) -> None:
    repo = repository(root)
    client, uri, said = await opened_with_provenance(start, repo)
    assert "Claude Code signed the commits of 6 of 6 lines (100%)" in said
    assert '"Co-Authored-By: Claude <noreply@anthropic.com>"' in said
    assert "no agent marker: that proves nothing" in await hover_text(client, uri, 1)
    titles = await lens_titles(client, uri)
    assert len(titles) == 2 and titles[1].endswith(" · Claude Code signed 6/6 lines")
    assert "signed" not in titles[0]

    # Lines added since the blame: the hover says that saving reads it again; a save does.
    text = (repo / "app.py").read_text() + "\n\ndef later(a):\n    b = a + 1\n    return b * 2\n"
    client.edit(uri, 2, (13, 0), (13, 0), text[len((repo / "app.py").read_text()) :])
    await client.published_for(uri, version=2)
    assert "save to read it again" in await hover_text(client, uri, 7)
    (repo / "app.py").write_text(text)
    client.text_document_did_save(
        types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(uri))
    )

    async def read_again() -> str | None:
        said = await hover_text(client, uri, 7)
        return said if "Claude Code signed" in said else None

    await eventually(read_again, "the blame read again after the save")
    assert "no agent marker" in await hover_text(client, uri, 16)  # not committed: no marker


async def test_the_setting_turns_it_off_and_a_file_outside_git_shows_none(
    start: Start, root: Path
) -> None:
    repo = repository(root)
    client = await start(init={**FLAG_ALL, "provenance": False})
    uri = (repo / "app.py").as_uri()
    client.open(uri, (repo / "app.py").read_text())
    await client.published_for(uri, version=1)
    await asyncio.sleep(0.5)
    assert "Provenance" not in await hover_text(client, uri, 7)
    assert not any("signed" in t for t in await lens_titles(client, uri))
    # Outside any repository the hover has no provenance section at all.
    client = await start(init=FLAG_ALL)
    alone = root / "alone.py"
    alone.write_text(PERSON + AGENT)
    client.open(alone.as_uri(), alone.read_text())
    await client.published_for(alone.as_uri(), version=1)
    await asyncio.sleep(0.5)
    assert "Provenance" not in await hover_text(client, alone.as_uri(), 7)


@pytest.mark.parametrize(
    ("basis", "said"),
    [("", "calibrated on 400 functions of this repository written before 2022-06-21"),
     (', basis = "reference"', "set above the median of this repository's 400 functions by a "
      "margin that held people of other repositories to 1%")],
    ids=["dated baseline", "reference"],
)  # fmt: skip
async def test_the_hover_judges_with_the_repositorys_calibrated_threshold_and_says_so(
    start: Start, root: Path, tiny_model_dir: Path, basis: str, said: str
) -> None:
    """A threshold `codeorigin calibrate --write` bounded on the repository's dated baseline, or
    set from the model's reference margin, judges the file and is named as what it is."""
    import hashlib

    repo = repository(root)
    digest = hashlib.sha256((tiny_model_dir / "manifest.json").read_bytes()).hexdigest()[:16]
    (repo / ".codeorigin.toml").write_text(
        f'[calibration]\nmodel = "tiny-test"\ndigest = "{digest}"\ncutoff = "2022-06-21"\n'
        f"python = {{ threshold = 0.0123{basis}, functions = 400, agent = 3 }}\n"
    )
    client = await start(init={"debounceMs": 0, "minLines": 1, "minTokens": 1})
    uri = (repo / "app.py").as_uri()
    client.open(uri, (repo / "app.py").read_text())
    published = await client.published_for(uri, version=1)
    assert len(published.diagnostics) == 2  # at 1.2%, the tiny model's ~55% is flagged
    hover = await hover_text(client, uri, 7)
    assert ("Threshold for python: 1.2%, flagged at or above it (uncertain from 1.2%; "
            f"{said})") in hover, hover  # fmt: skip


RUST = """// util

pub fn total(items: &[i32], limit: i32) -> i32 {
    let mut sum = 0;
    for v in items {
        if *v > limit {
            sum += v;
        }
    }
    sum
}
"""


async def test_a_language_the_model_abstains_on_is_judged_where_the_repository_calibrated_it(
    start: Start, root: Path
) -> None:
    """The shipped model does not judge Rust; a repository whose `codeorigin calibrate --write`
    bounded a Rust threshold on its own people gets Rust judged, in the diagnostics, the hover, the
    rescore command and the status alike, and says whose threshold it is."""
    import hashlib

    shipped = Path(__file__).resolve().parents[2] / "models" / "default"
    digest = hashlib.sha256((shipped / "manifest.json").read_bytes()).hexdigest()[:16]
    repo = repository(root)
    (repo / "util.rs").write_text(RUST)
    client = await start(init={"debounceMs": 0, "minLines": 1, "minTokens": 1}, model=shipped)
    uri = (repo / "util.rs").as_uri()
    client.open(uri, RUST, language="rust")
    await client.published_for(uri, version=1)
    status = await client.command("codeorigin.status", uri)
    assert status["document"]["not_judged"].startswith("the model does not judge rust")
    said = await hover_text(client, uri, 2)
    assert ("What to do: Run `codeorigin calibrate` in the repository to measure rust on its own "
            "people's code") in said, said  # fmt: skip
    whole = {"start": {"line": 2, "character": 0}, "end": {"line": 10, "character": 1}}
    assert (await client.command("codeorigin.rescoreSelection", uri, whole))["verdict"] == "not_judged"

    (repo / ".codeorigin.toml").write_text(
        f'[calibration]\nmodel = "codeorigin-stacked"\ndigest = "{digest}"\n'
        'cutoff = "2022-06-21"\nrust = { threshold = 0.0001, functions = 400, agent = 3 }\n'
    )
    client = await start(init={"debounceMs": 0, "minLines": 1, "minTokens": 1}, model=shipped)
    client.open(uri, RUST, language="rust")
    published = await client.published_for(uri, version=1)
    assert len(published.diagnostics) == 1  # at 0.01%, the function is flagged
    said = await hover_text(client, uri, 2)
    assert ("calibrated on 400 functions of this repository written before 2022-06-21"
            in said), said  # fmt: skip
    assert "Run `codeorigin calibrate`" not in said  # judged now: nothing to suggest
    status = await client.command("codeorigin.status", uri)
    assert status["document"]["not_judged"] is None
    rescored = await client.command("codeorigin.rescoreSelection", uri, whole)
    assert rescored["verdict"] == "llm" and rescored["probability"] is not None


SHIPPED = Path(__file__).resolve().parents[2] / "models" / "default"
VERDICTS = (Path(__file__).parents[1] / "helpers" / "commit_functions.txt").read_text()


def _one_commit(root: Path, settings: str | None = None) -> tuple[Path, str]:
    """A repository whose one commit wrote the verdicts fixture (and `settings` as its
    `.codeorigin.toml`, outside the commit); its short hash."""
    from helpers.gitrepo import git

    root.mkdir()
    git(root, "init", "-q")
    (root / "verdicts.py").write_text(VERDICTS)
    git(root, "add", ".")
    git(root, "-c", "user.name=Ann", "-c", "user.email=ann@example.org", "commit", "-qm", "V")
    if settings is not None:
        (root / ".codeorigin.toml").write_text(settings)
    return root, git(root, "rev-parse", "HEAD").strip()[:10]


async def _commit_hover(start: Start, repo: Path) -> tuple[Client, str, int, str]:
    """The shipped model's hover on `percent` of the repository's verdicts.py, once it says what
    scan makes of its commit's functions: the client, the document, the line and the hover."""
    client = await start(model=SHIPPED, init={"debounceMs": 0})
    uri = (repo / "verdicts.py").as_uri()
    client.open(uri, VERDICTS)
    await client.published_for(uri, version=1)
    line = VERDICTS.splitlines().index(next(x for x in VERDICTS.splitlines() if x.startswith("def percent(")))

    async def pooled() -> str | None:
        said = await hover_text(client, uri, line)
        return said if "Its commit" in said else None

    return client, uri, line, await eventually(pooled, "the hover's commit")


async def test_the_hover_says_what_scan_makes_of_the_functions_its_commit_wrote(
    start: Start, root: Path
) -> None:
    """The functions one commit wrote, judged together as `codeorigin scan` judges them: the
    hover says their pooled probability and that a scan flags them; the diagnostics stay each
    function's own."""
    repo, sha = _one_commit(root / "pooled")
    client, uri, line, said = await _commit_hover(start, repo)
    assert f"**Its commit** {sha} wrote 4 functions of this file: together" in said
    assert "so `codeorigin scan` flags them together." in said
    # The editor's own verdict for the function stays its own: no diagnostic under its threshold.
    assert line not in [d.range.start.line for d in client.diagnostics.get(uri, [])]


async def test_the_hover_uses_the_repositorys_own_threshold_for_a_commits_functions(
    start: Start, root: Path
) -> None:
    """A repository whose calibration (`codeorigin calibrate --write`) raised its threshold for
    a commit's functions: the hover judges the commit's functions against that one, and says so."""
    from codeorigin.model.manifest import load_manifest

    digest = load_manifest(SHIPPED).digest[:16]
    repo, _ = _one_commit(root / "raised", f'[calibration]\nmodel = "codeorigin-stacked"\n'
                          f'digest = "{digest}"\n'
                          'commits = { threshold = 0.99, commits = 12, basis = "highest" }\n')  # fmt: skip
    _, _, _, said = await _commit_hover(start, repo)
    assert ("under the 99.0% (this repository's own) at which `codeorigin scan` flags a commit's "
            "functions together") in said  # fmt: skip
