"""`codeorigin-train route-screen`: the project route of `stacked-dr` rebuilt on the protocol's
folds, so that variants of it can be measured from the same fits. Its shipped variant gives the
route's own probabilities; the command writes every variant, keeps the fits and reuses them."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.stackedmodel import planted_frame, project_function

AGENTS = ("codex", "devin", "copilot")


def _pool() -> pd.DataFrame:
    """Planted functions: the even groups are repository code (the agentic corpus; the
    validation split's humans are real-project code), the odd ones contest code."""
    frame = planted_frame(1200)
    n = frame["group"].str[1:].astype(int)
    project = (n % 2 == 0).to_numpy()
    frame.loc[project, "code"] = frame.loc[project, "code"].map(project_function)
    real = project & (frame["split"] == "val").to_numpy() & (frame["label"] == 0).to_numpy()
    frame["source"] = np.where(real, "realcode", np.where(project, "aidev", "semeval"))
    frame["repo"] = np.where(project & ~real, "r/" + frame["group"], "")
    frame["agent"] = np.where(~project | real, "", np.where(
        frame["label"] == 1, [AGENTS[k // 2 % 3] for k in n], "human"))  # fmt: skip
    frame["group"] = np.where(real, "real:" + frame["group"], frame["group"])
    frame["judged"] = True
    return frame


def _learner(pool: pd.DataFrame, tiny_model_dir: Path, work: Path):  # type: ignore[no-untyped-def]
    from codeorigin_train.analysis.protocol import learner_for

    work.mkdir(parents=True, exist_ok=True)
    repos = sorted(set(pool["repo"]) - {""})
    pd.DataFrame({"code": [f"    total_{i} = len(items)\n    return total_{i}\n"
                           for i in range(len(repos))],
                  "repo": repos, "label": [i % 2 for i in range(len(repos))],
                  "language": "python", "source": "aidev-fragment"}).to_parquet(
        work / "agentic-fragments.parquet")  # fmt: skip
    return learner_for(f"stacked-dr:{tiny_model_dir}", pool, work)


def test_the_shipped_variant_is_the_route_stacked_dr_builds(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    from codeorigin_train.analysis.route_screen import SETS, fold_frames, fold_logits, route_variant
    from codeorigin_train.evaluation.protocol import ProtocolConfig

    pool = _pool()
    learner = _learner(pool, tiny_model_dir, tmp_path / "work")
    train, val, test = fold_frames(pool, "devin", ProtocolConfig())
    assert set(test.loc[test["label"] == 1, "agent"]) == {"devin"}
    assert not set(train["repo"]) & set(test["repo"]) - {""}
    fitted = learner.fit(train, val)
    fitted.probabilities(test)  # the learner writes the route's probability of every row
    side = pd.read_parquet(tmp_path / "work" / "stacked-dr-side" / "rows-1-0.parquet")
    f = fold_logits(learner, train, val, test, None)
    got, p = route_variant(f, SETS["shipped"], False, learner.project_fpr, False)  # type: ignore[attr-defined]
    assert np.array_equal(f.z_test >= f.gate, side["gate"].to_numpy())
    assert np.allclose(p, side["p_p"].to_numpy(), atol=1e-9)
    assert got["agents"][1] > 0 and got["agents_repositories_humans"][1] > 0
    assert 0 <= got["agents_above_every_human"] <= got["agents"][1]
    assert set(got["weights"]) == {"linear", "agentic"}


def test_the_command_writes_every_variant_and_reuses_its_fits(
    tiny_model_dir: Path, tmp_path: Path, capsys
) -> None:  # type: ignore[no-untyped-def]
    from codeorigin_train.analysis.route_screen import SETS, main

    pool = _pool()
    work = tmp_path / "work"
    _learner(pool, tiny_model_dir, work)  # the fragments file
    pool.to_parquet(tmp_path / "pool.parquet")
    projects = [f"p{i}" for i in range(40)]
    pd.DataFrame({"code": [project_function(f"def extra_{i}(items):\n    return sorted(items)[{i}]\n")
                           for i in range(len(projects))],
                  "label": 0, "language": "python", "source": "realcode", "generator": "human",
                  "group": [f"real:{p}" for p in projects], "project": projects}).to_parquet(
        work / "realcode.parquet")  # fmt: skip
    argv = [
        "--pool",
        str(tmp_path / "pool.parquet"),
        "--work",
        str(work),
        "--folds",
        "copilot",
        "main",
        "--bound",
        "0.05",
        "--extra-humans",
        "--out",
        str(tmp_path / "out.json"),
    ]
    assert main(argv) == 0
    out = json.loads((tmp_path / "out.json").read_text())
    assert set(out) == {"loao copilot", "main"}
    variants = [k for k in out["main"] if k != "gate"]
    assert len(variants) == len(SETS) * 2 * 2  # both stacker rows, without and with the extras
    plain = out["main"]["shipped, stacker on every language"]
    extra = out["main"]["shipped, stacker on every language, bound with the extra humans"]
    assert extra["humans_bounding"] > plain["humans_bounding"]
    assert "real_project_humans" not in plain  # no real-project test rows in this pool
    assert "loao copilot" in capsys.readouterr().out
    cached = sorted((work / "route-screen").glob("*.pkl"))
    assert len(cached) == 2
    stamps = [p.stat().st_mtime_ns for p in cached]
    assert main(argv) == 0  # the second run reads the fits it kept
    assert [p.stat().st_mtime_ns for p in cached] == stamps
    assert json.loads((tmp_path / "out.json").read_text()) == out


def test_a_fold_without_its_agent_or_without_a_route_says_so(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    import pytest

    from codeorigin_train.analysis.route_screen import FoldLogits, main, screen, table

    pool = _pool()
    pool = pool[pool["agent"] != "devin"]
    pool.to_parquet(tmp_path / "pool.parquet")
    with pytest.raises(SystemExit, match="no function of devin"):
        main(
            ["--pool", str(tmp_path / "pool.parquet"), "--work", str(tmp_path), "--folds", "devin"]
        )
    with pytest.raises(SystemExit, match="--languages TypeScript: the pool holds no function"):
        main(["--pool", str(tmp_path / "pool.parquet"), "--work", str(tmp_path),
              "--folds", "main", "--languages", "TypeScript"])  # fmt: skip
    humans = pool[pool["label"] == 0].head(20)
    zeros = np.zeros(len(humans))
    only_humans = FoldLogits(
        humans, humans, {"linear": zeros}, {"linear": zeros}, zeros, zeros, -1.0
    )
    got = screen(only_humans, 0.05)
    assert got == {"no route": "the project calibration rows hold one label"}
    assert "no route" in table({"main": got})


AGENTLIKE = '''def load_settings(path: str, strict: bool = False) -> dict[str, Any]:
    """Load the settings file.

    Args:
        path: The file to read.

    Returns:
        The settings.
    """
    # Check that the file exists
    if not os.path.exists(path):
        raise FileNotFoundError(f"Settings file not found: {path}")
    with open(path) as handle:
        return json.load(handle)
'''

TERSE = """def ld(p):
    f=open(p)
    s=f.read();f.close()
    return s
"""


def test_the_style_figures_read_how_a_function_is_written() -> None:
    from codeorigin_train.analysis.style_figures import NAMES, figures, matrix

    agent, person = (dict(zip(NAMES, figures(code), strict=True)) for code in (AGENTLIKE, TERSE))
    assert agent["docstring"] == 1 and agent["docstring_sections"] == 1
    assert agent["return_annotation"] == 1 and agent["annotations"] == 2
    assert agent["step_comments"] == 1 and agent["comment_capital"] == 1
    assert agent["raise_f_string"] == 1 and agent["f_strings"] > 0
    assert person["docstring"] == 0 and person["comment_capital"] == -1
    assert person["semicolons"] == 1 and person["one_letter"] > agent["one_letter"]
    assert person["spaced_assignments"] == 0 < agent["spaced_assignments"]
    assert matrix([AGENTLIKE, TERSE]).shape == (2, len(NAMES))
    assert matrix([]).shape == (0, len(NAMES))


def _screened_with(tiny_model_dir: Path, tmp_path: Path, *flags: str,
                   pool: pd.DataFrame | None = None) -> dict:  # fmt: skip
    """The main split's figures of `route-screen FLAGS`, run after a plain `route-screen`: from
    the same kept fit, with the plain run's variants unchanged."""
    from codeorigin_train.analysis.route_screen import main

    pool = _pool() if pool is None else pool
    work = tmp_path / "work"
    _learner(pool, tiny_model_dir, work)  # the fragments file
    pool.to_parquet(tmp_path / "pool.parquet")
    argv = ["--pool", str(tmp_path / "pool.parquet"), "--work", str(work), "--folds", "main",
            "--bound", "0.05", "--out", str(tmp_path / "out.json")]  # fmt: skip
    assert main(argv) == 0
    plain = json.loads((tmp_path / "out.json").read_text())["main"]
    assert main([*argv, *flags]) == 0
    got = json.loads((tmp_path / "out.json").read_text())["main"]
    assert len(list((work / "route-screen").glob("*.pkl"))) == 1  # the same fits, kept
    for key, value in plain.items():  # the variants without it are unchanged
        assert got[key] == value
    return got


def test_route_screen_style_adds_the_style_member_from_the_kept_fits(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    from codeorigin_train.analysis.route_screen import SETS, STYLE_SETS

    styled = _screened_with(tiny_model_dir, tmp_path, "--style")
    both = styled.pop("shipped and style both over their thresholds")
    assert len([k for k in styled if k != "gate"]) == (len(SETS) + len(STYLE_SETS)) * 2
    assert set(styled["style alone, stacker on Python"]["weights"]) == {"style"}
    assert set(styled["shipped + style, stacker on every language"]["weights"]) == {
        "linear", "agentic", "style"}  # fmt: skip
    assert 0 <= both["agents"][0] <= both["agents"][1] > 0
    assert both["agents_repositories_humans"][1] > 0
    assert np.isfinite(both["style_threshold"]) and 0 <= both["threshold"] <= 1


def test_route_screen_hard_negatives_adds_the_member_from_the_kept_fits(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    from codeorigin_train.analysis.route_hard import fit_hard
    from codeorigin_train.analysis.route_screen import HARD_SETS, SETS

    hard = _screened_with(tiny_model_dir, tmp_path, "--hard-negatives")
    assert len([k for k in hard if k != "gate"]) == (len(SETS) + len(HARD_SETS)) * 2
    weights = hard["agentic with hard negatives, stacker on every language"]["weights"]
    assert set(weights) == {"linear", "agentic-hard"}

    # The second fit weighs the hardest tenth of the humans five times: on rows where one
    # human looks like the agents, its logit falls.
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 3))
    y = (x[:, 0] + rng.normal(scale=0.5, size=200) > 0).astype(int)
    first = fit_hard(x, y, weight=1.0)
    again = fit_hard(x, y)
    humans = y == 0
    top = np.argsort(np.where(humans, first.decision_function(x), -np.inf))[-5:]
    assert again.decision_function(x)[top].mean() < first.decision_function(x)[top].mean()


def test_route_screen_languages_adds_a_route_per_language_from_the_kept_fits(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    """`--languages go`: the route judging Go too, bounded on Go's own project humans and read
    on Go's held-out rows alone, for every member set and both kinds of stacker rows."""
    from codeorigin_train.analysis.route_screen import SETS

    pool = _pool()
    n = pool["group"].str.extract(r"(\d+)$")[0].astype(int)
    go = ((n % 4 == 0) & (pool["source"] != "semeval")).to_numpy()
    pool.loc[go, "language"] = "go"
    got = _screened_with(tiny_model_dir, tmp_path, "--languages", "go", pool=pool)
    keys = [k for k in got if k.startswith("[go] ")]
    assert len(keys) == len(SETS) * 2
    assert len([k for k in got if k != "gate"]) == len(SETS) * 2 * 2
    for key in ("[go] shipped, stacker on every language", "[go] shipped, stacker on go"):
        v = got[key]
        held = (pool["split"] == "test") & go & (pool["source"] == "aidev")
        assert 0 < v["agents"][1] <= int((held & (pool["label"] == 1)).sum())
        assert 0 < v["agents_repositories_humans"][1] <= int((held & (pool["label"] == 0)).sum())
        assert v["humans_bounding"] > 0
    python = got["shipped, stacker on every language"]
    assert python["agents"][1] + got["[go] shipped, stacker on go"]["agents"][1] <= int(
        ((pool["split"] == "test") & (pool["source"] == "aidev") & (pool["label"] == 1)).sum()
    )


def test_the_abstract_member_reads_shapes_for_the_names_of_few_repositories() -> None:
    from codeorigin_train.analysis.route_abstract import abstract, shape, tokens, vocabulary

    assert [shape(n) for n in ("MAX_SIZE", "total_sum", "Parser", "getValue", "x", "items")] == [
        "<UP>", "<snake>", "<Pascal>", "<camel>", "<low1>", "<low>"]  # fmt: skip
    code = 'def load(path):\n    # Read the file.\n    return open(path, "r").read()\n'
    toks = tokens(code, "python")
    assert "<NL4>" in toks and "<CMT:C.>" in toks and "read" in toks and "<STR0>" in toks
    # Each language's own comment markers: Python's floor division, Rust's attributes.
    assert tokens("half = total // 2  # Round down.\n", "python")[:5] == (
        "half", "=", "total", "/", "/")  # fmt: skip
    assert tokens("#[derive(Debug)] // Debug.\n", "rust")[:2] == ("#", "[")
    assert "<CMT:C.>" in tokens("#[derive(Debug)] // Debug.\n", "rust")
    rows = pd.DataFrame({"code": [code] * 10 + ["def load_all(paths):\n    pass\n"],
                         "language": "python",
                         "repo": [f"r{i}" for i in range(10)] + ["r0"]})  # fmt: skip
    keep = vocabulary(rows)
    assert {"def", "load", "path", "open"} <= keep and "load_all" not in keep
    assert abstract("def load_all(paths):\n    return load(paths)\n", "python", keep)[:2] == [
        "def", "<snake>"]  # fmt: skip


def test_route_screen_abstract_adds_the_member_from_the_kept_fits(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    from codeorigin_train.analysis.route_screen import ABSTRACT_SETS, SETS

    got = _screened_with(tiny_model_dir, tmp_path, "--abstract")
    assert len([k for k in got if k != "gate"]) == (len(SETS) + len(ABSTRACT_SETS)) * 2
    weights = got["shipped + abstract, stacker on every language"]["weights"]
    assert set(weights) == {"linear", "agentic", "abstract"}
    alone = got["abstract alone, stacker on Python"]
    assert set(alone["weights"]) == {"abstract"} and alone["agents"][1] > 0
