"""SARIF 2.1.0 rendering of scan reports (`codeorigin scan --format sarif`): two rules (likely and
possibly LLM-generated), a result per reported span with its changed lines and explanation, and
the change's verdict in the run's properties. Code scanning in GitHub and GitLab reads it.

Spans a `codeorigin: ignore` comment suppresses, spans the baseline knows and, for `scan --diff`,
spans flagged before the change (at its base: `codeorigin.scan.prior`) are no results: GitHub code
scanning ignores SARIF's `suppressions` and would open an alert. The run says how many
it left out (`properties.leftOut` and a `note` notification), and names the languages the model
does not judge with their files. A skipped file is a `note` when skipped on purpose (generated,
vendored), a `warning` when it could not be read as code, an `error` when it does not exist.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from codeorigin import __version__
from codeorigin.core.verdicts import VERDICT_WORDS, kind_words, plural, share_percent
from codeorigin.report.data import (
    CLONE_FAILED,
    MISSING,
    Explained,
    FileReport,
    ScanReport,
    SpanReport,
    fingerprints,
)
from codeorigin.report.explanation import CHART_LINES
from codeorigin.report.json_shape import change_json, model_json, rounded
from codeorigin.report.summary import shown_probability, threshold_words
from codeorigin.report.tallies import repository_summaries
from codeorigin.report.words import bounded, not_judged_files, provenance_words, set_aside_as

_LEVELS = {"llm": "warning", "uncertain": "note"}


def uri(path: str) -> str:
    """A reported path as a SARIF artifact URI: relative paths percent-encoded with forward
    slashes (`src/my%20file.py`), absolute ones as `file://` URIs; a name's bytes that are not
    UTF-8 percent-encoded as they are (`caf%E9.py`)."""
    import os
    from pathlib import Path
    from urllib.parse import quote

    if Path(path).is_absolute():
        return Path(path).as_uri()
    return quote(os.fsencode(Path(path).as_posix()))


def _sarif_rules() -> list[dict[str, Any]]:
    """The two rules: likely (a warning) and possibly (a note) LLM-generated."""
    return [
        {
            "id": "llm-generated",
            "name": "LikelyLlmGenerated",
            "shortDescription": {"text": "Function likely written by an LLM"},
            "fullDescription": {
                "text": "codeorigin's classifier puts this function's probability of being "
                "LLM-generated at or above the model's threshold. A probability, not proof."
            },
            "defaultConfiguration": {"level": "warning"},
            "helpUri": HELP_URI,
            "help": {"text": HELP, "markdown": HELP},
        },
        {
            "id": "possibly-llm-generated",
            "name": "PossiblyLlmGenerated",
            "shortDescription": {"text": "Function possibly written by an LLM"},
            "fullDescription": {
                "text": "The probability falls in the model's uncertain band, below the threshold."
            },
            "defaultConfiguration": {"level": "note"},
            "helpUri": HELP_URI,
            "help": {"text": HELP, "markdown": HELP},
        },
    ]


HELP_URI = "https://github.com/codeorigin/codeorigin#reading-a-score"
HELP = (
    "codeorigin estimates, function by function, how likely code was written by an LLM rather "
    "than a person, from the code alone, offline. A probability, not proof: read the function "
    "and its explanation (`codeorigin explain FILE:LINE` shows the lines and tokens that weigh "
    "most), and never treat a finding as an accusation. A function the team wrote and accepts "
    "can be recorded in a baseline (`codeorigin scan --write-baseline`) or marked with a "
    "`codeorigin: ignore` comment giving the reason."
)


def _sarif_result(
    report: ScanReport, f: FileReport, s: SpanReport, fingerprint: str
) -> dict[str, Any]:
    """The SARIF result for one reported span `s` of the file `f`: its message and properties say
    the threshold it was compared with (its language's own, when it has one)."""
    pct = shown_probability(report, f, s)
    path = uri(f.path)
    result: dict[str, Any] = {
        "ruleId": "llm-generated" if s.verdict == "llm" else "possibly-llm-generated",
        "ruleIndex": 0 if s.verdict == "llm" else 1,
        "level": _LEVELS[s.verdict],
        "message": {
            "text": f"{kind_words(s.kind)} '{s.name}': {VERDICT_WORDS[s.verdict]} "
            f"({pct}, {threshold_words(report, f, s)})"
        },
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": path},
                    # A module span's first run of lines: its region must not cover the
                    # functions between its runs (`properties.segments` has them all).
                    "region": {
                        "startLine": s.runs[0][0],
                        "startColumn": max(1, s.start_column),
                        "endLine": s.runs[0][1],
                    },
                },
                "logicalLocations": [
                    {
                        "name": s.name,
                        "kind": "function" if s.kind != "module" else "module",
                    }
                ],
            }
        ],
        # GitLab's and other consumers' identity of a finding (`data.fingerprints`); GitHub's
        # upload-sarif adds its own `primaryLocationLineHash`, the only one code scanning reads.
        "partialFingerprints": {"codeoriginFinding/v1": fingerprint},
        "properties": {
            "probability": rounded(s.probability),
            "threshold": round(report.threshold_of(f.language, s.kind), 4),
            "verdict": s.verdict,
        },
    }
    if len(s.runs) > 1:
        result["properties"]["segments"] = [list(run) for run in s.runs]
    if s.changed_lines is not None:
        result["properties"]["changedLines"] = s.changed_lines
    if s.provenance is not None:  # git blame: lines from commits an agent signed
        result["properties"]["provenance"] = s.provenance.to_json()
        result["message"]["text"] += f"; {provenance_words(s.provenance)}"
    if s.with_commit is not None:  # flagged with the functions its commit wrote, pooled
        w = s.with_commit
        result["properties"]["withCommit"] = {"commit": w.commit, "functions": w.spans,
                                              "probability": rounded(w.probability),
                                              "threshold": rounded(w.threshold)}  # fmt: skip
        result["message"]["text"] += f"; {w.text()}"
    if s.explanation is not None:
        _sarif_explanation(result, path, s.explanation)
    return result


def _sarif_run_properties(report: ScanReport, left_out: Counter[str]) -> dict[str, Any]:
    """The run's properties: the model, its threshold(s), the repositories' summaries, the change's
    verdict, how many findings were left out of the results and why (`leftOut`: `suppressed`,
    `baseline`, `before`) and the languages not judged with their files (`notJudged`)."""
    model = model_json(report)
    properties: dict[str, Any] = {"model": report.model_name, "threshold": model["threshold"]}
    for key in ("thresholds_by_language", "module_thresholds_by_language",
                "case_thresholds_by_language"):
        if key in model:
            properties[key] = model[key]
    if report.repositories:
        properties["repositories"] = [
            r.to_json() for r in repository_summaries(report.repositories, report.files)
        ]
    if report.change is not None:
        properties["change"] = change_json(report)
    if left_out:
        properties["leftOut"] = dict(sorted(left_out.items()))
    unjudged = not_judged_files(report)
    if unjudged:
        properties["notJudged"] = [
            {"reason": why, "fileCount": len(paths), "files": paths[:NAMED]}
            for why, paths in unjudged.items()
        ]
    return properties


NAMED = 20  # files named in a notification (and in `notJudged`), the others counted
# A skipped file whose reason starts so could not be read as code: a problem (`warning`). Every
# other skip is on purpose, generated or vendored code, a lock file, a submodule (`note`: GitHub's
# tool status page shows a warning as something to fix). A path that does not exist, or a `--repos`
# URL that could not be cloned: `error` (the scan fails, exit 2).
_PROBLEMS = ("cannot read", "not a regular file", "larger than", "binary file", "not valid UTF-8")


def skip_level(error: str) -> str:
    """The SARIF level of the notification of a file skipped for `error` (see `_PROBLEMS`)."""
    if error == MISSING or error.startswith(CLONE_FAILED):
        return "error"
    if error.startswith(_PROBLEMS) or "byte-order mark" in error:
        return "warning"
    return "note"


def _notifications(report: ScanReport, left_out: Counter[str]) -> list[dict[str, Any]]:
    """The invocation's notifications: each skipped file with its reason, each language not
    judged with its files, and the findings left out of the results (suppressed, known)."""
    out = [
        {"level": skip_level(f.error), "message": {"text": f"{f.path}: {f.error}"}}
        for f in report.files
        if f.error
    ]
    for why, paths in not_judged_files(report).items():
        files = bounded(paths, NAMED)
        text = f"Not judged ({plural(len(paths), 'file')}: {files}): {why}."
        out.append({"level": "note", "message": {"text": text}})
    for key, (what, why) in _LEFT_OUT.items():
        n = left_out[key]
        if n:
            verb = "is" if n == 1 else "are"
            what = what.format(limit=MAX_RESULTS)
            text = f"{plural(n, 'finding')} {what} {verb} left out of the results{why}."
            out.append({"level": "note", "message": {"text": text}})
    return out


MAX_RESULTS = 25_000  # results a run may hold: GitHub code scanning rejects a SARIF with more
_LEFT_OUT = {  # what the findings are, and why they are no results
    "suppressed": (
        "suppressed by a `codeorigin: ignore` comment",
        " (GitHub code scanning does not honour SARIF's `suppressions`)",
    ),
    "baseline": ("known from the baseline", ""),
    "before": ("already flagged at the change's base", ""),
    "limit": (
        "past GitHub code scanning's limit of {limit:,} results a run",
        " (it rejects a larger run; uncertain ones go first, then the lowest probabilities; the "
        "JSON report has them all)",
    ),
}


def _within_limit(results: list[dict[str, Any]], left_out: Counter[str]) -> list[dict[str, Any]]:
    """`results` cut to `MAX_RESULTS`, in their order, keeping the flagged before the uncertain
    and the higher probabilities (counted in `left_out["limit"]`)."""
    if len(results) <= MAX_RESULTS:
        return results

    def rank(k: int) -> tuple[bool, float]:
        r = results[k]
        return r["level"] != "warning", -float(r["properties"]["probability"])

    kept = sorted(sorted(range(len(results)), key=rank)[:MAX_RESULTS])
    left_out["limit"] += len(results) - len(kept)
    return [results[k] for k in kept]


def to_sarif(report: ScanReport, *, include_uncertain: bool = True) -> dict[str, Any]:
    """SARIF 2.1.0: one result per flagged span (and per uncertain span, as a note) that is
    neither suppressed, known from the baseline nor flagged before the change; those are counted
    in the run's `leftOut`."""
    results: list[dict[str, Any]] = []
    artifacts: list[dict[str, Any]] = []
    identity = fingerprints(report)
    left_out: Counter[str] = Counter()
    for i, f in enumerate(report.files):
        language = {"sourceLanguage": f.language} if f.language else {}
        artifacts.append({"location": {"uri": uri(f.path)}, **language})
        for j, s in enumerate(f.spans):
            if s.verdict not in _LEVELS or (s.verdict == "uncertain" and not include_uncertain):
                continue
            if set_aside_as(s):  # only what is new and not suppressed
                left_out[set_aside_as(s)] += 1
                continue
            results.append(_sarif_result(report, f, s, identity[(i, j)]))
    results = _within_limit(results, left_out)
    # A path that was named and does not exist fails the scan (exit 2); a file skipped for what
    # it holds (binary, too large, generated) does not.
    missing = any(skip_level(f.error) == "error" for f in report.files if f.error)
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "codeorigin",
                        "version": __version__,
                        "informationUri": "https://github.com/codeorigin/codeorigin",
                        "rules": _sarif_rules(),
                    }
                },
                "invocations": [
                    {
                        "executionSuccessful": not missing,
                        "toolExecutionNotifications": _notifications(report, left_out),
                    }
                ],
                "artifacts": artifacts,
                "results": results,
                "properties": _sarif_run_properties(report, left_out),
            }
        ],
    }


def _sarif_explanation(result: dict[str, Any], path: str, e: Explained) -> None:
    """The lines that weigh most as related locations (their share in the message), the top tokens
    and the convergence delta in the result's properties."""
    result["relatedLocations"] = [
        {
            "id": k,
            "physicalLocation": {
                "artifactLocation": {"uri": path},
                "region": {"startLine": line},
            },
            "message": {
                "text": f"{share_percent(share)} of the evidence, toward "
                + ("LLM-generated" if score > 0 else "human-written")
            },
        }
        for k, (line, share, score) in enumerate(e.top_lines(CHART_LINES))
    ]
    result["properties"]["topTokens"] = [
        {"text": text, "line": line, "share": round(share, 4), "score": round(score, 4)}
        | ({"member": member} if member else {})
        for text, line, share, score, member in e.tokens
    ]
    result["properties"]["convergenceDelta"] = round(e.delta, 4)
    result["properties"]["steps"] = e.steps
    if e.route:  # as the JSON report says it
        result["properties"]["route"] = e.route


def render_sarif(report: ScanReport) -> str:
    return json.dumps(to_sarif(report), indent=2)
