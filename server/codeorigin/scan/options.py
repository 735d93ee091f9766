"""What a scan does beyond the engine's rules: `ScanOptions`, filled in by the command line (its
flags and the project's settings file) and read by every step of a scan, on this machine or on Ray.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from codeorigin.core.markers import OwnThreshold
from codeorigin.engine.judging import VerdictRules
from codeorigin.scan.baseline import Baseline
from codeorigin.scan.project import Exclusions

if TYPE_CHECKING:
    from codeorigin.scan.changes import Base


@dataclass(frozen=True)
class ScanOptions:
    """What a scan does beyond the engine's rules."""

    engine: VerdictRules = field(default_factory=VerdictRules)
    max_file_bytes: int = 1_000_000
    mapping: dict[str, str] = field(default_factory=dict)  # extension -> language id
    # What the project's settings file and `--exclude` leave out of folders and changes.
    exclude: Exclusions = field(default_factory=Exclusions)
    baseline: Baseline | None = None
    explain: bool = False
    # With `explain`: explain only the N most probable flagged spans, once the scan is done (the
    # markdown summary shows few; Integrated Gradients costs about a second a span). None: all.
    explain_top: int | None = None
    steps: int | None = None  # Integrated Gradients steps; None: the model's
    # `scan --diff`: the changed files (resolved paths) and their changed lines (1-based); only
    # these files are read and only the spans overlapping these lines are scored. None: all.
    changed: dict[Path, frozenset[int]] | None = None
    # ...and the files of the change it cannot read (a FIFO, a link loop, a submodule), with why.
    changed_skipped: dict[Path, str] = field(default_factory=dict)
    # ...and where each changed file was at the change's base (`Changes.before`, resolved paths):
    # a span flagged there already is not the change's (`prior`). Empty: no base.
    before: dict[Path, Base] = field(default_factory=dict)
    provenance: bool = True  # each span's lines from agent-signed commits (`provenance`)
    # Each file's whole text scored too, for the file's probability (about as much work again as
    # its spans): only `scan --format json` shows it.
    whole_files: bool = True
    # A file's module code (what stands outside its functions) judged too; `calibrate` measures
    # functions alone.
    module_code: bool = True
    calibrated: dict[str, OwnThreshold] = field(default_factory=dict)  # `Engine.calibrated`
