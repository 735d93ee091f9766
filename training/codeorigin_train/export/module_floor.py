"""`codeorigin-train module-floor`: a threshold of its own for each language's module code.

A file's module span is what stands outside its functions: imports, declarations, constants, a
script's statements. The model learned from functions, and a language's threshold is bounded on
people's functions; people's module code can reach it more often (Go's did: 11 of 727 module
spans of the dated snapshots' train and validation repositories flagged at Go's threshold, where
no other language's module code was).

This command copies `--base` to `--out` and, for each language the folder judges, scores the
module spans of people's code of the train and validation repositories (the dated snapshots of
`--sources`, every file the span finder reads, spans judged as the runtime judges them: neither
generated nor too short), bounds them as a language's threshold is bounded (`--max-fpr` with
95% confidence, on the spans and on the repositories as the sample) and, where that bound is
above the language's threshold, writes it as the language's module threshold
(`thresholds.modules`); the uncertain threshold of module code holds the same spans at 5%. Each
language's record (spans, repositories, bound, raised or not) is the manifest's `module_floor`.
The runtime never judges module code below its language's threshold. Nothing is trained; the
model files are copied unchanged. About 2 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path
from typing import Any

import numpy as np

from codeorigin.core import languages
from codeorigin.core.resync import find_spans
from codeorigin.core.spans import line_starts
from codeorigin.engine.judging import VerdictRules, judgeable, span_marks
from codeorigin.engine.scoring import Engine
from codeorigin.model.scorer import Model
from codeorigin_train.data.agentic.build import read_sources
from codeorigin_train.data.agentic.changes import Snapshot
from codeorigin_train.data.argtypes import fraction
from codeorigin_train.data.inputs import read_parquet
from codeorigin_train.export.graft_floors import (
    CONTEXT_SPLITS,
    UNCERTAIN_FPR,
    _bound,
    base_and_out,
    copied,
    rewrite_manifest,
)

log = logging.getLogger(__name__)

#: The shared data folders whose dated snapshots are people's code.
SOURCES = "aidev,agent-changes"


def floor_parser(prog: str, description: str, splits: tuple[str, str], units: str,
                 read: str = "dated snapshots") -> argparse.ArgumentParser:  # fmt: skip
    """The arguments `module-floor` and `case-floor` share: `splits` is the default of
    `--splits` and its help, `units` what a threshold may flag a share of, `read` what the
    `--sources` folders give."""
    p = argparse.ArgumentParser(prog=prog, description=description)
    p.add_argument("--base", type=Path, required=True, help="the model folder to start from")
    p.add_argument("--out", type=Path, required=True, help="the new folder (must not exist)")
    p.add_argument("--data-root", type=Path, default=Path("../shared/data"),
                   help="the shared data folder (default: %(default)s)")  # fmt: skip
    p.add_argument("--sources", default=SOURCES,
                   help=f"its folders whose {read} are read (default: %(default)s)")
    p.add_argument("--splits", type=Path, default=Path(splits[0]),
                   help=f"rows with each repository's split {splits[1]} (default: %(default)s); "
                   "repositories it does not name are left out")  # fmt: skip
    p.add_argument("--max-fpr", type=fraction, default=None,
                   help=f"the share of people's {units} a threshold may flag (default: the "
                   "language's own max_fpr, else 0.01)")  # fmt: skip
    return p


def parser() -> argparse.ArgumentParser:
    return floor_parser(
        "codeorigin-train module-floor",
        "A threshold of its own for each language's module code, bounded on the module code of "
        "people's dated snapshots (train and validation repositories).",
        ("training/work/agentic-context-both.parquet", "(repo, split): agentic-context's"),
        "module spans",
    )


def module_spans(snapshots: list[Snapshot], splits: dict[str, str]) -> list[dict[str, str]]:
    """The judged module spans of `snapshots` of repositories whose split is train or validation
    (`CONTEXT_SPLITS`), once per repository and text: code, language, repo, path."""
    rules = VerdictRules()
    seen: set[tuple[str, str]] = set()
    out: list[dict[str, str]] = []
    for snap in snapshots:
        if splits.get(snap.repo) not in CONTEXT_SPLITS:
            continue
        for f in snap.files:
            language = languages.from_path(f.path)
            text = f.read()
            if language is None or not text:
                continue
            try:
                spans = find_spans(text, language, min_lines=rules.min_lines)
            except (ValueError, RecursionError):  # a file the parser cannot read
                continue
            starts = line_starts(text)
            for span in spans:
                if span.kind != "module" or not judgeable(span, rules):
                    continue
                if span_marks(span, text, starts, rules)[0] is not None:  # generated
                    continue
                code = span.text(text)
                if (snap.repo, code) not in seen:
                    seen.add((snap.repo, code))
                    out.append({"code": code, "language": language, "repo": snap.repo,
                                "path": f.path})  # fmt: skip
    return out


def floors(out: Path, spans: list[dict[str, str]], max_fpr: float | None) -> dict[str, Any]:
    """Each judged language's module threshold, written into `out`'s manifest where its bound is
    above the language's threshold; returns the records, by language."""
    model = Model.load(out)
    engine = Engine(model)
    raw = json.loads((out / "manifest.json").read_text())
    own = raw["thresholds"].get("languages", {})
    records: dict[str, Any] = {}
    modules: dict[str, Any] = {}
    for lang in sorted({s["language"] for s in spans}):
        mine = [s for s in spans if s["language"] == lang]
        if engine.abstains(lang) is not None or lang not in own:
            continue
        t = own[lang]
        fpr = float(max_fpr if max_fpr is not None else t.get("max_fpr", 0.01))
        confidence = float(t.get("confidence", 0.95))
        scores = engine.score_texts([s["code"] for s in mine], [lang] * len(mine))
        p = np.array([score.probability for score, _ in scores])
        repos = np.array([s["repo"] for s in mine])
        bound = _bound(p, repos, fpr, confidence)
        record = {"spans": len(mine), "repositories": len(set(repos)),
                  "splits": list(CONTEXT_SPLITS), "max_fpr": fpr, "confidence": confidence,
                  "language_threshold": t["llm"], "bound": bound,
                  "flagged_at_language_threshold": int(np.sum(p >= t["llm"])),
                  "raised": bound > t["llm"]}  # fmt: skip
        if record["raised"]:
            from codeorigin_train.fit.calibrate import threshold_at_fpr

            uncertain = min(max(t["uncertain"], threshold_at_fpr(p, UNCERTAIN_FPR)), bound)
            modules[lang] = {"llm": bound, "uncertain": uncertain}
            record["flagged"] = int(np.sum(p >= bound))
        records[lang] = record
    raw["thresholds"]["modules"] = modules
    raw["module_floor"] = records
    rewrite_manifest(out, raw)
    return records


def repository_splits(path: Path, hint: str) -> dict[str, str]:
    """Each repository's split, from a parquet with `repo` and `split` (with a `source` column, its
    agentic rows, `aidev` or `aidev-context`: the protocol's pool holds other sources' too);
    `hint` says which command writes it."""
    import pyarrow.parquet as pq

    try:  # read only the columns it needs (the pool holds every row's code)
        source = ["source"] if "source" in pq.read_schema(path).names else []
    except (OSError, ValueError):  # `read_parquet` says what is wrong with the file
        source = []
    rows = read_parquet(path, "--splits", hint=hint, columns=["repo", "split", *source])
    if source:
        rows = rows[rows["source"].astype(str).str.startswith("aidev")]
    return dict(zip(rows["repo"].astype(str), rows["split"].astype(str)))


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    base, out, _ = base_and_out(args.base, args.out)
    splits = repository_splits(args.splits, "`codeorigin-train agentic-context` writes it")
    t0 = time.perf_counter()
    _, snapshots = read_sources(args.data_root, args.sources)
    spans = module_spans(snapshots, splits)
    with copied(base, out):
        records = floors(out, spans, args.max_fpr)
    for lang, r in records.items():
        now = f"module threshold {100 * r['bound']:.1f}%" if r["raised"] else "no module threshold"
        print(f"{lang}: {now} (threshold {100 * r['language_threshold']:.1f}%; people's module "
              f"spans: {r['spans']} of {r['repositories']} repositories, "
              f"{r['flagged_at_language_threshold']} flagged at the threshold"
              + (f", {r['flagged']} at the module threshold)" if r["raised"] else ")"))  # fmt: skip
    print(f"wrote {out} in {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
