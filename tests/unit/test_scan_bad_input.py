"""`codeorigin scan` on files it cannot score: each is a per-file error in the report, and the
files beside it are still scored.

Runs the real command line in a subprocess with a time limit, so a file that would make the scan
block (a FIFO) fails the test instead of hanging it.
"""

from __future__ import annotations

import itertools
import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

from helpers.cli import GOOD, scan, unprivileged


def scan_json(*args: str) -> dict[str, Any]:
    res = scan("--format", "json", "--exit-zero", *args)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


def by_name(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {Path(f["path"]).name: f for f in report["files"]}


def test_bad_files_are_per_file_errors_and_the_others_are_scored(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    folder = tmp_path / "src"
    folder.mkdir()
    (folder / "good.py").write_text(GOOD)
    (folder / "latin1.py").write_bytes(GOOD.encode() + b"# caf\xe9 \xff\xfe\n")
    (folder / "empty.py").write_bytes(b"")
    (folder / "wide.py").write_bytes(GOOD.encode("utf-16"))  # Windows' "Unicode", with its BOM
    (folder / "big.py").write_text(GOOD * 100)  # over --max-file-bytes below
    os.mkfifo(folder / "pipe.py")  # reading it would block for ever
    (folder / "dangling.py").symlink_to(folder / "missing.py")  # stands in for chmod 000 as root

    files = by_name(
        scan_json(str(folder), "--model", str(tiny_model_dir), "--max-file-bytes", "4000")
    )

    good = files["good.py"]
    assert good["error"] is None and [s["name"] for s in good["spans"]] == ["summarise"]
    assert 0.0 <= good["probability"] <= 1.0
    assert files["latin1.py"]["error"].startswith("not valid UTF-8 (byte ")
    assert files["empty.py"] == {
        "path": str(folder / "empty.py"),
        "language": "python",
        "probability": None,
        "error": None,
        "spans": [],
    }
    big = len(GOOD) * 100
    assert files["big.py"]["error"] == (
        f"larger than the size limit ({big:,} > 4,000 bytes); --max-file-bytes raises it"
    )
    assert files["pipe.py"]["error"] == "not a regular file"
    assert files["wide.py"]["error"] == "UTF-16 text (it starts with a byte-order mark), not UTF-8"
    assert "dangling.py" not in files  # links are not followed when walking a folder
    for name in ("latin1.py", "big.py", "pipe.py"):
        assert files[name]["spans"] == [] and files[name]["probability"] is None


def test_bad_files_named_on_the_command_line(tmp_path: Path, tiny_model_dir: Path) -> None:
    good = tmp_path / "good.py"
    good.write_text(GOOD)
    fifo = tmp_path / "pipe.py"
    os.mkfifo(fifo)
    invalid = tmp_path / "invalid.py"
    data = b"def f():\n    return '\xc3\x28'\n"  # a lead byte without its continuation
    invalid.write_bytes(data)
    report = scan_json(str(fifo), str(invalid), str(good), "--model", str(tiny_model_dir))
    files = by_name(report)
    assert files["pipe.py"]["error"] == "not a regular file"
    assert files["invalid.py"]["error"] == f"not valid UTF-8 (byte {data.index(0xC3)})"
    assert files["good.py"]["error"] is None and files["good.py"]["spans"]


def test_unreadable_files_and_folders(tmp_path: Path, tiny_model_dir: Path) -> None:
    """Inside a folder, an unreadable file or subfolder is skipped with the reason and the rest is
    scored; named on the command line, either is an error (exit 2), as a missing path is."""
    (tmp_path / "good.py").write_text(GOOD)
    secret = tmp_path / "secret.py"
    secret.write_text(GOOD)
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "inside.py").write_text(GOOD)
    secret.chmod(0)
    locked.chmod(0)
    try:
        res = scan("--format", "json", "--exit-zero", str(tmp_path), "--model",
                   str(tiny_model_dir), prefix=unprivileged())  # fmt: skip
        assert res.returncode == 0, res.stderr
        files = by_name(json.loads(res.stdout))
        assert files["secret.py"]["error"] == "cannot read: Permission denied"
        assert files["locked"]["error"] == "cannot read: Permission denied, not scored"
        assert files["good.py"]["spans"]
        for named in (secret, locked):
            res = scan(str(named), "--model", str(tiny_model_dir), prefix=unprivileged())
            assert res.returncode == 2
            assert f"codeorigin scan: {named}: cannot read: Permission denied" in res.stderr
    finally:
        locked.chmod(0o755)  # so that pytest can remove it


def test_paths_through_a_folder_that_cannot_be_searched(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    """A path through a folder without search permission, or a name too long for the system,
    is a message (exit 2) wherever it is given: as PATH, to `explain`, as `--config` or as an
    output. It was Python's traceback ("internal error, a bug"): pathlib's exists() raises there."""
    (tmp_path / "good.py").write_text(GOOD)
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "inside.py").write_text(GOOD)
    locked.chmod(0o600)  # listable by its owner, but not searched: nothing inside can be looked up
    inside, long = locked / "inside.py", tmp_path / ("a" * 300 + ".py")
    model = ["--model", str(tiny_model_dir)]
    runs = {
        "scan": [str(inside), str(tmp_path / "good.py")],
        "scan long": [str(long)],
        "explain": [str(inside)],
        "explain line": [f"{inside}:2"],
        "scan --config": ["--config", str(locked / "c.toml"), str(tmp_path / "good.py")],
        "scan -o": ["-o", str(locked / "out.txt"), str(tmp_path / "good.py")],
        "scan --summary": ["--summary", str(locked / "s.md"), str(tmp_path / "good.py")],
    }
    try:
        for what, args in runs.items():
            command = what.split()[0]
            res = subprocess.run(
                [*unprivileged(), sys.executable, "-m", "codeorigin", command, *args, *model],
                capture_output=True, text=True, timeout=180,
            )  # fmt: skip
            assert res.returncode == 2, (what, res.stderr)
            assert "Traceback" not in res.stderr and "internal error" not in res.stderr, what
            said = "File name too long" if what == "scan long" else "Permission denied"
            assert said in res.stderr, (what, res.stderr)
    finally:
        locked.chmod(0o755)  # so that pytest can remove it


def test_a_report_or_baseline_never_replaces_a_scanned_file(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    """`-o a.py` or `--write-baseline a.py` naming a file the scan reads: refused (exit 2), the
    source untouched. A report written into the scanned folder under another name is fine, and
    scanning the folder again (which now holds that report) still writes it."""
    (tmp_path / "a.py").write_text(GOOD)
    for flag in ("-o", "--write-baseline"):
        res = scan(str(tmp_path), "--model", str(tiny_model_dir), flag, str(tmp_path / "a.py"))
        assert res.returncode == 2
        assert ": is a scanned file" in res.stderr
        assert (tmp_path / "a.py").read_text() == GOOD
    for _ in range(2):
        res = scan(str(tmp_path), "--model", str(tiny_model_dir), "--exit-zero",
                   "--format", "json", "-o", str(tmp_path / "report.json"))  # fmt: skip
        assert res.returncode == 0, res.stderr
    assert json.loads((tmp_path / "report.json").read_text())["files"]


def test_a_report_never_replaces_source_the_scan_skipped(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    """A generated, vendored, not-UTF-8 or too large source file is skipped by the scan but is
    still the user's code: `-o`, `--write-baseline` and `--summary` naming it are refused (exit
    2) and it is left as it was; so is a source file of another folder, or of a language an
    `--extension` maps."""
    (tmp_path / "vendor").mkdir()
    sources = {
        "gen_pb.py": b"# Code generated by protoc. DO NOT EDIT.\ndef g():\n    return 1\n",
        "latin1.py": b'def h():\n    return "caf\xe9"\n',
        "table.py": b"x = 1\n" * 200,
        "vendor/lib.py": GOOD.encode(),
        "notes.tpl": GOOD.encode(),
    }
    for name, data in sources.items():
        (tmp_path / name).write_bytes(data)
    elsewhere = tmp_path.parent / f"{tmp_path.name}-other.go"
    elsewhere.write_text("package main\n")
    targets = [*(tmp_path / name for name in sources), elsewhere]
    for target, flag in itertools.product(targets, ("-o", "--write-baseline", "--summary")):
        res = scan(str(tmp_path), "--model", str(tiny_model_dir), "--max-file-bytes", "1000",
                   "--extension", ".tpl=python", flag, str(target))  # fmt: skip
        assert res.returncode == 2, (target, flag, res.stderr)
        assert "the report never replaces code" in res.stderr
        assert ("is a scanned file" if target.name == "notes.tpl" else "is a source file (") in (
            res.stderr
        )
    for name, data in sources.items():
        assert (tmp_path / name).read_bytes() == data, name
    assert elsewhere.read_text() == "package main\n"


#: Each file a scan writes, and a name for it.
REPORT_FILES = (
    ("-o", "report.txt"),
    ("--write-baseline", "base.json"),
    ("--summary", "summary.md"),
)


def code_elsewhere(tmp_path: Path) -> Path:
    """`a.py` to scan in `tmp_path`, and another folder's code, which the scan does not read."""
    (tmp_path / "a.py").write_text(GOOD)
    kept = tmp_path.parent / f"{tmp_path.name}-kept.py"
    kept.write_text(GOOD)
    return kept


def test_a_report_never_goes_through_a_link_into_source(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    """`-o report.txt`, `--write-baseline base.json` or `--summary summary.md`, each a link to a
    source file the scan does not read: refused (exit 2), the source left as it was. The
    language was taken from the link's name, none, so the report was written over the code (the
    summary appended to it)."""
    kept = code_elsewhere(tmp_path)
    for flag, name in REPORT_FILES:
        link = tmp_path / name
        link.symlink_to(kept)
        res = scan(str(tmp_path / "a.py"), "--model", str(tiny_model_dir), flag, str(link))
        assert res.returncode == 2, (flag, res.stderr)
        assert f"{flag} {link}: is a source file (python): a link to {kept}: the report never " \
            "replaces code" in res.stderr  # fmt: skip
        assert kept.read_text() == GOOD, flag


def test_a_report_named_by_a_hard_link_leaves_the_files_other_name_as_it_was(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    """`-o report.txt`, `--write-baseline base.json` or `--summary summary.md`, each a hard link
    to source code the scan does not read: nothing tells the name from any report's, so the
    report is written, as a new file under that name; the code under its own name is as it was.
    Before, the report was written into the shared file, over the code (the summary appended)."""
    kept = code_elsewhere(tmp_path)
    for flag, name in REPORT_FILES:
        other = tmp_path / name
        os.link(kept, other)
        res = scan(str(tmp_path / "a.py"), "--model", str(tiny_model_dir), "--exit-zero",
                   flag, str(other))  # fmt: skip
        assert res.returncode == 0, (flag, res.stderr)
        assert kept.read_text() == GOOD, flag
        assert not other.samefile(kept), flag
        written = other.read_text()
        assert "a.py" in written or "summarise" in written or "codeorigin" in written, flag
        if flag == "--summary":  # appended: what the name held comes first
            assert written.startswith(GOOD), written


def test_a_report_is_written_in_place_in_a_folder_that_takes_no_new_file(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    """A report or baseline file the user may write, in a folder where no file may be created
    (a shared reports folder): written in place, as before reports were written whole through a
    new file beside them."""
    (tmp_path / "a.py").write_text(GOOD)
    shared = tmp_path / "shared"
    shared.mkdir()
    for name in ("report.txt", "base.json"):
        (shared / name).write_text("old\n")
        (shared / name).chmod(0o666)
    shared.chmod(0o555)
    try:
        res = scan(str(tmp_path / "a.py"), "--model", str(tiny_model_dir), "--exit-zero",
                   "-o", str(shared / "report.txt"), "--write-baseline", str(shared / "base.json"),
                   prefix=unprivileged())  # fmt: skip
    finally:
        shared.chmod(0o755)
    assert res.returncode == 0, res.stderr
    assert "a.py" in (shared / "report.txt").read_text()
    assert json.loads((shared / "base.json").read_text())["codeorigin_baseline"] == 1
    assert sorted(p.name for p in shared.iterdir()) == ["base.json", "report.txt"]


def test_a_report_with_the_longest_name_a_folder_takes_is_written(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    """A report named with 255 bytes, the most a Linux folder takes: written. The new file it is
    written through first has a short name of its own (it took the report's name and 14 bytes
    more: "File name too long")."""
    (tmp_path / "a.py").write_text(GOOD)
    for flag in ("-o", "--write-baseline"):
        target = tmp_path / ("r" * 250 + flag[-1] + ".txt")
        res = scan(str(tmp_path / "a.py"), "--model", str(tiny_model_dir), "--exit-zero",
                   flag, str(target))  # fmt: skip
        assert res.returncode == 0, (flag, res.stderr)
        assert target.read_text().strip(), flag


def test_a_report_to_dev_stdout_or_a_fifo_is_written_to_the_stream(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    """`-o /dev/stdout` into a pipe (`scan -o /dev/stdout | tee`), and `--write-baseline` to a
    FIFO: written in place, not replaced by a new file (`/dev/stdout` leads to
    `/proc/PID/fd/pipe:[N]`, which names no file: it said "No such file or directory")."""
    (tmp_path / "a.py").write_text(GOOD)
    res = scan(str(tmp_path / "a.py"), "--model", str(tiny_model_dir), "--exit-zero",
               "--format", "json", "-o", "/dev/stdout")  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["files"][0]["path"].endswith("a.py")
    fifo = tmp_path / "baseline.fifo"
    os.mkfifo(fifo)
    with subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE, text=True) as reader:
        res = scan(str(tmp_path / "a.py"), "--model", str(tiny_model_dir), "--threshold", "0.01",
                   "--write-baseline", str(fifo))  # fmt: skip
        written, _ = reader.communicate(timeout=60)
    assert res.returncode == 0, res.stderr
    assert json.loads(written)["codeorigin_baseline"] == 1
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)  # still the FIFO


def test_every_format_writes_a_file_name_that_is_not_utf8(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    """Linux keeps any byte in a name: `caf\\xe9.py` (Latin-1) is judged and every report is
    written, with `--exit-zero` exit 0, not a traceback and exit 1 (which reads as "flagged").
    SARIF's URI percent-encodes the byte; text and markdown quote the name as git does (they
    wrote the byte as it is, so a pull request's summary was no UTF-8 text)."""
    folder = tmp_path / "src"
    folder.mkdir()
    (folder / os.fsdecode(b"caf\xe9.py")).write_text(GOOD)
    for form in ("sarif", "codeclimate", "json", "markdown", "text"):
        out = tmp_path / f"report.{form}"
        res = scan(str(folder), "--model", str(tiny_model_dir), "--threshold", "0.01",
                   "--format", form, "--exit-zero", "-o", str(out))  # fmt: skip
        assert res.returncode == 0 and "Traceback" not in res.stderr, (form, res.stderr)
        assert b"caf" in out.read_bytes()
    sarif = json.loads((tmp_path / "report.sarif").read_text())
    (result,) = sarif["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith(
        "caf%E9.py"
    )
    for form in ("text", "markdown"):
        report = (tmp_path / f"report.{form}").read_bytes().decode("utf-8")  # strict
        assert f'"{folder}/caf\\xe9.py":' in report, report


def test_a_name_with_a_control_character_keeps_its_row_whole_in_the_text_report(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    """A file name holding a newline split its row in two, and one holding an escape sequence
    or a carriage return went to the terminal as it is, where it can erase the row (a flagged
    function in a submission under audit, hidden): the row quotes such a name as git does."""
    folder = tmp_path / "src"
    folder.mkdir()
    names = ["new\nline.py", "erase\x1b[2K\rme.py", 'tab\t"q".py']
    for name in names:
        (folder / name).write_text(GOOD)
    res = scan(str(folder), "--model", str(tiny_model_dir), "--all", "--exit-zero")
    assert res.returncode == 0, res.stderr
    rows = res.stdout.splitlines()[:-1]
    assert "\x1b" not in res.stdout and "\r" not in res.stdout
    assert [row.split(":", 1)[0] for row in rows] == [
        f'"{folder}/erase\\x1b[2K\\rme.py"',
        f'"{folder}/new\\nline.py"',
        f'"{folder}/tab\\t\\"q\\".py"',
    ]


def test_a_name_that_is_not_utf8_reaches_standard_output_under_a_strict_locale(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    """Under en_US.UTF-8 (not C.UTF-8) Python's standard output refuses the name's lone byte; the
    text and markdown reports on standard output quote it as git does instead of dying with
    "internal error" (exit 2). PYTHONIOENCODING gives the same strict stream."""
    folder = tmp_path / "src"
    folder.mkdir()
    (folder / os.fsdecode(b"caf\xe9.py")).write_text(GOOD)
    env = {**os.environ, "PYTHONIOENCODING": "utf-8:strict"}
    for form in ("text", "markdown"):
        res = subprocess.run(
            [sys.executable, "-m", "codeorigin", "scan", str(folder), "--model",
             str(tiny_model_dir), "--threshold", "0.01", "--format", form],
            capture_output=True, env=env, timeout=180,
        )  # fmt: skip
        assert res.returncode == 1, (form, res.stderr.decode(errors="replace"))
        assert b'caf\\xe9.py"' in res.stdout and b"Traceback" not in res.stderr


def test_outputs_are_checked_before_the_scan_and_never_overwrite_each_other(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    """A folder, a path through a file, or one file named by two outputs (or an output and the
    baseline read): refused before anything is scanned or written, exit 2. `-o -` is standard
    output; `--write-baseline` may rewrite the `--baseline` it reads."""
    (tmp_path / "a.py").write_text(GOOD)
    model = ("--model", str(tiny_model_dir), "--threshold", "0.01")
    first = scan(str(tmp_path / "a.py"), *model, "--write-baseline", str(tmp_path / "bl.json"))
    assert first.returncode == 0, first.stderr
    kept = (tmp_path / "bl.json").read_text()
    (tmp_path / "folder").mkdir()
    refused = {
        ("-o", "bl.json", "--baseline", "bl.json"): "-o and --baseline name the same file",
        ("-o", "same.json", "--write-baseline", "same.json"): "-o and --write-baseline name",
        ("-o", "s.md", "--summary", "s.md"): "-o and --summary name the same file",
        ("--write-baseline", "folder"): "--write-baseline folder: is a folder, not a file",
        ("--summary", "folder"): "--summary folder: is a folder, not a file",
        ("--write-baseline", "a.py/x.json"): "write a.py/x.json (--write-baseline): a.py is a",
    }
    for args, said in refused.items():
        res = scan("a.py", *model, *args, cwd=tmp_path)
        assert res.returncode == 2 and said in res.stderr, (args, res.stderr)
        assert res.stdout == ""  # refused before the scan
    assert (tmp_path / "bl.json").read_text() == kept
    assert not (tmp_path / "same.json").exists() and not (tmp_path / "s.md").exists()
    to_stdout = scan("a.py", *model, "--format", "json", "-o", "-", cwd=tmp_path)
    assert json.loads(to_stdout.stdout)["files"] and not (tmp_path / "-").exists()
    again = scan("a.py", *model, "--baseline", "bl.json", "--write-baseline", "bl.json",
                 cwd=tmp_path)  # fmt: skip
    assert again.returncode == 0 and "wrote 1 finding to bl.json" in again.stderr


def test_folders_above_the_project_do_not_make_it_vendored(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    """A project checked out under `third_party/` is scored however its path is written (`.`,
    absolute, relative from above), in a git repository or not; its own `vendor/` folder is
    still skipped."""
    import subprocess

    project = tmp_path / "third_party" / "proj"
    (project / "vendor").mkdir(parents=True)
    (project / "calc.py").write_text(GOOD)
    (project / "vendor" / "lib.py").write_text(GOOD)
    model = ("--model", str(tiny_model_dir), "--format", "json", "--exit-zero")
    for git in (False, True):
        if git:
            subprocess.run(["git", "init", "-q"], cwd=project, check=True)
        for where, cwd in ((".", project), (str(project), None), ("third_party/proj", tmp_path)):
            res = scan(where, *model, cwd=cwd)
            files = by_name(json.loads(res.stdout))
            assert files["calc.py"]["error"] is None and files["calc.py"]["spans"], (git, where)
            assert "vendored (vendor/)" in files["vendor"]["error"]


def test_a_link_loop_without_an_extension_says_it_cannot_be_read(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    """A symbolic link that loops, or points nowhere, named on the command line: its real
    reason and exit 2, whatever its name; the JSON report holds the reason stderr points to."""
    (tmp_path / "loop1").symlink_to(tmp_path / "loop2")
    (tmp_path / "loop2").symlink_to(tmp_path / "loop1")
    (tmp_path / "gone").symlink_to(tmp_path / "nowhere")
    for name, why in (("loop1", "Too many levels of symbolic links"), ("gone", "No such file")):
        res = scan(str(tmp_path / name), "--model", str(tiny_model_dir), "--format", "json")
        assert res.returncode == 2
        (report,) = json.loads(res.stdout)["files"]
        assert report["error"].startswith(f"cannot read: {why}")
        assert "(see the reason in the report)" in res.stderr and "above" not in res.stderr


def test_a_baseline_outside_the_scanned_tree_warns_of_absolute_paths(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.py").write_text(GOOD)
    (tmp_path / "elsewhere").mkdir()
    args = ("--model", str(tiny_model_dir), "--threshold", "0.01")
    inside = scan(str(tmp_path / "src"), *args, "--write-baseline", str(tmp_path / "bl.json"))
    assert inside.returncode == 0 and "warning" not in inside.stderr
    res = scan(
        str(tmp_path / "src"), *args, "--write-baseline", str(tmp_path / "elsewhere" / "b.json")
    )
    assert res.returncode == 0
    assert (
        "warning: 1 finding of the baseline is outside its folder, kept with absolute" in res.stderr
    )
    (kept,) = json.loads((tmp_path / "elsewhere" / "b.json").read_text())["findings"]
    assert Path(kept["path"]).is_absolute()


def test_a_file_of_an_unknown_extension_says_how_to_read_it(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    """A file named on the command line whose extension codeorigin does not know is skipped with
    the way to read it (`--extension .tpl=LANG`), as `explain` says; with that option it is read."""
    (tmp_path / "page.tpl").write_text(GOOD)
    res = scan(str(tmp_path / "page.tpl"), "--model", str(tiny_model_dir), "--format", "json")
    [data] = json.loads(res.stdout)["files"]
    assert data["error"].startswith("unsupported language (by file extension); --extension "
                                    ".tpl=LANG parses it as LANG, one of c, cpp, ")  # fmt: skip
    res = scan(str(tmp_path / "page.tpl"), "--model", str(tiny_model_dir), "--format", "json",
               "--extension", ".tpl=python", "--exit-zero")  # fmt: skip
    assert res.returncode == 0 and json.loads(res.stdout)["files"][0]["spans"], res.stderr


def test_a_report_never_replaces_what_the_scan_reads(tmp_path: Path, tiny_model_dir: Path) -> None:
    """`-o`, `--summary` or `--write-baseline` naming the patch of `--diff-file` or the
    settings file the scan read: refused (exit 2), the file as it was. The report was written
    over the patch or the settings (the summary appended to them)."""
    (tmp_path / "a.py").write_text(GOOD)
    patch = tmp_path / "change.patch"
    last = GOOD.splitlines()[-1]
    patch.write_text(f"--- a/a.py\n+++ b/a.py\n@@ -5 +5 @@\n-    return total\n+{last}\n")
    settings = tmp_path / "pyproject.toml"
    settings.write_text('[project]\nname = "app"\n\n[tool.codeorigin]\nmin-lines = 2\n')
    kept = {path: path.read_text() for path in (patch, settings)}
    model = ["--model", str(tiny_model_dir)]
    for flag in ("-o", "--summary", "--write-baseline"):
        for target, args, said in [
            (patch, ["--diff-file", "change.patch"], "is --diff-file's patch"),
            (settings, ["a.py"], "is the settings file the scan read"),
        ]:
            res = scan(*args, *model, flag, target.name, cwd=tmp_path)
            assert res.returncode == 2, (flag, target, res.stderr)
            assert f"codeorigin scan: {flag} {target.name}: {said}: the report never replaces " \
                "what the scan reads, name another file" in res.stderr  # fmt: skip
            assert target.read_text() == kept[target]
