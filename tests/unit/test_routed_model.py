"""A stacked model with a route for project code (manifest format version 3, and 4 with a
route member of its own;
`codeorigin.model.stacking.Route`) through the runtime: the larger of the stacker's and the
route's logits for code the domain model reads as repository code, the stacker's alone for the
rest and for languages the route does not take; explanations of the route's score that add up;
the real `codeorigin scan --explain`; and the manifest's checks."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest

from codeorigin.core.normalize import normalize_text
from codeorigin.model.attributor import Attributor
from codeorigin.model.manifest import ModelError, load_manifest
from codeorigin.model.scorer import Model
from codeorigin.model.stacking import routed_logit
from helpers.cli import scan
from helpers.igmodel import planted_function


@pytest.fixture(scope="module")
def routed_dir(tiny_ig_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from helpers.stackedmodel import add_route, build_stacked_model

    folder = tmp_path_factory.mktemp("routed") / "model"
    build_stacked_model(folder, tiny_ig_model_dir)
    return add_route(folder, tiny_ig_model_dir)


def texts() -> tuple[str, str]:
    """A planted function as contest code and the same function as project code."""
    from helpers.stackedmodel import project_function

    code = planted_function(random.Random(7), True)
    return code, project_function(code)


def test_project_code_gets_the_larger_of_both_logits(routed_dir: Path) -> None:
    model = Model.load(routed_dir)
    spec = model.manifest.stacked
    assert model.manifest.raw["format_version"] == 3 and spec is not None and spec.route
    assert model.domain is not None and spec.route.languages == ("python",)
    contest, project = texts()
    for text, kind in ((contest, "contest"), (project, "project")):
        (score,) = model.score_texts([text], ["python"])
        members = dict(score.members)
        main = spec.stacker.logit(members, "python")
        route = spec.route.stacker.logit(members, "python")
        norm = text.replace("\r\n", "\n")
        _, domain, _ = model.linear_logits(norm, "python")
        assert domain is not None and (domain >= spec.route.gate) == (kind == "project")
        if kind == "project":
            assert route > main  # the route's weights make it the larger here
            assert score.logit == pytest.approx(route) and score.route == "project code"
        else:
            assert score.logit == pytest.approx(main) and score.route == ""
        assert score.probability == pytest.approx(model.calibrate(score.logit))
    # A language the route does not take: the stacker's logit, whatever the code reads as.
    (java,) = model.score_texts([project], ["java"])
    assert java.route == "" and java.logit == pytest.approx(
        spec.stacker.logit(dict(java.members), "java")
    )
    _, stacker, name = routed_logit(spec, {"transformer": 0.0, "linear": 0.0}, "python", None)
    assert name == "" and stacker is spec.stacker


def test_the_routes_score_is_explained_and_adds_up(routed_dir: Path) -> None:
    model = Model.load(routed_dir)
    attributor = Attributor(model, cache_size=0)
    _, project = texts()
    att = attributor.attribute(project, language="python", steps=64, top_k=None)
    (score,) = model.score_texts([project], ["python"])
    assert att.route == "project code"
    assert att.logit == pytest.approx(score.logit, abs=1e-4)
    assert att.probability == pytest.approx(score.probability, abs=1e-4)
    t, lin = att.members
    assert t.weight == 0.0 and t.contribution == 0.0  # the route reads the linear member alone
    assert lin.contribution == pytest.approx(att.logit - att.baseline_logit)
    total = sum(la.score for la in att.lines)
    assert total == pytest.approx(att.logit - att.baseline_logit, abs=1e-6)  # exact: no IG part
    assert att.delta < 1e-6
    # The route leaves the transformer out, so its Integrated Gradients are not run: the
    # transformer's logits at the path's two ends (one pair a window) choose the route.
    assert att.evaluations == 2  # points of the path a window
    contest, _ = texts()
    main = Attributor(model, cache_size=0).attribute(contest, language="python", steps=64)
    assert main.route == "" and main.evaluations > 2  # the stacker's: IG run


def test_scan_explain_names_the_route(routed_dir: Path, tmp_path: Path) -> None:
    contest, project = texts()
    (tmp_path / "a.py").write_text(contest.replace("def f(", "def contest(") + "\n\n"
                                   + project.replace("def f(", "def project("))  # fmt: skip
    out = scan(str(tmp_path), "--model", str(routed_dir), "--format", "json", "--explain",
               "--threshold", "0", "--exit-zero")  # fmt: skip
    assert out.returncode == 0, out.stderr
    spans = {s["name"]: s for s in json.loads(out.stdout)["files"][0]["spans"]}
    assert spans["project"]["explanation"]["route"] == "project code"
    assert "route" not in spans["contest"]["explanation"]
    text = scan(str(tmp_path), "--model", str(routed_dir), "--explain", "--threshold", "0",
                "--exit-zero")  # fmt: skip
    assert "Scored as project code: this is the project code route's score" in text.stdout
    sarif = scan(str(tmp_path), "--model", str(routed_dir), "--explain", "--threshold", "0",
                 "--exit-zero", "--format", "sarif")  # fmt: skip
    results = json.loads(sarif.stdout)["runs"][0]["results"]
    said = {r["locations"][0]["logicalLocations"][0]["name"]: r["properties"] for r in results}
    assert said["project"]["route"] == "project code" and "route" not in said["contest"]


def _damaged(folder: Path, tmp_path: Path, change: dict) -> Path:
    out = tmp_path / "copy"
    shutil.copytree(folder, out)
    raw = json.loads((out / "manifest.json").read_text())
    for key, value in change.items():
        if value is None:
            raw.pop(key, None)
        else:
            raw[key] = value
    (out / "manifest.json").write_text(json.dumps(raw))
    return out


@pytest.mark.parametrize("damage", ["no-route", "route-in-2", "other-features", "same-file",
                                    "no-languages", "infinite-gate", "missing-file"])  # fmt: skip
def test_bad_routes_give_a_clear_error(routed_dir: Path, tmp_path: Path, damage: str) -> None:
    raw = json.loads((routed_dir / "manifest.json").read_text())
    route = dict(raw["route"])
    change: dict = {}
    if damage == "no-route":
        change, match = {"route": None}, "versions 3 to 5 need one"
    elif damage == "route-in-2":
        change, match = {"format_version": 2}, "version 2 has none"
    elif damage == "other-features":
        route["domain"] = {**route["domain"], "features": {"version": 2}}
        change, match = {"route": route}, "must read the features of members.linear"
    elif damage == "same-file":
        route["domain"] = {**route["domain"], "file": "linear.npz"}
        change, match = {"route": route}, "a file of its own"
    elif damage == "no-languages":
        change, match = {"route": {**route, "languages": []}}, "non-empty list"
    elif damage == "infinite-gate":
        change, match = {"route": {**route, "gate": float("inf")}}, "'route.gate' must be a finite"
    else:
        return _refused(routed_dir, tmp_path, {}, "model file missing", missing="domain.npz")
    _refused(routed_dir, tmp_path, change, match)


def _refused(
    folder: Path, tmp_path: Path, change: dict, match: str, missing: str | None = None
) -> None:
    """A copy of `folder` with `change` in its manifest (and without the file `missing`) is
    refused with a `ModelError` that says `match`."""
    copy = _damaged(folder, tmp_path, change)
    if missing is not None:
        copy.joinpath(missing).unlink()
    with pytest.raises(ModelError, match=match):
        load_manifest(copy)


def test_a_server_of_version_2_refuses_a_routed_folder(
    routed_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from codeorigin.model import manifest as manifest_module

    monkeypatch.setattr(manifest_module, "READ_VERSIONS", (1, 2))
    with pytest.raises(ModelError, match=r"format version 3.*Upgrade codeorigin"):
        load_manifest(routed_dir)


# -- format version 4: the route with a linear member of its own ---------------------------------


@pytest.fixture(scope="module")
def member_dir(tiny_ig_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from helpers.stackedmodel import add_route, build_stacked_model

    folder = tmp_path_factory.mktemp("route-member") / "model"
    build_stacked_model(folder, tiny_ig_model_dir)
    return add_route(folder, tiny_ig_model_dir, member={"linear": 0.5, "agentic": 1.5})


def test_the_routes_own_member_scores_project_code(member_dir: Path) -> None:
    model = Model.load(member_dir)
    spec = model.manifest.stacked
    assert model.manifest.raw["format_version"] == 4 and spec is not None and spec.route
    assert spec.route.member is not None and model.route_member is not None
    contest, project = texts()
    (score,) = model.score_texts([project], ["python"])
    norm = normalize_text(project)
    linear, domain, own = model.linear_logits(norm, "python")
    assert domain is not None and domain >= spec.route.gate and own is not None
    assert own == pytest.approx(model.route_member.logit(norm, "python"))
    assert own != pytest.approx(linear)  # a member of its own, not the shared one
    route = spec.route.stacker.logit({"transformer": 0.0, "linear": own}, "python")
    assert score.route == "project code" and score.logit == pytest.approx(route)
    # Contest code and other languages: the stacker's logit, the route member unread.
    (c,) = model.score_texts([contest], ["python"])
    assert c.route == "" and c.logit == pytest.approx(spec.stacker.logit(dict(c.members), "python"))
    assert model.linear_logits(norm, "java")[1:] == (None, None)
    with pytest.raises(ValueError, match="a member of its own"):
        routed_logit(spec, {"transformer": 0.0, "linear": 0.0}, "python", spec.route.gate)


def test_the_route_members_score_is_explained_and_adds_up(member_dir: Path) -> None:
    model = Model.load(member_dir)
    _, project = texts()
    att = Attributor(model, cache_size=0).attribute(project, language="python", top_k=None)
    (score,) = model.score_texts([project], ["python"])
    assert att.route == "project code"
    assert att.logit == pytest.approx(score.logit, abs=1e-4)
    t, lin = att.members
    assert t.contribution == 0.0 and lin.contribution == pytest.approx(att.logit - att.baseline_logit)
    assert sum(la.score for la in att.lines) == pytest.approx(att.logit - att.baseline_logit, abs=1e-6)
    assert att.delta < 1e-6
    out = scan(str(_one_file(project, member_dir.parent / "src")), "--model", str(member_dir),
               "--explain", "--threshold", "0", "--exit-zero")  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "Scored as project code" in out.stdout


def _one_file(code: str, folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "a.py").write_text(code)
    return folder


@pytest.mark.parametrize("damage", ["member-in-3", "member-shares-a-file", "no-member-in-4",
                                    "missing-member-file"])  # fmt: skip
def test_bad_route_members_give_a_clear_error(member_dir: Path, tmp_path: Path, damage: str) -> None:
    raw = json.loads((member_dir / "manifest.json").read_text())
    route = dict(raw["route"])
    if damage == "member-in-3":
        change, match = {"format_version": 3}, "version 3 has none"
    elif damage == "member-shares-a-file":
        route["member"] = {**route["member"], "file": route["domain"]["file"]}
        change, match = {"route": route}, "route.member needs a file of its own"
    elif damage == "no-member-in-4":
        route.pop("member")
        change, match = {"route": route}, "version 4 needs one"
    else:
        return _refused(member_dir, tmp_path, {}, "model file missing", missing="route.npz")
    _refused(member_dir, tmp_path, change, match)


def test_a_server_of_version_3_refuses_a_route_member(
    member_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from codeorigin.model import manifest as manifest_module

    monkeypatch.setattr(manifest_module, "READ_VERSIONS", (1, 2, 3))
    with pytest.raises(ModelError, match=r"format version 4.*Upgrade codeorigin"):
        load_manifest(member_dir)
