"""The functions one commit wrote, judged together.

An agent's change writes several functions at once, and a function alone carries little evidence:
within their own repository, the model ranks one agent's function above its people's at an AUROC
of about 0.8, and a threshold that holds 1% of people catches few. Pooled, the functions a commit
wrote rank far better (the card's "A commit's functions judged together"). After a scan, with its
provenance read (`scan.provenance`), the judged functions are grouped by the commit that last
changed at least `min_share` of their lines; a commit with at least `min_spans` of them gets one
probability, sigmoid(a * z + b), where z is the mean of their margins over their languages'
thresholds in the model weighted by their lines (`core.change`, the `mean-margin-by-changed-lines`
rule), and its functions are flagged together where it reaches the model's `change.commits.llm`,
bounded on people's commits function by function (`codeorigin-train commit-verdict`). A function
flagged so says with which commit (`report.data.WithCommit`); its own probability is unchanged.

A scan sees the commit's functions among the files it reads: a scan of one file pools only that
file's. A user's `--threshold` replaces the model's verdicts, this one included: nothing is pooled
then. A repository's own commit threshold (`codeorigin calibrate --write`: bounded on its
people's commits, or raised above the highest of them) replaces the model's. Only functions of
the languages the model judges with thresholds of their own weigh in (the threshold was bounded
on those), with the commit's judged test cases (JavaScript's and TypeScript's `it`/`test`, each
margin over its test cases' threshold: `commit-verdict --cases`); module code, suppressed and
generated spans, and lines not committed, are left out.
`codeorigin calibrate` measures what it adds on a repository's history.
"""

from __future__ import annotations

from dataclasses import replace

from codeorigin.core import languages
from codeorigin.core.change import PooledSpan, pooled_probability
from codeorigin.core.spans import FUNCTION_KINDS
from codeorigin.core.verdicts import percent
from codeorigin.model.manifest import Manifest
from codeorigin.report.data import ScanReport, SpanReport, WithCommit

Place = tuple[int, int]  # (file, span) in the report


def pool(
    report: ScanReport,
    manifest: Manifest,
    threshold: float | None,
    own: tuple[float, str] | None = None,
) -> ScanReport:
    """`report` with the functions of each commit that reaches the commit threshold flagged
    (`SpanReport.with_commit`); the same report where the model has none, or the user set
    `--threshold` (`threshold`). `own`: the repository's own commit threshold and what it rests
    on (`codeorigin calibrate --write`), in place of the model's; the report says so."""
    calibration = manifest.change
    if calibration.commit_llm is None or threshold is not None:
        return report
    limit = calibration.commit_llm if own is None else own[0]
    if own is not None:
        said = f"a commit's functions judged together at {percent(own[0])}, {own[1]}"
        report = replace(report, calibrated=(*report.calibrated, said))
    found: dict[Place, WithCommit] = {}
    for sha, (p, members) in probabilities(report, manifest).items():
        if p >= limit:
            with_commit = WithCommit(sha[:10], len(members), p, limit)
            found |= {place: with_commit for place in members}
    if not found:
        return report
    files = tuple(
        replace(f, spans=tuple(_flagged(s, found.get((i, j))) for j, s in enumerate(f.spans)))
        for i, f in enumerate(report.files)
    )
    return replace(report, files=files)


def probabilities(report: ScanReport, manifest: Manifest) -> dict[str, tuple[float, list[Place]]]:
    """Each commit that wrote at least the model's `min_spans` of the report's judged functions
    (in languages with thresholds of their own): their pooled probability and places."""
    calibration = manifest.change
    judged = manifest.thresholds.languages  # those the commit threshold was bounded on
    groups: dict[str, list[tuple[Place, PooledSpan]]] = {}
    for i, f in enumerate(report.files):
        language = languages.canonical(f.language)
        if language not in judged:
            continue
        for j, s in enumerate(f.spans):
            if s.kind == "case" and language not in manifest.thresholds.cases:
                continue  # measured (`calibrate`) where the model does not judge them
            if _pooled(s, calibration.commit_min_share) and s.commit is not None:
                # margins are measured from the model's own threshold (a test case's: its own)
                reference = manifest.thresholds.for_kind(language, s.kind)[0]
                span = PooledSpan(s.probability or 0.0, s.n_lines, None, None, reference)
                groups.setdefault(s.commit[0], []).append(((i, j), span))
    return {sha: (pooled_probability([m for _, m in members], calibration),
                  [place for place, _ in members])
            for sha, members in groups.items()
            if len(members) >= calibration.commit_min_spans}  # fmt: skip


def _pooled(span: SpanReport, min_share: float) -> bool:
    """Whether `span` weighs in with its commit: judged, not suppressed, and that commit last
    changed at least `min_share` of its lines."""
    return (
        span.probability is not None
        and (span.kind in FUNCTION_KINDS or span.kind == "case")  # not module code
        and span.verdict in ("llm", "uncertain", "human")
        and span.suppressed is None
        and span.commit is not None
        and span.commit[1] >= min_share
    )


def _flagged(span: SpanReport, with_commit: WithCommit | None) -> SpanReport:
    """`span` flagged with its commit, unless it is flagged on its own already."""
    if with_commit is None or span.verdict == "llm":
        return span
    return replace(span, verdict="llm", with_commit=with_commit)
