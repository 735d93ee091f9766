"""The command-line side of a project's settings file (`codeorigin.scan.project`): `--config FILE`,
`--no-config` and `scan --exclude PATTERN`, and filling the options the command line left unset
from the file, then from the defaults. The command line wins over the file, key by key; an
`--extension` over the file's `extensions` for the same extension; `--exclude` adds to the file's
`exclude`."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from codeorigin.scan import project

#: What each judging option is when neither the command line nor the settings file sets it.
DEFAULTS = {"max_file_bytes": 1_000_000, "include_generated": False}
#: The options a settings file and the command line both set, the command line's winning.
JUDGING = ("threshold", "min_lines", "min_tokens", "include_generated", "max_file_bytes")


def add_arguments(parser: argparse.ArgumentParser, *, exclude: bool) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--config", metavar="FILE", type=Path, default=None,
                       help="read the settings of FILE (a .codeorigin.toml, or a pyproject.toml's "
                       "[tool.codeorigin]) instead of the file found from the scanned folder "
                       "upward")  # fmt: skip
    group.add_argument("--no-config", action="store_true",
                       help="read no settings file (.codeorigin.toml, pyproject.toml)")  # fmt: skip
    if exclude:
        parser.add_argument("--exclude", metavar="PATTERN", action="append", default=[],
                            help="leave out the files and folders this .gitignore-style pattern "
                            "matches, relative to the current folder (a file named as PATH is "
                            "scanned all the same); repeatable, adds to the settings file's "
                            "exclude")  # fmt: skip


def _start(paths: list[Path]) -> Path:
    """Where the settings file is searched from: the folder the PATHs have in common (pytest's
    rule), else the current folder."""
    here = [os.path.abspath(p) for p in paths if os.path.exists(p)]  # never raises (EACCES)
    if not here:
        return Path.cwd()
    common = Path(os.path.commonpath(here))
    return common if os.path.isdir(common) else common.parent


def _looked_up(path: Path) -> bool:
    """Whether the system could look `path` up (it is there or surely missing), not refusing
    it (a folder on its path we may not search, a name too long): `project.load` says why."""
    try:
        os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return True
    except OSError:
        return False
    return True


def settings(
    args: argparse.Namespace, paths: list[Path], command: str
) -> project.ProjectSettings | None:
    """The settings file's settings (empty with `--no-config` or without one), or None, said on
    standard error, when the file cannot be used."""
    if args.no_config:
        return project.ProjectSettings()
    try:
        if args.config is not None:
            if os.path.isdir(args.config):
                raise project.ProjectError(
                    f"--config: {args.config} is a folder: name its .codeorigin.toml or "
                    "pyproject.toml"
                )
            if not os.path.isfile(args.config):
                if os.path.exists(args.config):  # a FIFO, a device
                    raise project.ProjectError(f"--config: {args.config} is not a regular file")
                if _looked_up(args.config):  # else `project.load` says why it cannot be read
                    raise project.ProjectError(f"--config: no such file: {args.config}")
            loaded = project.load(args.config)
            if not loaded.given and args.config.name == "pyproject.toml":
                print(f"codeorigin {command}: --config {args.config}: it has no "
                      "[tool.codeorigin] table, so it sets nothing", file=sys.stderr)  # fmt: skip
            return loaded
        found = project.find(_start(paths))
        return project.load(found) if found is not None else project.ProjectSettings()
    except project.ProjectError as exc:
        print(
            f"codeorigin {command}: {exc}; fix it, or read no settings file with --no-config",
            file=sys.stderr,
        )
        return None


def apply(args: argparse.Namespace, paths: list[Path], command: str) -> bool:
    """Fill `args`' unset judging options from the settings file, then from the defaults, and
    set `args.exclusions` (scan). False, said on standard error, when the file cannot be used."""
    from codeorigin.engine.judging import VerdictRules

    found = settings(args, paths, command)
    if found is None:
        return False
    args.settings_file = found.path  # a report is never written over it
    args.calibration = found.calibration  # `codeorigin calibrate --write`'s thresholds
    if found.path is not None:  # said, so that no one reads a project's choices as the model's
        keys = ", ".join(found.given) or "nothing"
        options = {k: k.replace("-", "_") for k in found.given}  # `min-lines` is `min_lines`
        flagged = [k for k, o in options.items() if o in JUDGING and getattr(args, o) is not None]
        over = f"; the command line's {', '.join(flagged)} instead" if flagged else ""
        print(f"codeorigin {command}: settings of {project.shown(found.path)}: {keys}{over} "
              "(--no-config reads none)", file=sys.stderr)  # fmt: skip
    defaults = {
        **DEFAULTS,
        "min_lines": VerdictRules.min_lines,
        "min_tokens": VerdictRules.min_tokens,
    }
    if args.threshold is None and found.threshold is not None and found.path is not None:
        args.threshold_source = f"the settings file `{project.shown(found.path)}`"
    for key in JUDGING:
        if getattr(args, key) is None:
            value = getattr(found, key)
            setattr(args, key, value if value is not None else defaults.get(key))
    given = [f"{ext}={lang}" for ext, lang in found.extensions.items()]
    args.extension = [*given, *args.extension]  # the command line's last: it wins
    rules = [] if found.exclusion is None else [found.exclusion]
    if getattr(args, "exclude", None):
        try:
            rules.append(project.Exclusion.of(Path.cwd(), args.exclude, "--exclude"))
        except Exception as exc:  # pathspec's own error names the pattern
            print(f"codeorigin {command}: --exclude: {exc}", file=sys.stderr)
            return False
    args.exclusions = project.Exclusions(tuple(rules))
    return True
