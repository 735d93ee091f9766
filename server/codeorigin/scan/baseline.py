"""Baselines: the findings a project has already seen, so that only new ones are reported.

`codeorigin scan --write-baseline FILE` records every span reported as `llm` or `uncertain` (and
not suppressed) by its path, its name and a hash of its normalised text. `--baseline FILE` then
reports only spans that are not in the file, and the server, when `codeorigin.baseline` names the
file, shows no diagnostic for them. A finding is known by (path, name, hash): because the hash is
of the normalised text, it stays known while its function is unchanged (re-indenting it or moving
it within its file keeps it known), and comes back when the function is edited, renamed, or moved
to another file (or its file renamed).

Paths are stored relative to the baseline file's folder with `/` separators, so the file can be
committed and read on another machine or from the editor.

The file is JSON:
`{"codeorigin_baseline": 1, "findings": [{"path", "name", "hash", "verdict", "probability"}]}`.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codeorigin.scan import atomic

if TYPE_CHECKING:
    from codeorigin.report.data import ScanReport

FORMAT = 1


class BaselineError(Exception):
    """A baseline file that cannot be read or written; the message says what to do."""


@dataclass(frozen=True)
class Finding:
    """One recorded finding. `path` is relative to the baseline's folder (`/`-separated)."""

    path: str
    name: str
    hash: str
    verdict: str = "llm"
    probability: float | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.path, self.name, self.hash)


def relative(root: Path, path: Path) -> str:
    """`path` relative to `root` with `/` separators (absolute when it is not below `root`)."""
    full = Path(os.path.abspath(path))
    try:
        return full.relative_to(Path(os.path.abspath(root))).as_posix()
    except ValueError:
        return full.as_posix()


@dataclass(frozen=True)
class Baseline:
    """The findings of a baseline file, and the folder its paths are relative to."""

    root: Path
    keys: frozenset[tuple[str, str, str]]
    findings: tuple[Finding, ...] = ()  # as the file holds them (a rewrite may keep some)

    def knows(self, path: Path | str, name: str, text_hash: str) -> bool:
        """Whether a span of the file at `path` was in the baseline, unchanged; a `str` is the
        name a `--repos` list gave the file, matched as written (from any working folder)."""
        key = path if isinstance(path, str) else relative(self.root, path)
        return (key, name, text_hash) in self.keys

    def __len__(self) -> int:
        return len(self.keys)


MAX_BYTES = 256 * 1024 * 1024  # a baseline of millions of findings is still far below this


def load(file: Path) -> Baseline:
    """Read a baseline file. Raises BaselineError with a message a user can act on. Only a
    regular file is read: a FIFO or a device named by mistake would block the reader forever."""
    try:
        info = file.stat()
        if not stat.S_ISREG(info.st_mode):
            raise BaselineError(f"the baseline {file} is not a regular file")
        if info.st_size > MAX_BYTES:
            raise BaselineError(
                f"the baseline {file} has {info.st_size:,} bytes, more than {MAX_BYTES:,}"
            )
        # utf-8-sig: a byte order mark, which some editors on Windows write, is not JSON.
        data: Any = json.loads(file.read_text(encoding="utf-8-sig"))
    except FileNotFoundError as exc:
        raise BaselineError(
            f"no baseline file at {file}: record the current findings first with "
            f"`codeorigin scan . --write-baseline {file}`"
        ) from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BaselineError(
            f"{file} is not a codeorigin baseline: it is not JSON ({exc}); write one with "
            f"`codeorigin scan . --write-baseline {file}`"
        ) from exc
    except OSError as exc:
        raise BaselineError(f"cannot read the baseline {file}: {exc}") from exc
    if not isinstance(data, dict) or data.get("codeorigin_baseline") != FORMAT:
        raise BaselineError(
            f"{file} is not a codeorigin baseline (format {FORMAT}); "
            f"write it again with `codeorigin scan . --write-baseline {file}`"
        )
    keys: set[tuple[str, str, str]] = set()
    kept: list[Finding] = []
    findings = data.get("findings", [])
    if not isinstance(findings, list):
        raise BaselineError(f"{file}: its findings must be a list, not {findings!r:.60}")
    for item in findings:
        if not isinstance(item, dict) or not all(
            isinstance(item.get(k), str) for k in ("path", "name", "hash")
        ):
            raise BaselineError(f"{file} has a finding without path, name and hash: {item!r}")
        keys.add((item["path"], item["name"], item["hash"]))
        verdict, probability = item.get("verdict"), item.get("probability")
        kept.append(Finding(item["path"], item["name"], item["hash"],
                            verdict if isinstance(verdict, str) else "llm",
                            float(probability) if isinstance(probability, (int, float)) else None))  # fmt: skip
    return Baseline(Path(os.path.abspath(file)).parent, frozenset(keys), tuple(kept))


def write(file: Path, findings: Iterable[Finding]) -> int:
    """Write a baseline file (sorted, so it diffs well); return how many findings it holds."""
    items = sorted({f.key: f for f in findings}.values(), key=lambda f: f.key)
    data = {
        "codeorigin_baseline": FORMAT,
        "findings": [
            {
                "path": f.path,
                "name": f.name,
                "hash": f.hash,
                "verdict": f.verdict,
                "probability": None if f.probability is None else round(f.probability, 4),
            }
            for f in items
        ],
    }
    try:
        atomic.write(file, json.dumps(data, indent=2) + "\n")
    except OSError as exc:
        raise BaselineError(f"cannot write the baseline {file}: {exc}") from exc
    return len(items)


def findings(report: ScanReport, root: Path) -> list[Finding]:
    """The `llm` and `uncertain` spans of a scan that no comment suppresses, as baseline findings
    with paths relative to `root` (a `--repos` entry's files by their names, as written). Those known from the baseline or flagged before the change are
    recorded too: they are findings of the code as it is, which a scan of the whole tree with
    that baseline (no change, so no base to know them by) must know as well."""
    return [
        Finding(
            f.path if f.named else relative(root, Path(f.path)),
            s.name,
            s.text_hash,
            s.verdict,
            s.probability,
        )
        for f in report.files
        for s in f.spans
        if s.verdict in ("llm", "uncertain") and s.suppressed is None
    ]
