"""The era control: is a model learning the date instead of the author? The dated human code is
older than the agents' (before 2021-07 against 2024-2025), so held-out humans' FPR and mean
probability by year (`BUCKETS`: a model that learned era flags the newest people most) and by
syntax (the language's newest, `_MODERN`, against the rest).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

BUCKETS = ((0, 2014, "<=2014"), (2015, 2017, "2015-2017"), (2018, 2019, "2018-2019"),
           (2020, 2021, "2020-2021"))  # fmt: skip

_MODERN = {
    "python": re.compile(r"\)\s*->\s*\S|\b\w+\s*:\s*(?:[A-Z]\w*|int|str|bool|float|dict|list)\b[^\n]*[,)]"
                         r"|\bf\"|\bf'|:="),
    "javascript": re.compile(r"=>|\?\.|\?\?|\basync\b|\bawait\b|\bconst\b|\blet\b|`"),
    "typescript": re.compile(r"\?\.|\?\?|\basync\b|\bawait\b|\breadonly\b|\bas const\b|satisfies\b"),
}  # fmt: skip
_MODERN["typescriptreact"] = _MODERN["typescript"]


def year_of(date: object) -> int | None:
    """The year of an ISO date string (or None)."""
    if not isinstance(date, str) or len(date) < 4 or not date[:4].isdigit():
        return None
    return int(date[:4])


def bucket_of(year: int | None) -> str | None:
    return next((name for lo, hi, name in BUCKETS if year is not None and lo <= year <= hi), None)


def is_modern(code: str, language: str) -> bool | None:
    """Whether the code uses its language's newest syntax (None for languages not checked)."""
    pattern = _MODERN.get(language)
    return None if pattern is None else bool(pattern.search(code))


def _cell(g: pd.DataFrame) -> dict[str, Any]:
    p = g["p"].to_numpy(dtype=np.float64)
    ok = ~np.isnan(p)
    flagged = p[ok] >= g["thr"].to_numpy()[ok]
    return {
        "n": int(ok.sum()),
        "fpr": float(flagged.mean()) if ok.any() else None,
        "mean_p": float(p[ok].mean()) if ok.any() else None,
    }


def era_report(humans: pd.DataFrame) -> dict[str, Any]:
    """Held-out human rows with `p`, `thr`, `date`, `language`, `code`: the two checks."""
    dated = humans.assign(bucket=[bucket_of(year_of(d)) for d in humans["date"]])
    dated = dated[dated["bucket"].notna()]
    by_year = {b: _cell(dated[dated["bucket"] == b]) for _, _, b in BUCKETS}
    by_origin_year = {
        f"{origin}/{b}": _cell(g)
        for (origin, b), g in dated.groupby(["origin", "bucket"], sort=True)
        if len(g) >= 20
    }
    modern = humans.assign(
        modern=[is_modern(c, str(lang)) for c, lang in zip(humans["code"], humans["language"])]
    )
    modern = modern[modern["modern"].notna()]
    by_syntax = {
        f"{lang}/{'modern' if flag else 'older'}": _cell(g)
        for (lang, flag), g in modern.groupby(["language", "modern"], sort=True)
    }
    return {"by_year": by_year, "by_origin_year": by_origin_year, "by_syntax": by_syntax}
