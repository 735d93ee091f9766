"""A language's own threshold (manifest `thresholds.languages`): spans of that language are judged
by it, every other language by the model's own, and reports say so; a bad value is a clear error."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.cli import scan
from helpers.samples import JAVA_STACK
from helpers.thresholds import with_thresholds

PY = """def summarise(values):
    total = 0
    for value in values:
        total += value
    return total / max(1, len(values))
"""


@pytest.fixture()
def code(tmp_path: Path) -> Path:
    root = tmp_path / "code"
    root.mkdir()
    (root / "Stack.java").write_text(JAVA_STACK)
    (root / "stats.py").write_text(PY)
    return root


def verdicts(res: subprocess.CompletedProcess[str]) -> dict[str, str]:
    data = json.loads(res.stdout)
    return {s["name"]: s["verdict"] for f in data["files"] for s in f["spans"]}


def test_spans_of_a_language_with_its_own_threshold_are_judged_by_it(
    code: Path, tiny_model_dir: Path, tmp_path: Path
) -> None:
    # The model's own threshold (0) flags every judged span; Java's own (1.0) flags none of its.
    model = with_thresholds(
        tiny_model_dir,
        tmp_path / "m",
        {"llm": 0.0, "uncertain": 0.0, "languages": {"java": {"llm": 1.0, "uncertain": 1.0}}},
    )
    res = scan(str(code), "--model", str(model), "--format", "json", "--exit-zero")
    assert res.returncode == 0, res.stderr
    assert verdicts(res) == {"pushAll": "human", "summarise": "llm"}
    data = json.loads(res.stdout)
    assert data["model"] == {"name": "tiny-test", "threshold": 0.0,
                             "thresholds_by_language": {"java": 1.0}}  # fmt: skip
    sarif = json.loads(
        scan(str(code), "--model", str(model), "--format", "sarif", "--exit-zero").stdout
    )
    assert sarif["runs"][0]["properties"]["thresholds_by_language"] == {"java": 1.0}
    text = scan(str(code), "--model", str(model), "--exit-zero").stdout
    assert "(model tiny-test, thresholds java 100.0%, other languages 0.0%)" in text
    # A threshold the user sets applies to every language, and the report names only it.
    res = scan(str(code), "--model", str(model), "--format", "json", "--threshold", "0.0",
               "--exit-zero")  # fmt: skip
    assert verdicts(res) == {"pushAll": "llm", "summarise": "llm"}
    assert set(json.loads(res.stdout)["model"]) == {"name", "threshold"}


def test_every_reported_span_names_the_threshold_it_was_judged_at(
    code: Path, tiny_model_dir: Path, tmp_path: Path
) -> None:
    """With thresholds per language, a span's probability is read against its language's: the
    text row, the markdown table, SARIF and Code Climate name it (an 83% Python span below its
    threshold beside an 84% C++ one above its own otherwise reads as a contradiction)."""
    model = with_thresholds(tiny_model_dir, tmp_path / "m", {
        "llm": 0.0, "uncertain": 0.0,
        "languages": {"java": {"llm": 1.0, "uncertain": 0.0}, "python": {"llm": 0.0}},
    })  # fmt: skip
    args = (str(code), "--model", str(model), "--exit-zero")
    rows = scan(*args).stdout.splitlines()
    assert next(r for r in rows if "summarise" in r).endswith(" (python threshold 0.0%)")
    java = next(r for r in rows if "pushAll" in r)
    assert " uncertain " in java and java.endswith(" (java threshold 100.0%)")
    assert rows[-1].startswith("1 flagged and 1 uncertain of 2 judged spans in 2 files ")
    assert "thresholds java 100.0%, python 0.0%)" in rows[-1] and "other" not in rows[-1]

    table = scan(*args, "--format", "markdown").stdout
    assert "| span | name | probability | threshold | verdict |\n|---|---|---:|---:|---|\n" in table
    assert (
        "| `pushAll` | " in table and "| 100.0% (java) | uncertain, below the threshold |" in table
    )

    sarif = json.loads(scan(*args, "--format", "sarif").stdout)["runs"][0]["results"]
    by_name = {r["locations"][0]["logicalLocations"][0]["name"]: r for r in sarif}
    assert by_name["pushAll"]["message"]["text"].endswith(", java threshold 100.0%)")
    assert by_name["pushAll"]["properties"]["threshold"] == 1.0
    assert by_name["summarise"]["properties"]["threshold"] == 0.0
    climate = json.loads(scan(*args, "--format", "codeclimate").stdout)
    assert any("java threshold 100.0%). A probability" in i["description"] for i in climate)


def test_a_probability_just_below_its_threshold_never_reads_as_equal_to_it(
    code: Path, tiny_ig_model_dir: Path, tmp_path: Path
) -> None:
    """Both rounded to one decimal, a span 0.02 points below its threshold read "56.4% uncertain
    (java threshold 56.4%)", as if at the threshold and still not flagged; rows and `explain` now
    show as many decimals as it takes. A threshold given with `--threshold` is said in the
    markdown summary's closing caveat, whose 1% is the model's thresholds'."""
    args = (str(code), "--exit-zero", "--format", "json")
    spans = json.loads(scan(*args, "--model", str(tiny_ig_model_dir)).stdout)["files"]
    p = next(s["probability"] for f in spans for s in f["spans"] if s["name"] == "pushAll")
    t = round(p, 4) + 0.0002  # above it, and the same to one decimal
    assert f"{p:.1%}" == f"{t:.1%}"
    model = with_thresholds(tiny_ig_model_dir, tmp_path / "m", {
        "llm": 0.0, "uncertain": 0.0, "languages": {"java": {"llm": t, "uncertain": 0.0}},
    })  # fmt: skip
    rows = scan(str(code), "--model", str(model), "--exit-zero").stdout.splitlines()
    java = next(r for r in rows if "pushAll" in r)
    assert " uncertain " in java and f"(java threshold {t * 100:.2f}%)" in java
    assert f"{p * 100:.2f}% uncertain" in java
    line = int(java.split(":")[1].split("-")[0])
    explained = subprocess.run(
        [sys.executable, "-m", "codeorigin", "explain", f"{code / 'Stack.java'}:{line}", "--model",
         str(model)], capture_output=True, text=True, timeout=180,
    ).stdout  # fmt: skip
    assert f"Threshold: {t * 100:.2f}%" in explained and f"{p * 100:.2f}%" in explained

    caveat = scan(str(code), "--model", str(model), "--exit-zero", "--format", "markdown",
                  "--threshold", "0.5").stdout.splitlines()[-1]  # fmt: skip
    assert "used a threshold of 50.0% given with `--threshold`" in caveat
    default = scan(str(code), "--model", str(model), "--exit-zero", "--format", "markdown")
    assert "the default thresholds flag about 1%" in default.stdout.splitlines()[-1]


SCRIPT = """import sys

LIMIT = int(sys.argv[1]) if len(sys.argv) > 1 else 10
values = [int(line) for line in sys.stdin if line.strip()]
print(sum(values[:LIMIT]) / max(1, len(values[:LIMIT])))
"""


def test_module_code_with_its_own_threshold_is_judged_by_it(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    """A language's module code (what stands outside its functions) is judged at its own
    threshold where the model has one (`thresholds.modules`), never below its language's; the
    reports name it beside the language's."""
    root = tmp_path / "code"
    root.mkdir()
    (root / "stats.py").write_text(SCRIPT + "\n\n" + PY)
    model = with_thresholds(tiny_model_dir, tmp_path / "m", {
        "llm": 0.0, "uncertain": 0.0, "languages": {"python": {"llm": 0.0, "uncertain": 0.0}},
        "modules": {"python": {"llm": 1.0, "uncertain": 1.0}}})  # fmt: skip
    res = scan(str(root), "--model", str(model), "--format", "json", "--exit-zero")
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    kinds = {s["kind"]: s["verdict"] for f in data["files"] for s in f["spans"]}
    assert kinds == {"module": "human", "function": "llm"}
    assert data["model"]["module_thresholds_by_language"] == {"python": 1.0}
    text = scan(str(root), "--model", str(model), "--exit-zero").stdout
    assert "thresholds python 0.0% (module code 100.0%)" in text
    # Flagged at its own, a module span's row names the threshold it was judged at.
    low = with_thresholds(tiny_model_dir, tmp_path / "low", {
        "llm": 0.0, "uncertain": 0.0, "languages": {"python": {"llm": 0.0, "uncertain": 0.0}},
        "modules": {"python": {"llm": 0.001, "uncertain": 0.001}}})  # fmt: skip
    markdown = scan(str(root), "--model", str(low), "--exit-zero", "--format", "markdown").stdout
    assert "| 0.1% (python module code) | likely LLM-generated |" in markdown
    # Below its language's threshold, a module threshold is never used.
    below = with_thresholds(tiny_model_dir, tmp_path / "below", {
        "llm": 0.0, "uncertain": 0.0, "languages": {"python": {"llm": 1.0, "uncertain": 1.0}},
        "modules": {"python": {"llm": 0.0, "uncertain": 0.0}}})  # fmt: skip
    res = scan(str(root), "--model", str(below), "--format", "json", "--exit-zero")
    assert {s["verdict"] for f in json.loads(res.stdout)["files"] for s in f["spans"]} == {"human"}
    # A threshold the user sets applies to module code too.
    res = scan(str(root), "--model", str(model), "--format", "json", "--threshold", "0.0",
               "--exit-zero")  # fmt: skip
    assert {s["verdict"] for f in json.loads(res.stdout)["files"] for s in f["spans"]} == {"llm"}
    assert set(json.loads(res.stdout)["model"]) == {"name", "threshold"}


@pytest.mark.parametrize(
    ("thresholds", "named"),
    [({"llm": 0.5, "languages": {"java": {"llm": 7}}}, "thresholds.languages.java"),
     ({"llm": 0.5, "modules": {"go": {"llm": 1.5}}}, "thresholds.modules.go"),
     ({"llm": 0.5, "reference": {"margin": "high"}}, "thresholds.reference.margin"),
     ({"llm": 0.5, "reference": {"margin": 1.5, "min_functions": -3}},
      "thresholds.reference.min_functions")],
    ids=["language", "module code", "reference margin", "reference size"],
)  # fmt: skip
def test_a_bad_threshold_is_a_clear_error(
    code: Path, tiny_model_dir: Path, tmp_path: Path, thresholds: dict, named: str
) -> None:
    model = with_thresholds(tiny_model_dir, tmp_path / "bad", thresholds)
    res = scan(str(code), "--model", str(model))
    assert res.returncode == 2
    assert named in res.stderr
    assert "Traceback" not in res.stderr
