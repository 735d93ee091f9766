"""The reference threshold: a margin above a repository's own median, bounded on people of
held-out repositories. Where repositories' people differ in how LLM-like the model finds them,
it holds each repository's people near the bound where one global threshold flags a tenth of
some; the training tree and the runtime set the same threshold; `codeorigin-train reference`
writes the margin into a real model folder without changing its scores, and the protocol's
within part measures it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from codeorigin.core import reference
from codeorigin.model.manifest import load_manifest
from codeorigin_train.card.within import markdown
from codeorigin_train.evaluation import protocol as pr
from codeorigin_train.fit import reference as fit_reference
from codeorigin_train.fit.calibrate import threshold_at_fpr
from helpers.protocol import AGENT, HUMAN


def _repositories(n: int, seed: int, prefix: str) -> pd.DataFrame:
    """`n` repositories of 60 people and 12 agents' functions, scored in logits: each
    repository's people sit at an offset of their own (sd 1.5), its agents 2.5 above them."""
    rng = np.random.default_rng(seed)
    rows = []
    for r in range(n):
        offset = rng.normal(0.0, 1.5)
        rows += [(f"{prefix}/{r}", 0, offset + rng.normal()) for _ in range(60)]
        rows += [(f"{prefix}/{r}", 1, offset + 2.5 + rng.normal()) for _ in range(12)]
    df = pd.DataFrame(rows, columns=["repo", "label", "z"])
    return df.assign(p=1 / (1 + np.exp(-df["z"])), language="python")


def test_a_reference_threshold_catches_more_and_spares_a_repository_of_llm_like_people() -> None:
    calibration, held_out = _repositories(60, 1, "cal"), _repositories(60, 2, "new")
    rng = np.random.default_rng(9)  # and one whose people the model finds LLM-like (offset 4)
    z = np.r_[4 + rng.normal(size=60), 6.5 + rng.normal(size=12)]
    odd = pd.DataFrame({"repo": "odd", "label": [0] * 60 + [1] * 12, "z": z})
    held_out = pd.concat([held_out, odd.assign(p=1 / (1 + np.exp(-z)), language="python")])
    got = fit_reference.fit_margin(calibration)
    assert got["repositories"] == 60 and got["people"] == 3600 and got["units"] == 60
    people = calibration.loc[calibration["label"] == 0, "p"].to_numpy()
    flagged = {"reference": held_out["p"] >= fit_reference.thresholds(held_out, got["margin"]),
               "global": held_out["p"] >= threshold_at_fpr(people, 0.01, 0.95)}  # fmt: skip
    agents, humans = held_out["label"] == 1, held_out["label"] == 0
    odd_people = humans & (held_out["repo"] == "odd")
    assert flagged["reference"][humans].mean() <= 0.01
    assert flagged["reference"][agents].mean() > 2 * flagged["global"][agents].mean()
    assert flagged["global"][odd_people].mean() > 0.3  # a global threshold accuses its people
    assert flagged["reference"][odd_people].mean() <= 0.05
    rates = fit_reference.rates(held_out, got["margin"], reference.MIN_FUNCTIONS)
    assert rates["all"]["covered"] == 1.0 and rates["all"]["recall"] > 0.4


def test_the_training_tree_and_the_runtime_set_the_same_threshold() -> None:
    df = _repositories(3, 5, "r")
    df.loc[df.index[:10], "p"] = np.nan  # not judged: not part of the median
    t = fit_reference.thresholds(df, 1.25)
    for repo, g in df.groupby("repo"):
        runtime = reference.threshold(g["p"].dropna().tolist(), 1.25)
        assert runtime is not None
        assert np.allclose(t[(df["repo"] == repo).to_numpy() & df["p"].notna().to_numpy()], runtime)
    assert reference.threshold([0.5] * 29, 1.0) is None  # too few to set a median on
    assert abs(reference.threshold([0.5] * 30, 1.0) - 1 / (1 + np.exp(-1.0))) < 1e-12


def _pool() -> pd.DataFrame:
    """Agentic rows of 8 repositories, 4 of them in the validation split, 4 in the test split."""
    rows = []
    for r in range(8):
        repo, split = f"o/{r}", ["val", "test"][r % 2]
        rows += [(AGENT.format(name=f"a_{r}_{i}"), 1, "codex", repo, split) for i in range(6)]
        rows += [(HUMAN.format(name=f"h_{r}_{i}"), 0, "human", repo, split) for i in range(32)]
    df = pd.DataFrame(rows, columns=["code", "label", "agent", "repo", "split"])
    return df.assign(source="aidev", language="python", date="2015-01-01", judged=True,
                     origin=np.where(df["label"] == 1, "pr", "commit"), change="c",
                     generator=df["agent"], group="repo:" + df["repo"])  # fmt: skip


def test_the_reference_command_writes_the_margin_and_the_protocol_measures_it(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "model"
    shutil.copytree(tiny_model_dir, folder)
    pool = _pool()
    pool.to_parquet(tmp_path / "pool.parquet")
    before = pr.FolderLearner(folder).probabilities(pool)
    done = subprocess.run([sys.executable, "-m", "codeorigin_train", "reference", "--model",
                           str(folder), "--pool", str(tmp_path / "pool.parquet")],
                          capture_output=True, text=True, timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "wrote thresholds.reference" in done.stdout
    written = json.loads((folder / "manifest.json").read_text())["thresholds"]["reference"]
    assert written["repositories"] == 4 and written["people"] == 4 * 32
    assert written["min_functions"] == 30 and "val repositories" in written["calibrated_on"]
    manifest = load_manifest(folder)  # its file digests still hold
    assert manifest.thresholds.reference is not None
    assert manifest.thresholds.reference.margin == written["margin"]
    assert manifest.digest != load_manifest(tiny_model_dir).digest
    assert np.array_equal(pr.FolderLearner(folder).probabilities(pool), before, equal_nan=True)

    learner = pr.FolderLearner(folder)
    out = pr.within_repository(pool, pr.Judging(learner, pr.ProtocolConfig()))
    assert out["reference"]["margin"] == written["margin"] and out["all"]["repos"] == 4
    assert out["all"]["ref_recall"] is not None and out["all"]["ref_fpr"] is not None
    assert "ref_recall" in out["by_language"]["python"]["pooled"]
    lines = "\n".join(markdown(folder.name, out))
    assert "After `codeorigin calibrate --write` in a repository with no dated baseline" in lines
    # a folder without a margin is measured as before: no reference figures
    plain_learner = pr.FolderLearner(tiny_model_dir)
    plain = pr.within_repository(pool, pr.Judging(plain_learner, pr.ProtocolConfig()))
    assert "reference" not in plain and "ref_recall" not in plain["all"]


def test_a_pool_without_enough_functions_per_repository_is_refused(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    pool = _pool()
    pool = pool.groupby("repo").head(20)  # 20 functions a repository: no median to set
    pool.to_parquet(tmp_path / "pool.parquet")
    done = subprocess.run([sys.executable, "-m", "codeorigin_train", "reference", "--model",
                           str(tiny_model_dir), "--pool", str(tmp_path / "pool.parquet"),
                           "--dry-run"], capture_output=True, text=True, timeout=600)  # fmt: skip
    assert done.returncode == 2
    assert "needs people of several repositories with 30+ judged functions" in done.stderr
