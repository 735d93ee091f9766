"""`codeorigin calibrate [PATH]`: the detector measured on the repository's own history
(`codeorigin.scan.calibration`), and with `--write` its thresholds recorded in the repository's
settings file; and how `scan`, `explain` and the server use a calibration once written.

Exit codes: 0 measured (and written, with `--write`), 2 usage errors, no git work tree, a shallow
clone (its dates are cut), an unusable model, or `--write` with no threshold to write: no
baseline large enough to bound and no reference threshold (nothing is written; the report says
how many more functions each language needs).
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from codeorigin.cli.terminal import Progress, positive_int

if TYPE_CHECKING:
    from codeorigin.core.markers import OwnThreshold
    from codeorigin.engine.scoring import Engine
    from codeorigin.model.scorer import Model
    from codeorigin.report.data import ScanReport
    from codeorigin.scan.options import ScanOptions


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    from codeorigin.cli import config

    calibrate = sub.add_parser(
        "calibrate",
        help="measure the detector on this repository's own history: functions written before "
        "2022-06-21 against those agents signed, and a threshold bounded on them",
    )
    calibrate.add_argument("path", nargs="?", type=Path, default=Path("."), metavar="PATH",
                           help="a folder of a git work tree (default: the current folder)")  # fmt: skip
    calibrate.add_argument("--write", action="store_true", help="record the bounded thresholds "
                           "(else the model's reference thresholds) in the repository's "
                           ".codeorigin.toml, where scan and the server read them")  # fmt: skip
    calibrate.add_argument("--format", choices=("text", "json"), default="text")
    calibrate.add_argument("--model", metavar="DIR", type=Path, default=None,
                           help="model folder (default: the shipped model)")  # fmt: skip
    calibrate.add_argument("--threads", metavar="N", type=positive_int, default=None)
    calibrate.add_argument("--max-file-bytes", metavar="N", type=positive_int, default=None)
    calibrate.add_argument("--no-snapshot", action="store_true", help="a baseline of the "
                           "functions git blame dates alone: leave out the tree as it stood "
                           "before 2022-06-21 (its functions edited since, or gone)")  # fmt: skip
    config.add_arguments(calibrate, exclude=True)
    return calibrate


def own_thresholds(args: argparse.Namespace, model: Model, command: str) -> dict[str, OwnThreshold]:
    """The repository's calibrated thresholds for `model` (the settings file's `[calibration]`),
    said on standard error when they were written for another model and are not used."""
    found = getattr(args, "calibration", None)
    if found is None:
        return {}
    own = found.own(model.manifest.digest)
    if own is None:
        print(f"codeorigin {command}: the settings file's calibration was made for the model "
              f"{found.model} ({found.digest}), not {model.name}: its thresholds are not used "
              "(run codeorigin calibrate --write again)", file=sys.stderr)  # fmt: skip
        return {}
    return own


def own_commit_threshold(args: argparse.Namespace, model: Model) -> tuple[float, str] | None:
    """The repository's own threshold for a commit's functions judged together, for `model`
    (None: the model's; `own_thresholds` says when the calibration is another model's)."""
    found = getattr(args, "calibration", None)
    return None if found is None else found.own_commits(model.manifest.digest)


def scan_snapshot(
    path: Path, root: Path, engine: Engine, options: ScanOptions
) -> tuple[tuple[str, str], ScanReport] | None:
    """The commit and date of the tree at the cut-off (`scan.snapshot`) and its scan, as
    `options` scan the work tree (`path` there; no blame); None without one."""
    from codeorigin.scan import local, snapshot

    with snapshot.written(root, options.max_file_bytes, options.mapping) as snap:
        if snap is None:
            return None
        try:
            where = snap.folder / path.resolve().relative_to(root)
        except ValueError:  # the path is not under the top folder as git names it
            return None
        if not where.exists():
            return None
        seen = replace(options, exclude=options.exclude.seen_from(snap.folder, root), provenance=False)
        progress = Progress()
        report, _ = local.run([where], engine, seen, progress=progress.update)
        progress.close()
        return (snap.commit, snap.date), report


def run_calibrate(args: argparse.Namespace) -> int:
    from codeorigin.cli import config
    from codeorigin.cli.common import default_threads, extension_mapping, load_model
    from codeorigin.engine.judging import VerdictRules
    from codeorigin.engine.scoring import Engine
    from codeorigin.model.manifest import ModelError
    from codeorigin.scan import calibration, commits, gitio, local, provenance
    from codeorigin.scan.calibration_text import render_text
    from codeorigin.scan.options import ScanOptions

    started = time.perf_counter()
    try:
        root = provenance.top(args.path.resolve())
    except provenance.ProvenanceError as exc:
        print(f"codeorigin calibrate: {args.path}: {exc}: calibrate measures the detector on a "
              "git repository's own history", file=sys.stderr)  # fmt: skip
        return 2
    if provenance.is_shallow(root):
        print(f"codeorigin calibrate: {root} is a shallow clone: its functions cannot be dated "
              "(the history it cut off is missing): run `git fetch --unshallow` first",
              file=sys.stderr)  # fmt: skip
        return 2
    if provenance.head(root) is None:
        print(f"codeorigin calibrate: {root} has no commit yet: nothing to date", file=sys.stderr)
        return 2
    args.threshold, args.min_lines, args.min_tokens, args.include_generated = None, None, None, None
    args.extension = []
    if not config.apply(args, [args.path], "calibrate"):
        return 2
    mapping = extension_mapping(args, "calibrate")
    if mapping is None:
        return 2
    try:
        model = load_model(args.model, args.threads or default_threads())
    except ModelError as exc:
        print(f"codeorigin calibrate: {exc}", file=sys.stderr)
        return 2
    options = ScanOptions(
        engine=VerdictRules(min_lines=args.min_lines, min_tokens=args.min_tokens),
        max_file_bytes=args.max_file_bytes, exclude=args.exclusions, mapping=mapping,
        # The measurement reads the functions' scores: not the files' nor their module code's.
        whole_files=False, module_code=False,
    )  # fmt: skip
    engine = Engine(model).measuring_every_language()
    progress = Progress()  # on a terminal, a bar of the files done (a large repository: minutes)
    with provenance.keeping():  # the measurement reads the blames the scan read, not git again
        report, _ = local.run([args.path], engine, options, progress=progress.update)
        progress.close()
        report = commits.pool(report, model.manifest, None)  # the model's, as `scan` judges them
        before = None
        if not args.no_snapshot:
            try:
                before = scan_snapshot(args.path, root, engine, options)
            except (gitio.ChangeError, OSError) as exc:  # the baseline stays blame's
                print(f"codeorigin calibrate: the tree at the cut-off cannot be read ({exc}): "
                      "the baseline is the functions git blame dates", file=sys.stderr)  # fmt: skip
        measured = calibration.measure(report, root, engine, started, before)
    print(calibration.render_json(measured) if args.format == "json" else render_text(measured))
    if not args.write:
        return 0
    own_commits = (measured.commits() or {}).get("threshold")
    if not any(calibration.written(r) is not None for r in measured.rows()) and own_commits is None:
        ref = model.manifest.thresholds.reference
        also = ("" if ref is None else f", nor {ref.min_functions} judged functions for a "
                "reference threshold")  # fmt: skip
        why = [f"{r['language']}: " + ("a flag would be little evidence there (above)"
               if r["model_abstains"] else "the model's threshold stays (above)")
               for r in measured.rows() if r["weak"]]  # fmt: skip
        weak = bool(why)
        why.append(f"{'no other' if weak else 'no'} language has a baseline large enough for a "
                   f"bound (at least {calibration.bound.needed()} functions){also}")  # fmt: skip
        print(f"codeorigin calibrate: nothing written: {'; '.join(why)}", file=sys.stderr)
        return 2
    written = calibration.write(measured, args.settings_file)
    print(f"codeorigin calibrate: wrote the thresholds to {written}; scan and the server use "
          "them for this model", file=sys.stderr)  # fmt: skip
    return 0
