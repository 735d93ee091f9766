"""What every rendering of a scan says the same way: a span's status beside its verdict, what was
set aside or not judged, why nothing was scored or a change pooled no span, and the lines on
provenance (text, markdown, SARIF and the command line's messages).
"""

from __future__ import annotations

from collections import Counter

from codeorigin.core import bound, generated, markers
from codeorigin.core.change import describe
from codeorigin.core.markers import Provenance
from codeorigin.core.verdicts import percent, plural
from codeorigin.report.data import (
    REPORTED,
    ScanReport,
    SpanReport,
)


def change_text(report: ScanReport) -> str | None:
    """The change's verdict in one line, or None when the scan was not of a change."""
    if report.change is None:
        return None
    why = unpooled(report) if report.change.probability is None else ""
    return describe(report.change, report.change_description, why)


def status(s: SpanReport) -> str:
    """What a span's verdict leaves unsaid: suppressed (and why), in the baseline, flagged before
    the change (its base and score there), why its language is not judged, or that it was
    flagged with its commit's other functions; "" for none."""
    if s.suppressed is not None:
        return f"suppressed{': ' + s.suppressed if s.suppressed else ''}"
    if s.baseline:
        return "in the baseline"
    if s.known_before is not None:
        k = s.known_before
        return f"flagged before the change, base {k.base}: {percent(k.probability)}"
    if s.with_commit is not None:
        return s.with_commit.text()
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
    """`Not judged: …` lines, one per reason a language is not judged, and how a repository's
    own calibration could judge those it can (`calibrate_hint`)."""
    lines = [f"Not judged: {why}." for why in not_judged_files(report)]
    return lines + ([calibrate_hint(report.calibratable)] if report.calibratable else [])


def calibrate_hint(languages: tuple[str, ...] | list[str], *, markdown: bool = False) -> str:
    """How a repository's own calibration can judge `languages`, which the model scores but
    abstains on: a sentence for the scan's summary and the hover's "What to do"."""
    names = " and ".join(languages)
    run, write = ("`codeorigin calibrate`", "`--write`") if markdown else ("codeorigin calibrate", "--write")
    return (
        f"Run {run} in the repository to measure {names} on its own people's code (functions "
        f"written before {markers.CUTOFF.isoformat()}): with {bound.needed()} or more of them it bounds a "
        f"threshold, and {write} has scan and the editor judge {names} there."
    )


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


def provenance_words(p: Provenance) -> str:
    """A span's provenance in a report's row: `Claude Code signed 12/14 lines, 1a2b3c4d5e`."""
    more = f" +{len(p.commits) - 1}" if len(p.commits) > 1 else ""
    squash = f" (like a squash merge: #{p.pull_request})" if p.pull_request is not None else ""
    return f"{p.agent} signed {p.lines}/{p.total} lines, {p.commits[0]}{squash}{more}"


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


def commit_lines(report: ScanReport, shown: int = 5) -> list[str]:
    """The summary's line on the commits whose functions were flagged together (`scan.commits`):
    how many functions of how many commits, the most probable commits first."""
    found = [s.with_commit for f in report.files for s in f.spans
             if s.with_commit is not None and s.reported]  # fmt: skip
    if not found:
        return []
    commits = {w.commit: w for w in found}
    ranked = sorted(commits.values(), key=lambda w: -w.probability)
    listed = "; ".join(f"{w.commit} {percent(w.probability)}, {plural(w.spans, 'function')}"
                       for w in ranked[:shown])  # fmt: skip
    more = f"; and {len(ranked) - shown} more" if len(ranked) > shown else ""
    return [f"Flagged with their commit: {plural(len(found), 'function')} of "
            f"{plural(len(commits), 'commit')} whose judged functions together reach "
            f"{percent(ranked[0].threshold)} ({listed}{more}). Each commit's functions are pooled "
            "as one piece of evidence: a reason to look at the commit, not proof."]  # fmt: skip
