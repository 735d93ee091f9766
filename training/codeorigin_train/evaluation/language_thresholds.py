"""`codeorigin-train language-threshold`: a threshold of its own for one language of a model folder,
calibrated on that language's real-project human code.

A model calibrated on human code of some languages can flag far more human code of another: the
shipped model, never shown real-project Java, flagged 19% of pre-2021 Java library methods at
its threshold. This command scores the human functions of one language in `realcode.parquet`
(dated pre-2021 real-project code, `python -m codeorigin_train.data.realcode build`) through the
runtime, exactly as `codeorigin scan` judges a span (the "too short" guard of the default
settings leaves out what it leaves out), and sets that language's `llm` threshold so that at most
`--max-fpr` (1%) of unseen human functions of the same population reach it with 95% confidence
(`calibrate.threshold_at_fpr`, the Neyman-Pearson order statistic), and its `uncertain`
threshold at `--uncertain-fpr` (5%). A language's own threshold only ever raises the bar: it is
at least the model's own.

The language's test projects (split by project as the training frames split real-project code)
are held out of the calibration and their false-positive rate at the model's and the new threshold
is reported (`--all-projects` calibrates on every project). It writes
`thresholds.languages.<language>` into the folder's `manifest.json` with what it was calibrated on
(projects, functions, the figures), and reports the recall it costs on the LLM samples of that
language in the dataset's test split.

    codeorigin-train language-threshold --model models/default --language java
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from codeorigin_train.data.inputs import InputError, model_folder, read_parquet
from codeorigin_train.fit.calibrate import threshold_at_fpr


def judged_probabilities(
    model_dir: Path, codes: list[str], language: str, *, every_language: bool = False
) -> np.ndarray:
    """Calibrated probabilities of the texts the runtime would judge (NaN for those it would
    call too short, and all NaN for a language the model abstains on), as `codeorigin scan` with
    the default settings; `every_language`: a language the model abstains on is scored too (how
    its scores rank there, for the protocol's `every-language:` learners)."""
    from codeorigin.core.spans import content_of
    from codeorigin.engine.judging import VerdictRules
    from codeorigin.engine.scoring import Engine
    from codeorigin.model.scorer import Model

    rules = VerdictRules()
    engine = Engine(Model.load(model_dir, threads=1))
    out = np.full(len(codes), np.nan)
    if not every_language and engine.abstains(language) is not None:
        return out
    for start in range(0, len(codes), 256):
        batch = codes[start : start + 256]
        scored = engine.score_texts(batch, [language] * len(batch))  # a stacked model reads it
        for i, ((score, _), text) in enumerate(zip(scored, batch)):
            if rules.judges(content_of(text, language)):
                out[start + i] = score.probability
    return out


def fit(
    human: np.ndarray, model_llm: float, model_uncertain: float, max_fpr: float, unc_fpr: float
) -> tuple[float, float]:
    """(llm, uncertain) thresholds from judged human probabilities, never below the model's."""
    llm = max(model_llm, threshold_at_fpr(human, max_fpr, 0.95))
    uncertain = min(llm, max(model_uncertain, threshold_at_fpr(human, unc_fpr, 0.95)))
    return llm, uncertain


def recall_cost(
    model_dir: Path, dataset: Path, language: str, old: float, new: float
) -> dict[str, Any]:
    """Recall at the old and the new threshold on the language's LLM test samples."""
    if not dataset.exists():
        return {}
    df = pd.read_parquet(dataset, columns=["code", "label", "language", "split"])
    llm = df[(df["language"] == language) & (df["label"] == 1) & (df["split"] == "test")]
    p = judged_probabilities(model_dir, llm["code"].tolist(), language)
    p = p[~np.isnan(p)]
    if p.size == 0:
        return {}
    return {
        "llm_test_samples": int(p.size),
        "recall_before": float((p >= old).mean()),
        "recall_after": float((p >= new).mean()),
    }


def _split_by_project(rows: pd.DataFrame) -> np.ndarray:
    """The train/val/test split of each row's project, as the training frames draw it."""
    from codeorigin_train.data.splits import split_of
    from codeorigin_train.fit.frames import REALCODE_FRACTIONS

    groups = rows["group"] if "group" in rows else "real:" + rows["project"].astype(str)
    return groups.map(lambda g: split_of(str(g), 0, REALCODE_FRACTIONS)).to_numpy()


def _judged(model: Path, rows: pd.DataFrame, language: str) -> tuple[np.ndarray, pd.DataFrame]:
    p = judged_probabilities(model, rows["code"].tolist(), language)
    keep = ~np.isnan(p)
    return p[keep], rows[keep]


def run(args: argparse.Namespace) -> dict[str, Any]:
    manifest_path = args.model / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    hint = "`codeorigin-train realcode build` writes it, after `codeorigin-train realcode fetch`"
    real = read_parquet(args.realcode, "--realcode", hint=hint)
    rows = real[(real["language"] == args.language) & (real["label"] == 0)]
    if rows.empty:
        raise InputError(f"--realcode {args.realcode} has no human {args.language} functions")
    test = _split_by_project(rows) == "test"
    if args.all_projects or test.all() or not test.any():
        test[:] = False
    human, calib = _judged(args.model, rows[~test], args.language)
    th = manifest["thresholds"]
    llm, uncertain = fit(human, th["llm"], th["uncertain"], args.max_fpr, args.uncertain_fpr)
    record = {
        "llm": llm,
        "uncertain": uncertain,
        "calibrated_on": f"{args.realcode.name}: human {args.language} functions",
        "projects": sorted(set(calib["project"].astype(str))),
        "functions": len(human),
        "max_fpr": args.max_fpr,
        "confidence": 0.95,
        "fpr_at_model_threshold": float((human >= th["llm"]).mean()),
        "fpr_at_own_threshold": float((human >= llm).mean()),
    }
    if test.any():  # the test projects (as the training frames split them), never calibrated on
        held, held_rows = _judged(args.model, rows[test], args.language)
        record |= {
            "heldout_projects": sorted(set(held_rows["project"].astype(str))),
            "heldout_functions": len(held),
            "heldout_fpr_at_model_threshold": float((held >= th["llm"]).mean())
            if len(held)
            else None,
            "heldout_fpr_at_own_threshold": float((held >= llm).mean()) if len(held) else None,
        }
    record |= recall_cost(args.model, args.dataset, args.language, th["llm"], llm)
    if not args.dry_run:
        th.setdefault("languages", {})[args.language] = record
        manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")
    return record


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="codeorigin-train language-threshold", description=__doc__.split("\n\n")[0]
    )
    p.add_argument("--model", type=Path, default=Path("models/default"))
    p.add_argument("--language", required=True, help="canonical id: java, cpp, python, ...")
    p.add_argument("--realcode", type=Path, default=Path("training/work/realcode.parquet"))
    p.add_argument("--dataset", type=Path, default=Path("training/work/dataset-v4.parquet"))
    p.add_argument("--max-fpr", type=float, default=0.01)
    p.add_argument("--uncertain-fpr", type=float, default=0.05)
    p.add_argument("--dry-run", action="store_true", help="report, leave the manifest as it is")
    p.add_argument("--all-projects", action="store_true",
                   help="calibrate on every project (default: the test projects are held out and "
                   "their false-positive rate reported)")  # fmt: skip
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    model_folder(args.model, "--model")
    print(json.dumps(run(args), indent=2))
    return 0


if __name__ == "__main__":
    from codeorigin_train.data.inputs import module_entry

    raise SystemExit(module_entry("codeorigin_train.evaluation.language_thresholds", main))
