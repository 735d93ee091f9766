"""Putting the real-code set together: one row per human function, with its provenance.

Projects are read in the order of the pinned list, the standard library last, so a function a
package copies from another is kept once, under the first. After exact deduplication each project
keeps at most `cap` functions, chosen by a hash of their text (deterministic, spread over files).
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from codeorigin_train.data.realcode import stdlib
from codeorigin_train.data.realcode.extract import (
    Function,
    archive_files,
    functions_in_files,
    metadata_licence,
    read_member,
)
from codeorigin_train.data.realcode.projects import Project
from codeorigin_train.data.records import Counts

log = logging.getLogger(__name__)

HUMAN = 0
GENERATOR = "human"
DEFAULT_CAP = 400
COLUMNS = (
    *("code", "label", "language", "source", "generator", "group", "project", "version"),
    *("release_date", "date_source", "date_verified", "licence", "path", "name", "kind", "n_lines"),
)


@dataclass
class ProjectReport:
    """What one project contributed, for the summary."""

    project: Project
    stats: Counts = field(default_factory=Counts)
    languages: Counter[str] = field(default_factory=Counter)
    date_verified: bool = False
    metadata_licence: str = ""
    extracted: int = 0
    duplicates: int = 0
    kept: int = 0
    error: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The summary's entry: the project's pin, then what it gave and lost."""
        p, s = self.project, self.stats
        return {
            "project": p.name,
            "version": p.version,
            "registry": p.registry,
            "release_date": p.release_date,
            "date_source": p.date_source,
            "date_verified": self.date_verified,
            "licence": p.licence,
            "metadata_licence": self.metadata_licence,
            "files": s.files,
            "skipped_files": dict(s.skipped),
            "extracted": self.extracted,
            "dropped": dict(s.spans),
            "duplicates": self.duplicates,
            "kept": self.kept,
            "languages": dict(self.languages),
            "error": self.error,
        }


def date_verified(project: Project, archive: Path | None) -> bool:
    """Whether the release date has evidence: the registry's upload time, or the text in the
    project's `evidence_file` or archive."""
    if project.date_source == "pypi-upload-time":
        return True
    if project.date_source == "archive-text" and archive is not None:
        evidence = archive.with_name(project.evidence_file) if project.evidence_file else archive
        text = read_member(evidence, project.date_evidence_path) if evidence.is_file() else None
        if text is not None and project.date_evidence_text in text:
            return True
        log.warning("%s: %r not found in %s; date left unverified", project.name,
                    project.date_evidence_text, project.date_evidence_path)  # fmt: skip
    return False


def _rows(project: Project, verified: bool, functions: Iterable[Function]) -> list[dict[str, Any]]:
    pinned = {
        "label": HUMAN,
        "source": project.source,
        "generator": GENERATOR,
        "group": project.group,
        "project": project.name,
        "version": project.version,
        "release_date": project.release_date,
        "date_source": project.date_source,
        "date_verified": verified,
        "licence": project.licence,
    }
    return [{**pinned, **asdict(f)} for f in functions]  # in `COLUMNS` order when written


def collect(
    projects: list[Project],
    archives_dir: Path,
    *,
    cap: int = DEFAULT_CAP,
    with_stdlib: bool = True,
    stdlib_root: Path | None = None,
) -> tuple[list[dict[str, Any]], list[ProjectReport]]:
    """Rows of every project whose archive is in `archives_dir`, and a report per project."""
    seen: set[str] = set()
    rows: list[dict[str, Any]] = []
    reports: list[ProjectReport] = []
    sources: list[tuple[Project, Path | None]] = [(p, archives_dir / p.file) for p in projects]
    if with_stdlib:
        sources.append((stdlib.project(), None))
    for project, archive in sources:
        report = ProjectReport(project)
        reports.append(report)
        if archive is not None and not archive.is_file():
            report.error = f"archive {archive.name} not fetched"
            log.warning("%s: %s", project.name, report.error)
            continue
        if archive is None:
            files = stdlib.stdlib_files(stdlib_root)
        else:
            files = archive_files(archive)
            report.metadata_licence = metadata_licence(archive)
        report.date_verified = date_verified(project, archive)
        found = list(functions_in_files(files, project.include, project.exclude, report.stats))
        report.extracted = len(found)
        unique: list[Function] = []
        for f in found:
            if f.code in seen:
                report.duplicates += 1
                continue
            seen.add(f.code)
            unique.append(f)
        kept = sorted(
            unique, key=lambda f: hashlib.sha1(f.code.encode("utf-8", "surrogatepass")).hexdigest()
        )[:cap]
        kept.sort(key=lambda f: (f.path, f.name))
        report.kept = len(kept)
        report.languages.update(f.language for f in kept)
        rows.extend(_rows(project, report.date_verified, kept))
        log.info("%s %s: %d files, %d functions, %d duplicates, %d kept", project.name,
                 project.version, report.stats.files, report.extracted, report.duplicates,
                 report.kept)  # fmt: skip
    return rows, reports


def summary(reports: list[ProjectReport]) -> dict[str, Any]:
    """Totals, per-language counts, date range and licences over the reports."""
    kept = [r for r in reports if r.kept]
    dated = sorted(r.project.release_date for r in kept if r.project.release_date)
    languages = sum((r.languages for r in kept), Counter[str]())
    return {
        "total": sum(r.kept for r in reports),
        "projects": len(kept),
        "languages": dict(languages),
        "date_range": [dated[0], dated[-1]] if dated else [],
        "unverified_dates": [r.project.name for r in kept if not r.date_verified],
        "licences": dict(Counter(r.project.licence for r in kept)),
        "failed": {r.project.name: r.error for r in reports if r.error},
        "per_project": [r.as_dict() for r in reports],
    }
