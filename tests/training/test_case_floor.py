"""`codeorigin-train case-floor`: TypeScript's test cases get a threshold of their own, bounded on
people's test cases of train and validation repositories (a test repository's measure it), and
`codeorigin scan` judges them at it; too few people's cases leave them not judged."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pandas as pd
import pytest

from codeorigin_train.export.case_floor import main
from helpers.cli import scan
from helpers.thresholds import with_thresholds

REPOSITORIES = 20  # a bound that rests on repositories needs 19 of them (95% confidence)


def spec(n: int) -> str:
    """A test file of two cases, different in each repository."""
    return (f'import {{ total{n} }} from "./total";\n\ndescribe("total{n}", () => {{\n'
            f'  it("adds {n} numbers", () => {{\n    const values = [{n}, {n + 1}, {n + 2}];\n'
            f"    expect(total{n}(values)).toBe({3 * n + 3});\n    expect(values).toHaveLength(3);\n  }});\n"
            f'  test("is zero for none of {n}", () => {{\n    const none: number[] = [];\n'
            f"    expect(total{n}(none)).toBe(0);\n    expect(none.length).toBe(0);\n  }});\n}});\n")  # fmt: skip


def added(path: str, text: str) -> str:
    lines = text.splitlines()
    return (f"diff --git a/{path} b/{path}\nnew file mode 100644\n--- /dev/null\n+++ b/{path}\n"
            f"@@ -0,0 +1,{len(lines)} @@\n" + "".join(f"+{line}\n" for line in lines))  # fmt: skip


def write_repo(folder: Path, repo: str, snapshot: str | None, agents: str | None = None) -> None:
    records: list[dict] = [
        {"kind": "repo", "repo": repo, "language": "TypeScript", "human_cutoff": "2022-06-21"}
    ]
    if snapshot is not None:
        records.append({"kind": "snapshot", "origin": "human", "commit": "e" * 40,
                        "date": "2022-06-20T10:00:00+00:00",
                        "files": [{"path": "src/total.test.ts", "is_test": True, "text": snapshot}]})  # fmt: skip
    if agents is not None:
        path = "src/more.test.ts"
        records.append({"kind": "change", "origin": "agent", "agent": "claude-code",
                        "how": "trailer", "marker": "Co-Authored-By: Claude <noreply@anthropic.com>",
                        "pr": None, "pr_state": None, "commits": ["b" * 40], "base": "a" * 40,
                        "head": "c" * 40, "date": "2025-09-01T10:00:00+00:00",
                        "author_date": "2025-09-01T10:00:00+00:00", "author": "Ann <a@example.org>",
                        "subject": "Test more totals", "patch": added(path, agents),
                        "files": [{"path": path, "status": "A", "lines_added": 12,
                                   "is_test": True, "text": agents}], "files_omitted": []})  # fmt: skip
    with gzip.open(folder / f"{repo.replace('/', '+')}.jsonl.gz", "wt", encoding="utf-8") as f:
        f.write("".join(json.dumps(r) + "\n" for r in records))


@pytest.fixture
def inputs(tmp_path: Path, tiny_model_dir: Path) -> tuple[Path, Path, Path]:
    """20 train repositories of people's test cases, a test repository with an agent's test file
    beside its people's, their splits, and a base folder with TypeScript's threshold at 0."""
    folder = tmp_path / "data" / "agent-changes"
    folder.mkdir(parents=True)
    for n in range(REPOSITORIES):
        write_repo(folder, f"octo/r{n}", spec(n))
    write_repo(folder, "octo/held", spec(100), agents=spec(200))
    splits = tmp_path / "splits.parquet"
    repos = [f"octo/r{n}" for n in range(REPOSITORIES)] + ["octo/held"]
    pd.DataFrame({"repo": repos, "split": ["train"] * REPOSITORIES + ["test"]}).to_parquet(splits)
    base = with_thresholds(tiny_model_dir, tmp_path / "base", {
        "llm": 0.0, "uncertain": 0.0,
        "languages": {"typescript": {"llm": 0.0, "uncertain": 0.0}}})  # fmt: skip
    return tmp_path / "data", splits, base


def run(inputs: tuple[Path, Path, Path], out: Path, *more: str) -> dict:
    data, splits, base = inputs
    assert main(["--base", str(base), "--out", str(out), "--data-root", str(data),
                 "--sources", "agent-changes", "--splits", str(splits), *more]) == 0  # fmt: skip
    return json.loads((out / "manifest.json").read_text())


def test_test_cases_get_a_threshold_bounded_on_people_of_train_repositories(
    inputs: tuple[Path, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    raw = run(inputs, out, "--max-fpr", "0.2")
    record = raw["case_floor"]["typescript"]
    assert (record["cases"], record["repositories"], record["judged"]) == (40, 20, True)
    threshold = raw["thresholds"]["cases"]["typescript"]["llm"]
    assert threshold == record["threshold"] == max(record["bound"], 0.0)
    # The test repository measures it: the agent's two cases, the people's two.
    assert (record["test"]["agents"], record["test"]["people"]) == (2, 2)
    said = capsys.readouterr().out
    assert "typescript: test-case threshold" in said and "of 2 agents' cases caught" in said
    for name in raw["files"]:  # the model files are the base's
        assert (out / name).read_bytes() == (inputs[2] / name).read_bytes()
    code = tmp_path / "code"
    code.mkdir()
    (code / "total.test.ts").write_text(spec(7))
    data = json.loads(
        scan(str(code), "--model", str(out), "--format", "json", "--exit-zero").stdout
    )
    assert data["model"]["case_thresholds_by_language"] == {"typescript": round(threshold, 4)}
    cases = [s for f in data["files"] for s in f["spans"] if s["kind"] == "case"]
    assert len(cases) == 2 and all(s["verdict"] in ("llm", "uncertain", "human") for s in cases)


def test_too_few_people_leave_test_cases_not_judged(
    inputs: tuple[Path, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """At 1% with 95% confidence 40 cases bound nothing (299 are needed): no threshold is written
    and the runtime leaves the cases not judged."""
    raw = run(inputs, tmp_path / "out")
    assert raw["thresholds"]["cases"] == {}
    record = raw["case_floor"]["typescript"]
    assert record["judged"] is False and "it needs 299 of 19" in record["why"]
    assert "typescript: test cases not judged: 40 people's test cases" in capsys.readouterr().out
