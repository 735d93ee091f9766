"""The card's targets for agent-written code, judged within each repository (the project's
issue 60): each target with this folder's figure and whether it is met, rendered from the
protocol's record of this folder (`protocol --own-card`: `analysis.own`), its leave-one-agent-out
records and its export's latency. Nothing is rendered before the protocol has judged the folder.
"""

from __future__ import annotations

from typing import Any

from codeorigin_train.card.headline import _agent
from codeorigin_train.card.parts import Card, language, section
from codeorigin_train.card.parts import and_list as _and

#: The languages whose recall the targets name, and those judged "where the data allows".
SEVEN = ("python", "typescript", "typescriptreact", "javascript", "go", "rust", "java", "csharp")
WHERE_DATA_ALLOWS = ("c", "cpp", "ruby", "php", "kotlin", "swift")
AUROC, RECALL, FPR, SPAN_MS, MODEL_MB = 0.90, 0.50, 0.01, 60.0, 120.0
#: Agents with fewer repositories judged than this are not a median.
MIN_REPOS = 2


def _cases_with_commit(test: dict[str, Any], lang: str) -> str:
    """`, its test cases 32.4% (alone 17.7%; people's 1 of 132)` where the commit record pooled
    the language's test cases (`commit-verdict --cases`), else ""."""
    cases = test.get("cases") or {}
    mine, theirs = (cases.get("agents") or {}).get(lang), (cases.get("people") or {}).get(lang)
    if not mine or not mine.get("functions"):
        return ""
    n = mine["functions"]
    people = f"; people's {theirs['with_commit']} of {theirs['functions']}" if theirs else ""
    return (f", its test cases {100 * mine['with_commit'] / n:.1f}% (alone "
            f"{100 * mine['alone'] / n:.1f}%{people})")  # fmt: skip


def _with_commit(c: Card) -> list[tuple[str, str, str]]:
    """The recall target again with each commit's functions judged together (`scan` in a git
    repository; `codeorigin-train commit-verdict`'s test record), where the folder has it."""
    test = (((c.manifest.get("change") or {}).get("measured") or {}).get("test")) or {}
    if not test:
        return []
    judged, cells, ok = set(c.judged()), [], True
    for lang in SEVEN:
        r = (test.get("languages") or {}).get(lang)
        if lang not in judged or not r or not r.get("functions"):
            ok = False
            continue
        share = r["with_commit"] / r["functions"]
        cells.append(f"{language(lang)} {100 * share:.1f}% (alone {100 * r['alone'] / r['functions']:.1f}%)"
                     + _cases_with_commit(test, lang))  # fmt: skip
        ok = ok and share >= RECALL
    people = test.get("people") or {}
    flagged = people.get("with_commit", 0) / max(1, people.get("functions", 0))
    figure = (f"{'; '.join(cells)}; people: {people.get('with_commit', 0)} of "
              f"{people.get('functions', 0)} functions of {people.get('commits', 0)} commits")  # fmt: skip
    era = (c.manifest["change"]["measured"].get("era")) or {}
    if era:
        by_year = sum(y["flagged"] for y in era["by_year"].values())
        figure += (f"; people's commits by year: {by_year} flagged, pooled probability "
                   f"{era['slope_per_year']:+.3f} a year")  # fmt: skip
    return [("the same, each commit's functions judged together (`scan` with the repository's "
             "history)", figure, _met(ok and flagged <= FPR))]  # fmt: skip


def _met(ok: bool) -> str:
    return "met" if ok else "**missed**"


def _agents(within: dict[str, Any]) -> tuple[str, bool]:
    """The median within-repository AUROC of each agent's test repositories."""
    got = {a: v["auroc"]["median"] for a, v in (within.get("by_agent") or {}).items()
           if (v.get("auroc") or {}).get("n", 0) >= MIN_REPOS}  # fmt: skip
    said = _and([f"{_agent(a)} {x:.3f}" for a, x in sorted(got.items(), key=lambda kv: -kv[1])])
    return said or "–", bool(got) and min(got.values()) >= AUROC


def _recall(c: Card, within: dict[str, Any]) -> tuple[str, bool]:
    """Each of the seven languages' pooled recall within the test repositories, and people
    flagged, at the shipped thresholds; "not judged" where the folder gives no verdict."""
    judged, cells, ok = set(c.judged()), [], True
    for lang in SEVEN:
        pooled = ((within.get("by_language") or {}).get(lang) or {}).get("pooled") or {}
        if lang not in judged:
            cells.append(f"{language(lang)} not judged")
            ok = False
            continue
        recall, fpr = pooled.get("recall"), pooled.get("fpr")
        if recall is None:
            cells.append(f"{language(lang)} –")
            continue
        cells.append(f"{language(lang)} {100 * recall:.1f}% ({100 * (fpr or 0):.1f}%)"
                     + _cases(c, lang))  # fmt: skip
        ok = ok and recall >= RECALL and (fpr or 0) <= FPR
    return "; ".join(cells), ok


def _cases(c: Card, lang: str) -> str:
    """`, its test cases 17.7% (0.18%)` where the language's test cases are judged at a
    threshold of their own (`case_floor`, measured on the same test repositories), else ""."""
    f = (c.manifest.get("case_floor") or {}).get(lang) or {}
    t = f.get("test") or {}
    if not f.get("judged") or not t.get("agents") or not t.get("people"):
        return ""
    return (f", its test cases {100 * t['agents_caught'] / t['agents']:.1f}% "
            f"({100 * t['people_flagged'] / t['people']:.2f}%)")  # fmt: skip


def targets(c: Card) -> list[str]:
    """The targets table, or nothing before the protocol has judged this folder."""
    result = c.analysis("own").get("result") or {}
    within = result.get("within") or {}
    if not within:
        return []
    judged = set(c.judged())
    agents, agents_ok = _agents(within)
    recall, recall_ok = _recall(c, within)
    missing = [language(x) for x in SEVEN if x not in judged]
    allowed = [language(x) for x in WHERE_DATA_ALLOWS if x in judged]
    scored = {x for g in (c.manifest.get("grafted") or {}).values()
              for x in ((g.get("scored") or {}).get("languages") or {})}  # fmt: skip
    calibratable = [language(x) for x in WHERE_DATA_ALLOWS if x in scored and x not in judged]
    era = within.get("era") or {}
    slope = float(era.get("slope_per_year") or 0.0)
    era_flagged = max((y.get("flagged") or 0.0 for y in (era.get("by_year") or {}).values()),
                      default=0.0)  # fmt: skip
    test = (result.get("main") or {}).get("test") or {}
    shipped = c.shipped()
    before = ((shipped[1].get("main") or {}).get("test") or {}) if shipped else {}
    files = (c.manifest.get("files") or {}).values()
    mb = sum(f.get("bytes", 0) for f in files) / 1e6
    ms = (c.lat.get("fp32") or {}).get("median_ms")
    contest_ok = bool(test) and bool(before) and (
        test["recall"] >= before["recall"] and test["fpr"] <= before["fpr"]
    )
    rows = [
        ("within-repository AUROC, median over test repositories, each agent >= 0.90", agents,
         _met(agents_ok)),
        ("recall >= 50% of agents' code with <= 1% of people flagged (in brackets), within the "
         "test repositories, each language", recall, _met(recall_ok)),
        *_with_commit(c),
        ("none of those languages \"not judged\"", "not judged: " + _and(missing) if missing
         else "all judged", _met(not missing)),
        ("C, C++, Ruby, PHP, Kotlin and Swift judged where the data allows",
         ("judged: " + _and(allowed) if allowed else "none judged") + " (the others: why, above)"
         + ("; scored by the grafted stack for a repository's own calibration (`codeorigin "
            f"calibrate --write`): {_and(calibratable)}" if calibratable else ""),
         "–"),
        ("the era control flat (people's code by year)", f"{slope:+.4f} a year in mean "
         f"probability; {100 * era_flagged:.1f}% flagged in the worst year", _met(era_flagged == 0)),
        ("contest and exercise code no worse than the protocol's record",
         f"{100 * test.get('recall', 0):.1f}% caught, {100 * test.get('fpr', 0):.2f}% flagged "
         f"(record: {100 * before.get('recall', 0):.1f}%, {100 * before.get('fpr', 0):.2f}%)",
         _met(contest_ok)),
        ("a 256-token window <= 60 ms on one thread; `models/` <= 120 MB",
         f"{ms:.1f} ms; {mb:.0f} MB" if ms is not None else f"{mb:.0f} MB",
         _met((ms is None or ms <= SPAN_MS) and mb <= MODEL_MB)),
    ]  # fmt: skip
    L, add = section("### Targets for agents' code, judged within each repository\n")
    add("| target | this folder | |\n|---|---|---|")
    for target, figure, met in rows:
        add(f"| {target} | {figure} | {met} |")
    add("")
    return L
