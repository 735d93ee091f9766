"""`codeorigin-train agentic` on the second agentic folder (`agent-changes/`, gzip-compressed JSON
Lines per repository): an agent's C# change, a person's dated Python commit and a Kotlin snapshot
become rows in the corpus' one format, each with how its label was found and the marker; a Dart
file, which the span finder does not read, gives none; `--sources` picks the folders."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pandas as pd
import pytest

from codeorigin_train.data.agentic.agent_changes import read_agent_changes
from codeorigin_train.data.agentic.build import main
from codeorigin_train.data.inputs import InputError

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"

CSHARP = """namespace Shop
{
    public class Ledger
    {
        public decimal Total(decimal[] payments)
        {
            decimal total = 0;
            foreach (var payment in payments)
            {
                total += payment * 2;
            }
            return total + payments.Length;
        }
    }
}
"""
PYTHON = "def summarise(values):\n    total = 0\n    for value in values:\n        total += value\n    return total / max(1, len(values))\n"
KOTLIN = "class Cart(val items: List<Int>) {\n    fun total(limit: Int): Int {\n        val kept = items.filter { it > limit }\n        val sum = kept.sum() + limit\n        return sum * items.size\n    }\n}\n"


def added(path: str, text: str) -> str:
    lines = text.splitlines()
    body = "".join(f"+{line}\n" for line in lines)
    return (f"diff --git a/{path} b/{path}\nnew file mode 100644\n--- /dev/null\n+++ b/{path}\n"
            f"@@ -0,0 +1,{len(lines)} @@\n{body}")  # fmt: skip


def change(origin: str, agent: str | None, how: str, path: str, text: str, marker: str = "",
           subject: str = "a change") -> dict:
    return {"kind": "change", "origin": origin, "agent": agent, "how": how, "marker": marker,
            "pr": None, "pr_state": None, "commits": ["b" * 40], "base": "a" * 40,
            "head": ("c" if origin == "agent" else "d") * 40, "date": "2025-09-01T10:00:00+00:00",
            "author_date": "2025-09-01T10:00:00+00:00", "author": "Ann <ann@example.org>",
            "subject": subject, "patch": added(path, text),
            "files": [{"path": path, "status": "A", "lines_added": 9, "is_test": False,
                       "text": text}], "files_omitted": []}  # fmt: skip


@pytest.fixture
def data_root(tmp_path: Path) -> Path:
    folder = tmp_path / "data" / "agent-changes"
    folder.mkdir(parents=True)
    records = [
        {"kind": "repo", "repo": "octo/shop", "language": "C#", "human_cutoff": "2022-06-21"},
        change("agent", "copilot", "bot-author", "src/Ledger.cs", CSHARP,
               "copilot-swe-agent[bot] <198982749+Copilot@users.noreply.github.com>",
               "Fix the ledger's total (#7)"),
        change("agent", "claude-code", "trailer", "lib/main.dart", "void main() {\n  print(1);\n}\n",
               "Co-Authored-By: Claude <noreply@anthropic.com>", "Add the entry point (#12)"),
        change("human", None, "dated-commit", "tools/stats.py", PYTHON),
        {"kind": "snapshot", "origin": "human", "commit": "e" * 40,
         "date": "2022-06-20T10:00:00+00:00",
         "files": [{"path": "app/Cart.kt", "is_test": False, "text": KOTLIN}]},
    ]  # fmt: skip
    with gzip.open(folder / "octo+shop.jsonl.gz", "wt", encoding="utf-8") as f:
        f.write("".join(json.dumps(r) + "\n" for r in records))
    return tmp_path / "data"


def test_the_second_folder_gives_rows_with_how_each_label_was_found(
    data_root: Path, tmp_path: Path
) -> None:
    changes, snapshots = read_agent_changes(data_root / "agent-changes")
    assert [(c.agent, c.kind, c.how, c.squashed) for c in changes] == [
        ("copilot", "pr", "bot-author", True), ("claude-code", "pr", "trailer", True),
        ("human", "commit", "dated-commit", False),
    ]  # fmt: skip
    assert len(snapshots) == 1 and snapshots[0].repo == "octo/shop"
    out = tmp_path / "agentic.parquet"
    assert main(["--data-root", str(data_root), "--sources", "agent-changes", "--out", str(out)]) == 0
    rows = pd.read_parquet(out).sort_values("language")
    got = rows[["language", "label", "agent", "origin", "how", "name", "repo"]].values.tolist()
    assert got == [
        ["csharp", 1, "copilot", "pr", "bot-author", "Total", "octo/shop"],
        ["kotlin", 0, "human", "snapshot", "snapshot", "total", "octo/shop"],
        ["python", 0, "human", "commit", "dated-commit", "summarise", "octo/shop"],
    ]
    assert rows.iloc[0]["marker"].startswith("copilot-swe-agent[bot]")
    assert rows["squashed"].tolist() == [True, False, False]  # a squash merge: some lines people's
    record = json.loads(out.with_suffix(".json").read_text())
    assert record["summary"]["by_agent_language"] == {
        "copilot/csharp": 1, "human/kotlin": 1, "human/python": 1,
    }  # fmt: skip


def test_sources_name_the_folders_and_a_missing_one_is_said(data_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "a.parquet"
    with pytest.raises(InputError, match="--sources 'elsewhere'"):
        main(["--data-root", str(data_root), "--sources", "elsewhere", "--out", str(out)])
    with pytest.raises(InputError, match="not found"):
        main(["--data-root", str(data_root), "--sources", "aidev", "--out", str(out)])
    (data_root / "agent-changes" / "octo+shop.jsonl.gz").unlink()
    (data_root / "agent-changes").rmdir()
    with pytest.raises(InputError, match="holds no agent-changes/"):
        main(["--data-root", str(data_root), "--sources", "agent-changes", "--out", str(out)])


@pytest.mark.skipif(not (SHARED / "agent-changes").is_dir(), reason="no shared data")
def test_the_shared_folder_reads_every_change() -> None:
    changes, snapshots = read_agent_changes(SHARED / "agent-changes")
    agents = pd.Series([c.agent for c in changes]).value_counts().to_dict()
    assert agents["claude-code"] == 3754 and agents["copilot"] == 1152 and agents["human"] == 2538
    assert sum(agents.values()) == 5860 + 2538 and len({s.repo for s in snapshots}) > 200


def test_the_context_of_an_agents_change_is_read_from_the_second_folder(
    data_root: Path, tmp_path: Path
) -> None:
    """`agentic-context --sources agent-changes`: the functions of an agent's post-image that its
    change left untouched, as people's code beside it, dated where the repository has a snapshot."""
    import difflib

    from codeorigin_train.data.agentic.context import main as context_main

    method = (
        "        public decimal Fee(decimal amount)\n        {\n            var fee = amount / 100;\n"
        "            if (fee < 1) { fee = 1; }\n            return fee + amount * 0;\n        }\n"
    )
    after = CSHARP.replace("    }\n}\n", "\n" + method + "    }\n}\n")
    diff = "".join(difflib.unified_diff(CSHARP.splitlines(True), after.splitlines(True),
                                        "a/src/Ledger.cs", "b/src/Ledger.cs"))  # fmt: skip
    record = change("agent", "copilot", "bot-author", "src/Ledger.cs", after,
                    "copilot-swe-agent[bot] <198982749+Copilot@users.noreply.github.com>")  # fmt: skip
    record["patch"] = "diff --git a/src/Ledger.cs b/src/Ledger.cs\n" + diff
    record["files"][0]["status"] = "M"
    path = data_root / "agent-changes" / "octo+shop.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as f:
        records = [json.loads(line) for line in f]
    records[1] = record
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.write("".join(json.dumps(r) + "\n" for r in records))
    out = tmp_path / "context.parquet"
    args = ["--data-root", str(data_root), "--out", str(out)]
    assert context_main([*args, "--sources", "agent-changes"]) == 0
    rows = pd.read_parquet(out)
    got = rows[["name", "language", "label", "next_to", "dated_history", "repo"]].values.tolist()
    assert got == [["Total", "csharp", 0, "copilot", True, "octo/shop"]]  # not Fee, the agent's
    assert rows["dated_copy"].tolist() == [False]  # the snapshot holds no src/Ledger.cs
    # With the file in the dated snapshot, Total is there before the cut-off: people's code.
    records[-1]["files"].append({"path": "src/Ledger.cs", "is_test": False, "text": CSHARP})
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.write("".join(json.dumps(r) + "\n" for r in records))
    assert context_main([*args, "--sources", "agent-changes"]) == 0
    assert pd.read_parquet(out)["dated_copy"].tolist() == [True]
    with pytest.raises(InputError, match="not found"):  # the default: the first folder alone
        context_main(args)
