"""The pinned list of real projects (`projects.toml`): what to fetch and what to record about it.

Each entry names one release by exact version and the archive the registry serves for it, with the
archive's hash, so a later fetch gets the same bytes or fails. The release date and its evidence
are part of the entry because this material must predate code-writing LLMs (`date_source =
"unverified"` where it cannot be checked).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

PROJECTS_FILE = Path(__file__).with_name("projects.toml")
REGISTRIES = ("pypi", "npm", "debian")
# Where a release date comes from: the registry's upload time of the pinned file (PyPI's simple
# index), a dated entry in a changelog or file header inside the archive (checked at build time),
# or nothing that can be checked here.
DATE_SOURCES = ("pypi-upload-time", "archive-text", "unverified")
CUTOFF = "2021-01-01"


@dataclass(frozen=True)
class Project:
    """One pinned release: `file` the archive's name as the registry serves it, its bytes pinned
    by `sha256` (PyPI, Debian) or `integrity` (npm's `sha512-...`). For Debian, `name` is the
    source package and `file` its `.orig.tar.*`; `evidence_file` (with `evidence_sha256`) pins its
    `.debian.tar.*`, whose `debian/changelog` can date the release. `include`/`exclude`: path
    prefixes kept or dropped. `date_evidence_path`/`date_evidence_text`: the file and the text in
    it that date the release (`date_source == "archive-text"`)."""

    name: str
    version: str
    registry: str
    release_date: str
    date_source: str
    licence: str
    file: str
    sha256: str = ""
    integrity: str = ""
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    date_evidence_path: str = ""
    date_evidence_text: str = ""
    evidence_file: str = ""
    evidence_sha256: str = ""
    note: str = ""

    @property
    def source(self) -> str:
        """The `source` column for this project's samples."""
        return "cpython-stdlib" if self.registry == "stdlib" else f"real-{self.registry}"

    @property
    def group(self) -> str:
        """The split group: one per project, so a project never straddles train and test."""
        return f"real:{self.name}"


_KNOWN = set(Project.__dataclass_fields__)


def _project(entry: dict[str, Any], where: str) -> Project:
    required = ("name", "version", "registry", "release_date", "date_source", "licence", "file")
    missing = [k for k in required if not entry.get(k)]
    if missing:
        raise ValueError(f"{where}: missing {', '.join(missing)}")
    if entry["registry"] not in REGISTRIES:
        raise ValueError(f"{where}: registry must be one of {REGISTRIES}, "
                         f"not {entry['registry']!r}")  # fmt: skip
    if entry["date_source"] not in DATE_SOURCES:
        raise ValueError(f"{where}: date_source must be one of {DATE_SOURCES}")
    if entry["date_source"] == "archive-text" and not (
        entry.get("date_evidence_path") and entry.get("date_evidence_text")
    ):
        raise ValueError(f"{where}: archive-text dates need date_evidence_path and _text")
    digest = "integrity" if entry["registry"] == "npm" else "sha256"
    if not entry.get(digest):
        raise ValueError(f"{where}: a {entry['registry']} entry needs its archive's {digest}")
    if entry.get("evidence_file") and not entry.get("evidence_sha256"):
        raise ValueError(f"{where}: evidence_file needs evidence_sha256")
    unknown = sorted(set(entry) - _KNOWN)
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {', '.join(unknown)}")
    tuples: dict[str, Any] = {k: tuple(entry[k]) for k in ("include", "exclude") if k in entry}
    return Project(**{**entry, **tuples, "release_date": str(entry["release_date"])})


def load_projects(path: Path = PROJECTS_FILE) -> list[Project]:
    """The pinned projects of a TOML file (`[[project]]` tables), in file order; ValueError for an
    incomplete entry, a duplicate name, or a release dated on or after CUTOFF."""
    try:
        import tomllib
    except ModuleNotFoundError as exc:  # Python 3.10
        raise RuntimeError("reading projects.toml needs Python 3.11 or newer (tomllib)") from exc
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    entries = data.get("project", [])
    projects = [_project(entry, f"{path.name} entry {i}") for i, entry in enumerate(entries)]
    seen: set[str] = set()
    for p in projects:
        if p.name in seen:
            raise ValueError(f"{path.name}: {p.name} is listed twice")
        seen.add(p.name)
        if p.release_date >= CUTOFF:
            raise ValueError(f"{path.name}: {p.name} {p.version} is dated {p.release_date}")
    log.debug("%d pinned projects in %s", len(projects), path)
    return projects
