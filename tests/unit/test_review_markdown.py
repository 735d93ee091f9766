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
    assert "3 flagged and 0 uncertain of 3 judged spans in 1 file " in text
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


def test_a_huge_change_stays_under_the_comment_limit(tmp_path: Path, tiny_model_dir: Path) -> None:
    repo = make_repo(tmp_path)
    body = "".join(
        f"\n\ndef function_with_a_rather_long_name_{i}(values, limit):\n"
        f"    total = {i}\n    for value in values:\n        total = total + value * limit\n"
        "    return total\n"
        for i in range(1500)
    )
    (repo / "big.py").write_text(body)
    res = scan("--diff", "--format", "markdown", "--threshold", "0", "--model",
               str(tiny_model_dir), cwd=repo, timeout=600)  # fmt: skip
    assert res.returncode == 1, res.stderr
    assert len(res.stdout) < 65_000
    assert "1500 flagged and 0 uncertain of 1500 judged spans" in res.stdout
    assert "_Left out to stay under 65,000 characters: " in res.stdout
    assert "of 1500 table rows" in res.stdout
    assert res.stdout.rstrip().endswith("before you act on a score.")
