"""A scan's report in JSON (`scan --format json`): the documented shape.

The JSON shape is a public contract (docs/scan.md, tests): keep it stable. Extensions are keys that
appear only when they apply (`segments` on module spans, `suppressed`, `baseline`, `known_before`,
`explanation`); the documented keys never change.
"""

from __future__ import annotations

import json
from typing import Any

from codeorigin.report.data import (
    FileReport,
    ScanReport,
    SpanReport,
)
from codeorigin.report.tallies import repository_summaries
from codeorigin.report.words import unpooled


def rounded(p: float | None) -> float | None:
    """A probability as the JSON and SARIF reports write it (4 decimals)."""
    return None if p is None else round(float(p), 4)


def _span_json(s: SpanReport) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": s.name,
        "kind": s.kind,
        "start_line": s.start_line,
        "end_line": s.end_line,
        "probability": rounded(s.probability),
        "verdict": s.verdict,
    }
    if s.segments:
        out["segments"] = [list(seg) for seg in s.segments]
    if s.suppressed is not None:
        out["suppressed"] = s.suppressed
    if s.baseline:
        out["baseline"] = True
    if s.known_before is not None:
        out["known_before"] = {
            "base": s.known_before.base,
            "probability": rounded(s.known_before.probability),
        }
    if s.reason is not None:
        out["reason"] = s.reason
    if s.provenance is not None:
        out["provenance"] = s.provenance.to_json()
    if s.with_commit is not None:
        w = s.with_commit
        out["with_commit"] = {"commit": w.commit, "functions": w.spans,
                              "probability": rounded(w.probability),
                              "threshold": rounded(w.threshold)}  # fmt: skip
    if s.changed_lines is not None:
        out["changed_lines"] = s.changed_lines
    if s.explanation is not None:
        e = s.explanation
        out["explanation"] = {
            "lines": [
                {"line": line, "share": round(share, 4), "score": round(score, 4)}
                for line, share, score in e.lines
            ],
            "tokens": [
                {"text": text, "line": line, "share": round(share, 4), "score": round(score, 4)}
                | ({"member": member} if member else {})
                for text, line, share, score, member in e.tokens
            ],
            "delta": round(e.delta, 4),
            "steps": e.steps,
        }
        if e.members:
            out["explanation"]["members"] = [
                {
                    "name": n,
                    "weight": round(w, 4),
                    "contribution": round(c, 4),
                    "share": round(s, 4),
                }
                for n, w, c, s in e.members
            ]
        if e.route:
            out["explanation"]["route"] = e.route
        for member in out["explanation"].get("members", []):
            if member["name"] == "linear" and e.figures:  # its figures, largest part first
                member["figures"] = [
                    {"name": f, "value": round(v, 4), "contribution": round(x, 4)}
                    for f, v, x in e.figures
                ]
    return out


def model_json(report: ScanReport) -> dict[str, Any]:
    """The model's name and threshold; `thresholds_by_language` only when some language has its
    own threshold, `module_thresholds_by_language` when some language's module code has its own,
    `case_thresholds_by_language` when some language's test cases have (the documented
    extensions of the shape)."""
    out: dict[str, Any] = {"name": report.model_name, "threshold": round(report.threshold, 4)}
    if report.language_thresholds:
        out["thresholds_by_language"] = {k: round(t, 4) for k, t in report.language_thresholds}
    if report.module_thresholds:
        out["module_thresholds_by_language"] = {k: round(t, 4) for k, t in report.module_thresholds}
    if report.case_thresholds:
        out["case_thresholds_by_language"] = {k: round(t, 4) for k, t in report.case_thresholds}
    return out


def _file_json(f: FileReport) -> dict[str, Any]:
    out: dict[str, Any] = {"path": f.path, "language": f.language,
                           "probability": rounded(f.probability), "error": f.error,
                           "spans": [_span_json(s) for s in f.spans]}  # fmt: skip
    if f.provenance is not None:
        out["provenance_error"] = f.provenance
    return out


def to_json(report: ScanReport) -> dict[str, Any]:
    """The documented JSON shape of a scan (`repositories` only with `scan --repos`)."""
    out: dict[str, Any] = {"change": change_json(report)} if report.change else {}
    out |= {
        "model": model_json(report),
        "files": [_file_json(f) for f in report.files],
    }
    if report.repositories:
        out["repositories"] = [
            r.to_json() for r in repository_summaries(report.repositories, report.files)
        ]
    return out


def change_json(report: ScanReport) -> dict[str, Any]:
    """The change's verdict: `{"probability", "verdict", "spans"}` (and `calibrated`), and when
    no span was pooled, `reason`: why, in the words of the text output."""
    change = report.change
    assert change is not None
    out: dict[str, Any] = {
        "probability": rounded(change.probability),
        "verdict": change.verdict,
        "spans": change.spans,
        "calibrated": change.calibrated,
    }
    if change.probability is None:
        out["reason"] = unpooled(report)
    return out


def render_json(report: ScanReport) -> str:
    return json.dumps(to_json(report), indent=2)
