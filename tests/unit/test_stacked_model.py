"""A stacked model folder (transformer + linear member + stacker, manifest format version 2)
through the runtime: the real `codeorigin scan` and `explain`, the abstain verdict, the version
checks, bad files, and the completeness of its explanations."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from codeorigin.engine.scoring import Engine
from codeorigin.model import manifest as manifest_module
from codeorigin.model.attributor import Attributor
from codeorigin.model.manifest import ModelError, load_manifest
from codeorigin.model.scorer import Model
from helpers.cli import scan
from helpers.igmodel import PLANTED

SOURCE = f'''def price(items, tax):
    """Compute the result."""
    total = 0
    for item in items:
        {PLANTED} = item * 2
        total = total + {PLANTED}
    return total * (1 + tax)


def count(values):
    n = 0
    for v in values:
        if v > 3:
            n += 1
    return n
'''
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def stacked_dir(tiny_ig_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from helpers.stackedmodel import build_stacked_model

    return build_stacked_model(tmp_path_factory.mktemp("stacked") / "model", tiny_ig_model_dir)


def _copy(folder: Path, tmp_path: Path, **manifest: object) -> Path:
    out = tmp_path / "copy"
    shutil.copytree(folder, out)
    if manifest:
        path = out / "manifest.json"
        raw = json.loads(path.read_text())
        raw.update(manifest)
        path.write_text(json.dumps(raw))
    return out


def test_the_stacked_score_is_the_stacker_over_both_members(stacked_dir: Path) -> None:
    model = Model.load(stacked_dir)
    assert model.stacked and model.linear is not None
    m = model.manifest
    assert m.raw["format_version"] == 2 and m.stacked is not None
    (score,) = model.score_texts([SOURCE], ["python"])
    members = dict(score.members)
    stacker = m.stacked.stacker
    want = (
        stacker.bias
        + stacker.weights["transformer"] * members["transformer"]
        + stacker.weights["linear"] * members["linear"]
        + stacker.languages["python"]
    )
    assert score.logit == pytest.approx(want, abs=1e-9)
    assert score.probability == pytest.approx(model.calibrate(want))
    # The language is an input of its own, and the linear member's syntax n-grams need it.
    (other,) = model.score_texts([SOURCE], [None])
    unknown = dict(other.members)
    assert unknown["transformer"] == members["transformer"]
    assert unknown["linear"] != members["linear"]
    want = (
        stacker.bias
        + stacker.weights["transformer"] * unknown["transformer"]
        + stacker.weights["linear"] * unknown["linear"]
    )
    assert other.logit == pytest.approx(want, abs=1e-9)
    with pytest.raises(ModelError, match="stacked"):
        model.score_ids([[1, 2, 3]])


def test_scan_of_a_stacked_model_through_the_real_command(
    stacked_dir: Path, tmp_path: Path
) -> None:
    (tmp_path / "a.py").write_text(SOURCE)
    out = scan(str(tmp_path), "--model", str(stacked_dir), "--format", "json", "--exit-zero")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["model"]["name"] == "tiny-stacked"
    spans = report["files"][0]["spans"]
    assert [s["name"] for s in spans] == ["price", "count"]
    engine = Engine(Model.load(stacked_dir))
    results = engine.analyze(SOURCE, "python")
    for span, result in zip(spans, results):
        assert span["probability"] == pytest.approx(result.probability, abs=1e-4)
        assert span["verdict"] == result.verdict


def test_scan_explain_reports_the_members_in_json(stacked_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(SOURCE)
    args = ("--model", str(stacked_dir), "--format", "json", "--explain", "--threshold", "0")
    out = scan(str(tmp_path), *args, "--exit-zero")
    assert out.returncode == 0, out.stderr
    spans = json.loads(out.stdout)["files"][0]["spans"]
    members = spans[0]["explanation"]["members"]
    assert [m["name"] for m in members] == ["transformer", "linear"]
    assert sum(m["share"] for m in members) == pytest.approx(1.0, abs=1e-3)
    figures = members[1]["figures"]  # the linear member's layout and style figures, named
    assert "figures" not in members[0] and len(figures) == 19
    assert {f["name"] for f in figures} >= {"line_length_spread", "comment_lines", "lines"}


def test_explain_says_what_each_member_contributed(stacked_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "a.py"
    path.write_text(SOURCE)
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "codeorigin",
            "explain",
            f"{path}::price",
            "--model",
            str(stacked_dir),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert out.returncode == 0, out.stderr
    assert "Members: transformer " in out.stdout and " · linear " in out.stdout
    assert "of the evidence" in out.stdout
    assert "linear member's exact contributions" in out.stdout


def test_explanations_of_the_stacked_logit_are_complete(stacked_dir: Path) -> None:
    model = Model.load(stacked_dir)
    attributor = Attributor(model, cache_size=0)
    att = attributor.attribute(SOURCE, language="python", steps=128, top_k=None)
    (score,) = model.score_texts([SOURCE], ["python"])
    assert att.logit == pytest.approx(score.logit, abs=1e-4)
    assert att.probability == pytest.approx(score.probability, abs=1e-4)
    assert sum(la.share for la in att.lines) == pytest.approx(1.0)
    total = sum(la.score for la in att.lines)
    assert abs(total - (att.logit - att.baseline_logit)) == pytest.approx(att.delta_abs, abs=1e-9)
    assert att.delta < 0.1
    names = [m.name for m in att.members]
    assert names == ["transformer", "linear"]
    t, lin = att.members
    assert t.contribution + lin.contribution == pytest.approx(att.logit - att.baseline_logit)
    assert t.share + lin.share == pytest.approx(1.0)
    assert lin.contribution == pytest.approx(lin.weight * (lin.logit - lin.baseline_logit))
    assert {tok.member for tok in att.tokens} == {"transformer", "linear"}
    # The shares tell the same story as the scores beside them: a line weighs by how far it moved
    # the score, in the direction of its arrow (not by evidence that cancels within it), and a
    # member by the size of its contribution.
    net = sum(abs(la.score) for la in att.lines)
    for la in att.lines:
        assert la.share == pytest.approx(abs(la.score) / net)
    both = abs(t.contribution) + abs(lin.contribution)
    assert t.share == pytest.approx(abs(t.contribution) / both)
    tops = sorted(att.tokens, key=lambda tok: -tok.share)
    assert tops[0].share == pytest.approx(abs(tops[0].score) / net)


def test_the_explanation_names_the_layout_figures_that_moved_the_linear_member(
    stacked_dir: Path,
) -> None:
    from codeorigin.core.features import FIGURES, FeatureConfig, figure_values
    from codeorigin.core.normalize import normalize
    from codeorigin.report.explanation import figure_text, render

    att = Attributor(Model.load(stacked_dir), cache_size=0).attribute(
        SOURCE, language="python", steps=8
    )
    linear = att.members[1]
    saved = np.load(stacked_dir / "linear.npz")
    config = FeatureConfig.from_json(json.loads(str(saved["config"][0])))
    values = figure_values(normalize(SOURCE).text, config)
    expected = dict(zip(FIGURES, linear.weight * values * saved["figure_weights"]))
    assert {f.name: f.contribution for f in linear.figures} == pytest.approx(expected)
    sizes = [abs(f.contribution) for f in linear.figures]
    assert sizes == sorted(sizes, reverse=True) and sizes[0] > 0
    assert att.members[0].figures == ()
    shown = render(att, SOURCE, "function", markdown=False)
    (line,) = [ln for ln in shown.splitlines() if "layout and style figures" in ln]
    top = linear.figures[0]
    assert f"{figure_text(top.name, top.value)} {top.contribution:+.2f}" in line
    # Each figure in the unit a reader measures it in.
    assert figure_text("lines", np.log1p(16) / 6) == "length 16 lines"
    assert figure_text("comment_lines", 0.25) == "comment lines 25%"
    assert figure_text("line_length_spread", 0.355) == "spread of line lengths 14.2 characters"


def test_the_linear_members_part_is_exact(tiny_ig_model_dir: Path, tmp_path: Path) -> None:
    """With the transformer weighted 0 the explanation is the linear member's alone: the line
    scores add up to the stacked logit's distance from its baseline to rounding."""
    from helpers.stackedmodel import build_stacked_model

    folder = build_stacked_model(tmp_path / "m", tiny_ig_model_dir, weights=(0.0, 1.0))
    att = Attributor(Model.load(folder)).attribute(SOURCE, language="python", steps=8)
    assert att.delta_abs < 1e-9
    assert att.members[0].share == 0.0
    lines = {la.line: la for la in att.lines}
    planted = SOURCE.splitlines().index(f"        {PLANTED} = item * 2")
    assert lines[planted].score != 0.0


def test_a_language_marked_abstain_is_not_judged(stacked_dir: Path, tmp_path: Path) -> None:
    why = "recall 4% at 1% FPR on its test rows"
    folder = _copy(stacked_dir, tmp_path, abstain={"python": why})
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.py").write_text(SOURCE)
    (tmp_path / "src" / "b.js").write_text(
        "function add(a, b) {\n  const c = a + b;\n  const d = c * 2;\n  return d + a + b;\n}\n"
    )
    out = scan(str(tmp_path / "src"), "--model", str(folder), "--format", "json", "--exit-zero")
    assert out.returncode == 0, out.stderr
    files = {Path(f["path"]).name: f for f in json.loads(out.stdout)["files"]}
    assert {s["verdict"] for s in files["a.py"]["spans"]} == {"not_judged"}
    assert all(s["probability"] is None for s in files["a.py"]["spans"])
    assert {s["reason"] for s in files["a.py"]["spans"]} == {
        f"the model does not judge python: {why}"
    }
    assert files["a.py"]["probability"] is None
    assert all(s["verdict"] != "not_judged" for s in files["b.js"]["spans"])
    text = scan(str(tmp_path / "src"), "--model", str(folder), "--all", "--exit-zero")
    assert "not_judged" in text.stdout
    assert f"Not judged: the model does not judge python: {why}." in text.stdout
    engine = Engine(Model.load(folder))
    result = engine.analyze(SOURCE, "python")[0]
    assert result.verdict == "not_judged" and result.probability is None
    assert result.reason == f"the model does not judge python: {why}"


def test_an_older_server_refuses_a_stacked_folder(
    stacked_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(manifest_module, "READ_VERSIONS", (1,))
    with pytest.raises(ModelError, match="format version 2"):
        load_manifest(stacked_dir)


def test_a_newer_format_is_refused_and_the_shipped_folder_still_loads(
    stacked_dir: Path, tmp_path: Path
) -> None:
    folder = _copy(stacked_dir, tmp_path, format_version=6)
    with pytest.raises(ModelError, match=r"format version 6.*Upgrade codeorigin"):
        load_manifest(folder)
    shipped = load_manifest(REPO / "models" / "default")
    # The shipped model is stacked with a route for Python's and Java's project code that has a
    # linear member of its own, a stack of its own for TypeScript and Go and one for C#, whose
    # stacker reads its linear member alone (format 5): its linear member is of feature version
    # 2, and every language it abstains on says why.
    assert shipped.raw["format_version"] == 5 and shipped.stacked is not None
    route = shipped.stacked.route
    assert route is not None and route.languages == ("python", "java")
    assert route.member is not None
    stack, csharp = shipped.stacked.stacks
    # It scores Kotlin, Swift, PHP, Ruby, Rust and C too, without judging them
    # (`codeorigin-train stack-scored`); the base scores JavaScript, without judging it.
    assert stack.languages == ("typescript", "go", "kotlin", "swift", "php", "ruby", "rust", "c")
    assert csharp.languages == ("csharp",)
    assert {"kotlin", "swift", "php", "ruby", "rust", "c", "javascript"} <= set(shipped.abstain)
    assert csharp.spec.route is None and csharp.spec.stacker.weights["transformer"] == 0.0
    assert {"typescript", "go", "csharp"} <= set(shipped.thresholds.languages)
    assert shipped.raw["stacking"]["route"]["members"] == ["agentic", "linear"]
    assert shipped.raw["members"]["linear"]["features"]["version"] == 2
    assert shipped.abstain and all(shipped.abstain.values())
    assert not set(shipped.abstain) & set(shipped.thresholds.languages)


@pytest.mark.parametrize(
    "damage",
    [
        "missing",
        "corrupted",
        "wrong-shape",
        "garbage",
        "no-stacker",
        "infinite-weight",
        "string-weight",
        "null-member",
    ],
)
def test_bad_stacked_folders_give_a_clear_error(
    stacked_dir: Path, tmp_path: Path, damage: str
) -> None:
    from codeorigin.core.features import FeatureConfig
    from codeorigin.model.linear import write_weights
    from codeorigin.model.manifest import write_manifest

    folder = _copy(stacked_dir, tmp_path)
    npz = folder / "linear.npz"
    raw = json.loads((folder / "manifest.json").read_text())
    if damage == "missing":
        npz.unlink()
        match = "model file missing"
    elif damage == "corrupted":
        npz.write_bytes(npz.read_bytes()[:-40] + b"x" * 40)
        match = "SHA-256|bytes"
    elif damage in ("wrong-shape", "garbage"):  # the digests re-recorded: the file itself is bad
        config = FeatureConfig(bucket_bits=14).with_syntax()
        write_weights(npz, config, np.zeros(10), np.zeros(config.n_figures), 0.0)
        if damage == "garbage":
            npz.write_bytes(b"not a weights file")
        raw["files"] = list(raw["files"])
        kept = ("format", "format_version", "normalization_version")
        write_manifest(folder, {k: v for k, v in raw.items() if k not in kept})
        match = "bucket and" if damage == "wrong-shape" else "cannot read the linear member"
    elif damage == "infinite-weight":  # JSON's Infinity: every stacked score would be nan
        raw["stacker"]["weights"]["linear"] = float("inf")
        (folder / "manifest.json").write_text(json.dumps(raw))
        match = "'stacker.weights.linear' must be a finite number, not inf"
    elif damage == "string-weight":  # was "could not convert string to float", naming no field
        raw["stacker"]["weights"]["linear"] = "0.5"
        (folder / "manifest.json").write_text(json.dumps(raw))
        match = "'stacker.weights.linear' must be a number, not '0.5'"
    elif damage == "null-member":  # was "'NoneType' object is not iterable"
        raw["members"]["linear"] = None
        (folder / "manifest.json").write_text(json.dumps(raw))
        match = "'members.linear' must be an object, not None"
    else:
        raw.pop("stacker")
        (folder / "manifest.json").write_text(json.dumps(raw))
        match = "stacker"
    with pytest.raises(ModelError, match=match):
        Model.load(folder)
    out = scan(str(folder), "--model", str(folder))
    assert out.returncode == 2 and "Traceback" not in out.stderr
