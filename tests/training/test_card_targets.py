"""The card's targets for agents' code: each with the folder's figure, met or missed, from the
protocol's record of the folder; nothing before the protocol has judged it."""

from __future__ import annotations

from typing import Any

from codeorigin_train.card.parts import Card
from codeorigin_train.card.targets import targets


def _card(recall: float, fpr: float, auroc: float, flagged_year: float = 0.0) -> Card:
    pooled = {"recall": recall, "fpr": fpr}
    langs = ("python", "typescript", "typescriptreact", "javascript", "go", "rust", "java", "csharp")
    within: dict[str, Any] = {
        "by_agent": {"copilot": {"auroc": {"median": auroc, "n": 4}},
                     "devin": {"auroc": {"median": 0.5, "n": 1}}},  # one repository: no median
        "by_language": {x: {"pooled": pooled} for x in langs},
        "era": {"slope_per_year": 0.002, "by_year": {"2019": {"flagged": flagged_year}}},
    }  # fmt: skip
    test = {"recall": 0.45, "fpr": 0.002}
    m = {"analysis": {"own": {"result": {"within": within, "main": {"test": test}}},
                      "protocol": {"learners": {"record": {"main": {"test": test}}}}}}  # fmt: skip
    thresholds = {x: {"llm": 0.8} for x in (*langs, "cpp")}
    manifest = {"thresholds": {"languages": thresholds},
                "files": {"a.npz": {"bytes": 30_000_000}}}  # fmt: skip
    return Card(m=m, ch={}, cal={}, held={}, ds={}, lat={"fp32": {"median_ms": 5.0}}, max_len=0,
                manifest=manifest)  # fmt: skip


def test_a_folder_that_reaches_every_target_says_met_in_every_row() -> None:
    rows = [line for line in targets(_card(0.6, 0.005, 0.93)) if line.startswith("| ")][1:]
    assert len(rows) == 7
    assert all(r.endswith("| met |") or r.endswith("| – |") for r in rows), rows
    assert "Copilot 0.930" in rows[0] and "Devin" not in rows[0]
    assert "C# 60.0% (0.5%)" in rows[1] and "all judged" in rows[2]
    assert "judged: C++" in rows[3] and "5.0 ms; 30 MB" in rows[6]


def test_each_target_missed_is_said_with_its_figure() -> None:
    card = _card(0.6, 0.02, 0.85, flagged_year=0.01)  # too many people flagged, AUROC too low
    rows = [line for line in targets(card) if line.startswith("| ")][1:]
    assert rows[0].endswith("| **missed** |") and rows[1].endswith("| **missed** |")
    assert rows[4].endswith("| **missed** |") and "1.0% flagged in the worst year" in rows[4]
    del card.manifest["thresholds"]["languages"]["rust"]
    rows = [line for line in targets(card) if line.startswith("| ")][1:]
    assert "Rust not judged" in rows[1] and "not judged: Rust" in rows[2]
    assert rows[2].endswith("| **missed** |")


def test_nothing_before_the_protocol_has_judged_the_folder() -> None:
    assert targets(Card(m={}, ch={}, cal={}, held={}, ds={}, lat={}, max_len=0)) == []


def test_a_folder_that_judges_a_commits_functions_together_says_what_that_reaches() -> None:
    card = _card(0.2, 0.0, 0.85)
    langs = ("python", "typescript", "typescriptreact", "javascript", "go", "rust", "java", "csharp")
    test = {"languages": {x: {"functions": 100, "alone": 20, "with_commit": 55 if x == "python" else 30}
                          for x in langs},
            "people": {"functions": 700, "with_commit": 0, "commits": 150}}  # fmt: skip
    era = {"by_year": {"2019": {"flagged": 0}, "2020": {"flagged": 0}}, "slope_per_year": 0.027}
    card.manifest["change"] = {"measured": {"test": test, "era": era}}
    rows = [line for line in targets(card) if line.startswith("| ")][1:]
    assert len(rows) == 8 and rows[1].endswith("| **missed** |")  # the functions alone
    pooled = rows[2]
    assert pooled.startswith("| the same, each commit's functions judged together")
    assert "Python 55.0% (alone 20.0%)" in pooled and "Go 30.0% (alone 20.0%)" in pooled
    assert "people: 0 of 700 functions of 150 commits" in pooled and "+0.027 a year" in pooled
    assert pooled.endswith("| **missed** |")  # Go, TypeScript... under 50%
