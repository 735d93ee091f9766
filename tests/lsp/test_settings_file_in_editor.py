"""The project's settings file in the editor: the real server over stdio gives no diagnostics to a
file its `exclude` patterns match, reads the file again when it changes, and says once, without
stopping, when the file cannot be used."""

from __future__ import annotations

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
