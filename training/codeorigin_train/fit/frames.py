"""The rows a variant trains and is judged on: the dataset, the stratified subset (capped per
(source, label, split) cell; lifting only the train cap, `--full-train`, keeps the same validation
and test rows), and real-project human functions split by project.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from codeorigin_train.fit.workdir import WORK

#: Real-project functions are split by project: more projects held out than the 0.8/0.1/0.1 default.
REALCODE_FRACTIONS = (0.6, 0.2, 0.2)
FULL_TRAIN_CAP = 10**9


@dataclass(frozen=True)
class SubsetConfig:
    """Caps per (source, label, split) cell of the stratified subset."""

    train_cap: int = 700
    eval_cap: int = 200
    seed: int = 13


def load_dataset(path: Path = WORK / "dataset.parquet") -> pd.DataFrame:
    """`dataset.parquet` with a fresh positional index (`read_parquet`'s checks)."""
    from codeorigin_train.data.inputs import read_parquet

    hint = "--dataset; `codeorigin-train dataset` writes WORK/dataset.parquet"
    return read_parquet(path, "dataset", hint=hint).reset_index(drop=True)


def subset(df: pd.DataFrame, cfg: SubsetConfig) -> pd.DataFrame:
    """A stratified sample: at most `train_cap` rows per (source, label) of train, `eval_cap` of
    val/test, the original row number in `row_id`; deterministic for a given frame and seed."""
    parts = []
    for (_, _, split), g in df.groupby(["source", "label", "split"], sort=True):
        cap = cfg.train_cap if split == "train" else cfg.eval_cap
        parts.append(g.sample(n=min(cap, len(g)), random_state=cfg.seed) if len(g) > cap else g)
    out = pd.concat(parts).sort_index()
    return out.rename_axis("row_id").reset_index()


def subset_config_for(run: str, work: Path | None = None) -> SubsetConfig:
    """The subset a run was trained on, as its `train.json` records it (else every train row for
    runs named `*-full*`, the bake-off subset otherwise): `export` and `ship` pair its rows with
    its saved logits."""
    recorded = (work or WORK) / "runs" / run / "train.json"
    if recorded.is_file():
        subset_fields = json.loads(recorded.read_text()).get("subset")
        if isinstance(subset_fields, dict):
            known = SubsetConfig.__dataclass_fields__
            return SubsetConfig(**{k: v for k, v in subset_fields.items() if k in known})
    return SubsetConfig(train_cap=FULL_TRAIN_CAP) if "-full" in run else SubsetConfig()


@dataclass(frozen=True)
class RealCodeMix:
    """Real-project human functions beside the dataset's rows (`augment_with_realcode`):
    `realcode_train` of training projects join the train rows (0: they cost leave-one-source-out
    AUROC on contest code), `realcode_val` of validation projects the validation rows, so the
    1%-FPR threshold also holds on library-style human code."""

    realcode_train: int = 0
    realcode_val: int = 600


def realcode_rows(work: Path, languages: set[str], *, seed: int = 0) -> pd.DataFrame | None:
    """Real-project human functions (`realcode.parquet`) with a `split` by project, or None; only
    of `languages` (a language seen only as human would teach the language, not the author)."""
    from codeorigin_train.data.splits import split_of

    path = work / "realcode.parquet"
    if not path.exists():
        return None
    real = pd.read_parquet(path)
    real = real[real["language"].isin(sorted(languages)) & (real["label"] == 0)].copy()
    real["split"] = real["group"].map(lambda g: split_of(str(g), seed, REALCODE_FRACTIONS))
    return real.reset_index(drop=True)


def take_by_project(df: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    """At most `n` rows, spread evenly over projects."""
    if n <= 0 or df.empty:
        return df.iloc[:0]
    per = max(1, n // max(1, df["project"].nunique()))
    # Shuffle, then the first rows of each project (groupby.apply drops the key column in pandas 3).
    out = df.sample(frac=1.0, random_state=seed).groupby("project").head(per)
    return out.sample(n=min(n, len(out)), random_state=seed)


def augment_with_realcode(
    sub: pd.DataFrame, work: Path, *, train: int, val: int, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The frame with `train` real-code rows of training projects and `val` of validation projects
    appended (source `realcode`), and the held-out real-code test rows (None without the file)."""
    real = realcode_rows(work, set(sub["language"]), seed=0)
    if real is None:
        return without_human_side(sub), None
    test = real[real["split"] == "test"].reset_index(drop=True)
    if train <= 0 and val <= 0:
        return without_human_side(sub), test
    add = pd.concat(
        [
            take_by_project(real[real["split"] == "train"], train, seed),
            take_by_project(real[real["split"] == "val"], val, seed),
        ]
    )
    add = add.assign(source="realcode", generator="human")[
        ["code", "label", "language", "source", "generator", "group", "split"]
    ]
    return without_human_side(pd.concat([sub, add], ignore_index=True)), test


def without_human_side(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame without the languages that have no human training row (a run must not learn
    the language as the label)."""
    train = frame[frame["split"] == "train"]
    humans = set(train.loc[train["label"] == 0, "language"])
    keep = frame["language"].isin(humans)
    return frame if keep.all() else frame[keep].reset_index(drop=True)


def populations(frame: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
    """Human populations for calibration: the real-project code apart from the rest."""
    source = frame["source"].to_numpy()[rows].astype(str)
    return np.where(source == "realcode", "realcode", "datasets")


def split_rows(frame: pd.DataFrame, name: str) -> np.ndarray:
    """Positions of the rows of split `name`."""
    return np.flatnonzero(frame["split"].to_numpy() == name)
