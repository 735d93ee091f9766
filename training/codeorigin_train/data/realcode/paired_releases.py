"""Choosing, pinning and fetching the release each benchmark project was built from.

Among the files PyPI's simple index (PEP 691 JSON) lists as uploaded before the benchmark's cut-off,
the newest of up to `tries` final releases that holds the most benchmark functions with the
benchmark's parameter list is pinned by file name and sha256 in `paired.toml`, with the reason.
"""

from __future__ import annotations

import json
import logging
import re
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codeorigin_train.data.realcode.fetch import download, sha256_of
from codeorigin_train.data.realcode.paired_locate import ArchiveIndex, signature_args
from codeorigin_train.data.realcode.paired_tasks import CUTOFFS, Task

log = logging.getLogger(__name__)

PINS_FILE = Path(__file__).with_name("paired.toml")
PYPI_SIMPLE = "https://pypi.org/simple"
_SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"


@dataclass(frozen=True)
class Pin:
    """The release chosen for one project, and why."""

    project: str
    pypi: str
    version: str
    file: str
    url: str
    sha256: str
    upload_time: str
    matched: int
    tasks: int
    reason: str


# ------------------------------------------------------------------------------- releases


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _file_version(filename: str, name: str) -> str | None:
    for suffix in (".tar.gz", ".zip", ".tar.bz2", ".tgz"):
        if filename.endswith(suffix):
            stem = filename[: -len(suffix)]
            if "-" in stem and canonical(stem.rsplit("-", 1)[0]) == name:
                return stem.rsplit("-", 1)[1]
            return None
    if filename.endswith("-none-any.whl"):
        parts = filename.split("-")
        if canonical(parts[0]) == name:
            return parts[1]
    return None


def release_candidates(pypi: str, cutoff: str, index: str = PYPI_SIMPLE) -> list[dict[str, str]]:
    """The versions of `pypi` with a file uploaded before `cutoff`, newest first (see
    `candidates_from_index`), read from the simple index's JSON form."""
    req = urllib.request.Request(f"{index}/{canonical(pypi)}/", headers={"Accept": _SIMPLE_JSON})
    with urllib.request.urlopen(req, timeout=120) as resp:
        data = json.load(resp)
    return candidates_from_index(data, pypi, cutoff)


def candidates_from_index(data: dict[str, Any], pypi: str, cutoff: str) -> list[dict[str, str]]:
    """The final releases in a PEP 691 project page with a file uploaded before `cutoff`, newest
    first; one file per version: the sdist when there is one, else a pure-Python wheel."""
    name = canonical(pypi)
    best: dict[str, dict[str, str]] = {}
    for f in data.get("files", []):
        uploaded = f.get("upload-time") or ""
        version = _file_version(f["filename"], name)
        if version is None or not uploaded or uploaded[:10] >= cutoff or f.get("yanked"):
            continue
        if re.search(r"(a|b|rc|dev)\d*$", version):
            continue  # pre-releases are not what a benchmark snapshots
        entry = {
            "version": version,
            "file": f["filename"],
            "url": f["url"],
            "sha256": f.get("hashes", {}).get("sha256", ""),
            "upload_time": uploaded,
        }
        old = best.get(version)
        is_sdist = not f["filename"].endswith(".whl")
        if old is None or (is_sdist and old["file"].endswith(".whl")):
            best[version] = entry
    return sorted(best.values(), key=lambda e: e["upload_time"], reverse=True)


def _matches(index: ArchiveIndex, tasks: list[Task]) -> int:
    n = 0
    for task in tasks:
        fn = index.locate(task)
        if fn is None:
            continue
        want = signature_args(task.signature) if task.signature else None
        if want is None or want == fn.args:
            n += 1
    return n


def choose_release(
    pypi: str, tasks: list[Task], archives: Path, tries: int = 3
) -> tuple[Pin | None, str]:
    """The newest release (of the `tries` newest before the cut-off) holding the most tasks."""
    cutoff = CUTOFFS[tasks[0].benchmark]
    try:
        candidates = release_candidates(pypi, cutoff)
    except (OSError, ValueError) as exc:
        return None, f"index: {exc}"
    if not candidates:
        return None, f"no release of {pypi} before {cutoff}"
    best: tuple[int, dict[str, str]] | None = None
    for cand in candidates[:tries]:
        target = archives / cand["file"]
        try:
            if not (target.exists() and sha256_of(target) == cand["sha256"]):
                download(cand["url"], target)
        except OSError as exc:
            log.warning("%s: %s not downloaded: %s", pypi, cand["file"], exc)
            continue
        matched = _matches(ArchiveIndex(target), tasks)
        log.info("%s %s: %d of %d tasks", pypi, cand["version"], matched, len(tasks))
        if best is None or matched > best[0]:
            best = (matched, cand)
        if matched == len(tasks):
            break
    if best is None or best[0] == 0:
        return None, f"no function found in {min(tries, len(candidates))} releases of {pypi}"
    matched, cand = best
    newest = cand is candidates[0]
    reason = (
        f"newest release before {cutoff}"
        if newest
        else f"holds more tasks with the benchmark's signature than the newer releases before {cutoff}"
    )
    return (
        Pin(
            tasks[0].project,
            pypi,
            cand["version"],
            cand["file"],
            cand["url"],
            cand["sha256"],
            cand["upload_time"],
            matched,
            len(tasks),
            reason,
        ),
        "",
    )


def write_pins(pins: list[Pin], failed: dict[str, str], path: Path) -> None:
    """`paired.toml`: one table per pinned project, and the projects that could not be pinned."""
    lines = [
        "# Releases of the projects behind EvoCodeBench and DevEval, chosen by",
        "# `python -m codeorigin_train.data.realcode.paired pin` (see paired.py). Each pins one file of",
        "# the PyPI simple index by name and sha256.",
        "",
    ]
    for p in pins:
        lines.append("[[project]]")
        for key, value in p.__dict__.items():
            lines.append(f"{key} = {json.dumps(value)}")
        lines.append("")
    for project, why in sorted(failed.items()):
        lines.append(f"# not pinned: {project}: {why}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def load_pins(path: Path = PINS_FILE) -> dict[str, Pin]:
    import tomllib

    with path.open("rb") as fh:
        data = tomllib.load(fh)
    return {e["project"]: Pin(**e) for e in data.get("project", [])}


def fetch_pins(pins: Iterable[Pin], archives: Path) -> list[tuple[str, str]]:
    """Download every pinned file not yet in `archives`; returns [(project, error)]."""
    archives.mkdir(parents=True, exist_ok=True)
    failed = []
    for pin in pins:
        target = archives / pin.file
        try:
            if not (target.exists() and sha256_of(target) == pin.sha256):
                download(pin.url, target)
            if sha256_of(target) != pin.sha256:
                target.unlink()
                raise RuntimeError(f"{pin.file}: sha256 differs from the pin")
        except (OSError, RuntimeError) as exc:
            failed.append((pin.project, str(exc)))
    return failed
