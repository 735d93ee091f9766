"""`codeorigin bench`: how fast codeorigin is on this machine, with the shipped model.

Measures, each with the real parts:
- cold start: process start to the first diagnostics over stdio for a 500-line file;
- scoring latency per span by token length (64, 128, 256, 512) next to the bare onnxruntime
  forward on the same token ids, and their ratio (the engine's overhead);
- a scan of a mixed set of files (spans per second through `Engine.analyze_many`, as
  `codeorigin scan` runs it) next to the bare onnxruntime forward on exactly the same windows in
  the same batches, and the ratio of the two rates;
- re-score latency after a one-function edit in a 2,000-line file (debounce excluded);
- hover with attributions, p50 and p95, by token length (when the model has a gradient graph);
- the linear member of a stacked model (`linear`): its features and logit per span, by length;
- peak resident memory of the server process;
- the span finder's rate on a 2,000-line file per language, over Java's (`bench.spans`);
- git blame of a 2,000-line file with 300 commits, for provenance (`bench.blame`).

The synthetic code is generated deterministically, so two runs on one machine compare.

Engine and bare forward are measured interleaved (one of each per round, their order alternating),
so a machine that gets busier during the run slows both alike; each comparison reports its spread
over the rounds (`checks` judges each spread against its target). The load average before and
after is recorded, with a warning when other processes were using the CPUs.
"""

from __future__ import annotations

import asyncio
import os
import platform
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from codeorigin.bench.blame import bench_blame
from codeorigin.bench.checks import BenchResult
from codeorigin.bench.context import cpu_flags, cpu_model, load_average, load_warning, run_info
from codeorigin.bench.linear import bench_linear
from codeorigin.bench.server import server_session
from codeorigin.bench.spans import bench_spans
from codeorigin.bench.synth import mixed_files, percentile, synth_file, synth_function

NOISY_SPREAD = 0.2  # a relative spread above this gets a warning


def _timeit(fn: Callable[[], Any], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def _text_with_tokens(model: Any, n_tokens: int, seed: int) -> str:
    """A synthetic function whose encoding has about `n_tokens` tokens."""
    rng = random.Random(seed)
    lines = 2
    while True:
        text = synth_function(rng, "target", lines)
        n = len(model.encode([text])[0][1].ids)
        if n >= n_tokens or lines > 400:
            # Trim lines until at or under the length.
            parts = text.split("\n")
            while len(parts) > 2 and len(model.encode(["\n".join(parts)])[0][1].ids) > n_tokens:
                parts.pop(-2)
            return "\n".join(parts)
        lines += max(1, lines // 2)


def _interleaved(
    first: Callable[[], Any], second: Callable[[], Any], rounds: int
) -> tuple[list[float], list[float]]:
    """Seconds of `first` and `second`, one of each per round, alternating which runs first."""
    a: list[float] = []
    b: list[float] = []
    for k in range(rounds):
        pair = ((first, a), (second, b)) if k % 2 == 0 else ((second, b), (first, a))
        for fn, out in pair:
            t0 = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t0)
    return a, b


def spread(values: list[float]) -> tuple[float, float, float]:
    """(median, low, high) of a measure over rounds: the low and high quartiles for 8 rounds or
    more, else the extremes."""
    s = sorted(values)
    if len(s) >= 8:
        return statistics.median(s), percentile(s, 0.25), percentile(s, 0.75)
    return statistics.median(s), s[0], s[-1]


def bench_scan(model: Any, result: BenchResult, quick: bool) -> None:
    """A scan of the mixed set through the engine against the bare forward on the same windows."""
    from codeorigin.core.normalize import normalize_text
    from codeorigin.engine.judging import VerdictRules
    from codeorigin.engine.scoring import Engine

    files = mixed_files(48 if quick else 200)
    docs = [(text, "python") for text in files]
    options = VerdictRules()
    engine = Engine(model)
    analysed = engine.analyze_many(docs, options, whole=True)
    n_spans = sum(len(spans) for spans, _ in analysed)
    # Exactly what the engine sends to the model: every span's and every file's windows.
    texts = [
        r.span.text(text)
        for (text, _), (spans, _) in zip(docs, analysed)
        for r in spans
        if r.probability is not None  # (a span too short to judge is never scored)
    ]
    texts += [text for text, (_, whole) in zip(files, analysed) if whole is not None]
    windows = [
        w for _, w in model.windows_of(model.encoder.ids_batch([normalize_text(t) for t in texts]))
    ]

    def scan() -> None:
        engine.cache.clear()
        engine.analyze_many(docs, options, whole=True)

    def bare() -> None:
        model.forward_windows(windows)

    scan_s, bare_s = _interleaved(scan, bare, 3 if quick else 7)
    ratios = [b / e for e, b in zip(scan_s, bare_s)]
    ratio, low, high = spread(ratios)
    result.figures["throughput"] = {
        "files": len(files),
        "spans": n_spans,
        "windows": len(windows),
        "spans_per_s": round(n_spans / statistics.median(scan_s), 1),
        "bare_forward_spans_per_s": round(n_spans / statistics.median(bare_s), 1),
        "ratio": round(ratio, 3),
        "ratio_low": round(low, 3),
        "ratio_high": round(high, 3),
        "rounds": len(ratios),
    }
    if ratio > 0 and (high - low) / ratio > NOISY_SPREAD:
        result.notes.append(
            f"the scan/bare ratio varied from {low:.2f} to {high:.2f} over the rounds: "
            "the machine was busy; run again on an idle machine"
        )


def bench_engine(model_dir: Path | None, threads: int, result: BenchResult, quick: bool) -> None:
    from codeorigin.engine.judging import VerdictRules
    from codeorigin.engine.scoring import Engine
    from codeorigin.model.manifest import default_model_dir
    from codeorigin.model.scorer import Model

    model = Model.load(model_dir or default_model_dir(), threads=threads)
    result.model = {
        "name": model.name,
        "path": str(model.manifest.folder),
        "max_length": model.manifest.max_length,
    }
    repeat = 6 if quick else 20
    latency: dict[str, Any] = {}
    for n in (64, 128, 256, 512):
        if n > model.manifest.max_length:
            continue
        text = _text_with_tokens(model, n - 2, seed=n)
        engine = Engine(model, cache_size=1)
        enc = model.encode([text])[0][1]
        ids, mask = model.encoder.pad_batch([model.encoder.with_specials(enc.ids)])
        model.forward(ids, mask)  # warm-up

        def bare_forward(ids: Any = ids, mask: Any = mask) -> None:
            model.forward(ids, mask)

        def full(engine: Engine = engine, text: str = text) -> None:
            engine.cache.clear()
            engine.score_texts([text])

        full()
        eng, bare = _interleaved(full, bare_forward, repeat)
        overheads = [100 * (e - b) / b for e, b in zip(eng, bare) if b > 0]
        over, low, high = spread(overheads)
        latency[str(n)] = {
            "tokens": len(enc.ids) + 2,
            "engine_ms": round(1000 * statistics.median(eng), 2),
            "bare_forward_ms": round(1000 * statistics.median(bare), 2),
            # None: the engine came out no slower than the bare forward, which is noise.
            "overhead_pct": round(over, 1) if over > 0 else None,
            "overhead_low_pct": round(low, 1),
            "overhead_high_pct": round(high, 1),
        }
        if over <= 0:
            result.notes.append(
                f"engine overhead at {n} tokens is below what this machine can measure "
                f"(median {over:.1f}%, spread {low:.1f}% to {high:.1f}%)"
            )
    result.figures["latency_by_tokens"] = latency
    bench_scan(model, result, quick)

    # Re-score after a one-function edit in a 2,000-line file: only the edited span is scored.
    doc = synth_file(2000, seed=3)
    engine = Engine(model)
    opts = VerdictRules()
    engine.analyze(doc, "python", opts)
    times = []
    for k in range(repeat):
        edited = doc.replace("def func_5(", f"def func_5_{k}(", 1)
        t0 = time.perf_counter()
        engine.analyze(edited, "python", opts)
        times.append(time.perf_counter() - t0)
    result.figures["rescore_after_edit"] = {
        "file_lines": doc.count("\n") + 1,
        "p50_ms": round(1000 * statistics.median(times), 1),
        "p95_ms": round(1000 * percentile(times, 0.95), 1),
    }
    result.figures["engine_overhead_pct"] = latency.get("256", {}).get("overhead_pct")
    result.figures["linear_member"] = bench_linear(
        model, lambda n: _text_with_tokens(model, n, seed=n), quick
    )
    bench_hover(model, result, quick)


def bench_hover(model: Any, result: BenchResult, quick: bool) -> None:
    """Integrated Gradients latency by token length: what a hover with attributions costs when the
    explanation was not computed ahead (every timed call misses the cache: the attributor keeps
    none), and, for 200 tokens, what it costs once computed (lines mapped again from the cache)."""
    try:
        from codeorigin.model.attributor import Attributor
    except ImportError:
        result.notes.append("attributions: no attributor in this build")
        return
    if not model.manifest.gradient:
        result.notes.append("attributions: the model has no gradient graph")
        return
    attributor = Attributor(model, cache_size=0)
    attributor.warm_up()  # opening the gradient graph is paid once per server, not per hover
    figures: dict[str, Any] = {}
    for n in (64, 128, 200, 256, 512):
        if n > model.manifest.max_length:
            continue
        text = _text_with_tokens(model, n - 2, seed=100 + n)

        def explain(text: str = text) -> None:
            attributor.attribute(text)

        times = _timeit(explain, 3 if quick else 7)
        figures[str(n)] = {
            "p50_ms": round(1000 * statistics.median(times), 1),
            "p95_ms": round(1000 * percentile(times, 0.95), 1),
        }
    cached = Attributor(model, cache_size=4)
    text = _text_with_tokens(model, 198, seed=300)
    cached.attribute(text)  # computed ahead

    def remap(text: str = text) -> None:
        cached.attribute(text)

    times = _timeit(remap, 5 if quick else 20)
    figures["200 cached"] = {
        "p50_ms": round(1000 * statistics.median(times), 1),
        "p95_ms": round(1000 * percentile(times, 0.95), 1),
    }
    result.figures["hover_attributions"] = figures


# --- server-level measurements over stdio ---------------------------------------------------


def run(
    model_dir: Path | None = None, *, threads: int = 1, quick: bool = False, server: bool = True
) -> BenchResult:
    result = BenchResult(
        machine={
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "cpu_model": cpu_model(),
            "cpu_flags": cpu_flags(),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "threads": threads,
            "load_before": load_average(),
            **run_info(quick),
        },
        model={},
    )
    bench_engine(model_dir, threads, result, quick)
    result.figures["span_finder"] = bench_spans(quick)
    result.figures["provenance"] = bench_blame(quick)
    if server:
        try:
            result.figures["server"] = asyncio.run(server_session(model_dir, threads, quick))
        except Exception as exc:  # report, don't crash: the rest of the figures still stand
            result.notes.append(f"server measurements failed: {type(exc).__name__}: {exc}")
    result.machine["load_after"] = load_average()
    warning = load_warning(result.machine)
    if warning:
        result.notes.append(warning)
    return result
