"""`scan --diff-file` and `--diff` on the patches and repositories an audit found mishandled,
through the real command line and real git: a patch without `a/` `b/` prefixes (`git diff
--no-prefix`, `diff.noprefix=true`), with git's mnemonic ones, or from `diff -ru`, judges what
the prefixed patch judges; a patch of several commits that changes a file twice is refused with
what to give instead; a patch on standard input is read as the same patch in a file is, whatever
the locale; a lone CR (a line end for the spans, not for git) moves no changed line; and the
refusals of a combined diff, a coloured patch, a staged patch with unstaged edits and a branch
only a remote has say what to do.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from helpers.cli import scan
from helpers.gitrepo import APP, OTHER, git, init_repo, make_repo
from helpers.samples import ADDED, BODY


def _run(
    *args: str, cwd: Path, stdin: bytes | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`codeorigin scan ARGS`, standard input given as bytes (`git diff | codeorigin ...`)."""
    done = subprocess.run(
        [sys.executable, "-m", "codeorigin", "scan", *args],
        input=stdin, capture_output=True, cwd=cwd, timeout=180, env=env,
    )  # fmt: skip
    out, err = done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace")
    return subprocess.CompletedProcess(done.args, done.returncode, out, err)


def _judged(res: subprocess.CompletedProcess[str]) -> dict[tuple[str, str], dict[str, Any]]:
    """(path, span name) -> the span, of a JSON report that exited 0 without a traceback."""
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stderr
    report = json.loads(res.stdout)
    return {(f["path"], s["name"]): s for f in report["files"] for s in f["spans"]}


def _skipped(res: subprocess.CompletedProcess[str]) -> dict[str, str]:
    return {f["path"]: f["error"] for f in json.loads(res.stdout)["files"] if f["error"]}


def _git_bytes(root: Path, *args: str) -> bytes:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, check=True).stdout


def _commit(root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-qm", message)


SPACED = ("sp ace.py", "ünï.py", "x y/a b.py")  # names git writes with a tab, quoted, or both


def _prefix_repo(tmp_path: Path) -> Path:
    """A repository whose working tree adds a function to `a/inner.py` (a folder named like a
    prefix) and `app.py`, deletes `gone.py`, only removes a line of `lib.py` and edits a line of
    `main.py`: a deleted file after a file with added lines, and a file with removed lines only
    before a file with added ones; and adds one to files whose names hold a space or are not
    ASCII."""
    root = init_repo(tmp_path / "repo")
    (root / "a").mkdir()
    (root / "x y").mkdir()
    for name in ("a/inner.py", "app.py", "gone.py", *SPACED):
        (root / name).write_text(BODY)
    (root / "lib.py").write_text(BODY.replace("    return", "    # note\n    return"))
    (root / "main.py").write_text(OTHER)
    _commit(root, "base")
    for name in ("a/inner.py", "app.py", *SPACED):
        (root / name).write_text(BODY + ADDED)
    (root / "gone.py").unlink()
    (root / "lib.py").write_text(BODY)
    (root / "main.py").write_text(OTHER.replace("w = z + x", "w = z + x + 1"))
    return root


WANT = {
    ("a/inner.py", "added"),
    ("app.py", "added"),
    ("main.py", "untouched"),
    *((name, "added") for name in SPACED),
}


@pytest.mark.parametrize(
    "config",
    ["diff.noprefix=true", "diff.mnemonicPrefix=true", "diff.srcPrefix=a/"],
    ids=["noprefix", "mnemonic", "prefixed"],
)
def test_a_patch_without_the_usual_prefixes_judges_what_the_prefixed_one_does(
    tmp_path: Path, tiny_model_dir: Path, config: str
) -> None:
    """`git diff --no-prefix` (or `diff.noprefix=true`, a plain `git diff` then) lost the added
    lines of a file followed by a deleted one, exit 0; a file with removed lines only made the
    next file's `---` line its own: "does not apply to main.py"."""
    root = _prefix_repo(tmp_path)
    args = ("--format", "json", "--exit-zero", "--model", str(tiny_model_dir))
    prefixed = _judged(_run("--diff-file", "-", *args, cwd=root,
                            stdin=_git_bytes(root, "diff", "HEAD")))  # fmt: skip
    assert set(prefixed) == WANT
    assert prefixed[("main.py", "untouched")]["changed_lines"] == 1
    patch = _git_bytes(root, "-c", config, "diff", "HEAD")
    assert _judged(_run("--diff-file", "-", *args, cwd=root, stdin=patch)) == prefixed
    (tmp_path / "change.patch").write_bytes(patch)
    assert _judged(_run("--diff-file", str(tmp_path / "change.patch"), *args, cwd=root)) == (
        prefixed
    )
    # git itself takes the patch as it is meant: it reverses cleanly.
    strip = "-p0" if config == "diff.noprefix=true" else "-p1"
    git(root, "apply", strip, "-R", "--check", str(tmp_path / "change.patch"))


@pytest.mark.skipif(shutil.which("diff") is None, reason="needs diff (GNU diffutils)")
def test_a_patch_from_diff_r_judges_each_file(tmp_path: Path, tiny_model_dir: Path) -> None:
    """`diff -ru a b` writes a `diff` line, no `diff --git`, before each file: the `---` of the
    file after one with removed lines only was taken for that file's ("does not apply"), and a
    binary file it names alone marked the file before it binary."""
    root = _prefix_repo(tmp_path)
    (tmp_path / "a").mkdir()
    for name in ("a/inner.py", "app.py", "gone.py", "lib.py", "main.py", *SPACED):
        (tmp_path / "a" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "a" / name).write_bytes(_git_bytes(root, "show", f"HEAD:{name}"))
    (tmp_path / "a" / "logo.bin").write_bytes(b"\x00\x01old")
    shutil.copytree(root, tmp_path / "b", ignore=shutil.ignore_patterns(".git"))
    (tmp_path / "b" / "logo.bin").write_bytes(b"\x00\x01new")
    done = subprocess.run(["diff", "-ru", "a", "b"], cwd=tmp_path, capture_output=True)
    assert done.returncode == 1 and b"Binary files a/logo.bin and b/logo.bin differ" in done.stdout
    (tmp_path / "plain.patch").write_bytes(done.stdout)
    res = _run("--diff-file", "../plain.patch", "--format", "json", "--exit-zero", "--model",
               str(tiny_model_dir), cwd=tmp_path / "b")  # fmt: skip
    judged = _judged(res)
    assert set(judged) == WANT
    assert judged[("main.py", "untouched")]["changed_lines"] == 1


def _two_commits(tmp_path: Path) -> Path:
    """`feature`: a commit adding `fresh` to app.py, then one editing a line of `keep` above it."""
    root = init_repo(tmp_path / "repo")
    (root / "app.py").write_text(APP)
    _commit(root, "app")
    git(root, "checkout", "-qb", "feature")
    (root / "app.py").write_text(APP + ADDED)
    _commit(root, "c1: add")
    (root / "app.py").write_text((APP + ADDED).replace("sorted(kept)", "sorted(kept, key=abs)"))
    _commit(root, "c2: edit keep")
    return root


def test_a_patch_of_several_commits_changing_one_file_is_refused_with_what_to_give(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    """Each commit's hunks number the lines as that commit left them: only the last section of
    a file was kept, and the function the first commit added was never judged (exit 0)."""
    root = _two_commits(tmp_path)
    args = ("--format", "json", "--exit-zero", "--model", str(tiny_model_dir))
    whole = _judged(_run("--diff-file", "-", *args, cwd=root,
                         stdin=_git_bytes(root, "diff", "main...feature")))  # fmt: skip
    assert set(whole) == {("app.py", "keep"), ("app.py", "added")}
    series_of = (
        ["format-patch", "--stdout", "main..feature"],
        ["log", "-p", "--reverse", "main..feature"],
        ["log", "-p", "main..feature"],
    )
    for series in series_of:
        res = _run("--diff-file", "-", *args, cwd=root, stdin=_git_bytes(root, *series))
        assert res.returncode == 2 and res.stdout == "", series
        assert "holds several commits (app.py appears 2 times" in res.stderr
        assert "`git diff main...feature`" in res.stderr and "--diff main" in res.stderr
        assert "Traceback" not in res.stderr
    # A series whose commits change different files is one change: judged as its diff is.
    (root / "other.py").write_text(OTHER + ADDED)
    _commit(root, "c3: other")
    series = _git_bytes(root, "format-patch", "--stdout", "feature~2..feature")
    judged = _judged(_run("--diff-file", "-", *args, cwd=root, stdin=series))
    diff = _git_bytes(root, "diff", "feature~2", "feature")
    assert judged == _judged(_run("--diff-file", "-", *args, cwd=root, stdin=diff))
    assert set(judged) == {("app.py", "keep"), *(("other.py", n) for n in OTHER_NAMES)}
    # One diff shows a file that became a link twice (deleted, then added): not two commits.
    (root / "other.py").unlink()
    (root / "other.py").symlink_to("app.py")
    res = _run("--diff-file", "-", *args, cwd=root, stdin=_git_bytes(root, "diff", "HEAD"))
    assert res.returncode == 0, res.stderr
    assert _skipped(res) == {"other.py": "a symbolic link, not scored"}


OTHER_NAMES = ("other", "untouched", "added")


LATIN = b"# -*- coding: latin-1 -*-\ndef caf\xe9(x, y):\n    total = x + y\n    return total\n"


@pytest.mark.parametrize("locale", ["C.UTF-8", "utf-8:strict"])
def test_a_patch_on_standard_input_is_read_as_the_same_patch_in_a_file(
    tmp_path: Path, tiny_model_dir: Path, locale: str
) -> None:
    """A change with a Latin-1 file: standard input was decoded by the locale, so the patch
    "did not apply" (C.UTF-8) or died with a traceback (en_US.UTF-8, whose stdin is strict, as
    `PYTHONIOENCODING=utf-8:strict` makes it), where the same patch in a file was judged."""
    root = make_repo(tmp_path)
    (root / "latin.py").write_bytes(LATIN)
    (root / "new.py").write_text(BODY)
    git(root, "add", "-A")
    patch = _git_bytes(root, "diff", "--cached")
    (tmp_path / "change.patch").write_bytes(patch)
    args = ("--format", "json", "--exit-zero", "--model", str(tiny_model_dir))
    env = {**os.environ, "LC_ALL": "C.UTF-8", "PYTHONIOENCODING": "utf-8:surrogateescape"}
    if locale == "utf-8:strict":
        env["PYTHONIOENCODING"] = locale
    from_file = _run("--diff-file", str(tmp_path / "change.patch"), *args, cwd=root, env=env)
    from_stdin = _run("--diff-file", "-", *args, cwd=root, stdin=patch, env=env)
    assert _judged(from_stdin) == _judged(from_file)
    assert set(_judged(from_file)) == {("new.py", "base")}
    assert _skipped(from_stdin) == _skipped(from_file) == {"latin.py": "not valid UTF-8 (byte 33)"}


CR_APP = (
    b'def load(path):\n    """Read a file\rand return it."""\n    with open(path) as handle:\n'
    b"        data = handle.read()\n    size = len(data)\n    return data, size\n\n\n"
    b'def late(x):\n    s = """a\rb"""\n    t = x * 2\n    u = t - x\n    return s, t + u\n\n\n'
    b"def last(values):\n    kept = []\n    for value in values:\n        if value:\n"
    b"            kept.append(value)\n    return kept\n"
)


def test_a_lone_cr_moves_no_changed_line(tmp_path: Path, tiny_model_dir: Path) -> None:
    """git ends lines at LF only; the spans, as an editor, at a lone CR too. git's numbers were
    taken for the spans': `--diff` judged the function above the edited one (here: none), and
    git's own patch "did not apply" (the file was read with universal newlines)."""
    root = init_repo(tmp_path / "repo")
    (root / "app.py").write_bytes(CR_APP)
    _commit(root, "a lone CR in a docstring and in a string")
    (root / "app.py").write_bytes(
        CR_APP.replace(b"def last(values)", b"def last(values=())").replace(b"a\rb", b"a\rc")
    )
    args = ("--format", "json", "--exit-zero", "--model", str(tiny_model_dir))
    plain = _judged(_run("app.py", *args, cwd=root))  # the lines a plain scan (an editor) gives
    patch = _git_bytes(root, "diff")
    (tmp_path / "cr.patch").write_bytes(patch)
    for res in (
        _run("--diff", *args, cwd=root),
        _run("--diff-file", str(tmp_path / "cr.patch"), *args, cwd=root),
        _run("--diff-file", "-", *args, cwd=root, stdin=patch),
    ):
        judged = _judged(res)
        assert set(judged) == {("app.py", "late"), ("app.py", "last")}
        assert judged[("app.py", "last")]["changed_lines"] == 1
        assert judged[("app.py", "late")]["changed_lines"] == 2  # `s = """a`, `c"""`: two lines
        for key, span in judged.items():
            assert (span["start_line"], span["end_line"]) == (
                plain[key]["start_line"],
                plain[key]["end_line"],
            )


def test_a_combined_diff_of_a_merge_says_what_it_is(tmp_path: Path, tiny_model_dir: Path) -> None:
    root = make_repo(tmp_path)  # on feature: `keep` sorts the other way
    git(root, "checkout", "-q", "main")
    (root / "app.py").write_text(APP.replace("sorted(kept)", "sorted(kept, key=abs)"))
    _commit(root, "main: keep sorts by size")
    subprocess.run(["git", "merge", "feature"], cwd=root, capture_output=True)  # a conflict
    res = _run("--diff-file", "-", "--model", str(tiny_model_dir), cwd=root,
               stdin=_git_bytes(root, "diff"))  # fmt: skip
    assert res.returncode == 2 and res.stdout == ""
    assert "a combined diff of a merge" in res.stderr and "`git diff HEAD`" in res.stderr
    assert "without a file header" not in res.stderr
    # What it says to give works.
    res = _run("--diff-file", "-", "--format", "json", "--exit-zero", "--model",
               str(tiny_model_dir), cwd=root, stdin=_git_bytes(root, "diff", "HEAD"))  # fmt: skip
    assert _judged(res)


def test_a_coloured_patch_says_it_holds_colour(tmp_path: Path, tiny_model_dir: Path) -> None:
    root = make_repo(tmp_path)
    (root / "app.py").write_text(APP + ADDED)
    for colour in (["--color=always"], ["-c", "color.ui=always"]):
        args = ["diff", "--color=always"] if colour[0].startswith("--") else [*colour, "diff"]
        res = _run("--diff-file", "-", "--model", str(tiny_model_dir), cwd=root,
                   stdin=_git_bytes(root, *args))  # fmt: skip
        assert res.returncode == 2 and res.stdout == ""
        assert "colour escapes" in res.stderr and "`git diff --no-color`" in res.stderr


def test_a_patch_cut_short_binary_or_utf16_says_what_it_is(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    """A patch cut after a whole line (`head -n`), a binary file and a patch saved as UTF-16
    (PowerShell's `>`) are each refused with what they are, not a hunk count gone wrong."""
    root = make_repo(tmp_path)
    (root / "app.py").write_text(APP + ADDED)
    patch = _git_bytes(root, "diff")
    lines = patch.splitlines(keepends=True)
    cut = b"".join(lines[: len(lines) - 3])  # inside the last hunk, at a line's end
    utf16 = patch.decode().encode("utf-16")  # with its byte-order mark, as PowerShell writes it
    binary = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
    for data, said in (
        (cut, "the diff ends inside a hunk: it was cut short"),
        (binary, "it holds NUL bytes: a binary file, not a text patch"),
        (utf16, "it is UTF-16 text"),
        (patch.decode().encode("utf-16-le"), "it holds NUL bytes"),  # no byte-order mark
    ):
        res = _run("--diff-file", "-", "--model", str(tiny_model_dir), cwd=root, stdin=data)
        assert res.returncode == 2 and res.stdout == "", res.stderr
        assert said in res.stderr and "Traceback" not in res.stderr, res.stderr
        assert len(res.stderr.strip().splitlines()) == 1 and "\\udc" not in res.stderr


def test_a_patch_cut_between_two_files_is_refused_and_one_that_ends_whole_is_not(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    """A patch cut after a file's `diff --git` line or its `index` line (`head -c`, a paste
    limit) left that file's changes out, exit 0 and a word of it; what git itself ends a patch
    with (an empty file added, a rename alone, a mode change) still reads as whole."""
    root = make_repo(tmp_path)
    (root / "app.py").write_text(APP + ADDED)
    (root / "other.py").write_text(OTHER + ADDED)
    patch = _git_bytes(root, "diff")
    lines = patch.splitlines(keepends=True)
    second = max(i for i, line in enumerate(lines) if line.startswith(b"diff --git"))
    for keep, what in ((second + 1, "diff --git"), (second + 2, "index")):
        cut = b"".join(lines[:keep])
        assert cut.splitlines()[-1].startswith(what.encode())
        res = _run("--diff-file", "-", "--model", str(tiny_model_dir), cwd=root, stdin=cut)
        assert res.returncode == 2 and res.stdout == "", res.stderr
        assert "the diff ends with other.py's header, not its changes: it was cut short" in (
            res.stderr
        )
    (root / "empty.txt").write_text("")
    git(root, "add", "-A")
    git(root, "mv", "README.md", "NOTES.md")
    (root / "other.py").chmod(0o755)
    for args in (("diff", "--cached", "-M"), ("diff", "--cached", "--", "empty.txt", "app.py"),
                 ("diff", "--cached", "--", "NOTES.md", "README.md")):  # fmt: skip
        whole = _git_bytes(root, *args)
        res = _run("--diff-file", "-", "--model", str(tiny_model_dir), cwd=root, stdin=whole)
        assert res.returncode in (0, 1) and "cut short" not in res.stderr, (args, res.stderr)


def test_a_staged_patch_with_unstaged_edits_says_so(tmp_path: Path, tiny_model_dir: Path) -> None:
    root = make_repo(tmp_path)
    (root / "other.py").write_text(OTHER + ADDED)
    git(root, "add", "other.py")
    (root / "other.py").write_text("# an unstaged line\n" + OTHER + ADDED)
    staged = _git_bytes(root, "diff", "--cached")
    res = _run("--diff-file", "-", "--model", str(tiny_model_dir), cwd=root, stdin=staged)
    assert res.returncode == 2 and "does not apply to other.py" in res.stderr
    assert "other.py has edits that are not staged" in res.stderr
    assert "`codeorigin scan --diff HEAD`" in res.stderr
    # A file without unstaged edits (outside git here) gets no such hint.
    copy = tmp_path / "copy"
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns(".git"))
    res = _run("--diff-file", "-", "--model", str(tiny_model_dir), cwd=copy, stdin=staged)
    assert res.returncode == 2 and "does not apply to other.py" in res.stderr
    assert "not staged" not in res.stderr


def test_a_branch_only_a_remote_has_is_named(tmp_path: Path, tiny_model_dir: Path) -> None:
    """A CI clone has `origin/main` and no `main`: `--diff main` says to write `origin/main`."""
    origin = make_repo(tmp_path)
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "-b", "feature", str(origin), str(clone)],
                   check=True, capture_output=True)  # fmt: skip
    assert "main" not in git(clone, "branch", "--format=%(refname:short)").split()
    res = scan("--diff", "main", "--model", str(tiny_model_dir), cwd=clone)
    assert res.returncode == 2 and res.stdout == ""
    assert "bad revision 'main': git knows no such commit" in res.stderr
    assert "write `--diff origin/main`" in res.stderr
    res = scan("--diff", "origin/main", "--format", "json", "--exit-zero", "--model",
               str(tiny_model_dir), cwd=clone)  # fmt: skip
    assert set(_judged(res)) == {("app.py", "keep"), ("app.py", "fresh")}
    # A revision no remote has either: no such hint.
    res = scan("--diff", "nowhere", "--model", str(tiny_model_dir), cwd=clone)
    assert res.returncode == 2 and "origin/" not in res.stderr


def test_a_git_diff_read_from_a_subfolder_says_where_its_paths_start(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    """`git diff > p.diff` names files from the repository's top folder: read from a subfolder,
    the patch does not apply, and the message says to run the scan at the top (where it reads)
    or to make the patch with `git diff --relative`."""
    root = make_repo(tmp_path)  # on `feature`: app.py edited since main
    (root / "docs").mkdir()
    patch = tmp_path / "p.diff"
    patch.write_text(git(root, "diff", "main"))
    res = scan("--diff-file", str(patch), "--model", str(tiny_model_dir), cwd=root / "docs")
    assert res.returncode == 2
    assert "app.py is not a readable file under" in res.stderr
    assert "from the repository's top folder" in res.stderr and "git diff --relative" in res.stderr
    res = scan("--diff-file", str(patch), "--exit-zero", "--model", str(tiny_model_dir), cwd=root)
    assert res.returncode == 0, res.stderr
