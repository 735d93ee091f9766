"""How `codeorigin bench` judges its figures: never a pass from noise.

No timing here (a test does not time things): the checks are fed figures as the benchmark records
them.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from codeorigin import __version__
from codeorigin.bench import context, machine
from codeorigin.bench.checks import BenchResult, checks_of, judge, render_table, to_json
from codeorigin.bench.machine import spread


def test_a_check_passes_only_when_the_whole_spread_meets_the_target() -> None:
    assert judge(0.82, 0.95, 0.8, higher_is_better=True) is True
    assert judge(0.70, 0.78, 0.8, higher_is_better=True) is False
    assert judge(0.75, 0.85, 0.8, higher_is_better=True) is None  # unclear
    assert judge(5.0, 15.0, 20.0, higher_is_better=False) is True
    assert judge(None, None, 20.0, higher_is_better=False) is None


def test_spread_is_the_extremes_for_few_rounds_and_quartiles_for_many() -> None:
    assert spread([3.0, 1.0, 2.0]) == (2.0, 1.0, 3.0)
    median, low, high = spread([float(x) for x in range(1, 10)])
    assert (median, low, high) == (5.0, 3.0, 7.0)


def _result(overhead: float | None, low: float, high: float, ratio: float) -> BenchResult:
    result = BenchResult(
        machine={"platform": "test", "cpus": 2, "threads": 1, "load_before": 3.0},
        model={"name": "m"},
    )
    result.figures["latency_by_tokens"] = {
        "256": {
            "tokens": 256,
            "engine_ms": 2.0,
            "bare_forward_ms": 2.1,
            "overhead_pct": overhead,
            "overhead_low_pct": low,
            "overhead_high_pct": high,
        }
    }
    result.figures["throughput"] = {
        "files": 3, "spans": 30, "windows": 50, "spans_per_s": 100.0,
        "bare_forward_spans_per_s": 110.0, "ratio": ratio, "ratio_low": ratio - 0.05,
        "ratio_high": ratio + 0.05, "rounds": 7,
    }  # fmt: skip
    return result


def test_a_negative_engine_overhead_is_never_a_pass() -> None:
    checks = {c[0]: c[5] for c in checks_of(_result(None, -11.7, 3.0, 0.9))}
    assert checks["engine overhead over bare forward, 256 tokens (%)"] is None
    checks = {c[0]: c[5] for c in checks_of(_result(4.0, -2.0, 9.0, 0.9))}
    assert checks["engine overhead over bare forward, 256 tokens (%)"] is None
    checks = {c[0]: c[5] for c in checks_of(_result(8.0, 5.0, 12.0, 0.9))}
    assert checks["engine overhead over bare forward, 256 tokens (%)"] is True


def test_the_table_prints_both_rates_their_ratio_and_the_spread() -> None:
    table = render_table(_result(8.0, 5.0, 12.0, 0.9))
    assert "100.0 spans/s through the engine, 110.0 spans/s bare onnxruntime forward" in table
    assert "ratio 0.90 (spread 0.85 to 0.95 over 7 interleaved rounds)" in table
    row = next(line for line in table.splitlines() if line.startswith("scan rate / bare"))
    assert row.split()[-1] == "yes"


def test_the_linear_members_cost_per_span_is_checked_against_its_5_ms_target() -> None:
    result = _result(8.0, 5.0, 12.0, 0.9)
    row = {"characters": 900, "score_p50_ms": 2.4, "score_p95_ms": 3.1, "explain_p50_ms": 4.0}
    result.figures["linear_member"] = {
        "member": "the model's linear member",
        "by_tokens": {"256": row},
    }
    checks = {c[0]: (c[1], c[5]) for c in checks_of(result)}
    assert checks["linear member per span p50, 256 tokens (ms)"] == (2.4, True)
    table = render_table(result)
    assert "linear member (the model's linear member):" in table
    result.figures["linear_member"]["by_tokens"]["256"] = {**row, "score_p50_ms": 7.0}
    checks = {c[0]: c[5] for c in checks_of(result)}
    assert checks["linear member per span p50, 256 tokens (ms)"] is False


def _row(table: str, label: str) -> str:
    return next(line for line in table.splitlines() if line.startswith(label))


def test_the_target_column_says_which_way_each_target_is_judged() -> None:
    table = render_table(_result(8.0, 5.0, 12.0, 0.9))
    assert "≥ 40" in _row(table, "throughput, mixed set (spans/s)")
    assert "≥ 0.8" in _row(table, "scan rate / bare forward rate")
    assert "≤ 2" in _row(table, "first diagnostics, 500-line file (s)")
    assert "≤ 20" in _row(table, "engine overhead over bare forward")


def test_a_spread_is_printed_to_its_values_precision() -> None:
    table = render_table(_result(43.7, 38.5, 44.4, 0.9))
    row = _row(table, "engine overhead over bare forward")
    assert "43.7" in row and "38.5 to 44.4" in row and "38.50" not in row
    assert "0.85 to 0.95" in _row(table, "scan rate / bare forward rate")


def test_the_json_tells_an_unclear_check_from_one_not_measured() -> None:
    # No server figures (as with --no-server); a ratio whose spread straddles its 0.8 target.
    report = json.loads(to_json(_result(8.0, 5.0, 12.0, 0.8)))
    assert report["checks"]["scan rate / bare forward rate, mixed set"] is None
    assert report["checks"]["first diagnostics, 500-line file (s)"] is None
    verdicts = report["verdicts"]
    assert verdicts["scan rate / bare forward rate, mixed set"] == "unclear"
    assert verdicts["first diagnostics, 500-line file (s)"] == "not measured"
    assert verdicts["server peak memory (MB)"] == "not measured"
    assert verdicts["throughput, mixed set (spans/s)"] == "pass"
    # An overhead below what can be measured was measured: unclear, in the table too.
    report = json.loads(to_json(_result(None, -11.7, 3.0, 0.9)))
    assert report["verdicts"]["engine overhead over bare forward, 256 tokens (%)"] == "unclear"
    table = render_table(_result(None, -11.7, 3.0, 0.9))
    assert _row(table, "engine overhead over bare forward").split()[-1] == "unclear"
    assert _row(table, "server peak memory (MB)").split()[-1] == "-"


def test_a_run_records_quick_the_version_and_when_it_ran(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(machine, "bench_engine", lambda *args: None)  # no measuring here
    before = datetime.now().astimezone()
    result = machine.run(None, quick=True, server=False)
    recorded = json.loads(to_json(result))["machine"]
    assert recorded["quick"] is True and recorded["codeorigin"] == __version__
    when = datetime.fromisoformat(recorded["timestamp"])
    assert when.utcoffset() == timedelta(0)
    assert before - timedelta(seconds=1) <= when <= datetime.now().astimezone()
    assert "quick run" in render_table(result).splitlines()[0]
    # The figures are read beside the CPU model and its vector flags (the speed of one machine
    # kind differs several times between machines).
    assert recorded["cpu_flags"] == context.cpu_flags()
    flags = " ".join(recorded["cpu_flags"]) or "none listed"
    assert f"{recorded['cpu_model']}; flags: {flags})" in render_table(result).splitlines()[0]
    result = machine.run(None, quick=False, server=False)
    assert result.machine["quick"] is False
    assert "quick run" not in render_table(result).splitlines()[0]


def test_the_server_line_says_what_cold_start_diagnostics_counts() -> None:
    result = _result(8.0, 5.0, 12.0, 0.9)
    result.figures["server"] = {"cold_start_s": 0.95, "cold_start_diagnostics": 0}
    line = _row(render_table(result), "server over stdio:")
    assert "cold_start_s=0.95" in line
    assert (
        "cold_start_diagnostics=0 (diagnostics on the 500-line synthetic file at cold start: its "
        "functions flagged as LLM-written at the model's thresholds)" in line
    )


def test_the_span_finders_rate_per_language_is_checked_against_java() -> None:
    result = _result(8.0, 5.0, 12.0, 0.9)
    row = {"lines": 2003, "spans": 84, "spans_per_s": 5000.0}
    result.figures["span_finder"] = {
        "java": {**row, "ratio": 1.0, "ratio_low": 1.0, "ratio_high": 1.0},
        "csharp": {**row, "ratio": 0.8, "ratio_low": 0.7, "ratio_high": 0.9},
        "kotlin": {**row, "ratio": 0.4, "ratio_low": 0.3, "ratio_high": 0.45},
        "swift": {**row, "ratio": 0.6, "ratio_low": 0.45, "ratio_high": 0.7},
    }
    checks = {c[0]: c[5] for c in checks_of(result)}
    assert checks["span finder, csharp / java spans per second"] is True
    assert checks["span finder, kotlin / java spans per second"] is False
    assert checks["span finder, swift / java spans per second"] is None  # the spread straddles
    table = render_table(result)
    assert "span finder, 2,000-line file (resync.find_spans):" in table
    assert "≥ 0.5" in _row(table, "span finder, csharp / java")


@pytest.mark.parametrize("language", ["java", "csharp", "kotlin", "swift", "python"])
def test_the_span_finders_files_are_the_same_functions_in_each_language(language: str) -> None:
    from codeorigin.bench.spans import synth_source
    from codeorigin.core.spans import extract_spans, parse

    text = synth_source(language)
    assert not parse(text, language).has_error and text.count("\n") >= 2_000
    spans = extract_spans(text, language)
    if language != "python":  # the same functions: C#'s braces on their own lines add lines
        assert [s.name for s in spans] == [f"func{k}" for k in range(len(spans))]
        assert [s.statement_lines for s in spans] == [
            s.statement_lines for s in extract_spans(synth_source("java"), "java")
        ][: len(spans)]


def test_provenances_blame_is_timed_on_a_2000_line_file_with_300_commits() -> None:
    from codeorigin.bench.blame import bench_blame

    result = _result(8.0, 5.0, 12.0, 0.9)
    result.figures["provenance"] = figures = bench_blame(quick=True)
    assert (figures["lines"], figures["commits"]) == (2_000, 300)
    assert figures["signed_lines"] > 0  # one commit in ten is signed: some lines are an agent's
    assert figures["blame_p50_ms"] <= figures["blame_p95_ms"]
    table = render_table(result)
    row = _row(table, "git blame per file p95, 2,000 lines, 300 commits (ms)")
    assert "≤ 1000" in row
    assert "provenance (git blame of a 2,000-line file with 300 commits" in table
