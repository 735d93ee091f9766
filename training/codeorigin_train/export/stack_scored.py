"""`codeorigin-train stack-scored`: a grafted stack scores the languages its donor read but did
not judge, so that a repository's own calibration can have them judged there.

A grafted stack (`codeorigin-train graft`) carries its donor's members and stacker, and the
stacker has a term for every language the donor trained on. The graft gives the stack only the
languages it judges, and records what the donor said of the others (`grafted.NAME.donor_abstain`).
A language the donor read but abstained on is then scored by nothing: in the shipped folder,
Kotlin and Swift (too few held-out people to bound a threshold). The base was not trained on them,
so `codeorigin calibrate` cannot measure them on a repository's own people, and no repository can
have them judged, however long its history.

This command copies `--base` to `--out`, and the stack `--stack` scores each of `--languages` as
its donor did: the stack reads it and the folder's `languages` name it. It stays not judged
(`abstain`, with the donor's reason), so that nothing a user sees changes until a repository's own
calibration (`codeorigin calibrate --write`) bounds a threshold for it on that repository's
people. No threshold is set and nothing is trained.

Checked before it is written: the folder loads as the server loads it; every other language of
`--rows` scores exactly as in the base; each of `--languages` gets a score. The manifest records
the within-repository pair AUROC of each language on `--rows`' validation and test repositories
(an agent's functions against the people of the same repository). Seconds on 2 cores.
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path
from typing import Any

import numpy as np

from codeorigin.model.scorer import Model
from codeorigin_train.data.inputs import read_parquet
from codeorigin_train.evaluation.within import pooled_pairs
from codeorigin_train.export.graft_floors import base_and_out, copied, rewrite_manifest

#: Rows of each other language checked to score exactly as in the base.
CHECK_ROWS = 40


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="codeorigin-train stack-scored",
        description="A grafted stack scores languages its donor read but did not judge; they "
        "stay not judged until a repository's own calibration bounds them.",
    )  # fmt: skip
    p.add_argument("--base", type=Path, required=True, help="a folder with a grafted stack")
    p.add_argument("--stack", default="agentic", help="the grafted stack's name")
    p.add_argument("--languages", nargs="+", required=True,
                   help="languages the stack's donor read and abstained on")  # fmt: skip
    p.add_argument("--out", type=Path, required=True, help="the new folder (must not exist)")
    p.add_argument("--rows", type=Path, default=Path("training/work/pool-v5.parquet"),
                   help="functions (code, language, label, repo, split) to check and measure on")  # fmt: skip
    return p


def _checked(raw: dict[str, Any], stack: str, languages: list[str]) -> dict[str, str]:
    """Each language's reason from the donor; SystemExit with one line where the folder cannot
    take it."""
    record = (raw.get("grafted") or {}).get(stack)
    mine = [s for s in raw.get("stacks") or [] if s.get("name") == stack]
    if not isinstance(record, dict) or not mine:
        raise SystemExit(f"--base has no grafted stack named {stack!r}")
    reasons = record.get("donor_abstain") or {}
    terms = mine[0]["stacker"].get("languages") or {}
    out: dict[str, str] = {}
    for lang in languages:
        if lang in (raw.get("languages") or []) or any(
            lang in s.get("languages", []) for s in raw.get("stacks") or []
        ):
            raise SystemExit(f"--base scores {lang} already")
        if lang not in reasons or lang not in terms:
            raise SystemExit(f"the stack {stack!r}'s donor did not read {lang} and abstain on it: "
                             f"it can score only {sorted(set(reasons) & set(terms))}")  # fmt: skip
        out[lang] = str(reasons[lang])
    return out


def within(p: np.ndarray, rows: Any) -> dict[str, Any]:
    """Pair AUROC within each repository (agents' functions against its people's), pooled over
    the repositories, per split (`evaluation.within.pooled_pairs`)."""
    out: dict[str, Any] = {}
    for split, s in rows.assign(p=p).groupby("split"):
        won, pairs, repos = pooled_pairs(s)
        out[str(split)] = {"repositories": repos, "agents": int((s["label"] == 1).sum()),
                           "people": int((s["label"] == 0).sum()),
                           "pair_auroc": won / pairs if pairs else None}  # fmt: skip
    return out


def _scores(folder: Path, rows: Any) -> np.ndarray:
    texts, langs = rows["code"].tolist(), rows["language"].tolist()
    return np.array([s.probability for s in Model.load(folder).score_texts(texts, langs)])


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    args = parser().parse_args(argv)
    base, out, raw = base_and_out(args.base, args.out)
    reasons = _checked(raw, args.stack, list(args.languages))
    rows = read_parquet(args.rows, "--rows", columns=["code", "language", "label", "repo", "split"])
    other = rows[~rows["language"].isin(reasons)].groupby("language").head(CHECK_ROWS)
    mine = rows[rows["language"].isin(reasons) & (rows["repo"].fillna("") != "")
                & rows["split"].isin(["val", "test"])]  # fmt: skip
    started = time.perf_counter()
    record: dict[str, Any] = {}
    with copied(base, out):
        for s in raw["stacks"]:
            if s["name"] == args.stack:
                s["languages"] = [*s["languages"], *reasons]
        raw["languages"] = sorted({*raw.get("languages", []), *reasons})
        raw["abstain"] = {**raw.get("abstain", {}), **reasons}
        rewrite_manifest(out, raw)
        worst = float(np.max(np.abs(_scores(out, other) - _scores(base, other)), initial=0.0))
        if worst > 0.0:
            raise SystemExit(f"{out} scores the other languages differently from --base "
                             f"(largest difference {worst})")  # fmt: skip
        for lang in reasons:
            g = mine[mine["language"] == lang]
            p = _scores(out, g)
            if not np.all(np.isfinite(p)):
                raise SystemExit(f"{out} gives some {lang} functions no score")
            record[lang] = {"reason": reasons[lang], "within": within(p, g)}
        raw["grafted"][args.stack]["scored"] = {
            "languages": record, "other_languages_checked": len(other), "largest_difference": worst,
            "seconds": round(time.perf_counter() - started, 1)}  # fmt: skip
        rewrite_manifest(out, raw)
    for lang, r in record.items():
        said = "; ".join(f"{k}: {v['agents']} agents' and {v['people']} people's functions, "
                         f"pair AUROC within {v['repositories']} repositories "
                         + (f"{v['pair_auroc']:.3f}" if v["pair_auroc"] is not None else "-")
                         for k, v in r["within"].items())  # fmt: skip
        print(f"{lang}: scored by the stack {args.stack!r}, not judged ({r['reason']}); {said}")
    print(f"codeorigin-train stack-scored: wrote {out} in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    from codeorigin_train.data.inputs import module_entry

    raise SystemExit(module_entry("codeorigin_train.export.stack_scored", main))
