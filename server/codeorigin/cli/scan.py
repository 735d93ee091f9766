"""`codeorigin scan`: the command line's side of a scan. Its arguments checked, the model, the
baseline, the settings file and the change (`diff`) made ready, the paths scanned (on this machine,
or on Ray: `ray_scan`; the `--repos` list first prepared), and the report delivered (`outputs`).

Exit codes: 0 nothing flagged (or `--exit-zero`), 1 at least one span flagged as likely
LLM-generated, 2 usage errors, an unusable model, or a path that does not exist (the rest is still
scanned and reported), or a report that cannot be written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from codeorigin.cli import calibrate, common, config, diff, outputs, ray_scan
from codeorigin.cli.terminal import Progress

if TYPE_CHECKING:
    from codeorigin.model.attributor import Attributor
    from codeorigin.model.scorer import Model
    from codeorigin.report.data import ScanReport
    from codeorigin.scan.options import ScanOptions


def _scanned(
    args: argparse.Namespace,
    model: Model,
    options: ScanOptions,
    attributor: Attributor | None,
) -> tuple[ScanReport, bool]:
    """Scan the paths and the `--repos` list, locally or with `--ray`: (report, a path missing)."""
    from dataclasses import replace

    from codeorigin.engine.scoring import Engine
    from codeorigin.scan import local, repos

    address = ray_scan.ray_address(args) if args.ray is not None else None
    listed = repos.read_list(args.repos) if args.repos is not None else []
    ray_scan.check_reachable(address)  # before any clone
    with repos.prepare(listed) as found:
        for failed in found.failed:
            print(f"codeorigin scan: {failed.path}: {failed.error}", file=sys.stderr)
        paths = [*args.paths, *found.roots]
        if args.ray is not None:
            report, missing = ray_scan.scan_on_ray(
                args, address, paths, found.labels, model, options, cleanup=found.close
            )
        else:
            progress = Progress()
            report, missing = local.run(
                paths,
                Engine(model).calibrated(options.calibrated),
                options,
                attributor=attributor,
                progress=progress.update,
                labels=found.labels,
            )
            progress.close()
    if args.repos is not None:
        files = (*found.failed, *found.skipped, *report.files)
        report = replace(report, files=files, repositories=tuple(found.names))
    return report, missing or bool(found.failed)


def run_scan(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from codeorigin.distributed.cluster import RayScanError
    from codeorigin.model.manifest import ModelError
    from codeorigin.report.review import EXPLAINED
    from codeorigin.scan import baseline, commits, repos
    from codeorigin.scan.options import ScanOptions

    usage = ray_scan.usage_error(args)
    if usage is not None:
        print(f"codeorigin scan: {usage}", file=sys.stderr)
        return 2
    unwritable = outputs.targets_error(args)
    if unwritable is not None:
        print(f"codeorigin scan: {unwritable}", file=sys.stderr)
        return 2
    if not config.apply(args, args.paths, "scan"):
        return 2
    mapping = common.extension_mapping(args, "scan")
    if mapping is None:
        return 2
    changed = diff.changes(args, mapping)
    if changed is None and not args.paths and args.repos is None and args.ray in (None, "local"):
        print("codeorigin scan: give a PATH, --diff [REV] or --repos FILE", file=sys.stderr)
        return 2
    known = None
    if args.baseline is not None:
        try:
            known = baseline.load(args.baseline)
        except baseline.BaselineError as exc:
            print(f"codeorigin scan: {exc}", file=sys.stderr)
            return 2
    try:
        threads = args.threads or (1 if args.ray is not None else common.default_threads())
        model = common.load_model(args.model, threads)
    except ModelError as exc:
        print(f"codeorigin scan: {exc}", file=sys.stderr)
        return 2
    summarised = args.format == "markdown" or args.summary is not None  # it explains a few
    asked = "--explain" if args.explain else "the markdown summary's heaviest lines"
    attributor = _attributor(model, asked) if args.explain or summarised else None
    options = ScanOptions(
        engine=common.judging_options(args),
        max_file_bytes=args.max_file_bytes,
        mapping=mapping,
        exclude=args.exclusions,
        baseline=known,
        explain=attributor is not None,
        explain_top=None if args.explain else EXPLAINED,  # markdown shows a few: only those
        steps=args.steps,
        changed=changed.lines if changed is not None else None,
        changed_skipped=changed.skipped if changed is not None else {},
        before=changed.before if changed is not None else {},
        provenance=not args.no_provenance,
        calibrated=calibrate.own_thresholds(args, model, "scan"),
        whole_files=args.format == "json",  # a file's own probability is in the JSON alone
    )
    try:
        report, missing = _scanned(args, model, options, attributor)
    except (repos.ReposError, RayScanError) as exc:
        print(f"codeorigin scan: {exc}", file=sys.stderr)
        return 2
    report = commits.pool(report, model.manifest, options.engine.threshold,
                         calibrate.own_commit_threshold(args, model))
    report = replace(report, calibratable=_calibratable(report, model, options))
    if changed is not None:
        report = replace(report, change_description=changed.description)
    if getattr(args, "threshold_source", None):  # the settings file's, not `--threshold`
        report = replace(report, threshold_source=args.threshold_source)
    missing = _failed_paths(report, args.paths) or missing
    if not outputs.deliver(args, report):
        return 2
    if missing:
        return 2
    # Writing a baseline records the findings: it does not fail on them.
    flagged = report.flagged and not args.exit_zero and args.write_baseline is None
    return 1 if flagged else 0


def _calibratable(report: ScanReport, model: Model, options: ScanOptions) -> tuple[str, ...]:
    """The languages of the report's spans not judged that a repository's own calibration
    could have judged (`scoring.calibratable`), sorted."""
    from codeorigin.engine.scoring import calibratable

    langs = {f.language for f in report.files if any(s.verdict == "not_judged" for s in f.spans)}
    own = options.calibrated
    return tuple(sorted(g for g in langs if g and calibratable(model.manifest, g, own)))


def _failed_paths(report: ScanReport, paths: list[Path]) -> bool:
    """Say on stderr which paths given do not exist or cannot be read (an error, exit 2); True
    when there is one."""
    from codeorigin.report.data import MISSING

    named = {str(p) for p in paths}
    failed = False
    for f in report.files:
        if f.error == MISSING:
            print(f"codeorigin scan: no such file or folder: {f.path}", file=sys.stderr)
        elif f.path in named and (f.error or "").startswith("cannot read"):
            print(f"codeorigin scan: {f.path}: {f.error}", file=sys.stderr)
        else:
            continue
        failed = True
    return failed


def _attributor(model: Model, asked: str) -> Attributor | None:
    """The explainer of `--explain` (and of the markdown summary's heaviest lines), or None with
    a warning when the model has no gradient graph."""
    from codeorigin.model.attributor import Attributor
    from codeorigin.model.manifest import ModelError

    try:
        attributor = Attributor(model)
        attributor.warm_up()  # a graph onnxruntime cannot load is said now, not mid-report
    except ModelError as exc:
        why = str(exc).rstrip(".")  # a sentence of its own: no ".;"
        print(f"codeorigin scan: {asked}: {why}; scanning without explanations", file=sys.stderr)
        return None
    return attributor
