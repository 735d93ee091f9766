"""How `codeorigin bench` judges its figures: never a pass from noise.

No timing here (a test does not time things): the checks are fed figures as the benchmark records
them.
"""

from __future__ import annotations

from codeorigin.bench.machine import BenchResult, _check, judge, render_table, spread


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
    checks = {label: ok for label, _, _, _, _, ok in _check(_result(None, -11.7, 3.0, 0.9))}
    assert checks["engine overhead over bare forward, 256 tokens (%)"] is None
    checks = {label: ok for label, _, _, _, _, ok in _check(_result(4.0, -2.0, 9.0, 0.9))}
    assert checks["engine overhead over bare forward, 256 tokens (%)"] is None
    checks = {label: ok for label, _, _, _, _, ok in _check(_result(8.0, 5.0, 12.0, 0.9))}
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
    checks = {label: (value, ok) for label, value, _, _, _, ok in _check(result)}
    assert checks["linear member per span p50, 256 tokens (ms)"] == (2.4, True)
    table = render_table(result)
    assert "linear member (the model's linear member):" in table
    result.figures["linear_member"]["by_tokens"]["256"] = {**row, "score_p50_ms": 7.0}
    checks = {label: ok for label, _, _, _, _, ok in _check(result)}
    assert checks["linear member per span p50, 256 tokens (ms)"] is False
