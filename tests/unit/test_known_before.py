"""`scan --diff REV` blames a change for what it brings, not for the history of the functions it
touches (`codeorigin.scan.prior`): a function flagged at the merge base that the change edits in at
most half of its lines is *known before the change*, set aside as a baseline finding is (not
reported, not pooled into the change's verdict, not counted toward the exit status), with its base
and the probability it had there. Through the real command line and real git; `--threshold`
decides the verdicts of the tiny model (its uncertain band starts at 40%)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from helpers.cli import scan
from helpers.gitrepo import APP, FRESH, git, init_repo

ONE_LINE = APP.replace("sorted(kept)", "sorted(kept, reverse=True)")  # one of keep's 7 lines


def branch(tmp_path: Path, before: str, after: str, *, name: str = "app.py") -> Path:
    """A repository whose main holds app.py as `before`, on a branch `fix` that makes it `after`
    (committed as `name`: a rename when it is another name)."""
    root = init_repo(tmp_path / "repo")
    (root / "app.py").write_text(before)
    git(root, "add", "app.py")
    git(root, "commit", "-qm", "on main for a year")
    git(root, "checkout", "-qb", "fix")
    if name != "app.py":
        git(root, "mv", "app.py", name)
    (root / name).write_text(after)
    git(root, "commit", "-qam", "the fix")
    return root


def spans_of(data: dict) -> dict[str, dict]:
    return {s["name"]: s for f in data["files"] for s in f["spans"]}


def diff(root: Path, model: Path, *args: str) -> tuple[int, dict]:
    res = scan("--diff", "main", "--format", "json", "--model", str(model), *args, cwd=root)
    assert res.returncode in (0, 1), res.stderr
    return res.returncode, json.loads(res.stdout)


def test_a_one_line_fix_in_a_function_flagged_on_main_is_not_the_change(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    root = branch(tmp_path, APP, ONE_LINE)
    base = git(root, "merge-base", "main", "HEAD").strip()[:10]
    model = ("--threshold", "0", "--model", str(tiny_model_dir))  # everything is flagged
    code, data = diff(root, tiny_model_dir, "--threshold", "0")
    assert code == 0  # the only span the change touched was flagged before it
    keep = spans_of(data)["keep"]
    assert keep["verdict"] == "llm" and keep["changed_lines"] == 1
    assert "baseline" not in keep
    assert keep["known_before"]["base"] == base and 0 < keep["known_before"]["probability"] < 1
    assert data["change"]["spans"] == 0 and data["change"]["probability"] is None
    assert data["change"]["reason"] == "1 span is already flagged at the change's base"

    text = scan("--diff", "main", *model, cwd=root)
    assert text.returncode == 0, text.stderr
    head, line, summary = text.stdout.splitlines()[:3]
    assert head.endswith("no span judged (1 span is already flagged at the change's base).")
    pct = f"{keep['known_before']['probability']:.1%}"
    assert line.endswith(
        f"function keep (1 of 7 lines changed; flagged before the change, base {base}: {pct})"
    )
    assert summary.startswith("0 flagged and 0 uncertain of 1 judged span ") and summary.endswith(
        "1 flagged before the change"
    )

    sarif = scan("--diff", "main", "--format", "sarif", *model, cwd=root)
    run = json.loads(sarif.stdout)["runs"][0]
    assert sarif.returncode == 0 and run["results"] == []
    assert run["properties"]["leftOut"] == {"before": 1}
    notes = [n["message"]["text"] for n in run["invocations"][0]["toolExecutionNotifications"]]
    assert "1 finding already flagged at the change's base is left out of the results." in notes

    markdown = scan("--diff", "main", "--format", "markdown", *model, cwd=root).stdout
    assert "0 flagged and 0 uncertain of 1 judged span in 1 file" in markdown
    assert "<summary>The 1 judged span the change touched</summary>" in markdown
    assert "flagged before the change, base " in markdown

    # A baseline written from the change records it: a finding of the code as it is now.
    written = scan("--diff", "main", *model, "--write-baseline", "b.json", cwd=root)
    assert "wrote 1 finding to b.json" in written.stderr, written.stderr


# `load` has 8 lines: 4 edited is half of them, 5 is more.
HALF = (
    APP.replace("total = 0", "acc = 0")
    .replace("total += int(item)", "acc += int(item)")
    .replace("return total", "return acc")
    .replace('data.split(",")', 'data.split(";")')
)
MORE = HALF.replace("data = handle.read()", "data = handle.read().strip()")


def test_a_function_rewritten_in_more_than_half_its_lines_is_the_change(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    code, data = diff(branch(tmp_path / "half", APP, HALF), tiny_model_dir, "--threshold", "0")
    load = spans_of(data)["load"]
    assert code == 0 and load["changed_lines"] == 4 and "known_before" in load
    code, data = diff(branch(tmp_path / "more", APP, MORE), tiny_model_dir, "--threshold", "0")
    load = spans_of(data)["load"]
    assert code == 1 and load["changed_lines"] == 5 and "known_before" not in load
    assert data["change"]["spans"] == 1 and data["change"]["verdict"] == "llm"


def test_a_new_function_beside_the_fix_is_still_judged(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    root = branch(tmp_path, APP, ONE_LINE + FRESH)
    code, data = diff(root, tiny_model_dir, "--threshold", "0")
    spans = spans_of(data)
    assert code == 1  # `fresh` is the change's own
    assert "known_before" in spans["keep"] and "known_before" not in spans["fresh"]
    assert data["change"]["spans"] == 1  # `fresh` alone
    text = scan("--diff", "main", "--threshold", "0", "--model", str(tiny_model_dir), cwd=root)
    assert (
        "1 flagged and 0 uncertain of 2 judged spans" in text.stdout
        and "; 1 flagged before the change" in text.stdout
    )
    assert "pooled over 1 judged span)" in text.stdout.splitlines()[0]


def test_a_renamed_file_is_read_at_the_base_under_its_old_name(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    root = branch(tmp_path, APP, ONE_LINE, name="moved.py")
    code, data = diff(root, tiny_model_dir, "--threshold", "0")
    assert [f["path"] for f in data["files"]] == ["moved.py"]
    assert code == 0 and "known_before" in spans_of(data)["keep"]


def test_a_patch_has_no_base_so_nothing_is_known_before(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    root = branch(tmp_path, APP, ONE_LINE)
    patch = tmp_path / "fix.patch"
    patch.write_text(git(root, "diff", "main...fix"))
    code, data = diff(root, tiny_model_dir, "--threshold", "0")
    assert code == 0 and "known_before" in spans_of(data)["keep"]  # `--diff` knows main
    res = scan("--diff-file", str(patch), "--format", "json", "--threshold", "0", "--model",
               str(tiny_model_dir), cwd=root)  # fmt: skip
    assert res.returncode == 1, res.stderr  # a patch names no base: `keep` is the change's
    data = json.loads(res.stdout)
    assert "known_before" not in spans_of(data)["keep"] and data["change"]["spans"] == 1


def _probabilities(tmp_path: Path, model: Path, **texts: str) -> dict[str, float]:
    """The tiny model's probability of `keep` in each text, by the text's name."""
    folder = tmp_path / "probe"
    folder.mkdir()
    for name, text in texts.items():
        (folder / f"{name}.py").write_text(text)
    res = scan(str(folder), "--format", "json", "--exit-zero", "--model", str(model))
    data = json.loads(res.stdout)
    return {
        Path(f["path"]).stem: s["probability"]
        for f in data["files"]
        for s in f["spans"]
        if s["name"] == "keep"
    }


def test_a_verdict_is_covered_only_by_one_as_strong_at_the_base(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    """`llm` at the base covers `llm` and `uncertain` now; `uncertain` covers `uncertain` only: a
    function the change pushes from uncertain to likely LLM-generated is reported."""
    p = _probabilities(tmp_path, tiny_model_dir, low=APP, high=ONE_LINE)
    assert 0.4 <= p["low"] < p["high"], p  # both above the uncertain band's start (40%)
    between = f"{(p['low'] + p['high']) / 2:.6f}"
    rises = branch(tmp_path / "rises", APP, ONE_LINE)  # uncertain on main, llm now
    code, data = diff(rises, tiny_model_dir, "--threshold", between)
    keep = spans_of(data)["keep"]
    assert code == 1 and keep["verdict"] == "llm" and "known_before" not in keep
    falls = branch(tmp_path / "falls", ONE_LINE, APP)  # llm on main, uncertain now
    code, data = diff(falls, tiny_model_dir, "--threshold", between)
    keep = spans_of(data)["keep"]
    assert code == 0 and keep["verdict"] == "uncertain"
    assert keep["known_before"]["probability"] == round(p["high"], 4)
    # Uncertain at both (the threshold above either): known before.
    code, data = diff(rises, tiny_model_dir, "--threshold", "0.99")
    keep = spans_of(data)["keep"]
    assert code == 0 and keep["verdict"] == "uncertain" and "known_before" in keep
    assert re.fullmatch(r"[0-9a-f]{10}", keep["known_before"]["base"])


def test_a_base_a_scan_would_skip_knows_nothing(tmp_path: Path, tiny_model_dir: Path) -> None:
    """A base version that a scan skips (a NUL byte: binary; not UTF-8; over `--max-file-bytes`)
    was never judged, so nothing in it was flagged: the change's edit of keep is judged as its
    own. The same base without its last line (the control) is known before."""
    limit = str(len(ONE_LINE.encode()) + 10)  # the changed file is within it
    for n, (tail, known) in enumerate([(b"# \x00\n", False), (b"# caf\xe9\n", False),
                                       (b"# " + b"x" * 300 + b"\n", False), (b"", True)]):  # fmt: skip
        root = init_repo(tmp_path / f"repo-{n}")
        (root / "app.py").write_bytes(APP.encode() + tail)
        git(root, "add", "app.py")
        git(root, "commit", "-qm", "on main")
        git(root, "checkout", "-qb", "fix")
        (root / "app.py").write_text(ONE_LINE)
        git(root, "commit", "-qam", "the fix")
        code, data = diff(root, tiny_model_dir, "--threshold", "0", "--max-file-bytes", limit)
        keep = spans_of(data)["keep"]
        assert ("known_before" in keep) is known, tail
        assert code == (0 if known else 1)


def test_a_function_moved_or_given_other_line_endings_is_known_before(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    """A change that leaves a flagged function's text as it was, though git counts every line of
    it changed (moved to the top of its file, CRLF line endings), is not blamed for it; one it
    moves and edits in more than half of its lines (MORE's `load`) is its own."""
    keep = APP[APP.index("def keep") :]
    moved = keep + "\n\n" + APP[: APP.index("def keep")].rstrip() + "\n"
    for name, after in [("moved", moved), ("crlf", APP.replace("\n", "\r\n"))]:
        code, data = diff(branch(tmp_path / name, APP, after), tiny_model_dir, "--threshold", "0")
        spans = spans_of(data)
        assert code == 0, (name, spans)
        for span in spans.values():
            assert span["changed_lines"] * 2 > span["end_line"] - span["start_line"] + 1
            assert "known_before" in span, (name, span)
        assert data["change"]["spans"] == 0
    rewritten = MORE[MORE.index("def keep") :] + "\n\n" + MORE[: MORE.index("def keep")]
    root = branch(tmp_path / "edited", APP, rewritten)
    code, data = diff(root, tiny_model_dir, "--threshold", "0")
    load = spans_of(data)["load"]
    assert code == 1 and "known_before" not in load and data["change"]["spans"] >= 1


def _method(name: str, result: str, *, docstring: str = "") -> str:
    body = f'        """{docstring}"""\n' if docstring else ""
    return (
        f"class {name}:\n"
        "    def keep(self, values):\n" + body + "        kept = []\n"
        "        for value in values:\n"
        "            if value > 0:\n"
        "                kept.append(value)\n"
        f"        result = {result}\n"
        "        return result\n"
    )


def test_a_method_is_known_by_its_own_version_not_by_the_one_deleted_in_its_place(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    """Two classes' `keep`: the change deletes First (its `keep` flagged on main) and edits one
    line of Second's, which moves up into First's place and is now flagged. Second's `keep` was
    not flagged on main, so the change is blamed for it: the base span of its name nearest by
    line (First's) said it was known before the change."""
    first = _method("First", "sorted(kept)", docstring="Keep the positive values, sorted.")
    before, after = _method("Second", "kept[:]"), _method("Second", "sorted(kept, reverse=True)")
    p = _probabilities(tmp_path, tiny_model_dir, first=first, before=before, after=after)
    low, high = p["before"], min(p["first"], p["after"])
    assert 0.4 <= low < high, p  # `before` uncertain, `first` and `after` llm between them
    between = f"{(low + high) / 2:.6f}"
    root = branch(tmp_path, first + "\n\n" + before, after)
    code, data = diff(root, tiny_model_dir, "--threshold", between)
    keep = spans_of(data)["keep"]
    assert keep["verdict"] == "llm" and keep["changed_lines"] == 1
    assert code == 1 and "known_before" not in keep
    # The control: First's `keep` kept, edited in one line, is known before as it was.
    root = branch(tmp_path / "kept", first + "\n\n" + before, first.replace("sorted(kept)",
                  "sorted(kept, reverse=True)") + "\n\n" + before)  # fmt: skip
    code, data = diff(root, tiny_model_dir, "--threshold", "0")
    (edited,) = [s for f in data["files"] for s in f["spans"] if s.get("changed_lines")]
    assert code == 0 and edited["start_line"] == 2 and "known_before" in edited
