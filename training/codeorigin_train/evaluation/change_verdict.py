"""`codeorigin-train change-verdict`: calibrate and measure the verdict of a whole change.

`codeorigin scan --diff` pools the judged spans of a change into one probability
(`codeorigin.core.change`: the mean calibrated logit weighted by each span's changed lines, then
`sigmoid(a * z + b)`). This command fits `a`, `b` and the change's thresholds on real changes and
writes them into a model folder's manifest (the optional `change` key; a runtime without it uses
the span thresholds):

- LLM side: the coding agents' merged pull requests of the shared AIDev folder
  (`aidev-upstream/<repo>/pr-N.patch` over `post/<HEAD>/`), only in repositories that also have
  human commits;
- human side: the dated (pre-2021-07-01) human commits of the same repositories
  (`human-commits/<repo>/commit-SHA.patch` over `post/<SHA>/`).

Each change goes through the runtime's own `--diff-file` logic (`codeorigin.patches.from_patch`
over its post-image folder, files not stored left out) and `codeorigin.scan.run`, so exactly the
spans `scan --diff` would judge are pooled. The figures are cross-fitted by repository (two folds
by a hash of the repository name: calibrate on one, measure on the other, both ways), the
per-function figure next to them on the same spans; the shipped calibration is fitted on all of
it. A fit whose slope is not positive (the pooled evidence does not rise with the label) is
made flat rather than turned around: every change then gets the base rate and none is flagged.
Scores are cached in `--work` (`change_verdict/changes.jsonl`), so a rerun only refits. The
command (`analysis/change_verdict.py`) also records the figures in the model card.

    codeorigin-train change-verdict --model models/default
"""

from __future__ import annotations

import argparse
import json
import sys
import zlib
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from codeorigin_train.data.argtypes import fraction, whole_number
from codeorigin_train.fit.calibrate import fit_platt, threshold_at_fpr
from codeorigin_train.fit.workdir import DATA_ROOT, WORK

FOLDER = "SAILResearch+AI_Teammates_in_SE3"


def load_changes(root: Path) -> list[dict[str, Any]]:
    """Every agent PR and human commit with a post-image folder, of the repositories that have
    both: {id, repo, label (1: agent), patch, post}."""
    out: list[dict[str, Any]] = []
    for index, label in ((root / "index.jsonl", 1), (root / "human-commits" / "index.jsonl", 0)):
        for line in index.read_text().splitlines():
            row = json.loads(line)
            if not row.get("post_images"):
                continue
            first = row["post_images"][0]
            post = (
                first[: first.index("/post/") + len("/post/")]
                + first.split("/post/")[1].split("/")[0]
            )
            name = f"pr-{row['number']}" if label else f"commit-{row['sha'][:12]}"
            out.append({"id": f"{row['repo']}#{name}", "repo": row["repo"], "label": label,
                        "patch": row["patch"], "post": post})  # fmt: skip
    both = {r["repo"] for r in out if r["label"] == 1} & {r["repo"] for r in out if r["label"] == 0}
    return [r for r in out if r["repo"] in both]


def of_splits(rows: list[dict[str, Any]], splits: list[str]) -> list[dict[str, Any]]:
    """The changes of the repositories that the agentic corpus puts in `splits` (its split per
    repository: `data.agentic`): with `val test`, the repositories a stacked model's members
    never trained on."""
    from codeorigin_train.data.agentic.build import SPLIT_FRACTIONS
    from codeorigin_train.data.splits import split_of

    return [r for r in rows if split_of(r["repo"], 0, SPLIT_FRACTIONS) in splits]


def score_change(engine: Any, root: Path, change: dict[str, Any]) -> dict[str, Any]:
    """The judged spans of one change as `scan --diff-file` judges them: {spans: [[p, w]]}, or
    {error} when the patch does not apply to its post-images."""
    from codeorigin.scan import changes, local, patches
    from codeorigin.scan.options import ScanOptions

    text = (root / change["patch"]).read_text(encoding="utf-8", errors="replace")
    try:
        found = patches.from_patch(
            text, root / change["post"], name=change["patch"], skip_missing=True
        )
    except changes.ChangeError as exc:
        return {"error": str(exc)}
    options = ScanOptions(changed=found.lines)
    report, _ = local.run([], engine, options)
    spans = local.judged_spans(report)
    return {
        "spans": [[round(s.probability or 0.0, 6), s.changed_lines or 0, s.n_lines] for s in spans]
    }


def scored(args: argparse.Namespace, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`rows` with their judged spans, from the cache in `--work` or scored now (and cached)."""
    from codeorigin.engine.scoring import Engine
    from codeorigin.model.scorer import Model

    cache_path = args.work / "change_verdict" / "changes.jsonl"
    cache_path.parent.mkdir(parents=True, exist_ok=True)
    manifest = json.loads((args.model / "manifest.json").read_text())
    # The weights, and the version of what is cached per span ([p, changed lines, lines]).
    key = str(zlib.crc32(json.dumps(manifest["files"], sort_keys=True).encode())) + ":2"
    cached: dict[str, dict[str, Any]] = {}
    if cache_path.is_file():
        for line in cache_path.read_text().splitlines():
            item = json.loads(line)
            if item.get("model") == key:
                cached[item["id"]] = item
    todo = [r for r in rows if r["id"] not in cached]
    if todo:
        engine = Engine(Model.load(args.model, threads=args.threads))
        with cache_path.open("a") as out:
            for k, row in enumerate(todo, 1):
                item = {"id": row["id"], "model": key, **score_change(engine, args.data, row)}
                out.write(json.dumps(item) + "\n")
                out.flush()
                cached[row["id"]] = item
                if k % 25 == 0:
                    print(f"scored {k}/{len(todo)} changes", file=sys.stderr)
    return [{**r, **cached[r["id"]]} for r in rows]


def pooled(spans: list[list[float]]) -> float | None:
    from codeorigin.core.change import pooled_logit

    return pooled_logit((p, int(w)) for p, w, *_ in spans)


def _rates(scores: np.ndarray, labels: np.ndarray, threshold: float) -> dict[str, float]:
    human, llm = scores[labels == 0], scores[labels == 1]
    return {"fpr": float((human >= threshold).mean()) if human.size else float("nan"),
            "recall": float((llm >= threshold).mean()) if llm.size else float("nan"),
            "n_human": int(human.size), "n_llm": int(llm.size)}  # fmt: skip


def cross_fitted(z: np.ndarray, y: np.ndarray, fold: np.ndarray, max_fpr: float) -> dict[str, Any]:
    """`z`: scores in [0, 1]. Calibrate on one fold of repositories and measure on the other, both ways: the pooled
    figures (FPR, recall at the threshold of the other fold) and the AUROC."""
    from sklearn.metrics import roc_auc_score

    hits = {"fp": 0, "tp": 0, "n_human": 0, "n_llm": 0}
    for k in (0, 1):
        fit, test = fold != k, fold == k
        threshold = threshold_at_fpr(z[fit & (y == 0)], max_fpr)
        r = _rates(z[test], y[test], threshold)
        hits["fp"] += round(r["fpr"] * r["n_human"])
        hits["tp"] += round(r["recall"] * r["n_llm"])
        hits["n_human"] += r["n_human"]
        hits["n_llm"] += r["n_llm"]
    return {"fpr": hits["fp"] / max(1, hits["n_human"]), "recall": hits["tp"] / max(1, hits["n_llm"]),
            "n_human": hits["n_human"], "n_llm": hits["n_llm"],
            "auroc": float(roc_auc_score(y, z)) if len(set(y.tolist())) == 2 else None}  # fmt: skip


def measure(rows: list[dict[str, Any]], span_llm: float, max_fpr: float) -> dict[str, Any]:
    """The change-level and per-function figures, cross-fitted by repository. Changes are
    ranked by sigmoid(z) (the calibration is monotone, so its thresholds rank the same)."""
    from codeorigin.core.change import sigmoid

    kept = [r for r in rows if "spans" in r and pooled(r["spans"]) is not None]
    z = np.array([sigmoid(pooled(r["spans"]) or 0.0) for r in kept])
    y = np.array([r["label"] for r in kept])
    fold = np.array([zlib.crc32(r["repo"].encode()) % 2 for r in kept])
    spans = [(p, r["label"], f, w / max(1, n))
             for r, f in zip(kept, fold) for p, w, n in r["spans"]]  # fmt: skip
    sp = np.array([p for p, _, _, _ in spans])
    sy = np.array([lab for _, lab, _, _ in spans])
    sf = np.array([f for _, _, f, _ in spans])
    new = np.array([share >= 0.5 for _, _, _, share in spans])
    return {
        "changes": cross_fitted(z, y, fold, max_fpr),
        "changes_at_span_threshold": _rates(z, y, span_llm),
        "functions": cross_fitted(sp, sy, sf, max_fpr),
        "functions_at_span_threshold": _rates(sp, sy, span_llm),
        # The functions the change mostly wrote (at least half their lines): the agent's own.
        "functions_written": cross_fitted(sp[new], sy[new], sf[new], max_fpr),
        "functions_written_at_span_threshold": _rates(sp[new], sy[new], span_llm),
        "repositories": len({r["repo"] for r in kept}),
        "skipped": {"patch_does_not_apply": sum(1 for r in rows if "error" in r),
                    "no_judged_span": sum(1 for r in rows if "spans" in r and pooled(r["spans"]) is None)},
    }  # fmt: skip


def calibration(
    rows: list[dict[str, Any]],
    max_fpr: float,
    uncertain_fpr: float,
    splits: list[str] | None = None,
) -> dict[str, Any]:
    """The `change` key: Platt (a, b) on every change's pooled logit, the thresholds at `max_fpr`
    and `uncertain_fpr` of the human changes."""
    from codeorigin.core.change import RULE, logit, sigmoid

    kept = [r for r in rows if "spans" in r and pooled(r["spans"]) is not None]
    z = np.array([pooled(r["spans"]) for r in kept])
    y = np.array([r["label"] for r in kept])
    a, b = fit_platt(z, y)
    if a <= 0.0:
        # No positive relation between the pooled evidence and the label: a calibration must not
        # turn the detector's evidence around, so it is flat (every change gets the base rate).
        a, b = 0.0, logit(float(y.mean()))
    p = np.array([sigmoid(a * v + b) for v in z])
    return {"rule": RULE, "a": a, "b": b,
            "llm": threshold_at_fpr(p[y == 0], max_fpr),
            "uncertain": threshold_at_fpr(p[y == 0], uncertain_fpr),
            "max_fpr": max_fpr, "uncertain_fpr": uncertain_fpr,
            "informative": a > 0.0,
            "calibrated_on": f"{FOLDER}: agent PRs against dated human commits"
                             + (f" ({', '.join(splits)} repositories)" if splits else ""),
            "changes": {"llm": int(y.sum()), "human": int((y == 0).sum())}}  # fmt: skip


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Score (or read from the cache), measure and fit; write the `change` key into the model's
    manifest unless `--dry-run`. The record, figures included."""
    manifest_path = args.model / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    rows = load_changes(args.data)
    if args.splits:
        rows = of_splits(rows, args.splits)
        if not rows:
            raise SystemExit(f"no agent PR nor human commit in the {' and '.join(args.splits)} "
                             "repositories of the agentic corpus")  # fmt: skip
    if args.limit:
        rows = rows[:: max(1, len(rows) // args.limit)][: args.limit]
    rows = scored(args, rows)
    figures = measure(rows, float(manifest["thresholds"]["llm"]), args.max_fpr)
    record = calibration(rows, args.max_fpr, args.uncertain_fpr, args.splits)
    # Which model, and when: a record read later (the card) must not pass for a later model's.
    record |= {"model": str(manifest.get("name", args.model.name)),
               "measured": date.today().isoformat(), "figures": figures}  # fmt: skip
    if not args.dry_run:
        manifest["change"] = record
        manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")
    return record


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="codeorigin-train change-verdict", description=__doc__.split("\n\n")[0]
    )
    p.add_argument("--model", type=Path, default=Path("models/default"))
    p.add_argument("--data", type=Path, default=DATA_ROOT / FOLDER, help="the shared AIDev folder")
    p.add_argument("--work", type=Path, default=WORK)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--max-fpr", type=fraction, default=0.01)
    p.add_argument("--uncertain-fpr", type=fraction, default=0.05)
    p.add_argument(
        "--limit", type=whole_number(0), default=0, help="at most this many changes (a quick look)"
    )
    p.add_argument("--dry-run", action="store_true", help="report, leave the manifest as it is")
    p.add_argument("--splits", nargs="+", choices=("train", "val", "test"),
                   help="only the repositories the agentic corpus puts in these splits (`val "
                   "test` for a model whose members trained on the train split's)")  # fmt: skip
    return p.parse_args(argv)
