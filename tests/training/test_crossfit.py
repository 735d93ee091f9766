"""Cross-fitting the linear member over the repository corpus (`fit.crossfit`): every agentic
train row is scored by a member that never saw its repository."""

from __future__ import annotations

import numpy as np
import pandas as pd

from codeorigin_train.fit.crossfit import calibration_rows, crossfit


def _train() -> pd.DataFrame:
    rows = []
    for r in range(9):
        for i in range(4):
            rows.append((f"agent {r} {i}", 1, "aidev", f"owner/repo{r}"))
            rows.append((f"human {r} {i}", 0, "aidev", f"owner/repo{r}"))
    for i in range(10):
        rows.append((f"contest llm {i}", 1, "semeval", ""))
        rows.append((f"contest human {i}", 0, "semeval", ""))
    return pd.DataFrame(rows, columns=["code", "label", "source", "repo"])


def test_each_repository_is_scored_by_a_member_that_never_saw_it() -> None:
    train = _train()
    seen: list[set[str]] = []

    def fit_member(rows: pd.DataFrame):
        repos = set(rows["repo"])
        seen.append(repos)
        # The score says whether the member saw the row's repository: 1.0 if it did.
        return lambda f: np.asarray([float(r in repos) for r in f["repo"]])

    rows, logits = crossfit(train, fit_member, folds=3)
    assert sorted(rows.index) == sorted(train.index[train["source"] == "aidev"])
    assert logits.shape == (len(rows),) and not logits.any()  # never its own repository
    assert 2 <= len(seen) <= 3  # one fit per non-empty fold
    assert all("" in repos for repos in seen)  # the other sources stay in every fit
    covered = set().union(*(set(train["repo"][train["source"] == "aidev"]) - s for s in seen))
    assert covered == {f"owner/repo{r}" for r in range(9)}


def test_calibration_rows_are_validation_and_cross_fitted_rows() -> None:
    train = _train()
    val = pd.DataFrame({"code": ["v1", "v2"], "label": [0, 1], "source": ["realcode", "semeval"],
                        "repo": ["", ""]})  # fmt: skip
    fits: list[int] = []

    def fit_member(rows: pd.DataFrame):
        fits.append(len(rows))
        return lambda f: np.full(len(f), float(len(rows)))

    cal, logits, member = calibration_rows(train, val, fit_member, folds=3)
    assert len(cal) == 2 + 72 and logits.shape == (74,)
    assert logits[0] == logits[1] == len(train)  # validation rows: the member on every train row
    assert fits[0] == len(train) and all(n < len(train) for n in fits[1:])
    assert member(val).tolist() == [len(train)] * 2


def test_real_project_functions_can_be_cross_fitted_by_project() -> None:
    """`stacked-xr`: the real-project functions of the train split join the calibration rows,
    each scored by a member that never saw its project (they have no repository: their group)."""
    train = _train().assign(
        group=lambda f: [f"repo:{r}" if r else f"g{i}" for i, r in enumerate(f["repo"])]
    )
    real = pd.DataFrame({"code": [f"lib {p} {i}" for p in range(6) for i in range(3)], "label": 0,
                         "source": "realcode", "repo": "", "group": [f"project{p}" for p in range(6)
                                                                    for _ in range(3)]})  # fmt: skip
    train = pd.concat([train, real], ignore_index=True)

    def fit_member(rows: pd.DataFrame):
        groups = set(rows["group"])
        return lambda f: np.asarray([float(g in groups) for g in f["group"]])

    rows, logits = crossfit(train, fit_member, sources=("aidev", "realcode"), folds=3)
    assert set(rows["source"]) == {"aidev", "realcode"} and len(rows) == 72 + 18
    assert not logits.any()  # no project or repository scored by a member that saw it
