"""The targets a `codeorigin bench` run is held to and its verdict on each: pass only when the
whole spread of a figure meets its target, fail only when none of it does, "unclear" otherwise (an
overhead below zero is below what can be measured, never a pass), "not measured" without a figure;
and the run (`BenchResult`, measured by `machine`) as a table or JSON.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from codeorigin.bench.blame import blame_rows, render_blame
from codeorigin.bench.linear import TARGET_MS_256
from codeorigin.bench.spans import render_spans, span_rows

TARGETS = {
    "cold_start_s": 2.0,
    "rescore_p95_ms": 150.0,
    "hover_p50_ms_200": 1000.0,
    "throughput_spans_per_s": 40.0,
    "scan_vs_bare_ratio": 0.8,
    "server_peak_rss_mb": 500.0,
    "engine_overhead_pct": 20.0,
    "linear_member_ms_256": TARGET_MS_256,
}


@dataclass
class BenchResult:
    machine: dict[str, Any]
    model: dict[str, Any]
    figures: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def judge(
    low: float | None, high: float | None, target: float, higher_is_better: bool
) -> bool | None:
    """True when the whole spread meets the target, False when none of it does, None (unclear)
    otherwise or when nothing was measured."""
    if low is None or high is None:
        return None
    if higher_is_better:
        return True if low >= target else False if high < target else None
    return True if high <= target else False if low > target else None


class Check(NamedTuple):
    """One target's check; `ok` is None when the figure is missing, below what can be measured,
    or when its spread straddles the target (`verdict` tells these apart)."""

    label: str
    value: Any
    low: float | None
    high: float | None
    target: float
    ok: bool | None
    higher: bool  # the target is a floor (≥), else a ceiling (≤)

    @property
    def verdict(self) -> str:
        """`pass`, `fail`, `unclear` (measured, but its spread straddles the target or is noise)
        or `not measured` (no figure: e.g. the server's with `--no-server`)."""
        if self.ok is not None:
            return "pass" if self.ok else "fail"
        if self.value is None and (self.low is None or self.high is None):
            return "not measured"
        return "unclear"


FLAGS = {"pass": "yes", "fail": "NO", "unclear": "unclear", "not measured": "-"}


def checks_of(result: BenchResult) -> list[Check]:
    """A `Check` for each target."""
    f = result.figures
    server = f.get("server", {})
    hover = f.get("hover_attributions", {}).get("200", {})
    tp = f.get("throughput", {})
    at256 = f.get("latency_by_tokens", {}).get("256", {})
    linear256 = f.get("linear_member", {}).get("by_tokens", {}).get("256", {})
    rows: list[tuple[str, Any, float | None, float | None, float, bool]] = [
        ("first diagnostics, 500-line file (s)", server.get("cold_start_s"), None, None,
         TARGETS["cold_start_s"], False),
        ("re-score after one-function edit p95 (ms)",
         f.get("rescore_after_edit", {}).get("p95_ms"), None, None, TARGETS["rescore_p95_ms"],
         False),
        ("hover with attributions p50, 200 tokens (ms)", hover.get("p50_ms"), None, None,
         TARGETS["hover_p50_ms_200"], False),
        ("throughput, mixed set (spans/s)", tp.get("spans_per_s"), None, None,
         TARGETS["throughput_spans_per_s"], True),
        ("scan rate / bare forward rate, mixed set", tp.get("ratio"), tp.get("ratio_low"),
         tp.get("ratio_high"), TARGETS["scan_vs_bare_ratio"], True),
        ("server peak memory (MB)", server.get("server_peak_rss_mb"), None, None,
         TARGETS["server_peak_rss_mb"], False),
        ("engine overhead over bare forward, 256 tokens (%)", at256.get("overhead_pct"),
         at256.get("overhead_low_pct"), at256.get("overhead_high_pct"),
         TARGETS["engine_overhead_pct"], False),
        ("linear member per span p50, 256 tokens (ms)", linear256.get("score_p50_ms"), None,
         None, TARGETS["linear_member_ms_256"], False),
    ]  # fmt: skip
    rows += span_rows(f.get("span_finder", {})) + blame_rows(f.get("provenance", {}))
    out: list[Check] = []
    for label, value, low, high, target, higher in rows:
        if value is None:
            out.append(Check(label, None, low, high, target, None, higher))
            continue
        lo = value if low is None else low
        hi = value if high is None else high
        if "overhead" in label and lo <= 0:
            # Part of the spread is below zero: the engine looked faster than the forward it
            # wraps, which is noise. Pass only on what can be measured.
            ok = False if lo > target else None
        else:
            ok = judge(lo, hi, target, higher)
        out.append(Check(label, value, low, high, target, ok, higher))
    return out


def _digits(x: float) -> int:
    """Decimals to print `x` with: 2 under 10, else 1."""
    return 2 if abs(x) < 10 else 1


def _check_row(c: Check) -> str:
    """One row of the checks table: the spread printed to its value's precision, the target
    with its direction (≤ a ceiling, ≥ a floor)."""
    v = "-" if c.value is None else f"{c.value:.{_digits(c.value)}f}"
    sp = ""
    if c.low is not None and c.high is not None:
        like = c.value if c.value is not None else max(abs(c.low), abs(c.high))
        d = _digits(like)
        sp = f"{c.low:.{d}f} to {c.high:.{d}f}"
    target = f"{'≥' if c.higher else '≤'} {c.target:g}"
    return f"{c.label:<52} {v:>10} {sp:>15} {target:>8}  {FLAGS[c.verdict]}"


def _server_line(server: dict[str, Any]) -> str:
    """The server's figures, `cold_start_diagnostics` with what it counts."""
    parts = [f"{k}={v}" for k, v in server.items()]
    if "cold_start_diagnostics" in server:
        k = list(server).index("cold_start_diagnostics")
        parts[k] += (
            " (diagnostics on the 500-line synthetic file at cold start: its functions flagged "
            "as LLM-written at the model's thresholds)"
        )
    return "server over stdio: " + ", ".join(parts)


def render_table(result: BenchResult) -> str:
    m = result.machine
    quick = " (quick run: fewer rounds)" if m.get("quick") else ""
    lines = [
        f"codeorigin bench{quick} — model {result.model.get('name')} — {m['platform']}, {m['cpus']} CPUs "
        f"({m.get('cpu_model', '?')}; flags: {' '.join(m.get('cpu_flags') or []) or 'none listed'}), "
        f"{m['threads']} onnxruntime thread(s), load average "
        f"{m.get('load_before', '?')} before, {m.get('load_after', '?')} after",
        "",
        f"{'measure':<52} {'value':>10} {'spread':>15} {'target':>8}  ok",
    ]
    lines += [_check_row(c) for c in checks_of(result)]
    lines += ["", f"{'tokens':>8} {'engine ms':>10} {'bare ms':>10} {'overhead':>9} {'spread':>16}"]
    for n, row in result.figures.get("latency_by_tokens", {}).items():
        over = "noise" if row["overhead_pct"] is None else f"{row['overhead_pct']:.1f}%"
        lines.append(
            f"{n:>8} {row['engine_ms']:>10.2f} {row['bare_forward_ms']:>10.2f} {over:>9} "
            f"{row['overhead_low_pct']:>6.1f}% to {row['overhead_high_pct']:.1f}%"
        )
    hover = result.figures.get("hover_attributions")
    if hover:
        lines += ["", f"{'tokens':>8} {'IG p50 ms':>10} {'IG p95 ms':>10}"]
        for n, row in hover.items():
            lines.append(f"{n:>8} {row['p50_ms']:>10.1f} {row['p95_ms']:>10.1f}")
    linear = result.figures.get("linear_member")
    if linear:
        lines += [
            "",
            f"linear member ({linear['member']}):",
            f"{'tokens':>8} {'score p50 ms':>13} {'p95 ms':>8} {'explain p50 ms':>15}",
        ]
        for n, row in linear["by_tokens"].items():
            lines.append(f"{n:>8} {row['score_p50_ms']:>13.2f} {row['score_p95_ms']:>8.2f} "
                         f"{row['explain_p50_ms']:>15.2f}")  # fmt: skip
    tp = result.figures.get("throughput", {})
    if tp:
        lines.append(
            f"\nscan of the mixed set ({tp['files']} files, {tp['spans']} spans, {tp['windows']} "
            f"windows): {tp['spans_per_s']} spans/s through the engine, "
            f"{tp['bare_forward_spans_per_s']} spans/s bare onnxruntime forward on the same "
            f"windows; ratio {tp['ratio']:.2f} (spread {tp['ratio_low']:.2f} to "
            f"{tp['ratio_high']:.2f} over {tp['rounds']} interleaved rounds)"
        )
    lines += render_spans(result.figures.get("span_finder", {}))
    lines += render_blame(result.figures.get("provenance", {}))
    server = result.figures.get("server")
    if server:
        lines.append(_server_line(server))
    for note in result.notes:
        lines.append(f"note: {note}")
    return "\n".join(lines)


def to_json(result: BenchResult) -> str:
    return json.dumps(
        {
            "machine": result.machine,
            "model": result.model,
            "figures": result.figures,
            "targets": TARGETS,
            "checks": {c.label: c.ok for c in checks_of(result)},
            "verdicts": {c.label: c.verdict for c in checks_of(result)},
            "notes": result.notes,
        },
        indent=2,
    )
