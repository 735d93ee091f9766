"""`codeorigin-train agentic-context`: the functions around the agents' changes, contemporary code.

    codeorigin-train agentic-context --data-root ../shared/data \\
        --out training/work/agentic-context.parquet

The corpus' human rows predate 2021-07-01 and its agent rows are from 2024-2025, so a detector can
learn the era instead of the authorship; the untouched functions of the agents' post-images are
the only code both contemporary with the agents' and not theirs.

A context row is a judged function span of a post-image with no line added by its pull request,
of whose long lines at most `MAX_AGENT_SHARE` any stored agent pull request of the repository
added; one row per function; generated code left out (`--keep-generated`: kept, as in the shipped
model's figures). `--sources` picks the shared folders (`aidev` by default, the shipped model's
figures; `aidev,agent-changes` adds the second folder's repositories). The labels are not
verified (code of 2023-2025 repositories, `dated_history` False, may be assisted): a population
to measure on, not an exact human label, except where `dated_copy` is True: the same text is in
the repository's dated snapshot, at a path the agents' changes touched, so people wrote it before
the cut-off.
"""

from __future__ import annotations

import json
import logging
import time

import pandas as pd

from codeorigin.core.diffs import DiffError, added_lines
from codeorigin_train.data.agentic.build import (
    SPLIT_FRACTIONS,
    function_row,
    read_sources,
    shared_parser,
    write_rows,
)
from codeorigin_train.data.agentic.changes import HUMAN_AGENT, Change, Snapshot
from codeorigin_train.data.agentic.functions import long_line_share, long_lines, spans_of
from codeorigin_train.data.inputs import output_path
from codeorigin_train.data.records import Counts
from codeorigin_train.data.splits import split_of

log = logging.getLogger(__name__)

SOURCE = "aidev-context"
#: A function of which more of its long lines an agent added somewhere in the repository may be
#: the agent's (an earlier pull request); below it the shared lines are idioms (`if err != nil {`).
MAX_AGENT_SHARE = 0.2


def agent_patches(
    changes: list[Change], dropped: dict[str, int]
) -> tuple[list[tuple[Change, dict[str, set[int]]]], dict[str, set[str]]]:
    """Each readable agent pull request with its added lines per path, and per repository the
    long lines (`functions.long_lines`) any of them added."""
    patches = []
    written: dict[str, set[str]] = {}
    for change in changes:
        if change.agent == HUMAN_AGENT:
            continue
        try:
            added = added_lines(change.patch())
        except DiffError:
            dropped["bad-patch"] += 1
            continue
        patches.append((change, added))
        seen = written.setdefault(change.repo, set())
        for f in change.files:
            lines = added.get(f.path)
            text = f.read() if lines else None
            if text is not None:
                file_lines = text.split("\n")
                seen.update(
                    long_lines(file_lines[n - 1] for n in lines or () if 0 < n <= len(file_lines))
                )
    return patches, written


def _same(code: str) -> str:
    """A function's text as compared with the dated snapshot's: lines without trailing blanks."""
    return "\n".join(line.rstrip() for line in code.strip().splitlines())


def dated_texts(patches: list[tuple[Change, dict]], snapshots: list[Snapshot]) -> dict[str, set]:
    """Per repository, the function texts (`_same`) of its dated snapshot's files at the paths
    its agents' changes touched: a context function among them was there before the cut-off,
    so people wrote it (`dated_copy`)."""
    paths: dict[str, set[str]] = {}
    for change, _ in patches:
        paths.setdefault(change.repo, set()).update(f.path for f in change.files)
    out: dict[str, set] = {}
    counts = Counts()
    for snap in snapshots:
        mine = out.setdefault(snap.repo, set())
        for f in snap.files:
            if f.path in paths.get(snap.repo, ()):
                mine.update(_same(fn.code) for fn in spans_of(f, None, 0.0, counts,
                                                              keep_generated=True))  # fmt: skip
    return out


def context_rows(
    changes: list[Change], snapshots: list[Snapshot], keep_generated: bool = False
) -> tuple[pd.DataFrame, dict]:
    """The untouched functions of the agents' post-images, as human rows with their provenance;
    `dated_history` says whether their repository has a dated snapshot (its people's code before
    the folder's cut-off: 2021-07-01 for AIDev's, 2022-06-21 for agent-changes')."""
    dropped = {"agent-lines": 0, "bad-patch": 0}
    patches, written = agent_patches(changes, dropped)
    dated = {s.repo for s in snapshots}
    before = dated_texts(patches, snapshots)
    counts = Counts()
    rows: list[dict] = []
    for change, added in patches:
        repo, repo_lines = change.repo, written.get(change.repo, set())
        for f in change.files:
            for fn in spans_of(f, added.get(f.path, set()), 0.0, counts,
                               keep_generated=keep_generated):  # fmt: skip
                if fn.added > 0:
                    continue
                if long_line_share(fn.code, repo_lines) > MAX_AGENT_SHARE:
                    dropped["agent-lines"] += 1
                    continue
                row = function_row(fn, repo, HUMAN_AGENT, "context", change.ident, change.date)
                context = {"next_to": change.agent, "dated_history": repo in dated,
                           "dated_copy": _same(fn.code) in before.get(repo, ())}  # fmt: skip
                rows.append({**row, "source": SOURCE, **context})
    df = pd.DataFrame(rows)
    n_read = len(df)
    if len(df):
        df = df.drop_duplicates("code").reset_index(drop=True)
        df["split"] = [split_of(r, 0, SPLIT_FRACTIONS) for r in df["repo"]]
    record = {
        "keep_generated": keep_generated,
        "rows_read": n_read,
        "rows": len(df),
        "dropped": dropped,
        "extraction": counts.as_dict(),
        "by_agent_repos": df.groupby("next_to").size().to_dict() if len(df) else {},
        "repositories": int(df["repo"].nunique()) if len(df) else 0,
        "in_repositories_with_dated_history": int(df["dated_history"].sum()) if len(df) else 0,
        "in_the_dated_snapshot": int(df["dated_copy"].sum()) if len(df) else 0,
        "by_language": df.groupby("language").size().to_dict() if len(df) else {},
        "by_split": df.groupby("split").size().to_dict() if len(df) else {},
    }
    return df, record


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    p = shared_parser("codeorigin-train agentic-context", __doc__, sources="aidev", keep_moved=False)
    args = p.parse_args(argv)
    output_path(args.out)  # before the build, not after it
    t0 = time.perf_counter()
    changes, snapshots = read_sources(args.data_root, args.sources)
    df, record = context_rows(changes, snapshots, args.keep_generated)
    record["seconds"] = round(time.perf_counter() - t0, 1)
    write_rows(df, args.out, record)
    print(json.dumps(record, indent=2))
    return 0


if __name__ == "__main__":
    from codeorigin_train.data.inputs import module_entry

    raise SystemExit(module_entry("codeorigin_train.data.agentic.context", main))
