"""Hover, code lens, the "Rescore selection" code action and the commands, over the wire."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcRequestCancelled

from helpers.lsp_client import EDITORS, PY_DOC, TIMEOUT, Start, capabilities, uri_in
from helpers.samples import JAVA_STACK
from helpers.thresholds import with_thresholds


def hover_params(uri: str, line: int, character: int) -> types.HoverParams:
    return types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(line, character))


@pytest.mark.parametrize("editor", EDITORS)
async def test_hover_is_markdown_when_the_client_prefers_it(
    start: Start, root: Path, editor: str
) -> None:
    client = await start(editor)
    uri = uri_in(root, "a.py")
    client.open(uri, PY_DOC)
    hover = await client.text_document_hover_async(hover_params(uri, 10, 8))  # inside beta
    assert hover is not None
    assert isinstance(hover.contents, types.MarkupContent)
    assert hover.contents.kind == types.MarkupKind.Markdown
    text = hover.contents.value
    assert "**codeorigin: likely LLM-generated**" in text
    assert "`beta` (function)" in text
    assert "Threshold for python: 50.0%, flagged at or above it" in text
    assert "What to do: a reason to look, not proof" in text
    assert "tiny-test" not in text  # the model's name is the status bar's and the explain view's
    assert hover.range == types.Range(types.Position(7, 0), types.Position(12, 17))

    # Between the functions, and in a document that is not open: nothing.
    assert await client.text_document_hover_async(hover_params(uri, 5, 0)) is None
    assert await client.text_document_hover_async(hover_params(uri_in(root, "x.py"), 0, 0)) is None


async def test_a_byte_order_mark_the_editor_kept_does_not_change_a_score(
    start: Start, root: Path
) -> None:
    """A client that keeps a file's UTF-8 byte-order mark in the document (VS Code and Neovim drop
    it, as `scan` does) gets the scores `scan` gives: script code on the first line scored
    otherwise."""
    client = await start(model=Path(__file__).resolve().parents[2] / "models" / "default")
    plain, marked = uri_in(root, "plain.py"), uri_in(root, "marked.py")
    script = "import sys\nnames = sys.argv[1:]\nfor name in names:\n    print(name.upper())\n"
    client.open(plain, script + PY_DOC)
    client.open(marked, "\ufeff" + script + PY_DOC)
    want = {s["name"]: s["probability"] for s in await client.command(
        "codeorigin.rescoreDocument", plain)}  # fmt: skip
    got = {s["name"]: s["probability"] for s in await client.command(
        "codeorigin.rescoreDocument", marked)}  # fmt: skip
    assert got == want and set(want) == {"<module>", "alpha", "beta"}


async def test_hover_is_plain_text_when_the_client_asks(start: Start, root: Path) -> None:
    client = await start(caps=capabilities("neovim", hover_formats=["plaintext"]))
    uri = uri_in(root, "a.py")
    client.open(uri, PY_DOC)
    hover = await client.text_document_hover_async(hover_params(uri, 2, 6))  # inside alpha
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert hover.contents.kind == types.MarkupKind.PlainText
    assert "alpha (function)" in hover.contents.value
    assert "**" not in hover.contents.value and "`" not in hover.contents.value


SCRIPT = """\
import sys

data = sys.stdin.read().split()
n = int(data[0])
values = [int(x) for x in data[1 : n + 1]]
print(sum(values))


def helper(x):
    return x
"""


async def test_hover_on_a_module_span_only_on_its_lines(start: Start, root: Path) -> None:
    client = await start(init={"minTokens": 1, "minLines": 2})
    uri = uri_in(root, "script.py")
    client.open(uri, SCRIPT)
    module = await client.text_document_hover_async(hover_params(uri, 3, 2))
    assert module is not None and "`<module>` (module)" in module.contents.value  # type: ignore[union-attr]
    inner = await client.text_document_hover_async(hover_params(uri, 9, 6))
    assert inner is not None and "`helper` (function)" in inner.contents.value  # type: ignore[union-attr]


TS_DOC = """\
export function total(values: number[]): number {
  let sum = 0;
  for (const v of values) {
    sum += v * 2;
  }
  return sum;
}
"""


async def test_module_code_with_its_own_threshold_is_shown_by_it(
    start: Start, root: Path, tiny_model_dir: Path, tmp_path: Path
) -> None:
    """A model whose manifest gives Python's module code a threshold of its own
    (`thresholds.modules`): the module span is judged by it and its hover names it; the
    function beside it keeps Python's, and the status lists both."""
    model = with_thresholds(tiny_model_dir, tmp_path / "module-own", {
        "llm": 0.0, "uncertain": 0.0, "languages": {"python": {"llm": 0.0, "uncertain": 0.0}},
        "modules": {"python": {"llm": 0.999, "uncertain": 0.998}}})  # fmt: skip
    client = await start(model=model, init={"minTokens": 1, "minLines": 2})
    uri = uri_in(root, "script.py")
    client.open(uri, SCRIPT)
    module = await client.text_document_hover_async(hover_params(uri, 3, 2))
    assert module is not None and isinstance(module.contents, types.MarkupContent)
    assert "Threshold for python module code: 99.9%" in module.contents.value
    assert "likely LLM-generated" not in module.contents.value
    inner = await client.text_document_hover_async(hover_params(uri, 9, 6))
    assert inner is not None and isinstance(inner.contents, types.MarkupContent)
    assert "Threshold for python: 0.0%" in inner.contents.value
    status = await client.status(uri)
    assert status["model"]["module_thresholds_by_language"] == {"python": 0.999}


SPEC = """describe("total", () => {
  it("doubles every value before it adds them", () => {
    const values = [1, 2, 3];
    expect(total(values)).toBe(12);
    expect(values).toHaveLength(3);
  });
});
"""


async def test_a_test_case_is_judged_at_its_own_threshold_and_named_so(
    start: Start, root: Path, tiny_model_dir: Path, tmp_path: Path
) -> None:
    """A TypeScript test case (`it(...)`) is a span of its own: its hover calls it a test case
    and names the threshold of TypeScript's test cases (`thresholds.cases`); the status lists it."""
    model = with_thresholds(tiny_model_dir, tmp_path / "case-own", {
        "llm": 0.0, "uncertain": 0.0, "languages": {"typescript": {"llm": 0.0, "uncertain": 0.0}},
        "cases": {"typescript": {"llm": 0.999, "uncertain": 0.998}}})  # fmt: skip
    client = await start(model=model, init={"minTokens": 1, "minLines": 2})
    uri = uri_in(root, "total.test.ts")
    client.open(uri, SPEC, language="typescript")
    hover = await client.text_document_hover_async(hover_params(uri, 1, 8))
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "(test case)" in hover.contents.value
    assert "Threshold for typescript test cases: 99.9%" in hover.contents.value
    status = await client.status(uri)
    assert status["model"]["case_thresholds_by_language"] == {"typescript": 0.999}


async def test_hover_on_export_before_a_function_is_the_functions(start: Start, root: Path) -> None:
    """The grammar leaves `export` out of the function: hovering it (or the line's indentation
    before a function) is pointing at the function all the same."""
    client = await start(init={"minTokens": 1, "minLines": 2})
    uri = uri_in(root, "app.ts")
    client.open(uri, TS_DOC, language="typescript")
    for character in (0, 3, 7):
        hover = await client.text_document_hover_async(hover_params(uri, 0, character))
        assert hover is not None and isinstance(hover.contents, types.MarkupContent)
        assert "`total` (function)" in hover.contents.value
        assert hover.range is not None and hover.range.start == types.Position(0, 7)


async def test_code_lens_per_judged_function(start: Start, root: Path) -> None:
    client = await start()
    uri = uri_in(root, "a.py")
    short = PY_DOC + "\n\ndef tiny():\n    return 1\n"  # too short to judge: no lens
    client.open(uri, short)
    lenses = await client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri))
    )
    assert lenses is not None
    assert [lens.range.start.line for lens in lenses] == [0, 7]
    assert all(lens.command is not None for lens in lenses)
    title = lenses[0].command.title  # type: ignore[union-attr]
    assert re.fullmatch(r"codeorigin: likely LLM-generated \(\d+\.\d%\)", title), title
    # Clicking a lens explains its function in a message.
    command = lenses[1].command
    assert command is not None and command.command == "codeorigin.explain"
    assert list(command.arguments or []) == [uri, {"line": 7, "character": 4}, {"notify": True}]

    await client.change_configuration({"codeLens": False})
    await client.published_for(uri, version=1, after=len(client.published))
    assert not await client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri))
    )


GTEST_DOC = """\
#include <gtest/gtest.h>
TEST(MathTest, Adds) {
    int a = 1;
    int b = 2;
    EXPECT_EQ(a + b, 3);
}
"""


async def test_a_googletest_case_is_named_as_gtest_prints_it(start: Start, root: Path) -> None:
    """The hover named every `TEST(...)` case `TEST`; the diagnostic underlines the macro's call."""
    client = await start(init={"threshold": 0.0})
    uri = uri_in(root, "math_test.cc")
    client.open(uri, GTEST_DOC, language="cpp")
    hover = await client.text_document_hover_async(hover_params(uri, 3, 8))
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "`MathTest.Adds` (function)" in hover.contents.value
    published = await client.published_for(uri, version=1)
    assert [d.range.end.character for d in published.diagnostics] == [len("TEST(MathTest, Adds)")]


PHP_DOC = (
    "<?php\nclass Bag {\n    public function add($element)\n    {\n        $this->initialize();\n"
    "        $this->count += 1;\n        return $this->items->add($element);\n    }\n}\n"
)


async def test_a_php_selection_without_the_opening_tag_is_judged(start: Start, root: Path) -> None:
    """A selection inside a PHP file holds no `<?php`; its statements still count for the guard."""
    client = await start(EDITORS[0])
    uri = uri_in(root, "bag.php")
    client.open(uri, PHP_DOC, language="php")
    await client.published_for(uri, version=1)
    selection = {"start": {"line": 2, "character": 4}, "end": {"line": 7, "character": 5}}
    result = await client.command("codeorigin.rescoreSelection", uri, selection)
    assert result["verdict"] in {"llm", "uncertain", "human"}  # not too_short
    assert result["n_lines"] == 4  # the signature and three statements


@pytest.mark.parametrize("editor", EDITORS)
async def test_rescore_selection_code_action(start: Start, root: Path, editor: str) -> None:
    client = await start(editor)
    uri = uri_in(root, "a.py")
    client.open(uri, PY_DOC)
    await client.published_for(uri, version=1)
    selection = types.Range(types.Position(1, 4), types.Position(4, 16))  # alpha's body
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri),
            range=selection,
            context=types.CodeActionContext(diagnostics=[]),
        )
    )
    assert actions is not None and len(actions) == 1
    action = actions[0]
    assert isinstance(action, types.CodeAction) and action.title == "Rescore selection"
    assert action.command is not None
    assert action.command.command == "codeorigin.rescoreSelection"

    result = await client.command(action.command.command, *(action.command.arguments or []))
    assert set(result) == {"probability", "verdict", "n_tokens", "n_lines", "threshold", "model"}
    assert result["n_lines"] == 4
    assert result["model"] == "tiny-test"
    assert result["threshold"] == 0.5
    assert result["verdict"] in {"llm", "uncertain", "human"}
    shown = await client.message_matching("the selection (4 statement lines")
    assert shown.type == types.MessageType.Info

    # The selection is scored exactly: it is not the whole function's score.
    spans = await client.command("codeorigin.rescoreDocument", uri)
    alpha = next(s for s in spans if s["name"] == "alpha")
    assert alpha["probability"] != result["probability"]

    empty = types.Range(types.Position(1, 4), types.Position(1, 4))
    none = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri),
            range=empty,
            context=types.CodeActionContext(diagnostics=[]),
        )
    )
    assert not none


@pytest.mark.parametrize(
    ("config", "text", "why"),
    [
        ({"enable": False}, PY_DOC, "codeorigin.enable is false"),
        ({"languages": ["java"]}, PY_DOC, "its language (python) is not in codeorigin.languages"),
        ({}, "# Code generated by protoc. DO NOT EDIT.\n" + PY_DOC, "generated"),
        ({}, PY_DOC + "\x00\n", "it holds NUL bytes, so it is binary data, not code"),
    ],
    ids=["disabled", "language-not-listed", "generated", "binary"],
)
async def test_rescore_selection_in_a_document_not_scored_says_why(
    start: Start, root: Path, config: dict[str, object], text: str, why: str
) -> None:
    """A selection in a document the server does not score gets no verdict either, and the
    message says why, as `codeorigin.explain` and `codeorigin.rescoreDocument` do."""
    client = await start(config=config)
    uri = uri_in(root, "a.py")
    client.open(uri, text)
    assert not (await client.published_for(uri, version=1)).diagnostics
    selection = {"start": {"line": 0, "character": 0}, "end": {"line": 5, "character": 0}}
    assert await client.command("codeorigin.rescoreSelection", uri, selection) is None
    said = await client.message_matching("codeorigin: this document is not scored: ")
    assert why in said.message and said.type == types.MessageType.Warning
    assert not [m for m in client.messages if "the selection (" in m.message]


async def test_rescore_document_and_status(start: Start, root: Path) -> None:
    client = await start()
    uri = uri_in(root, "a.py")
    client.open(uri, PY_DOC)
    await client.published_for(uri, version=1)
    count = len(client.published)
    spans = await client.command("codeorigin.rescoreDocument", uri)
    assert [(s["name"], s["kind"], s["verdict"]) for s in spans] == [
        ("alpha", "function", "llm"),
        ("beta", "function", "llm"),
    ]
    assert spans[1]["nameRange"] == {
        "start": {"line": 7, "character": 4},
        "end": {"line": 7, "character": 8},
    }
    assert (await client.published_for(uri, version=1, after=count)).diagnostics

    status = await client.status()
    assert status["model"]["name"] == "tiny-test"
    assert len(status["model"]["digest"]) == 64
    assert status["model"]["threshold"] == 0.5 and status["model"]["uncertain"] == 0.4
    assert status["cache"]["size"] == 2 and status["cache"]["max"] >= 2
    assert status["counts"]["spans_scored"] == 2  # the rescore came from the cache
    assert status["counts"]["cache_hits"] >= 2
    assert status["error"] is None
    assert "score_seconds" in status["timings"]
    assert "document" not in status  # asked without a document
    document = (await client.status(uri))["document"]
    assert document == {"language": "python", "skipped": None, "reason": None, "not_judged": None}
    # A document whose language the settings leave out is not scored, and its status says why.
    await client.change_configuration({"languages": ["java"]})
    await client.published_for(uri, version=1, after=len(client.published))
    assert (await client.status(uri))["document"]["skipped"] == "language"
    assert (await client.status(uri_in(root, "never-opened.py")))["document"] is None


async def test_commands_refuse_arguments_they_cannot_use(start: Start, root: Path) -> None:
    """A client that sends the wrong arguments gets InvalidParams saying what the command takes,
    and the server goes on."""
    client = await start()
    uri = uri_in(root, "a.py")
    client.open(uri, PY_DOC)
    await client.published_for(uri, version=1)
    refused = [
        (["codeorigin.rescoreSelection"], "takes a document URI and a range, got nothing"),
        (["codeorigin.rescoreSelection", uri, [1, 2]], "the range must be {start: {line, "),
        (["codeorigin.rescoreDocument", None], "takes a document URI, got null"),
    ]
    for (name, *arguments), message in refused:
        with pytest.raises(JsonRpcException) as caught:
            await client.command(name, *arguments)
        assert caught.value.code == types.ErrorCodes.InvalidParams and message in str(caught.value)
    assert await client.command("codeorigin.rescoreDocument", uri_in(root, "closed.py")) is None
    await client.message_matching("open the document before rescoring it")
    # Past the end of the document there is no function to explain.
    assert await client.command("codeorigin.explain", uri, {"line": 500, "character": 0}) is None
    assert (await client.status())["error"] is None


async def test_cancelled_request_is_answered_as_cancelled(start: Start, root: Path) -> None:
    client = await start(init={"debounceMs": 10_000})
    uri = uri_in(root, "a.py")
    client.open(uri, PY_DOC)
    await client.published_for(uri, version=1)
    client.edit(uri, 2, (1, 0), (1, 0), "    # edited\n")
    # The code lenses (asked by the client after every edit) wait for the debounced run of
    # version 2; the client gives up on them.
    params = types.CodeLensParams(types.TextDocumentIdentifier(uri))
    pending = asyncio.wrap_future(
        client.protocol.send_request(types.TEXT_DOCUMENT_CODE_LENS, params, msg_id="to-cancel")
    )
    await asyncio.sleep(0.2)
    client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id="to-cancel"))
    with pytest.raises(JsonRpcRequestCancelled):
        await asyncio.wait_for(pending, TIMEOUT)
    # ... and the server goes on answering.
    assert (await client.status())["error"] is None


async def test_a_hover_after_an_edit_does_not_wait_out_the_debounce(
    start: Start, root: Path
) -> None:
    """A person hovering right after typing is answered on the new text at once, not after the
    debounce (a minute here); the code lenses the client asked for meanwhile come from the same
    run."""
    client = await start(init={"debounceMs": 60_000})
    uri = uri_in(root, "a.py")
    client.open(uri, PY_DOC)
    await client.published_for(uri, version=1)
    client.edit(uri, 2, (0, 0), (0, 0), "# a new first line\n")
    lenses = asyncio.ensure_future(
        client.text_document_code_lens_async(
            types.CodeLensParams(types.TextDocumentIdentifier(uri))
        )
    )
    answer = await asyncio.wait_for(client.text_document_hover_async(hover_params(uri, 2, 4)), 20)
    assert answer is not None and answer.range is not None and answer.range.start.line == 1
    assert (await client.published_for(uri, version=2)).diagnostics  # the run it started
    assert [lens.range.start.line for lens in await asyncio.wait_for(lenses, 20)][:1] == [1]


async def test_threads_change_reopens_the_model_and_keeps_the_cache(
    start: Start, root: Path
) -> None:
    client = await start()
    uri = uri_in(root, "a.py")
    client.open(uri, PY_DOC)
    await client.published_for(uri, version=1)
    before = await client.status()
    count = len(client.published)
    await client.change_configuration({"threads": 2})
    assert len((await client.published_for(uri, version=1, after=count)).diagnostics) == 2
    after = await client.status()
    assert (before["threads"], after["threads"]) == (1, 2)
    assert after["counts"]["spans_scored"] == before["counts"]["spans_scored"]


async def test_a_language_with_its_own_threshold_is_judged_and_shown_by_it(
    start: Start, root: Path, tiny_model_dir: Path, tmp_path: Path
) -> None:
    """A model whose manifest gives Java a threshold of its own (`thresholds.languages`): Java
    spans are judged by it and their hover names it; Python keeps the model's own."""
    model = with_thresholds(tiny_model_dir, tmp_path / "java-own", {
        "llm": 0.0, "uncertain": 0.0,
        "languages": {"java": {"llm": 0.999, "uncertain": 0.998}}})  # fmt: skip
    client = await start(model=model)
    java, py = uri_in(root, "Stack.java"), uri_in(root, "a.py")
    client.open(java, JAVA_STACK, language="java")
    client.open(py, PY_DOC)
    hover = await client.text_document_hover_async(hover_params(java, 6, 8))  # inside pushAll
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "Threshold for java: 99.9%" in hover.contents.value
    assert "likely LLM-generated" not in hover.contents.value
    hover = await client.text_document_hover_async(hover_params(py, 10, 8))  # inside beta
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "Threshold for python: 0.0%" in hover.contents.value
    assert "likely LLM-generated" in hover.contents.value
    status = await client.status()
    assert status["model"]["threshold"] == 0.0
    assert status["model"]["thresholds_by_language"] == {"java": 0.999}
