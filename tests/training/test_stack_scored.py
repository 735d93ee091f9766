"""`codeorigin-train stack-scored`: the shipped folder's grafted stack scores Kotlin and Swift, which
its donor read and abstained on, and PHP, which the base scored and abstained on, so that a
repository's own calibration can judge them; through the real command on the shipped folder as it
was before, the runtime's scorer and its engine."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from codeorigin.engine.scoring import Engine
from codeorigin.model.scorer import Model

SHIPPED = Path(__file__).resolve().parents[2] / "models" / "default"
WORDS = ["total", "count", "items", "value", "result", "index", "offset", "limit"]


def _run(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "codeorigin_train", "stack-scored", *argv],
                          capture_output=True, text=True, timeout=600)  # fmt: skip


def function(rng: random.Random, language: str, i: int) -> str:
    a, b = rng.sample(WORDS, 2)
    body = "".join(f"    {'val' if language == 'kotlin' else 'let'} v{k} = {a} * {k + i}\n"
                   for k in range(rng.randint(3, 6)))  # fmt: skip
    head = {"kotlin": f"fun f{i}({a}: Long, {b}: Long): Long {{",
            "swift": f"func f{i}({a}: Int, {b}: Int) -> Int {{",
            "python": f"def f{i}({a}, {b}):", "go": f"func F{i}({a}, {b} int) int {{",
            "php": f"function f{i}(${a}, ${b}) {{"}[language]  # fmt: skip
    tail = {"python": f"    return {b}\n"}.get(language, f"    return {b}\n}}\n")
    if language == "python":
        body = "".join(f"    v{k} = {a} * {k + i}\n" for k in range(3))
    if language == "php":
        body = "".join(f"    $v{k} = ${a} * {k + i};\n" for k in range(3))
        tail = f"    return ${b};\n}}\n"
    if language == "go":
        body = "".join(f"    v{k} := {a} * {k + i}\n    _ = v{k}\n" for k in range(3))
    return f"{head}\n{body}{tail}"


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The shipped folder as it was before the command (its grafted stack not reading Kotlin
    and Swift), and functions: Kotlin and Swift of two test repositories and one validation
    repository, Python and Go to check."""
    root = tmp_path_factory.mktemp("stack-scored")
    base = root / "base"
    shutil.copytree(SHIPPED, base)
    raw = json.loads((base / "manifest.json").read_text())
    scored = raw["grafted"]["agentic"]["scored"]["languages"]
    assert {"kotlin", "swift", "php"} <= set(scored)  # the shipped folder is this command's output
    for s in raw["stacks"]:
        s["languages"] = [x for x in s["languages"] if x not in ("kotlin", "swift", "php")]
    raw["languages"] = [x for x in raw["languages"] if x not in ("kotlin", "swift")]
    raw["abstain"] = {k: v for k, v in raw["abstain"].items() if k not in ("kotlin", "swift")}
    raw["abstain"]["php"] = scored["php"]["base_reason"]  # the base scored PHP and abstained
    for lang in ("kotlin", "swift", "php"):
        del scored[lang]
    (base / "manifest.json").write_text(json.dumps(raw))
    rng = random.Random(5)
    rows = []
    for language in ("kotlin", "swift", "php"):
        for split, repo in (("test", "a/one"), ("test", "a/two"), ("val", "b/three")):
            for label in (0, 1):
                for _ in range(6):
                    rows.append({"code": function(rng, language, len(rows)), "language": language,
                                 "label": label, "repo": f"{repo}-{language}", "split": split,
                                 "group": f"{repo}-{language}"})  # fmt: skip
    for language in ("python", "go"):
        for _ in range(5):
            rows.append({"code": function(rng, language, len(rows)), "language": language,
                         "label": 0, "repo": "", "split": "test", "group": "a release"})  # fmt: skip
    pd.DataFrame(rows).to_parquet(root / "rows.parquet")
    return {"base": base, "rows": root / "rows.parquet", "root": root}


def test_the_stack_scores_kotlin_swift_and_php_and_they_stay_not_judged_until_calibrated(
    inputs: dict[str, Path],
) -> None:
    out = inputs["root"] / "out"
    res = _run("--base", str(inputs["base"]), "--languages", "kotlin", "swift", "php",
               "--out", str(out), "--rows", str(inputs["rows"]))  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert "kotlin: scored by the stack 'agentic', not judged (269 held-out human" in res.stdout
    # PHP, which the base scored, gets the stack's own reason, measured on the validation split's
    # people, and the base's ranking beside the stack's.
    assert ("php: scored by the stack 'agentic', not judged (6 held-out human functions cannot "
            "bound") in res.stdout and "; the base: test: 12 agents'" in res.stdout  # fmt: skip
    raw = json.loads((out / "manifest.json").read_text())
    assert raw["stacks"][0]["languages"][-3:] == ["kotlin", "swift", "php"]
    assert raw["abstain"]["swift"].startswith("87 held-out human functions cannot bound")
    record = raw["grafted"]["agentic"]["scored"]["languages"]
    test = record["kotlin"]["within"]["test"]
    assert (test["repositories"], test["agents"], test["people"]) == (2, 12, 12)
    assert 0.0 <= test["pair_auroc"] <= 1.0 and "base_within" not in record["kotlin"]
    assert record["php"]["base_reason"].startswith("at the threshold that keeps")
    assert record["php"]["base_within"]["val"]["agents"] == 6
    # The folder is the shipped one but for PHP's measured reason and the record.
    shipped = json.loads((SHIPPED / "manifest.json").read_text())
    assert {k: sorted(s["languages"]) for k, s in enumerate(raw["stacks"])} == {
        k: sorted(s["languages"]) for k, s in enumerate(shipped["stacks"])}
    for key in ("languages", "thresholds"):
        assert raw[key] == shipped[key], key
    assert {k: v for k, v in raw["abstain"].items() if k != "php"} == {
        k: v for k, v in shipped["abstain"].items() if k != "php"}
    # The engine abstains on each with its reason, but a repository's own threshold would have
    # it judged; PHP scores as the stack has it; Python and Go score as before.
    engine = Engine(Model.load(out))
    assert "269 held-out human functions" in (engine.abstains("kotlin") or "")
    assert "6 held-out human functions" in (engine.abstains("php") or "")
    assert all(engine.calibratable(x) for x in ("kotlin", "swift", "php"))
    rows = pd.read_parquet(inputs["rows"])
    got = np.array([s.probability for s in Model.load(out).score_texts(
        rows["code"].tolist(), rows["language"].tolist())])  # fmt: skip
    want = np.array([s.probability for s in Model.load(inputs["base"]).score_texts(
        rows["code"].tolist(), rows["language"].tolist())])  # fmt: skip
    other = rows["language"].isin(["python", "go"]).to_numpy()
    php = (rows["language"] == "php").to_numpy()
    assert np.all(np.isfinite(got)) and np.array_equal(got[other], want[other])
    assert not np.allclose(got[php], want[php])
    assert not Engine(Model.load(inputs["base"])).calibratable("kotlin")


@pytest.mark.parametrize(("languages", "said"), [
    (["scala"], "did not read scala and abstain on it"),
    (["python"], "--base judges python"),
    (["typescript"], "--base scores typescript by a stack already"),
])  # fmt: skip
def test_a_language_the_stack_cannot_take_is_refused_and_nothing_is_written(
    inputs: dict[str, Path], languages: list[str], said: str
) -> None:
    out = inputs["root"] / f"refused-{languages[0]}"
    res = _run("--base", str(inputs["base"]), "--languages", *languages, "--out", str(out),
               "--rows", str(inputs["rows"]))  # fmt: skip
    assert res.returncode != 0 and said in res.stderr and not out.exists()
    res = _run("--base", str(SHIPPED), "--languages", "kotlin", "--out", str(out),
               "--rows", str(inputs["rows"]))  # fmt: skip
    assert "--base scores kotlin by a stack already" in res.stderr and not out.exists()
