"""A copy of a model folder with the thresholds a test chooses (the manifest's `thresholds`:
the model's own, a language's own, a language's module code's own)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path


def with_thresholds(src: Path, dst: Path, thresholds: dict[str, object]) -> Path:
    """`src` copied to `dst` with `thresholds` in place of its manifest's; returns `dst`."""
    shutil.copytree(src, dst)
    manifest = json.loads((dst / "manifest.json").read_text())
    manifest["thresholds"] = thresholds
    (dst / "manifest.json").write_text(json.dumps(manifest))
    return dst
