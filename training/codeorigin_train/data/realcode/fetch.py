"""Downloading the pinned archives from the package registries, and checking them.

PyPI: the sdist from the registry's simple index (`pypi_file`), else `pip download --no-binary
:all:` (which runs the sdist's build backend: the only place here that runs code from an
archive). npm: `npm pack NAME@VERSION`. Debian: the upstream tarball (and, where the date comes
from it, its `.debian.tar.*`) from the mirror's pool (`DEBIAN_MIRROR`); an old release can
disappear from the pool. Every archive is checked against its pinned digest.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import tempfile
import urllib.request
from pathlib import Path
from typing import Any

from codeorigin_train.data.realcode.projects import Project

log = logging.getLogger(__name__)

DEFAULT_INDEX = "https://pypi.org/simple"
DEFAULT_DEBIAN_MIRROR = "http://deb.debian.org/debian"
_SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"
_TIMEOUT = 120


def pypi_file(name: str, filename: str) -> dict[str, Any]:
    """The entry of the file `filename` of project `name` (its `url`, `upload-time`, ...) in the
    simple index (PEP 691's JSON) pip would use: PIP_INDEX_URL, else PyPI's; LookupError when the
    index does not list that file."""
    index = os.environ.get("PIP_INDEX_URL", DEFAULT_INDEX).rstrip("/")
    url = f"{index}/{re.sub(r'[-_.]+', '-', name).lower()}/"
    req = urllib.request.Request(url, headers={"Accept": _SIMPLE_JSON})
    with urllib.request.urlopen(req, timeout=_TIMEOUT) as resp:
        files = json.load(resp).get("files", [])
    found = next((f for f in files if f.get("filename") == filename), None)
    if found is None:
        raise LookupError(f"no {filename} in {url}")
    return found


def _digest(path: Path, name: str) -> bytes:
    h = hashlib.new(name)
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.digest()


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file."""
    return _digest(path, "sha256").hex()


def integrity_of(path: Path) -> str:
    """The npm integrity string (`sha512-<base64>`) of a file."""
    return "sha512-" + base64.b64encode(_digest(path, "sha512")).decode("ascii")


def download(url: str, dest: Path) -> None:
    """Download `url` to `dest` through a temporary file, so a broken transfer leaves nothing."""
    tmp = dest.with_suffix(dest.suffix + ".part")
    with urllib.request.urlopen(url, timeout=_TIMEOUT) as resp, tmp.open("wb") as out:
        shutil.copyfileobj(resp, out)
    tmp.replace(dest)


def _pip_download(project: Project, dest_dir: Path) -> Path:
    with tempfile.TemporaryDirectory(dir=dest_dir) as tmp:
        cmd = [
            *("pip", "download", "--no-deps", "--no-binary", ":all:", "--quiet"),
            *(f"{project.name}=={project.version}", "-d", tmp),
        ]
        subprocess.run(cmd, check=True, timeout=600)
        files = list(Path(tmp).iterdir())
        if len(files) != 1:
            raise RuntimeError(f"pip download left {len(files)} files for {project.name}")
        target = dest_dir / files[0].name
        files[0].replace(target)
        return target


def _pinned(target: Path, name: str, kind: str, got: str, pinned: str) -> Path:
    """`target` when its digest `got` is the `pinned` one; otherwise it is removed, RuntimeError."""
    if got != pinned:
        target.unlink()
        raise RuntimeError(f"{name}: {kind} {got} is not the pinned {pinned}")
    return target


def fetch_pypi(project: Project, dest_dir: Path) -> Path:
    """The pinned sdist in `dest_dir`, downloaded unless already there with the right hash."""
    target = dest_dir / project.file
    if not (target.exists() and sha256_of(target) == project.sha256):
        try:
            info = pypi_file(project.name, project.file)
            uploaded = info.get("upload-time") or ""
            if uploaded and uploaded[:10] != project.release_date:
                log.warning("%s: index upload time %s, pinned date %s",
                            project.name, uploaded, project.release_date)  # fmt: skip
            download(info["url"], target)
        except (OSError, LookupError, json.JSONDecodeError) as exc:
            log.info("%s: simple index failed (%s); trying pip download", project.name, exc)
            target = _pip_download(project, dest_dir)
    return _pinned(target, project.file, "sha256", sha256_of(target), project.sha256)


def fetch_npm(project: Project, dest_dir: Path) -> Path:
    """The pinned npm tarball in `dest_dir`, packed by `npm pack` unless already there."""
    target = dest_dir / project.file
    if not (target.exists() and integrity_of(target) == project.integrity):
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError("npm is not installed: `apt-get install npm`, then fetch again")
        cmd = [npm, "pack", f"{project.name}@{project.version}", "--pack-destination",
               str(dest_dir), "--json", "--loglevel=error"]  # fmt: skip
        out = subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=600)
        packed = json.loads(out.stdout)[0]["filename"]
        if packed != project.file:
            (dest_dir / packed).replace(target)
    return _pinned(target, project.file, "integrity", integrity_of(target), project.integrity)


def debian_pool_url(source: str, filename: str) -> str:
    """The pool URL of a file of Debian source package `source` on DEBIAN_MIRROR's mirror."""
    prefix = source[:4] if source.startswith("lib") else source[:1]
    mirror = os.environ.get("DEBIAN_MIRROR", DEFAULT_DEBIAN_MIRROR).rstrip("/")
    return f"{mirror}/pool/main/{prefix}/{source}/{filename}"


def _fetch_pinned_sha256(project: Project, dest_dir: Path, file: str, sha256: str) -> Path:
    """`dest_dir/file` of Debian source package `project`, from the pool unless there already."""
    target = dest_dir / file
    if not (target.exists() and sha256_of(target) == sha256):
        download(debian_pool_url(project.name, file), target)
    return _pinned(target, file, "sha256", sha256_of(target), sha256)


def fetch_debian(project: Project, dest_dir: Path) -> Path:
    """The pinned upstream tarball of a Debian source package (and its evidence archive)."""
    if project.evidence_file:
        _fetch_pinned_sha256(project, dest_dir, project.evidence_file, project.evidence_sha256)
    return _fetch_pinned_sha256(project, dest_dir, project.file, project.sha256)


_FETCHERS = {"pypi": fetch_pypi, "npm": fetch_npm, "debian": fetch_debian}


def fetch(projects: list[Project], dest_dir: Path) -> tuple[list[Path], list[tuple[str, str]]]:
    """Fetch every project into `dest_dir`: (archives, [(project, error)])."""
    dest_dir.mkdir(parents=True, exist_ok=True)
    done: list[Path] = []
    failed: list[tuple[str, str]] = []
    for p in projects:
        try:
            path = _FETCHERS[p.registry](p, dest_dir)
        except (OSError, RuntimeError, subprocess.SubprocessError, ValueError, KeyError) as exc:
            log.warning("%s %s: not fetched: %s", p.name, p.version, exc)
            failed.append((p.name, str(exc)))
            continue
        log.info("%s %s: %s", p.name, p.version, path.name)
        done.append(path)
    return done, failed
