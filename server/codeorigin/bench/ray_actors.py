"""`codeorigin bench --ray-actors 1,2,4`: how a Ray scan scales with its actors on this machine.

One synthetic corpus (the bench's mixed set: functions of 4 to 60 lines, 8 to a file) is written to
a temporary folder and scanned once locally (no Ray, the figure to beat) and once per actor count
on the same Ray cluster (a local one of all this machine's CPUs, or `--ray ADDRESS`). Each figure
is the rate of the scan itself, from the first chunk handed out to the last report back; starting
the actors and loading the model in each is shown apart. Chunks are small (8 files) so that four
actors all have work. Every figure is printed with the CPU model, its vector flags, the CPUs and
the load average, and the scaling is the rate over the 1-actor rate.
"""

from __future__ import annotations

import json
import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

from codeorigin.bench import context
from codeorigin.bench.synth import mixed_files
from codeorigin.distributed import cluster, scheduler
from codeorigin.scan import local
from codeorigin.scan.options import ScanOptions

CHUNK_FILES = 8


def machine(threads: int, address: str | None, quick: bool = False) -> dict[str, Any]:
    return {
        "cpu_model": context.cpu_model(),
        "cpu_flags": context.cpu_flags(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "threads_per_actor": threads,
        "cluster": address or "local",
        "load_before": context.load_average(),
        **context.run_info(quick),
    }


def run(
    model_dir: Path | None,
    actor_counts: list[int],
    *,
    threads: int = 1,
    quick: bool = False,
    address: str | None = None,
    functions: int | None = None,
) -> dict[str, Any]:
    """Scan the corpus (`functions` synthetic functions: 640, 200 with `quick`) locally, then
    with each actor count; return every figure."""
    from codeorigin.engine.scoring import Engine
    from codeorigin.model.manifest import default_model_dir
    from codeorigin.model.scorer import Model

    folder = model_dir or default_model_dir()
    result: dict[str, Any] = {"machine": machine(threads, address, quick), "runs": []}
    options = ScanOptions()
    with tempfile.TemporaryDirectory(prefix="codeorigin-raybench-") as tmp:
        root = Path(tmp)
        for k, text in enumerate(mixed_files(functions or (200 if quick else 640))):
            (root / f"m{k:03d}.py").write_text(text)
        engine = Engine(Model.load(folder, threads=threads))
        t0 = time.perf_counter()
        report, _ = local.run([root], engine, options, chunk_files=CHUNK_FILES)
        seconds = time.perf_counter() - t0
        spans = sum(len(f.spans) for f in report.files)
        result["files"], result["spans"] = len(report.files), spans
        result["local"] = {"seconds": round(seconds, 2), "spans_per_s": round(spans / seconds, 1)}
        started = cluster.connect(address, num_cpus=os.cpu_count())
        try:
            for n in actor_counts:
                job = scheduler.RayScan(
                    folder, options, actors=n, threads=threads, chunk_files=CHUNK_FILES
                )
                ray_report, _ = job.run([root])
                same = ray_report == report
                if not same:
                    result.setdefault("notes", []).append(f"{n} actors: report differs from local")
                s = job.stats
                result["runs"].append(
                    {
                        "actors": n,
                        "seconds": round(s.seconds, 2),
                        "startup_seconds": round(s.startup_seconds, 2),
                        "spans_per_s": round(s.rate(s.spans), 1),
                        "files_per_s": round(s.rate(s.files), 1),
                        "equals_local": same,
                    }
                )
        finally:
            if started:
                cluster.import_ray().shutdown()
    base = result["runs"][0]["spans_per_s"] if result["runs"] else 0.0
    for r in result["runs"]:
        r["scaling"] = round(r["spans_per_s"] / base, 2) if base else None
    result["machine"]["load_after"] = context.load_average()
    warning = context.load_warning(result["machine"])
    if warning:
        result.setdefault("notes", []).append(warning)
    return result


def render(result: dict[str, Any]) -> str:
    """A table: one row per actor count, with the CPU line above it and the scaling."""
    m = result["machine"]
    quick = " (quick run: a smaller corpus)" if m.get("quick") else ""
    head = (
        f"codeorigin bench --ray-actors{quick} — {m['cpu_model']} (flags: "
        f"{' '.join(m['cpu_flags']) or 'none listed'}), {m['cpus']} CPUs, {m['platform']}; "
        f"{m['threads_per_actor']} onnxruntime thread(s) per actor; Ray cluster: {m['cluster']}; "
        f"load average {m['load_before']} before, {m['load_after']} after"
    )
    rows = [
        head,
        f"corpus: {result['files']} files, {result['spans']} spans, {CHUNK_FILES} files a chunk",
        "",
        "| scan | spans/s | files/s | scan time | actors' start-up | scaling vs 1 actor |",
        "|---|---:|---:|---:|---:|---:|",
        f"| local, no Ray | {result['local']['spans_per_s']} | | {result['local']['seconds']} s "
        "| | |",
    ]
    for r in result["runs"]:
        rows.append(
            f"| Ray, {r['actors']} actor{'s' if r['actors'] > 1 else ''} | {r['spans_per_s']} | "
            f"{r['files_per_s']} | {r['seconds']} s | {r['startup_seconds']} s | "
            f"{r['scaling']:.2f}x |"
        )
    return "\n".join(rows + _footer(result))


def _footer(result: dict[str, Any]) -> list[str]:
    """The lines under the table: whether every Ray report equals the local one, then the notes
    (oversubscribed CPUs, a differing report, a loaded machine)."""
    m, runs = result["machine"], result["runs"]
    lines = []
    if runs and all(r.get("equals_local") for r in runs):
        counts = ", ".join(str(r["actors"]) for r in runs)
        lines.append(f"check: each Ray scan's report equals the local one ({counts} actors)")
    cpus = m["cpus"] or 1
    over = [r["actors"] for r in runs if r["actors"] * m["threads_per_actor"] > cpus]
    if over and m["cluster"] == "local":
        lines.append(
            f"note: this machine has {cpus} CPUs: {', '.join(map(str, over))} actors "
            "oversubscribe them, so those rows cannot scale further"
        )
    lines.extend(f"note: {n}" for n in result.get("notes", []))
    return ["", *lines] if lines else []


def to_json(result: dict[str, Any]) -> str:
    return json.dumps(result, indent=2)
