"""Scan reports: the data `codeorigin scan` produces and its text, JSON and SARIF renderings.

The JSON shape is a public contract (README, tests): keep it stable.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from codeorigin import __version__


@dataclass(frozen=True)
class SpanReport:
    name: str
    kind: str
    start_line: int  # 1-based, inclusive
    end_line: int  # 1-based, inclusive
    probability: float | None
    verdict: str
    name_column: int = 1  # 1-based column of the name (code points), for SARIF regions


@dataclass(frozen=True)
class FileReport:
    path: str
    language: str | None
    probability: float | None
    error: str | None
    spans: tuple[SpanReport, ...] = ()


@dataclass(frozen=True)
class ScanReport:
    model_name: str
    threshold: float
    files: tuple[FileReport, ...] = field(default_factory=tuple)

    @property
    def flagged(self) -> int:
        return sum(1 for f in self.files for s in f.spans if s.verdict == "llm")


def _round(p: float | None) -> float | None:
    return None if p is None else round(float(p), 4)


def to_json(report: ScanReport) -> dict[str, Any]:
    """The documented JSON shape of a scan."""
    return {
        "model": {"name": report.model_name, "threshold": report.threshold},
        "files": [
            {
                "path": f.path,
                "language": f.language,
                "probability": _round(f.probability),
                "error": f.error,
                "spans": [
                    {
                        "name": s.name,
                        "kind": s.kind,
                        "start_line": s.start_line,
                        "end_line": s.end_line,
                        "probability": _round(s.probability),
                        "verdict": s.verdict,
                    }
                    for s in f.spans
                ],
            }
            for f in report.files
        ],
    }


def render_json(report: ScanReport) -> str:
    return json.dumps(to_json(report), indent=2)


_LEVELS = {"llm": "warning", "uncertain": "note"}


def to_sarif(report: ScanReport, *, include_uncertain: bool = True) -> dict[str, Any]:
    """SARIF 2.1.0: one result per flagged span (and per uncertain span, as a note)."""
    rules = [
        {
            "id": "llm-generated",
            "name": "LikelyLlmGenerated",
            "shortDescription": {"text": "Function likely written by an LLM"},
            "fullDescription": {
                "text": "codeorigin's classifier puts this function's probability of being "
                "LLM-generated at or above the model's threshold. A probability, not proof."
            },
            "defaultConfiguration": {"level": "warning"},
            "helpUri": "https://github.com/codeorigin/codeorigin#reading-a-score",
        },
        {
            "id": "possibly-llm-generated",
            "name": "PossiblyLlmGenerated",
            "shortDescription": {"text": "Function possibly written by an LLM"},
            "fullDescription": {
                "text": "The probability falls in the model's uncertain band, below the threshold."
            },
            "defaultConfiguration": {"level": "note"},
        },
    ]
    results: list[dict[str, Any]] = []
    artifacts: list[dict[str, Any]] = []
    for f in report.files:
        artifacts.append(
            {"location": {"uri": f.path}, **({"sourceLanguage": f.language} if f.language else {})}
        )
        for s in f.spans:
            if s.verdict not in _LEVELS or (s.verdict == "uncertain" and not include_uncertain):
                continue
            pct = round(100 * (s.probability or 0.0))
            results.append(
                {
                    "ruleId": "llm-generated" if s.verdict == "llm" else "possibly-llm-generated",
                    "ruleIndex": 0 if s.verdict == "llm" else 1,
                    "level": _LEVELS[s.verdict],
                    "message": {
                        "text": f"{s.kind} '{s.name}': "
                        + ("likely" if s.verdict == "llm" else "possibly")
                        + f" LLM-generated ({pct}%)"
                    },
                    "locations": [
                        {
                            "physicalLocation": {
                                "artifactLocation": {"uri": f.path},
                                "region": {
                                    "startLine": s.start_line,
                                    "startColumn": max(1, s.name_column),
                                    "endLine": s.end_line,
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
                    "properties": {"probability": _round(s.probability), "verdict": s.verdict},
                }
            )
    invocation_ok = all(f.error is None for f in report.files)
    notifications = [
        {"level": "warning", "message": {"text": f"{f.path}: {f.error}"}}
        for f in report.files
        if f.error
    ]
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
                        "rules": rules,
                    }
                },
                "invocations": [
                    {
                        "executionSuccessful": invocation_ok or bool(report.files),
                        "toolExecutionNotifications": notifications,
                    }
                ],
                "artifacts": artifacts,
                "results": results,
                "properties": {"model": report.model_name, "threshold": report.threshold},
            }
        ],
    }


def render_sarif(report: ScanReport) -> str:
    return json.dumps(to_sarif(report), indent=2)


def render_text(report: ScanReport, *, verbose: bool = False) -> str:
    """A human-readable summary: flagged spans first per file, then totals."""
    lines: list[str] = []
    n_spans = 0
    for f in report.files:
        if f.error:
            lines.append(f"{f.path}: skipped: {f.error}")
            continue
        n_spans += len(f.spans)
        shown = [s for s in f.spans if verbose or s.verdict in ("llm", "uncertain")]
        for s in shown:
            p = "   -" if s.probability is None else f"{100 * s.probability:3.0f}%"
            lines.append(
                f"{f.path}:{s.start_line}-{s.end_line}: {p} {s.verdict:<9} {s.kind} {s.name}"
            )
    scored = sum(1 for f in report.files if not f.error)
    lines.append(
        f"{report.flagged} of {n_spans} spans flagged as likely LLM-generated in {scored} files "
        f"(model {report.model_name}, threshold {report.threshold:.2f})"
    )
    return "\n".join(lines)
