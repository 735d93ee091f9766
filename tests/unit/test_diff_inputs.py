"""`scan --diff` and `--diff-file` on the inputs a change can hold besides plain code, through the
real command line and real git: file names git quotes (`"\\303\\274n\\303\\257.py"`, a quote, a tab,
a newline, a name that is not UTF-8), untracked files that must not be read (a data file, one
over the size limit, in `node_modules` or a virtual environment), symbolic links (to a file
outside the repository too: never followed) and FIFOs, a range where one revision is wanted, a
folder that cannot be read, a submodule, and source files git diffs as binary (`-diff`, `binary`,
a textconv driver, a NUL byte). Each is judged, or skipped with a one-line reason while the rest
of the change is still judged; none hangs (the scans run with a time limit) or shows a traceback.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from helpers.cli import scan, unprivileged
from helpers.gitrepo import OTHER, git, init_repo, make_repo
from helpers.samples import ADDED, BODY

# Names git writes quoted, with C escapes: non-ASCII bytes in octal, a quote, a tab, a newline,
# a backslash, and bytes that are not UTF-8 (Linux keeps any byte in a name).
QUOTED = ["ünï.py", 'we"ird.py', "tab\tname.py", "new\nline.py", "back\\slash.py", "sp ace.py"]
LATIN1 = os.fsdecode(b"caf\xe9.py")


def _report(res: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stderr
    return json.loads(res.stdout)


def _skipped(report: dict[str, Any]) -> dict[str, str]:
    """The files of the report listed as skipped, with why (not only on stderr)."""
    return {f["path"]: f["error"] for f in report["files"] if f["error"]}


def _spans(report: dict[str, Any]) -> set[tuple[str, str]]:
    return {(f["path"], s["name"]) for f in report["files"] for s in f["spans"]}


def _pipe_scan(patch: bytes, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`git diff | codeorigin scan --diff-file - ARGS`: the patch as git's bytes."""
    done = subprocess.run(
        [sys.executable, "-m", "codeorigin", "scan", "--diff-file", "-", *args],
        input=patch, capture_output=True, cwd=cwd, timeout=120,
    )  # fmt: skip
    return subprocess.CompletedProcess(
        done.args, done.returncode, done.stdout.decode(), done.stderr.decode()
    )


def test_names_git_quotes_are_judged_by_diff_and_diff_file(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    root = init_repo(tmp_path / "repo")
    names = [*QUOTED, *([LATIN1] if sys.platform == "linux" else [])]
    text = {name: OTHER if name == "back\\slash.py" else BODY for name in names}
    for name in names:
        (root / name).write_text(text[name])
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    for name in names:
        (root / name).write_text(text[name] + ADDED)
    git(root, "mv", "back\\slash.py", 'mo"ved\tto.py')  # a rename between quoted names
    want = {(name, "added") for name in names if name != "back\\slash.py"}
    want.add(('mo"ved\tto.py', "added"))
    args = ("--format", "json", "--exit-zero", "--model", str(tiny_model_dir))
    from_git = _report(scan("--diff", *args, cwd=root))
    assert _spans(from_git) == want
    for config in ("core.quotePath=true", "core.quotePath=false"):
        patch = subprocess.run(["git", "-c", config, "diff", "-M", "HEAD"], cwd=root,
                               capture_output=True, check=True).stdout  # fmt: skip
        assert _spans(_report(_pipe_scan(patch, *args, cwd=root))) == want, config


# The command line in this interpreter, with a watch: opening the data file ends it, and the peak
# memory (Linux's VmHWM, in KiB: this process's own, where ru_maxrss counts its parent's too) is
# written to the file named first.
WATCHED = """
import sys
def hook(event, args):
    if event == "open" and isinstance(args[0], str) and args[0].endswith("data.bin"):
        raise SystemExit(f"opened {args[0]}")
sys.addaudithook(hook)
from codeorigin.cli import main
code = main(sys.argv[2:])
with open("/proc/self/status") as status, open(sys.argv[1], "w") as out:
    out.write(next(x for x in status if x.startswith("VmHWM:")).split()[1])
sys.exit(code)
"""


@pytest.mark.skipif(not Path("/proc/self/status").is_file(), reason="Linux's /proc tells the peak")
def test_untracked_files_a_scan_would_not_read_are_not_read(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    """A large data file is never opened, and a source file over --max-file-bytes is not read
    whole (both sparse: they cost no disk); the scan lists the source file as too large."""
    root = make_repo(tmp_path)
    (root / "new.py").write_text(BODY)
    for name, size in (("data.bin", 400_000_000), ("big.py", 300_000_000)):
        with (root / name).open("wb") as handle:
            handle.truncate(size)
    peak = tmp_path / "peak"
    res = subprocess.run(
        [sys.executable, "-c", WATCHED, str(peak), "scan", "--diff", "--format", "json",
         "--exit-zero", "--model", str(tiny_model_dir)],
        capture_output=True, text=True, cwd=root, timeout=120,
    )  # fmt: skip
    report = _report(res)
    files = {f["path"]: f for f in report["files"]}
    assert set(files) == {"big.py", "new.py"}
    assert files["big.py"]["error"].startswith("larger than the size limit (300,000,000 > ")
    assert _spans(report) >= {("new.py", "base")}
    assert int(peak.read_text()) < 250_000  # KiB: the tiny model's scan needs about 90 MB


def test_untracked_links_are_skipped_with_the_reason_and_fifos_never_read(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    root = make_repo(tmp_path)
    (root / "new.py").write_text(BODY)
    (root / "l1.py").symlink_to("l2.py")
    (root / "l2.py").symlink_to("l1.py")
    os.mkfifo(root / "fifo")
    (root / "pipe.py").symlink_to("fifo")
    os.mkfifo(root / "queue.py")  # git lists no FIFO: never seen
    res = scan("--diff", "--format", "json", "--exit-zero", "--model", str(tiny_model_dir),
               cwd=root, timeout=60)  # fmt: skip
    report = _report(res)
    assert _spans(report) == {("new.py", "base")}
    assert _skipped(report) == {
        "l1.py": "a symbolic link, not scored",
        "l2.py": "a symbolic link, not scored",
        "pipe.py": "a symbolic link, not scored",
    }


def test_a_patch_naming_a_fifo_skips_it_and_judges_the_rest(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    root = make_repo(tmp_path)
    (root / "new.py").write_text(BODY)
    git(root, "add", "new.py")
    (root / "other.py").write_text(OTHER + ADDED)
    patch = git(root, "diff", "HEAD")
    (root / "new.py").unlink()
    os.mkfifo(root / "new.py")  # the patch's `+++ b/new.py` is now a FIFO: reading it blocks
    res = _pipe_scan(patch.encode(), "--format", "json", "--exit-zero", "--model",
                     str(tiny_model_dir), cwd=root)  # fmt: skip
    report = _report(res)
    assert _spans(report) == {("other.py", "added")}
    assert _skipped(report) == {"new.py": "not a regular file, not scored"}


@pytest.mark.parametrize(("given", "left"), [("main...HEAD", "main"), ("HEAD~1..HEAD", "HEAD~1")])
def test_a_range_is_refused_with_what_to_write(
    tmp_path: Path, tiny_model_dir: Path, given: str, left: str
) -> None:
    root = make_repo(tmp_path)  # on `feature`, one commit past main
    res = scan("--diff", given, "--model", str(tiny_model_dir), cwd=root)
    assert res.returncode == 2
    assert f"--diff takes one revision, not a range ('{given}'): write `--diff {left}`" in (
        res.stderr
    )
    assert "git knows no such commit" not in res.stderr and "Traceback" not in res.stderr
    # What it says to write works.
    res = scan("--diff", left, "--format", "json", "--exit-zero", "--model", str(tiny_model_dir),
               cwd=root)  # fmt: skip
    assert _spans(_report(res)) == {("app.py", "keep"), ("app.py", "fresh")}


def test_an_untracked_folder_that_cannot_be_read_is_listed_as_skipped(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    prefix = unprivileged()
    root = make_repo(tmp_path)
    (root / "new.py").write_text(BODY)
    locked = root / "locked"
    locked.mkdir()
    (locked / "hidden.py").write_text(BODY)
    locked.chmod(0)
    try:
        res = scan("--diff", "--format", "json", "--exit-zero", "--model", str(tiny_model_dir),
                   cwd=root, prefix=prefix)  # fmt: skip
    finally:
        locked.chmod(0o755)
    report = _report(res)
    assert _spans(report) == {("new.py", "base")}
    assert _skipped(report) == {"locked": "cannot read: Permission denied, not scored"}


def test_a_change_inside_a_submodule_is_said_not_to_be_followed(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    inner = init_repo(tmp_path / "inner")
    (inner / "lib.py").write_text(BODY)
    git(inner, "add", "lib.py")
    git(inner, "commit", "-qm", "lib")
    root = init_repo(tmp_path / "super")
    git(root, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(inner), "sub")
    git(root, "commit", "-qm", "with a submodule")
    (root / "sub" / "lib.py").write_text(BODY + ADDED)
    args = ("--exit-zero", "--model", str(tiny_model_dir))
    said = "sub: skipped: a submodule, whose changes are not followed (run "
    res = scan("--diff", *args, cwd=root)
    assert res.returncode == 0 and said in res.stdout, res.stdout
    first = res.stdout.splitlines()[0]
    assert first.startswith("Change against HEAD; not following the changes inside submodule sub:")
    assert "the only file or folder was skipped" in res.stdout  # not "no line of a file..."
    assert "no line of a file in a language" not in res.stdout
    res = _pipe_scan(git(root, "diff").encode(), *args, cwd=root)
    assert res.returncode == 0 and said in res.stdout, res.stderr
    assert "not following the changes inside submodule sub" in res.stdout
    # A file of it named as a PATH, even a new one (the superproject's diff never shows it).
    (root / "sub" / "new.py").write_text(BODY)
    res = scan("--diff", *args, "sub/new.py", cwd=root)
    assert res.returncode == 0 and said in res.stdout, res.stdout + res.stderr


def test_a_path_the_change_deleted_is_said_to_be_gone_not_missing(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    """`scan --diff main $(git diff --name-only main)`: a file the change deleted is listed as
    such, exit 0; a file that never was is still an error (exit 2)."""
    root = init_repo(tmp_path / "repo")
    (root / "gone.py").write_text(BODY)
    (root / "kept.py").write_text(BODY)
    git(root, "add", ".")
    git(root, "commit", "-qm", "base")
    git(root, "rm", "-q", "gone.py")
    (root / "kept.py").write_text(BODY + ADDED)
    git(root, "commit", "-qam", "change")
    args = ("--diff", "HEAD~1", "--exit-zero", "--model", str(tiny_model_dir))
    named = git(root, "diff", "--name-only", "HEAD~1").split()
    assert sorted(named) == ["gone.py", "kept.py"]
    res = scan(*args, *named, cwd=root)
    assert res.returncode == 0, res.stderr
    assert "gone.py: skipped: deleted by the change, not scored" in res.stdout
    assert "kept.py:" in res.stdout
    res = scan(*args, "--format", "json", "gone.py", cwd=root)
    assert _skipped(_report(res)) == {"gone.py": "deleted by the change, not scored"}
    res = scan(*args, "never.py", cwd=root)
    assert res.returncode == 2 and "no such file or folder: never.py" in res.stderr


JAVA = """class Calc {
    int add(int a, int b) {
        int c = a + b;
        int d = c * 2;
        return d - a;
    }
}
"""


def _feature_commit(root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-qm", message)


@pytest.mark.parametrize("attributes", ["*.py -diff\n", "*.py binary\n", "*.py diff=shift\n"])
def test_git_attributes_do_not_hide_a_source_file_or_move_its_lines(
    tmp_path: Path, tiny_model_dir: Path, attributes: str
) -> None:
    """`-diff`, `binary` or a textconv driver (one that adds five first lines) change what `git
    diff` shows, not the file: the change is judged on the file's text, with its own line numbers."""
    root = make_repo(tmp_path)  # on `feature`: `keep` edited (1 line), `fresh` added (8)
    git(root, "config", "diff.shift.textconv", "sh -c 'seq 5; cat \"$0\"'")  # 5 lines more
    (root / ".gitattributes").write_text(attributes)
    _feature_commit(root, "attributes")
    res = scan("--diff", "main", "--format", "json", "--threshold", "0", "--model",
               str(tiny_model_dir), cwd=root)  # fmt: skip
    assert res.returncode == 1, res.stdout + res.stderr  # threshold 0: what is judged is flagged
    report = json.loads(res.stdout)
    changed = {s["name"]: s["changed_lines"] for f in report["files"] for s in f["spans"]}
    assert changed == {"keep": 1, "fresh": 8}
    if "shift" in attributes:
        return  # a textconv's patch shows other lines than the file's: it does not apply
    # A patch git wrote under these attributes shows no line of app.py: said, not dropped.
    patch = git(root, "diff", "main...HEAD").encode()
    assert b"Binary files a/app.py and b/app.py differ" in patch
    report = _report(_pipe_scan(patch, "--format", "json", "--model", str(tiny_model_dir),
                                cwd=root))  # fmt: skip
    assert _skipped(report) == {
        "app.py": "the patch shows it as binary, without its lines (write it with `git diff "
        "--text`), not scored"
    }


def test_a_binary_attribute_is_judged_and_a_nul_byte_is_listed_as_binary(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    root = make_repo(tmp_path)
    (root / ".gitattributes").write_text("*.java binary\n")
    (root / "Calc.java").write_text(JAVA)
    (root / "nul.py").write_bytes(BODY.encode() + b"# \x00\n")  # git and scan: binary
    _feature_commit(root, "java and a NUL byte")
    args = ("--format", "json", "--threshold", "0", "--model", str(tiny_model_dir))
    res = scan("--diff", "main", *args, cwd=root)
    assert res.returncode == 1, res.stdout + res.stderr
    report = json.loads(res.stdout)
    assert _spans(report) == {("Calc.java", "add"), ("app.py", "keep"), ("app.py", "fresh")}
    assert _skipped(report) == {"nul.py": "binary file"}  # as a plain scan says it
    assert _skipped(json.loads(scan("nul.py", *args, cwd=root).stdout)) == {"nul.py": "binary file"}
    # Alone, it is a skipped file of the change, not "no line of a file codeorigin reads".
    res = scan("--diff", "main", "--model", str(tiny_model_dir), "nul.py", cwd=root)
    assert "nul.py: skipped: binary file" in res.stdout, res.stdout
    assert "no line of a file in a language" not in res.stdout


def test_a_lone_carriage_return_neither_breaks_the_diff_nor_moves_its_lines(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    """git ends lines at LF only. A CR inside a line (a string, a binary diffed as text) was read
    as a line end: the diff no longer matched its hunks ("cannot read git's diff", exit 2)."""
    root = make_repo(tmp_path)
    (root / "cr.py").write_bytes(BODY.encode() + b'\n\ndef late(x):\n    s = "a\rb"\n'
                                 b"    t = x * 2\n    return s, t + x\n")  # fmt: skip
    (root / "tool.cpp").write_bytes(b"\x7fELF\x00\r\x01\r\n\x00@\r" * 40)  # a binary named .cpp
    _feature_commit(root, "a CR inside a line, and a binary")
    args = ("--format", "json", "--threshold", "0", "--model", str(tiny_model_dir))
    res = scan("--diff", "main", *args, cwd=root)
    assert res.returncode == 1, res.stdout + res.stderr
    report = json.loads(res.stdout)
    assert {("cr.py", "base"), ("cr.py", "late")} <= _spans(report)
    late = next(s for f in report["files"] for s in f["spans"] if s["name"] == "late")
    plain = json.loads(scan("cr.py", *args, cwd=root).stdout)  # the lines a plain scan gives
    alone = next(s for f in plain["files"] for s in f["spans"] if s["name"] == "late")
    assert (late["start_line"], late["end_line"]) == (alone["start_line"], alone["end_line"])
    assert _skipped(report) == {"tool.cpp": "binary file"}


SECRET = """def secret_outside(a):
    b = a + 1
    c = b * 2
    return c + a
"""


@pytest.mark.parametrize("fmt", ["json", "sarif", "markdown", "text"])
def test_a_symbolic_link_in_the_change_is_listed_and_never_followed(
    tmp_path: Path, tiny_model_dir: Path, fmt: str
) -> None:
    """Committed links (to a file outside the repository, relative or absolute, and to a file
    inside it) and an untracked one: each is listed as a symbolic link, and no report shows a
    line or the path of what they point to."""
    root = make_repo(tmp_path)
    outside = tmp_path / "outside.py"
    outside.write_text(SECRET)
    (root / "link.py").symlink_to(os.path.relpath(outside, root))
    (root / "abs.py").symlink_to(outside)
    (root / "inside.py").symlink_to("other.py")
    _feature_commit(root, "links")
    (root / "loose.py").symlink_to(outside)
    res = scan("--diff", "main", "--format", fmt, "--threshold", "0", "--model",
               str(tiny_model_dir), cwd=root)  # fmt: skip
    assert res.returncode == 1, res.stderr  # app.py's two functions are still judged
    for said in (res.stdout, res.stderr):
        assert "secret_outside" not in said and "outside.py" not in said and "untouched" not in said
    if fmt == "json":
        report = json.loads(res.stdout)
        assert _spans(report) == {("app.py", "keep"), ("app.py", "fresh")}
        link = "a symbolic link, not scored"
        names = ("link.py", "abs.py", "inside.py", "loose.py")
        assert _skipped(report) == dict.fromkeys(names, link)


def test_a_link_named_as_a_path_or_in_a_patch_is_not_followed(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    """pre-commit names staged files as PATHs, and a patch names the link's path: neither
    makes the scan read what the link points to."""
    root = make_repo(tmp_path)
    outside = tmp_path / "outside.py"
    outside.write_text(SECRET)
    (root / "link.py").symlink_to(outside)
    git(root, "add", "link.py")
    args = ("--format", "json", "--exit-zero", "--model", str(tiny_model_dir))
    for res in (
        scan("--diff", "HEAD", *args, "--", "link.py", cwd=root),
        _pipe_scan(git(root, "diff", "--cached").encode(), *args, cwd=root),
    ):
        report = _report(res)
        assert _spans(report) == set() and "secret_outside" not in res.stdout
        assert _skipped(report) == {"link.py": "a symbolic link, not scored"}


def test_untracked_folders_a_scan_leaves_out_are_left_out_of_the_change(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    """`node_modules`, a virtual environment (known by its pyvenv.cfg), `.tox` and `*.egg-info`,
    not ignored by git: `--diff` leaves them out as `scan .` does."""
    root = make_repo(tmp_path)
    (root / "new.py").write_text(BODY)
    for rel in ("node_modules/pkg/index.py", "env/lib/site.py", ".tox/py/x.py", "t.egg-info/y.py"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(BODY.replace("def base", "def dependency"))
    (root / "env" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    args = ("--format", "json", "--exit-zero", "--model", str(tiny_model_dir))
    changed = _report(scan("--diff", *args, cwd=root))
    assert _spans(changed) == {("new.py", "base")} and _skipped(changed) == {}
    whole = _report(scan(".", *args, cwd=root))
    assert {f["path"] for f in whole["files"]} == {"app.py", "other.py", "new.py"}


def test_committed_dependency_folders_are_listed_as_skipped_not_judged(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    """A change that commits files into `node_modules` or a virtual environment: `--diff` and
    `--diff-file` list them as skipped with the reason, as `scan .` leaves those folders out,
    and judge the rest of the change."""
    root = make_repo(tmp_path)
    (root / "env").mkdir()
    (root / "env" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    git(root, "add", ".")
    git(root, "commit", "-qm", "a virtual environment, committed")
    (root / "new.py").write_text(BODY)
    vendored = ("node_modules/pkg/index.js", "env/lib/site.py")
    for rel in vendored:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(BODY.replace("def base", "def dependency"))
    git(root, "add", ".")
    git(root, "commit", "-qm", "vendored dependencies and new.py")
    args = ("--format", "json", "--exit-zero", "--model", str(tiny_model_dir))
    why = "in a folder a scan leaves out (dependencies, a virtual environment, a cache)"
    want = {rel: f"{why}, not scored" for rel in vendored}
    changed = _report(scan("--diff", "main", *args, cwd=root))
    judged = {("app.py", "fresh"), ("app.py", "keep"), ("new.py", "base")}  # the rest of the change
    assert _spans(changed) == judged
    assert _skipped(changed) == want
    patch = git(root, "diff", "main...HEAD").encode()
    piped = _report(_pipe_scan(patch, *args, cwd=root))
    assert _spans(piped) == judged and _skipped(piped) == want


def test_a_patch_without_an_end_is_refused_not_read_until_memory_runs_out(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    """`--diff-file /dev/zero`, or a command that never ends on standard input (`yes |`): a
    message and exit 2 once the patch is over 256 MiB. It read on until the system killed the
    scan; under this test's memory limit, a MemoryError and a traceback."""
    import resource

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1536 << 20, 1536 << 20))

    command = [sys.executable, "-m", "codeorigin", "scan", "--model", str(tiny_model_dir)]
    for source, stdin in (("/dev/zero", None), ("-", "yes")):
        feed = subprocess.Popen([stdin], stdout=subprocess.PIPE) if stdin else None
        res = subprocess.run(
            [*command, "--diff-file", source], cwd=tmp_path, capture_output=True, text=True,
            timeout=120, preexec_fn=limited, stdin=feed.stdout if feed else None,
        )  # fmt: skip
        if feed is not None:
            feed.kill()
            feed.wait()
        assert res.returncode == 2, res.stderr
        assert f"--diff-file {source}: larger than 256 MiB" in res.stderr, res.stderr
        assert "Traceback" not in res.stderr
