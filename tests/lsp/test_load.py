"""Load: a burst of typing across many documents, with hovers in the middle of it.

50 documents are open; 2,000 small incremental edits inside their functions (typing in a name,
changing a number, adding a statement, deleting a character) arrive within a few seconds, with a
hover every few dozen edits. Every hover must be answered (how long each took is printed, not
asserted: a test does not time things), the score cache must stay within its bound
(`CODEORIGIN_CACHE_SIZE`) while evicting, and once the burst is over the last diagnostics of every
document must be exactly those of a fresh scoring of its final text: nothing stale survives.
"""

from __future__ import annotations

import asyncio
import keyword
import random
import re
import time
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types

from codeorigin.lsp.positions import PositionMap
from helpers.lsp_client import TIMEOUT, Client, Start, uri_in

N_DOCUMENTS = 50
N_EDITS = 2_000
HOVER_EVERY = 40  # edits
CACHE_SIZE = 64
OPTIONS = {"threshold": 0.0, "minLines": 4, "minTokens": 24, "debounceMs": 20}
_NAME = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")
_NUMBER = re.compile(r"\d+")


def document(k: int) -> str:
    """Three functions, with non-ASCII text so that positions depend on the encoding."""
    return "".join(
        f"def f{k}_{j}(values, scale):\n"
        f'    label = "é{k}😀{j}"\n'
        "    total = 0\n"
        "    for item in values:\n"
        f"        total += item * scale + {k * 10 + j}\n"
        "    return label, total\n"
        "\n\n"
        for j in range(3)
    )


def random_edit(text: str, rng: random.Random, n: int) -> tuple[int, int, str]:
    """(start, end, new text) of one small edit inside a function body, as a person types."""
    starts = [m.start() for m in re.finditer(r"(?m)^ {4,}\S", text)]
    line_start = rng.choice(starts)
    line_end = text.index("\n", line_start)
    line = text[line_start:line_end]
    kind = rng.randrange(4)
    if kind == 0:  # a new statement, indented like the line it goes before
        indent = line[: len(line) - len(line.lstrip())]
        return line_start, line_start, f"{indent}extra_{n} = {n % 97} * 2\n"
    names = [m for m in _NAME.finditer(line) if not keyword.iskeyword(m.group())]
    numbers = list(_NUMBER.finditer(line))
    if kind == 1 and numbers:  # change a number
        m = rng.choice(numbers)
        return line_start + m.start(), line_start + m.end(), str(rng.randrange(1000))
    if kind == 2 and names:  # type a letter in a name
        m = rng.choice(names)
        at = line_start + rng.randint(m.start() + 1, m.end())
        return at, at, rng.choice("abcxyz")
    long_names = [m for m in names if len(m.group()) > 2]
    if long_names:  # backspace in a name
        m = rng.choice(long_names)
        at = line_start + rng.randint(m.start() + 1, m.end() - 1)
        return at, at + 1, ""
    return line_end, line_end, " "  # a trailing space


def send_edit(client: Client, uri: str, version: int, text: str, edit: tuple[int, int, str]) -> str:
    """Send one incremental didChange and return the new text."""
    start, end, new = edit
    positions = PositionMap(text, client.encoding)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            [types.TextDocumentContentChangePartial(range=positions.range(start, end), text=new)],
        )
    )
    return text[:start] + new + text[end:]


def expected_diagnostics(texts: dict[str, str], model: Path, encoding: str) -> dict[str, list[Any]]:
    """What a fresh full scoring of each text gives, in the shape the diagnostics carry."""
    from codeorigin.engine.judging import VerdictRules
    from codeorigin.engine.scoring import Engine
    from codeorigin.model.scorer import Model

    engine = Engine(Model.load(model, threads=1))
    options = VerdictRules(
        threshold=OPTIONS["threshold"],
        min_lines=OPTIONS["minLines"],
        min_tokens=OPTIONS["minTokens"],
    )
    out: dict[str, list[Any]] = {}
    for uri, text in texts.items():
        positions = PositionMap(text, encoding)
        out[uri] = [
            (
                r.span.name,
                positions.range(r.span.name_start, r.span.name_end),
                positions.range(r.span.start, r.span.end),
                r.probability,
            )
            for r in engine.analyze(text, "python", options)
            if r.verdict == "llm"
        ]
    return out


def published_shape(diagnostics: list[types.Diagnostic]) -> list[Any]:
    def full(d: dict[str, Any]) -> types.Range:
        return types.Range(
            types.Position(d["start"]["line"], d["start"]["character"]),
            types.Position(d["end"]["line"], d["end"]["character"]),
        )

    return [
        (d.data["name"], d.range, full(d.data["range"]), d.data["probability"]) for d in diagnostics
    ]


async def test_burst_of_edits_with_hovers(
    start: Start, root: Path, tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CODEORIGIN_CACHE_SIZE", str(CACHE_SIZE))  # the server inherits it
    client = await start(init=OPTIONS)
    rng = random.Random(20240611)
    uris = [uri_in(root, f"m{k}.py") for k in range(N_DOCUMENTS)]
    texts = {uri: document(k) for k, uri in enumerate(uris)}
    versions = dict.fromkeys(uris, 1)
    for uri in uris:
        client.open(uri, texts[uri])
    await asyncio.gather(*(client.published_for(uri, version=1) for uri in uris))

    latencies: list[float] = []

    async def hover(uri: str, k: int) -> types.Hover | None:
        t0 = time.perf_counter()
        answer = await asyncio.wait_for(
            client.text_document_hover_async(
                types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(0, 4))
            ),
            TIMEOUT,
        )
        latencies.append(time.perf_counter() - t0)
        assert answer is None or f"f{k}_0" in answer.contents.value  # type: ignore[union-attr]
        return answer

    hovers: list[asyncio.Task[types.Hover | None]] = []
    began = time.perf_counter()
    for n in range(N_EDITS):
        k = rng.randrange(N_DOCUMENTS)
        uri = uris[k]
        versions[uri] += 1
        texts[uri] = send_edit(
            client, uri, versions[uri], texts[uri], random_edit(texts[uri], rng, n)
        )
        if n % HOVER_EVERY == 0:
            hovers.append(asyncio.ensure_future(hover(uri, k)))
        if n % 25 == 24:
            await asyncio.sleep(0.05)  # a fast typist across many files, not one 2,000-edit write
    burst = time.perf_counter() - began
    assert burst < 20  # the pace the scenario asks for (the test driver's, not the server's)

    answers = await asyncio.gather(*hovers)  # every hover is answered
    assert len(answers) == N_EDITS // HOVER_EVERY
    assert any(a is not None for a in answers)
    print(
        f"\n{N_EDITS} edits in {burst:.1f} s; {len(latencies)} hovers answered in "
        f"{min(latencies):.3f}..{max(latencies):.3f} s (median "
        f"{sorted(latencies)[len(latencies) // 2]:.3f} s)"
    )

    # Settled: each document's last publication is of its final version...
    await asyncio.gather(*(client.published_for(uri, version=versions[uri]) for uri in uris))
    await asyncio.sleep(0.5)  # room for a stale publication to arrive, if one were coming
    last = {p.uri: p for p in client.published}
    assert {uri: last[uri].version for uri in uris} == versions

    # ... and equals a fresh scoring of its final text.
    expected = expected_diagnostics(texts, tiny_model_dir, client.encoding)
    for uri in uris:
        got = published_shape(list(last[uri].diagnostics))
        want = expected[uri]
        assert [g[:3] for g in got] == [w[:3] for w in want], uri
        assert [g[3] for g in got] == pytest.approx([w[3] for w in want], abs=1e-4), uri

    status = await client.status(uris[0])
    print(f"cache {status['cache']}, counts {status['counts']}")
    assert status["cache"]["max"] == CACHE_SIZE
    assert 0 < status["cache"]["size"] <= CACHE_SIZE
    assert status["counts"]["spans_scored"] > CACHE_SIZE  # so scores were evicted on the way
    assert status["open_documents"] == N_DOCUMENTS
    assert not client.apply_edits
    assert not [m for m in client.messages if m.type == types.MessageType.Error]
