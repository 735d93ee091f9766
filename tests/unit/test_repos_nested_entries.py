"""`scan --repos` with a local entry inside another's folder, as a user runs it (the real
command): each entry's files are reported under its own name."""

from __future__ import annotations

import json
from pathlib import Path

from helpers.cli import scan

FUNCTION = """def total(values, start):
    result = start
    for value in values:
        result = result + value * 2
    return result
"""


def test_an_entry_inside_another_entrys_folder_keeps_its_files(tmp_path: Path) -> None:
    """`../app` then `../app/src`: named `app` and `src`, the src entry's file was reported as
    `app/src/y.py`, under app, and src read as a repository of 0 files."""
    (tmp_path / "app" / "src").mkdir(parents=True)
    (tmp_path / "app" / "main.py").write_text(FUNCTION)
    (tmp_path / "app" / "src" / "y.py").write_text(FUNCTION)
    audit = tmp_path / "audit"
    audit.mkdir()
    (audit / "repos.txt").write_text("../app\n../app/src\n")
    res = scan("--repos", "repos.txt", "--format", "json", cwd=audit)
    assert res.returncode in (0, 1), res.stderr
    out = json.loads(res.stdout)
    assert sorted(f["path"] for f in out["files"]) == ["app/main.py", "src/y.py"]
    files = {r["repository"]: r["files"] for r in out["repositories"]}
    assert files == {"app": 1, "src": 1}
