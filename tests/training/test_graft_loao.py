"""Leave one agent out for a grafted stack, through the real `codeorigin-train graft-loao`: the
donor's recipe (`stack`) retrained without the agent, grafted onto the base (`graft`), scored
through the runtime on the agent's repositories (the card's rendering of the figures:
test_card_length.py)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest


def _pool() -> pd.DataFrame:
    """Planted functions: half of them contest code, half repository code of 40 repositories with
    the project line (agent-a's functions in r0..r9, agent-b's in the rest, people's in each)."""
    from helpers.stackedmodel import planted_frame, project_function

    frame = planted_frame(2000, seed=3)
    group = frame["group"].str[1:].astype(int)
    project = group % 2 == 0
    frame.loc[project, "code"] = frame.loc[project, "code"].map(project_function)
    repo = (group // 2) % 40
    frame["repo"] = np.where(project, "r" + repo.astype(str), "")
    frame["group"] = np.where(project, frame["repo"], frame["group"])
    agent = np.where(frame["label"] == 1, np.where(repo < 10, "agent-a", "agent-b"), "human")
    frame["agent"] = np.where(project, agent, "")
    frame["source"] = np.where(project, "aidev", "planted")
    frame["judged"] = True
    return frame


def test_each_agent_is_held_out_of_the_donor_and_judged_on_its_repositories(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    from codeorigin_train.analysis.graft_loao import main
    from helpers.stackedmodel import add_route, build_stacked_model

    pool = _pool()
    pool.to_parquet(tmp_path / "pool.parquet")
    # A base that abstains on Python, with the transformer the donor's recipe stacks on.
    base = build_stacked_model(tmp_path / "base", tiny_model_dir,
                               abstain={"python": "too few people to bound it"})  # fmt: skip
    add_route(base, tiny_model_dir, member={"linear": 0.5, "agentic": 1.5})
    work = tmp_path / "folds"
    argv = ["--pool", str(tmp_path / "pool.parquet"), "--base", str(base), "--languages",
            "python", "--agents", "agent-a", "--work", str(work), "--",
            "--transformer", str(tiny_model_dir), "--folds", "3", "--max-fpr", "0.05",
            "--name", "tiny-donor", "--project-route", "0.05", "--agentic-route"]  # fmt: skip
    assert main(argv) == 0
    # The fold trained on no row of agent-a's repositories and no function of agent-a.
    trained = pd.read_parquet(work / "agent-a" / "pool.parquet")
    assert not trained["repo"].isin([f"r{i}" for i in range(10)]).any()
    assert "agent-a" not in set(trained["agent"])
    assert (work / "agent-a" / "donor" / "manifest.json").is_file()
    got = json.loads((work / "graft-loao.json").read_text())
    python = got["agents"]["agent-a"]["by_language"]["python"]
    held = pool[pool["repo"].isin([f"r{i}" for i in range(10)]) & (pool["agent"] != "agent-b")]
    assert python["agent"] == int((held["agent"] == "agent-a").sum())
    assert python["human"] == int((held["agent"] == "human").sum())
    assert python["repos"] == 10 and python["pair_auroc"] > 0.9  # the planted word is learned
    assert python["caught"] > python["agent"] // 2 and python["flagged"] <= python["human"] // 10
    # A second run reuses the fold's donor: nothing is trained again.
    stamp = (work / "agent-a" / "donor" / "manifest.json").stat().st_mtime_ns
    assert main(argv) == 0
    assert (work / "agent-a" / "donor" / "manifest.json").stat().st_mtime_ns == stamp
    # --routes: a base that judges Python (here a copy of the fold's donor, whose route's features
    # it shares) takes the fold donor's route for it (`graft --routes --people`), bounded on
    # people's code of the other repositories; JavaScript, which the donor does not judge, counts
    # as not caught.
    judging = Path(shutil.copytree(work / "agent-a" / "donor", tmp_path / "judging"))
    humans = pool[(pool["agent"] == "human") & (pool["source"] == "aidev")]
    people = humans.assign(dated_history=True, dated_copy=False, split="train")
    people.to_parquet(tmp_path / "people.parquet")
    cut = argv.index("--")
    routed = [*argv[:cut], "--routes", "python", "--people", str(tmp_path / "people.parquet"),
              "--out", str(tmp_path / "routed.json"), *argv[cut:]]  # fmt: skip
    routed[routed.index("--base") + 1] = str(judging)
    routed[routed.index("--languages") + 1] = "javascript"
    assert main(routed) == 0
    assert (work / "agent-a" / "donor" / "manifest.json").stat().st_mtime_ns == stamp
    fold_people = pd.read_parquet(work / "agent-a" / "people.parquet")
    assert len(fold_people) and not fold_people["repo"].isin([f"r{i}" for i in range(10)]).any()
    grafted = json.loads((work / "agent-a" / "grafted" / "manifest.json").read_text())
    assert grafted["grafted"]["agentic"]["routes"] == ["python"]
    assert grafted["grafted"]["agentic"]["people_floor"]["python"]["functions"] > 0
    got = json.loads((tmp_path / "routed.json").read_text())
    assert got["routes"] == ["python"] and got["languages"] == ["javascript", "python"]
    by = got["agents"]["agent-a"]["by_language"]
    assert by["javascript"]["abstained"] and by["javascript"]["caught"] == 0
    assert by["python"]["agent"] == python["agent"] and by["python"]["human"] == python["human"]


def test_bad_requests_get_one_line_and_train_nothing(tiny_model_dir: Path, tmp_path: Path) -> None:
    from codeorigin_train.analysis.graft_loao import main

    _pool().to_parquet(tmp_path / "pool.parquet")
    base = tmp_path / "base"
    shutil.copytree(tiny_model_dir, base)
    common = ["--pool", str(tmp_path / "pool.parquet"), "--base", str(base), "--languages",
              "python", "--work", str(tmp_path / "folds")]  # fmt: skip
    with pytest.raises(SystemExit, match="give the donor's `stack` options after `--`"):
        main(common)
    with pytest.raises(SystemExit, match="--agents: nobody: no function in"):
        main([*common, "--agents", "nobody", "--", "--transformer", str(tiny_model_dir)])
    assert not (tmp_path / "folds").exists()


def test_a_language_the_folds_donor_abstains_on_counts_as_not_caught() -> None:
    """Without the agent, the recipe may not judge a language at all: the agent's functions
    there are counted, none caught, with the donor's reason (no folder is scored)."""
    from codeorigin_train.analysis.graft_loao import fold_figures

    rows = _pool()
    rows = rows[rows["repo"].isin(["r0", "r1"]) & (rows["agent"] != "agent-b")]
    got = fold_figures(None, rows, None, ["python"], {"python": "the bar is 5%"})
    assert got == {"python": {"agent": int((rows["label"] == 1).sum()), "caught": 0,
                              "human": int((rows["label"] == 0).sum()), "flagged": 0,
                              "pair_auroc": None, "repos": 2, "abstained": "the bar is 5%"}}
