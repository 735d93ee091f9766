"""Where a scan's report goes: rendered in `--format`, to `-o FILE` or standard output, and the
markdown summary appended to `--summary FILE` (a CI job's summary) from the same scan. Messages
go to stderr as `codeorigin scan: ...`."""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from codeorigin.scan import atomic

if TYPE_CHECKING:
    from codeorigin.report.data import ScanReport
    from codeorigin.scan.baseline import Finding


def file_argument(value: str) -> Path:
    """An argparse type for a file to write (`--write-baseline`, `--summary`): a path that ends
    in a separator, `.` or `..` names a folder, refused (exit 2) rather than written as a file,
    and so is `-`, or nothing (an unset variable, `--summary "$GITHUB_STEP_SUMMARY"` off CI)."""
    if not value.strip():
        raise argparse.ArgumentTypeError("the file name is empty (an unset variable?)")
    if value.endswith(("/", "\\", "/.", "\\.")) or Path(value).name in ("", ".."):
        raise argparse.ArgumentTypeError(f"{value} names a folder: give a file name in it")
    if value == "-":
        raise argparse.ArgumentTypeError("- is not a file here: give a file name")
    return Path(value)


def output_argument(value: str) -> Path | None:
    """`-o FILE`, as `file_argument`; `-o -` is standard output (the default)."""
    return None if value == "-" else file_argument(value)


def deliver(args: argparse.Namespace, report: ScanReport) -> bool:
    """Everything a scan writes once it is done: the report (`write_reports`), the sentence of a
    scan that judged nothing when the report does not go to the terminal, and the baseline
    (`--write-baseline`); False (with the reason said) when one cannot be written or an output
    names a file the scan read."""
    from codeorigin.core.verdicts import plural
    from codeorigin.report.words import nothing_scored
    from codeorigin.scan import baseline

    for flag, target in (("-o", args.output), ("--write-baseline", args.write_baseline),
                         ("--summary", args.summary)):  # fmt: skip
        if target is None:
            continue
        why = code_file(target, report, args.extension)
        never = "code" if why is not None else "what the scan reads"
        why = why or read_input(args, target)
        if why is not None:
            print(f"codeorigin scan: {flag} {target}: {why}: the report never replaces {never}, "
                  "name another file", file=sys.stderr)  # fmt: skip
            return False
    if not write_reports(args, report):
        return False
    if report.judged_spans == 0 and (args.format != "text" or args.output is not None):
        print(f"codeorigin scan: {nothing_scored(report, 'in the report')}", file=sys.stderr)
    if args.write_baseline is not None:
        found = baseline.findings(report, args.write_baseline.parent)
        kept = uncovered(args, report)
        try:
            n = baseline.write(args.write_baseline, [*found, *kept])
        except baseline.BaselineError as exc:
            print(f"codeorigin scan: {exc}", file=sys.stderr)
            return False
        where = "files this scan did not cover"
        if report.change is not None:
            where = "functions the change did not touch"
        print(f"codeorigin scan: wrote {plural(n, 'finding')} to {args.write_baseline}"
              + (f" (kept {len(kept)} of {where})" if kept else ""), file=sys.stderr)  # fmt: skip
        named = {f.path for f in report.files if f.named}  # `--repos` names: matched as written
        outside = sum(1 for f in found if Path(f.path).is_absolute() and f.path not in named)
        if outside:  # a baseline is meant to be committed beside the code it knows
            print(f"codeorigin scan: warning: {plural(outside, 'finding')} of the baseline "
                  f"{'is' if outside == 1 else 'are'} outside its folder, kept with absolute paths "
                  "that match on this machine only: write the baseline at the top of the "
                  "repository", file=sys.stderr)  # fmt: skip
    return True


def uncovered(args: argparse.Namespace, report: ScanReport) -> list[Finding]:
    """The findings of the `--baseline` that `--write-baseline` rewrites whose files this scan
    did not cover: a scan of some of the folders (or of a change) refreshes their findings and
    keeps the others'. Covered: every file under a PATH or a `--repos` entry, or, for a change,
    the functions it touched (by path and name: an edited function's old finding has another
    hash), not the rest of their files, which it did not judge."""
    from codeorigin.scan import baseline

    target = args.write_baseline
    if args.baseline is None or os.path.abspath(args.baseline) != os.path.abspath(target):
        return []
    try:
        old = baseline.load(args.baseline)
    except baseline.BaselineError:
        return []  # it was read before the scan: gone since, nothing to keep
    root = target.parent
    if report.change is not None:  # `--diff`: the spans of the change
        touched = {
            (f.path if f.named else baseline.relative(root, Path(f.path)), s.name)
            for f in report.files
            for s in f.spans
        }
        return [f for f in old.findings if (f.path, f.name) not in touched]
    paths = [Path(os.path.abspath(p)) for p in args.paths]
    names = [n.rstrip("/") for n in report.repositories]

    def covered(f: Finding) -> bool:
        if any(f.path == n or f.path.startswith(n + "/") for n in names):
            return True
        where = Path(os.path.abspath(root / f.path))  # a path kept absolute stays itself
        return any(where.is_relative_to(p) for p in paths)

    return [f for f in old.findings if not covered(f)]


def read_input(args: argparse.Namespace, target: Path) -> str | None:
    """Why an output must not be written to `target`, None when it may: the scan read it as its
    input, the patch of `--diff-file`, the list of `--repos` or the settings file (written over,
    it was lost; `--summary` was appended to it)."""
    inputs = {
        "--diff-file's patch": getattr(args, "diff_file", None),
        "--repos's list": getattr(args, "repos", None),
        "the settings file the scan read": getattr(args, "settings_file", None),
    }
    for what, path in inputs.items():
        if path not in (None, "-") and os.path.isfile(target):
            try:
                if os.path.samefile(target, path):
                    return f"is {what}"
            except OSError:  # gone since it was read
                continue
    return None


def code_file(target: Path, report: ScanReport, extensions: list[str]) -> str | None:
    """Why an output must not be written to `target`, None when it may: a file the scan read,
    or an existing file of a language codeorigin reads, even one the scan skipped (generated,
    vendored, not UTF-8, too large) or never walked."""
    from codeorigin.core import languages

    if report.read(target):
        return "is a scanned file"
    if not os.path.isfile(target):
        return None
    # Through a link, the file written is the one it points to (`report.txt -> app.py`).
    real = Path(os.path.realpath(target))
    language = languages.for_file(real, None, None, languages.parse_mapping(extensions))
    if language is None:
        return None
    return f"is a source file ({language})" + ("" if real == target else f": a link to {real}")


def write_reports(args: argparse.Namespace, report: ScanReport) -> bool:
    """The report in `--format` to `-o FILE` or standard output, and the markdown summary
    appended to `--summary FILE`; False (with the reason said) when one cannot be written."""
    from codeorigin.cli.terminal import to_stdout
    from codeorigin.report.review import render_markdown

    out = rendered(args, report)
    if args.output is None:
        if not to_stdout(out + "\n", "scan", " (-o FILE writes the report to a file)"):
            return False
    elif not write_output(args.output, out):
        return False
    if args.summary is None:
        return True
    return write_output(args.summary, render_markdown(from_repository_root(report)), "a")


def targets_error(args: argparse.Namespace) -> str | None:
    """Why the files the scan would write cannot be written, said before it scans (None when
    they can): a folder where a file is named, a file where a folder of its path should be, or
    two outputs (or an output and the baseline read) naming one file. `--write-baseline` may name
    the `--baseline` it reads: that records the findings again."""
    named = [("-o", args.output), ("--summary", args.summary),
             ("--write-baseline", args.write_baseline), ("--baseline", args.baseline)]  # fmt: skip
    seen: dict[Path, str] = {}
    for flag, file in named:
        if file is None:
            continue
        if flag != "--baseline" and os.path.isdir(file):  # os.path's never raise (EACCES)
            return f"{flag} {file}: is a folder, not a file"
        blocking = _blocking(file)
        if flag != "--baseline" and blocking is not None:
            return f"cannot write {file} ({flag}): {blocking} is a file, not a folder"
        same = seen.setdefault(file.resolve(), flag)
        if same != flag and {same, flag} != {"--write-baseline", "--baseline"}:
            return f"{same} and {flag} name the same file, {file}: give each its own"
    return None


def _blocking(file: Path) -> Path | None:
    """The file where a folder of `file`'s path should be, if any."""
    return next((p for p in file.parents if os.path.exists(p) and not os.path.isdir(p)), None)


def write_output(file: Path, text: str, mode: str = "w") -> bool:
    """`-o FILE` (`--summary FILE`, `mode` "a": appended): write the report, making its folder;
    False (with the reason said) on failure."""
    try:
        # Whole or not at all, and never into the other names of a hard-linked file.
        (atomic.append if mode == "a" else atomic.write)(file, text + "\n")
    except OSError as exc:
        # A file where a folder of the path should be: mkdir says "File exists", which misleads.
        blocking = _blocking(file)
        why = f"{blocking} is a file, not a folder" if blocking else exc.strerror or exc
        print(f"codeorigin scan: cannot write {file}: {why}", file=sys.stderr)
        return False
    return True


def rendered(args: argparse.Namespace, report: ScanReport) -> str:
    """The report in `--format` (explanations only with `--explain` or in markdown: those
    computed for `--summary` alone stay out of it)."""
    from codeorigin.report.json_shape import render_json
    from codeorigin.report.review import render_codeclimate, render_markdown
    from codeorigin.report.sarif import render_sarif
    from codeorigin.report.summary import render_text

    if not args.explain and args.format != "markdown":
        report = without_explanations(report)
    if args.format == "json":
        return render_json(report)
    if args.format in ("sarif", "codeclimate", "markdown"):  # as a pull request names files
        report = from_repository_root(report)
    if args.format == "sarif":
        return render_sarif(report)
    if args.format == "markdown":
        return render_markdown(report)
    if args.format == "codeclimate":
        return render_codeclimate(report)
    return render_text(report, verbose=args.all or report.change is not None)


def from_repository_root(report: ScanReport) -> ScanReport:
    """Paths from the top of the git repository the scan ran in, as GitHub code scanning and
    GitLab's code quality read them and a pull request shows them (SARIF, Code Climate, the
    markdown summary; not from the folder it ran in); outside git, as they are."""
    from codeorigin.scan.changes import ChangeError, repository_root

    try:
        root = repository_root(Path.cwd())
    except ChangeError:
        return report
    return rooted(report, root, Path.cwd())


def without_explanations(report: ScanReport) -> ScanReport:
    """The report with no span's explanation (they were computed for another output)."""
    files = tuple(
        replace(f, spans=tuple(replace(s, explanation=None) for s in f.spans)) for f in report.files
    )
    return replace(report, files=files)


def rooted(report: ScanReport, root: Path, cwd: Path) -> ScanReport:
    """The report with each file's path relative to `root`, a repository's top folder, as code
    scanning (SARIF) and GitLab's code quality read them, wherever the scan ran from. A path
    outside `root`, or one that names no file here (a `--repos` entry), stays as it is."""
    files = []
    for f in report.files:
        full = Path(f.path) if Path(f.path).is_absolute() else cwd / f.path
        try:
            exists = full.exists()
        except OSError:
            exists = False
        if exists:
            full = Path(os.path.realpath(full.parent)) / full.name  # the file's own name kept
            try:
                f = replace(f, path=full.relative_to(root).as_posix())
            except ValueError:
                pass
        files.append(f)
    return replace(report, files=tuple(files))
