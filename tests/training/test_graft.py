"""A donor folder's judgement of a language grafted onto a base folder as a stack (manifest format
version 5, `codeorigin.model.stacking.Stack`), through the real `codeorigin-train graft`, the
runtime's scorer and explanations, `codeorigin scan`, and the manifest's checks."""

from __future__ import annotations

import json
import math
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from codeorigin.model.attributor import Attributor
from codeorigin.model.manifest import ModelError, load_manifest, write_manifest
from codeorigin.model.scorer import Model
from helpers.cli import scan
from helpers.igmodel import planted_function

JS = """function totalPrice(items) {
  let total = 0;
  for (const item of items) {
    total += item.price * item.quantity;
  }
  return total;
}
"""


def _set(folder: Path, **change: object) -> None:
    raw = json.loads((folder / "manifest.json").read_text())
    for key in ("format", "format_version", "normalization_version"):
        raw.pop(key)
    raw.update(change)
    raw["files"] = list(raw["files"])
    write_manifest(folder, raw)


@pytest.fixture(scope="module")
def folders(tiny_ig_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A base that judges Python (with a route member, as the shipped folder) and abstains on
    JavaScript; a donor with other weights, calibration and route that judges both."""
    from helpers.stackedmodel import add_route, build_stacked_model

    root = tmp_path_factory.mktemp("graft")
    base = build_stacked_model(root / "base", tiny_ig_model_dir,
                               abstain={"javascript": "too few people to bound it"})  # fmt: skip
    add_route(base, tiny_ig_model_dir, member={"linear": 0.5, "agentic": 1.5})
    _set(base, thresholds={"llm": 0.6, "uncertain": 0.4,
                           "languages": {"python": {"llm": 0.7, "uncertain": 0.5}}})  # fmt: skip
    donor = build_stacked_model(root / "donor", tiny_ig_model_dir, weights=(0.2, 2.0), bias=0.5,
                                languages={"python": 0.1, "javascript": 0.7})  # fmt: skip
    add_route(donor, tiny_ig_model_dir, languages=("python", "javascript"), weight=1.5,
              member={"linear": 0.7, "agentic": 1.0})  # fmt: skip
    _set(donor, calibration={"method": "platt", "a": 0.8, "b": -0.3},
         thresholds={"llm": 0.6, "uncertain": 0.4,
                     "languages": {"javascript": {"llm": 0.55, "uncertain": 0.35},
                                   "python": {"llm": 0.9, "uncertain": 0.5}}})  # fmt: skip
    rng = random.Random(3)
    codes = [planted_function(rng, i % 2 == 0) for i in range(24)] + [JS]
    rows = pd.DataFrame({"code": codes * 2, "language": ["python"] * 25 + ["javascript"] * 25})
    rows.to_parquet(root / "rows.parquet")
    return {"base": base, "donor": donor, "rows": root / "rows.parquet", "root": root}


def _graft(folders: dict[str, Path], out: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "codeorigin_train", "graft",
                           "--base", str(folders["base"]), "--donor", str(folders["donor"]),
                           "--languages", "javascript", "--name", "web", "--out", str(out),
                           "--rows", str(folders["rows"]), *extra],
                          capture_output=True, text=True, timeout=600)  # fmt: skip


@pytest.fixture(scope="module")
def grafted(folders: dict[str, Path]) -> Path:
    out = folders["root"] / "grafted"
    done = _graft(folders, out)
    assert done.returncode == 0, done.stderr
    assert "javascript of" in done.stdout and "grafted onto" in done.stdout
    return out


def test_the_grafted_language_scores_as_the_donor_and_the_rest_as_the_base(
    folders: dict[str, Path], grafted: Path
) -> None:
    manifest = load_manifest(grafted)
    assert manifest.raw["format_version"] == 5 and manifest.stacked is not None
    (stack,) = manifest.stacked.stacks
    assert stack.name == "web" and stack.languages == ("javascript",)
    assert stack.spec.route is not None and stack.spec.route.languages == ("javascript",)
    assert "javascript" not in manifest.abstain
    assert manifest.thresholds.languages["javascript"] == (0.55, 0.35)
    assert manifest.thresholds.languages["python"] == (0.7, 0.5)  # the base's, kept
    rng = random.Random(11)
    texts = [planted_function(rng, i % 2 == 0) for i in range(12)] + [JS]
    got, donor, base = (Model.load(f) for f in (grafted, folders["donor"], folders["base"]))
    for language, want in (("javascript", donor), ("python", base)):
        a = got.score_texts(texts, [language] * len(texts))
        b = want.score_texts(texts, [language] * len(texts))
        assert [s.probability for s in a] == pytest.approx([s.probability for s in b], abs=1e-9)
        assert [s.route for s in a] == [s.route for s in b]
    # the donor's probabilities differ from the base's: the stack is not the base's stacker
    js = [s.probability for s in got.score_texts(texts, ["javascript"] * len(texts))]
    kept = [s.probability for s in base.score_texts(texts, ["javascript"] * len(texts))]
    assert max(abs(x - y) for x, y in zip(js, kept)) > 0.01
    record = manifest.raw["grafted"]["web"]
    assert record["parity"]["functions"] == {"grafted": 25, "kept": 25}


def test_an_editors_alias_grafted_beside_its_language_is_judged_at_the_donors_own_threshold(
    folders: dict[str, Path], tmp_path: Path
) -> None:
    """JSX (`javascriptreact`) is scored by the JavaScript stack; named beside it, it takes the
    donor's threshold of its own, so a .jsx file gets verdicts where the base gave none."""
    donor = tmp_path / "donor"
    shutil.copytree(folders["donor"], donor)
    raw = json.loads((donor / "manifest.json").read_text())
    raw["thresholds"]["languages"]["javascriptreact"] = {"llm": 0.65, "uncertain": 0.45}
    _set(donor, thresholds=raw["thresholds"])
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "codeorigin_train", "graft",
                           "--base", str(folders["base"]), "--donor", str(donor),
                           "--languages", "javascript", "javascriptreact", "--name", "web",
                           "--out", str(out), "--rows", str(folders["rows"])],
                          capture_output=True, text=True, timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stderr
    manifest = load_manifest(out)
    (stack,) = manifest.stacked.stacks  # type: ignore[union-attr]
    assert stack.languages == ("javascript",)  # the stack reads the alias already
    assert manifest.thresholds.languages["javascriptreact"] == (0.65, 0.45)
    assert manifest.thresholds.languages["javascript"] == (0.55, 0.35)
    assert manifest.raw["grafted"]["web"]["languages"] == ["javascript", "javascriptreact"]
    got, want = Model.load(out), Model.load(donor)
    mine = got.score_texts([JS], ["javascriptreact"])[0].probability
    assert mine == pytest.approx(want.score_texts([JS], ["javascriptreact"])[0].probability,
                                 abs=1e-9)  # fmt: skip
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "total.jsx").write_text(JS)
    for folder, judged in ((folders["base"], False), (out, True)):
        report = scan(str(tmp_path / "src"), "--model", str(folder), "--format", "json",
                      "--no-config", "--exit-zero")  # fmt: skip
        assert report.returncode == 0, report.stderr
        (span,) = [x for f in json.loads(report.stdout)["files"] for x in f["spans"]]
        assert (span["verdict"] != "not_judged") == judged
        if judged:  # at the alias's own threshold, not JavaScript's
            assert span["verdict"] == ("llm" if mine >= 0.65 else
                                       "uncertain" if mine >= 0.45 else "human")  # fmt: skip


def test_a_grafted_languages_explanation_is_the_donors_and_adds_up(
    folders: dict[str, Path], grafted: Path
) -> None:
    from helpers.stackedmodel import project_function

    text = project_function(planted_function(random.Random(5), True))
    mine = Attributor(Model.load(grafted), cache_size=0).attribute(
        text, language="javascript", top_k=None
    )
    theirs = Attributor(Model.load(folders["donor"]), cache_size=0).attribute(
        text, language="javascript", top_k=None
    )
    assert mine.probability == pytest.approx(theirs.probability, abs=1e-6)
    assert [round(la.share, 6) for la in mine.lines] == [round(la.share, 6) for la in theirs.lines]
    total = sum(la.score for la in mine.lines)
    assert total == pytest.approx(mine.logit - mine.baseline_logit, abs=1e-4)


def test_scan_judges_the_grafted_language(folders: dict[str, Path], grafted: Path) -> None:
    src = folders["root"] / "src"
    src.mkdir(exist_ok=True)
    (src / "cart.js").write_text(JS)
    before = scan(str(src), "--model", str(folders["base"]), "--format", "json", "--exit-zero")
    after = scan(str(src), "--model", str(grafted), "--format", "json", "--exit-zero")
    assert before.returncode == 0 and after.returncode == 0, after.stderr
    (b,) = [s for f in json.loads(before.stdout)["files"] for s in f["spans"]]
    (a,) = [s for f in json.loads(after.stdout)["files"] for s in f["spans"]]
    assert b["verdict"] == "not_judged" and a["verdict"] in ("llm", "uncertain", "human")


@pytest.mark.parametrize("damage", ["other-transformer", "judged-by-base", "not-judged-by-donor",
                                    "alias", "out-exists", "route-of-a-grafted-language",
                                    "route-the-base-does-not-judge"])  # fmt: skip
def test_a_graft_that_cannot_hold_is_refused_and_leaves_nothing(
    folders: dict[str, Path], tmp_path: Path, tiny_model_dir: Path, damage: str
) -> None:
    out = tmp_path / "out"
    extra: list[str] = []
    parts = dict(folders)
    if damage == "other-transformer":
        from helpers.stackedmodel import build_stacked_model

        parts["donor"] = build_stacked_model(tmp_path / "other", tiny_model_dir)
        want = "is not the base's"
    elif damage == "judged-by-base":
        extra, want = ["--languages", "python"], "the base judges python already"
    elif damage == "not-judged-by-donor":
        extra, want = ["--languages", "ruby"], "no threshold of its own for ruby"
    elif damage == "alias":
        extra, want = ["--languages", "javascriptreact"], "graft javascript"
    elif damage == "route-of-a-grafted-language":
        extra, want = ["--routes", "javascript"], "takes no route alone"
    elif damage == "route-the-base-does-not-judge":
        extra, want = ["--routes", "ruby"], "--routes ruby: the base does not judge it"
    else:
        out.mkdir()
        want = "exists: give a new folder"
    done = subprocess.run([sys.executable, "-m", "codeorigin_train", "graft",
                           "--base", str(parts["base"]), "--donor", str(parts["donor"]),
                           "--languages", "javascript", "--out", str(out),
                           "--rows", str(folders["rows"]), *extra],
                          capture_output=True, text=True, timeout=600)  # fmt: skip
    assert done.returncode == 2 and want in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert damage == "out-exists" or not out.exists()


@pytest.mark.parametrize("damage", ["same-language", "shared-file", "no-languages", "infinite",
                                    "stacks-in-4", "no-stacks-in-5"])  # fmt: skip
def test_bad_stacks_give_a_clear_error(grafted: Path, tmp_path: Path, damage: str) -> None:
    raw = json.loads((grafted / "manifest.json").read_text())
    stack = raw["stacks"][0]
    if damage == "same-language":
        other = {**stack, "name": "other"}
        raw["stacks"], want = [stack, other], "lists javascript, which another stack scores"
    elif damage == "shared-file":
        stack["members"]["linear"]["file"] = raw["members"]["linear"]["file"]
        want = "needs files of its own"
    elif damage == "no-languages":
        stack["languages"], want = [], "stacks\\[0\\].languages must be a non-empty list"
    elif damage == "infinite":
        stack["stacker"]["bias"] = float("inf")
        want = "'stacks\\[0\\].stacker.bias' must be a finite number"
    elif damage == "stacks-in-4":
        raw["format_version"], want = 4, "versions 2 to 4 have none"
    else:
        del raw["stacks"]
        want = "version 5 needs them"
    copy = tmp_path / "model"
    shutil.copytree(grafted, copy)
    (copy / "manifest.json").write_text(json.dumps(raw))
    with pytest.raises(ModelError, match=want):
        load_manifest(copy)


def test_a_server_of_version_4_refuses_a_grafted_folder(
    grafted: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from codeorigin.model import manifest as manifest_module

    monkeypatch.setattr(manifest_module, "READ_VERSIONS", (1, 2, 3, 4))
    with pytest.raises(ModelError, match=r"format version 5.*Upgrade codeorigin"):
        load_manifest(grafted)


def test_the_protocol_measures_one_folder_as_it_ships_or_refuses(
    folders: dict[str, Path], grafted: Path
) -> None:
    done = subprocess.run([sys.executable, "-m", "codeorigin_train", "protocol",
                           "--pool", str(folders["rows"]), "--learners", str(folders["base"]),
                           "--own-card", str(grafted), "--out", str(folders["root"] / "p")],
                          capture_output=True, text=True, timeout=600)  # fmt: skip
    assert done.returncode == 2 and "--own-card DIR measures DIR alone" in done.stderr


def _flags(
    folder: Path, texts: list[str], threshold: float, part: int, probabilities: bool = False
) -> list:
    """Whether `folder`'s stacker (`part` 0) or route (1) alone flags each Python text (with
    `probabilities`: its probability)."""
    from codeorigin_train.export.graft_floors import route_parts

    cal = load_manifest(folder).raw["calibration"]
    z = route_parts(folder, texts, "python")[part]
    p = [1 / (1 + math.exp(-(cal["a"] * x + cal["b"]))) for x in z]
    return p if probabilities else [x >= threshold for x in p]


@pytest.fixture(scope="module")
def routed(folders: dict[str, Path]) -> Path:
    """The donor's JavaScript and its route for Python's project code, onto the base."""
    out = folders["root"] / "routed"
    done = _graft(folders, out, "--routes", "python")
    assert done.returncode == 0, done.stderr
    assert "javascript, python's route of" in done.stdout
    return out


def test_a_grafted_route_flags_project_code_where_the_donors_route_would_and_contest_code_as_before(
    folders: dict[str, Path], routed: Path
) -> None:
    from helpers.stackedmodel import project_function

    manifest = load_manifest(routed)
    assert manifest.stacked is not None and manifest.stacked.route is not None
    # Python keeps the base's threshold; the donor's route replaces the base's, in files of its own
    assert manifest.thresholds.languages["python"] == (0.7, 0.5)
    assert manifest.stacked.route.languages == ("python",)
    assert manifest.stacked.route.domain["file"] == "web-project-domain.npz"
    assert "domain.npz" not in manifest.raw["files"] and not (routed / "domain.npz").exists()
    assert manifest.raw["grafted"]["web"]["routes"] == ["python"]
    assert manifest.raw["grafted"]["web"]["parity"]["functions"]["route"] == 25
    rng = random.Random(13)
    plain = [planted_function(rng, i % 2 == 0) for i in range(16)]
    project = [project_function(t) for t in plain]
    got, base = Model.load(routed), Model.load(folders["base"])
    # code the route does not take (contest and exercise code) scores as the base's stacker
    mine = got.score_texts(plain, ["python"] * len(plain))
    theirs = base.score_texts(plain, ["python"] * len(plain))
    kept = [(a.probability, b.probability) for a, b in zip(mine, theirs) if not a.route + b.route]
    assert kept and all(a == pytest.approx(b, abs=1e-9) for a, b in kept)
    # project code is flagged where the base's stacker flags it at 70% or the donor's route at 90%
    flagged = [s.probability >= 0.7 for s in got.score_texts(project, ["python"] * len(project))]
    by_base = _flags(folders["base"], project, 0.7, 0)
    by_route = _flags(folders["donor"], project, 0.9, 1)
    assert flagged == [a or b for a, b in zip(by_base, by_route)]
    assert any(b and not a for a, b in zip(by_base, by_route))  # the route adds flags


def test_a_grafted_route_is_lowered_to_hold_the_code_beside_agents_changes(
    folders: dict[str, Path], routed: Path, tmp_path: Path
) -> None:
    from helpers.stackedmodel import project_function

    rng = random.Random(17)
    texts = [project_function(planted_function(rng, True)) for _ in range(30)]
    context = pd.DataFrame({"code": texts, "language": "python", "split": "train",
                            "repo": [f"r{i % 6}" for i in range(30)], "dated_history": True})  # fmt: skip
    context.to_parquet(tmp_path / "context.parquet")
    out = tmp_path / "routed"
    done = _graft(
        folders, out, "--routes", "python", "--context", str(tmp_path / "context.parquet")
    )
    assert done.returncode == 0, done.stderr
    floor = load_manifest(out).raw["grafted"]["web"]["route_floor"]["python"]
    assert floor["lowered"] and floor["shift"] < 0 and floor["functions"] == 30
    assert "its term lowered by" in done.stdout
    # that code's bound (1% with 95% confidence) is now the threshold's or the base's stacker's
    import numpy as np

    from codeorigin_train.export.graft_floors import _bound

    repos = context["repo"].to_numpy()
    p = np.array([s.probability for s in Model.load(out).score_texts(texts, ["python"] * 30)])
    alone = np.array(_flags(folders["base"], texts, 0.7, 0, probabilities=True))
    before = np.array(
        [s.probability for s in Model.load(routed).score_texts(texts, ["python"] * 30)]
    )
    target = max(0.7, _bound(alone, repos, 0.01, 0.95))
    assert _bound(before, repos, 0.01, 0.95) > target >= _bound(p, repos, 0.01, 0.95) - 1e-9
    # --context-cap: at most N functions of each repository (6 here) hold the bound
    capped = tmp_path / "capped"
    done = _graft(folders, capped, "--routes", "python", "--context",
                  str(tmp_path / "context.parquet"), "--context-cap", "2")  # fmt: skip
    assert done.returncode == 0, done.stderr
    floor = load_manifest(capped).raw["grafted"]["web"]["route_floor"]["python"]
    assert (floor["functions"], floor["repositories"]) == (12, 6)


def test_a_grafted_route_flags_no_more_peoples_project_code_than_the_base(
    folders: dict[str, Path], tmp_path: Path
) -> None:
    from helpers.stackedmodel import project_function

    rng = random.Random(23)
    texts = [project_function(planted_function(rng, i % 3 != 0)) for i in range(48)]
    # --people: dated functions of six repositories, and of a repository where Claude Code has
    # changes (left out, but for the one function that stood in its dated snapshot)
    people = pd.DataFrame({"code": texts[:36], "language": "python", "split": "train",
                           "repo": [f"r{i % 6}" for i in range(30)] + ["cc"] * 6,
                           "dated_history": True,
                           "dated_copy": [False] * 35 + [True]})  # fmt: skip
    people.to_parquet(tmp_path / "people.parquet")
    rows = pd.read_parquet(folders["rows"]).assign(label=0, source="contest", split="train",
                                                   repo=None, group="g", agent="human")  # fmt: skip
    agent = {"code": JS, "language": "javascript", "label": 1, "source": "aidev",
             "split": "train", "repo": "cc", "group": "cc", "agent": "claude-code"}  # fmt: skip
    real = pd.DataFrame({"code": texts[36:], "language": "python", "label": 0,
                         "source": "realcode", "split": ["train", "val", "test"] * 4,
                         "repo": None, "group": [f"p{i % 4}" for i in range(12)],
                         "agent": "human"})  # fmt: skip
    pd.concat([rows, pd.DataFrame([agent]), real]).to_parquet(tmp_path / "rows.parquet")
    out = tmp_path / "routed"
    done = subprocess.run([sys.executable, "-m", "codeorigin_train", "graft",
                           "--base", str(folders["base"]), "--donor", str(folders["donor"]),
                           "--routes", "python", "--name", "web", "--out", str(out),
                           "--rows", str(tmp_path / "rows.parquet"),
                           "--people", str(tmp_path / "people.parquet")],
                          capture_output=True, text=True, timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stderr
    floor = load_manifest(out).raw["grafted"]["web"]["people_floor"]["python"]
    # 30 of the six repositories, the dated copy, 8 real-project functions of train and val
    held = texts[:30] + texts[35:36] + [t for i, t in enumerate(texts[36:]) if i % 3 != 2]
    assert (floor["functions"], floor["repositories"]) == (39, 11)
    assert "for people's project code" in done.stdout
    # through the runtime: the graft flags no more of them than the base does, where the donor's
    # route unbounded (`routed`'s recipe) flags more
    base = sum(1 for s in Model.load(folders["base"]).score_texts(held, ["python"] * 39)
               if s.probability >= 0.7)  # fmt: skip
    p = [s.probability for s in Model.load(out).score_texts(held, ["python"] * 39)]
    assert floor["shift"] < 0 and floor["base_flags"] == base >= sum(x >= 0.7 for x in p)
    # its uncertain threshold holds them at 5%, and never above the threshold
    uncertain = load_manifest(out).thresholds.languages["python"][1]
    assert 0.5 <= uncertain <= 0.7 and floor["uncertain"] == uncertain
    assert sum(x >= uncertain for x in p) <= 0.05 * 39 + 1 or uncertain == 0.7
    # a grafted language's threshold holds people's code of that language at its bound too
    js = [JS.replace("totalPrice", f"total{i}").replace("price", f"cost{i}") for i in range(20)]
    pd.DataFrame({"code": js, "language": "javascript", "split": "train",
                  "repo": [f"w{i % 5}" for i in range(20)], "dated_history": True,
                  "dated_copy": False}).to_parquet(tmp_path / "web.parquet")  # fmt: skip
    done = subprocess.run([sys.executable, "-m", "codeorigin_train", "graft",
                           "--base", str(folders["base"]), "--donor", str(folders["donor"]),
                           "--languages", "javascript", "--out", str(tmp_path / "x"),
                           "--rows", str(tmp_path / "rows.parquet"),
                           "--people", str(tmp_path / "web.parquet")],
                          capture_output=True, text=True, timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stderr
    t = load_manifest(tmp_path / "x").raw["thresholds"]["languages"]["javascript"]
    assert t["people_floor"]["functions"] == 20 and t["people_floor"]["repositories"] == 5
    p = [s.probability for s in Model.load(tmp_path / "x").score_texts(js, ["javascript"] * 20)]
    assert t["llm"] == max(0.55, t["people_floor"]["threshold"]) and max(p) < t["llm"] + 1e-9
    assert t["people_floor"]["raised"] == (t["llm"] > 0.55)
    assert "people's project code: 20 functions of 5 repositories" in done.stdout


def test_the_graft_records_what_the_donor_said_of_the_languages_it_leaves_out(
    folders: dict[str, Path], tmp_path: Path
) -> None:
    # A donor that read Kotlin (and abstains on it) and judges C#: grafted for JavaScript alone,
    # the folder records both (the card and the hover give those reasons: test_csharp_kotlin_swift).
    donor = tmp_path / "donor"
    shutil.copytree(folders["donor"], donor)
    raw = json.loads((donor / "manifest.json").read_text())
    kotlin = "87 held-out human functions cannot bound its false-positive rate"
    languages = {**raw["thresholds"]["languages"], "csharp": {"llm": 0.8, "uncertain": 0.5}}
    _set(donor, abstain={"kotlin": kotlin}, thresholds={**raw["thresholds"], "languages": languages})
    out = tmp_path / "grafted"
    done = subprocess.run([sys.executable, "-m", "codeorigin_train", "graft", "--base",
                           str(folders["base"]), "--donor", str(donor), "--languages",
                           "javascript", "--name", "web", "--out", str(out), "--rows",
                           str(folders["rows"])], capture_output=True, text=True, timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stderr
    record = load_manifest(out).raw["grafted"]["web"]
    assert record["donor_abstain"] == {"kotlin": kotlin}
    assert record["donor_judges_not_grafted"] == ["csharp"]
