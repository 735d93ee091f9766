"""What a user of `codeorigin-train` sees when the input is wrong or a command would overwrite a
model: one line and an exit status, never a traceback, and nothing written or trained first.
Every test runs the real command line (`cli.main` with an argv, or a subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from codeorigin_train.cli import main

ROOT = Path(__file__).resolve().parents[2]
FUNCTION = "def f{i}(items, limit):\n    total = 0\n    for item in items:\n        total += item\n    return total\n"
COLUMNS = ["code", "label", "language", "source", "generator", "group", "split"]


def _rows(n: int = 24) -> pd.DataFrame:
    return pd.DataFrame(
        [(FUNCTION.format(i=i), i % 2, "python", "s", "human" if i % 2 == 0 else "g", f"g{i // 2}",
          ["train", "val", "test"][i % 3]) for i in range(n)],
        columns=COLUMNS,
    )  # fmt: skip


@pytest.fixture
def bad_inputs(tmp_path: Path) -> dict[str, Path]:
    """A parquet file that is not there, one that is not parquet, one with no rows."""
    corrupt, empty = tmp_path / "corrupt.parquet", tmp_path / "empty.parquet"
    corrupt.write_text("not a parquet file\n")
    _rows().iloc[:0].to_parquet(empty)
    return {"missing": tmp_path / "missing.parquet", "corrupt": corrupt, "empty": empty}


def _stacked_folder(path: Path) -> Path:
    """A folder that holds a stacked model, as far as a refusal reads it (its manifest)."""
    path.mkdir(parents=True, exist_ok=True)
    (path / "manifest.json").write_text(json.dumps({"members": {"transformer": {}, "linear": {}}}))
    return path


def _one_line(err: str, command: str) -> str:
    lines = [line for line in err.strip().splitlines() if line.startswith("codeorigin-train")]
    assert "Traceback" not in err and len(lines) == 1, err
    assert lines[0].startswith(f"codeorigin-train {command}: "), err
    return lines[0]


# 1. A new model never lands on the shipped one by accident.
def test_stack_refuses_a_folder_that_holds_a_model_unless_forced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _stacked_folder(tmp_path / "default")
    before = (out / "manifest.json").read_text()
    transformer = _stacked_folder(tmp_path / "transformer")
    argv = ["stack", "--dataset", str(tmp_path / "pool.parquet"), "--transformer",
            str(transformer), "--out", str(out), "--work", str(tmp_path / "work")]  # fmt: skip
    assert main(argv) == 2
    line = _one_line(capsys.readouterr().err, "stack")
    assert "already holds a model" in line and "--force" in line and "models/candidate" in line
    assert (out / "manifest.json").read_text() == before and not (tmp_path / "work").exists()
    # With --force the folder may be replaced: the command goes on to its inputs.
    assert main([*argv, "--force"]) == 2
    assert "pool.parquet not found" in _one_line(capsys.readouterr().err, "stack")


def test_card_refuses_to_replace_a_stacked_models_card(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _stacked_folder(tmp_path / "stacked")
    assert main(["--work", str(tmp_path / "work"), "card", "--out", str(out)]) == 2
    line = _one_line(capsys.readouterr().err, "card")
    assert "holds a stacked model" in line
    assert line.startswith(f"codeorigin-train card: {out} holds"), line  # the command named once
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json"]


# 3. `all` is refused before it builds or trains anything, not hours later.
def test_all_refuses_a_stacked_folder_before_any_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out, work = _stacked_folder(tmp_path / "stacked"), tmp_path / "work"
    monkeypatch.chdir(ROOT)  # `all` with its default --out: the shipped models/default
    for extra in ([], ["--out", str(out)]):
        assert main(["--work", str(work), "--data-root", str(tmp_path / "no-data"), "all",
                     "--no-realcode", *extra]) == 2  # fmt: skip
        assert "holds a stacked model" in _one_line(capsys.readouterr().err, "all")
        assert not (work / "dataset.parquet").exists()


# 2. A pool without the real-project code says so.
def test_a_pool_without_real_project_code_is_a_warning_that_names_the_file_and_its_command(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    dataset, pool, work = tmp_path / "dataset-v4.parquet", tmp_path / "pool.parquet", tmp_path / "w"
    _rows().to_parquet(dataset)
    argv = ["protocol", "--dataset", str(dataset), "--work", str(work), "--pool", str(pool),
            "--pool-only", "--out", str(tmp_path / "protocol")]  # fmt: skip
    with caplog.at_level("WARNING"):
        assert main(argv) == 0
    warned = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warned) == 1 and str(work / "realcode.parquet") in warned[0]
    assert "codeorigin-train realcode build" in warned[0] and "realcode fetch" in warned[0]
    assert len(pd.read_parquet(pool)) == 24 and "24 rows" in capsys.readouterr().out
    assert not (tmp_path / "protocol").exists()  # --pool-only fits no learner


# 4. Global options before a forwarded command.
def test_global_options_before_a_forwarded_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["-v", "stack", "--help"]) == 0
    assert "usage: codeorigin-train stack" in capsys.readouterr().out
    from codeorigin_train.data.inputs import InputError

    with pytest.raises(InputError, match="give --data-root"):  # -v: the traceback
        main(["-v", "agentic-fragments", "--data-root", str(tmp_path / "none")])
    for argv in (["--work", str(tmp_path), "agentic-fragments"],
                 ["--work", str(tmp_path), "protocol", "--help"],
                 ["--data-root", str(tmp_path), "-v", "agentic"]):  # fmt: skip
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 2
        err = capsys.readouterr().err
        assert err.startswith("usage: codeorigin-train") and "Traceback" not in err
        assert f"before `{argv[-2] if argv[-1] == '--help' else argv[-1]}`" in err
        assert "its options go after its name" in err


# 5. A wrong data root.
def test_a_wrong_data_root_fails_and_writes_no_dataset(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "x.parquet"
    run = subprocess.run(
        [sys.executable, "-m", "codeorigin_train.data.build", "--data-root", "/nonexistent",
         "--out", str(out)], capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert run.returncode == 2 and not out.exists()
    last = run.stderr.strip().splitlines()[-1]
    assert last.startswith(
        "python -m codeorigin_train.data.build: data root /nonexistent not found"
    )
    assert "Traceback" not in run.stderr
    (tmp_path / "empty-root").mkdir()
    for root, says in (("/nonexistent", "data root /nonexistent not found"),
                       (str(tmp_path / "empty-root"), "no source found under the data root")):  # fmt: skip
        argv = ["--data-root", root, "--work", str(tmp_path / "w"), "dataset"]
        assert main(argv) == 2
        assert says in _one_line(capsys.readouterr().err, "dataset")
        assert not (tmp_path / "w" / "dataset.parquet").exists()


# 6. Bad input files: one line, status 2; with -v, the traceback.
def _argv(command: str, path: Path, tmp: Path) -> list[str]:
    fake = _stacked_folder(tmp / "model")
    return {
        "scratch": ["--dataset", str(path), "--work", str(tmp / "w"), "scratch"],
        "stack": ["stack", "--dataset", str(path), "--transformer", str(fake), "--out",
                  str(tmp / "stacked"), "--work", str(tmp / "sw")],
        "protocol": ["protocol", "--dataset", str(path), "--work", str(tmp / "w"), "--out", str(tmp / "p")],
        "agentic-merge": ["agentic-merge", "--dataset", str(path), "--out", str(tmp / "v4.parquet")],
        "coderep-loso": ["coderep-loso", "--dataset", str(path), "--work", str(tmp / "cw"),
                         "--out", str(tmp / "cl"), "--no-mlflow"],
    }[command]  # fmt: skip


COMMANDS = ["scratch", "stack", "protocol", "agentic-merge", "coderep-loso"]


@pytest.mark.parametrize("command", COMMANDS)
def test_a_missing_corrupt_or_empty_input_is_one_line(
    command: str, bad_inputs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    says = {"missing": "not found", "corrupt": "is not a readable parquet file",
            "empty": "holds no rows"}  # fmt: skip
    for kind, path in bad_inputs.items():
        argv = _argv(command, path, tmp_path)
        before = sorted(tmp_path.rglob("*"))
        assert main(argv) == 2, kind
        line = _one_line(capsys.readouterr().err, command)
        assert str(path) in line and says[kind] in line, line
        # Nothing left behind: no output file, and no empty output or work folder.
        assert sorted(tmp_path.rglob("*")) == before, (command, kind)
    from codeorigin_train.data.inputs import InputError

    with pytest.raises(InputError):
        main(["-v", *_argv(command, bad_inputs["empty"], tmp_path)])


@pytest.mark.parametrize("command", [c for c in COMMANDS if c != "scratch"])
def test_a_forwarded_commands_module_run_directly_says_the_same_in_one_line(
    command: str, bad_inputs: dict[str, Path], tmp_path: Path
) -> None:
    from codeorigin_train.cli import FORWARDED

    module = FORWARDED[command]
    argv = [sys.executable, "-m", module, *_argv(command, bad_inputs["missing"], tmp_path)[1:]]
    run = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert run.returncode == 2 and "Traceback" not in run.stderr, run.stderr
    last = run.stderr.strip().splitlines()[-1]
    assert last.startswith(f"python -m {module}: ") and "not found" in last, last
    env = {**os.environ, "CODEORIGIN_TRAIN_TRACEBACK": "1"}  # and the traceback when asked
    run = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, timeout=300, env=env)
    assert run.returncode != 0 and "Traceback" in run.stderr


def test_stack_checks_the_transformer_folder_before_fitting_anything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dataset = tmp_path / "pool.parquet"
    _rows().to_parquet(dataset)
    argv = ["stack", "--dataset", str(dataset), "--transformer", str(tmp_path / "no-such-folder"),
            "--out", str(tmp_path / "out"), "--work", str(tmp_path / "work")]  # fmt: skip
    assert main(argv) == 2
    line = _one_line(capsys.readouterr().err, "stack")
    assert "--transformer" in line and "no-such-folder" in line and "manifest.json" in line
    assert not (tmp_path / "work").exists() and not (tmp_path / "out").exists()


# 9 and 10. Help texts, and no torch for --help or the data builders.
def test_help_names_the_commands_and_loads_no_torch(tmp_path: Path) -> None:
    script = f"""
import contextlib, io, json, sys
from codeorigin_train.cli import main
seen = {{}}
for argv in (["--help"], ["coderep-loso", "--help"], ["agentic-fragments", "--help"],
             ["--data-root", {str(tmp_path / "none")!r}, "--work", {str(tmp_path)!r}, "dataset"]):
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        try:
            main(argv)
        except SystemExit:
            pass
    seen[argv[0]] = out.getvalue()
seen["torch"] = "torch" in sys.modules
print(json.dumps(seen))
"""
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         cwd=ROOT, timeout=120)  # fmt: skip
    assert run.returncode == 0, run.stderr
    seen = json.loads(run.stdout)
    assert seen["torch"] is False
    assert "Build the dataset, train, calibrate" in seen["--help"]
    assert "The argument parser" not in seen["--help"] and "agentic*" in seen["--help"]
    assert seen["coderep-loso"].startswith("usage: codeorigin-train coderep-loso")
    run = subprocess.run([sys.executable, "-m", "codeorigin_train.data.build", "--help"],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)  # fmt: skip
    assert run.stdout.startswith("usage: python -m codeorigin_train.data.build")
    assert "codealpaca" in run.stdout  # the shipped transformer's sources
