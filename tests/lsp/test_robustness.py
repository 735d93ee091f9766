"""Bad input over the wire: odd documents, protocol misuse, malformed settings, broken models.

Every case is followed by a normal request on a good document that must still be answered
correctly, so a crash or a wedged event loop shows up as a failure, not as silence. A case gets a
clear message (`window/showMessage` or `window/logMessage`) or an error response; none may crash
the server, make pygls report an unhandled exception ("Error in server: ..."), or touch the user's
text (the server never sends `workspace/applyEdit`).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import attrs
import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException

from codeorigin.lsp.positions import PositionMap
from helpers.lsp_client import PY_DOC, TIMEOUT, Client, Start, capabilities, uri_in

_good = itertools.count(1)
T = TypeVar("T")


def hover_params(uri: str, line: int, character: int) -> types.HoverParams:
    return types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(line, character))


async def hover(client: Client, uri: str, line: int, character: int) -> types.Hover | None:
    return await asyncio.wait_for(
        client.text_document_hover_async(hover_params(uri, line, character)), TIMEOUT
    )


def unharmed(client: Client) -> None:
    """Nothing escaped the server's handlers, and it never tried to edit the user's text."""
    assert not client.apply_edits
    crashes = [m.message for m in client.messages if m.message.startswith("Error in server")]
    assert not crashes, crashes
    assert client.error is None


async def assert_alive(client: Client, root: Path) -> None:
    """A good document opened now is scored and hovered as usual."""
    uri = uri_in(root, f"good-{next(_good)}.py")
    client.open(uri, PY_DOC)
    published = await client.published_for(uri, version=1)
    assert [d.data["name"] for d in published.diagnostics] == ["alpha", "beta"]
    answer = await hover(client, uri, 10, 8)  # inside beta
    assert answer is not None and "beta" in answer.contents.value  # type: ignore[union-attr]
    assert (await client.status())["model"]["name"] == "tiny-test"
    unharmed(client)


def inside(positions: PositionMap, r: types.Range) -> bool:
    """Whether an LSP range lies within a text (and runs forwards)."""

    def ok(p: types.Position) -> bool:
        if p.line >= len(positions.starts):
            return False
        content = positions.text[positions.starts[p.line] : positions.line_end(p.line)]
        return 0 <= p.character <= positions.units(content)

    start, end = r.start, r.end
    return ok(start) and ok(end) and (start.line, start.character) <= (end.line, end.character)


def unchecked(cls: type[T], **values: Any) -> T:
    """An lsprotocol object holding values its validators refuse (what a buggy client sends);
    attributes not given are None."""
    obj = object.__new__(cls)
    for attribute in attrs.fields(cls):
        object.__setattr__(obj, attribute.name, values.get(attribute.name))
    return obj


def _position(line: Any, character: Any) -> types.Position:
    return unchecked(types.Position, line=line, character=character)


def _full_range() -> dict[str, Any]:
    return {"start": {"line": 0, "character": 0}, "end": {"line": 99, "character": 0}}


# Bad documents -------------------------------------------------------------------------------


def _function(i: int) -> str:
    return (
        f"def func_{i}(values, scale):\n"
        "    total = 0\n"
        "    for v in values:\n"
        f"        total += v * scale + {i}\n"
        "    return total\n"
        "\n"
    )


BINARY = "\x7fELF\x02\x01\x01\x00" + "".join(map(chr, range(32))) * 40 + "\x00\xff\xfe\x1b[31m"
ODD = (
    "\ufeff# BOM, a lone surrogate \udcff, another \ud800, U+2028 \u2028 and NEL \x85 here\n"
    + PY_DOC.replace("total = 0", "total = 0  # \u202eRTL\u202c z\u200dj e\u0301 \U0001f600")
    + "\n\ndef gamma\udcff(x):\n    s = 'a\ud800b'\n    t = x + 1\n    u = t * 2\n    return s, u\n"
)
NUL = PY_DOC.replace("total = 0", "total = 0  # \x00\x00 nul") + "\x00\x00\n"
BROKEN = (
    "def good(a):\n    b = a + 1\n    c = b * 2\n    return c\n\n"
    "def broken(:\n    return (\n\n"
    "def later(b):\n    d = b - 1\n    e = d * 3\n    return e\n"
)
NESTED = (
    "def deep(a):\n"
    + "".join(" " * (k + 1) + f"if a > {k}:\n" for k in range(500))
    + " " * 501
    + "return a\n"
    + " return 0\n"
)


def _names(*names: str) -> Callable[[list[dict[str, Any]]], bool]:
    return lambda spans: [s["name"] for s in spans] == list(names)


def _scored(spans: list[dict[str, Any]]) -> bool:
    """alpha and beta are found and scored (lone surrogates do not stop the scoring)."""
    return {"alpha", "beta"} <= {s["name"] for s in spans} and all(
        s["probability"] is not None for s in spans
    )


def _not_scored(spans: list[dict[str, Any]] | None) -> bool:
    """rescoreDocument's null for a document that is not scored (it says why in a message)."""
    return spans is None


# name: (language id, text, what the spans returned by rescoreDocument must satisfy)
DOCUMENTS: dict[str, tuple[str, str, Callable[[Any], bool]]] = {
    "binary": ("python", BINARY, _not_scored),
    "odd-characters": ("python", ODD, _scored),
    "nul-bytes": ("python", NUL, _not_scored),  # binary by git's rule, as `scan` has it
    "empty": ("python", "", _names()),
    "20000-lines": (
        "python",
        "".join(_function(i) for i in range(3334)),  # 20,004 lines
        lambda spans: len(spans) == 3334,
    ),
    "1000-functions": (
        "python",
        "".join(_function(i) for i in range(1000)),
        _names(*(f"func_{i}" for i in range(1000))),
    ),
    "500-nested-blocks": ("python", NESTED, _names("deep")),
    "broken-syntax": (
        "python",
        BROKEN,
        lambda spans: {"good", "later"} <= {s["name"] for s in spans},
    ),
    # An id codeorigin does not know: the `.py` extension decides (test_diagnostics has one with
    # an unknown extension too, not scored).
    "unknown-language": ("cobol-85", PY_DOC, _names("alpha", "beta")),
}


def _range(r: dict[str, Any]) -> types.Range:
    return types.Range(
        types.Position(r["start"]["line"], r["start"]["character"]),
        types.Position(r["end"]["line"], r["end"]["character"]),
    )


@pytest.mark.parametrize("name", list(DOCUMENTS))
async def test_bad_document_is_handled_and_the_server_goes_on(
    start: Start, root: Path, name: str
) -> None:
    language, text, expected = DOCUMENTS[name]
    client = await start()
    uri = uri_in(root, f"{name}.py")
    client.open(uri, text, language=language)
    published = await client.published_for(uri, version=1)
    positions = PositionMap(text, client.encoding)
    for d in published.diagnostics:
        assert inside(positions, d.range) and inside(positions, _range(d.data["range"]))

    spans = await client.command("codeorigin.rescoreDocument", uri)
    assert expected(spans)
    if spans is None:
        await client.message_matching("this document is not scored")
    assert all(inside(positions, _range(s["range"])) for s in spans or [])

    # Hovers anywhere in it (and past its end) are answered.
    await hover(client, uri, 0, 0)
    await hover(client, uri, 10**6, 10**6)
    assert not [m for m in client.messages if m.type == types.MessageType.Error]
    await assert_alive(client, root)


async def test_a_5_mb_document_is_skipped_with_a_message(start: Start, root: Path) -> None:
    client = await start()
    uri = uri_in(root, "huge.py")
    text = PY_DOC * 22_000  # about 5 MB, over the default codeorigin.maxFileBytes
    assert len(text) > 5_000_000
    client.open(uri, text)
    assert not (await client.published_for(uri, version=1)).diagnostics
    message = await client.message_matching("codeorigin.maxFileBytes")
    assert message.type == types.MessageType.Info and "huge.py" in message.message
    client.edit(uri, 2, (0, 0), (0, 0), "# edited\n")  # edits to it are still applied
    assert not (await client.published_for(uri, version=2)).diagnostics
    assert await hover(client, uri, 1, 4) is None
    await assert_alive(client, root)


# Protocol misuse -----------------------------------------------------------------------------


async def test_edits_and_requests_for_documents_never_opened(start: Start, root: Path) -> None:
    client = await start()
    ghost = uri_in(root, "never-opened.py")
    client.edit(ghost, 2, (0, 0), (0, 0), "x = 1\n")
    logged = await client.log_matching("not open")
    assert logged.type == types.MessageType.Warning and "never-opened.py" in logged.message
    assert await hover(client, ghost, 0, 0) is None
    client.close(ghost)
    assert await client.command("codeorigin.rescoreDocument", ghost) is None
    assert await client.command("codeorigin.rescoreSelection", ghost, _full_range()) is None
    await client.message_matching("open the document before rescoring")
    await assert_alive(client, root)


async def test_positions_outside_the_document(start: Start, root: Path) -> None:
    client = await start()
    uri = uri_in(root, "a.py")
    client.open(uri, PY_DOC)
    await client.published_for(uri, version=1)
    huge = 2**31 - 1  # the largest LSP uinteger
    for line, character in [(10**6, 0), (0, huge), (huge, huge), (13, 10**6)]:
        await hover(client, uri, line, character)
        actions = await asyncio.wait_for(
            client.text_document_code_action_async(
                types.CodeActionParams(
                    text_document=types.TextDocumentIdentifier(uri),
                    range=types.Range(types.Position(line, 0), types.Position(line, character)),
                    context=types.CodeActionContext(diagnostics=[]),
                )
            ),
            TIMEOUT,
        )
        for action in actions or []:
            assert isinstance(action, types.CodeAction) and action.command is not None
            await client.command(action.command.command, *(action.command.arguments or []))
    # Negative numbers and wrong types are not valid LSP params: an error response that says
    # which request it was, no crash, and no wait for an answer that never comes.
    document = types.TextDocumentIdentifier(uri)
    for position in (_position(-1, -5), _position("x", None), _position(None, 2**40)):
        params = unchecked(types.HoverParams, text_document=document, position=position)
        with pytest.raises(JsonRpcException, match="textDocument/hover"):
            await asyncio.wait_for(client.text_document_hover_async(params), TIMEOUT)
    # A notification with such params is logged and ignored; the document is unchanged.
    bad_edit = unchecked(
        types.DidChangeTextDocumentParams,
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[
            unchecked(
                types.TextDocumentContentChangePartial,
                range=unchecked(types.Range, start=_position(-3, 0), end=_position(0, -1)),
                text="lost",
            )
        ],
    )
    client.text_document_did_change(bad_edit)
    logged = await client.log_matching("ignoring textDocument/didChange")
    assert logged.type == types.MessageType.Warning

    # An edit past the end lands at the end, as LSP says; the server's copy stays the editor's.
    client.edit(uri, 2, (10**6, 0), (10**6, 5), "\n\ndef gamma(y):\n    return [y] * 3\n")
    client.edit(uri, 3, (0, huge), (0, huge), "  # past the end of line 0")
    expected = PY_DOC.replace("(values):", "(values):  # past the end of line 0", 1)
    expected += "\n\ndef gamma(y):\n    return [y] * 3\n"
    edited = await client.published_for(uri, version=3)
    twin = uri_in(root, "twin.py")
    client.open(twin, expected)
    fresh = await client.published_for(twin, version=1)
    assert [(d.range, d.data) for d in edited.diagnostics] == [
        (d.range, d.data) for d in fresh.diagnostics
    ]
    assert (await client.command("codeorigin.rescoreDocument", uri)) == (
        await client.command("codeorigin.rescoreDocument", twin)
    )
    await assert_alive(client, root)


async def test_commands_with_missing_or_wrong_arguments(start: Start, root: Path) -> None:
    client = await start()
    uri = uri_in(root, "a.py")
    client.open(uri, PY_DOC)
    await client.published_for(uri, version=1)
    provider = client.server_capabilities.execute_command_provider
    registered = set(provider.commands) if provider is not None else set()
    assert {"codeorigin.rescoreSelection", "codeorigin.rescoreDocument", "codeorigin.status"} <= (
        registered
    )
    garbage: list[list[Any]] = [
        [],
        [None],
        [123],
        [uri, "not a range"],
        [uri, {"start": {"line": -1, "character": 0}, "end": {"line": 0, "character": 0}}],
        [uri, _full_range(), "extra"],
        [{"uri": uri}],
        [[uri]],
        ["not a uri at all"],
        ["file:///nowhere/x.py", {"start": {}, "end": {}}],
    ]
    outcomes: dict[str, list[str]] = {}
    for command in sorted(registered | {"codeorigin.explain", "codeorigin.noSuchCommand"}):
        for arguments in garbage:
            try:
                result = await client.command(command, *arguments)
            except JsonRpcException as error:
                assert str(error).strip()  # an error response that says something
                outcomes.setdefault(command, []).append("error")
            else:
                json.dumps(result)
                outcomes.setdefault(command, []).append("answer")
    # An unknown command is refused; so is a rescoreSelection without a document and a range.
    assert set(outcomes["codeorigin.noSuchCommand"]) == {"error"}
    if "codeorigin.explain" not in registered:
        assert set(outcomes["codeorigin.explain"]) == {"error"}
    assert outcomes["codeorigin.rescoreSelection"][:4] == ["error"] * 4
    # status takes an optional document (a string; one not open gets the global settings'
    # status): anything else is refused, as the other commands refuse it.
    assert outcomes["codeorigin.status"] == ["answer"] + ["error"] * 7 + ["answer", "error"]
    await assert_alive(client, root)


# Malformed configuration ---------------------------------------------------------------------

WRONG_TYPES: dict[str, Any] = {
    "enable": "yes",
    "threshold": [0.5],
    "minLines": {"at": "least"},
    "minTokens": "many",
    "severity": 3,
    "showUncertain": None,
    "codeLens": 1,
    "languages": "python",
    "modelPath": "models\x00/evil",
    "debounceMs": -1,
    "maxFileBytes": 1.5,
    "threads": 0,
    "inlayHints": [],
    "igSteps": "lots",
}


async def test_every_setting_of_the_wrong_type_is_named_and_ignored(
    start: Start, root: Path
) -> None:
    client = await start(init=WRONG_TYPES)
    for key in WRONG_TYPES:
        warning = await client.message_matching(f"Invalid setting codeorigin.{key}:")
        assert warning.type == types.MessageType.Warning and "Using the default" in warning.message
        assert "default (null)" not in warning.message  # a null default says what it means
    await assert_alive(client, root)


CONFIGURATION_GARBAGE: list[Any] = [
    [1, 2, 3],
    "codeorigin",
    42,
    None,
    {"threshold": {"deep": [{"x": None}]}, "languages": [1, None, {"a": []}]},
    {"codeorigin": "garbage"},
    {"codeorigin.threshold": "high", "": None, "codeorigin.": 1},
    {"modelPath": "~no-such-user-codeorigin/model"},
]


@pytest.mark.parametrize("init", [[1, 2, 3], "codeorigin", {"codeorigin": [None, {"x": 1}]}])
async def test_malformed_initialization_options(start: Start, root: Path, init: Any) -> None:
    client = await start(init=init)
    logged = await client.log_matching("not an object")
    assert logged.type == types.MessageType.Warning
    await assert_alive(client, root)


async def test_malformed_configuration_answers_and_pushes(start: Start, root: Path) -> None:
    client = await start()
    uri = uri_in(root, "a.py")
    client.open(uri, PY_DOC)
    await client.published_for(uri, version=1)
    for value in CONFIGURATION_GARBAGE:
        count = len(client.published)
        client.set_configuration(value, section="codeorigin")
        client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings=value)
        )
        await client.published_for(uri, version=1, after=count)  # re-analysed, not wedged
        assert (await client.status()) is not None
    # The warnings name the settings; the path of an unknown user's home is just not found.
    await client.log_matching("ignoring codeorigin settings that are not an object: [1, 2, 3]")
    await client.message_matching("Invalid setting codeorigin.threshold")
    await client.message_matching("Invalid setting codeorigin.languages")
    await client.message_matching("model folder not found")
    unharmed(client)

    # Back to sane settings: everything works again.
    count = len(client.published)
    await client.change_configuration({})
    assert len((await client.published_for(uri, version=1, after=count)).diagnostics) == 2
    await assert_alive(client, root)


async def test_garbage_pushed_to_a_client_without_configuration_requests(
    start: Start, root: Path
) -> None:
    client = await start(caps=capabilities("neovim", configuration=False))
    for value in CONFIGURATION_GARBAGE:
        client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings=value)
        )
    await client.message_matching("Invalid setting codeorigin.threshold")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={}))
    await assert_alive(client, root)


# Broken models -------------------------------------------------------------------------------


def _copy(model: Path, to: Path) -> Path:
    shutil.copytree(model, to)
    return to


def _missing(model: Path, tmp: Path) -> Path:
    return tmp / "no-such-model"


def _digest_mismatch(model: Path, tmp: Path) -> Path:
    folder = _copy(model, tmp / "tampered")
    onnx = folder / "model.onnx"
    data = bytearray(onnx.read_bytes())
    data[len(data) // 2] ^= 0xFF  # same size, other bytes
    onnx.write_bytes(bytes(data))
    return folder


def _truncated(model: Path, tmp: Path) -> Path:
    folder = _copy(model, tmp / "truncated")
    onnx = folder / "model.onnx"
    onnx.write_bytes(onnx.read_bytes()[: onnx.stat().st_size // 2])
    return folder


def _truncated_and_resigned(model: Path, tmp: Path) -> Path:
    """A truncated ONNX file whose manifest was rewritten to match: onnxruntime must refuse it."""
    from codeorigin.model.manifest import sha256_file

    folder = _truncated(model, tmp)
    manifest_path = folder / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    onnx = folder / "model.onnx"
    entry = manifest["files"]["model.onnx"]
    if isinstance(entry, dict):
        entry.update(bytes=onnx.stat().st_size, sha256=sha256_file(onnx))
    else:
        manifest["files"]["model.onnx"] = sha256_file(onnx)
    manifest_path.write_text(json.dumps(manifest))
    return folder


BROKEN_MODELS: dict[str, tuple[Callable[[Path, Path], Path], str]] = {
    "missing-folder": (_missing, "model folder not found"),
    "a-file": (lambda model, tmp: model / "model.onnx", "model.onnx is a file: "),
    "digest-mismatch": (_digest_mismatch, "does not match its SHA-256"),
    "truncated-onnx": (_truncated, "truncated"),
    "truncated-onnx-resigned": (_truncated_and_resigned, "onnxruntime cannot load"),
}


async def test_a_warning_in_the_clients_log_is_not_written_to_stderr_too(
    start: Start,
    root: Path,
    tiny_model_dir: Path,
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
) -> None:
    """Editors write the server's stderr into the log that `window/logMessage` writes to (Neovim's
    lsp.log, VS Code's output channel): a warning sent there is not on stderr as well."""
    make, expected = BROKEN_MODELS["digest-mismatch"]
    client = await start(model=make(tiny_model_dir, tmp_path))
    logged = await client.log_matching(expected)
    assert logged.type == types.MessageType.Error
    await client.status(uri_in(root, "a.py"))  # a round trip: stderr has had time to arrive
    await asyncio.sleep(0.5)
    assert expected not in capfd.readouterr().err


@pytest.mark.parametrize("case", list(BROKEN_MODELS))
async def test_broken_model_is_reported_and_the_server_goes_on(
    start: Start, root: Path, tiny_model_dir: Path, tmp_path: Path, case: str
) -> None:
    make, expected = BROKEN_MODELS[case]
    assert (tiny_model_dir / "model.onnx").is_file()
    client = await start(model=make(tiny_model_dir, tmp_path))
    error = await client.message_matching(expected)
    assert error.type == types.MessageType.Error and "no verdicts" in error.message

    uri = uri_in(root, "a.py")
    client.open(uri, PY_DOC)
    assert not (await client.published_for(uri, version=1)).diagnostics
    # A hover over a function says why it has no verdict; between functions there is none.
    said = await hover(client, uri, 1, 4)
    assert said is not None and isinstance(said.contents, types.MarkupContent)
    assert said.contents.value.startswith("codeorigin: no model, so no verdicts.")
    assert expected in said.contents.value
    assert said.range is not None and (said.range.start.line, said.range.end.line) == (0, 4)
    assert await hover(client, uri, 5, 0) is None
    # null (the failure was said): a client says no "0 spans scored again" after it.
    assert await client.command("codeorigin.rescoreDocument", uri) is None
    assert await client.command("codeorigin.rescoreSelection", uri, _full_range()) is None
    status = await client.status(uri)
    assert expected in status["error"] and status["model"]["name"] is None
    assert status["document"]["language"] == "python" and status["document"]["skipped"] == "model"
    client.edit(uri, 2, (0, 0), (0, 0), "\n")
    assert not (await client.published_for(uri, version=2)).diagnostics
    unharmed(client)

    # The user points at a good model: the same server recovers.
    count = len(client.published)
    await client.change_configuration({"modelPath": str(tiny_model_dir)})
    assert len((await client.published_for(uri, version=2, after=count)).diagnostics) == 2
    await assert_alive(client, root)


# Bad paths and URIs in settings and documents ----------------------------------------------


async def test_a_baseline_that_is_no_regular_file_or_no_baseline_is_one_warning(
    start: Start, root: Path, tmp_path: Path
) -> None:
    """A FIFO named as the baseline would block the server for good if it were read; a file
    whose findings are not a list, or a `~nosuchuser` path, would fail every scoring. Each is one
    warning, and documents are scored as without a baseline."""
    import os

    fifo = tmp_path / "baseline.fifo"
    os.mkfifo(fifo)
    broken = tmp_path / "broken.json"
    broken.write_text('{"codeorigin_baseline": 1, "findings": null}')
    client = await start()
    uri = uri_in(root, "a.py")
    client.open(uri, PY_DOC)
    await client.published_for(uri, version=1)
    cases = [(str(fifo), "is not a regular file"), (str(broken), "findings must be a list"),
             ("~nosuchuser-codeorigin/b.json", "no baseline file at")]  # fmt: skip
    for version, (path, said) in enumerate(cases, start=2):
        await client.change_configuration({"baseline": path})
        client.edit(uri, version, (0, 0), (0, 0), "\n")
        published = await client.published_for(uri, version=version)
        assert len(published.diagnostics) == 2  # scored as without a baseline
        await client.message_matching(said)
    await assert_alive(client, root)


async def test_a_folder_uri_or_model_path_that_cannot_be_read_stops_no_setting(
    start: Start, root: Path, tmp_path: Path
) -> None:
    """A workspace folder whose URI urllib cannot parse, or a modelPath that is a link loop, must
    not stop a new setting from applying to the open documents (before: "Error in server" and
    stale diagnostics)."""
    client = await start()
    uri = uri_in(root, "a.py")
    client.open(uri, PY_DOC)
    assert len((await client.published_for(uri, version=1)).diagnostics) == 2
    added = types.WorkspaceFoldersChangeEvent(
        added=[types.WorkspaceFolder("file://[bad", "bad")], removed=[]
    )
    client.workspace_did_change_workspace_folders(types.DidChangeWorkspaceFoldersParams(added))
    count = len(client.published)
    await client.change_configuration({"threshold": 0.999999})
    withdrawn = await client.published_for(uri, version=1, after=count)
    assert not withdrawn.diagnostics
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    await client.change_configuration({"modelPath": str(loop)})
    await client.message_matching(str(loop))
    assert (await client.status(uri))["model"]["name"] is None
    count = len(client.published)
    await client.change_configuration({})
    assert len((await client.published_for(uri, version=1, after=count)).diagnostics) == 2
    await assert_alive(client, root)


async def test_a_document_uri_that_cannot_be_parsed_is_not_kept(start: Start, root: Path) -> None:
    """Its requests are answered at once, as for any document not open: an editor never waits
    on them."""
    client = await start()
    bad = "file://[/x.py"
    client.open(bad, PY_DOC)
    client.edit(bad, 2, (0, 0), (0, 0), "\n")
    document = types.TextDocumentIdentifier(bad)
    assert (
        await asyncio.wait_for(client.text_document_hover_async(hover_params(bad, 1, 4)), 5) is None
    )
    lenses = client.text_document_code_lens_async(types.CodeLensParams(document))
    assert not await asyncio.wait_for(lenses, 5)
    span = types.Range(types.Position(0, 0), types.Position(3, 0))
    hints = client.text_document_inlay_hint_async(types.InlayHintParams(document, span))
    assert not await asyncio.wait_for(hints, 5)
    with pytest.raises(JsonRpcException, match="is not open"):
        await asyncio.wait_for(
            client.command("codeorigin.explain", bad, {"line": 1, "character": 4}), 5
        )
    await assert_alive(client, root)


async def test_lone_cr_line_ends_find_the_same_functions(start: Start, root: Path) -> None:
    """Old Mac files end lines with CR alone, which LSP counts as line ends and tree-sitter does
    not: the functions are those of the LF file, on the same lines."""
    client = await start()
    lf, cr = uri_in(root, "lf.py"), uri_in(root, "cr.py")
    client.open(lf, PY_DOC)
    client.open(cr, PY_DOC.replace("\n", "\r"))
    want = (await client.published_for(lf, version=1)).diagnostics
    got = (await client.published_for(cr, version=1)).diagnostics
    assert [d.data["name"] for d in got] == ["alpha", "beta"]
    assert [d.range for d in got] == [d.range for d in want]


async def test_explain_at_a_position_past_lsps_integers_is_invalid_params(
    start: Start, root: Path
) -> None:
    client = await start()
    uri = uri_in(root, "a.py")
    client.open(uri, PY_DOC)
    await client.published_for(uri, version=1)
    with pytest.raises(JsonRpcException, match="from 0 to 2147483647"):
        await client.command("codeorigin.explain", uri, {"line": 2**31, "character": 0})
    await assert_alive(client, root)
