"""Explanations over the wire: the hover chart, `codeorigin.explain`, its code action, inlay hints.

The model is `tiny_ig_model_dir`: tiny, with a gradient graph, trained so that the planted word
(`zebra`) drives its logit up. So the function holding it is judged `llm`, and its explanation must
put the planted line first; the other function is judged `human`.
"""

from __future__ import annotations

import asyncio
import math
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException

from helpers.lsp_client import EDITORS, PY_DOC, TIMEOUT, Client, Start, capabilities, uri_in
from helpers.samples import PLANTED_DOC as DOC

PLANTED_LINE = 10  # 0-based: "        zebra = item"
PLANTED_SPAN = (7, 12)
INSIDE_PLANTED = (10, 10)
INSIDE_PLAIN = (2, 6)
BETWEEN = (5, 0)
PENDING = "being computed"
KEYS = {"uri", "span", "probability", "verdict", "lines", "tokens", "delta", "steps", "rule",
        "members", "baseline_probability"}  # fmt: skip


def hover_params(uri: str, at: tuple[int, int]) -> types.HoverParams:
    return types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(*at))


async def hover_text(client: Client, uri: str, at: tuple[int, int]) -> tuple[str, str]:
    hover = await asyncio.wait_for(client.text_document_hover_async(hover_params(uri, at)), TIMEOUT)
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    return hover.contents.kind, hover.contents.value


async def explained_hover(client: Client, uri: str, at: tuple[int, int]) -> tuple[str, str]:
    """The hover once its explanation is ready (a hover may come before it; the next has it)."""
    for _ in range(int(TIMEOUT / 0.2)):
        kind, text = await hover_text(client, uri, at)
        if PENDING not in text:
            return kind, text
        await asyncio.sleep(0.2)
    raise AssertionError(f"the explanation never came: {text}")


async def open_scored(client: Client, uri: str, text: str = DOC) -> types.PublishDiagnosticsParams:
    client.open(uri, text)
    return await client.published_for(uri, version=1)


def action_params(
    uri: str, at: tuple[int, int], trigger: types.CodeActionTriggerKind | None = None
) -> types.CodeActionParams:
    position = types.Position(*at)
    return types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri),
        range=types.Range(position, position),
        context=types.CodeActionContext(diagnostics=[], trigger_kind=trigger),
    )


def chart_rows(text: str) -> list[str]:
    """The rows of the fenced chart in a Markdown hover."""
    body = text.split("```text\n", 1)[1].split("\n```", 1)[0]
    return body.splitlines()


@pytest.mark.parametrize("editor", EDITORS)
async def test_hover_shows_the_line_chart_the_top_tokens_and_the_delta(
    start: Start, root: Path, tiny_ig_model_dir: Path, editor: str
) -> None:
    client = await start(editor, model=tiny_ig_model_dir)
    uri = uri_in(root, "a.py")
    published = await open_scored(client, uri)
    [diagnostic] = published.diagnostics  # only `planted` is judged llm
    assert diagnostic.range.start.line == PLANTED_SPAN[0]
    probability = diagnostic.message.split("(")[1].rstrip(")")

    kind, text = await explained_hover(client, uri, INSIDE_PLANTED)
    assert kind == types.MarkupKind.Markdown  # both editors take Markdown
    # The verdict as before, with the engine's probability (the diagnostic's)...
    assert "**codeorigin: likely LLM-generated**" in text
    assert f"probability of LLM authorship **{probability}**" in text
    # ...then the chart: the planted line first, 1-based, with a bar, its share, its direction.
    assert "**Why this score: the lines that weigh most**" in text
    rows = chart_rows(text)
    assert 1 <= len(rows) <= 5
    first = rows[0]
    assert first.startswith("L11 ") and first.endswith("zebra = item")
    assert "█" in first and "↑" in first
    shares = [int(row.split("%")[0].split()[-1]) for row in rows]
    assert shares == sorted(shares, reverse=True)
    assert all(row.split()[0] in {f"L{n + 1}" for n in range(7, 13)} for row in rows)
    assert "Top tokens: `zebra` L11 ↑" in text
    # ...and what to do, in plain words: the method and its convergence delta are the explain
    # view's (`codeorigin explain`), not the hover's.
    assert "What to do: a reason to look, not proof" in text
    assert "convergence delta" not in text and "Integrated Gradients" not in text


async def test_hover_is_plain_text_with_the_chart_when_the_client_asks(
    start: Start, root: Path, tiny_ig_model_dir: Path
) -> None:
    caps = capabilities("neovim", hover_formats=["plaintext"])
    client = await start(caps=caps, model=tiny_ig_model_dir)
    uri = uri_in(root, "a.py")
    await open_scored(client, uri)
    kind, text = await explained_hover(client, uri, INSIDE_PLANTED)
    assert kind == types.MarkupKind.PlainText
    assert "```" not in text and "**" not in text
    assert "Why this score: the lines that weigh most" in text
    row = next(line for line in text.splitlines() if line.startswith("L11 "))
    assert "↑" in row and row.endswith("zebra = item")
    assert 'Top tokens: "zebra" L11 ↑' in text


async def test_hover_on_a_human_function_explains_it_too(
    start: Start, root: Path, tiny_ig_model_dir: Path
) -> None:
    client = await start(model=tiny_ig_model_dir)
    uri = uri_in(root, "a.py")
    await open_scored(client, uri)
    _, text = await explained_hover(client, uri, INSIDE_PLAIN)
    # Below the threshold is "not flagged", never "human-written": no evidence of a person.
    assert "codeorigin: not flagged" in text and "human-written" not in text.split("---")[0]
    assert "What to do: nothing is flagged, and that is no evidence that a person wrote it" in text
    rows = chart_rows(text)
    assert rows and all(row.split()[0] in {f"L{n + 1}" for n in range(0, 5)} for row in rows)


async def test_explain_command_returns_lines_that_sum_to_one(
    start: Start, root: Path, tiny_ig_model_dir: Path
) -> None:
    client = await start(model=tiny_ig_model_dir)
    uri = uri_in(root, "a.py")
    published = await open_scored(client, uri)
    data: dict[str, Any] = published.diagnostics[0].data  # type: ignore[assignment]

    result = await client.command(
        "codeorigin.explain", uri, {"line": INSIDE_PLANTED[0], "character": INSIDE_PLANTED[1]}
    )
    assert set(result) == KEYS
    assert result["uri"] == uri
    assert result["span"] == {
        "name": "planted",
        "kind": "function",
        "start_line": PLANTED_SPAN[0],
        "end_line": PLANTED_SPAN[1],
    }
    assert result["probability"] == data["probability"]  # the engine's, not the gradient graph's
    assert result["verdict"] == "llm"
    lines = result["lines"]
    assert all(PLANTED_SPAN[0] <= entry["line"] <= PLANTED_SPAN[1] for entry in lines)
    assert len({entry["line"] for entry in lines}) == len(lines)
    assert math.isclose(sum(entry["share"] for entry in lines), 1.0, abs_tol=1e-6)
    top = max(lines, key=lambda entry: entry["share"])
    assert top["line"] == PLANTED_LINE and top["score"] > 0
    tokens = result["tokens"]
    assert 1 <= len(tokens) <= 5
    assert set(tokens[0]) == {"text", "line", "score", "share"}
    assert tokens[0]["text"] == "zebra" and tokens[0]["line"] == PLANTED_LINE
    assert result["delta"] >= 0 and result["steps"] == 64 and result["rule"] == "riemann_trapezoid"

    # Between the functions: nothing to explain (the VS Code client says so itself).
    assert (
        await client.command("codeorigin.explain", uri, {"line": BETWEEN[0], "character": 0})
        is None
    )
    # igSteps overrides the model's steps.
    await client.change_configuration({"igSteps": 8})
    await client.published_for(uri, version=1, after=len(client.published))
    again = await client.command("codeorigin.explain", uri, {"line": 10, "character": 10})
    assert again["steps"] == 8
    # Old Mac line ends (a lone CR ends a line for LSP too): a function past the first line is
    # found, not taken for a position beyond the end.
    # (tree-sitter's Python grammar reads such a file badly: `plain` is its first two lines.)
    await client.change_configuration({"igSteps": 8, "minLines": 1, "minTokens": 1})
    cr = uri_in(root, "cr.py")
    await open_scored(client, cr, DOC.replace("\n", "\r"))
    found = await client.command("codeorigin.explain", cr, {"line": 1, "character": 6})
    assert found is not None and found["span"]["name"] == "plain"


async def test_explaining_a_function_too_short_to_judge_says_so(
    start: Start, root: Path, tiny_ig_model_dir: Path
) -> None:
    client = await start(model=tiny_ig_model_dir)
    uri = uri_in(root, "short.py")
    await open_scored(client, uri, "def tiny(x):\n    return x + 1\n")
    at = {"line": 1, "character": 8}
    with pytest.raises(JsonRpcException, match=r"does not explain tiny: it is too short to judge "
                       r"\(1 statement line and 2 identifier/literal tokens; it needs 3 and \d+\)"):  # fmt: skip
        await client.command("codeorigin.explain", uri, at)
    assert await client.command("codeorigin.explain", uri, at, {"notify": True}) is None
    said = await client.message_matching(
        "codeorigin does not explain tiny: it is too short to judge"
    )
    assert said.message.startswith("codeorigin does not explain")  # not "codeorigin: codeorigin"


@pytest.mark.parametrize(
    ("config", "language", "why"),
    [
        (
            {"maxFileBytes": 1024},
            "python",
            r"it has [\d,]+ bytes, more than codeorigin\.maxFileBytes",
        ),
        (
            {"languages": ["java"]},
            "python",
            r"its language \(python\) is not in codeorigin\.languages",
        ),
        ({"enable": False}, "python", r"codeorigin\.enable is false"),
    ],
    ids=["too-large", "language-not-listed", "disabled"],
)
async def test_explain_and_rescore_in_a_document_not_scored_say_why(
    start: Start,
    root: Path,
    tiny_ig_model_dir: Path,
    config: dict[str, Any],
    language: str,
    why: str,
) -> None:
    """In a document the server does not score, explain says why (not "no function at the
    cursor"), and rescoring it says why instead of a silent "0 spans scored again"."""
    client = await start(model=tiny_ig_model_dir, config=config)
    uri = uri_in(root, "skipped.py")
    client.open(uri, DOC + "\n" + "# filler line to pass one kilobyte\n" * 40, language=language)
    await client.published_for(uri, version=1)
    at = {"line": 1, "character": 8}
    with pytest.raises(JsonRpcException, match=f"codeorigin does not score this document: {why}"):
        await client.command("codeorigin.explain", uri, at)
    assert await client.command("codeorigin.explain", uri, at, {"notify": True}) is None
    await client.message_matching("codeorigin: this document is not scored: ")
    assert await client.command("codeorigin.rescoreDocument", uri) is None
    said = [m.message for m in client.messages if "this document is not scored" in m.message]
    assert len(said) == 2 and all(m.endswith(".") for m in said), said


async def test_an_edit_above_moves_the_explained_lines(
    start: Start, root: Path, tiny_ig_model_dir: Path
) -> None:
    client = await start(model=tiny_ig_model_dir)
    uri = uri_in(root, "a.py")
    await open_scored(client, uri)
    before = await client.command("codeorigin.explain", uri, {"line": 10, "character": 10})
    client.edit(uri, 2, (0, 0), (0, 0), "import os\n")
    await client.published_for(uri, version=2)
    _, text = await explained_hover(client, uri, (11, 10))
    assert chart_rows(text)[0].startswith("L12 ")
    after = await client.command("codeorigin.explain", uri, {"line": 11, "character": 10})
    assert after["span"]["start_line"] == before["span"]["start_line"] + 1
    assert [e["line"] for e in after["lines"]] == [e["line"] + 1 for e in before["lines"]]
    assert [e["share"] for e in after["lines"]] == pytest.approx(
        [e["share"] for e in before["lines"]]
    )


@pytest.mark.parametrize(
    "arguments",
    [
        [],
        ["file:///a.py"],
        [None, {"line": 0, "character": 0}],
        ["file:///a.py", {"line": -1, "character": 0}],
        ["file:///a.py", {"start": {"line": 0, "character": 0}}],
        ["file:///a.py", {"line": 0, "character": 0}, "loud"],
    ],
)
async def test_explain_refuses_bad_arguments(
    start: Start, root: Path, tiny_ig_model_dir: Path, arguments: list[Any]
) -> None:
    client = await start(model=tiny_ig_model_dir)
    with pytest.raises(JsonRpcException, match=r"codeorigin\.explain expects"):
        await client.command("codeorigin.explain", *arguments)


async def test_explain_a_document_that_is_not_open(
    start: Start, root: Path, tiny_ig_model_dir: Path
) -> None:
    client = await start(model=tiny_ig_model_dir)
    with pytest.raises(JsonRpcException, match="is not open"):
        await client.command(
            "codeorigin.explain", uri_in(root, "x.py"), {"line": 0, "character": 0}
        )


@pytest.mark.parametrize("editor", EDITORS)
async def test_explain_code_action_inside_a_span(
    start: Start, root: Path, tiny_ig_model_dir: Path, editor: str
) -> None:
    client = await start(editor, model=tiny_ig_model_dir)
    uri = uri_in(root, "a.py")
    await open_scored(client, uri)

    actions = await client.text_document_code_action_async(action_params(uri, INSIDE_PLANTED))
    assert actions is not None and len(actions) == 1  # an empty selection: no "Rescore selection"
    action = actions[0]
    assert isinstance(action, types.CodeAction) and action.title == "Explain this function"
    assert action.kind == types.CodeActionKind.QuickFix
    assert action.command is not None and action.command.command == "codeorigin.explain"
    result = await client.command(action.command.command, *(action.command.arguments or []))
    assert result["span"]["name"] == "planted"
    message = await client.message_matching("Lines that weigh most: L11")
    assert "planted (function) is likely LLM-generated" in message.message
    assert 'Top tokens: "zebra" L11 ↑' in message.message  # its line, as the hover gives it

    # Outside every span: no action. In a human-judged span: only when asked for (not for VS
    # Code's automatic light bulb).
    assert not await client.text_document_code_action_async(action_params(uri, BETWEEN))
    invoked = await client.text_document_code_action_async(
        action_params(uri, INSIDE_PLAIN, types.CodeActionTriggerKind.Invoked)
    )
    assert [a.title for a in invoked or []] == ["Explain this function"]
    automatic = await client.text_document_code_action_async(
        action_params(uri, INSIDE_PLAIN, types.CodeActionTriggerKind.Automatic)
    )
    assert not automatic


async def test_explain_is_a_quick_fix_of_its_diagnostic(
    start: Start, root: Path, tiny_ig_model_dir: Path
) -> None:
    """A client asking for quick fixes only (Neovim's `code_action({context = {only = ...}})`,
    VS Code's Quick Fix menu) gets "Explain this function", tied to the flagged function's
    diagnostic; one asking for refactorings gets nothing."""
    client = await start(model=tiny_ig_model_dir)
    uri = uri_in(root, "a.py")
    published = await open_scored(client, uri)
    [diagnostic] = published.diagnostics
    other = types.Diagnostic(diagnostic.range, "unused name", source="pyflakes")

    def asking(only: list[str], at: types.Range) -> types.CodeActionParams:
        context = types.CodeActionContext(diagnostics=[diagnostic, other], only=only)
        return types.CodeActionParams(types.TextDocumentIdentifier(uri), at, context)

    inside = types.Range(types.Position(*INSIDE_PLANTED), types.Position(INSIDE_PLANTED[0] + 1, 0))
    [action] = await client.text_document_code_action_async(asking(["quickfix"], inside)) or []
    assert isinstance(action, types.CodeAction) and action.title == "Explain this function"
    assert list(action.diagnostics or []) == [diagnostic]
    assert not await client.text_document_code_action_async(asking(["refactor"], inside))
    assert not await client.text_document_code_action_async(asking(["quickfix.other"], inside))
    # "Rescore selection" is a source action (it fixes and refactors nothing): asked for those,
    # a client gets it alone.
    [rescore] = await client.text_document_code_action_async(asking(["source"], inside)) or []
    assert isinstance(rescore, types.CodeAction) and rescore.title == "Rescore selection"
    assert rescore.kind == "source.codeorigin.rescoreSelection"


async def inlay_hints(client: Client, uri: str) -> list[types.InlayHint]:
    params = types.InlayHintParams(
        text_document=types.TextDocumentIdentifier(uri),
        range=types.Range(types.Position(0, 0), types.Position(13, 0)),
    )
    return list(
        await asyncio.wait_for(client.text_document_inlay_hint_async(params), TIMEOUT) or []
    )


async def test_inlay_hints_are_off_by_default_and_on_with_the_setting(
    start: Start, root: Path, tiny_ig_model_dir: Path
) -> None:
    client = await start("neovim", model=tiny_ig_model_dir)
    refreshes: list[None] = []

    @client.feature(types.WORKSPACE_INLAY_HINT_REFRESH)
    def inlay_hint_refresh(params: None) -> None:
        refreshes.append(params)

    assert client.server_capabilities.inlay_hint_provider is not None
    uri = uri_in(root, "a.py")
    await open_scored(client, uri)
    assert await inlay_hints(client, uri) == []

    await client.change_configuration({"inlayHints": True})
    await client.published_for(uri, version=1, after=len(client.published))
    hints: list[types.InlayHint] = []
    for _ in range(int(TIMEOUT / 0.2)):  # the first request may come before the explanation
        hints = await inlay_hints(client, uri)
        if hints:
            break
        await asyncio.sleep(0.2)
    assert refreshes  # the setting changed: the client was asked to request hints again
    lines = [hint.position.line for hint in hints]
    assert lines == sorted(lines)
    assert set(lines) <= set(range(PLANTED_SPAN[0], PLANTED_SPAN[1] + 1))  # llm spans only
    planted = next(hint for hint in hints if hint.position.line == PLANTED_LINE)
    assert planted.position.character == len("        zebra = item")  # the end of the line
    assert isinstance(planted.label, str) and planted.label.endswith("% ↑")  # toward LLM
    assert planted.padding_left
    assert max(hints, key=lambda h: int(str(h.label).split("%")[0])) is planted

    await client.change_configuration({"inlayHints": False})
    await client.published_for(uri, version=1, after=len(client.published))
    assert await inlay_hints(client, uri) == []


@pytest.mark.parametrize("editor", EDITORS)
async def test_without_a_gradient_graph_the_hover_keeps_the_score(
    start: Start, root: Path, editor: str
) -> None:
    client = await start(editor)  # tiny_model_dir: no gradient graph
    uri = uri_in(root, "a.py")
    client.open(uri, PY_DOC)
    await client.published_for(uri, version=1)
    _, text = await hover_text(client, uri, (10, 8))  # inside beta
    assert "**codeorigin: likely LLM-generated**" in text
    assert "probability of LLM authorship **" in text
    assert "explanations are unavailable" in text and "no gradient graph" in text
    with pytest.raises(JsonRpcException, match="no gradient graph"):
        await client.command("codeorigin.explain", uri, {"line": 10, "character": 8})
    assert not await client.text_document_code_action_async(action_params(uri, (10, 8)))


def long_function(n_lines: int) -> str:
    body = [f"    total = total + values[{i}] * {i}" for i in range(n_lines)]
    return "def long_one(values):\n    total = 0\n" + "\n".join(body) + "\n    return total\n"


async def test_a_hover_before_the_explanation_is_ready_says_so(
    start: Start, root: Path, tiny_ig_model_dir: Path
) -> None:
    # A human-judged function (nothing computed ahead) of about 1,300 tokens, 1,024 steps: some
    # 40 windows x 1,024 gradient rows, seconds of work, far more than a hover waits.
    client = await start(model=tiny_ig_model_dir, config={"igSteps": 1024})
    uri = uri_in(root, "long.py")
    await open_scored(client, uri, long_function(120))
    kind, text = await hover_text(client, uri, (3, 8))
    assert "codeorigin: not flagged" in text and "probability of LLM authorship" in text
    assert "the explanation is being computed" in text and "hover again in a moment" in text
    assert kind == types.MarkupKind.Markdown
    # The next hovers have it once it is computed.
    for _ in range(int(120 / 0.5)):
        _, text = await hover_text(client, uri, (3, 8))
        if PENDING not in text:
            break
        await asyncio.sleep(0.5)
    assert "Why this score: the lines that weigh most" in text
    assert chart_rows(text)


@pytest.mark.parametrize("notify", [False, True])
async def test_explain_of_a_document_closed_while_it_runs_answers_null(
    start: Start, root: Path, tiny_ig_model_dir: Path, notify: bool
) -> None:
    """Closing a document stops its explanation: a `codeorigin.explain` waiting for it answers
    null with no message, as for a document with nothing to explain (it answered with an error
    the editor shows: "explaining long failed: stopped before it finished")."""
    client = await start(model=tiny_ig_model_dir, config={"igSteps": 1024})
    uri = uri_in(root, "long.py")
    await open_scored(client, uri, long_function(120))
    args: list[Any] = [uri, {"line": 3, "character": 8}] + ([{"notify": True}] if notify else [])
    request = asyncio.ensure_future(
        client.workspace_execute_command_async(
            types.ExecuteCommandParams("codeorigin.explain", args)
        )
    )
    await asyncio.sleep(1.0)  # the command is waiting for the explanation
    assert not request.done()
    messages = len(client.messages)
    client.close(uri)
    assert await asyncio.wait_for(request, TIMEOUT) is None
    assert client.messages[messages:] == []
