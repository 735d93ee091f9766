"""`codeorigin-train commit-verdict`: a folder's change calibration, and the threshold at which the
functions one commit wrote are flagged together.

Within their own repository the folder ranks one agent's function above its people's at about
0.8, and a threshold that holds 1% of people catches few. The functions one change wrote carry
more evidence together. This command copies `--base` to `--out` and writes its `change` key
(`codeorigin.core.change`, the rule `mean-margin-by-changed-lines`):

- each function of the pool's agents' changes and people's dated commits (`--rows`, the agentic
  source; functions the change wrote, at least 90% of their lines; languages the folder judges,
  long enough to judge) scored by the folder; its margin is logit(p) - logit(t), t its language's
  threshold; a change's z is the mean margin weighted by lines;
- a and b: Platt scaling of the validation split's changes' z, agents' changes against people's
  commits, the two labels weighed alike (the folder never trained on these repositories);
- `llm`, the change's threshold (`scan --diff`): bounded at 1% of the validation people's commits
  with 95% confidence, over the commits and over their repositories; `uncertain` at 5%;
- `commits.llm`, the threshold at which a commit's functions are flagged together (`scan`,
  `scan.commits`): bounded at 1% of the validation people's commits with at least two functions,
  with 95% confidence, over the commits and over their repositories, and at 1% of those commits'
  functions likewise: the higher of the two (the commits as the unit: with 107 of them, above the
  highest, so that three near-copies of one person's tests do not pass together).

With `--cases` (`case-floor --commits-out`), the test cases each change wrote are pooled with its
functions where the folder judges the language's test cases, each margin over their threshold
(`thresholds.cases`), as `scan` pools them; the figures count them apart (`cases`).

The test split's changes measure it, function by function and language by language, against the
functions' own verdicts, and people's commits of both splits by year (the era control); the
record goes in the manifest (`change.measured`) and the card. The
folder is then loaded as the runtime loads it and must pool the validation changes as computed
here. On 2 cores: about 2 minutes (scoring 9,300 functions).
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path
from typing import Any

import numpy as np

from codeorigin.core.change import MARGIN_RULE, PooledSpan, pooled_probability
from codeorigin.model.manifest import load_manifest
from codeorigin.model.scorer import Model
from codeorigin_train.data.inputs import read_parquet
from codeorigin_train.export.graft_floors import (
    UNCERTAIN_FPR,
    base_and_out,
    copied,
    rewrite_manifest,
)
from codeorigin_train.fit.calibrate import fit_platt, threshold_at_fpr, threshold_over_groups

MAX_FPR, CONFIDENCE = 0.01, 0.95
MIN_SPANS, MIN_SHARE = 2, 0.9
TOLERANCE = 1e-9
COLUMNS = ["code", "label", "language", "source", "split", "repo", "agent", "origin", "change",
           "judged", "date"]  # fmt: skip


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="codeorigin-train commit-verdict",
        description="A folder's change calibration and the threshold at which a commit's "
        "functions are flagged together, bounded on people's commits.",
    )  # fmt: skip
    p.add_argument("--base", type=Path, required=True, help="the model folder to start from")
    p.add_argument("--rows", type=Path, default=Path("training/work/pool-v5.parquet"),
                   help="the pool: agents' changes and people's dated commits, with their "
                   "functions (default: %(default)s)")  # fmt: skip
    p.add_argument("--cases", type=Path, default=None,
                   help="the test cases each change wrote (`case-floor --commits-out`): pooled "
                   "with the change's functions where the folder judges the language's test "
                   "cases (`thresholds.cases`), each margin over that threshold")  # fmt: skip
    p.add_argument("--out", type=Path, required=True, help="the new folder (must not exist)")
    return p


def scored_rows(base: Path, rows: Path, cases: Path | None = None) -> Any:
    """The functions of the validation and test splits' changes in the languages `base` judges
    (`kind` "function"), with the test cases they wrote where `base` judges those (`cases`, kind
    "case"), with their probability `p`, their threshold `t` (the language's, or its test
    cases'), their margin `m` over it and their lines `w`."""
    import pandas as pd

    thresholds = load_manifest(base).thresholds
    own = {k: v[0] for k, v in thresholds.languages.items()}
    if not own:
        raise SystemExit(f"--base {base} has no thresholds of its own for any language: the "
                         "commit threshold is bounded on those languages' functions")  # fmt: skip
    pool = read_parquet(rows, "--rows", columns=COLUMNS).assign(kind="function")
    if cases is not None:
        written = read_parquet(cases, "--cases", columns=COLUMNS,
                               hint="`codeorigin-train case-floor --commits-out` writes it")  # fmt: skip
        judged = written["language"].isin(list(thresholds.cases))
        pool = pd.concat([pool, written[judged].assign(kind="case")], ignore_index=True)
    kept = ((pool["source"] == "aidev") & pool["split"].isin(["val", "test"])
            & pool["origin"].isin(["pr", "commit"]) & pool["language"].isin(list(own))
            & pool["judged"].astype(bool) & pool["change"].notna() & (pool["change"] != ""))  # fmt: skip
    got = pool[kept].copy()
    if got.empty:
        raise SystemExit(f"--rows {rows}: no agents' changes nor people's commits of the "
                         "validation and test splits in the languages the folder judges")  # fmt: skip
    scores = Model.load(base).score_texts(got["code"].tolist(), got["language"].tolist())
    got["p"] = [s.probability for s in scores]
    got["t"] = [thresholds.for_kind(lang, kind)[0] for lang, kind in zip(got["language"], got["kind"])]
    got["m"] = _logit(got["p"].to_numpy()) - _logit(got["t"].to_numpy())
    got["w"] = got["code"].str.count("\n") + 1
    got["g"] = got["repo"].astype(str) + ":" + got["change"].astype(str)
    sums = got.assign(wm=got["w"] * got["m"]).groupby("g")[["wm", "w"]].transform("sum")
    got["z"] = sums["wm"] / sums["w"]
    got["n"] = got.groupby("g")["m"].transform("size")
    return got.drop(columns=["code"])


def _logit(p: np.ndarray) -> np.ndarray:
    q = np.clip(np.asarray(p, dtype=np.float64), 1e-6, 1 - 1e-6)  # as `core.change.logit`
    return np.log(q / (1 - q))


def _changes(rows: Any) -> Any:
    return rows.groupby("g").agg(z=("z", "first"), label=("label", "first"),
                                 repo=("repo", "first"), n=("n", "first")).reset_index()  # fmt: skip


def _bound(p: np.ndarray, groups: list[np.ndarray], fpr: float) -> float:
    """The threshold that holds `p` of people at `fpr` with 95% confidence, each of `groups`
    (commits, repositories) taken as the sample in turn."""
    return max(threshold_over_groups(p, g, fpr, CONFIDENCE) for g in groups)


def fit(rows: Any) -> dict[str, Any]:
    """a, b and the thresholds from the validation split's changes (`rows`' margins)."""
    val = rows[rows["split"] == "val"]
    changes = _changes(val)
    a, b = fit_platt(changes["z"].to_numpy(), changes["label"].to_numpy(), balanced=True)
    people = changes[changes["label"] == 0]
    p_change = _sigmoid(a * people["z"].to_numpy() + b)
    llm = max(_bound(p_change, [people["repo"].to_numpy()], MAX_FPR),
              threshold_at_fpr(p_change, MAX_FPR, CONFIDENCE))  # fmt: skip
    mine = val[(val["label"] == 0) & (val["n"] >= MIN_SPANS)]
    p_fn = _sigmoid(a * mine["z"].to_numpy() + b)
    whole = people[people["n"] >= MIN_SPANS]
    p_commit = _sigmoid(a * whole["z"].to_numpy() + b)
    commit_llm = max(_bound(p_fn, [mine["g"].to_numpy(), mine["repo"].to_numpy()], MAX_FPR),
                     _bound(p_commit, [whole["repo"].to_numpy()], MAX_FPR),
                     threshold_at_fpr(p_commit, MAX_FPR, CONFIDENCE))  # fmt: skip
    return {"rule": MARGIN_RULE, "a": float(a), "b": float(b), "llm": float(llm),
            "uncertain": float(min(threshold_at_fpr(p_change, UNCERTAIN_FPR), llm)),
            "commits": {"llm": float(commit_llm), "min_spans": MIN_SPANS, "min_share": MIN_SHARE},
            "fitted_on": {"changes": {"agents": int((changes["label"] == 1).sum()),
                                      "people": len(people)},
                          "people_functions_of_commits": len(mine),
                          "people_commits": int(mine["g"].nunique()),
                          "repositories": int(val["repo"].nunique()),
                          "split": "val"}}  # fmt: skip


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def measure(rows: Any, c: dict[str, Any], split: str) -> dict[str, Any]:
    """What the calibration `c` does on `split`: functions caught alone and with their commit,
    by language and by agent; people's functions and commits flagged; changes flagged; the test
    cases pooled with them (`cases`: agents' caught and people's flagged, by language)."""
    s = rows[rows["split"] == split]
    own = s["m"].to_numpy() >= 0
    p = _sigmoid(c["a"] * s["z"].to_numpy() + c["b"])
    pooled = own | ((s["n"].to_numpy() >= MIN_SPANS) & (p >= c["commits"]["llm"]))
    label = s["label"].to_numpy() == 1
    case = (s["kind"] == "case").to_numpy()
    agent = label & ~case

    def tally(keys: Any, mine: np.ndarray = agent) -> dict[str, dict[str, int]]:
        return {str(k): {"functions": int(np.sum(mine & (keys == k))),
                         "alone": int(np.sum(own & mine & (keys == k))),
                         "with_commit": int(np.sum(pooled & mine & (keys == k)))}
                for k in sorted(set(keys[mine]))}  # fmt: skip

    ch = _changes(s)
    p_ch = _sigmoid(c["a"] * ch["z"].to_numpy() + c["b"])
    y = ch["label"].to_numpy() == 1
    people = ~label & ~case
    out = {"languages": tally(s["language"].to_numpy()), "agents": tally(s["agent"].fillna("").to_numpy()),
            "people": {"functions": int(np.sum(people)), "alone": int(np.sum(own & people)),
                       "with_commit": int(np.sum(pooled & people)),
                       "commits": int(s.loc[~label, "g"].nunique()),
                       "repositories": int(s.loc[~label, "repo"].nunique())},
            "changes": {"agents": int(y.sum()), "agents_flagged": int(np.sum(y & (p_ch >= c["llm"]))),
                        "people": int((~y).sum()), "people_flagged": int(np.sum(~y & (p_ch >= c["llm"])))},
            "repositories": int(s["repo"].nunique())}  # fmt: skip
    if case.any():
        out["cases"] = {"agents": tally(s["language"].to_numpy(), label & case),
                        "people": tally(s["language"].to_numpy(), ~label & case)}  # fmt: skip
    return out


def era(rows: Any, c: dict[str, Any]) -> dict[str, Any]:
    """The era control of people's commits of both splits: by the year of the commit, their
    functions, those flagged with their commit and the mean pooled probability; its slope a year."""
    import pandas as pd

    people = rows[rows["label"] == 0]
    year = pd.to_datetime(people["date"], errors="coerce", utc=True).dt.year
    p = _sigmoid(c["a"] * people["z"].to_numpy() + c["b"])
    flagged = (people["n"].to_numpy() >= MIN_SPANS) & (p >= c["commits"]["llm"])
    known = year.notna().to_numpy()
    by_year = {str(int(y)): {"functions": int(np.sum(year == y)),
                             "flagged": int(np.sum(flagged & (year == y).to_numpy())),
                             "mean": float(np.mean(p[(year == y).to_numpy()]))}
               for y in sorted(set(year.dropna()))}  # fmt: skip
    slope = float(np.polyfit(year[known].to_numpy(), p[known], 1)[0]) if known.sum() > 1 else 0.0
    return {"by_year": by_year, "slope_per_year": slope}


def parity(out: Path, rows: Any) -> float:
    """The largest difference between the change probabilities the folder's runtime pools for the
    validation changes and this command's."""
    calibration = load_manifest(out).change
    val = rows[rows["split"] == "val"]
    worst = 0.0
    for _, g in val.groupby("g"):
        spans = [PooledSpan(float(p), int(w), None, None, float(t))
                 for p, w, t in zip(g["p"], g["w"], g["t"])]  # fmt: skip
        mine = _sigmoid(calibration.a * g["z"].iloc[0] + calibration.b)
        worst = max(worst, abs(pooled_probability(spans, calibration) - mine))
    return worst


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    args = parser().parse_args(argv)
    base, out, raw = base_and_out(args.base, args.out)
    if raw.get("change") is not None:
        raise SystemExit(f"--base {base} has a change calibration already")
    started = time.perf_counter()
    rows = scored_rows(base, args.rows, args.cases)
    change = fit(rows)
    change["measured"] = {s: measure(rows, change, s) for s in ("val", "test")}
    change["measured"]["era"] = era(rows, change)
    change["seconds"] = round(time.perf_counter() - started, 1)
    with copied(base, out):
        raw = json.loads((out / "manifest.json").read_text())
        raw["change"] = change
        rewrite_manifest(out, raw)
        worst = parity(out, rows)
        if worst > TOLERANCE:
            raise SystemExit(f"{out} does not pool the validation changes as computed here: "
                             f"largest difference {worst} (tolerance {TOLERANCE})")  # fmt: skip
    print(summary(change))
    print(f"codeorigin-train commit-verdict: wrote {out} in {time.perf_counter() - started:.0f} s")
    return 0


def summary(change: dict[str, Any]) -> str:
    """The calibration and its test figures in a few lines."""
    t = change["measured"]["test"]
    lines = [f"change: a {change['a']:.3f}, b {change['b']:.3f}, threshold "
             f"{100 * change['llm']:.1f}%; a commit's functions together: "
             f"{100 * change['commits']['llm']:.1f}%",
             "test split, agents' functions caught alone -> with their commit:"]  # fmt: skip
    for lang, r in t["languages"].items():
        lines.append(f"  {lang}: {r['alone']} -> {r['with_commit']} of {r['functions']}")
    pp, ch = t["people"], t["changes"]
    e = change["measured"]["era"]
    lines.append(f"  people's commits by year: {sum(y['flagged'] for y in e['by_year'].values())} "
                 f"functions flagged with their commit; pooled probability "
                 f"{e['slope_per_year']:+.4f} a year")  # fmt: skip
    for lang, r in (t.get("cases") or {}).get("agents", {}).items():
        lines.append(f"  {lang} test cases: {r['alone']} -> {r['with_commit']} of {r['functions']}")
    lines.append(f"  people's functions flagged: {pp['alone']} -> {pp['with_commit']} of "
                 f"{pp['functions']} ({pp['commits']} commits); changes flagged: agents "
                 f"{ch['agents_flagged']} of {ch['agents']}, people {ch['people_flagged']} of "
                 f"{ch['people']}")  # fmt: skip
    return "\n".join(lines)


if __name__ == "__main__":
    from codeorigin_train.data.inputs import module_entry

    raise SystemExit(module_entry("codeorigin_train.export.commit_verdict", main))
