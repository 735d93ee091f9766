"""The transformer's tokens as a user reads them: ranges of the user's text.

A byte-level BPE splits a character of several UTF-8 bytes (é, 日, an emoji) into one token per
byte or so, and every one of them lands on the whole character: listed one by one, an
explanation's top tokens showed "😀" four times, each with a quarter of its weight.
`same_characters` groups the tokens that land on the same characters (`shown`: their ranges
without the spaces around, so " 日" and "日" are one), listed once with their parts summed.
"""

from __future__ import annotations

import numpy as np


def same_characters(
    starts: np.ndarray, ends: np.ndarray, markers: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(the first token of each group, in token order; each token's group) for tokens grouped by
    their range `[starts, ends)` and their layout marker (`TokenEncoder.markers`: a newline or
    indentation marker never merges with the text it stands before)."""
    keys = np.stack(
        [np.asarray(starts, np.int64), np.asarray(ends, np.int64), np.asarray(markers, np.int64)],
        axis=1,
    )
    if not len(keys):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    _, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")  # np.unique sorts by key: number groups by token
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return first[order], rank[np.asarray(inverse).reshape(-1)]


def shown(
    target: str, starts: np.ndarray, ends: np.ndarray, markers: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The tokens' ranges as shown: `visible` for text tokens, a layout marker's as it is."""
    a = np.asarray(starts, dtype=np.int64).copy()
    b = np.asarray(ends, dtype=np.int64).copy()
    for t in np.flatnonzero(np.asarray(markers) < 0).tolist():
        a[t], b[t] = visible(target, int(a[t]), int(b[t]))
    return a, b


def visible(target: str, a: int, b: int) -> tuple[int, int]:
    """A text token's range without the spaces and tabs around its text. Normalisation folds a
    line's indentation into its first token, whose range then starts at the line's start (and a
    byte-level BPE word carries the space before it); shown or painted, only the text counts. A
    token of whitespace alone keeps its range."""
    piece = target[a:b]
    if not piece.strip():
        return a, b
    core = piece.strip(" \t")
    start = a + len(piece) - len(piece.lstrip(" \t"))
    return start, start + len(core)
