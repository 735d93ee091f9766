"""`codeorigin-train route-languages`: a folder's route for project code read for one more
language it judges, at the term people's project code of that language allows, through the real
command, the runtime's scorer and `codeorigin scan`."""

from __future__ import annotations

import json
import math
import random
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from codeorigin.model.manifest import load_manifest
from codeorigin.model.scorer import Model
from helpers.cli import scan
from helpers.igmodel import planted_function

#: The language added: the base judges it (a threshold of its own), its route does not read it.
LANG = "java"


def _run(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "codeorigin_train", "route-languages", *argv],
                          capture_output=True, text=True, timeout=600)  # fmt: skip


@pytest.fixture(scope="module")
def inputs(tiny_ig_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A base whose route reads Python and which judges Java by its stacker alone (at 70%); people's
    project code of Java (dated repositories of the train split, one of them with a Claude Code
    change, and real-project releases) and a test repository's people, which bound nothing."""
    from helpers.stackedmodel import add_route, build_stacked_model, project_function

    root = tmp_path_factory.mktemp("route-languages")
    base = build_stacked_model(root / "base", tiny_ig_model_dir,
                               languages={"python": 0.1, LANG: 0.0},
                               abstain={"ruby": "too few people to bound it"})  # fmt: skip
    add_route(base, tiny_ig_model_dir, member={"linear": 0.5, "agentic": 1.5})
    raw = json.loads((base / "manifest.json").read_text())
    raw["thresholds"] = {"llm": 0.6, "uncertain": 0.4,
                         "languages": {"python": {"llm": 0.7, "uncertain": 0.5},
                                       LANG: {"llm": 0.7, "uncertain": 0.3},
                                       "cpp": {"llm": 0.7, "uncertain": 0.3}}}  # fmt: skip
    (base / "manifest.json").write_text(json.dumps(raw))
    rng = random.Random(7)
    people = [project_function(planted_function(rng, False)) for _ in range(60)]
    repos = [f"octo/r{i % 6}" for i in range(60)]
    context = pd.DataFrame({"code": people + people[:5], "language": LANG,
                            "repo": repos + ["octo/held"] * 5,
                            "split": ["train"] * 60 + ["test"] * 5,
                            "dated_history": True, "dated_copy": False})  # fmt: skip
    context = pd.concat([context, context.assign(language="cpp")], ignore_index=True)
    context.to_parquet(root / "context.parquet")
    releases = [project_function(planted_function(rng, False)) for _ in range(20)]
    pool = pd.DataFrame({"code": [*releases, "class A {}"], "language": LANG, "label": [0] * 21,
                         "source": ["realcode"] * 20 + ["aidev"], "split": "train",
                         "repo": [""] * 20 + ["octo/r0"], "group": [f"proj{i % 4}" for i in range(21)],
                         "agent": [""] * 20 + ["claude-code"]})  # fmt: skip
    pool.loc[20, "label"] = 1
    pool.to_parquet(root / "pool.parquet")
    return {"base": base, "people": root / "context.parquet", "rows": root / "pool.parquet",
            "root": root}  # fmt: skip


@pytest.fixture(scope="module")
def routed(inputs: dict[str, Path]) -> tuple[Path, str]:
    out = inputs["root"] / "routed"
    done = _run("--base", str(inputs["base"]), "--languages", LANG, "--people",
                str(inputs["people"]), "--rows", str(inputs["rows"]), "--out", str(out))  # fmt: skip
    assert done.returncode == 0, done.stderr
    return out, done.stdout


def test_the_route_reads_the_language_at_the_term_its_people_allow(
    inputs: dict[str, Path], routed: tuple[Path, str]
) -> None:
    out, stdout = routed
    manifest = load_manifest(out)
    assert manifest.stacked is not None and manifest.stacked.route is not None
    assert manifest.stacked.route.languages == ("python", LANG)
    assert manifest.thresholds.languages[LANG][0] == 0.7  # the language's threshold is kept
    record = manifest.raw["thresholds"]["languages"][LANG]["route_people"]
    # octo/r0 has a Claude Code change: its dated functions are not known to be people's
    assert record["functions"] == 50 + 20 and record["repositories"] == 5 + 4
    assert record["flags"] <= record["base_flags"] and record["bound"] <= 0.7
    assert record["term"] == manifest.raw["route"]["stacker"]["languages"][LANG]
    assert record["parity"] <= 1e-6
    assert manifest.raw["route_languages"]["languages"] == [LANG]
    assert f"{LANG}: the route reads it at a term of" in stdout
    # no person the stacker alone left unflagged is flagged now; people sit below the threshold
    people = pd.read_parquet(inputs["people"])
    texts = people.loc[(people["split"] == "train") & (people["language"] == LANG), "code"].tolist()
    scores = Model.load(out).score_texts(texts, [LANG] * len(texts))
    assert all(s.probability < 0.7 for s in scores)
    assert any(s.route for s in scores)  # the route takes project code


def test_project_code_scores_the_larger_of_stacker_and_route_and_contest_code_as_before(
    inputs: dict[str, Path], routed: tuple[Path, str]
) -> None:
    from codeorigin_train.export.graft_floors import route_parts
    from helpers.stackedmodel import project_function

    out, _ = routed
    rng = random.Random(19)
    plain = [planted_function(rng, i % 2 == 0) for i in range(16)]
    project = [project_function(t) for t in plain]
    got, base = Model.load(out), Model.load(inputs["base"])
    mine = got.score_texts(plain + project, [LANG] * 32)
    theirs = base.score_texts(plain + project, [LANG] * 32)
    assert all(not b.route for b in theirs)  # the base's route did not read Java
    for a, b in zip(mine, theirs):
        if not a.route:  # not taken by the route: the stacker's score, unchanged
            assert a.probability == pytest.approx(b.probability, abs=1e-9)
        assert a.probability >= b.probability - 1e-9
    raw = load_manifest(out).raw
    z_s, z_r = route_parts(out, project, LANG)
    cal = raw["calibration"]
    want = [1 / (1 + math.exp(-(cal["a"] * max(s, r) + cal["b"]))) for s, r in zip(z_s, z_r)]
    got_p = [s.probability for s in got.score_texts(project, [LANG] * len(project))]
    assert got_p == pytest.approx(want, abs=1e-9)
    assert any(a.route for a in mine[16:])


def test_scan_gives_a_java_project_method_the_routes_score(
    inputs: dict[str, Path], routed: tuple[Path, str], tmp_path: Path
) -> None:
    out, _ = routed
    java = """class Orders {
    int total(int[] prices, int[] counts) {
        logger.info("step %s", prices);
        int sum = 0;
        for (int i = 0; i < prices.length; i++) {
            sum += prices[i] * counts[i];
        }
        return sum;
    }
}
"""
    (tmp_path / "Orders.java").write_text(java)
    reports = {}
    for name, folder in (("base", inputs["base"]), ("routed", out)):
        done = scan(str(tmp_path / "Orders.java"), "--model", str(folder), "--format", "json",
                    "--no-config", "--exit-zero")  # fmt: skip
        assert done.returncode == 0, done.stderr
        spans = [s for f in json.loads(done.stdout)["files"] for s in f["spans"]]
        reports[name] = {s["name"].rsplit(".", 1)[-1]: s for s in spans}
    assert reports["routed"]["total"]["verdict"] != "not_judged"
    assert reports["routed"]["total"]["probability"] >= reports["base"]["total"]["probability"]


@pytest.mark.parametrize("damage", ["abstains", "read-already", "alias", "not-judged",
                                    "no-people", "out-exists"])  # fmt: skip
def test_a_language_the_route_cannot_take_is_refused_and_leaves_nothing(
    inputs: dict[str, Path], tmp_path: Path, damage: str
) -> None:
    out = tmp_path / "out"
    lang, people, rows = LANG, inputs["people"], inputs["rows"]
    if damage == "abstains":
        lang, want = "ruby", "--languages ruby: the folder does not judge it"
    elif damage == "read-already":
        lang, want = "python", "--languages python: its route reads it already"
    elif damage == "alias":
        lang, want = "typescriptreact", "name typescript"
    elif damage == "not-judged":
        lang, want = "go", "--languages go: the folder does not judge it"
    elif damage == "no-people":
        people, rows = tmp_path / "empty.parquet", tmp_path / "rows.parquet"
        # people's code of another language only
        pd.read_parquet(inputs["people"]).assign(language="python").to_parquet(people)
        pd.read_parquet(inputs["rows"]).assign(language="python").to_parquet(rows)
        want = "hold no people's project code"
    else:
        out.mkdir()
        want = "exists: give a new folder"
    done = _run("--base", str(inputs["base"]), "--languages", lang, "--people", str(people),
                "--rows", str(rows), "--out", str(out))  # fmt: skip
    assert done.returncode == 2 and want in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert damage == "out-exists" or not out.exists()


def test_the_card_says_which_language_the_route_reads_and_at_what_term(
    routed: tuple[Path, str],
) -> None:
    from codeorigin_train.card.headline import _route_languages
    from codeorigin_train.card.parts import Card

    raw = load_manifest(routed[0]).raw
    record = raw["thresholds"]["languages"][LANG]["route_people"]
    card = Card(m={}, ch={}, cal={}, held={}, ds={}, lat={}, max_len=0, manifest=dict(raw))
    said = _route_languages(card)
    assert said.startswith("The route for project code reads Java too")
    assert f"Java's at {record['term']:+.2f} logits (70 functions of 9 repositories" in said
    assert _route_languages(Card(m={}, ch={}, cal={}, held={}, ds={}, lat={}, max_len=0)) == ""


def test_a_second_run_adds_a_language_and_keeps_the_first(
    inputs: dict[str, Path], routed: tuple[Path, str], tmp_path: Path
) -> None:
    out = tmp_path / "both"
    done = _run("--base", str(routed[0]), "--languages", "cpp", "--people", str(inputs["people"]),
                "--rows", str(inputs["rows"]), "--out", str(out))  # fmt: skip
    assert done.returncode == 0, done.stderr
    manifest = load_manifest(out)
    assert manifest.stacked is not None and manifest.stacked.route is not None
    assert manifest.stacked.route.languages == ("python", LANG, "cpp")
    assert manifest.raw["route_languages"]["languages"] == ["cpp", LANG]
    for lang in (LANG, "cpp"):
        assert "route_people" in manifest.raw["thresholds"]["languages"][lang]
