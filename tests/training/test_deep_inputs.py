"""The deep-inputs analysis (`analysis/deep_inputs.py`) on small frames made here, with no language
model and no model folder: a deep input that carries signal raises the out-of-fold AUROC and its
bootstrap gain stays above zero, one that carries none does not; a gain seen on the val rows alone
shows as none on the test split; the tables have each agent's figures; the recall at 1% FPR is
set on the humans."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from codeorigin_train.analysis import deep_inputs as di

AGENTS = ("codex", "devin", "copilot")


def frame(deep: float, *, val_only: bool = False, seed: int = 0) -> pd.DataFrame:
    """Agent and human rows of each agent's repositories (half val, half test), python and a few
    go rows. The stacked logit carries some signal; the LM's log-prob carries `deep` (on the val
    rows only with `val_only`), its entropy is about minus the log-prob."""
    rng = np.random.default_rng(seed)
    rows = []
    for agent in AGENTS:
        for r in range(8):
            repo = f"{agent}/repo{r}"
            split = "val" if r % 2 == 0 else "test"
            for label, n in ((1, 9), (0, 11)):
                for i in range(n):
                    lang = "go" if i == 0 else "python"
                    rows.append((label, agent if label else "human", agent, repo, split, lang))
    df = pd.DataFrame(
        rows, columns=["label", "agent", "agent_of_repo", "repo", "split", "language"]
    )
    y = df["label"].to_numpy()
    n = len(df)
    signal = deep * y * (df["split"] == "val").to_numpy() if val_only else deep * y
    df["stacked_logit"] = 1.0 * y + rng.normal(size=n)
    df["mean_logprob"] = -2.4 + signal + 0.5 * rng.normal(size=n)
    df["mean_entropy"] = -df["mean_logprob"] + 0.1 * rng.normal(size=n)
    df["transformer_logit"] = rng.normal(size=n)
    df["linear_logit"] = df["stacked_logit"] + 0.5 * rng.normal(size=n)
    return df


@pytest.fixture(scope="module")
def with_signal() -> dict[str, Any]:
    return di.analyse(frame(1.0), n_boot=40)


def test_a_deep_input_with_signal_raises_the_out_of_fold_auroc(with_signal: dict[str, Any]) -> None:
    oof = with_signal["auroc_oof"]
    assert oof["stacked+deep"]["all"] > oof["stacked"]["all"] + 0.05
    base, deep = "stacked" + di.NO_INTERCEPT, "stacked+deep" + di.NO_INTERCEPT
    assert oof[deep]["all"] > oof[base]["all"] + 0.05
    # The no-intercept form of the stacked logit alone is the raw stacked logit.
    assert oof[base]["all"] == pytest.approx(with_signal["auroc_single"]["stacked_logit"]["all"])
    for gain in with_signal["delta_auc_bootstrap"].values():
        assert gain["ci95"][0] > 0 and gain["mean"] > 0.05
    # Agents' code is more predictable to the LM: higher log-prob, lower entropy.
    assert with_signal["signs"] == {"mean_logprob": 1, "mean_entropy": -1}
    assert with_signal["auroc_single"]["-mean_entropy"]["all"] > 0.7


def test_a_deep_input_without_signal_adds_nothing() -> None:
    res = di.analyse(frame(0.0), n_boot=40)
    assert 0.35 < res["auroc_oof"]["deep only"]["all"] < 0.65
    for gain in res["delta_auc_bootstrap"].values():
        assert gain["ci95"][0] < 0.005 and abs(gain["mean"]) < 0.04


def test_a_gain_on_the_val_rows_only_is_none_on_the_test_split() -> None:
    res = di.analyse(frame(1.5, val_only=True), n_boot=40)
    split = res["gain_by_split" + di.NO_INTERCEPT]
    assert set(split) == {"val", "test"}
    assert split["val"]["gain"] > 0.05 and split["val"]["bootstrap"]["ci95"][0] > 0
    assert split["test"]["gain"] < 0.01
    assert split["test"]["n_agent"] == 3 * 4 * 9 and split["test"]["n_human"] == 3 * 4 * 11


def test_each_table_has_each_agent_and_subset(with_signal: dict[str, Any]) -> None:
    subsets = {*AGENTS, "all", "same-repo subset", "test split only", "lang:python"}
    for table in ("auroc_single", "auroc_oof"):
        for name, row in with_signal[table].items():
            assert set(row) == subsets, (table, name)  # go has too few rows for its own AUROC
    for row in with_signal["recall_at_1pct_fpr"].values():
        assert {f"recall_{a}" for a in AGENTS} | {f"fpr_{a}_humans" for a in AGENTS} <= set(row)
    assert set(with_signal["feature_means_by_group"]["mean_logprob"]) == {*AGENTS, "human"}


def test_recall_at_one_percent_fpr_is_set_on_the_humans(with_signal: dict[str, Any]) -> None:
    humans = np.arange(100, dtype=float)  # one human of 100 may score above the threshold
    agents = np.array([98.5, 99.5, 50.0])
    y = np.r_[np.zeros(100), np.ones(3)].astype(int)
    recall, fpr, thr = di.recall_at_fpr(y, np.r_[humans, agents])
    assert (recall, fpr, thr) == (pytest.approx(2 / 3), 0.01, 98.0)
    n_humans = int((frame(1.0)["label"] == 0).sum())
    for row in with_signal["recall_at_1pct_fpr"].values():
        assert row["n_humans"] == n_humans
        assert row["fpr_realised"] <= 0.01
    rec = with_signal["recall_at_1pct_fpr"]
    assert rec["stacked+deep" + di.NO_INTERCEPT]["recall_all"] > rec["stacked"]["recall_all"]
