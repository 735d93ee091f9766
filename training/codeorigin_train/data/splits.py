"""Group-aware splits: no problem is on both sides of a split.

A group's split is a hash of the group id and the seed alone: the same problem read from two
sources lands in one split, and adding or removing sources never moves a group.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_right

import pandas as pd

SPLITS = ("train", "val", "test")


def unit(key: str, seed: int) -> float:
    """A number in [0, 1) fixed by the key (a group, a repository, a text) and the seed."""
    digest = hashlib.blake2b(f"{seed}\x1f{key}".encode("utf-8", "surrogatepass"), digest_size=8)
    return int.from_bytes(digest.digest(), "big") / 2**64


def capped(frame: pd.DataFrame, by: list[str], cap: int, seed: int) -> pd.DataFrame:
    """At most `cap` rows of each `by` cell of `frame`, drawn by the text (`unit` of `code`), not
    by the row order; the kept rows in their original order."""
    order = frame["code"].map(lambda c: unit(c, seed))
    ranked = frame.assign(_o=order).sort_values("_o", kind="stable")
    return ranked.groupby(by, sort=False).head(cap).drop(columns="_o").sort_index()


def split_of(
    group: str, seed: int = 0, fractions: tuple[float, float, float] = (0.8, 0.1, 0.1)
) -> str:
    """The split ("train", "val" or "test") of one group."""
    u = unit(group, seed) * sum(fractions)
    return SPLITS[bisect_right([fractions[0], fractions[0] + fractions[1]], u)]


def assign_splits(df: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """A copy of `df` with a `split` column drawn per `group` (80/10/10)."""
    groups = df["group"].astype(str)
    return df.assign(split=groups.map({g: split_of(g, seed) for g in groups.unique()}))


def leave_one_source_out(df: pd.DataFrame, source: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(train, test) for judging generalisation to an unseen source: test is every sample of
    `source`, train every other source's samples but those of a group `source` also holds; train
    keeps its `split` column, so a validation set can still be taken from it."""
    in_source = df["source"] == source
    if not in_source.any():
        raise ValueError(
            f"no samples from source {source!r}; sources: {sorted(df['source'].unique())}"
        )
    test = df[in_source]
    train = df[~in_source & ~df["group"].isin(set(test["group"]))]
    return train, test
