"""A project's settings file (`.codeorigin.toml`, `[tool.codeorigin]` of `pyproject.toml`) through
the real command line and real git: what `scan` and `explain` read from it, what its `exclude`
patterns and `--exclude` leave out of a folder's scan and of `scan --diff`, the command line
winning over the file, and a clear message for a file that cannot be used."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from helpers.cli import scan
from helpers.gitrepo import APP, FRESH, OTHER, git, init_repo


def _project(root: Path) -> Path:
    """A repository: src/app.py, tests/fixtures/sample.py and tests/fixtures/keep.py, committed."""
    init_repo(root)
    (root / "src").mkdir()
    (root / "src" / "app.py").write_text(APP)
    (root / "tests" / "fixtures").mkdir(parents=True)
    (root / "tests" / "fixtures" / "sample.py").write_text(OTHER)
    (root / "tests" / "fixtures" / "keep.py").write_text(OTHER)
    git(root, "add", ".")
    git(root, "commit", "-qm", "first")
    return root


def _files(stdout: str) -> dict[str, dict]:
    return {f["path"]: f for f in json.loads(stdout)["files"]}


def test_a_settings_file_leaves_folders_out_and_sets_the_judging_options(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    root = _project(tmp_path / "repo")
    model = ["--model", str(tiny_model_dir), "--format", "json", "--exit-zero"]
    (root / ".codeorigin.toml").write_text(
        '# the fixtures are copied from elsewhere\nexclude = ["tests/fixtures/"]\nthreshold = 0.0\n'
    )
    res = scan(".", *model, cwd=root)
    assert res.returncode == 0, res.stderr
    # Said, so that no one takes the project's choices for the model's.
    assert "settings of .codeorigin.toml: exclude, threshold (--no-config reads none)" in res.stderr
    files = _files(res.stdout)
    assert set(files) == {"src/app.py", "tests/fixtures"}
    assert files["tests/fixtures"]["error"] == (
        "excluded by .codeorigin.toml: tests/fixtures/, not scored"
    )
    # threshold = 0.0 flags every judged span, as --threshold 0 would.
    assert json.loads(res.stdout)["model"]["threshold"] == 0.0
    assert all(s["verdict"] == "llm" for s in files["src/app.py"]["spans"])
    # The markdown summary (a pull request's comment, which never shows standard error) names
    # where the threshold came from, as it names `--threshold`.
    res = scan(".", *model[:2], "--format", "markdown", "--exit-zero", cwd=root)
    assert "threshold of 0.0% given with the settings file `.codeorigin.toml`" in res.stdout
    res = scan(".", *model[:2], "--format", "markdown", "--exit-zero", "--threshold", "0",
               cwd=root)  # fmt: skip
    assert "threshold of 0.0% given with `--threshold`" in res.stdout
    # From a subfolder the same file applies: it is searched upward, to the repository's top.
    res = scan(".", *model, cwd=root / "tests")
    assert _files(res.stdout) == {"fixtures": _files(res.stdout)["fixtures"]}
    assert _files(res.stdout)["fixtures"]["error"].startswith("excluded by ../.codeorigin.toml")

    # The command line wins, key by key; --exclude adds to the file's patterns; a file named
    # on the command line is scanned all the same.
    res = scan(".", "tests/fixtures/keep.py", "--threshold", "1", "--exclude", "src/*.py",
               *model, cwd=root)  # fmt: skip
    files = _files(res.stdout)
    assert files["src/app.py"]["error"] == "excluded by --exclude: src/*.py, not scored"
    assert json.loads(res.stdout)["model"]["threshold"] == 1.0
    assert "settings of .codeorigin.toml: exclude, threshold; the command line's threshold " in (
        res.stderr
    )
    assert files["tests/fixtures/keep.py"]["spans"]
    # --no-config reads none.
    res = scan(".", "--no-config", *model, cwd=root)
    assert "settings of" not in res.stderr
    assert set(_files(res.stdout)) == {
        "src/app.py",
        "tests/fixtures/keep.py",
        "tests/fixtures/sample.py",
    }


def test_pyproject_tool_table_and_negated_patterns(tmp_path: Path, tiny_model_dir: Path) -> None:
    root = _project(tmp_path / "repo")
    (root / "pyproject.toml").write_text(
        '[project]\nname = "app"\n\n[tool.codeorigin]\n'
        'exclude = ["tests/fixtures/*.py", "!tests/fixtures/keep.py"]\n'
        "min-lines = 1\nmin-tokens = 1\n"
    )
    res = scan(".", "--model", str(tiny_model_dir), "--format", "json", "--exit-zero", cwd=root)
    assert res.returncode == 0, res.stderr
    files = _files(res.stdout)
    assert files["tests/fixtures/sample.py"]["error"] == (
        "excluded by pyproject.toml: tests/fixtures/*.py, not scored"
    )
    assert files["tests/fixtures/keep.py"]["spans"]  # `!` takes it back, as in .gitignore
    # min-lines = 1 judges what the default calls too short.
    assert not [s for f in files.values() for s in f["spans"] if s["verdict"] == "too_short"]
    # A pyproject.toml without the table is no settings file: the defaults judge.
    (root / "pyproject.toml").write_text('[project]\nname = "app"\n')
    res = scan(".", "--model", str(tiny_model_dir), "--format", "json", "--exit-zero", cwd=root)
    assert len(_files(res.stdout)) == 3


def test_scan_diff_leaves_out_the_excluded_files_of_a_change(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    root = _project(tmp_path / "repo")
    (root / ".codeorigin.toml").write_text('exclude = ["tests/fixtures/"]\n')
    git(root, "add", ".codeorigin.toml")
    git(root, "commit", "-qm", "settings")
    (root / "src" / "app.py").write_text(APP + FRESH)
    (root / "tests" / "fixtures" / "sample.py").write_text(OTHER + FRESH)
    res = scan("--diff", "--model", str(tiny_model_dir), "--format", "json", "--exit-zero",
               cwd=root)  # fmt: skip
    assert res.returncode == 0, res.stderr
    files = _files(res.stdout)
    assert set(files) == {"src/app.py", "tests/fixtures/sample.py"}
    assert [s["name"] for s in files["src/app.py"]["spans"]] == ["fresh"]
    assert files["tests/fixtures/sample.py"]["error"] == (
        "excluded by .codeorigin.toml: tests/fixtures/, not scored"
    )
    assert not files["tests/fixtures/sample.py"]["spans"]
    # pre-commit names every staged file after `--`: the change's excluded files stay out.
    res = scan("--pre-commit", "--model", str(tiny_model_dir), "--format", "json", "--exit-zero",
               "--", "src/app.py", "tests/fixtures/sample.py", cwd=root)  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert _files(res.stdout)["tests/fixtures/sample.py"]["error"].startswith("excluded by")


def test_explain_reads_the_threshold_of_the_settings_file(
    tmp_path: Path, tiny_ig_model_dir: Path
) -> None:
    root = _project(tmp_path / "repo")
    (root / "pyproject.toml").write_text("[tool.codeorigin]\nthreshold = 0.0\n")
    explain = [sys.executable, "-m", "codeorigin", "explain", "src/app.py::load", "--model",
               str(tiny_ig_model_dir), "--steps", "4"]  # fmt: skip
    done = subprocess.run(explain, cwd=root, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    assert "likely LLM-generated" in done.stdout
    done = subprocess.run([*explain, "--threshold", "1"], cwd=root, capture_output=True,
                          text=True, timeout=180)  # fmt: skip
    assert "likely LLM-generated" not in done.stdout


def test_a_settings_file_that_cannot_be_used_is_said_clearly(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    root = _project(tmp_path / "repo")
    model = ["--model", str(tiny_model_dir)]
    cases = {
        'exlude = ["x"]\n': ".codeorigin.toml: unknown setting 'exlude' (did you mean 'exclude'?)",
        'exclude = "tests"\n': ".codeorigin.toml: exclude: expected a list of patterns",
        "threshold = 1.5\n": ".codeorigin.toml: threshold: expected a probability from 0 to 1, "
        "not 1.5",
        "min-lines = 0\n": ".codeorigin.toml: min-lines: expected a whole number of at least 1",
        'include-generated = "yes"\n': "include-generated: expected true or false, not 'yes'",
        'extensions = { ".h" = "cobol" }\n': "extensions: unsupported language 'cobol' for .h",
        # Patterns and double extensions matched no file, without a word.
        'extensions = { "*.h" = "cpp" }\n': "extensions: not a file extension: '*.h' (write .h: ",
        'extensions = { ".d.ts" = "typescript" }\n': "not a file extension: '.d.ts' (write .ts: ",
        "threshold = [\n": ".codeorigin.toml: not valid TOML",
        'exclude = ["!"]\n': ".codeorigin.toml: exclude: Invalid git pattern: '!'",
    }
    for text, said in cases.items():
        (root / ".codeorigin.toml").write_text(text)
        res = scan(".", *model, cwd=root)
        assert res.returncode == 2, text
        assert said in res.stderr, (text, res.stderr)
        assert "--no-config" in res.stderr and "Traceback" not in res.stderr
        assert res.stdout == ""
    # A file that is not UTF-8, and --config naming a file that does not exist.
    (root / ".codeorigin.toml").write_bytes(b"threshold = 0.5 # caf\xe9\n")
    res = scan(".", *model, cwd=root)
    assert res.returncode == 2 and ".codeorigin.toml: not UTF-8 text" in res.stderr
    res = scan(".", "--config", "missing.toml", *model, cwd=root)
    assert res.returncode == 2 and "--config: no such file: missing.toml" in res.stderr
    res = scan(".", "--config", "src", *model, cwd=root)
    assert res.returncode == 2 and "--config: src is a folder: name its .codeorigin.toml" in (
        res.stderr
    )
    (root / "other").mkdir()
    (root / "other" / "pyproject.toml").write_text('[project]\nname = "other"\n')
    res = scan(".", "--config", "other/pyproject.toml", "--exit-zero", *model, cwd=root)
    assert res.returncode == 0 and "it has no [tool.codeorigin] table, so it sets nothing" in (
        res.stderr
    )
    res = scan(".", "--no-config", "--exclude", "!", *model, cwd=root)
    assert res.returncode == 2 and "--exclude: Invalid git pattern: '!'" in res.stderr
    # --config reads another file; the broken one is not read then.
    (root / "ci.toml").write_text('exclude = ["src/"]\n')
    res = scan(".", "--config", "ci.toml", "--format", "json", "--exit-zero", *model, cwd=root)
    assert res.returncode == 0, res.stderr
    assert _files(res.stdout)["src"]["error"] == "excluded by ci.toml: src/, not scored"


def test_repositories_of_a_list_keep_their_own_settings_out(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    """`--repos` audits other people's repositories: their own settings file never hides their
    code, and `--exclude` applies from each repository's top."""
    root = _project(tmp_path / "repo")
    (root / ".codeorigin.toml").write_text('exclude = ["src/"]\nthreshold = 1.0\n')
    (tmp_path / "repos.txt").write_text("repo\n")
    res = scan("--repos", "repos.txt", "--exclude", "tests/", "--model", str(tiny_model_dir),
               "--format", "json", "--exit-zero", cwd=tmp_path)  # fmt: skip
    assert res.returncode == 0, res.stderr
    report = json.loads(res.stdout)
    files = _files(res.stdout)
    assert files["repo/tests"]["error"] == "excluded by --exclude: tests/, not scored"
    assert files["repo/src/app.py"]["spans"]
    assert report["model"].get("threshold") != 1.0


def test_an_extension_without_its_dot_is_read_with_it(tmp_path: Path) -> None:
    """`extensions = { h = "javascript" }` maps `.h`, as `--extension h=javascript` does."""
    (tmp_path / "add.h").write_text("function add(a, b) {\n  return a + b;\n}\n")
    (tmp_path / ".codeorigin.toml").write_text('extensions = { h = "javascript" }\n')
    res = scan("--all", "add.h", cwd=tmp_path)  # the shipped model does not judge javascript
    assert res.returncode == 0, res.stderr
    assert "add.h:1-3:      - not_judged function add (not judged: javascript)" in res.stdout


def test_a_pipe_as_config_and_a_device_as_model_are_named_for_what_they_are(
    tmp_path: Path,
) -> None:
    """`--config PIPE` said "no such file", `--model /dev/null` "model folder not found"."""
    import os

    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "a.py").write_text(APP)
    res = scan("a.py", "--config", "pipe", cwd=tmp_path)
    assert res.returncode == 2 and "--config: pipe is not a regular file" in res.stderr
    res = scan("a.py", "--no-config", "--model", os.devnull, cwd=tmp_path)
    assert res.returncode == 2 and f"{os.devnull} is not a folder: " in res.stderr, res.stderr
    assert "not found" not in res.stderr


def test_a_settings_file_that_is_no_readable_file_is_said_not_skipped(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    """A `.codeorigin.toml` that is a link to a missing file (a shared settings file not
    checked out), a link loop or a pipe: `scan` and `explain` stop and say so (exit 2), rather
    than scoring the project without its settings (the excluded folders too), without a word."""
    import os

    root = _project(tmp_path / "repo")
    settings = root / ".codeorigin.toml"
    cases = {
        lambda: settings.symlink_to("../shared/codeorigin.toml"): (
            ".codeorigin.toml: a link to a missing file, ../shared/codeorigin.toml"
        ),
        lambda: settings.symlink_to(settings.name): (
            ".codeorigin.toml: cannot read it: Too many levels of symbolic links"
        ),
        lambda: os.mkfifo(settings): ".codeorigin.toml: not a regular file",  # no wait on it
    }
    model = ["--model", str(tiny_model_dir)]
    for make, said in cases.items():
        make()
        for command in (["scan", "."], ["explain", "src/app.py"]):
            res = subprocess.run(
                [sys.executable, "-m", "codeorigin", *command, *model],
                cwd=root, capture_output=True, text=True, timeout=60,
            )  # fmt: skip
            assert res.returncode == 2, (said, res.stderr)
            assert res.stderr == (
                f"codeorigin {command[0]}: {said}; fix it, or read no settings file with "
                "--no-config\n"
            )
        assert scan(".", "--no-config", "--exit-zero", *model, cwd=root).returncode == 0
        settings.unlink()
