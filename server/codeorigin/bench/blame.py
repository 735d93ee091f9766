"""The cost of provenance: `git blame` of a 2,000-line file with a history of 300 commits, as
`codeorigin.scan.provenance.blame` reads it (the porcelain blame and the commits' messages), p50 and
p95 over the rounds, each read afresh; and the same file again from the cache (kept by blob), as
the server finds it at the next hover. Target: p95 within 1 s (it runs off the keystroke path, on
open and save: this is how long until a hover shows provenance, not a wait for diagnostics).

The history is generated deterministically: a first commit of the whole file, then 299 commits
that each rewrite a few lines, one in ten signed with a Claude Code trailer.
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from codeorigin.bench.synth import percentile, synth_file
from codeorigin.scan import provenance

LINES = 2_000
COMMITS = 300
TARGET_P95_MS = 1000.0
SIGNED = "\n\nCo-Authored-By: Claude <noreply@anthropic.com>"


def history(folder: Path, lines: int = LINES, commits: int = COMMITS, seed: int = 5) -> Path:
    """A repository in `folder` whose `big.py` has `lines` lines and `commits` commits."""
    rng = random.Random(seed)
    env = {**os.environ, "GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
           "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "bench@example.com"}  # fmt: skip

    def git(*args: str, when: int = 0) -> None:
        stamp = f"{1_500_000_000 + when * 86_400} +0000"
        subprocess.run(["git", *args], cwd=folder, check=True, capture_output=True,
                       env={**env, "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp})  # fmt: skip

    git("init", "-q")
    path = folder / "big.py"
    text = synth_file(lines, seed=seed).splitlines()[:lines]
    path.write_text("\n".join(text) + "\n")
    git("add", "big.py")
    git("commit", "-qm", "the file")
    editable = [i for i, line in enumerate(text)
                if line.strip() and not line.lstrip().startswith(("def ", "return", "for ", "if "))]  # fmt: skip
    for k in range(1, commits):
        at = rng.randrange(len(editable) - 8)
        for i in editable[at : at + rng.randint(1, 8)]:
            indent = text[i][: len(text[i]) - len(text[i].lstrip())]
            text[i] = f"{indent}value_{k} = {i} + {k}"
        path.write_text("\n".join(text) + "\n")
        git("commit", "-qam", f"change {k}" + (SIGNED if k % 10 == 0 else ""), when=k)
    return path


def bench_blame(quick: bool) -> dict[str, Any]:
    """{lines, commits, blame_p50_ms, blame_p95_ms, cached_p50_ms, signed_lines}."""
    rounds = 5 if quick else 20
    with tempfile.TemporaryDirectory(prefix="codeorigin-blame-") as tmp:
        t0 = time.perf_counter()
        path = history(Path(tmp))
        made = time.perf_counter() - t0
        text = path.read_text()
        fresh, cached = [], []
        for _ in range(rounds):
            provenance.forget()
            t0 = time.perf_counter()
            found = provenance.blame(path, text)
            fresh.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            provenance.blame(path, text)
            cached.append(time.perf_counter() - t0)
        signed = sum(1 for sha in found.lines if sha and found.commits[sha].signed)
    return {"lines": LINES, "commits": COMMITS, "rounds": rounds,
            "blame_p50_ms": round(1000 * statistics.median(fresh), 1),
            "blame_p95_ms": round(1000 * percentile(fresh, 0.95), 1),
            "cached_p50_ms": round(1000 * statistics.median(cached), 3),
            "signed_lines": signed, "history_made_s": round(made, 1)}  # fmt: skip


def blame_rows(figures: dict[str, Any]) -> list[tuple[str, Any, Any, Any, float, bool]]:
    """The checks' row: blame's p95 against its target."""
    if not figures:
        return []
    return [("git blame per file p95, 2,000 lines, 300 commits (ms)", figures["blame_p95_ms"],
             None, None, TARGET_P95_MS, False)]  # fmt: skip


def render_blame(figures: dict[str, Any]) -> list[str]:
    if not figures:
        return []
    f = figures
    return ["", f"provenance (git blame of a {f['lines']:,}-line file with {f['commits']} commits, "
            f"{f['signed_lines']:,} of its lines from agent-signed commits): p50 "
            f"{f['blame_p50_ms']} ms, p95 {f['blame_p95_ms']} ms over {f['rounds']} reads; "
            f"from the cache (same blob) {f['cached_p50_ms']} ms"]  # fmt: skip
