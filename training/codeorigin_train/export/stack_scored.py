"""`codeorigin-train stack-scored`: a grafted stack scores languages the folder does not judge, so
that a repository's own calibration can have them judged there.

A grafted stack (`codeorigin-train graft`) carries its donor's members and stacker, and the
stacker has a term for every language the donor trained on. The graft gives the stack only the
languages it judges. The others are scored by the base, which never saw an agent's code (C, PHP,
Ruby, Rust, JavaScript: it abstains on them), or by nothing where the base was not trained on them
and the donor abstained on them (Kotlin and Swift: `grafted.NAME.donor_abstain`). Either way
`codeorigin calibrate` measures them on a repository's own people with a scorer that ranks agents'
code poorly, or cannot measure them at all.

This command copies `--base` to `--out`, and the stack `--stack` scores each of `--languages` as
its donor did: the stack reads it and the folder's `languages` name it. It stays not judged
(`abstain`), so that nothing a user sees changes until a repository's own calibration
(`codeorigin calibrate --write`) bounds a threshold for it on that repository's people. No
threshold is set and nothing is trained. A language the donor abstained on keeps the donor's
reason; one the base abstained on gets the stack's own, measured as the donor's thresholds were
(`fit.stacker.language_thresholds` on `--rows`' validation split, bounded over repositories), and
the command refuses it if the stack would judge it there (that is `graft`'s work).

Checked before it is written: the folder loads as the server loads it; every other language of
`--rows` scores exactly as in the base; each of `--languages` gets a score. The manifest records
the within-repository pair AUROC of each language on `--rows`' validation and test repositories
(an agent's functions against the people of the same repository), the stack's and the base's
where the base scored it. Seconds to a minute on 2 cores.
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
from codeorigin_train.fit.stacker import language_thresholds

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


def _checked(raw: dict[str, Any], stack: str, languages: list[str]) -> dict[str, str | None]:
    """Each language's reason: the donor's where it abstained on one the base does not read, None
    where the base scores it and abstains on it (the stack's reason is measured: `_reasons`);
    SystemExit with one line where the folder cannot take it."""
    record = (raw.get("grafted") or {}).get(stack)
    mine = [s for s in raw.get("stacks") or [] if s.get("name") == stack]
    if not isinstance(record, dict) or not mine:
        raise SystemExit(f"--base has no grafted stack named {stack!r}")
    donor = record.get("donor_abstain") or {}
    terms = mine[0]["stacker"].get("languages") or {}
    read, abstain = set(raw.get("languages") or []), raw.get("abstain") or {}
    out: dict[str, str | None] = {}
    for lang in languages:
        if any(lang in s.get("languages", []) for s in raw.get("stacks") or []):
            raise SystemExit(f"--base scores {lang} by a stack already")
        if lang in read and lang not in abstain:
            raise SystemExit(f"--base judges {lang}")
        if lang not in terms or (lang not in read and lang not in donor):
            takes = sorted(set(terms) & (set(donor) | set(abstain)))
            raise SystemExit(f"the stack {stack!r}'s donor did not read {lang} and abstain on it, "
                             f"nor does --base abstain on it: it can score only {takes}")  # fmt: skip
        out[lang] = None if lang in read else str(donor[lang])
    return out


def _reasons(p: np.ndarray, rows: Any) -> dict[str, str]:
    """The stack's reason not to judge each language of `rows` (its validation split, scored `p`),
    measured as the donor's thresholds were; SystemExit where it would judge one."""
    groups = rows["repo"].fillna("").where(rows["repo"].fillna("") != "", rows["group"].astype(str))
    held = language_thresholds(p, rows["label"].to_numpy(), rows["language"].tolist(),
                               groups=groups.tolist())  # fmt: skip
    if held.languages:
        raise SystemExit(f"the stack would judge {sorted(held.languages)} on --rows' validation "
                         "split: graft it (`codeorigin-train graft`) rather than score it unjudged")  # fmt: skip
    return held.abstain


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
    rows = read_parquet(args.rows, "--rows",
                        columns=["code", "language", "label", "repo", "group", "split"])  # fmt: skip
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
        rewrite_manifest(out, raw)
        worst = float(np.max(np.abs(_scores(out, other) - _scores(base, other)), initial=0.0))
        if worst > 0.0:
            raise SystemExit(f"{out} scores the other languages differently from --base "
                             f"(largest difference {worst})")  # fmt: skip
        val = rows[rows["language"].isin([k for k, v in reasons.items() if v is None])
                   & (rows["split"] == "val")]  # fmt: skip
        reasons = {**reasons, **(_reasons(_scores(out, val), val) if len(val) else {})}
        if unmeasured := [k for k, v in reasons.items() if v is None]:
            raise SystemExit(f"--rows' validation split holds no {', '.join(unmeasured)} "
                             "functions to measure the stack's reason not to judge it on")  # fmt: skip
        for lang in reasons:
            g = mine[mine["language"] == lang]
            p = _scores(out, g)
            if not np.all(np.isfinite(p)):
                raise SystemExit(f"{out} gives some {lang} functions no score")
            record[lang] = {"reason": reasons[lang], "within": within(p, g)}
            if lang in (raw.get("abstain") or {}):  # the base scored it: why not, how it ranked
                record[lang].update(base_reason=raw["abstain"][lang],
                                    base_within=within(_scores(base, g), g))  # fmt: skip
        raw["abstain"] = {**raw.get("abstain", {}), **reasons}
        raw["grafted"][args.stack]["scored"] = {
            "languages": {**((raw["grafted"][args.stack].get("scored") or {}).get("languages")
                             or {}), **record},
            "other_languages_checked": len(other), "largest_difference": worst,
            "seconds": round(time.perf_counter() - started, 1)}  # fmt: skip
        rewrite_manifest(out, raw)
    for lang, r in record.items():
        print(f"{lang}: scored by the stack {args.stack!r}, not judged ({r['reason']}); "
              f"{_said(r['within'])}" + (f"; the base: {_said(r['base_within'])}"
                                         if "base_within" in r else ""))  # fmt: skip
    print(f"codeorigin-train stack-scored: wrote {out} in {time.perf_counter() - started:.0f} s")
    return 0


def _said(within: dict[str, Any]) -> str:
    return "; ".join(f"{k}: {v['agents']} agents' and {v['people']} people's functions, "
                     f"pair AUROC within {v['repositories']} repositories "
                     + (f"{v['pair_auroc']:.3f}" if v["pair_auroc"] is not None else "-")
                     for k, v in within.items())  # fmt: skip


if __name__ == "__main__":
    from codeorigin_train.data.inputs import module_entry

    raise SystemExit(module_entry("codeorigin_train.export.stack_scored", main))
