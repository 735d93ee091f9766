"""The evaluation protocol on a small pool made here: leave-one-agent-out keeps the agent and its
repositories out of training, every part reports its figures, a model folder is scored through
the runtime, the era control buckets by year, and the card section renders them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from codeorigin_train.card.protocol import markdown
from codeorigin_train.data.inputs import InputError
from codeorigin_train.evaluation import protocol as pr
from codeorigin_train.evaluation.era import bucket_of, era_report, is_modern
from helpers.protocol import AGENT, HUMAN, Recording


def _pool() -> pd.DataFrame:
    rows = []
    agents = {"codex": ["a/one", "a/two"], "devin": ["b/one", "b/two"], "copilot": ["c/one"]}
    for agent, repos in agents.items():
        for r, repo in enumerate(repos):
            split = ["train", "val", "test"][r % 3]
            for i in range(12):
                rows.append((AGENT.format(name=f"{agent}_{r}_{i}"), 1, "aidev", agent, repo, split,
                             "2025-03-01", "pr"))  # fmt: skip
                rows.append((HUMAN.format(name=f"h_{agent}_{r}_{i}"), 0, "aidev", "human", repo,
                             split, f"{2012 + i}-05-01", "commit"))  # fmt: skip
    for i in range(40):
        split = ["train", "train", "val", "test"][i % 4]
        rows.append((AGENT.format(name=f"contest_{i}"), 1, "semeval", "", "", split, None, None))
        rows.append((HUMAN.format(name=f"contest_h_{i}"), 0, "semeval", "", "", split, None, None))
    df = pd.DataFrame(rows, columns=["code", "label", "source", "agent", "repo", "split", "date",
                                     "origin"])  # fmt: skip
    df["language"] = "python"
    df["generator"] = np.where(df["label"] == 1, "llm", "human")
    df["group"] = [f"repo:{r}" if r else f"g:{i}" for i, r in enumerate(df["repo"])]
    df["judged"] = True
    return df


def test_leave_one_agent_out_trains_without_the_agent_and_its_repositories() -> None:
    pool, learner = _pool(), Recording()
    out = pr.loao(pool, pr.Judging(learner, pr.ProtocolConfig()))
    assert list(out) == ["codex", "devin", "copilot"]
    for agent, seen in zip(out, learner.seen):
        repos = set(pool.loc[pool["agent"] == agent, "repo"])
        assert not (seen["agent"] == agent).any() and not seen["repo"].isin(repos).any()
        assert out[agent]["n_llm"] == 12 * len(repos) and out[agent]["n_human"] == 12 * len(repos)
        assert out[agent]["by_language"]["python"]["n_llm"] == out[agent]["n_llm"]
        assert out[agent]["auroc"] is not None and 0.0 <= out[agent]["recall"] <= 1.0


def test_every_part_and_the_card_section() -> None:
    pool = _pool()
    scores: list[pd.DataFrame] = []
    result = pr.run_protocol(pool, pr.NgramLearner(), pr.ProtocolConfig(lro_folds=2), scores=scores)
    assert (
        result["main"]["test"]["n_llm"] > 0 and "python" in result["main"]["llm_recall_by_language"]
    )
    # `--scores`: every scored row with its part, fold, probability and threshold, and no code.
    kept = pd.concat(scores)
    assert set(kept["part"]) == {"main", "loao", "lro", "loso", "within"} and "code" not in kept
    loso = kept[kept["part"] == "loso"]
    assert set(loso["fold"]) == {"aidev", "semeval"} and (loso["source"] == loso["fold"]).all()
    flagged = loso.groupby("fold").apply(lambda g: (g["p"] >= g["thr"])[g["label"] == 0].mean())
    assert flagged.to_dict() == {s: result["loso"]["folds"][s]["fpr"] for s in flagged.index}
    assert set(result["lro"]["by_language"]) == {"python"}
    assert set(result["loso"]["folds"]) == {"aidev", "semeval"}
    lines = markdown({"dataset": "d.parquet", "pool_rows": len(pool), "pool_judged": len(pool),
                      "learners": {"char-ngram": result}})  # fmt: skip
    text = "\n".join(lines)
    assert "| codex |" in text and "| semeval |" in text and "| <=2014 |" in text
    assert "| codex | python | 24 | 24 |" in text  # leave one agent out by language


def _context(pool: pd.DataFrame) -> pd.DataFrame:
    """Untouched functions of the agents' files: human-looking code of every agentic repository."""
    repos = pool.loc[pool["source"] == "aidev", ["repo", "split"]].drop_duplicates()
    rows = [{"code": HUMAN.format(name=f"ctx_{n}_{i}"), "label": 0, "language": "python",
             "source": "aidev-context", "agent": "human", "repo": repo, "split": split,
             "group": f"repo:{repo}", "judged": True, "generator": "human",
             "dated_history": repo.endswith("one")}
            for n, (repo, split) in enumerate(repos.itertuples(index=False)) for i in range(5)]  # fmt: skip
    return pd.DataFrame(rows)


def test_the_context_functions_are_judged_against_the_held_out_agents_code() -> None:
    pool = _pool()
    pool.loc[pool["repo"] == "b/two", "split"] = "test"
    context = _context(pool)
    result = pr.run_protocol(pool, Recording(), pr.ProtocolConfig(), parts=["main", "loao"],
                             context=context)  # fmt: skip
    codex = result["loao"]["codex"]["context"]
    assert codex["n"] == 10 and codex["flagged"] == round(codex["fpr"] * 10)
    assert codex["auroc"] > 0.9 and set(codex["by_language"]) == {"python"}
    assert {k: v["n"] for k, v in codex["by_history"].items()} == {"dated": 5, "new": 5}
    test_repos = set(context.loc[context["split"] == "test", "repo"])
    assert result["main"]["agentic_context"]["n"] == 5 * len(test_repos)
    text = "\n".join(markdown({"dataset": "d", "pool_rows": 1, "pool_judged": 1,
                               "learners": {"char-ngram": result}}))  # fmt: skip
    assert "**Era-matched human code**" in text and "| leave one agent out: codex |" in text
    assert "char-ngram: AUROC | flagged, dated repositories | flagged, newer repositories" in text
    assert "| main split: agentic test repositories |" in text


def test_a_model_folder_is_scored_through_the_runtime(tiny_model_dir: Path) -> None:
    pool = _pool()
    learner = pr.FolderLearner(tiny_model_dir)
    out = pr.loao(pool, pr.Judging(learner, pr.ProtocolConfig()))
    assert out["codex"]["n_llm"] == 24
    assert pr.loso(pool, pr.Judging(learner, pr.ProtocolConfig())) == {}  # never retrained: no LOSO
    p = learner.probabilities(pool.iloc[:3])
    assert np.all((p > 0) & (p < 1)) and len(learner.cache) >= 3


def test_era_control_buckets() -> None:
    assert [bucket_of(y) for y in (2009, 2016, 2019, 2021, 2024)] == [
        "<=2014", "2015-2017", "2018-2019", "2020-2021", None]  # fmt: skip
    assert is_modern("def f(x: int) -> int:\n    return x", "python")
    assert not is_modern("def f(x):\n    return x", "python")
    assert is_modern("const f = (a) => a?.b;", "javascript") and is_modern("x", "go") is None
    humans = _pool().query("label == 0 and origin == 'commit'").assign(p=0.2, thr=0.5)
    report = era_report(humans)
    assert report["by_year"]["<=2014"]["n"] == 3 * 5 and report["by_year"]["<=2014"]["fpr"] == 0.0


def test_the_stacked_detector_is_retrained_in_each_fold(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    from codeorigin_train.analysis.stacked_learner import StackedLearner

    pool = _pool()
    learner = StackedLearner(tiny_model_dir, tmp_path / "t.parquet", pool)
    out = pr.loao(pool, pr.Judging(learner, pr.ProtocolConfig()))
    assert set(out) == {"codex", "devin", "copilot"} and out["devin"]["auroc"] is not None
    # 16 validation humans cannot bound a 1% false-positive rate: python abstains, nothing flagged.
    assert all("python" in a for a in learner.abstained)
    assert out["devin"]["recall"] == 0.0 and out["devin"]["fpr"] == 0.0
    assert (tmp_path / "t.parquet").exists()  # the transformer's logits are cached


@pytest.mark.parametrize("spec", ["stacked-uf", "stacked-dr"])
def test_the_stacked_recipes_run_the_protocol(
    spec: str, tiny_model_dir: Path, tmp_path: Path
) -> None:
    """`stacked-uf` (the shipped stacker: the fragments and the unseen sources' humans as a
    floor) and `stacked-dr` (that and the route for project code with the agentic member, at the
    shipped bound) are learners of their own, named in the results."""
    from codeorigin_train.analysis.protocol import learner_for, result_name

    pool = _pool()
    with pytest.raises(InputError, match="agentic-fragments"):  # they need the fragments file
        learner_for(f"{spec}:{tiny_model_dir}", pool, tmp_path)
    _fragments(pool).to_parquet(tmp_path / "agentic-fragments.parquet")
    learner = learner_for(f"{spec}:{tiny_model_dir}", pool, tmp_path)
    assert learner.name == result_name(f"{spec}:{tiny_model_dir}") == spec
    fitted = learner.fit(*pr.training_rows(pool, pr.ProtocolConfig()))
    p = fitted.probabilities(pool)
    assert np.isfinite(p).all() and ((0 <= p) & (p <= 1)).all()
    if spec == "stacked-dr":  # this pool's gated calibration rows are all human: no route
        assert learner.project_fpr == 0.0025  # type: ignore[attr-defined]
    for gone in ("stacked", "stacked-du", "stacked-uf-c16"):  # recipes that did not ship
        with pytest.raises(InputError, match="is no stacked recipe"):
            learner_for(f"{gone}:{tiny_model_dir}", pool, tmp_path)


def _fragments(pool: pd.DataFrame) -> pd.DataFrame:
    """Fragments of every agentic repository, and one that repeats a pool row's text."""
    rows = [{"code": f"    value = compute_{repo[0]}_{i}(items)\n    return value\n", "repo": repo,
             "label": i % 2, "language": "python", "source": "aidev-fragment"}
            for repo in sorted(set(pool["repo"]) - {""}) for i in range(4)]  # fmt: skip
    rows.append({**rows[0], "code": pool["code"].iloc[0]})
    return pd.DataFrame(rows)


def test_fragments_train_only_in_folds_that_train_on_their_repository(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    """`stacked-uf`: a fit adds the fragments of the agentic repositories it trains on, and
    none of a repository the fold (or the cross-fitting inside it) holds out; a fragment that
    repeats a text the protocol judges is never used."""
    from codeorigin_train.analysis.protocol import learner_for
    from codeorigin_train.fit.crossfit import with_fragments

    pool = _pool()
    _fragments(pool).to_parquet(tmp_path / "agentic-fragments.parquet")
    learner = learner_for(f"stacked-uf:{tiny_model_dir}", pool, tmp_path)
    fragments = learner.fragments  # type: ignore[attr-defined]
    assert len(fragments) == 5 * 4 and not set(fragments["code"]) & set(pool["code"])
    train, _ = pr.training_rows(pool[~pool["repo"].isin(["a/one", "a/two"])], pr.ProtocolConfig())
    added = with_fragments(train, fragments)
    extra = added[added["source"] == "aidev-fragment"]
    assert set(extra["repo"]) == {"b/one", "c/one"}  # the train split's repositories, not codex's
    assert len(added) == len(train) + 2 * 4


def test_the_card_says_how_many_real_project_humans_the_pool_holds() -> None:
    """The protocol's card section said the pool held "dated real-project human functions" also
    when none were found (no `realcode.parquet`): it now says how many, or that there are none."""
    result = pr.run_protocol(_pool(), Recording(), pr.ProtocolConfig(), parts=["main"])
    base = {"dataset": "d", "pool_rows": 1, "pool_judged": 1, "learners": {"char-ngram": result}}
    for count, said in ((0, "and no dated real-project human functions (`codeorigin-train "
                            "realcode` builds them)."), (1234, "and 1,234 dated real-project"),
                        (None, "from `d` and dated real-project human functions.")):  # fmt: skip
        summary = base if count is None else {**base, "pool_realcode": count}
        assert said in markdown(summary)[0], (count, markdown(summary)[0])
