"""Scan reports: the data `codeorigin scan` produces and its JSON rendering (text:
`codeorigin.summary`; SARIF: `codeorigin.sarif`; markdown and Code Climate: `codeorigin.review`).

The JSON shape is a public contract (docs/scan.md, tests): keep it stable. Extensions are keys that appear
only when they apply (`segments` on module spans, `suppressed`, `baseline`, `known_before`,
`explanation`); the documented keys never change.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codeorigin.core import generated
from codeorigin.core.change import ChangeVerdict, describe
from codeorigin.core.markers import Provenance
from codeorigin.core.verdicts import percent, plural
from codeorigin.tallies import repository_summaries

REPORTED = ("llm", "uncertain")  # verdicts a scan reports (text lists, SARIF results, baselines)


@dataclass(frozen=True)
class Explained:
    """A flagged span's explanation (`scan --explain`): every line's share of the evidence and
    signed score (1-based lines), the top tokens, the convergence delta and the steps."""

    lines: tuple[tuple[int, float, float], ...]  # (line, share, score)
    # (text, line, share, score, member: a stacked model's member the evidence comes from, or "")
    tokens: tuple[tuple[str, int, float, float, str], ...]
    delta: float
    steps: int
    chart: str = ""  # the hover's chart, as plain text (`explanation.render`)
    members: tuple[tuple[str, float, float, float], ...] = ()  # stacked: name, weight, logit, share
    figures: tuple[tuple[str, float, float], ...] = ()  # the linear member's: name, value, part
    route: str = ""  # the route whose stacker gave the score (`model.stacking.Route`), or ""
    # (line, its text) of the heaviest lines, kept from the text that was scored: the markdown
    # summary quotes them, and the file's path may not read it back (a `--repos` clone is gone,
    # its path is the repository's top's, not the current folder's).
    texts: tuple[tuple[int, str], ...] = ()

    def top_lines(self, n: int) -> list[tuple[int, float, float]]:
        return sorted(self.lines, key=lambda x: -x[1])[:n]


@dataclass(frozen=True)
class KnownBefore:
    """A span `scan --diff` found flagged before the change (`codeorigin.prior`): the base commit
    (short) and the probability its version there got."""

    base: str
    probability: float


@dataclass(frozen=True)
class SpanReport:
    name: str
    kind: str
    start_line: int  # 1-based, inclusive
    end_line: int  # 1-based, inclusive
    probability: float | None
    verdict: str
    # 1-based column (code points) where its SARIF region starts on `start_line` (`scan`).
    start_column: int = 1
    # A module span's runs of lines (1-based, inclusive): the code outside functions and classes.
    segments: tuple[tuple[int, int], ...] = ()
    suppressed: str | None = None  # the reason of a `codeorigin: ignore` comment
    baseline: bool = False  # known from the baseline: not reported
    explanation: Explained | None = None
    text_hash: str = ""  # hash of the normalised text (baselines); not in the JSON
    changed_lines: int | None = None  # `scan --diff`: how many of its lines the change touched
    reason: str | None = None  # why a `not_judged` span is not judged (its language)
    known_before: KnownBefore | None = None  # `scan --diff`: flagged at the base: not reported
    provenance: Provenance | None = None  # lines from commits an agent signed (`provenance`)

    @property
    def runs(self) -> tuple[tuple[int, int], ...]:
        """Its runs of lines (1-based, inclusive): a module span's segments, or first to last."""
        return self.segments or ((self.start_line, self.end_line),)

    @property
    def n_lines(self) -> int:
        """Its lines: from first to last, or a module span's segments'."""
        return sum(b - a + 1 for a, b in self.runs)

    @property
    def reported(self) -> bool:
        """`llm` or `uncertain`, neither suppressed, in the baseline nor flagged before."""
        set_aside = self.suppressed is not None or self.baseline or self.known_before is not None
        return self.verdict in REPORTED and not set_aside

    @property
    def flagged(self) -> bool:
        return self.reported and self.verdict == "llm"

    @property
    def where(self) -> str:
        """Its lines, as `12-40`, or a module span's runs, `1-21,72-101`."""
        return ",".join(f"{a}-{b}" for a, b in self.runs)


@dataclass(frozen=True)
class FileReport:
    path: str
    language: str | None
    probability: float | None
    error: str | None
    spans: tuple[SpanReport, ...] = ()
    named: bool = False  # `path` is a `--repos` name (`files.Candidate.named`); not in the JSON
    provenance: str | None = None  # why its provenance could not be read (`provenance.mark`)


@dataclass(frozen=True)
class ScanReport:
    model_name: str
    threshold: float
    files: tuple[FileReport, ...] = field(default_factory=tuple)
    # `scan --repos`: the repositories scanned, by the name their files' paths start with.
    repositories: tuple[str, ...] = ()
    # Languages whose spans the model judges with a threshold of their own (manifest
    # `thresholds.languages`), as (language, llm threshold).
    language_thresholds: tuple[tuple[str, float], ...] = ()
    threshold_given: bool = False  # `--threshold` set it, not the model: its false alarms unknown
    threshold_source: str = "`--threshold`"  # ...or the project's settings file, named
    # The thresholds the repository's own calibration sets, each with what it rests on.
    calibrated: tuple[str, ...] = ()
    # `scan --diff`/`--diff-file`: the change's own verdict (`core.change`), and what it was.
    change: ChangeVerdict | None = None
    change_description: str = ""

    @property
    def flagged(self) -> int:
        return sum(1 for f in self.files for s in f.spans if s.flagged)

    @property
    def scored_files(self) -> int:
        return sum(1 for f in self.files if not f.error and f.language)

    @property
    def judged_spans(self) -> int:
        """Spans that got a score (not generated)."""
        return sum(1 for f in self.files for s in f.spans if s.probability is not None)

    def threshold_of(self, language: str | None) -> float:
        """The threshold a span of `language` was judged at: its language's own, or the model's."""
        return dict(self.language_thresholds).get(language or "", self.threshold)

    def read(self, target: Path) -> bool:
        """Whether the file `target` is one the scan read as code (a report or a baseline must
        never be written over it)."""
        return os.path.isfile(target) and any(  # os.path's never raises (EACCES)
            f.error is None and _same_file(target, f.path) for f in self.files
        )


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
    own threshold (the documented extension of the shape)."""
    out: dict[str, Any] = {"name": report.model_name, "threshold": round(report.threshold, 4)}
    if report.language_thresholds:
        out["thresholds_by_language"] = {k: round(t, 4) for k, t in report.language_thresholds}
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


def change_text(report: ScanReport) -> str | None:
    """The change's verdict in one line, or None when the scan was not of a change."""
    if report.change is None:
        return None
    why = unpooled(report) if report.change.probability is None else ""
    return describe(report.change, report.change_description, why)


def render_json(report: ScanReport) -> str:
    return json.dumps(to_json(report), indent=2)


def status(s: SpanReport) -> str:
    """What a span's verdict leaves unsaid: suppressed (and why), in the baseline, flagged before
    the change (its base and score there), or why its language is not judged; "" for none."""
    if s.suppressed is not None:
        return f"suppressed{': ' + s.suppressed if s.suppressed else ''}"
    if s.baseline:
        return "in the baseline"
    if s.known_before is not None:
        k = s.known_before
        return f"flagged before the change, base {k.base}: {percent(k.probability)}"
    return s.reason or ""


def set_aside(report: ScanReport) -> list[str]:
    """The summary's counts of what a scan did not report: `2 suppressed`, `5 in the baseline`,
    `1 flagged before the change`, `1 file or folder skipped`. Suppressed counts the findings a
    comment hid (`llm` or `uncertain`, as SARIF's `leftOut`), not a span it marks that would not
    be reported anyway."""
    suppressed = sum(
        1
        for f in report.files
        for s in f.spans
        if s.suppressed is not None and s.verdict in REPORTED
    )
    known = sum(1 for f in report.files for s in f.spans if s.baseline)
    before = sum(1 for f in report.files for s in f.spans if s.known_before is not None)
    skipped = sum(1 for f in report.files if f.error)
    return [
        f"{n} {what}"
        for n, what in (
            (suppressed, "suppressed"),
            (known, "in the baseline"),
            (before, "flagged before the change"),
            (skipped, "file or folder skipped" if skipped == 1 else "files or folders skipped"),
        )
        if n
    ]


def not_judged(report: ScanReport) -> list[str]:
    """`Not judged: …` lines, one per reason a language is not judged."""
    return [f"Not judged: {why}." for why in not_judged_files(report)]


def not_judged_files(report: ScanReport) -> dict[str, list[str]]:
    """Per reason a language is not judged (sorted), the files whose spans it left unjudged, in
    the scan's order."""
    out: dict[str, list[str]] = {}
    for f in report.files:
        for why in dict.fromkeys(s.reason for s in f.spans if s.reason is not None):
            out.setdefault(why, []).append(f.path)
    return dict(sorted(out.items()))


def bounded(items: list[str], shown: int) -> str:
    """`a, b and c`, or the first `shown` and `and 4 more`: a list a report names in a line."""
    if len(items) > shown:
        return ", ".join(items[:shown]) + f" and {len(items) - shown} more"
    return ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else "".join(items)


def nothing_scored(report: ScanReport, reasons: str = "above") -> str:
    """The sentence for a scan that scored nothing, saying why; `reasons` says where the skipped
    files' reasons are ("above" the sentence, or "in the report" when it goes elsewhere)."""
    if not report.files:
        if report.change is not None:
            return f"Nothing was scored: {_NO_CHANGED_FILE}."
        return "Nothing was scored: no file in a supported language was found."
    if report.scored_files == 0:
        hint = _INCLUDE_GENERATED if all(_on_purpose(f.error) for f in report.files) else ""
        if len(report.files) == 1:
            return (
                "Nothing was scored: the only file or folder was skipped "
                f"(see the reason {reasons}).{hint}"
            )
        return (
            f"Nothing was scored: all {len(report.files)} files or folders were skipped "
            f"(see the reasons {reasons}).{hint}"
        )
    why = Counter(s.verdict for f in report.files for s in f.spans)
    if not why:  # a change's report holds only the spans it touched
        if report.change is not None:
            return f"Nothing was scored: {_NO_CHANGED_SPAN}."
        return "Nothing was scored: the files hold no function or script code to judge."
    return f"Nothing was scored: {_counted(why)}."


def unpooled(report: ScanReport) -> str:
    """Why a change's verdict pooled no span: what its spans were instead (too short, in the
    baseline, ...), or that it adds or edits no line of a file codeorigin reads."""
    why = Counter(set_aside_as(s) or s.verdict for f in report.files for s in f.spans)
    if why:
        return _counted(why)
    if report.scored_files:
        return _NO_CHANGED_SPAN
    if report.files:  # a FIFO, a link loop, a submodule of the change
        return "every file of it listed was skipped, each with its reason"
    return _NO_CHANGED_FILE


def set_aside_as(s: SpanReport) -> str:
    """Why a span is set aside (not reported, not pooled): `suppressed`, `baseline`, `before`
    (flagged before the change), or "" when it is not."""
    if s.suppressed is not None:
        return "suppressed"
    return "baseline" if s.baseline else "before" if s.known_before is not None else ""


def _counted(why: Counter[str]) -> str:
    """`2 spans are too short to judge, 1 span is in the baseline`."""
    return ", ".join(
        f"{n} {'span is' if n == 1 else 'spans are'} {_UNSCORED.get(v, v)}"
        for v, n in sorted(why.items())
    )


_INCLUDE_GENERATED = " --include-generated scores generated, minified and vendored code."


def _on_purpose(error: str | None) -> bool:
    return error is not None and generated.scored_when_included(error)


_NO_CHANGED_SPAN = "the change adds or edits no line of a function or of script code"
_NO_CHANGED_FILE = "the change adds or edits no line of a file in a language codeorigin reads"


#: Why a span that is in the report has no score (`nothing_scored`).
_UNSCORED = {
    "too_short": "too short to judge",
    "generated": "generated code, which is never scored",
    "not_judged": "in a language the model does not judge",
    "suppressed": "suppressed (`codeorigin: ignore`)",
    "baseline": "in the baseline",
    "before": "already flagged at the change's base",
}


MISSING = "no such file or folder"  # the error of a path named to scan that does not exist
CLONE_FAILED = "git clone failed"  # a `--repos` URL that could not be cloned: the scan fails
DELETED = "deleted by the change"  # a PATH named to `scan --diff` that the change deleted


def fingerprints(report: ScanReport) -> dict[tuple[int, int], str]:
    """A stable identity for each span, by (file index, span index): a hash of its path, name and
    text, which an edit elsewhere in the file does not change. Identical functions of one file
    (the same method in two classes) are told apart by their order: code scanning and code quality
    services merge findings with one fingerprint."""
    out: dict[tuple[int, int], str] = {}
    seen: Counter[str] = Counter()
    for i, f in enumerate(report.files):
        for j, s in enumerate(f.spans):
            key = f"{f.path}\0{s.name}\0{s.text_hash or s.start_line}"
            n = seen[key]
            seen[key] += 1
            # A name that is not UTF-8 (a Latin-1 `café.py`) keeps its bytes (surrogate escapes).
            data = (key + (f"\0{n}" if n else "")).encode("utf-8", "surrogateescape")
            out[(i, j)] = hashlib.sha256(data).hexdigest()
    return out


def _same_file(a: Path, b: str) -> bool:
    try:
        return a.samefile(b)
    except OSError:  # a report path that is no file here (`--repos` names its repository)
        return False


def provenance_words(p: Provenance) -> str:
    """A span's provenance in a report's row: `Claude Code signed 12/14 lines, 1a2b3c4d5e`."""
    more = f" +{len(p.commits) - 1}" if len(p.commits) > 1 else ""
    return f"{p.agent} signed {p.lines}/{p.total} lines, {p.commits[0]}{more}"


def provenance_lines(report: ScanReport) -> list[str]:
    """The summary's lines on provenance: how many spans hold lines of agent-signed commits, by
    agent, what that proves; and, per reason, the files whose history could not be read."""
    agents = Counter(s.provenance.agent for f in report.files for s in f.spans if s.provenance)
    out = []
    if agents:
        by = ", ".join(f"{a} {n}" for a, n in agents.most_common())
        n = sum(agents.values())
        out.append(f"Agent markers (git blame): {plural(n, 'span')} {'holds' if n == 1 else 'hold'} "
                   f"lines of commits an agent signed ({by}). A marker proves an agent took part "
                   "in a commit; its absence proves nothing.")  # fmt: skip
    unread = Counter(f.provenance for f in report.files if f.provenance)
    out += [f"Provenance of {plural(n, 'file')}: {why}." for why, n in unread.items()]
    return out
