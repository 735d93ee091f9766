"""Diagnostics over the wire: where they go, what they say, and when they are (not) published."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from lsprotocol import types

from helpers.lsp_client import EDITORS, PY_DOC, Start, capabilities, units, uri_in


@pytest.mark.parametrize("editor", EDITORS)
async def test_diagnostics_on_function_names(start: Start, root: Path, editor: str) -> None:
    client = await start(editor)
    # VS Code 1.65 cannot pull; neovim 0.11 can, but cannot be asked to pull again after a
    # settings change: both get pushed diagnostics only, never both models (duplicates).
    assert client.server_capabilities.diagnostic_provider is None
    uri = uri_in(root, "a.py")
    client.open(uri, PY_DOC)
    published = await client.published_for(uri, version=1)

    assert [d.range for d in published.diagnostics] == [
        types.Range(types.Position(0, 4), types.Position(0, 9)),  # alpha
        types.Range(types.Position(7, 4), types.Position(7, 8)),  # beta
    ]
    first = published.diagnostics[0]
    assert first.source == "codeorigin"
    assert first.code == "llm-generated"
    assert first.severity == types.DiagnosticSeverity.Information
    assert first.message.startswith("Likely LLM-generated (") and first.message.endswith("%)")
    assert first.data["name"] == "alpha"
    assert first.data["kind"] == "function"
    assert first.data["verdict"] == "llm"
    assert first.data["model"] == "tiny-test"
    assert 0.0 <= first.data["probability"] <= 1.0
    assert first.data["range"] == {
        "start": {"line": 0, "character": 0},
        "end": {"line": 4, "character": 16},
    }


# CRLF line endings, tab indentation, and non-ASCII text before and inside the names, including a
# character outside the Basic Multilingual Plane (two UTF-16 units, four UTF-8 bytes).
JS_DOC = (
    "/* \U0001f600 é */ function grüße(name) {\r\n"
    "\tconst parts = [];\r\n"
    "\tfor (const c of name) { parts.push(c + '\U0001f600'); }\r\n"
    "\tconst joined = parts.join('-');\r\n"
    "\treturn joined.toUpperCase();\r\n"
    "}\r\n"
    "\r\n"
    "const señal = (xs) => {\r\n"
    "\tlet total = 0;\r\n"
    "\tfor (const x of xs) { total += x * 2; }\r\n"
    "\tconsole.log('naïve', total);\r\n"
    "\treturn total;\r\n"
    "};\r\n"
)


@pytest.mark.parametrize("editor", EDITORS)
async def test_ranges_exact_with_crlf_tabs_and_non_ascii(
    start: Start, root: Path, editor: str
) -> None:
    client = await start(editor, init={"minTokens": 1})
    expected_encoding = "utf-8" if editor == "neovim" else "utf-16"
    assert client.encoding == expected_encoding  # neovim 0.11 prefers UTF-8; VS Code has UTF-16
    uri = uri_in(root, "a.js")
    client.open(uri, JS_DOC, language="javascript")
    published = await client.published_for(uri, version=1)

    lines = JS_DOC.split("\r\n")
    prefix = "/* \U0001f600 é */ function "
    start0 = units(prefix, client.encoding)
    by_name = {d.data["name"]: d for d in published.diagnostics}
    assert set(by_name) == {"grüße", "señal"}
    assert by_name["grüße"].range == types.Range(
        types.Position(0, start0), types.Position(0, start0 + units("grüße", client.encoding))
    )
    assert by_name["señal"].range == types.Range(
        types.Position(7, units("const ", client.encoding)),
        types.Position(7, units("const señal", client.encoding)),
    )
    full = by_name["grüße"].data["range"]
    assert full["start"] == {"line": 0, "character": units("/* \U0001f600 é */ ", client.encoding)}
    assert full["end"] == {"line": 5, "character": 1}
    assert lines[5] == "}"
    # Code points would be wrong: the emoji is 2 UTF-16 units or 4 UTF-8 bytes, é 1 or 2.
    assert start0 == len(prefix) + {"utf-16": 1, "utf-8": 4}[client.encoding]


async def test_edit_inside_one_function_rescores_only_that_span(start: Start, root: Path) -> None:
    client = await start(init={"debounceMs": 50})
    uri = uri_in(root, "a.py")
    client.open(uri, PY_DOC)
    await client.published_for(uri, version=1)
    before = (await client.status())["counts"]["spans_scored"]

    # A burst of edits inside beta: only the last version is scored and published.
    for version in (2, 3, 4):
        client.edit(uri, version, (9, 13), (9, 13), "  ")  # "counts =   {}"
    published = await client.published_for(uri, version=4)
    assert len(published.diagnostics) == 2
    assert [p.version for p in client.published if p.uri == uri] == [1, 4]
    after = (await client.status())["counts"]["spans_scored"]
    assert after - before == 1


async def test_no_diagnostics_after_close(start: Start, root: Path) -> None:
    client = await start(init={"debounceMs": 200})
    uri = uri_in(root, "a.py")
    client.open(uri, PY_DOC)
    await client.published_for(uri, version=1)
    count = len(client.published)
    client.edit(uri, 2, (1, 0), (1, 0), "    extra = 1\n")
    client.close(uri)
    cleared = await client.published_for(uri, after=count)
    assert not cleared.diagnostics
    await asyncio.sleep(0.5)  # longer than the debounce: the pending run must not publish
    assert [len(p.diagnostics) for p in client.published[count:] if p.uri == uri] == [0]


async def test_uncertain_shown_with_its_code_and_the_chosen_severity(
    start: Start, root: Path
) -> None:
    # threshold 0.99: nothing is `llm`; the model's uncertain threshold (0.4) makes them uncertain.
    client = await start(config={"threshold": 0.99, "showUncertain": True, "severity": "warning"})
    uri = uri_in(root, "a.py")
    client.open(uri, PY_DOC)
    published = await client.published_for(uri, version=1)
    assert [d.code for d in published.diagnostics] == ["possibly-llm-generated"] * 2
    assert all(d.severity == types.DiagnosticSeverity.Warning for d in published.diagnostics)
    assert published.diagnostics[0].message.startswith("Uncertain, below the threshold (")


async def test_unsupported_language_and_large_files_are_skipped(start: Start, root: Path) -> None:
    client = await start(init={"maxFileBytes": 200})
    text_uri = uri_in(root, "notes.txt")
    client.open(text_uri, "just some prose\n" * 20, language="plaintext")
    assert not (await client.published_for(text_uri, version=1)).diagnostics
    # The client's log says why, once per language id (not per document or edit).
    other_uri = uri_in(root, "more.txt")
    client.open(other_uri, "more prose\n" * 20, language="plaintext")
    await client.published_for(other_uri, version=1)
    told = [m.message for m in client.log_messages if "does not read 'plaintext'" in m.message]
    assert len(told) == 1 and "notes.txt is not scored" in told[0] and "python" in told[0]

    big_uri = uri_in(root, "big.py")
    client.open(big_uri, PY_DOC * 3)
    assert not (await client.published_for(big_uri, version=1)).diagnostics
    message = await client.message_matching("codeorigin.maxFileBytes")
    assert message.type == types.MessageType.Info
    assert not [m for m in client.messages if m.type == types.MessageType.Error]
    # One message per file, not one per edit.
    client.edit(big_uri, 2, (0, 0), (0, 0), "# more\n")
    await client.published_for(big_uri, version=2)
    assert len([m for m in client.messages if "maxFileBytes" in m.message]) == 1


async def test_a_language_id_codeorigin_does_not_know_falls_back_to_the_extension(
    start: Start, root: Path
) -> None:
    """Editors name their modes their own way ("python3", an empty id): a `.py` file is still
    Python, scored as such; an unknown id on an unknown extension is not scored."""
    client = await start()
    for name, language in (("a.py", "python3"), ("b.py", "")):
        uri = uri_in(root, name)
        client.open(uri, PY_DOC, language=language)
        published = await client.published_for(uri, version=1)
        assert [d.data["name"] for d in published.diagnostics] == ["alpha", "beta"]
        assert (await client.status(uri))["document"]["language"] == "python"
    uri = uri_in(root, "notes.cob")
    client.open(uri, PY_DOC, language="cobol")
    assert not (await client.published_for(uri, version=1)).diagnostics


@pytest.mark.parametrize("editor", EDITORS)
async def test_pull_diagnostics(start: Start, root: Path, editor: str) -> None:
    client = await start(caps=capabilities(editor, pull=True), init={"debounceMs": 0})
    assert client.server_capabilities.diagnostic_provider is not None
    uri = uri_in(root, "a.py")
    client.open(uri, PY_DOC)
    report = await client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri))
    )
    assert isinstance(report, types.RelatedFullDocumentDiagnosticReport)
    assert [d.data["name"] for d in report.items] == ["alpha", "beta"]
    assert report.result_id

    again = await client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(
            text_document=types.TextDocumentIdentifier(uri), previous_result_id=report.result_id
        )
    )
    assert isinstance(again, types.RelatedUnchangedDocumentDiagnosticReport)

    workspace = await client.workspace_diagnostic_async(
        types.WorkspaceDiagnosticParams(previous_result_ids=[])
    )
    assert [(item.uri, item.version, len(item.items)) for item in workspace.items] == [(uri, 1, 2)]

    # A setting that changes results without an edit makes the server ask for a new pull.
    refreshes = client.diagnostic_refresh_count
    await client.change_configuration({"threshold": 0.99})
    for _ in range(500):
        if client.diagnostic_refresh_count > refreshes:
            break
        await asyncio.sleep(0.02)
    assert client.diagnostic_refresh_count > refreshes
    report = await client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri))
    )
    assert isinstance(report, types.RelatedFullDocumentDiagnosticReport)
    assert not report.items
    assert client.published == []  # pulled, never pushed
