"""The agentic corpus builder on a tiny git repository made here, read as a user's clone with the
AIDev CSVs beside it, and its merge into a dataset."""

from __future__ import annotations

import csv
import json
import os
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from codeorigin_train.data.agentic.build import main
from codeorigin_train.data.agentic.changes import read_shared
from codeorigin_train.data.agentic.merge import Caps, merge

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"

LIB_2020 = '''\
def parse_header(line, separator=":"):
    name, _, value = line.partition(separator)
    name = name.strip().lower()
    value = value.strip()
    return name, value


def join_headers(headers):
    parts = []
    for name, value in headers:
        parts.append(name + ": " + value)
    return "\\r\\n".join(parts)
'''

UTIL_2020 = '''\
def chunked(items, size):
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def flatten(rows):
    out = []
    for row in rows:
        out.extend(row)
    return out
'''

AGENT_FUNCTION = '''

def normalize_header_name(name: str) -> str:
    """Return the canonical form of an HTTP header name."""
    cleaned = name.strip().replace("_", "-")
    parts = [part.capitalize() for part in cleaned.split("-") if part]
    return "-".join(parts)
'''


def _git(repo: Path, *args: str, date: str | None = None, author: str = "Ada") -> str:
    env = dict(os.environ, GIT_AUTHOR_NAME=author, GIT_AUTHOR_EMAIL=f"{author}@example.org",
               GIT_COMMITTER_NAME=author, GIT_COMMITTER_EMAIL=f"{author}@example.org")  # fmt: skip
    if date:
        env.update(GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
    done = subprocess.run(["git", "-C", str(repo), *args], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def _commit(repo: Path, files: dict[str, str], date: str, author: str = "Ada") -> str:
    for name, text in files.items():
        (repo / name).write_text(text)
        _git(repo, "add", name)
    _git(repo, "commit", "-q", "-m", f"change {date}", date=date, author=author)
    return _git(repo, "rev-parse", "HEAD")


def _write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture()
def clones(tmp_path: Path) -> tuple[Path, Path]:
    return _make_clones(tmp_path, move=False)


@pytest.fixture()
def moving_clones(tmp_path: Path) -> tuple[Path, Path]:
    """The same repository, but the agent's pull request also moves `chunked` from util.py to
    lib.py, unchanged: all of its lines are added to lib.py, and none of them is the agent's."""
    return _make_clones(tmp_path, move=True)


def _make_clones(tmp_path: Path, move: bool) -> tuple[Path, Path]:
    repo = tmp_path / "clones" / "acme+tool"
    repo.mkdir(parents=True)
    _git(repo, "init", "-q", "-b", "main")
    _commit(repo, {"README.md": "tool\n"}, "2019-01-05T10:00:00+00:00")
    _commit(repo, {"lib.py": LIB_2020}, "2020-03-01T10:00:00+00:00")
    _commit(repo, {"util.py": UTIL_2020}, "2020-05-01T10:00:00+00:00")
    # The agent's pull request: one new function, and one line of an old function changed.
    edited = LIB_2020.replace('value = value.strip()', 'value = value.strip().rstrip(";")')
    files = {"lib.py": edited + AGENT_FUNCTION}
    if move:
        chunked, flatten = UTIL_2020.split("\n\n\n")
        files = {"lib.py": edited + AGENT_FUNCTION + "\n\n" + chunked + "\n", "util.py": flatten}
    agent_sha = _commit(repo, files, "2025-02-10T09:00:00+00:00",
                        author="devin-ai-integration[bot]")  # fmt: skip
    aidev = tmp_path / "AIDev-pop"
    _write_csv(aidev / "Devin" / "prs.csv", [{
        "id": "900", "number": "7", "title": "normalize header names", "user": "devin",
        "state": "closed", "created_at": "2025-02-10T08:00:00Z",
        "merged_at": "2025-02-10T10:00:00Z",
        "repo_url": "https://api.github.com/repos/acme/tool",
        "html_url": "https://github.com/acme/tool/pull/7",
    }])  # fmt: skip
    _write_csv(aidev / "Devin" / "pr_commits.csv", [{
        "pr_id": "900", "sha": agent_sha, "author": "devin-ai-integration[bot]",
        "committer": "devin-ai-integration[bot]", "message": "normalize header names",
    }])  # fmt: skip
    return tmp_path / "clones", aidev


def test_builder_reads_a_users_clones(clones: tuple[Path, Path], tmp_path: Path) -> None:
    out = tmp_path / "agentic.parquet"
    assert main(["--clones", str(clones[0]), "--aidev", str(clones[1]), "--out", str(out)]) == 0
    df = pd.read_parquet(out)
    agent = df[df["label"] == 1]
    # Only the function the agent wrote; the old function it edited one line of stays out.
    assert agent["name"].tolist() == ["normalize_header_name"]
    row = agent.iloc[0]
    assert (row["agent"], row["origin"], row["change"], row["repo"]) == ("devin", "pr", "7", "acme/tool")
    assert row["date"] == "2025-02-10T10:00:00Z" and row["path"] == "lib.py"
    assert row["added"] == 1.0 and row["start_line"] == 15
    assert row["code"].startswith("def normalize_header_name(name: str) -> str:")
    human = df[df["label"] == 0]
    # `flatten` has 7 identifier tokens: too short to judge, as the runtime would say.
    assert set(human["name"]) == {"parse_header", "join_headers", "chunked"}
    # The snapshot is the last commit before 2021-07-01: 2020's code, not the agent's edit.
    snap = human[human["origin"] == "snapshot"]
    assert all(d.startswith("2020-05-01") for d in snap["date"])
    assert "value.strip().rstrip" not in " ".join(human["code"])
    # A human commit adding at least 15 source lines is the human counterpart of a pull request;
    # its function is also in the snapshot, and the duplicate is kept once.
    assert human["name"].tolist().count("chunked") == 1
    assert {"snapshot", "commit"} <= set(human["origin"])
    # Every row of one repository is in one split.
    assert df.groupby("repo")["split"].nunique().max() == 1
    assert set(df["source"]) == {"aidev"} and set(df["group"]) == {"repo:acme/tool"}


def test_code_a_change_moved_is_not_code_it_wrote(
    moving_clones: tuple[Path, Path], tmp_path: Path
) -> None:
    """A function the pull request moved (its lines removed from one file, added to another) is not
    the agent's function, nor is any fragment of it; the function the agent wrote still is."""
    from codeorigin_train.data.agentic.changes import read_clones
    from codeorigin_train.data.agentic.fragments import FragmentRules, fragment_rows
    from codeorigin_train.data.agentic.functions import moved_share

    out = tmp_path / "agentic.parquet"
    assert main(["--clones", str(moving_clones[0]), "--aidev", str(moving_clones[1]),
                 "--out", str(out)]) == 0  # fmt: skip
    df = pd.read_parquet(out)
    assert df[df["label"] == 1]["name"].tolist() == ["normalize_header_name"]
    # The moved function is still human code, from the snapshot.
    assert df[df["name"] == "chunked"]["label"].tolist() == [0]
    record = json.loads(out.with_suffix(".json").read_text())
    assert record["extraction"]["pr"]["spans"]["moved"] == 1
    changes, _ = read_clones(*moving_clones)
    agent = fragment_rows(changes, FragmentRules()).query("label == 1")
    assert len(agent) == 1 and "def chunked" not in agent.iloc[0]["code"]
    # As built before: the moved copy is the agent's, so the function is on both sides and the
    # deduplication drops it from both.
    main(["--clones", str(moving_clones[0]), "--aidev", str(moving_clones[1]), "--out", str(out),
          "--keep-moved"])  # fmt: skip
    assert "chunked" not in set(pd.read_parquet(out)["name"])
    agent = fragment_rows(changes, FragmentRules(keep_moved=True)).query("label == 1")
    assert "def chunked" in agent.iloc[0]["code"]
    # 2 of the 4 long lines (12 characters or more, stripped) were removed: `pass` is too short.
    removed = frozenset({"for item in items:", "batch.append(item)"})
    assert moved_share("def f(items):\n    for item in items:\n        batch.append(item)\n"
                       "        pass\n    return total\n", removed) == 0.5  # fmt: skip


def test_builder_options_and_bad_input(clones: tuple[Path, Path], tmp_path: Path) -> None:
    out = tmp_path / "a.parquet"
    # Counting a function with half its lines added takes the edited old function in too.
    main(["--clones", str(clones[0]), "--aidev", str(clones[1]), "--out", str(out),
          "--min-added", "0.0"])  # fmt: skip
    names = set(pd.read_parquet(out).query("label == 1")["name"])
    assert {"normalize_header_name", "parse_header"} <= names
    with pytest.raises(SystemExit, match="--aidev"):
        main(["--clones", str(clones[0]), "--out", str(out)])
    with pytest.raises(SystemExit, match="not found"):
        main(["--data-root", str(tmp_path / "nowhere"), "--out", str(out)])


def test_merge_caps_and_deduplicates(clones: tuple[Path, Path], tmp_path: Path) -> None:
    out = tmp_path / "agentic.parquet"
    main(["--clones", str(clones[0]), "--aidev", str(clones[1]), "--out", str(out)])
    agentic = pd.read_parquet(out)
    repeated = agentic[agentic["name"] == "chunked"].iloc[:1]
    dataset = repeated[["code", "label", "language"]].assign(
        source="other", generator="human", group="g:1", split="train", n_lines=5, has_comments=False
    )
    merged, record = merge(dataset, agentic, Caps(snapshot=1))
    assert (merged["source"] == "other").sum() == 1  # the other source's copy stays
    assert len(merged[(merged["source"] == "aidev") & (merged["origin"] == "snapshot")]) == 1
    assert record["agentic_after_caps"] < record["agentic_read"]


@pytest.mark.skipif(not (SHARED / "SAILResearch+AI_Teammates_in_SE3").is_dir(), reason="no shared data")
def test_shared_folder_reads_every_change() -> None:
    changes, snapshots = read_shared(SHARED / "SAILResearch+AI_Teammates_in_SE3")
    kinds = pd.Series([c.kind for c in changes]).value_counts().to_dict()
    assert kinds == {"commit": 640, "pr": 634}
    assert len(snapshots) == 80
    assert {c.agent for c in changes} == {"codex", "devin", "copilot", "human"}


def test_the_choices_are_judged_on_the_same_rows() -> None:
    from codeorigin_train.analysis.agentic_choices import judge

    rows = []
    for r in range(10):
        for i in range(6):
            rows.append({"repo": f"o/r{r}", "label": 1, "change": str(i), "origin": "pr",
                         "code": f"def agent_{r}_{i}(value: int) -> int:\n    '''Double it.'''\n"
                                 f"    result = value * {i + 2}\n    return result\n"})  # fmt: skip
            rows.append({"repo": f"o/r{r}", "label": 0, "change": "s", "origin": "snapshot",
                         "code": f"def h{r}{i}(v):\n  return v*{i}\n"})  # fmt: skip
    reference = pd.DataFrame(rows)
    late = reference["change"].isin(["3", "4", "5"])
    fewer = reference[~((reference["label"] == 1) & late)]
    full, cut = judge(reference, reference), judge(fewer, reference)
    assert (full["test_agent"], full["test_human"]) == (cut["test_agent"], cut["test_human"]) == (60, 60)
    assert cut["agent_functions"] == 30 and full["agent_functions"] == 60
    assert 0.5 < full["auroc"] <= 1.0


def test_fragments_are_the_lines_each_change_added(clones: tuple[Path, Path]) -> None:
    """`agentic-fragments`: runs of added lines, the agent's from its pull request and the human
    ones from the dated commits; a one-line edit is too short to be one."""
    from codeorigin_train.data.agentic.changes import read_clones
    from codeorigin_train.data.agentic.fragments import FragmentRules, fragment_rows, pieces, runs

    assert runs({3, 4, 5, 9, 10, 12}) == [(3, 5), (9, 10), (12, 12)]
    assert list(pieces(1, 130, FragmentRules())) == [(1, 60), (61, 120), (121, 130)]
    assert list(pieces(1, 64, FragmentRules())) == [(1, 60)]  # a 4-line tail is dropped
    changes, _ = read_clones(*clones)
    df = fragment_rows(changes, FragmentRules())
    agent = df[df["label"] == 1]
    assert len(agent) == 1
    row = agent.iloc[0]
    assert (row["agent"], row["origin"], row["change"], row["path"]) == ("devin", "pr", "7", "lib.py")
    # The blank lines before the new function were added too; the edited line (8) is no fragment.
    assert (row["start_line"], row["end_line"]) == (13, 19)
    assert "def normalize_header_name(name: str) -> str:" in row["code"]
    assert "rstrip" not in " ".join(df["code"])
    human = df[df["label"] == 0]
    assert set(human["origin"]) == {"commit"} and "def chunked(items, size):" in human.iloc[0]["code"]
    assert set(df["source"]) == {"aidev-fragment"} and df.groupby("repo")["split"].nunique().max() == 1


def test_context_functions_are_the_ones_the_pull_request_left_untouched(
    clones: tuple[Path, Path],
) -> None:
    """`agentic-context`: the functions of the agent's files that its pull request did not touch
    (contemporary code of the same file), not the one it edited nor the one it wrote."""
    from codeorigin_train.data.agentic.changes import read_clones
    from codeorigin_train.data.agentic.context import agent_share, context_rows

    changes, snapshots = read_clones(*clones)
    df, record = context_rows(changes, snapshots)
    assert df["name"].tolist() == ["join_headers"] and record["rows"] == 1
    assert df["dated_history"].tolist() == [True]  # the clone has commits before 2021
    row = df.iloc[0]
    assert (row["label"], row["origin"], row["next_to"], row["source"]) == (
        0, "context", "devin", "aidev-context")
    assert (row["start_line"], row["end_line"], row["added"]) == (8, 12, 0.0)
    # A function whose long lines an agent added elsewhere in the repository may be the agent's.
    written = {'cleaned = name.strip().replace("_", "-")'}
    code = 'def f(name):\n    cleaned = name.strip().replace("_", "-")\n    return cleaned.upper()'
    assert agent_share(code, written) == pytest.approx(1 / 3) and agent_share("x = 1\n}", written) == 0.0
