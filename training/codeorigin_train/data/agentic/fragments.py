"""`codeorigin-train agentic-fragments`: the lines the changes added, as training text.

    codeorigin-train agentic-fragments --data-root ../shared/data \\
        --out training/work/agentic-fragments.parquet

A fragment is a run of consecutive lines a change added to one file, cut into pieces of at most
60 lines and kept with at least 6 lines and 15 tokens (`FragmentRules`). A long line the same
change also removed was moved, not written, and ends a run; a file the server never scores gives
none (`--keep-moved --keep-generated`: as in the shipped model). Agents' pull requests give the
LLM fragments, the dated human commits of the same repositories the human ones.

`kind` is **edited** (in a function less than 90% of whose lines the change added), **new** (90%
or more) or **outside** every function; `function`, `function_lines`, `share` and
`fragment_share` describe the innermost span holding most of the fragment. Fragments are training
text for the linear member only (`protocol --learners stacked-frag`); exact duplicates are removed
(a text with both labels entirely).
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
from codeorigin.core.spans import FUNCTION_KINDS, extract_spans, line_starts
from codeorigin.engine.lines import span_lines
from codeorigin_train.data.agentic.build import (
    SPLIT_FRACTIONS,
    by_label,
    read_sources,
    shared_parser,
    tally,
    write_rows,
)
from codeorigin_train.data.agentic.changes import HUMAN_AGENT, Change
from codeorigin_train.data.agentic.functions import MIN_ADDED, patch_lines
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
    keep_moved: bool = False  # a moved line stays in its run
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
    """A run cut into pieces of at most `rules.max_lines` lines, the too short dropped."""
    for start in range(first, last + 1, rules.max_lines):
        end = min(last, start + rules.max_lines - 1)
        if end - start + 1 >= rules.min_lines:
            yield start, end


def functions_of(text: str, language: str) -> list[tuple[int, int, str]]:
    """The file's function spans (classes included) as (first line, last line, name)."""
    starts = line_starts(text)
    out = []
    for span in extract_spans(text, language):
        if span.kind in FUNCTION_KINDS:
            ((first, last),) = span_lines(span, text, starts)
            out.append((first, last, span.name))
    return sorted(out, key=lambda s: (s[0], -s[1]))


def placement(
    functions: list[tuple[int, int, str]], start: int, end: int, added: set[int]
) -> dict[str, object]:
    """Where the fragment of lines `start`..`end` sits (the module docstring's `kind`)."""

    def overlap(f: tuple[int, int, str]) -> int:
        return max(0, min(end, f[1]) - max(start, f[0]) + 1)

    around = [f for f in functions if overlap(f)]
    if not around:
        return {"kind": "outside", "function": None, "function_lines": 0, "share": 0.0,
                "fragment_share": 0.0}  # fmt: skip
    # the function holding most of its lines; of nested ones, the innermost
    first, last, name = max(around, key=lambda f: (overlap(f), f[0] - f[1]))
    lines = last - first + 1
    share = sum(1 for n in range(first, last + 1) if n in added) / lines
    inside = overlap((first, last, name))
    return {"kind": "new" if share >= MIN_ADDED else "edited", "function": name,
            "function_lines": lines, "share": round(share, 4),
            "fragment_share": round(inside / lines, 4)}  # fmt: skip


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
        # a long line its change also removed (`patch_lines`) was moved, not written
        written = {n for n in lines or set() if rules.keep_moved or n > len(file_lines)
                   or file_lines[n - 1].strip() not in removed}  # fmt: skip
        functions = functions_of(text, language) if written else []
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
                    **placement(functions, start, end, lines or set()),
                }  # fmt: skip


def fragment_rows(changes: list[Change], rules: FragmentRules) -> pd.DataFrame:
    """Every change's fragments, exact duplicates removed, split by repository as the corpus is."""
    df = pd.DataFrame([row for change in changes for row in change_fragments(change, rules)])
    if df.empty:
        return df
    labels = df.groupby("code")["label"].nunique()
    df = df[~df["code"].isin(labels[labels > 1].index)].drop_duplicates("code")
    df["split"] = [split_of(r, 0, SPLIT_FRACTIONS) for r in df["repo"]]
    return df.reset_index(drop=True)


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    p = shared_parser("codeorigin-train agentic-fragments", __doc__, "aidev")
    args = p.parse_args(argv)
    output_path(args.out)  # before the build, not after it
    t0 = time.perf_counter()
    rules = FragmentRules(keep_moved=args.keep_moved, keep_generated=args.keep_generated)
    changes, _ = read_sources(args.data_root, args.sources)
    df = fragment_rows(changes, rules)
    record = {
        "rules": asdict(rules),
        "rows": len(df),
        "by_agent": df.groupby("agent").size().to_dict() if len(df) else {},
        "by_kind_agent": tally(df, ["kind", "agent"]),
        "by_kind_language_llm": tally(df[df["label"] == 1] if len(df) else df,
                                      ["kind", "language"]),
        "by_split_label": by_label(df, "split"),
        "seconds": round(time.perf_counter() - t0, 1),
    }  # fmt: skip
    write_rows(df, args.out, record)
    print(json.dumps(record, indent=2))
    return 0


if __name__ == "__main__":
    from codeorigin_train.data.inputs import module_entry

    raise SystemExit(module_entry("codeorigin_train.data.agentic.fragments", main))
