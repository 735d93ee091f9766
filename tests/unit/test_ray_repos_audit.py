"""The audit of `scan --repos` / `scan --ray` (the real `codeorigin` command, real git
repositories): an address where nothing listens fails at once; a Ctrl-C while a local Ray cluster
starts exits 130 and leaves no Ray process; a baseline written from a list of `file://` URLs is
matched by the next scan of the list; an empty list and `--ray auto` without a PATH are usage
errors; every entry's files are named after the entry, a duplicate is skipped, and the list's
comments, BOM and relative paths (from the list's folder) are read as documented."""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from codeorigin.bench.synth import synth_function
from codeorigin.cli.ray_scan import reachable
from codeorigin.scan import repos

CODEORIGIN = str(Path(sys.executable).with_name("codeorigin"))


def run(args: list[str], cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CODEORIGIN, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout
    )


def git_repo(root: Path, files: dict[str, str]) -> Path:
    root.mkdir(parents=True)
    for name, text in files.items():
        (root / name).write_text(text)
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t"}
    env.update(GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@t")
    for cmd in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "init"]):
        subprocess.run(["git", *cmd], cwd=root, env=env, check=True, capture_output=True)
    return root


def python(seed: int) -> str:
    rng = random.Random(seed)
    return "\n\n".join(synth_function(rng, f"f{seed}_{k}", 8) for k in range(3))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_an_address_where_nothing_listens_fails_at_once(tmp_path: Path) -> None:
    pytest.importorskip("ray")
    (tmp_path / "a.py").write_text(python(1))
    port = free_port()
    start = time.monotonic()
    res = run(["scan", "--ray", f"127.0.0.1:{port}", "a.py"], tmp_path, timeout=40)
    assert res.returncode == 2 and time.monotonic() - start < 30
    assert res.stderr.strip() == (
        f"codeorigin scan: cannot reach a Ray cluster at 127.0.0.1:{port}: connection refused"
    )
    # Said before any repository of a list is cloned (hundreds could be), not after.
    (tmp_path / "list.txt").write_text((tmp_path / "nowhere.git").as_uri() + "\n")
    res = run(["scan", "--ray", f"127.0.0.1:{port}", "--repos", "list.txt"], tmp_path, timeout=40)
    assert res.returncode == 2 and "connection refused" in res.stderr
    assert "git clone failed" not in res.stderr, res.stderr


def test_a_url_that_cannot_be_cloned_is_said_and_fails_the_sarif_run(tmp_path: Path) -> None:
    """A `--repos` URL git cannot clone: a line on stderr, exit 2, and in SARIF an `error`
    notification with `executionSuccessful` false, as for a path that does not exist."""
    git_repo(tmp_path / "ok", {"a.py": python(2)})
    nowhere = (tmp_path / "nowhere.git").as_uri()
    (tmp_path / "list.txt").write_text(f"ok\n{nowhere}\n")
    res = run(["scan", "--repos", "list.txt", "--format", "sarif", "-o", "out.sarif"], tmp_path)
    assert res.returncode == 2
    said = [line for line in res.stderr.splitlines() if line.startswith("codeorigin scan: ")]
    assert len(said) == 1 and "/nowhere: git clone failed: " in said[0], res.stderr
    invocation = json.loads((tmp_path / "out.sarif").read_text())["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    notes = invocation["toolExecutionNotifications"]
    failed = [n for n in notes if "/nowhere: git clone failed" in n["message"]["text"]]
    assert [n["level"] for n in failed] == ["error"]


def test_a_local_ray_scan_does_not_join_ray_address(tmp_path: Path) -> None:
    """`--ray` starts a local cluster even where RAY_ADDRESS is set (ray.init would join it,
    here a port where nothing listens, retrying without end), and says so."""
    pytest.importorskip("ray")
    (tmp_path / "a.py").write_text(python(3))
    address = f"127.0.0.1:{free_port()}"
    env = {**os.environ, "RAY_ADDRESS": address}
    res = subprocess.run([CODEORIGIN, "scan", "--ray", "--actors", "1", "--exit-zero", "a.py"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180)  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert f"RAY_ADDRESS={address} is not joined: --ray starts a local cluster" in res.stderr
    assert "a.py" in res.stdout or "1 file" in res.stdout + res.stderr


def test_the_audits_settings_file_excludes_from_each_repositorys_top(tmp_path: Path) -> None:
    """The `.codeorigin.toml` of the folder a `--repos` scan runs in: its `exclude` applies from
    the top of each repository, local or cloned, as `--exclude` does (it used to be said as
    applied and to match nothing there); the repositories' own files are still never read."""
    git_repo(tmp_path / "alpha", {"app.py": python(4), "sub_util.py": python(5)})
    audit = tmp_path / "audit"
    audit.mkdir()
    (audit / ".codeorigin.toml").write_text('exclude = ["sub_util.py"]\n')
    (audit / "list.txt").write_text(f"../alpha\n{(tmp_path / 'alpha').as_uri()}\n")
    res = run(["scan", "--repos", "list.txt", "--format", "json", "--exit-zero"], audit)
    assert res.returncode == 0, res.stderr
    scanned = {f["path"] for f in json.loads(res.stdout)["files"] if not f["error"]}
    assert any(p.endswith("app.py") for p in scanned) and len(scanned) == 2, scanned
    assert not any(p.endswith("sub_util.py") for p in scanned), scanned


def test_reachable_checks_host_and_port_only() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        assert reachable(f"127.0.0.1:{port}") is None
        assert reachable(f"ray://127.0.0.1:{port}") is None
    assert reachable(f"127.0.0.1:{port}") == "connection refused"
    assert reachable("auto") is None


def tagged_pids(tag: str) -> list[int]:
    """The processes whose environment holds `tag` (the command's and its Ray children)."""
    pids = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and tag.encode() in (entry / "environ").read_bytes():
                pids.append(int(entry.name))
        except OSError:
            continue
    return pids


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")
def test_ctrl_c_while_ray_starts_exits_130_and_leaves_no_ray_process(tmp_path: Path) -> None:
    pytest.importorskip("ray")
    (tmp_path / "a.py").write_text(python(2))
    tag = f"CODEORIGIN_AUDIT_{uuid.uuid4().hex}"
    env = {**os.environ, tag: "1"}
    proc = subprocess.Popen(
        [CODEORIGIN, "scan", "--ray", "a.py", "--threads", "1"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(1.5)  # Ray is starting
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    left: list[int] = []
    for _ in range(20):
        left = tagged_pids(tag)
        if not left:
            break
        time.sleep(0.5)
    for pid in left:  # not to leave them to the next test
        os.kill(pid, signal.SIGKILL)
    assert not left
    assert proc.returncode == 130
    assert err.strip().splitlines()[-1] == "codeorigin scan: interrupted"
    assert "Traceback" not in err


IMPORT_CUT = """
import importlib.abc, os, signal, sys
class CtrlC(importlib.abc.MetaPathFinder):  # Ctrl-C just as Ray's import reaches ray.actor
    def find_spec(self, name, path, target=None):
        if name == "ray.actor":
            sys.meta_path.remove(self)
            os.kill(os.getpid(), signal.SIGINT)
        return None
sys.meta_path.insert(0, CtrlC())
from codeorigin.distributed import cluster
try:
    cluster.import_ray()
except KeyboardInterrupt:
    ray = sys.modules.get("ray")
    print("whole" if ray is not None and hasattr(ray, "actor") else "cut short")
"""


def test_ctrl_c_while_ray_is_imported_is_raised_after_the_import() -> None:
    """An import cut short leaves half of Ray loaded, whose exit hook then fails with a
    traceback (`module 'ray' has no attribute 'actor'`): the Ctrl-C waits for the import."""
    pytest.importorskip("ray")
    done = subprocess.run([sys.executable, "-c", IMPORT_CUT], capture_output=True, text=True)
    assert done.stdout.strip() == "whole", done.stderr
    assert "Traceback" not in done.stderr


def test_sigterm_while_cloning_exits_143_and_leaves_no_clone(tmp_path: Path) -> None:
    """A CI job cancelled (SIGTERM) while `--repos` clones: the clones are removed, as after a
    Ctrl-C, and the exit status is the signal's (143), one line, no traceback."""
    urls = [git_repo(tmp_path / f"r{k}", {"a.py": python(k)}).as_uri() for k in range(40)]
    (tmp_path / "list.txt").write_text("\n".join(urls) + "\n")
    temp = tmp_path / "tmp"
    temp.mkdir()
    proc = subprocess.Popen([CODEORIGIN, "scan", "--repos", "list.txt"], cwd=tmp_path,
                            env={**os.environ, "TMPDIR": str(temp)}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip
    for _ in range(400):  # until the clones' folder exists
        if any(temp.glob("codeorigin-repos-*")) or proc.poll() is not None:
            break
        time.sleep(0.01)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 143, err
    assert err.strip().splitlines()[-1] == "codeorigin scan: terminated"
    assert "Traceback" not in err
    assert not list(temp.glob("codeorigin-repos-*"))


def test_a_baseline_from_file_urls_is_matched_by_the_next_scan(tmp_path: Path) -> None:
    one = git_repo(tmp_path / "one", {"a.py": python(3)})
    listing = tmp_path / "repos.txt"
    listing.write_text(f"file://{one}\n")
    common = ["scan", "--repos", str(listing), "--threshold", "0.02", "--format", "json"]
    res = run([*common, "--write-baseline", "bl.json"], tmp_path)
    assert res.returncode == 0, res.stderr
    written = json.loads((tmp_path / "bl.json").read_text())["findings"]
    assert written
    res = run([*common, "--baseline", "bl.json"], tmp_path)
    spans = [s for f in json.loads(res.stdout)["files"] for s in f["spans"]]
    assert res.returncode == 0, res.stderr
    assert sum(1 for s in spans if s.get("baseline")) == len(written)


def test_a_lists_baseline_matches_from_any_folder(tmp_path: Path) -> None:
    """A list's entries are names, not paths from the working folder: a baseline written beside
    the list (a local entry, a `file://` URL, an entry `..` above the list) is stored by those
    names and matched by the same list scanned from another folder; no "outside its folder"
    warning for them."""
    git_repo(tmp_path / "repos" / "app", {"a.py": python(7)})
    url = git_repo(tmp_path / "repos" / "url", {"b.py": python(8)})
    git_repo(tmp_path / "up", {"c.py": python(9)})
    lists = tmp_path / "repos"
    (lists / "repos.txt").write_text(f"app\nfile://{url}\n../up\n")
    common = ["scan", "--repos", str(lists / "repos.txt"), "--threshold", "0.02"]
    res = run([*common, "--write-baseline", str(lists / "bl.json")], lists)
    assert res.returncode == 0 and "outside its folder" not in res.stderr, res.stderr
    written = json.loads((lists / "bl.json").read_text())["findings"]
    assert {f["path"].split("/")[0] for f in written} == {"app", tmp_path.as_posix()[1:].split(
        "/")[0], "up"}  # fmt: skip
    (tmp_path / "elsewhere").mkdir()
    for cwd in (lists, tmp_path / "elsewhere"):
        res = run([*common, "--baseline", str(lists / "bl.json"), "--format", "json"], cwd)
        assert res.returncode == 0, res.stderr
        spans = [s for f in json.loads(res.stdout)["files"] for s in f["spans"]]
        assert sum(1 for s in spans if s.get("baseline")) == len(written) > 0


def test_an_empty_list_and_ray_auto_without_a_path_are_usage_errors(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_text("# nothing yet\n\n   \n")
    res = run(["scan", "--repos", "empty.txt"], tmp_path)
    assert res.returncode == 2
    assert res.stderr.strip() == "codeorigin scan: --repos empty.txt: the list names no repository"
    res = run(["scan", "--ray", "auto"], tmp_path)
    assert res.returncode == 2
    assert res.stderr.strip() == (
        "codeorigin scan: give a PATH or --repos FILE (a --ray scan takes no --diff)"
    )


def test_entries_are_named_apart_and_a_duplicate_is_skipped(tmp_path: Path) -> None:
    """A BOM, an inline comment, relative entries read from the list's folder (the command runs
    elsewhere), `.` named after its folder, a second spelling of an entry skipped once."""
    git_repo(tmp_path / "one", {"a.py": python(4)})
    git_repo(tmp_path / "two", {"b.py": python(5)})
    lists = git_repo(tmp_path / "lists", {"c.py": python(6)})
    (lists / "repos.txt").write_text("\ufeff../one # the first\n../two\n.\n\n../one/\n")
    (tmp_path / "elsewhere").mkdir()
    args = ["scan", "--repos", str(lists / "repos.txt"), "--format", "json", "--exit-zero"]
    res = run(args, tmp_path / "elsewhere")
    assert res.returncode == 0, res.stderr
    assert res.stderr.count("skipped") == 1
    assert "--repos line 5: ../one/ is one, listed before: skipped" in res.stderr
    data = json.loads(res.stdout)
    assert [f["path"] for f in data["files"]] == ["one/a.py", "two/b.py", "lists/c.py"]
    summary = data["repositories"]
    assert [r["repository"] for r in summary] == ["one", "two", "lists"]
    assert [r["files"] for r in summary] == [1, 1, 1]
    assert sum(r["spans"] for r in summary) == sum(len(f["spans"]) for f in data["files"]) > 0


def test_read_list_reads_comments_bom_and_the_lists_folder(tmp_path: Path) -> None:
    listing = tmp_path / "repos.txt"
    listing.write_bytes(
        "\ufeffapp\n  # a note\nlib # the library\nhttps://h/o/r.git#main\n".encode()
    )
    entries = repos.read_list(listing)
    assert [(e.text, e.line) for e in entries] == [
        ("app", 1),
        ("lib", 3),
        ("https://h/o/r.git#main", 4),
    ]
    assert {e.base for e in entries} == {tmp_path}


def test_a_cloned_repositorys_submodules_are_listed_as_not_cloned(tmp_path: Path) -> None:
    """A URL is cloned without its submodules: each is listed as skipped, saying so, instead of
    leaving its code out unsaid; a local entry's checked-out submodule is scanned."""
    lib = git_repo(tmp_path / "lib", {"l.py": python(11)})
    app = git_repo(tmp_path / "app", {"a.py": python(12)})
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t"}
    env.update(GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@t")
    for cmd in (
        ["-c", "protocol.file.allow=always", "submodule", "add", "-q", str(lib), "deps/lib"],
        ["commit", "-q", "-m", "lib"],
    ):
        subprocess.run(["git", *cmd], cwd=app, env=env, check=True, capture_output=True)
    (tmp_path / "repos.txt").write_text(f"file://{app}\napp\n")
    res = run(["scan", "--repos", "repos.txt", "--format", "json"], tmp_path)
    assert res.returncode == 0, res.stderr
    files = {f["path"]: f for f in json.loads(res.stdout)["files"]}
    cloned = app.as_posix()[1:]
    assert "not cloned" in files[f"{cloned}/deps/lib"]["error"]
    assert f"{cloned}/a.py" in files and files["app/deps/lib/l.py"]["error"] is None
