"""`codeorigin-train case-floor`: a threshold of its own for JavaScript's and TypeScript's test cases.

The span finder makes a span of each mocha, Jest or Vitest test case (`it("...", () => {...})`,
`test(...)`: kind `case`). The model learned from functions, and a language's threshold is
bounded on people's functions; people's test cases reach it more often (TypeScript's 86.6%
flagged 3.7% of the validation repositories' people's cases, screened on 2026-11-30). The runtime
judges a language's test cases only where the model has a threshold for them
(`thresholds.cases`).

This command copies `--base` to `--out` and, for each language with test cases that the folder
judges, scores the test cases of people's code of the train and validation repositories (every
case of the dated snapshots and of the files of the dated human commits: all of them written
before the cut-off), bounds them as a language's threshold is bounded (`--max-fpr` with 95%
confidence, on the cases and on the repositories as the sample; at least `min_humans` cases of
`min_groups` repositories, else no threshold is written and the language's test cases stay not
judged) and writes the bound, or the language's threshold where that is higher, as the
language's test-case threshold. The test repositories' cases measure it: the agents' (cases of
which their change added at least 90% of the lines, as the corpus' functions) caught, and the
people's flagged. Each language's record is the manifest's `case_floor`. Nothing is trained; the
model files are copied unchanged. About 3 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from codeorigin.core.grammar_rules import TEST_CASE_LANGUAGES
from codeorigin.engine.scoring import Engine
from codeorigin.model.scorer import Model
from codeorigin_train.data.agentic.build import HUMAN_AGENT, function_row, read_sources
from codeorigin_train.data.agentic.changes import Change, Snapshot
from codeorigin_train.data.agentic.functions import change_functions, spans_of
from codeorigin_train.data.records import Counts
from codeorigin_train.export.graft_floors import (
    CONTEXT_SPLITS,
    UNCERTAIN_FPR,
    _bound,
    base_and_out,
    copied,
    rewrite_manifest,
)
from codeorigin_train.export.module_floor import floor_parser, repository_splits
from codeorigin_train.fit.calibrate import auroc, threshold_at_fpr
from codeorigin_train.fit.stacker import min_groups, min_humans

log = logging.getLogger(__name__)

CASES = frozenset({"case"})


def parser() -> argparse.ArgumentParser:
    p = floor_parser(
        "codeorigin-train case-floor",
        "A threshold of its own for JavaScript's and TypeScript's test cases, bounded on "
        "people's test cases of the train and validation repositories.",
        ("training/work/pool-v5.parquet", "(repo, split; with a `source` column, its `aidev` "
         "rows): the protocol's pool"),
        "test cases",
        read="changes and snapshots",
    )
    p.add_argument("--commits-out", type=Path, default=None,
                   help="also write the test cases each change wrote (at least 90%% of their "
                   "lines: agents' changes and people's dated commits), rows as the pool's, for "
                   "`commit-verdict --cases`")  # fmt: skip
    return p


def test_cases(changes: list[Change], snapshots: list[Snapshot],
               splits: dict[str, str]) -> pd.DataFrame:  # fmt: skip
    """The judged test cases of the repositories `splits` names, once per repository and text
    (a text people wrote is never an agent's): code, language, repo, split, label (1: an agent
    wrote it), agent. People's: every case of the snapshots and of the dated human commits'
    files; agents': the cases of which their change added at least 90% of the lines."""
    counts = Counts()
    rows: list[dict[str, Any]] = []

    def add(repo: str, agent: str, found: Any) -> None:
        for fn in found:
            if fn.language in TEST_CASE_LANGUAGES:
                rows.append({"code": fn.code, "language": fn.language, "repo": repo,
                             "split": splits[repo], "label": int(agent != HUMAN_AGENT),
                             "agent": agent})  # fmt: skip

    for snap in snapshots:
        if snap.repo in splits:
            for f in snap.files:
                add(snap.repo, HUMAN_AGENT, spans_of(f, None, 0.0, counts, kinds=CASES))
    for change in changes:
        if change.repo not in splits:
            continue
        if change.agent == HUMAN_AGENT:
            for f in change.files:
                add(change.repo, HUMAN_AGENT, spans_of(f, None, 0.0, counts, kinds=CASES))
        else:
            add(change.repo, change.agent, change_functions(change, counts, kinds=CASES))
    df = pd.DataFrame(rows, columns=["code", "language", "repo", "split", "label", "agent"])
    df = df.sort_values("label", kind="stable").drop_duplicates(["repo", "code"])
    people = set(df.loc[df["label"] == 0, "code"])
    return df[(df["label"] == 0) | ~df["code"].isin(people)].reset_index(drop=True)


def commit_cases(changes: list[Change], splits: dict[str, str]) -> pd.DataFrame:
    """The judged test cases each change of the repositories `splits` names wrote (at least 90%
    of their lines, not moved: the corpus' rule), agents' changes and people's dated commits
    alike, as the pool's rows (`function_row`, with `split`, `judged` and `kind` "case"): what a
    commit's functions are pooled with (`commit-verdict --cases`)."""
    counts = Counts()
    rows = []
    for change in changes:
        if change.repo not in splits:
            continue
        for fn in change_functions(change, counts, kinds=CASES):
            if fn.language in TEST_CASE_LANGUAGES:
                row = function_row(fn, change.repo, change.agent, change.kind, change.ident,
                                   change.date)  # fmt: skip
                rows.append({**row, "split": splits[change.repo], "judged": True, "kind": "case"})
    return pd.DataFrame(rows).drop_duplicates(["repo", "code"]) if rows else pd.DataFrame()


def _measured(p: np.ndarray, cases: pd.DataFrame, threshold: float) -> dict[str, Any]:
    """What `threshold` does on the test repositories' cases (`p` their probabilities)."""
    test = (cases["split"] == "test").to_numpy()
    agents, people = (
        test & (cases["label"] == 1).to_numpy(),
        test & (cases["label"] == 0).to_numpy(),
    )
    out: dict[str, Any] = {
        "agents": int(agents.sum()), "agents_caught": int((p[agents] >= threshold).sum()),
        "agents_repositories": int(cases.loc[agents, "repo"].nunique()),
        "people": int(people.sum()), "people_flagged": int((p[people] >= threshold).sum()),
        "people_repositories": int(cases.loc[people, "repo"].nunique()),
    }  # fmt: skip
    if agents.any() and people.any():
        both = (
            test
            & cases["repo"]
            .isin(set(cases.loc[agents, "repo"]) & set(cases.loc[people, "repo"]))
            .to_numpy()
        )
        if both.any() and len(set(cases.loc[both, "label"])) == 2:
            out["auroc_repositories_with_both"] = auroc(
                cases.loc[both, "label"].to_numpy(), p[both]
            )
            out["repositories_with_both"] = int(cases.loc[both, "repo"].nunique())
    return out


def floors(out: Path, cases: pd.DataFrame, max_fpr: float | None) -> dict[str, Any]:
    """Each language's test-case threshold, written into `out`'s manifest where people's cases
    bound it; returns the records, by language."""
    engine = Engine(Model.load(out))
    raw = json.loads((out / "manifest.json").read_text())
    own = raw["thresholds"].get("languages", {})
    records: dict[str, Any] = {}
    written: dict[str, Any] = {}
    for lang in sorted(set(cases["language"])):
        if engine.abstains(lang) is not None:
            records[lang] = {"judged": False, "why": str(engine.abstains(lang)).split(":")[0]}
            continue
        t = own.get(
            lang, {"llm": raw["thresholds"]["llm"], "uncertain": raw["thresholds"]["uncertain"]}
        )
        mine = cases[cases["language"] == lang].reset_index(drop=True)
        fpr = float(max_fpr if max_fpr is not None else t.get("max_fpr", 0.01))
        confidence = float(t.get("confidence", 0.95))
        p = np.array(
            [
                s.probability
                for s, _ in engine.score_texts(mine["code"].tolist(), [lang] * len(mine))
            ]
        )
        fit = (mine["split"].isin(CONTEXT_SPLITS) & (mine["label"] == 0)).to_numpy()
        repos = mine.loc[fit, "repo"].to_numpy()
        record: dict[str, Any] = {"cases": int(fit.sum()), "repositories": len(set(repos)),
                                  "splits": list(CONTEXT_SPLITS), "max_fpr": fpr,
                                  "confidence": confidence, "language_threshold": t["llm"]}  # fmt: skip
        need, groups = min_humans(fpr, confidence), min_groups(confidence)
        if record["cases"] < need or record["repositories"] < groups:
            record |= {"judged": False, "why": f"{record['cases']} people's test cases of "
                       f"{record['repositories']} repositories cannot bound a threshold: it needs "
                       f"{need} of {groups}"}  # fmt: skip
            records[lang] = record
            continue
        bound = _bound(p[fit], repos, fpr, confidence)
        llm = max(bound, float(t["llm"]))
        uncertain = min(max(float(t["uncertain"]), threshold_at_fpr(p[fit], UNCERTAIN_FPR)), llm)
        written[lang] = {"llm": llm, "uncertain": uncertain}
        record |= {"judged": True, "bound": bound, "threshold": llm,
                   "flagged_at_language_threshold": int(np.sum(p[fit] >= t["llm"])),
                   "flagged": int(np.sum(p[fit] >= llm)),
                   "test": _measured(p, mine, llm),
                   "test_at_language_threshold": _measured(p, mine, float(t["llm"]))}  # fmt: skip
        records[lang] = record
    raw["thresholds"]["cases"] = written
    raw["case_floor"] = records
    rewrite_manifest(out, raw)
    return records


def said(lang: str, r: dict[str, Any]) -> str:
    """One language's line of the command's output."""
    if not r["judged"]:
        return f"{lang}: test cases not judged: {r['why']}"
    t = r["test"]
    return (f"{lang}: test-case threshold {100 * r['threshold']:.1f}% (bound {100 * r['bound']:.1f}%, "
            f"language {100 * r['language_threshold']:.1f}%; people's cases {r['cases']} of "
            f"{r['repositories']} repositories, {r['flagged']} flagged); test repositories: "
            f"{t['agents_caught']} of {t['agents']} agents' cases caught "
            f"({t['agents_repositories']} repositories), {t['people_flagged']} of {t['people']} "
            f"people's flagged ({t['people_repositories']})")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    base, out, _ = base_and_out(args.base, args.out)
    splits = repository_splits(args.splits, "`codeorigin-train protocol --pool-only` writes it")
    t0 = time.perf_counter()
    changes, snapshots = read_sources(args.data_root, args.sources)
    cases = test_cases(changes, snapshots, splits)
    if args.commits_out is not None:
        written = commit_cases(changes, splits)
        args.commits_out.parent.mkdir(parents=True, exist_ok=True)
        written.to_parquet(args.commits_out)
        print(f"wrote {len(written)} test cases the changes wrote to {args.commits_out}")
    log.info("%d test cases read in %.0f s", len(cases), time.perf_counter() - t0)
    with copied(base, out):
        records = floors(out, cases, args.max_fpr)
    for lang, r in records.items():
        print(said(lang, r))
    print(f"wrote {out} in {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
