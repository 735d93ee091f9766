"""`scan --format markdown`, the reviewer's summary: the change's verdict first, a table of the
flagged and uncertain spans with how much of each the change touched, each flagged span's three
heaviest lines from its explanation, the reminder that a score is not proof, the model card's link,
and never more than 65,000 characters, saying what it left out.

The model (`tiny_ig_model_dir`) pushes its logit up on the planted word `zebra`, so the planted
line of a flagged function must be its heaviest."""

from __future__ import annotations

from pathlib import Path

from helpers.cli import scan
from helpers.gitrepo import git, make_repo
from helpers.igmodel import PLANTED

PLANTED_FUNCTION = f"""

def planted(x):
    total = 0
    for item in x:
        total = total + item
    {PLANTED} = total * 2
    count = len(x)
    return {PLANTED} + count
"""


def test_markdown_summary_of_a_change(tmp_path: Path, tiny_ig_model_dir: Path) -> None:
    repo = make_repo(tmp_path)
    with (repo / "app.py").open("a") as handle:
        handle.write(PLANTED_FUNCTION)
    git(repo, "commit", "-qam", "planted")
    res = scan("--diff", "main", "--format", "markdown", "--threshold", "0", "--model",
               str(tiny_ig_model_dir), cwd=repo)  # fmt: skip
    assert res.returncode == 1, res.stderr
    text = res.stdout
    lines = text.splitlines()
    assert lines[0] == "## codeorigin"
    assert lines[2].startswith("**Change against main (merge base ")
    # `keep`, one line edited and flagged on main, is known before the change: in the folded table.
    assert "2 flagged and 0 uncertain of 3 judged spans in 1 file " in text
    assert "; 1 flagged before the change." in text
    rows = [line for line in lines if line.startswith("| `app.py:")]
    by_name = {row.split("|")[2].strip(): row for row in rows}
    assert set(by_name) == {"`keep`", "`fresh`", "`planted`"}
    assert rows[0] == by_name["`planted`"]  # the most probable first
    assert by_name["`keep`"].endswith("| 1/7 (14%) |")
    assert by_name["`planted`"].endswith("| 7/7 (100%) |")
    assert "other.py" not in text and "`load`" not in text
    why = text[text.index("### Why the flagged spans were flagged") :]
    block = why[why.index("`planted`") :].split("\n\n")[1]
    heaviest = [line for line in block.splitlines() if line.startswith("- L")]
    assert len(heaviest) == 3
    assert f"`{PLANTED} = total * 2`" in heaviest[0] or f"`return {PLANTED} + count`" in heaviest[0]
    assert "A score is a probability, not proof" in text
    assert (
        "(https://github.com/codeorigin/codeorigin/blob/main/models/default/MODEL_CARD.md)" in text
    )


def test_a_huge_change_stays_under_the_comment_limit(
    tmp_path: Path, tiny_ig_model_dir: Path
) -> None:
    """Rows that do not fit are left out, said so; the explanations of the most probable flagged
    spans keep their room (they say more than the last rows of a long table)."""
    repo = make_repo(tmp_path)
    body = "".join(
        f"\n\ndef function_with_a_rather_long_name_{i}(values, limit):\n"
        f"    total = {i}\n    for value in values:\n        total = total + value * limit\n"
        "    return total\n"
        for i in range(1500)
    )
    (repo / "big.py").write_text(body)
    res = scan("--diff", "--format", "markdown", "--threshold", "0", "--model",
               str(tiny_ig_model_dir), cwd=repo, timeout=600)  # fmt: skip
    assert res.returncode == 1, res.stderr
    assert len(res.stdout) < 65_000
    assert "1500 flagged and 0 uncertain of 1500 judged spans" in res.stdout
    assert "_Left out to stay under 65,000 characters: " in res.stdout
    assert "of 1500 table rows" in res.stdout and "explanations" not in res.stdout.split("_Left")[1]
    assert res.stdout.count(", the lines that weigh most:") == 10
    assert res.stdout.rstrip().endswith("before you act on a score.")


def test_markdown_explains_the_most_probable_and_says_what_else_it_set_aside(
    tmp_path: Path, tiny_ig_model_dir: Path
) -> None:
    """Integrated Gradients costs about a second a span: the summary explains the ten most
    probable flagged spans and points to `codeorigin explain` for the others. A suppressed span
    and a skipped file are said, not left out silently."""
    repo = make_repo(tmp_path)
    body = "".join(PLANTED_FUNCTION.replace("planted(", f"planted_{i}(") for i in range(12))
    (repo / "many.py").write_text(body)
    (repo / "quiet.py").write_text(
        "# codeorigin: ignore ported by hand\n" + PLANTED_FUNCTION.lstrip()
    )
    (repo / "blob.py").write_bytes(b"\x00\x01binary")
    res = scan("--diff", "--format", "markdown", "--threshold", "0", "--model",
               str(tiny_ig_model_dir), cwd=repo)  # fmt: skip
    assert res.returncode == 1, res.stderr
    text = res.stdout
    why = text[text.index("### Why the flagged spans were flagged") :]
    assert why.count(", the lines that weigh most:") == 10
    assert "_The 10 most probable of the 12 flagged spans are explained here; " in why
    assert "`codeorigin explain PATH:LINE` explains any span._" in why
    assert "; 1 suppressed; 1 file or folder skipped." in text
    assert "(suppressed: ported by hand)" in text  # in the folded table of the other spans
    assert "<details><summary>1 file or folder skipped</summary>" in text
    assert "- `blob.py`: binary file" in text


def test_markdown_says_which_languages_the_shipped_model_does_not_judge(tmp_path: Path) -> None:
    """A change only in a language the shipped model does not judge reads as such, not as clean."""
    (tmp_path / "tool.rs").write_text(
        "pub fn total(values: &[i32]) -> i32 {\n    let mut sum = 0;\n    for v in values {\n"
        "        sum += v;\n    }\n    let count = values.len() as i32;\n    sum + count\n}\n"
    )
    res = scan("tool.rs", "--format", "markdown", cwd=tmp_path)  # the shipped default model
    assert res.returncode == 0, res.stderr
    assert "0 flagged and 0 uncertain of 0 judged spans in 1 file" in res.stdout
    assert "Nothing was scored: 1 span is in a language the model does not judge." in res.stdout
    assert "\nNot judged: the model does not judge rust: " in res.stdout


def test_the_folded_spans_are_counted_in_words(tmp_path: Path, tiny_model_dir: Path) -> None:
    """The folded table of the change's other judged spans: "1 other judged span", "2 judged
    spans" (suppressed spans are judged but not reported: they land there, as `keep`, one line
    edited and flagged on main, known before the change, does)."""
    repo = make_repo(tmp_path)  # the branch adds `fresh` and edits `keep`
    app = (repo / "app.py").read_text()
    ignore = "# codeorigin: ignore\n"
    for text, summary in (
        (app.replace("def keep", ignore + "def keep"), "The 1 other judged span the change"),
        (app.replace("def fresh", ignore + "def fresh").replace("def keep", ignore + "def keep"),
         "The 2 judged spans the change"),
    ):  # fmt: skip
        (repo / "app.py").write_text(text)
        res = scan("--diff", "main", "--format", "markdown", "--threshold", "0", "--exit-zero",
                   "--model", str(tiny_model_dir), cwd=repo)  # fmt: skip
        assert res.returncode == 0, res.stderr
        assert f"<details><summary>{summary} touched</summary>" in res.stdout


def test_code_with_pipes_and_backticks_reads_exactly(
    tmp_path: Path, tiny_ig_model_dir: Path
) -> None:
    """A path with a pipe and a backtick shows exactly: escaped in the table (GitHub's tables need
    `\\|`), not elsewhere (a backslash would show). Two identical functions of one file are two
    findings for code scanning and code quality, each with its own fingerprint."""
    import json

    folder = tmp_path / "odd"
    folder.mkdir()
    odd = folder / "a|b`c.py"
    odd.write_text(PLANTED_FUNCTION)
    res = scan(odd.name, "--format", "markdown", "--threshold", "0", "--model",
               str(tiny_ig_model_dir), cwd=folder)  # fmt: skip
    text = res.stdout
    assert "| ``a\\|b`c.py:3`` |" in text  # in the table: a longer fence, the pipe escaped
    assert "**``a|b`c.py:3`` `planted`**" in text  # outside it: no backslash
    # Code scanning and code quality tell two identical functions apart.
    twice = tmp_path / "twice.py"
    twice.write_text(PLANTED_FUNCTION + PLANTED_FUNCTION.replace("def planted", "def planted_b")
                     + "\n\nclass A:" + PLANTED_FUNCTION.replace("\n", "\n    ")
                     + "\n\nclass B:" + PLANTED_FUNCTION.replace("\n", "\n    "))  # fmt: skip
    common = (str(twice), "--threshold", "0", "--model", str(tiny_ig_model_dir))
    issues = json.loads(scan(*common, "--format", "codeclimate").stdout)
    prints = [i["fingerprint"] for i in issues]
    assert len(issues) == 4 and len(set(prints)) == 4
    sarif = json.loads(scan(*common, "--format", "sarif").stdout)["runs"][0]
    partial = [r["partialFingerprints"]["codeoriginFinding/v1"] for r in sarif["results"]]
    assert sorted(partial) == sorted(prints)
    assert all(rule["help"]["text"] for rule in sarif["tool"]["driver"]["rules"])


def test_the_summary_names_files_from_the_repositorys_top_as_a_pull_request_does(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    """Run from a subfolder (a job's `working-directory:`), the summary names `app.py`, as the
    SARIF and the pull request do, not `../app.py`; so does `--summary FILE`."""
    repo = make_repo(tmp_path)
    (repo / "docs").mkdir()
    args = ("--diff", "main", "--threshold", "0", "--exit-zero", "--model", str(tiny_model_dir))
    res = scan(*args, "--format", "markdown", "--summary", "summary.md", cwd=repo / "docs")
    assert res.returncode == 0, res.stderr
    for text in (res.stdout, (repo / "docs" / "summary.md").read_text()):
        assert "`app.py:" in text and "../app.py" not in text, text


def test_the_heaviest_lines_are_quoted_from_the_text_scored(
    tmp_path: Path, tiny_ig_model_dir: Path
) -> None:
    """The heaviest lines show the text the explanation weighed: with a form feed above the
    function (a page break, which ends no line for the spans, as for git and an editor), and run
    from a subfolder, where the summary's paths are the repository top's."""
    repo = make_repo(tmp_path)
    with (repo / "app.py").open("a") as handle:
        handle.write("\n\f\n# the next page" + PLANTED_FUNCTION)
    git(repo, "commit", "-qam", "planted")
    (repo / "docs").mkdir()
    args = ("--diff", "main", "--format", "markdown", "--threshold", "0", "--model",
            str(tiny_ig_model_dir))  # fmt: skip
    for cwd in (repo, repo / "docs"):
        res = scan(*args, cwd=cwd)
        assert res.returncode == 1, res.stderr
        why = res.stdout[res.stdout.index("### Why the flagged spans were flagged") :]
        block = why[why.index("`planted`") :].split("\n\n")[1]
        heaviest = [line for line in block.splitlines() if line.startswith("- L")]
        assert len(heaviest) == 3, block
        planted = (f"`{PLANTED} = total * 2`", f"`return {PLANTED} + count`")
        assert any(code in heaviest[0] for code in planted), (cwd, block)


def test_a_carriage_return_in_a_file_name_keeps_the_table_whole(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    """A CR alone ends a line in Markdown: in a file name it split the name's table row; the
    name is quoted as git quotes it."""
    repo = make_repo(tmp_path)
    (repo / "cr\rx.py").write_text(PLANTED_FUNCTION)
    res = scan("--diff", "--format", "markdown", "--threshold", "0", "--model",
               str(tiny_model_dir), cwd=repo)  # fmt: skip
    assert res.returncode == 1, res.stderr
    rows = [line for line in res.stdout.splitlines() if line.startswith("|")]
    assert all(row.endswith("|") for row in rows), rows
    assert '| `"cr\\rx.py":3` | `planted` |' in res.stdout


PLAIN_FUNCTION = """
def plain(values):
    total = 0
    for value in values:
        total = total + value
    count = len(values)
    return total + count
"""


def test_a_repository_list_gets_a_table_per_repository(
    tmp_path: Path, tiny_ig_model_dir: Path
) -> None:
    """`scan --repos --format markdown` (a teacher's folder per student) says what each
    repository holds, as the text report's "Per repository:" does: a row each, flagged first,
    at most 50, and how many more it left out and whether any of them has a flagged span."""
    names = [f"student{k:02d}" for k in range(53)]
    for k, name in enumerate(names):
        (tmp_path / name).mkdir()
        planted = k in (7, 52)  # the last in the list, too: it is not the one cut
        code = PLANTED_FUNCTION if planted else PLAIN_FUNCTION
        (tmp_path / name / "work.py").write_text(code)
    (tmp_path / "repos.txt").write_text("\n".join(names) + "\n")
    res = scan("--repos", "repos.txt", "--format", "markdown", "--threshold", "0.5",
               "--model", str(tiny_ig_model_dir), cwd=tmp_path)  # fmt: skip
    assert res.returncode == 1, res.stderr
    text = res.stdout
    assert "Per repository (53):" in text
    table = text[text.index("Per repository") : text.index("| span |")]
    rows = [line for line in table.splitlines() if line.startswith("| `student")]
    assert len(rows) == 50
    assert [row.split("|")[1].strip() for row in rows[:2]] == ["`student07`", "`student52`"]
    assert rows[0].endswith("| 1 | 0 | 1 | 0 | 1 | 0 |")  # flagged, uncertain, judged, ..., files
    assert "_And 3 more repositories, none with a flagged span" in text
