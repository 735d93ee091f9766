"""Release archives that tests write themselves, in the registries' formats."""

from __future__ import annotations

import hashlib
import io
import tarfile
from pathlib import Path


def write_tar(path: Path, files: dict[str, str], mode: str = "w:gz") -> Path:
    """A tarball at `path` holding `files` (name -> UTF-8 text)."""
    with tarfile.open(path, mode) as tf:
        for name, text in files.items():
            data = text.encode("utf-8")
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return path


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
