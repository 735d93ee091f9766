"""A scan's report as data: `ScanReport`, its `FileReport`s and their `SpanReport`s (with a flagged
span's `Explained`, a change's `KnownBefore`), what a file's error says when it was not read, and a
stable identity for each span. A scan fills them in (`codeorigin.scan`); the renderings read them:
JSON (`json_shape`), text (`summary`), SARIF (`sarif`), markdown and Code Climate (`review`).
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from codeorigin.core.change import ChangeVerdict
from codeorigin.core.markers import Provenance

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
    """A span `scan --diff` found flagged before the change (`codeorigin.scan.prior`): the base
    commit (short) and the probability its version there got."""

    base: str
    probability: float


@dataclass(frozen=True)
class WithCommit:
    """The verdict of the functions one commit wrote, pooled (`scan.commits`): the commit (short),
    how many judged functions it wrote, their pooled probability, and the threshold it met."""

    commit: str
    spans: int
    probability: float
    threshold: float

    def text(self) -> str:
        """`flagged with the 7 functions commit 1a2b3c4d5e wrote: together 91.2% (threshold
        84.1%)`."""
        return (
            f"flagged with the {self.spans} functions commit {self.commit} wrote: together "
            f"{100 * self.probability:.1f}% (threshold {100 * self.threshold:.1f}%)"
        )


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
    provenance: Provenance | None = None  # lines from commits an agent signed (`scan.provenance`)
    # The commit that last changed most of its lines and their share (`scan.provenance`).
    commit: tuple[str, float] | None = None
    # Flagged with the other functions its commit wrote, pooled (`scan.commits`); not on its own.
    with_commit: WithCommit | None = None

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
    provenance: str | None = None  # why its provenance could not be read (`scan.provenance.mark`)


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
    # Languages whose module code has a threshold of its own (`thresholds.modules`), as
    # (language, llm threshold): the outer code of a file, judged apart from its functions.
    module_thresholds: tuple[tuple[str, float], ...] = ()
    # Languages whose test cases have a threshold of their own (`thresholds.cases`), likewise.
    case_thresholds: tuple[tuple[str, float], ...] = ()
    threshold_given: bool = False  # `--threshold` set it, not the model: its false alarms unknown
    threshold_source: str = "`--threshold`"  # ...or the project's settings file, named
    # The thresholds the repository's own calibration sets, each with what it rests on.
    calibrated: tuple[str, ...] = ()
    # Languages of spans not judged that the repository's own calibration could have judged
    # (`Engine.calibratable`): the text summary says how (`words.calibrate_hint`).
    calibratable: tuple[str, ...] = ()
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

    def threshold_of(self, language: str | None, kind: str = "function") -> float:
        """The threshold a span of `kind` of `language` was judged at: its language's own (for
        module code or a test case, their own where the language has one), or the model's."""
        units = {"module": self.module_thresholds, "case": self.case_thresholds}
        if language in dict(units.get(kind, ())):
            return dict(units[kind])[language or ""]
        return dict(self.language_thresholds).get(language or "", self.threshold)

    def read(self, target: Path) -> bool:
        """Whether the file `target` is one the scan read as code (a report or a baseline must
        never be written over it)."""
        return os.path.isfile(target) and any(  # os.path's never raises (EACCES)
            f.error is None and _same_file(target, f.path) for f in self.files
        )


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
