"""The model card's words on the code that is not a function: module code and test cases, each
judged at a threshold of its own (`codeorigin-train module-floor`, `codeorigin-train case-floor`).
"""

from __future__ import annotations

from typing import Any

from codeorigin_train.card.parts import Card, language
from codeorigin_train.card.parts import and_list as _and


def modules(c: Card) -> str:
    """Which languages judge their module code at a threshold of its own, and on what people's
    module code it was bounded (`codeorigin-train module-floor`); "" where it was not measured."""
    floor = c.manifest.get("module_floor") or {}
    if not floor:
        return ""
    raised = {x: f for x, f in floor.items() if f.get("raised")}
    measured = _and([f"{language(x)} {f['spans']:,}" for x, f in sorted(floor.items())])
    said = (
        "Module code (what stands outside a file's functions) is judged at its language's threshold"
    )
    if raised:
        said += ", but " + _and([_module_floor(x, f) for x, f in sorted(raised.items())])
    return (
        f"{said}; each language's module threshold is bounded as its threshold is, on people's "
        f"module code of the dated snapshots, train and validation repositories ({measured} "
        "spans; `codeorigin-train module-floor`). "
    )


def _module_floor(lang: str, f: dict[str, Any]) -> str:
    """`Go's at 75.6%, a threshold of its own (11 of 727 ... flagged at 68.9%, 2 at 75.6%)`."""
    at, bound = 100 * f["language_threshold"], 100 * f["bound"]
    return (f"{language(lang)}'s at {bound:.1f}%, a threshold of its own ({f['flagged_at_language_threshold']} "
            f"of {f['spans']:,} people's module spans of {f['repositories']} repositories flagged "
            f"at {at:.1f}%, {f['flagged']} at {bound:.1f}%)")  # fmt: skip


def case_rows(manifest: dict[str, Any] | None) -> list[tuple[str, int, int, int, int]]:
    """The headline table's rows of test cases, a judged language each: (label, agents' cases
    caught, of, people's flagged, of) on the agentic test repositories."""
    rows = []
    for lang, f in sorted(((manifest or {}).get("case_floor") or {}).items()):
        if f.get("judged") and (t := f.get("test")) and t.get("agents") and t.get("people"):
            rows.append((f"the agentic test repositories: agents' {language(lang)} test cases "
                         f"(`it`/`test`), against their people's", t["agents_caught"],
                         t["agents"], t["people_flagged"], t["people"]))  # fmt: skip
    return rows


def cases(c: Card) -> str:
    """Which languages judge their test cases, at what threshold bounded on which people's test
    cases, and why the others do not (`codeorigin-train case-floor`); "" where not measured."""
    floor = c.manifest.get("case_floor") or {}
    if not floor:
        return ""
    judged = {x: f for x, f in sorted(floor.items()) if f.get("judged")}
    said = [
        f"{language(x)}'s at {100 * f['threshold']:.1f}% (bounded on {f['cases']:,} people's test "
        f"cases of {f['repositories']} train and validation repositories, {f['flagged']} flagged; "
        f"{f['flagged_at_language_threshold']} at the language's {100 * f['language_threshold']:.1f}%"
        + (f"; within the {f['test']['repositories_with_both']} test repositories with both, "
           f"pair AUROC {f['test']['auroc_repositories_with_both']:.3f}"
           if f["test"].get("auroc_repositories_with_both") is not None else "")
        + ")"
        for x, f in judged.items()
    ]  # fmt: skip
    silent = [f"{language(x)}'s ({f['why']})" for x, f in floor.items() if not f.get("judged")]
    return (
        "Test cases of JavaScript and TypeScript (`it(...)`, `test(...)`: spans of their own) are "
        "judged only at a threshold of their own, bounded on people's test cases of the dated "
        "snapshots and commits: " + (_and(said) if said else "none")
        + (f"; not judged: {_and(silent)}" if silent else "") + " (`codeorigin-train case-floor`). "
    )  # fmt: skip
