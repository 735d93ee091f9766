"""`codeorigin scan` where a user's command is unusual but not wrong, through the real command
line and real git: a report written into a folder that does not exist yet, the same file named
twice, a baseline written while findings exist, the first commit of a repository (pre-commit's
`--diff HEAD`), an empty patch, a path outside the repository of `--diff`, SARIF locations
for absolute paths, a report whose folder is a file, and Ray's options without Ray."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from helpers.cli import scan
from helpers.gitrepo import APP, FRESH, git, init_repo, make_repo


def test_output_goes_into_a_new_folder_and_never_onto_a_folder(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    (tmp_path / "app.py").write_text(APP)
    out = tmp_path / "reports" / "ci" / "codeorigin.json"
    res = scan(str(tmp_path / "app.py"), "--format", "json", "-o", str(out), "--exit-zero",
               "--model", str(tiny_model_dir))  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert json.loads(out.read_text())["files"][0]["path"].endswith("app.py")
    res = scan(str(tmp_path / "app.py"), "-o", str(tmp_path), "--model", str(tiny_model_dir))
    assert res.returncode == 2
    assert f"-o {tmp_path}: is a folder, not a file" in res.stderr


def test_a_file_named_twice_is_scanned_once(tmp_path: Path, tiny_model_dir: Path) -> None:
    (tmp_path / "app.py").write_text(APP)
    res = scan(str(tmp_path), str(tmp_path / "app.py"), "app.py", "--format", "json",
               "--exit-zero", "--model", str(tiny_model_dir), cwd=tmp_path)  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert len(json.loads(res.stdout)["files"]) == 1
    # A link to itself named on the command line: reported, not a crash.
    (tmp_path / "loop.py").symlink_to("loop.py")
    res = scan("loop.py", "app.py", "--format", "json", "--exit-zero", "--model",
               str(tiny_model_dir), cwd=tmp_path)  # fmt: skip
    assert "Traceback" not in res.stderr
    files = {f["path"]: f for f in json.loads(res.stdout)["files"]}
    assert files["loop.py"]["error"] and files["app.py"]["spans"]


def test_writing_a_baseline_records_findings_without_failing(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    (tmp_path / "app.py").write_text(APP)
    res = scan(".", "--threshold", "0", "--write-baseline", "known.json", "--model",
               str(tiny_model_dir), cwd=tmp_path)  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert "wrote 2 findings to known.json" in res.stderr
    res = scan(".", "--threshold", "0", "--baseline", "gone.json", "--model",
               str(tiny_model_dir), cwd=tmp_path)  # fmt: skip
    assert res.returncode == 2
    assert "`codeorigin scan . --write-baseline gone.json`" in res.stderr


def test_the_first_commit_of_a_repository_judges_every_staged_file(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    repo = init_repo(tmp_path / "new")
    (repo / "app.py").write_text(APP)
    git(repo, "add", "app.py")
    for diff in (["--diff"], ["--diff", "HEAD"]):  # HEAD: what the pre-commit hook passes
        res = scan(*diff, "--format", "json", "--threshold", "0", "--model",
                   str(tiny_model_dir), cwd=repo)  # fmt: skip
        assert res.returncode == 1, res.stderr
        data = json.loads(res.stdout)
        assert {s["name"] for f in data["files"] for s in f["spans"]} == {"load", "keep"}
        assert all(s["changed_lines"] for f in data["files"] for s in f["spans"])
    res = scan("--diff", "main", "--model", str(tiny_model_dir), cwd=repo)
    assert res.returncode == 2 and "bad revision 'main'" in res.stderr
    # The first commit of an orphan branch, in a repository that has commits elsewhere.
    other = make_repo(tmp_path)
    git(other, "checkout", "-q", "--orphan", "fresh-start")
    res = scan("--diff", "HEAD", "--format", "json", "--threshold", "0", "--model",
               str(tiny_model_dir), cwd=other)  # fmt: skip
    assert res.returncode == 1, res.stderr
    names = {s["name"] for f in json.loads(res.stdout)["files"] for s in f["spans"]}
    assert {"load", "keep", "fresh", "other", "untouched"} <= names


def test_an_empty_patch_is_an_empty_change(tmp_path: Path, tiny_model_dir: Path) -> None:
    (tmp_path / "empty.patch").write_text("")
    res = scan("--diff-file", "empty.patch", "--model", str(tiny_model_dir), cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("Change in empty.patch (empty: nothing changed): no span judged")
    assert "adds or edits no line of a file in a language codeorigin reads" in res.stdout
    # JSON and SARIF say why as well, beside the null probability.
    data = json.loads(scan("--diff-file", "empty.patch", "--format", "json", "--model",
                           str(tiny_model_dir), cwd=tmp_path).stdout)  # fmt: skip
    reason = "the change adds or edits no line of a file in a language codeorigin reads"
    assert data["change"] == {"probability": None, "verdict": "too_short", "spans": 0,
                              "calibrated": False, "reason": reason}  # fmt: skip
    sarif = json.loads(scan("--diff-file", "empty.patch", "--format", "sarif", "--model",
                            str(tiny_model_dir), cwd=tmp_path).stdout)  # fmt: skip
    assert sarif["runs"][0]["properties"]["change"]["reason"] == reason


def test_what_a_change_without_judged_spans_says(tmp_path: Path, tiny_model_dir: Path) -> None:
    repo = make_repo(tmp_path)
    (repo / "other.py").unlink()  # a change that only deletes
    res = scan("--diff", "--model", str(tiny_model_dir), cwd=repo)
    assert res.returncode == 0, res.stderr
    assert "no span judged (the change adds or edits no line of a file" in res.stdout
    (repo / "app.py").write_text(APP + FRESH)  # edits `keep` back: a span in the baseline
    scan(".", "--threshold", "0", "--write-baseline", "b.json", "--model", str(tiny_model_dir),
         cwd=repo)  # fmt: skip
    res = scan("--diff", "--threshold", "0", "--baseline", "b.json", "--model",
               str(tiny_model_dir), cwd=repo)  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert "no span judged (1 span is in the baseline)" in res.stdout
    # An import added to a file of functions: the change, not the file, holds no function.
    git(repo, "checkout", "-q", "--", "app.py", "other.py")
    (repo / "app.py").write_text("import sys\n" + (repo / "app.py").read_text())
    res = scan("--diff", "--model", str(tiny_model_dir), cwd=repo)
    assert res.returncode == 0, res.stderr
    said = "the change adds or edits no line of a function or of script code"
    assert f"no span judged ({said})" in res.stdout and f"Nothing was scored: {said}." in res.stdout
    assert "hold no function" not in res.stdout + res.stderr


def test_diff_paths_are_named_from_the_current_folder(tmp_path: Path, tiny_model_dir: Path) -> None:
    """For people (text, JSON, markdown) paths are named from the current folder, as git names
    them there; for GitHub code scanning (SARIF) and GitLab's code quality, from the top of the
    repository, which is how those services find the files."""
    repo = make_repo(tmp_path)
    sub = repo / "pkg"
    sub.mkdir()
    (sub / "mod.py").write_text(FRESH)
    (repo / "top.py").write_text(FRESH)
    common = ("--diff", "--threshold", "0", "--model", str(tiny_model_dir))
    res = scan(*common, "--format", "json", cwd=sub)
    assert res.returncode == 1, res.stderr
    assert {f["path"] for f in json.loads(res.stdout)["files"]} == {"mod.py", "../top.py"}
    res = scan(*common, "--format", "sarif", cwd=sub)
    run = json.loads(res.stdout)["runs"][0]
    uris = {a["location"]["uri"] for a in run["artifacts"]}
    assert uris == {"pkg/mod.py", "top.py"}
    res = scan(*common, "--format", "codeclimate", cwd=sub)
    assert {i["location"]["path"] for i in json.loads(res.stdout)} == {"pkg/mod.py", "top.py"}
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    res = scan("--diff", str(outside), "--model", str(tiny_model_dir), cwd=repo)
    assert res.returncode == 2
    assert f"{outside} is outside the git repository whose change --diff judges" in res.stderr


def test_sarif_names_absolute_paths_as_file_uris(tmp_path: Path, tiny_model_dir: Path) -> None:
    folder = tmp_path / "with space"
    folder.mkdir()
    (folder / "app.py").write_text(APP)
    res = scan(str(folder / "app.py"), "--format", "sarif", "--threshold", "0", "--model",
               str(tiny_model_dir))  # fmt: skip
    assert res.returncode == 1, res.stderr
    run = json.loads(res.stdout)["runs"][0]
    uri = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == (folder / "app.py").as_uri() and uri.startswith("file:///")
    assert "with%20space" in uri


def test_output_under_a_file_says_the_file_is_in_the_way(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    (tmp_path / "app.py").write_text(APP)
    (tmp_path / "reports").write_text("a file, not a folder\n")
    for out in (tmp_path / "reports" / "codeorigin.json", tmp_path / "reports" / "ci" / "c.json"):
        res = scan(str(tmp_path / "app.py"), "--format", "json", "-o", str(out), "--exit-zero",
                   "--model", str(tiny_model_dir))  # fmt: skip
        assert res.returncode == 2
        said = f"cannot write {out} (-o): {tmp_path / 'reports'} is a file, not a folder"
        assert said in res.stderr and res.stdout == ""  # said before the scan
        assert "File exists" not in res.stderr and "Not a directory" not in res.stderr


NO_RAY = """
import sys
from codeorigin.cli import main
code = main(sys.argv[1:])
print(code, "ray" in sys.modules)
"""


def test_ray_options_without_ray_are_usage_errors_before_anything_starts(tmp_path: Path) -> None:
    """`scan --actors N` without `--ray`, and `bench --ray ADDRESS` without `--ray-actors`, would
    silently run the ordinary scan or bench: both are usage errors, said before a model is read
    (a missing one here) or Ray is imported."""
    (tmp_path / "app.py").write_text(APP)
    missing = str(tmp_path / "no-model")
    for argv, said in (
        (["scan", "app.py", "--actors", "2", "--model", missing], "give --ray [ADDRESS] too"),
        (["bench", "--ray", "auto", "--model", missing], "give --ray-actors N,N,... too"),
    ):
        done = subprocess.run([sys.executable, "-c", NO_RAY, *argv], cwd=tmp_path,
                              capture_output=True, text=True, timeout=120)  # fmt: skip
        assert done.stdout.split() == ["2", "False"], done.stdout + done.stderr
        assert said in done.stderr and "no-model" not in done.stderr


def test_sarif_says_a_scan_with_a_missing_path_failed(tmp_path: Path, tiny_model_dir: Path) -> None:
    """A path named to scan that does not exist fails the scan (exit 2): SARIF says so with an
    error notification and executionSuccessful false; a skipped binary file is only a warning."""
    (tmp_path / "a.py").write_text(FRESH)
    (tmp_path / "blob.py").write_bytes(b"\x00binary")
    res = scan("a.py", "blob.py", "gone.py", "--format", "sarif", "--model", str(tiny_model_dir),
               cwd=tmp_path)  # fmt: skip
    assert res.returncode == 2
    invocation = json.loads(res.stdout)["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    levels = {n["message"]["text"].split(":")[0]: n["level"]
              for n in invocation["toolExecutionNotifications"]}  # fmt: skip
    assert levels == {"gone.py": "error", "blob.py": "warning"}
    res = scan("a.py", "blob.py", "--format", "sarif", "--model", str(tiny_model_dir), cwd=tmp_path)
    assert json.loads(res.stdout)["runs"][0]["invocations"][0]["executionSuccessful"] is True


def test_a_row_not_judged_names_its_language_and_the_reason_comes_once(tmp_path: Path) -> None:
    """`--all` on a file the shipped model does not judge repeated the whole "the model does not
    judge javascript: at the threshold ..." sentence on every row, then in `Not judged:`."""
    (tmp_path / "calc.js").write_text(
        "function add(a, b) {\n  const s = a + b;\n  return s * 2;\n}\n"
        "function sub(a, b) {\n  const s = a - b;\n  return s * 2;\n}\n"
    )
    res = scan("--all", "calc.js", cwd=tmp_path)  # the shipped default model
    assert res.returncode == 0, res.stderr
    rows = [row for row in res.stdout.splitlines() if row.startswith("calc.js:")]
    assert rows == [
        "calc.js:1-4:      - not_judged function add (not judged: javascript)",
        "calc.js:5-8:      - not_judged function sub (not judged: javascript)",
    ]
    assert res.stdout.count("the model does not judge javascript") == 1
    assert "\nNot judged: the model does not judge javascript: " in res.stdout
    # The model scores JavaScript but abstains on it: a repository's own calibration can judge it.
    assert res.stdout.rstrip().endswith(
        "\nRun codeorigin calibrate in the repository to measure javascript on its own people's "
        "code (functions written before 2022-06-21): with 299 or more of them it bounds a "
        "threshold, and --write has scan and the editor judge javascript there."
    )


def test_kotlin_gets_the_calibrate_hint_and_a_model_not_trained_on_it_none(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    """The shipped model scores Kotlin with its grafted stack (`codeorigin-train stack-scored`)
    and abstains on it, so a repository's calibration can judge it; a model that was not trained
    on Kotlin cannot be calibrated on it, so its summary does not suggest one."""
    (tmp_path / "Calc.kt").write_text(
        "fun add(a: Int, b: Int): Int {\n    val s = a + b\n    return s * 2\n}\n"
    )
    res = scan("Calc.kt", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "\nNot judged: the model does not judge kotlin: 269 held-out human functions" in res.stdout
    assert "\nRun codeorigin calibrate in the repository to measure kotlin on its own" in res.stdout
    python_only = tmp_path / "python-only"
    shutil.copytree(tiny_model_dir, python_only)
    manifest = json.loads((python_only / "manifest.json").read_text())
    (python_only / "manifest.json").write_text(json.dumps({**manifest, "languages": ["python"]}))
    res = scan("Calc.kt", "--model", str(python_only), cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "\nNot judged: the model does not judge kotlin: it was not trained on" in res.stdout
    assert "codeorigin calibrate" not in res.stdout
