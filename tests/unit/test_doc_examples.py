"""Every example command of the README and of docs/*.md runs as written.

The shell blocks' (```sh, ```bash) `codeorigin ...` commands run for real, with the shipped model,
in a copy of a small git project: `src/` (the `load` the examples explain, a function too short to
judge, a JavaScript one), `legacy/` (a binary file, one that is not UTF-8, one over the size limit)
and `notes.txt`, on a branch `feature` that left `main` (and `origin/main`), with a new file staged
and one not. A command must end with status 0 or 1 (1: something was flagged), without a
traceback. In a console block (```console) each `$ ` line is a command and the lines after it are
what it prints: each must be in its output (`...` alone stands for lines left out; a line ending
in `...` is a beginning). The `git` and `printf` commands of a block run too, to set the scene.
A command that cannot run here is in SKIP, with why; any other command fails the test.
docs/research/ holds records of what was run, not examples, and is not read."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.gitrepo import dated_commit, git, init_repo

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SHELLS = ("sh", "bash", "shell", "console")
FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```", re.M | re.S)
SETUP = ("git ", "printf ")

# Commands that are not run, by how they begin, and why.
SKIP = {
    "make ": "sets up .venv/ or runs the suites: this test runs inside the set-up .venv/",
    ". .venv/bin/activate": "this test runs the .venv/'s codeorigin already",
    "pip install ": "installs into an environment: tests/unit/test_install.py installs the checkout",
    "git clone https://": "needs the network",
    "cd codeorigin": "enters the clone that the skipped `git clone` makes",
    "cd vscode-client && npm ci": "builds the VS Code extension: make test-vscode and test-e2e do",
    "code --install-extension": "needs VS Code: the end-to-end test installs the .vsix in code-server",
    "pre-commit ": "installs and runs a git hook: tests/unit/test_precommit.py runs the hook",
    "ray start": "starts a Ray cluster",
    "codeorigin scan --ray": "starts or joins a Ray cluster: tests/unit/test_ray_scan.py scans on one",
    "codeorigin bench --ray-actors": "starts a Ray cluster, and a benchmark is not a test",
    "codeorigin scan PATH...": "the synopsis of the options, not a command",
    "codeorigin explain PATH[": "the synopsis of the options, not a command",
    "codeorigin bench [": "the synopsis of the options, not a command",
}

APP = '''import json


def load(path):
    """Read the settings file and return its values with defaults filled in."""
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    result = {"name": data.get("name", "default"), "size": int(data.get("size", 10))}
    for key, value in data.items():
        if key not in result:
            result[key] = value
    return result
'''
SAVE = '''

def save(path, values):
    """Write the settings back, sorted by name."""
    ordered = {key: values[key] for key in sorted(values)}
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(ordered, handle, indent=2)
    return len(ordered)
'''
UTIL = "def get_name(user):\n    return user.name\n"
UTIL_JS = (
    "function add(a, b) {\n  const total = a + b;\n  console.log(total);\n  return total;\n}\n"
)
NOT_UTF8 = b"# Auteur : Ren\xe9 Dupont\ndef total(values):\n    return sum(values)\n"


def _project(root: Path) -> Path:
    """The project the examples name (see the module's docstring)."""
    init_repo(root)
    files = {
        "src/app.py": APP.encode(),
        "src/util.py": UTIL.encode(),
        "src/util.js": UTIL_JS.encode(),
        "legacy/data.py": b"HEADER = 1\n\x00\x01\x02\n",
        "legacy/report.py": NOT_UTF8,
        "legacy/table.py": b"0,\n" * 400_000,  # 1,200,000 bytes
        "notes.txt": b"The settings loader, and what it keeps.\n",
    }
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    dated_commit(root, "the settings loader", "2021-03-01T10:00:00")
    git(root, "update-ref", "refs/remotes/origin/main", "HEAD")
    git(root, "checkout", "-qb", "feature")
    (root / "src/app.py").write_text(APP + SAVE)
    dated_commit(root, "save the settings", "2025-06-01T10:00:00")
    (root / "src/draft.py").write_text(SAVE.replace("def save", "def save_draft").lstrip())
    (root / "src/extra.py").write_text(UTIL.replace("name", "id"))
    git(root, "add", "src/extra.py")  # staged; src/draft.py is not
    return root


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _project(tmp_path_factory.mktemp("doc-examples") / "project")


def _commands(body: str, console: bool) -> list[tuple[str, list[str]]]:
    """The block's commands, each with the output lines shown after it (console blocks only).
    A line ending in `\\` or followed by an indented one (a synopsis) goes on; `  # ...` ends a
    command's text."""
    commands: list[tuple[str, list[str]]] = []
    going = False
    for line in body.splitlines():
        if console and not line.startswith("$ "):
            if commands and line.strip():
                commands[-1][1].append(line)
            continue
        text = line[2:] if console else line
        if not text.strip() or (text.lstrip().startswith("#") and not going):
            continue
        text = re.sub(r"\s+#\s.*$", "", text).rstrip()
        if commands and (going or (not console and line[:1].isspace())):
            commands[-1] = (f"{commands[-1][0]} {text.rstrip(chr(92)).strip()}", commands[-1][1])
        else:
            commands.append((text.rstrip("\\").strip(), []))
        going = text.endswith("\\")
    return commands


def _blocks() -> list[tuple[str, str, list[tuple[str, list[str]]]]]:
    found = []
    for page in PAGES:
        text = page.read_text()
        for m in FENCE.finditer(text):
            if m.group(1) in SHELLS:
                where = f"{page.relative_to(ROOT)}:{text[: m.start()].count(chr(10)) + 1}"
                found.append((where, m.group(1), _commands(m.group(2), m.group(1) == "console")))
    return found


BLOCKS = _blocks()


def _skipped(command: str) -> str | None:
    return next((why for start, why in SKIP.items() if command.startswith(start)), None)


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_the_pages_have_examples_and_every_skip_is_used() -> None:
    """The extraction finds the blocks, and SKIP holds no reason for a command no page has."""
    commands = [c for _, _, block in BLOCKS for c, _ in block]
    assert sum(c.startswith("codeorigin ") for c in commands) >= 20
    unused = [start for start in SKIP if not any(c.startswith(start) for c in commands)]
    assert not unused, f"SKIP names commands no page has: {unused}"


@pytest.mark.parametrize(("where", "kind", "commands"), BLOCKS, ids=[b[0] for b in BLOCKS])
def test_the_examples_run_as_written(
    where: str, kind: str, commands: list[tuple[str, list[str]]], project: Path, tmp_path: Path
) -> None:
    here = tmp_path / "project"
    shutil.copytree(project, here, symlinks=True)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    env.pop("CODEORIGIN_MODEL", None)  # the shipped model, as a reader has it
    for command, shown in commands:
        if _skipped(command):
            continue
        runs = command.startswith(("codeorigin ", "git diff")) and "codeorigin" in command
        assert runs or command.startswith(SETUP), (
            f"{where}: `{command}` is neither run nor in SKIP: run it here, or add why not"
        )
        done = subprocess.run(["bash", "-o", "pipefail", "-c", command], cwd=here, env=env,
                              capture_output=True, text=True, timeout=120)  # fmt: skip
        said = done.stdout + done.stderr
        assert "Traceback" not in said, f"{where}: `{command}`\n{said}"
        if not runs:
            assert done.returncode == 0, f"{where}: `{command}`\n{said}"
        elif kind != "console":
            assert done.returncode in (0, 1), f"{where}: `{command}` exit {done.returncode}\n{said}"
        for line in shown:
            if line.strip() == "...":
                continue
            want = _flat(line.removesuffix("..."))
            assert want in _flat(said), f"{where}: `{command}` did not print\n{line}\nbut\n{said}"
