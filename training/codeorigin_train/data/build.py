"""Build the training dataset: read every source, clean, deduplicate, cap, split, save.

`build_dataset` returns a frame of `COLUMNS`; how it was built (caps, counts read and dropped at
each step, seconds) is in `df.attrs["build"]` and a JSON file next to the parquet file. `summary`
gives the counts per source, label and language that the model card quotes.

    python -m codeorigin_train.data.build --data-root ../shared/data --out training/work/dataset.parquet
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from codeorigin.core.normalize import NORMALIZATION_VERSION
from codeorigin_train.data.clean import clean_code, deduplicate, has_comments
from codeorigin_train.data.inputs import InputError, output_path, read_parquet
from codeorigin_train.data.records import HUMAN, LLM
from codeorigin_train.data.sources import SOURCES
from codeorigin_train.data.splits import assign_splits, capped, unit

log = logging.getLogger(__name__)

COLUMNS = [
    "code",
    "label",
    "language",
    "source",
    "generator",
    "group",
    "split",
    "n_lines",
    "has_comments",
]
#: From the current folder (the checkout's root, as every command of training/README.md runs).
DEFAULT_OUT = Path("training/work/dataset.parquet")


def _cap_llm_per_group(df: pd.DataFrame, source: str, k: int, seed: int) -> pd.DataFrame:
    """Keep at most `k` LLM samples per (group, language) of `source`, drawn by their text."""
    sub = df[(df["source"] == source) & (df["label"] == LLM)]
    kept = capped(sub, ["group", "language"], k, seed)
    return df.drop(index=sub.index.difference(kept.index))


def _cap_samples(df: pd.DataFrame, source: str, max_samples: int, seed: int) -> pd.DataFrame:
    """Keep whole groups of `source`, complete groups first and each kind in seeded random order,
    while each label stays within its share of `max_samples` (equal shares among its labels)."""
    mask = df["source"] == source
    sub = df[mask]
    labels = sorted(sub["label"].unique())
    if len(sub) <= max_samples or not labels:
        return df
    quota = max_samples // len(labels)
    counts = dict.fromkeys(labels, 0)
    keep: list[str] = []
    per_group = sub.groupby("group")["label"].value_counts().unstack(fill_value=0)
    # Groups that hold every label (a human solution and its LLM counterpart) go first, so that
    # groups that lost one side to deduplication do not fill a label's share.
    complete = (per_group[labels] > 0).all(axis=1)
    for g in sorted(per_group.index, key=lambda g: (not complete[g], unit(str(g), seed))):
        row = per_group.loc[g]
        if all(counts[lab] + int(row.get(lab, 0)) <= quota for lab in labels):
            for lab in labels:
                counts[lab] += int(row.get(lab, 0))
            keep.append(g)
    return df[~mask | df["group"].isin(set(keep))]


def _read_sources(
    data_root: Path, names: list[str]
) -> tuple[list[dict[str, object]], dict[str, int], dict[str, int]]:
    """Read and clean every named source: the rows, and per source the counts read and unusable."""
    rows: list[dict[str, object]] = []
    read_counts: dict[str, int] = {}
    unusable: dict[str, int] = {}
    for name in names:
        src = SOURCES[name]
        folder = data_root / src.folder
        if not folder.is_dir():
            log.warning("source %s: folder %s not found, skipped", name, folder)
            continue
        n_read = n_bad = 0
        for rec in src.read(folder):
            n_read += 1
            text = clean_code(rec.code, rec.language)
            if text is None:
                n_bad += 1
                continue
            rows.append({**asdict(rec), "code": text})
        read_counts[name], unusable[name] = n_read, n_bad
        log.info("source %s: %d read, %d empty or not code", name, n_read, n_bad)
    if not read_counts:
        raise InputError(f"no source found under the data root {data_root} (none of the "
                         f"{len(names)} source folders, such as {SOURCES[names[0]].folder}, "
                         "is there): give --data-root, the shared data folder")  # fmt: skip
    if not rows:
        raise InputError(f"the sources under {data_root} hold no usable code")
    return rows, read_counts, unusable


def _drop_single_label_languages(
    df: pd.DataFrame, human_languages: Iterable[str] = ()
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Drop the languages that have only one label (when the dataset has two); the counts dropped.
    An LLM-only language of `human_languages` stays: `realcode.parquet` gives its human side."""
    n_labels = df.groupby("language")["label"].nunique()
    humans = set(df.loc[df["label"] == 0, "language"])
    paired = (set(df.loc[df["label"] == 1, "language"]) - humans) & set(human_languages)
    single = sorted(set(n_labels.index[n_labels < 2]) - paired)
    if not single or df["label"].nunique() < 2:
        return df, {}
    dropped = df[df["language"].isin(single)]
    return df.drop(index=dropped.index), dropped["language"].value_counts().to_dict()


def human_languages_of(realcode: Path) -> list[str]:
    """The languages of the human functions in a `realcode.parquet`."""
    real = read_parquet(realcode, "real-project code", columns=["language", "label"],
                        hint="`codeorigin-train realcode build` writes it")  # fmt: skip
    return sorted(set(real.loc[real["label"] == 0, "language"].astype(str)))


def _finish_columns(df: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Assign the splits and add `n_lines` and `has_comments`; the frame with `COLUMNS` only."""
    df = assign_splits(df.reset_index(drop=True), seed=seed)
    df["n_lines"] = df["code"].str.count("\n").astype("int64") + 1
    df["has_comments"] = [
        has_comments(c, lang) for c, lang in zip(df["code"], df["language"], strict=True)
    ]
    return df[COLUMNS]


def build_dataset(
    data_root: Path,
    *,
    sources: Iterable[str] | None = None,
    seed: int = 0,
    drop_single_label_languages: bool = True,
    human_languages: Iterable[str] = (),
) -> pd.DataFrame:
    """The dataset (`COLUMNS`, the build record in `attrs["build"]`) from the native files under
    `data_root`, of `sources` (default: all; a missing folder is skipped with a warning). `seed`
    fixes sampling and splits. With `drop_single_label_languages`, a language with one label is
    dropped (it would give the label away) unless it has LLM samples only and is one of
    `human_languages` (`human_languages_of`: training adds them)."""
    started = time.perf_counter()
    data_root = Path(data_root)
    if not data_root.is_dir():
        raise InputError(f"data root {data_root} not found: give --data-root, the shared data folder "
                         "(../shared/data beside the checkout)")  # fmt: skip
    human_languages = tuple(human_languages)
    names = list(SOURCES) if sources is None else list(sources)
    unknown = [n for n in names if n not in SOURCES]
    if unknown:
        raise ValueError(f"unknown sources {unknown}; known: {list(SOURCES)}")
    if not names:
        raise InputError("no source named: give --sources NAME ..., or leave it out for all")
    caps = {name: SOURCES[name].caps for name in names}

    rows, read_counts, unusable = _read_sources(data_root, names)
    df = pd.DataFrame(rows, columns=COLUMNS[:6])
    df["label"] = df["label"].astype("int64")
    df, dedup = deduplicate(df)
    after_dedup = df["source"].value_counts().to_dict()

    dropped_languages: dict[str, int] = {}
    if drop_single_label_languages:
        df, dropped_languages = _drop_single_label_languages(df, human_languages)
    for name, cap in caps.items():  # LLM samples per group first, then samples per source
        if cap.llm_per_group is not None:
            df = _cap_llm_per_group(df, name, cap.llm_per_group, seed)
        if cap.max_samples is not None:
            df = _cap_samples(df, name, cap.max_samples, seed)
    df = _finish_columns(df, seed)
    df.attrs["build"] = {
        "seed": seed,
        "normalization_version": NORMALIZATION_VERSION,
        "caps": {name: asdict(cap) for name, cap in caps.items()},
        "read": read_counts,
        "unusable": unusable,
        "dedup": asdict(dedup),
        "after_dedup": {k: int(v) for k, v in after_dedup.items()},
        "dedup_removed_by_source": {
            k: read_counts[k] - unusable[k] - int(after_dedup.get(k, 0)) for k in read_counts
        },
        "dropped_single_label_languages": {k: int(v) for k, v in dropped_languages.items()},
        "human_side_from_realcode": sorted(human_languages),
        "samples": len(df),
        "seconds": round(time.perf_counter() - started, 1),
    }
    log.info("dataset: %d samples in %.1fs", len(df), df.attrs["build"]["seconds"])
    return df


def save_dataset(df: pd.DataFrame, path: Path = DEFAULT_OUT) -> Path:
    """Write `df` to parquet at `path` and its build record to `<path stem>.build.json`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_parquet(path, index=False)
    build = df.attrs.get("build")
    if build is not None:
        path.with_suffix(".build.json").write_text(json.dumps(build, indent=2) + "\n")
    return path


@dataclass(frozen=True)
class DatasetSummary:
    """Counts per source x language x label, and the build record (caps, dedup) when known."""

    counts: pd.DataFrame  # index (source, language); columns human, llm, total
    by_split: pd.DataFrame  # index split; columns human, llm, total
    build: dict[str, object] = field(default_factory=dict)

    def to_markdown(self) -> str:
        """The counts, totals and caps as markdown tables."""
        lines = ["| source | language | human | llm | total |", "|---|---|---:|---:|---:|"]
        for (source, language), row in self.counts.iterrows():
            lines.append(f"| {source} | {language} | {row.human} | {row.llm} | {row.total} |")
        tot = self.counts.sum()
        lines.append(f"| **all** | | **{tot.human}** | **{tot.llm}** | **{tot.total}** |")
        lines += ["", "| split | human | llm | total |", "|---|---:|---:|---:|"]
        for split, row in self.by_split.iterrows():
            lines.append(f"| {split} | {row.human} | {row.llm} | {row.total} |")
        caps = self.build.get("caps")
        if isinstance(caps, dict):
            lines += ["", "| source | max_samples | llm_per_group |", "|---|---:|---:|"]
            for source, cap in caps.items():
                lines.append(
                    f"| {source} | {cap.get('max_samples')} | {cap.get('llm_per_group')} |"
                )
        dedup = self.build.get("dedup")
        if isinstance(dedup, dict):
            lines += ["", "dedup: " + ", ".join(f"{k} {v}" for k, v in dedup.items())]
        return "\n".join(lines)


def _label_table(df: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    table = (
        df.groupby([*by, "label"])
        .size()
        .unstack("label", fill_value=0)
        .reindex(columns=[HUMAN, LLM], fill_value=0)
        .rename(columns={HUMAN: "human", LLM: "llm"})
    )
    table.columns.name = None
    table["total"] = table["human"] + table["llm"]
    return table.astype("int64")


def summary(df: pd.DataFrame) -> DatasetSummary:
    """Counts per source x language x label (and per split), with the build record's caps."""
    build = dict(df.attrs.get("build") or {})
    if "caps" not in build:
        build["caps"] = {name: asdict(s.caps) for name, s in SOURCES.items()}
    by_split = _label_table(df if "split" in df else df.assign(split="all"), ["split"])
    return DatasetSummary(_label_table(df, ["source", "language"]), by_split, build)


#: The sources the shipped transformer member trained on (the default, every source, adds five).
TRANSFORMER_SOURCES = ("semeval", "codenet", "classeval", "mbpp-deepseek", "codet", "gcj-java",
                       "cpp-a0ms1n", "promises", "back3474", "codealpaca")  # fmt: skip


def build_and_save(data_root: Path, out: Path, **options: Any) -> pd.DataFrame:
    """Build the dataset (`build_dataset` with `options`), write it to `out` (checked before the
    build) and print its summary to stdout."""
    output_path(out)
    df = build_dataset(data_root, **options)
    out = save_dataset(df, out)
    print(summary(df).to_markdown())
    print(f"\nwritten {out} ({len(df)} samples, {df.attrs['build']['seconds']}s)")
    return df


def main(argv: list[str] | None = None) -> int:
    """Command line: build, save, print the summary."""
    parser = argparse.ArgumentParser(
        prog="python -m codeorigin_train.data.build", description=__doc__.split("\n", 1)[0]
    )
    parser.add_argument("--data-root", type=Path, required=True,
                        help="the shared data folder, one folder per source (../shared/data)")  # fmt: skip
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help="default: %(default)s, from the current folder")  # fmt: skip
    parser.add_argument("--sources", nargs="*", default=None, choices=list(SOURCES),
                        metavar="SOURCE",
                        help=f"default: all {len(SOURCES)} sources; the shipped transformer member "
                        f"trained on these {len(TRANSFORMER_SOURCES)}: "
                        f"{' '.join(TRANSFORMER_SOURCES)}")  # fmt: skip
    parser.add_argument("--realcode", type=Path, default=None,
                        help="realcode.parquet: keep LLM-only languages whose human side it holds")  # fmt: skip
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    build_and_save(
        args.data_root,
        args.out,
        sources=args.sources,
        human_languages=human_languages_of(args.realcode) if args.realcode else (),
    )
    return 0


if __name__ == "__main__":
    from codeorigin_train.data.inputs import module_entry

    raise SystemExit(module_entry("codeorigin_train.data.build", main))
