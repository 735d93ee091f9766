"""`codeorigin-train agentic-fragments`: the lines the changes added, as training text.

    codeorigin-train agentic-fragments --data-root ../shared/data \\
        --out training/work/agentic-fragments.parquet

The corpus' rows (`build`) are whole functions of which a change added at least 90% of the lines:
of the 19,118 function spans in the agents' post-images, 17,552 had fewer lines added, so most of
what the agents wrote (lines added inside existing functions, new methods too short to judge,
module-level code, test cases) is in no row. A fragment is a run of consecutive lines that a
change added to one file (`core.diffs`), cut into pieces of at most `--max-lines` lines and kept
when it has at least `--min-lines` lines and `--min-tokens` whitespace-separated tokens. A long
line that the same change also removed (`data.agentic.functions.moved_share`'s rule) was moved,
not written: it ends a run (`--keep-moved`: it does not, as before 2026-11-26). A file the server
never scores (`core.generated.file_reason`: protocol buffer output, a "Code generated ... DO NOT
EDIT" header) gives none (`--keep-generated`: it does, as in the shipped model). Agents' pull
requests give the LLM fragments; the dated human commits of the same repositories (the same kind
of text: lines added in a change) the human ones. Snapshots add none: their files were not
written in a change.

Fragments are training text for the linear member only (`codeorigin-train protocol --learners
stacked-frag`): they are not functions, so nothing is judged or calibrated on them. Each carries its
repository and the corpus' split of that repository, so a fold that holds a repository out holds
its fragments out too. Exact duplicates are removed (a text on both sides from both).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass

import pandas as pd

from codeorigin.core import generated, languages
from codeorigin.core.diffs import DiffError
from codeorigin.core.normalize import normalize
from codeorigin_train.data.agentic.build import (
    SOURCES,
    SPLIT_FRACTIONS,
    read_sources,
    shared_parser,
    write_rows,
)
from codeorigin_train.data.agentic.changes import HUMAN_AGENT, Change
from codeorigin_train.data.agentic.functions import MOVED_MIN_CHARS, patch_lines
from codeorigin_train.data.inputs import output_path
from codeorigin_train.data.splits import split_of

log = logging.getLogger(__name__)

SOURCE = "aidev-fragment"


@dataclass(frozen=True)
class FragmentRules:
    """Which runs of added lines become fragments, and how long ones are cut."""

    min_lines: int = 6
    max_lines: int = 60
    min_tokens: int = 15
    keep_moved: bool = False  # a moved line (`_moved`) stays in its run
    keep_generated: bool = False  # a generated file (`core.generated.file_reason`) gives fragments


def runs(lines: set[int]) -> list[tuple[int, int]]:
    """Maximal runs of consecutive line numbers, as (first, last) pairs in order."""
    out: list[tuple[int, int]] = []
    for n in sorted(lines):
        if out and n == out[-1][1] + 1:
            out[-1] = (out[-1][0], n)
        else:
            out.append((n, n))
    return out


def pieces(first: int, last: int, rules: FragmentRules) -> Iterator[tuple[int, int]]:
    """A run cut into pieces of at most `rules.max_lines` lines; pieces that are too short to
    keep are dropped (a long run's last piece can be)."""
    for start in range(first, last + 1, rules.max_lines):
        end = min(last, start + rules.max_lines - 1)
        if end - start + 1 >= rules.min_lines:
            yield start, end


def _moved(file_lines: list[str], n: int, removed: frozenset[str]) -> bool:
    """Whether added line `n` (1-based) is a long line its change also removed: moved code."""
    line = file_lines[n - 1].strip() if n <= len(file_lines) else ""
    return len(line) >= MOVED_MIN_CHARS and line in removed


def change_fragments(change: Change, rules: FragmentRules) -> Iterator[dict[str, object]]:
    """The fragments of one pull request or human commit, as rows."""
    try:
        added, removed = patch_lines(change)
    except DiffError:
        log.warning("%s %s %s: unreadable patch", change.repo, change.kind, change.ident)
        return
    for f in change.files:
        lines = added.get(f.path)
        text = f.read() if lines else None
        if text is None:
            continue
        language = languages.for_file(f.path, text)
        if language is None:
            continue
        if not rules.keep_generated and generated.file_reason(f.path, text) is not None:
            continue
        file_lines = text.split("\n")
        written = {n for n in lines or set()
                   if rules.keep_moved or not _moved(file_lines, n, removed)}  # fmt: skip
        for first, last in runs(written):
            for start, end in pieces(first, last, rules):
                code = normalize("\n".join(file_lines[start - 1 : end])).text
                if len(code.split()) < rules.min_tokens:
                    continue
                yield {
                    "code": code, "label": int(change.agent != HUMAN_AGENT), "language": language,
                    "source": SOURCE, "generator": change.agent, "group": change.repo,
                    "repo": change.repo, "agent": change.agent, "origin": change.kind,
                    "change": change.ident, "path": f.path, "start_line": start, "end_line": end,
                    "date": change.date, "is_test": f.is_test,
                }  # fmt: skip


def fragment_rows(changes: list[Change], rules: FragmentRules, seed: int = 0) -> pd.DataFrame:
    """Every change's fragments, exact duplicates removed, split by repository as the corpus is."""
    df = pd.DataFrame([row for change in changes for row in change_fragments(change, rules)])
    if df.empty:
        return df
    labels = df.groupby("code")["label"].nunique()
    df = df[~df["code"].isin(labels[labels > 1].index)].drop_duplicates("code")
    df["split"] = [split_of(r, seed, SPLIT_FRACTIONS) for r in df["repo"]]
    return df.reset_index(drop=True)


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    p = shared_parser("codeorigin-train agentic-fragments", __doc__, "agentic-fragments.parquet")
    p.add_argument("--min-lines", type=int, default=FragmentRules.min_lines)
    p.add_argument("--max-lines", type=int, default=FragmentRules.max_lines)
    p.add_argument("--min-tokens", type=int, default=FragmentRules.min_tokens)
    p.add_argument(
        "--keep-moved",
        action="store_true",
        help="keep the lines a change moved (also removed by it) in their runs, as "
        "before 2026-11-26",
    )
    p.add_argument(
        "--keep-generated",
        action="store_true",
        help="keep the lines of generated files (what the server never scores), as in the "
        "shipped model",
    )
    p.add_argument("--sources", default="aidev", help="the folders of the data root to read, "
                   f"comma-separated: {', '.join(SOURCES)} (default: aidev, as the shipped model)")  # fmt: skip
    args = p.parse_args(argv)
    output_path(args.out)  # before the build, not after it
    t0 = time.perf_counter()
    rules = FragmentRules(
        args.min_lines, args.max_lines, args.min_tokens, args.keep_moved, args.keep_generated
    )
    changes, _ = read_sources(args.data_root, args.sources)
    df = fragment_rows(changes, rules, args.seed)
    record = {
        "rules": asdict(rules),
        "rows": len(df),
        "by_agent": df.groupby("agent").size().to_dict() if len(df) else {},
        "by_split_label": {f"{s}/{'llm' if y else 'human'}": int(n)
                           for (s, y), n in df.groupby(["split", "label"]).size().items()},
        "seconds": round(time.perf_counter() - t0, 1),
    }  # fmt: skip
    write_rows(df, args.out, record)
    print(json.dumps(record, indent=2))
    return 0


if __name__ == "__main__":
    from codeorigin_train.data.inputs import module_entry

    raise SystemExit(module_entry("codeorigin_train.data.agentic.fragments", main))
