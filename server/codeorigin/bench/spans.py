"""The span finder's rate per language: functions found per second in a 2,000-line file of Java,
C#, Kotlin, Swift and Python, as the engine finds them (`resync.find_spans`: the tree-sitter parse,
the walk and the guard's counts), and each language's rate over Java's. Target: every language
within 2× of Java (a ratio of 0.5 or more).

The files are generated deterministically and hold the same functions in each language's syntax
(loops, branches, assignments, returns, in classes), so the ratios compare the grammars and the
walk, not the code. The languages are timed interleaved, one file of each per round, so a machine
that gets busier slows them alike; each ratio reports its spread over the rounds.
"""

from __future__ import annotations

import random
import statistics
import time
from typing import Any

from codeorigin.bench.synth import synth_file
from codeorigin.core.resync import find_spans

LINES = 2_000
TARGET_RATIO = 0.5  # a language's rate over Java's: within 2×
BASE = "java"
_WORDS = ("total", "count", "items", "value", "result", "index", "offset", "limit", "size", "depth")

# How each language writes the same pieces: (class opening, function header, assignment, loop,
# branch, return, block end, class end).
_SYNTAX = {
    "java": ("class Bench{k} {{", "    int {name}(int {a}, int {b}) {{", "{a} = {b} + {c} * {i};",
             "for (int i = 0; i < {a}; i++) {{", "if ({a} > {b}) {{", "return {a};", "}}", "}}"),
    "csharp": ("public class Bench{k}\n{{", "    public int {name}(int {a}, int {b})\n    {{",
               "{a} = {b} + {c} * {i};", "for (var i = 0; i < {a}; i++)\n{pad}{{",
               "if ({a} > {b})\n{pad}{{", "return {a};", "}}", "}}"),
    "kotlin": ("class Bench{k} {{", "    fun {name}({a}: Int, {b}: Int): Int {{",
               "{a} = {b} + {c} * {i}", "for (i in 0 until {a}) {{", "if ({a} > {b}) {{",
               "return {a}", "}}", "}}"),
    "swift": ("final class Bench{k} {{", "    func {name}({a}: Int, {b}: Int) -> Int {{",
              "{a} = {b} + {c} * {i}", "for i in 0..<{a} {{", "if {a} > {b} {{", "return {a}",
              "}}", "}}"),
}  # fmt: skip


def synth_source(language: str, n_lines: int = LINES, seed: int = 0) -> str:
    """A file of about `n_lines` lines: classes of eight functions each, the same in every
    language (deterministic for a seed); Python's is the bench's usual synthetic file."""
    if language == "python":
        return synth_file(n_lines, seed)
    opening, header, assign, loop, branch, ret, end, close = _SYNTAX[language]
    rng = random.Random(seed)
    lines: list[str] = []
    k = 0
    while len(lines) < n_lines:
        if k % 8 == 0:
            lines += ([close.format()] if k else []) + [opening.format(k=k // 8)]
        a, b = rng.sample(_WORDS, 2)
        lines += header.format(name=f"func{k}", a=a, b=b).split("\n")
        depth = 2
        for i in range(rng.randint(6, 30)):
            pad = "    " * depth
            x, y, z = rng.sample(_WORDS, 3)
            kind = rng.random()
            if kind < 0.25 and depth < 4:
                form = loop if kind < 0.15 else branch
                lines += [pad + part for part in form.format(a=x, b=y, pad="").split("\n")]
                depth += 1
            elif kind < 0.35 and depth > 2:
                depth -= 1
                lines.append("    " * depth + end.format())
            else:
                lines.append(pad + assign.format(a=x, b=y, c=z, i=i))
        while depth > 2:
            depth -= 1
            lines.append("    " * depth + end.format())
        lines += [f"        {ret.format(a=a)}", f"    {end.format()}", ""]
        k += 1
    return "\n".join([*lines, close.format()]) + "\n"


def bench_spans(quick: bool) -> dict[str, Any]:
    """{language: {lines, spans, spans_per_s, ratio, ratio_low, ratio_high}} for a 2,000-line file
    of each language; the ratio is its rate over Java's, with its spread over the rounds."""
    texts = {lang: synth_source(lang) for lang in (BASE, "csharp", "kotlin", "swift", "python")}
    counts = {lang: len(find_spans(text, lang)) for lang, text in texts.items()}  # and warm up
    rounds = 5 if quick else 15
    seconds: dict[str, list[float]] = {lang: [] for lang in texts}
    for r in range(rounds):
        order = list(texts) if r % 2 == 0 else list(reversed(texts))
        for lang in order:
            t0 = time.perf_counter()
            find_spans(texts[lang], lang)
            seconds[lang].append(time.perf_counter() - t0)
    out: dict[str, Any] = {}
    for lang, text in texts.items():
        rates = [counts[lang] / s for s in seconds[lang]]
        ratios = [rate / (counts[BASE] / base) for rate, base in zip(rates, seconds[BASE])]
        out[lang] = {
            "lines": text.count("\n"),
            "spans": counts[lang],
            "spans_per_s": round(statistics.median(rates), 1),
            "ratio": round(statistics.median(ratios), 3),
            "ratio_low": round(min(ratios), 3),
            "ratio_high": round(max(ratios), 3),
        }
    return out


def span_rows(figures: dict[str, Any]) -> list[tuple[str, Any, Any, Any, float, bool]]:
    """The checks' rows (label, value, low, high, target, higher): each language's rate over
    Java's, for the languages read since C#, Kotlin and Swift came."""
    return [
        (f"span finder, {lang} / {BASE} spans per second", row["ratio"], row["ratio_low"],
         row["ratio_high"], TARGET_RATIO, True)
        for lang, row in figures.items() if lang in ("csharp", "kotlin", "swift")
    ]  # fmt: skip


def render_spans(figures: dict[str, Any]) -> list[str]:
    """The table of the span finder's rates, one row per language."""
    if not figures:
        return []
    lines = ["", f"span finder, {LINES:,}-line file (resync.find_spans):",
             f"{'language':>10} {'lines':>6} {'spans':>6} {'spans/s':>9} {'/ java':>7} {'spread':>16}"]  # fmt: skip
    for lang, row in figures.items():
        lines.append(f"{lang:>10} {row['lines']:>6} {row['spans']:>6} {row['spans_per_s']:>9.1f} "
                     f"{row['ratio']:>7.2f} {row['ratio_low']:>7.2f} to {row['ratio_high']:.2f}")  # fmt: skip
    return lines
