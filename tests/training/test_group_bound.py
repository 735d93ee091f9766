"""Thresholds bounded with the repositories as the sample (`fit.calibrate.threshold_over_groups`,
`language_thresholds(groups=...)`): people of one repository write alike, so a few repositories
must not pass for thousands of separate people."""

from __future__ import annotations

import numpy as np

from codeorigin_train.fit.calibrate import threshold_at_fpr, threshold_over_groups
from codeorigin_train.fit.stacker import language_thresholds, min_groups


def _repositories(count: int, people: int, spread: float, seed: int) -> tuple[np.ndarray, ...]:
    """`count` repositories of `people` human scores each, each repository shifted by a draw of
    `spread` (0: every person drawn alike)."""
    rng = np.random.default_rng(seed)
    shift = rng.normal(0.0, spread, count)
    logits = np.concatenate([rng.normal(s, 1.0, people) for s in shift])
    groups = np.repeat([f"repo{i}" for i in range(count)], people)
    return 1.0 / (1.0 + np.exp(-logits)), groups


def test_repositories_that_differ_raise_the_bound_and_alike_ones_barely_move_it() -> None:
    alike, groups = _repositories(60, 50, 0.0, seed=3)
    t_rows, t_groups = (
        threshold_at_fpr(alike, 0.01, 0.95),
        threshold_over_groups(alike, groups, 0.01, 0.95),
    )
    assert abs(t_groups - t_rows) < 0.02  # 3,000 people as good as 60 repositories

    apart, groups = _repositories(20, 100, 1.5, seed=3)  # 2,000 people of 20 repositories
    t_rows, t_groups = (
        threshold_at_fpr(apart, 0.01, 0.95),
        threshold_over_groups(apart, groups, 0.01, 0.95),
    )
    assert t_groups > t_rows  # the spread between repositories widens the bound


def test_a_language_from_too_few_repositories_abstains_and_says_so() -> None:
    assert min_groups(0.95) == 19
    rng = np.random.default_rng(5)
    people, groups = _repositories(8, 200, 1.0, seed=5)  # 1,600 people, 8 repositories
    agents = 1.0 / (1.0 + np.exp(-rng.normal(4.0, 1.0, 400)))
    p = np.r_[people, agents]
    y = np.r_[np.zeros(people.size), np.ones(agents.size)].astype(int)
    g = np.r_[groups, [f"repo{i % 8}" for i in range(agents.size)]]
    langs = ["csharp"] * p.size
    assert "csharp" in language_thresholds(p, y, langs).languages  # rows alone: 1,600 people
    bounded = language_thresholds(p, y, langs, groups=g)
    assert "8 repositories" in bounded.abstain["csharp"] and "needs 19" in bounded.abstain["csharp"]
    assert bounded.table[0]["groups"] == 8
