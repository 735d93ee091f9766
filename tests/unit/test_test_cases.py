"""JavaScript's and TypeScript's test cases (`it("...", () => {...})`, `test(...)`): spans of their
own, named by their description, judged only at a threshold bounded on people's test cases
(`thresholds.cases`, never below the language's), and named as such in every report."""

from __future__ import annotations

import json
from pathlib import Path

from codeorigin.core.spans import extract_spans
from helpers.cli import scan
from helpers.thresholds import with_thresholds

SPEC = """import { parse } from "./parse";

const pattern = /^[a-z]+$/;

describe("parse", () => {
  beforeEach(() => {
    jest.resetModules();
  });

  function sample(size: number): string[] {
    const words = [];
    for (let i = 0; i < size; i++) words.push("w" + i);
    return words;
  }

  it("reads every word of a line", () => {
    const words = sample(3);
    const parsed = parse(words.join(" "));
    expect(parsed).toHaveLength(3);
    expect(parsed[0]).toBe("w0");
  });

  test.each([["a b", 2], ["a", 1]])("counts %s", (line: string, n: number) => {
    const parsed = parse(line);
    expect(parsed).toHaveLength(n);
    expect(parsed.every((w) => pattern.test(w))).toBe(true);
  });
});

if (pattern.test("abc")) {
  console.log("ready");
}
"""


def kinds(text: str, language: str) -> list[tuple[str, str]]:
    return [(s.kind, s.name) for s in extract_spans(text, language)]


def test_a_test_case_is_a_span_named_by_its_description() -> None:
    """Each `it`/`test` case is a span of kind `case` named by its description (`test.each` too);
    `describe`, `beforeEach` and `regex.test(s)` are none; a helper function beside the cases
    is a function, and the rest of the file is module code."""
    found = kinds(SPEC, "typescript")
    assert found == [
        ("module", "<module>"),
        ("function", "sample"),
        ("case", "reads every word of a line"),
        ("case", "counts %s"),
    ]
    module = next(s for s in extract_spans(SPEC, "typescript") if s.kind == "module")
    assert "expect(" not in module.text(SPEC) and "describe(" in module.text(SPEC)
    # The same in JavaScript and TSX; a case inside a named function is that function's.
    js = 'function suite() {\n  it("adds", () => {\n    expect(1 + 1).toBe(2);\n  });\n}\n'
    assert kinds(js, "javascript") == [("function", "suite")]
    tsx = 'it("renders", async function () {\n  render(<App />);\n  await screen.findByText("hi");\n});\n'
    assert kinds(tsx, "typescriptreact") == [("case", "renders")]
    # A call named `test` with no description, or no function, is no test case.
    assert kinds("test(() => {\n  run();\n  run();\n});\n", "typescript") == [
        ("module", "<module>")
    ]
    # Other languages have no test cases of this form.
    assert "case" not in {k for k, _ in kinds('it("x", lambda: (\n  1,\n  2,\n))\n', "python")}


def test_test_cases_are_judged_only_at_a_threshold_of_their_own(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    """Without a threshold bounded on people's test cases the model leaves them not judged (its
    functions are judged); with one they are judged at it, never below the language's, and the
    reports name it."""
    root = tmp_path / "code"
    root.mkdir()
    (root / "parse.test.ts").write_text(SPEC)
    languages = {"typescript": {"llm": 0.0, "uncertain": 0.0}}
    silent = with_thresholds(tiny_model_dir, tmp_path / "silent", {
        "llm": 0.0, "uncertain": 0.0, "languages": languages})  # fmt: skip
    res = scan(str(root), "--model", str(silent), "--format", "json", "--exit-zero")
    assert res.returncode == 0, res.stderr
    spans = [s for f in json.loads(res.stdout)["files"] for s in f["spans"]]
    verdicts = {(s["kind"], s["verdict"]) for s in spans}
    assert ("case", "not_judged") in verdicts and ("function", "llm") in verdicts
    assert ("case", "llm") not in verdicts
    reasons = {s.get("reason") for s in spans if s["kind"] == "case"}
    assert reasons == {"the model has no threshold for test cases in typescript: none was "
                       "bounded on people's test cases of it"}  # fmt: skip

    own = with_thresholds(tiny_model_dir, tmp_path / "own", {
        "llm": 0.0, "uncertain": 0.0, "languages": languages,
        "cases": {"typescript": {"llm": 0.001, "uncertain": 0.001}}})  # fmt: skip
    res = scan(str(root), "--model", str(own), "--format", "json", "--exit-zero")
    data = json.loads(res.stdout)
    assert {s["verdict"] for f in data["files"] for s in f["spans"] if s["kind"] == "case"} == {
        "llm"
    }
    assert data["model"]["case_thresholds_by_language"] == {"typescript": 0.001}
    text = scan(str(root), "--model", str(own), "--exit-zero").stdout
    assert "thresholds typescript 0.0% (test cases 0.1%)" in text
    markdown = scan(str(root), "--model", str(own), "--exit-zero", "--format", "markdown").stdout
    assert "(typescript test cases) | likely LLM-generated |" in markdown

    # A case threshold below the language's is never used.
    high = {"typescript": {"llm": 1.0, "uncertain": 1.0}}
    below = with_thresholds(tiny_model_dir, tmp_path / "below", {
        "llm": 0.0, "uncertain": 0.0, "languages": high,
        "cases": {"typescript": {"llm": 0.0, "uncertain": 0.0}}})  # fmt: skip
    res = scan(str(root), "--model", str(below), "--format", "json", "--exit-zero")
    cases = [s for f in json.loads(res.stdout)["files"] for s in f["spans"] if s["kind"] == "case"]
    assert cases and {s["verdict"] for s in cases} == {"human"}


def test_a_commits_test_cases_are_pooled_with_its_functions(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    """The test cases one commit wrote weigh in with its functions (`scan.commits`), each margin
    over its test cases' threshold; where the model has no threshold for them, nothing of them is
    pooled, and module code never is."""
    from helpers.gitrepo import git

    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    (root / "parse.test.ts").write_text(SPEC)
    git(root, "add", ".")
    git(root, "-c", "user.name=Ann", "-c", "user.email=ann@example.org", "commit", "-qm", "Tests")
    change = {"rule": "mean-margin-by-changed-lines", "a": 1.0, "b": 0.0, "llm": 0.5,
              "uncertain": 0.5, "commits": {"llm": 0.0, "min_spans": 2, "min_share": 0.9}}  # fmt: skip
    high = {"typescript": {"llm": 1.0, "uncertain": 1.0}}
    for name, cases, pooled in (("cases", {"typescript": {"llm": 1.0, "uncertain": 1.0}}, 3),
                                ("none", {}, 0)):  # fmt: skip
        model = with_thresholds(tiny_model_dir, tmp_path / name, {
            "llm": 1.0, "uncertain": 1.0, "languages": high, "cases": cases})  # fmt: skip
        raw = json.loads((model / "manifest.json").read_text())
        (model / "manifest.json").write_text(json.dumps({**raw, "change": change}))
        res = scan(str(root), "--model", str(model), "--format", "json", "--exit-zero")
        assert res.returncode == 0, res.stderr
        spans = [s for f in json.loads(res.stdout)["files"] for s in f["spans"]]
        together = [s for s in spans if "with_commit" in s]
        # Without a case threshold only `sample` is judged: one function, nothing to pool.
        assert len(together) == pooled, together
        if pooled:
            assert {s["kind"] for s in together} == {"function", "case"}
            assert {s["with_commit"]["functions"] for s in together} == {3}
