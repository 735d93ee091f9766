"""The bench's synthetic inputs, generated deterministically so two runs on one machine compare,
and the percentile its latencies are reported by."""

from __future__ import annotations

import random

_WORDS = [
    "total", "count", "items", "value", "result", "index", "buffer", "record", "entry", "node",
    "left", "right", "parent", "child", "key", "cache", "limit", "offset", "name", "path",
]  # fmt: skip


def synth_function(rng: random.Random, name: str, body_lines: int) -> str:
    """A plausible Python function of about `body_lines` lines (deterministic for a seed)."""
    args = ", ".join(rng.sample(_WORDS, 2))
    lines = [f"def {name}({args}):"]
    depth = 1
    for i in range(body_lines):
        a, b, c = rng.sample(_WORDS, 3)
        kind = rng.random()
        pad = "    " * depth
        if kind < 0.15 and depth < 3:
            lines.append(f"{pad}for {a} in range(len({b})):")
            depth += 1
        elif kind < 0.25 and depth < 3:
            lines.append(f"{pad}if {a} > {b} + {i}:")
            depth += 1
        elif kind < 0.35 and depth > 1:
            depth -= 1
            lines.append(f"{'    ' * depth}{a} = {b} * {c} - {i}")
        else:
            lines.append(f"{pad}{a} = {b}.get('{c}', {i}) + {c}")
    lines.append("    return " + rng.choice(_WORDS))
    return "\n".join(lines) + "\n"


def synth_file(n_lines: int, seed: int = 0) -> str:
    rng = random.Random(seed)
    parts: list[str] = []
    total = 0
    k = 0
    while total < n_lines:
        body = rng.randint(6, 30)
        parts.append(synth_function(rng, f"func_{k}", body))
        total += body + 3
        k += 1
    return "\n\n".join(parts)


def percentile(xs: list[float], q: float) -> float:
    if not xs:
        return float("nan")
    s = sorted(xs)
    k = (len(s) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def mixed_files(n_functions: int, per_file: int = 8, seed: int = 7) -> list[str]:
    """The mixed set: synthetic functions of 4 to 60 lines, `per_file` to a file."""
    rng = random.Random(seed)
    funcs = [synth_function(rng, f"f{i}", rng.randint(4, 60)) for i in range(n_functions)]
    return ["\n\n".join(funcs[k : k + per_file]) for k in range(0, len(funcs), per_file)]
