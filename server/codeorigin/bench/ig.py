"""Micro-benchmark of a hover with attributions: one Integrated Gradients explanation, timed.

The target is a 200-token function explained within 1 s at the median on a 2-core laptop with the
shipped MiniLM-sized model. `bench_hover` measures exactly what a hover pays when the cache misses:
normalisation, encoding, the gradient-graph runs, the quadrature and the mapping to lines.

    python -m codeorigin.bench.ig MODEL_DIR --tokens 200 --steps 16 32 64 --threads 1 2
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path
from typing import Literal

from codeorigin.model.attributor import Attributor, Rule
from codeorigin.model.scorer import Model

_LINES = (
    "def summarize(records, threshold=0.5):",
    "    total = 0",
    "    kept = []",
    "    for index, record in enumerate(records):",
    "        value = float(record.get('score', 0.0))",
    "        if value >= threshold and record['name'] not in kept:",
    "            kept.append(record['name'])",
    "            total += value * len(kept)",
    "        elif index % 3 == 0:",
    "            total -= value / (index + 1)",
    "    return {'total': round(total, 3), 'kept': sorted(kept)}",
)


def synthetic_function(encoder_model: Model | Attributor, n_tokens: int) -> str:
    """A plausible Python function of about `n_tokens` model tokens (layout markers included)."""
    encoder = encoder_model.encoder
    lines = [_LINES[0]]
    i = 1
    while len(encoder.encode("\n".join(lines))) < n_tokens:
        lines.append(_LINES[1 + (i - 1) % (len(_LINES) - 1)])
        i += 1
    text = "\n".join(lines)
    enc = encoder.encode(text)
    if len(enc) > n_tokens:  # cut at the end of token n (the text is already normalised)
        text = text[: enc.offsets[n_tokens - 1][1]]
    return text


def bench_hover(
    model: Model | Attributor,
    n_tokens: int = 200,
    *,
    steps: int | None = None,
    rule: Rule | None = None,
    repeats: int = 5,
    threads: int | None = None,
    clock: Literal["wall", "cpu"] = "wall",
) -> float:
    """Median seconds of one uncached `attribute` call on a function of about `n_tokens` tokens.

    A `Model` gets a fresh `Attributor` (with `threads`, default the model's); one untimed call
    opens the gradient graph first. `clock="cpu"` measures this process's CPU time instead of wall
    time: on a machine shared with other jobs, single-threaded, it is close to what the call takes
    on an idle core.
    """
    now = time.perf_counter if clock == "wall" else time.process_time
    attributor = (
        model if isinstance(model, Attributor) else Attributor(model, threads=threads, cache_size=0)
    )
    text = synthetic_function(attributor, n_tokens)
    attributor.attribute(text, steps=steps, rule=rule)
    times = []
    for _ in range(max(1, repeats)):
        attributor.clear_cache()
        t0 = now()
        attributor.attribute(text, steps=steps, rule=rule)
        times.append(now() - t0)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", type=Path, help="model folder with a gradient graph")
    parser.add_argument("--tokens", type=int, default=200)
    parser.add_argument("--steps", type=int, nargs="+", default=[16, 32, 64])
    parser.add_argument("--rule", default=None, help="quadrature rule (default: the model's)")
    parser.add_argument("--threads", type=int, nargs="+", default=[1])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    model = Model.load(args.model)
    for threads in args.threads:
        attributor = Attributor(model, threads=threads, cache_size=0)
        for steps in args.steps:
            seconds = bench_hover(
                attributor, args.tokens, steps=steps, rule=args.rule, repeats=args.repeats
            )
            cpu = bench_hover(
                attributor,
                args.tokens,
                steps=steps,
                rule=args.rule,
                repeats=args.repeats,
                clock="cpu",
            )
            att = attributor.attribute(
                synthetic_function(attributor, args.tokens), steps=steps, rule=args.rule
            )
            print(
                f"tokens={att.n_tokens} steps={steps} rule={att.rule} evaluations={att.evaluations} "
                f"threads={threads}: median {seconds:.3f} s wall, {cpu:.3f} s CPU"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
