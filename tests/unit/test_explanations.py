"""The server's explanation worker and the hover chart, in process.

The worker (`codeorigin.lsp.attribution_jobs.AttributionJobs`): what a user waits for runs before what is
computed ahead, work queued ahead for a document that changed since is dropped, one text is one
job, and a finished job serves a document where the same function moved. The chart
(`codeorigin.report.explanation`, shared by the hover and `codeorigin explain`): bars, labels and
rows as a reader sees them.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import wait
from pathlib import Path
from typing import Any

import pytest

from codeorigin.engine.judging import SpanResult, VerdictRules
from codeorigin.engine.scoring import Engine
from codeorigin.lsp.attribution_jobs import AHEAD, NOW, AttributionJobs
from codeorigin.lsp.options import Settings
from codeorigin.model.attribution import Attribution, LineAttribution, TokenAttribution
from codeorigin.model.manifest import ModelError
from codeorigin.model.path_integral import Cancelled
from codeorigin.model.scorer import Model
from codeorigin.report import explanation as explain

DOC = "".join(
    f"def f{i}(items):\n    count = {i}\n    for item in items:\n"
    f"        {'zebra' if i % 2 else 'other'} = item\n        count += 1\n    return count\n\n\n"
    for i in range(4)
)


@pytest.fixture
def setup(
    tiny_ig_model_dir: Path,
) -> Iterator[tuple[AttributionJobs, dict[str, int], Engine, list[SpanResult]]]:
    generations: dict[str, int] = {}  # each document's generation, as `Analyzer.generation`
    explanations = AttributionJobs(generations.get)
    engine = Engine(Model.load(tiny_ig_model_dir))
    results = engine.analyze(DOC, "python", VerdictRules())
    assert [r.span.name for r in results] == ["f0", "f1", "f2", "f3"]
    yield explanations, generations, engine, results
    explanations.shutdown()


def test_waiting_users_go_first_and_stale_work_is_dropped(setup: Any) -> None:
    explanations, generations, engine, results = setup
    settings = Settings()
    attributor = explanations.attributor(engine)
    started: list[str] = []
    release = threading.Event()
    original = attributor.attribute_span

    def recording(document: str, span: Any, **kwargs: Any) -> Attribution:
        started.append(span.name)
        if len(started) == 1:
            release.wait(10)  # hold the worker on the first job while the others queue
        return original(document, span, **kwargs)

    attributor.attribute_span = recording  # type: ignore[method-assign]
    generations["a"] = 1
    first = explanations.request("a", DOC, results[0], engine, settings)
    while not started:
        release.wait(0.01)
    ahead = explanations.request(
        "a", DOC, results[1], engine, settings, priority=AHEAD, generation=1
    )
    stale = explanations.request(
        "b", DOC, results[2], engine, settings, priority=AHEAD, generation=1
    )
    now = explanations.request("a", DOC, results[3], engine, settings)
    generations["b"] = 2  # document b changed: its queued work is dropped...
    generations["a"] = 2  # ...and so would a's, but its new version asks again
    edited = DOC + "\n"
    again = explanations.request(
        "a", edited, results[1], engine, settings, priority=AHEAD, generation=2
    )
    assert again is ahead and ahead.generation == 2 and ahead.text is edited
    release.set()
    for job in (first, ahead, now):
        job.future.result(timeout=20)
    assert started == ["f0", "f3", "f1"]
    wait([stale.future], timeout=20)  # the worker drops it as it comes to it, after f1
    assert stale.future.cancelled()
    # Asked again, a dropped job is queued anew.
    anew = explanations.request("b", DOC, results[2], engine, settings, priority=NOW)
    assert anew is not stale and anew.future.result(timeout=20).lines


def test_a_hover_moves_work_queued_ahead_up_and_keeps_it(setup: Any) -> None:
    explanations, generations, engine, results = setup
    attributor = explanations.attributor(engine)
    release = threading.Event()
    original = attributor.attribute_span
    calls: list[str] = []

    def held(document: str, span: Any, **kwargs: Any) -> Attribution:
        calls.append(span.name)
        release.wait(10)
        return original(document, span, **kwargs)

    attributor.attribute_span = held  # type: ignore[method-assign]
    generations["a"] = 1
    explanations.request("a", DOC, results[0], engine, Settings())
    while not calls:
        release.wait(0.01)
    ahead = explanations.request(
        "a", DOC, results[1], engine, Settings(), priority=AHEAD, generation=1
    )
    hovered = explanations.request("a", DOC, results[1], engine, Settings())
    assert hovered is ahead and hovered.priority == NOW and hovered.generation is None
    generations["a"] = 2  # an edit: a job a user asked for is kept all the same
    release.set()
    assert hovered.future.result(timeout=20).lines


def test_a_finished_job_serves_the_function_where_it_moved(setup: Any) -> None:
    explanations, generations, engine, results = setup
    generations["a"] = 1  # open
    settings = Settings(ig_steps=8)
    job = explanations.request("a", DOC, results[1], engine, settings)
    before = explanations.explanation(job, DOC, results[1].span)
    assert before.steps == 8
    assert before.top_lines(1)[0].line == results[1].start_line + 3  # the planted line
    moved = "# a new first line\n\n" + DOC
    result = engine.analyze(moved, "python", VerdictRules())[1]
    assert explanations.request("a", moved, result, engine, settings) is job  # same text, same job
    after = explanations.explanation(job, moved, result.span)
    assert [la.line - 2 for la in after.lines] == [la.line for la in before.lines]
    assert [la.share for la in after.lines] == pytest.approx([la.share for la in before.lines])


def test_closing_the_document_stops_its_running_explanation(setup: Any) -> None:
    """A long explanation tells how far it is, and stops between two onnxruntime runs once its
    document is closed, so the worker is free for the next one; asked again, it starts afresh."""
    explanations, generations, engine, _ = setup
    body = "".join(f"    total = total + values[{i}] * {i}\n" for i in range(120))
    long_doc = f"def long_one(values):\n    total = 0\n{body}    return total\n"
    result = engine.analyze(long_doc, "python", VerdictRules())[0]
    generations["long"] = 1
    job = explanations.request("long", long_doc, result, engine, Settings(ig_steps=1024))
    for _ in range(600):
        if job.progress > 0:
            break
        threading.Event().wait(0.05)
    assert 0 < job.progress < 1 and not job.future.done()
    del generations["long"]  # closed
    with pytest.raises(Cancelled):
        job.future.result(timeout=60)
    generations["long"] = 2
    again = explanations.request("long", long_doc, result, engine, Settings(ig_steps=8))
    assert again is not job and again.future.result(timeout=60).steps == 8


def test_an_explanation_two_documents_asked_for_goes_on_while_one_is_open(setup: Any) -> None:
    """The same function in two open files is one job: closing the file that asked first does
    not stop it while the other, which asked too, is still open; closing both does."""
    explanations, generations, engine, _ = setup
    body = "".join(f"    total = total + values[{i}] * {i}\n" for i in range(120))
    long_doc = f"def long_one(values):\n    total = 0\n{body}    return total\n"
    result = engine.analyze(long_doc, "python", VerdictRules())[0]
    generations["first"] = generations["second"] = 1
    settings = Settings(ig_steps=1024)
    job = explanations.request("first", long_doc, result, engine, settings)
    assert explanations.request("second", long_doc, result, engine, settings) is job
    for _ in range(600):
        if job.progress > 0:
            break
        threading.Event().wait(0.05)
    del generations["first"]  # closed; "second" still open
    seen = job.progress
    for _ in range(600):
        if job.progress > seen or job.future.done():
            break
        threading.Event().wait(0.05)
    assert job.progress > seen and not (job.future.done() and job.future.exception())
    del generations["second"]
    with pytest.raises(Cancelled):
        job.future.result(timeout=60)


def test_a_model_without_gradient_graph_cannot_explain(tiny_model_dir: Path) -> None:
    explanations = AttributionJobs({}.get)
    engine = Engine(Model.load(tiny_model_dir))
    assert not explanations.can_explain(engine)
    result = engine.analyze(DOC, "python", VerdictRules())[0]
    with pytest.raises(ModelError, match="no gradient graph"):
        explanations.request("a", DOC, result, engine, Settings())


def test_ig_steps_stay_within_what_the_rule_takes(setup: Any) -> None:
    explanations, _, engine, _ = setup
    attributor = explanations.attributor(engine)
    assert AttributionJobs.steps(Settings(), attributor) == 64  # the model's
    assert AttributionJobs.steps(Settings(ig_steps=1), attributor) == 2  # trapezoid needs two
    assert AttributionJobs.steps(Settings(ig_steps=4096), attributor) == 1024


# The chart --------------------------------------------------------------------------------------


def test_bars_grow_by_eighths_of_a_cell() -> None:
    assert explain.bar(0.0) == ""
    assert explain.bar(0.0001) == "▏"  # never empty for a share above 0
    assert explain.bar(1.0) == "█" * explain.BAR_CELLS
    assert explain.bar(0.5) == "█" * (explain.BAR_CELLS // 2)
    assert explain.bar(0.5 + 3 / (8 * explain.BAR_CELLS)) == "█" * 8 + "▍"


def _attribution() -> Attribution:
    lines = (LineAttribution(0, 0.25, -0.5), LineAttribution(1, 0.75, 2.0))
    tokens = (
        TokenAttribution("zebra", 1, 1.9, 0.6, 11, 16),
        TokenAttribution("\n", 0, -0.2, 0.1, 9, 10, "newline"),
        TokenAttribution("\t", 1, 0.1, 0.05, 10, 11, "indent"),
        TokenAttribution("`x`", 1, 0.0, 0.0, 0, 0),
    )
    return Attribution(0.9, 2.0, 0.0, 0.0123, lines, tokens, 16, "riemann_trapezoid", 20)


def test_chart_rows_largest_share_first_with_direction_and_trimmed_text() -> None:
    text = "def f(x):\n\tzebra = x  # a rather long comment that will not fit in the chart at all\n"
    rows = explain.chart(_attribution(), text)
    assert rows[0].startswith("L2  " + explain.bar(0.75)) and " 75% ↑  zebra = x" in rows[0]
    assert rows[0].endswith("…") and len(rows[0].split("↑  ")[1]) == explain.SNIPPET
    assert rows[1].startswith("L1  ████ ") and rows[1].endswith(" 25% ↓  def f(x):")
    assert rows[0].index("%") == rows[1].index("%")  # aligned


def test_tokens_show_layout_markers_and_survive_backticks() -> None:
    line = explain.tokens_line(_attribution(), markdown=True)
    assert line.startswith("Top tokens: `zebra` L2 ↑ 60% · `⏎` L1 ↓ 10% · `⇥` L2 ↑ 5%")
    assert "`` `x` ``" in line
    plain = explain.tokens_line(_attribution(), markdown=False)
    assert '"zebra" L2 ↑ 60%' in plain and "`" not in plain.replace('"`x`"', "")


def test_a_token_twice_on_a_line_is_shown_once_with_its_count() -> None:
    """`dict[str, str]`: two "str" tokens of one line read as one entry, ×2 with their shares
    summed, not as the same entry twice; one pushing the other way stays apart."""
    from dataclasses import replace

    tokens = (
        TokenAttribution("str", 51, 0.5, 0.06, 10, 13, member="linear"),
        TokenAttribution("zebra", 3, 0.6, 0.08, 40, 45, member="linear"),
        TokenAttribution("str", 51, 0.4, 0.06, 15, 18, member="linear"),
        TokenAttribution("str", 51, -0.1, 0.01, 20, 23, member="linear"),
    )
    line = explain.tokens_line(replace(_attribution(), tokens=tokens), markdown=False)
    assert line == (
        'Top tokens: "str" L52 ×2 ↑ 12% linear · "zebra" L4 ↑ 8% linear · "str" L52 ↓ 1% linear'
    )


def test_markdown_fence_outgrows_backticks_in_the_code() -> None:
    att = _attribution()
    text = "def f(x):\n    s = ```fenced```\n"
    rendered = explain.render(att, text, "function", markdown=True)
    assert "````text\n" in rendered and "convergence delta 1.2%" in rendered
    assert "The explanation is approximate" not in rendered


def test_a_hover_never_says_100_percent_done_while_the_explanation_runs(setup: Any) -> None:
    """How far along a long explanation is, in whole percents rounded down: 99.6% done said
    "100% done — hover again in a moment"."""
    from codeorigin.lsp.attribution_jobs import Job, JobKey
    from codeorigin.lsp.features.explain import pending

    explanations, _, engine, results = setup
    job = Job(JobKey(("digest", 1), "text", 8), explanations.attributor(engine), DOC,
              results[0].span, "doc", None, NOW, started=True)  # fmt: skip
    for progress, said in ((0.02, None), (0.5, "50%"), (0.996, "99%"), (1.0, "99%")):
        job.progress = progress
        text = pending(job)
        assert "hover again in a moment" in text
        assert (f"({said} done)" in text) if said else ("done" not in text), (progress, text)
