"""`codeorigin-train agentic`: the agentic corpus as rows.

    codeorigin-train agentic --data-root ../shared/data --out training/work/agentic.parquet

Agent rows are the functions of which the agents' pull requests added at least `MIN_ADDED` of the
lines without moving them; human rows every function of the dated snapshots and those the dated
human commits added. Generated code is left out (`--keep-moved --keep-generated` keep both, as in
the shipped model's corpus). Rows have the dataset's columns plus their provenance, deduplicated
as the dataset is and split per repository (60/20/20).
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path

import pandas as pd

from codeorigin.core.normalize import NORMALIZATION_VERSION
from codeorigin_train.data.agentic.changes import (
    HUMAN_AGENT,
    Change,
    Snapshot,
    read_shared,
)
from codeorigin_train.data.agentic.functions import (
    MIN_ADDED,
    change_functions,
    snapshot_functions,
)
from codeorigin_train.data.build import COLUMNS
from codeorigin_train.data.clean import deduplicate, has_comments
from codeorigin_train.data.inputs import InputError, output_path
from codeorigin_train.data.records import HUMAN, LLM, Counts
from codeorigin_train.data.splits import split_of

log = logging.getLogger(__name__)

SOURCE = "aidev"
FOLDER = "SAILResearch+AI_Teammates_in_SE3"
SPLIT_FRACTIONS = (0.6, 0.2, 0.2)
PROVENANCE = [
    "repo", "agent", "origin", "change", "path", "name", "start_line", "end_line",
    "date", "is_test", "added", "how", "marker", "squashed",
]  # fmt: skip
SOURCES = ("aidev", "agent-changes")  # the first folder (FOLDER) and `agent_changes.FOLDER`


def function_row(fn, repo: str, agent: str, origin: str, ident: str, date: str) -> dict:
    """A `functions.Function`'s row: the dataset's columns, then its provenance."""
    return {
        "code": fn.code,
        "label": HUMAN if agent == HUMAN_AGENT else LLM,
        "language": fn.language,
        "source": SOURCE,
        "generator": agent,
        "group": f"repo:{repo}",
        "n_lines": fn.code.count("\n") + 1,
        "repo": repo,
        "agent": agent,
        "origin": origin,
        "change": ident,
        "path": fn.path,
        "name": fn.name,
        "start_line": fn.start_line,
        "end_line": fn.end_line,
        "date": date,
        "is_test": fn.is_test,
        "added": round(fn.added, 4),
    }


def corpus_rows(
    changes: list[Change],
    snapshots: list[Snapshot],
    *,
    keep_moved: bool = False,
    keep_generated: bool = False,
) -> tuple[pd.DataFrame, dict]:
    """The corpus' rows (deduplicated, split by repository) and what was kept and dropped."""
    counts = {"pr": Counts(), "commit": Counts(), "snapshot": Counts()}
    rows: list[dict] = []
    for change in changes:
        how = change.how or ("aidev-pr" if change.kind == "pr" else "dated-commit")
        for fn in change_functions(change, counts[change.kind], keep_moved, keep_generated):
            row = function_row(
                fn, change.repo, change.agent, change.kind, change.ident, change.date
            )
            rows.append({**row, "how": how, "marker": change.marker, "squashed": change.squashed})
    for snap in snapshots:
        for fn in snapshot_functions(snap, counts["snapshot"], keep_generated):
            row = function_row(fn, snap.repo, HUMAN_AGENT, "snapshot", snap.sha, snap.date)
            rows.append({**row, "how": "snapshot", "marker": "", "squashed": False})
    df = pd.DataFrame(rows)
    n_read = len(df)
    if len(df):
        df, dedup = deduplicate(df.reset_index(drop=True))
        df["has_comments"] = [has_comments(c, lang) for c, lang in zip(df["code"], df["language"])]
        df["split"] = [split_of(r, 0, SPLIT_FRACTIONS) for r in df["repo"]]
        dedup_record = dedup.__dict__
    else:
        df = pd.DataFrame(columns=[*COLUMNS, *PROVENANCE])
        dedup_record = {}
    record = {
        # the rules (the options that varied them were measured and not kept; code at 915f649)
        "min_added": MIN_ADDED,
        "tests": True,
        "per_change": 0,
        "keep_moved": keep_moved,
        "keep_generated": keep_generated,
        "rows_read": n_read,
        "dedup": dedup_record,
        "extraction": {k: v.as_dict() for k, v in counts.items()},
        "normalization_version": NORMALIZATION_VERSION,
    }
    return df[[*COLUMNS, *PROVENANCE]].reset_index(drop=True), record


def write_rows(df: pd.DataFrame, out: Path, record: dict) -> None:
    """`df` to the parquet file `out`, and `record` to `out` with the suffix `.json`."""
    out.parent.mkdir(parents=True, exist_ok=True)
    df.to_parquet(out, index=False)
    out.with_suffix(".json").write_text(json.dumps(record, indent=2, default=str) + "\n")


def shared_parser(
    prog: str, doc: str | None, sources: str | None = None, keep_moved: bool = True
) -> argparse.ArgumentParser:
    """The arguments of the builders that read the shared folder: `--data-root`, `--out` (default
    `training/work/<command>.parquet`), `--sources` (default `sources`; None: aidev alone),
    `--keep-moved` (unless not `keep_moved`) and `--keep-generated`."""
    p = argparse.ArgumentParser(prog=prog, description=(doc or "").split("\n\n")[0])
    p.add_argument("--data-root", type=Path, default=Path("../shared/data"),
                   help="the shared data folder (default: %(default)s, from the current folder)")  # fmt: skip
    p.add_argument("--out", type=Path, default=Path(f"training/work/{prog.split()[-1]}.parquet"))
    if sources is not None:
        p.add_argument("--sources", default=sources, help="the folders of the data root to read, "
                       f"comma-separated: {', '.join(SOURCES)} (default: %(default)s; the shipped "
                       "model's corpus was aidev alone)")  # fmt: skip
    if keep_moved:
        p.add_argument("--keep-moved", action="store_true", help="keep the code a change moved "
                       "(its long lines also removed by the same change), as in the shipped model")  # fmt: skip
    p.add_argument("--keep-generated", action="store_true", help="keep generated code (what the "
                   "server never scores), as in the shipped model")  # fmt: skip
    return p


def read_sources(data_root: Path, sources: str) -> tuple[list[Change], list[Snapshot]]:
    """The changes and snapshots of the folders `sources` names (`SOURCES`, comma-separated)."""
    from codeorigin_train.data.agentic.agent_changes import FOLDER as SECOND
    from codeorigin_train.data.agentic.agent_changes import read_agent_changes

    names = [s.strip() for s in sources.split(",") if s.strip()]
    unknown = [s for s in names if s not in SOURCES]
    if unknown or not names:
        raise InputError(f"--sources {sources!r}: name one or more of {', '.join(SOURCES)}")
    if not data_root.is_dir():
        raise InputError(f"data root {data_root} not found: give --data-root, the shared data "
                         "folder (../shared/data beside the checkout)")  # fmt: skip
    changes: list[Change] = []
    snapshots: list[Snapshot] = []
    for name, folder, read in (
        ("aidev", FOLDER, read_shared),
        ("agent-changes", SECOND, read_agent_changes),
    ):
        if name not in names:
            continue
        if not (data_root / folder).is_dir():
            raise InputError(f"data root {data_root} holds no {folder}/ (not found): give "
                             "--data-root the shared data folder (../shared/data beside the "
                             "checkout)")  # fmt: skip
        more, more_snapshots = read(data_root / folder)
        changes, snapshots = changes + more, snapshots + more_snapshots
    return changes, snapshots


def summary(df: pd.DataFrame) -> dict:
    """Counts by agent, language and split, and repositories per agent: the README's table."""
    return {
        "rows": len(df),
        "by_agent": df.groupby("agent").size().to_dict(),
        "repos_by_agent": df.groupby("agent")["repo"].nunique().to_dict(),
        "by_origin": df.groupby("origin").size().to_dict(),
        "by_how": df.groupby("how").size().to_dict(),
        "squashed": int(df["squashed"].sum()) if "squashed" in df else 0,
        "by_agent_language": tally(df, ["agent", "language"]),
        "by_language_label": by_label(df, "language"),
        "by_split_label": by_label(df, "split"),
        "tests": int(df["is_test"].sum()),
    }


def tally(df: pd.DataFrame, columns: list[str]) -> dict[str, int]:
    """Rows per combination of `columns`, keyed "a/b"."""
    if df.empty:
        return {}
    return {"/".join(map(str, k)): int(n) for k, n in df.groupby(columns).size().items()}


def by_label(df: pd.DataFrame, column: str) -> dict[str, int]:
    """Rows per value of `column` and label, keyed "value/llm" or "value/human"."""
    return {f"{value}/{'llm' if label else 'human'}": int(n)
            for (value, label), n in df.groupby([column, "label"]).size().items()}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    p = shared_parser("codeorigin-train agentic", __doc__, ",".join(SOURCES))
    args = p.parse_args(argv)
    start = time.perf_counter()
    output_path(args.out)  # before the build, not after it
    changes, snapshots = read_sources(args.data_root, args.sources)
    df, record = corpus_rows(
        changes, snapshots, keep_moved=args.keep_moved, keep_generated=args.keep_generated
    )
    record["seconds"] = round(time.perf_counter() - start, 1)
    record["summary"] = summary(df)
    write_rows(df, args.out, record)
    print(json.dumps(record["summary"], indent=2))
    print(f"{len(df)} rows in {record['seconds']} s -> {args.out}")
    return 0


if __name__ == "__main__":
    from codeorigin_train.data.inputs import module_entry

    raise SystemExit(module_entry("codeorigin_train.data.agentic.build", main))
