"""The project's settings file in the editor: the real server over stdio gives no diagnostics to a
file its `exclude` patterns match, reads the file again when it changes, and says once, without
stopping, when the file cannot be used."""

from __future__ import annotations

import asyncio
from pathlib import Path

from lsprotocol import types

from helpers.lsp_client import PY_DOC, Start, uri_in


async def test_excluded_files_get_no_diagnostics_and_the_file_is_read_again(
    start: Start, root: Path
) -> None:
    (root / "fixtures").mkdir()
    (root / ".codeorigin.toml").write_text('exclude = ["fixtures/"]\n')
    client = await start(init={"threshold": 0.0})
    fixture, own = uri_in(root, "fixtures/copied.py"), uri_in(root, "app.py")
    client.open(fixture, PY_DOC)
    client.open(own, PY_DOC)
    assert not (await client.published_for(fixture, version=1)).diagnostics
    assert [d.data["name"] for d in (await client.published_for(own, version=1)).diagnostics] == [
        "alpha",
        "beta",
    ]
    document = (await client.status(fixture))["document"]
    assert document["skipped"] == "excluded" and document["language"] == "python"  # not None
    assert document["reason"].startswith("excluded by ") and document["reason"].endswith(
        ".codeorigin.toml: fixtures/"
    )
    # The user's text is untouched: an edit is taken, still excluded.
    client.edit(fixture, 2, (0, 0), (0, 0), "# copied from upstream\n")
    assert not (await client.published_for(fixture, version=2)).diagnostics

    # A broken settings file is said once, and excludes nothing until it is fixed.
    (root / ".codeorigin.toml").write_text('exclude = ["fixtures/"\n')
    count = len(client.published)
    client.edit(fixture, 3, (0, 0), (0, 0), "# again\n")
    published = await client.published_for(fixture, version=3, after=count)
    assert [d.data["name"] for d in published.diagnostics] == ["alpha", "beta"]
    message = await client.message_matching("not valid TOML")
    assert message.type == types.MessageType.Warning
    assert "until it is fixed, its exclude patterns leave nothing out" in message.message
    client.edit(fixture, 4, (0, 0), (0, 0), "# and again\n")
    await client.published_for(fixture, version=4)
    assert len([m for m in client.messages if "not valid TOML" in m.message]) == 1

    # Fixed, and as a pyproject.toml table instead: read again, it excludes once more.
    (root / ".codeorigin.toml").unlink()
    (root / "pyproject.toml").write_text('[tool.codeorigin]\nexclude = ["fixtures/*.py"]\n')
    count = len(client.published)
    client.edit(fixture, 5, (0, 0), (0, 0), "# fixed\n")
    assert not (await client.published_for(fixture, version=5, after=count)).diagnostics
    reason = (await client.status(fixture))["document"]["reason"]
    assert reason.endswith("pyproject.toml: fixtures/*.py")


def _watched(client: object) -> list[str]:
    """The globs the client was asked to watch (the latest registration's)."""
    found = [
        r
        for r in client.registrations  # type: ignore[attr-defined]
        if r.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES
    ]
    assert len(found) <= 1, found  # registered again means unregistered first
    options = found[0].register_options if found else {"watchers": []}
    return [w["globPattern"] for w in options["watchers"]]


async def _registered(client: object, glob: str) -> None:
    """Wait until the server has asked the client to watch `glob` (it registers after
    `initialized`, and after a settings change, without a reply to wait for)."""
    for _ in range(250):
        if glob in _watched(client):
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"never asked to watch {glob}: {_watched(client)}")


async def test_a_settings_file_changed_on_disk_applies_to_open_documents_at_once(
    start: Start, root: Path
) -> None:
    """The client is asked to watch the settings files and the baseline's name; when it says
    one changed, open documents are scored again without an edit: an `exclude` written in a
    terminal clears app.py's diagnostics. A new baseline setting re-registers with its name."""
    client = await start(init={"threshold": 0.0, "baseline": "known.json"})
    own = uri_in(root, "app.py")
    client.open(own, PY_DOC)
    assert len((await client.published_for(own, version=1)).diagnostics) == 2
    await _registered(client, "**/known.json")
    assert _watched(client) == ["**/.codeorigin.toml", "**/pyproject.toml", "**/known.json"]
    (root / ".codeorigin.toml").write_text('exclude = ["app.py"]\n')
    count = len(client.published)
    change = types.FileEvent(
        uri=uri_in(root, ".codeorigin.toml"), type=types.FileChangeType.Created
    )
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[change]))
    assert not (await client.published_for(own, version=1, after=count)).diagnostics
    assert (await client.status(own))["document"]["skipped"] == "excluded"
    await client.change_configuration({"threshold": 0.0, "baseline": "reviewed.json"})
    await _registered(client, "**/reviewed.json")
    assert "**/known.json" not in _watched(client)


async def test_a_settings_file_that_is_a_link_to_nothing_is_said(start: Start, root: Path) -> None:
    """A `.codeorigin.toml` linking to a file that is not there was skipped without a word, and
    the folders above it searched instead; it is said once, as a broken file is, and the
    document is scored with no exclusions."""
    (root / ".codeorigin.toml").symlink_to("../shared/codeorigin.toml")
    client = await start(init={"threshold": 0.0})
    uri = uri_in(root, "app.py")
    client.open(uri, PY_DOC)
    published = await client.published_for(uri, version=1)
    assert [d.data["name"] for d in published.diagnostics] == ["alpha", "beta"]
    message = await client.message_matching("a link to a missing file, ../shared/codeorigin.toml")
    assert message.type == types.MessageType.Warning
    assert "until it is fixed, its exclude patterns leave nothing out" in message.message
