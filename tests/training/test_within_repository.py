"""The protocol's within-repository part: each repository's agents against its own humans, its own
half-split threshold, the pooled pairs, the change level and the era slope; folds and
leave-one-agent-out keep the held-out repositories out of training; a model folder is judged on
the test repositories only; the tables render."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from codeorigin_train.card.within import markdown
from codeorigin_train.evaluation import protocol as pr
from codeorigin_train.evaluation import within
from helpers.protocol import AGENT, HUMAN, Recording


def _scored(repo: str, humans: list[float], agents: list[float], thr: float = 0.5) -> pd.DataFrame:
    rows = [(repo, 0, p, f"h{i}", "human", "commit", f"c{i // 2}", f"{2010 + i % 10}-01-01")
            for i, p in enumerate(humans)]  # fmt: skip
    rows += [(repo, 1, p, f"a{i}", "codex", "pr", f"pr{i // 3}", "2025-01-01")
             for i, p in enumerate(agents)]  # fmt: skip
    df = pd.DataFrame(rows, columns=["repo", "label", "p", "code", "agent", "origin", "change",
                                     "date"])  # fmt: skip
    return df.assign(thr=thr, language="python", half=[within.half_of(c) for c in df["code"]])


def test_a_repository_is_judged_against_its_own_humans() -> None:
    humans = list(np.linspace(0.05, 0.6, 40))  # 40 humans: 2 of them at or above 0.5
    agents = [0.9] * 6 + [0.3] * 2 + [float("nan")] * 2  # two not judged: never flagged
    got = within.repo_figures(_scored("o/r", humans, agents))
    assert got is not None and got["agent"] == 10 and got["human"] == 40
    assert got["recall"] == 0.6 and got["judged_agent"] == 0.8
    assert abs(got["fpr"] - sum(h >= 0.5 for h in humans) / 40) < 1e-12
    won, pairs = within.pair_counts(np.array(agents), np.array(humans))
    assert pairs == 8 * 40 and got["auroc"] == won / pairs
    # 20-odd humans per half cannot bound 1%: the half's highest human sets the threshold
    assert got["own_kind"] == "highest" and got["own_recall"] == 0.6
    assert within.repo_figures(_scored("o/small", humans[:29], agents)) is None
    # a language the learner does not judge: its repository still counts, and nobody is flagged
    unjudged = within.repo_figures(_scored("o/go", [float("nan")] * 30, [float("nan")] * 5))
    assert unjudged is not None and unjudged["auroc"] is None and unjudged["own_kind"] == "none"
    assert unjudged["recall"] == unjudged["fpr"] == unjudged["own_recall"] == 0.0


def test_pairs_count_ties_half_and_only_pairs_of_one_repository() -> None:
    assert within.pair_counts(np.array([0.5, 0.9]), np.array([0.5, 0.1])) == (3.5, 4)
    # each repository alone ranks its agents above its humans; pooled across them it would not
    both = pd.concat(
        [_scored("o/low", [0.01] * 30, [0.1] * 5), _scored("o/high", [0.8] * 30, [0.9] * 5)]
    )
    got = within.figures(both)
    assert got["all"]["pooled"]["pair_auroc"] == 1.0 and got["all"]["repos"] == 2
    assert got["all"]["auroc"]["median"] == 1.0 and got["by_agent"]["codex"]["repos"] == 2
    assert got["change"]["agent_changes"] == 4 and got["change"]["pair_auroc"] == 1.0
    assert got["era"]["n"] == 60 and set(got["era"]["by_year"]) == {
        str(y) for y in range(2010, 2020)
    }


def test_agents_changes_are_told_apart_by_how_they_were_found() -> None:
    # one repository: the agents' squash-merged changes rank under its people, its own commits
    # above them; a table per way of finding, each against every human of the repositories
    rows = _scored("o/r", [0.5] * 30, [0.9] * 5 + [0.1] * 5)
    rows["how"] = np.where(rows["label"] == 1, "trailer", "dated-commit")
    rows["squashed"] = [False] * 30 + [False] * 5 + [True] * 5
    got = within.figures(rows)["by_found"]
    assert list(got) == ["a co-author trailer", "a co-author trailer, squash-merged"]
    assert got["a co-author trailer"]["pooled"]["pair_auroc"] == 1.0
    assert got["a co-author trailer, squash-merged"]["pooled"]["pair_auroc"] == 0.0
    assert got["a co-author trailer"]["pooled"]["human"] == 30
    table = "\n".join(markdown("this folder", {**within.figures(rows), "judged": "test repositories"}))
    assert "| a co-author trailer, squash-merged | 5 (100%) | 30 | 1 | 0.000 |" in table
    # rows without the provenance (an older pool): no table, nothing else changes
    assert within.figures(rows.drop(columns=["how", "squashed"]))["by_found"] == {}


def test_the_era_slope_rises_when_newer_humans_score_higher() -> None:
    df = _scored("o/r", [0.0] * 40, [0.9] * 5)
    df.loc[df["label"] == 0, "p"] = [
        0.01 * (int(d[:4]) - 2010) for d in df.loc[df["label"] == 0, "date"]
    ]
    assert within.era(df)["slope_per_year"] > 0.009


def _pool() -> pd.DataFrame:
    rows = []
    for a, agent in enumerate(["codex", "devin"]):
        for r in range(5 + a):  # codex in 5 repositories, devin in 6
            repo, split = f"{agent}/{r}", ["train", "val", "test"][r % 3]
            for i in range(6):
                rows.append(
                    (AGENT.format(name=f"{agent}_{r}_{i}"), 1, agent, repo, split, "pr", f"pr{i}")
                )
            for i in range(32):
                rows.append(
                    (
                        HUMAN.format(name=f"h_{agent}_{r}_{i}"),
                        0,
                        "human",
                        repo,
                        split,
                        "commit",
                        f"c{i}",
                    )
                )
    df = pd.DataFrame(rows, columns=["code", "label", "agent", "repo", "split", "origin", "change"])
    return df.assign(source="aidev", language="python", date="2015-01-01", judged=True,
                     generator=df["agent"], group="repo:" + df["repo"])  # fmt: skip


def test_folds_and_left_out_agents_never_train_on_the_repositories_they_judge() -> None:
    pool, learner, sink = _pool(), Recording(), []
    out = pr.within_repository(pool, pr.Judging(learner, pr.ProtocolConfig(lro_folds=3), sink))
    assert len(learner.seen) == 3 + 2 and set(out["loao"]) == {"codex", "devin"}
    for scored, seen in zip(sink, learner.seen):
        assert not set(scored["repo"]) & set(seen["repo"])
    assert not (learner.seen[3]["agent"] == "codex").any()
    assert out["all"]["pooled"]["agent"] == 66 and out["repos_judged"] == 11
    assert out["loao"]["devin"]["all"]["pooled"]["agent"] == 36
    assert out["all"]["repos"] == 11 and out["all"]["auroc"]["median"] > 0.9
    lines = "\n".join(markdown("char-ngram", out))
    assert "| leave codex out | 5 |" in lines and "| python | 66 (100%) |" in lines


def test_a_model_folder_is_judged_on_the_test_repositories_only(tiny_model_dir: Path) -> None:
    pool = _pool()
    out = pr.within_repository(
        pool, pr.Judging(pr.FolderLearner(tiny_model_dir), pr.ProtocolConfig())
    )
    test_repos = set(pool.loc[pool["split"] == "test", "repo"])
    assert out["repos_judged"] == len(test_repos) == 3 and out["judged"] == "test repositories"
    assert out["all"]["pooled"]["agent"] == 6 * len(test_repos)


def test_the_pool_keeps_each_rows_change_beside_the_real_project_humans(tmp_path: Path) -> None:
    from codeorigin_train.analysis.protocol import build_pool

    dataset = _pool().drop(columns="judged")
    dataset["how"] = np.where(dataset["label"] == 1, "aidev-pr", "dated-commit")
    dataset.to_parquet(tmp_path / "dataset.parquet")
    real = pd.DataFrame({"code": [HUMAN.format(name=f"real_{i}") for i in range(12)], "label": 0,
                         "language": "python", "group": [f"proj{i % 4}" for i in range(12)],
                         "project": [f"proj{i % 4}" for i in range(12)],
                         "release_date": "2019-04-01"})  # fmt: skip
    real.to_parquet(tmp_path / "realcode.parquet")
    pool = build_pool(tmp_path / "dataset.parquet", tmp_path, pr.ProtocolConfig())
    assert (pool["source"] == "realcode").sum() > 0 and pool["judged"].all()
    agent = pool[pool["source"] == "aidev"]
    assert agent["change"].str.len().gt(0).all()
    assert (pool.loc[pool["source"] == "realcode", "change"] == "").all()
    # how each agent's change was found travels with it; the real projects' rows have none
    assert agent["how"].str.len().gt(0).all() and not pool["squashed"].any()
    assert (pool.loc[pool["source"] == "realcode", "how"] == "").all()


def test_every_language_scores_what_a_folder_abstains_on(tiny_model_dir: Path) -> None:
    import json

    from codeorigin_train.analysis.protocol import learner_for, result_name

    folder = tiny_model_dir.parent / "abstains-on-python"
    if not folder.exists():
        import shutil

        shutil.copytree(tiny_model_dir, folder)
        manifest = json.loads((folder / "manifest.json").read_text())
        manifest["languages"] = ["go"]  # trained on Go only: Python is not judged
        (folder / "manifest.json").write_text(json.dumps(manifest))
    pool = _pool().iloc[:8]
    plain = learner_for(str(folder), pool, folder)
    every = learner_for(f"every-language:{folder}", pool, folder)
    assert result_name(f"every-language:{folder}") == "abstains-on-python-every-language"
    assert np.isnan(plain.probabilities(pool)).all()
    assert not np.isnan(every.probabilities(pool)).any()
