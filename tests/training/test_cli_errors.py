"""What a user of `codeorigin-train` sees when a command's arguments are wrong: a missing data
root, a folder or model that is not there, an output path that cannot be written, a name no
learner, variant or part has. One line `codeorigin-train <command>: ...` and status 2 (or
argparse's usage error), found before any work and nothing written; the help says what each
option takes. Every test runs the real command line (`cli.main` with an argv, or a subprocess)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from codeorigin_train.cli import main

ROOT = Path(__file__).resolve().parents[2]
FUNCTION = "def f{i}(items, limit):\n    total = 0\n    for item in items:\n        total += item\n    return total\n"
COLUMNS = ["code", "label", "language", "source", "generator", "group", "split"]


def _dataset(path: Path, n: int = 24, offset: int = 0) -> Path:
    rows = [(FUNCTION.format(i=i + offset), i % 2, "python", "s", "human" if i % 2 == 0 else "g",
             f"g{i // 2}", ["train", "val", "test"][i % 3]) for i in range(n)]  # fmt: skip
    pd.DataFrame(rows, columns=COLUMNS).to_parquet(path)
    return path


def _status(argv: list[str]) -> int | str | None:
    """The exit status of `codeorigin-train ARGV` (argparse exits; a forwarded command returns)."""
    try:
        return main(argv)
    except SystemExit as exc:
        return exc.code


def _one_line(err: str, command: str) -> str:
    lines = [line for line in err.strip().splitlines() if line.startswith("codeorigin-train")]
    assert "Traceback" not in err and len(lines) == 1, err
    assert lines[0].startswith(f"codeorigin-train {command}: "), err
    return lines[0]


@pytest.fixture
def tmp(tmp_path: Path) -> Path:
    """A folder with an empty folder (`empty`), a file (`file.parquet`) and a folder that holds
    what a model folder is recognised by (`model/manifest.json`)."""
    (tmp_path / "empty").mkdir()
    (tmp_path / "file.parquet").write_text("not a folder\n")
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "manifest.json").write_text("{}\n")
    return tmp_path


#: (argv with {tmp}, what the one line says); the first word is the command.
BAD_INPUTS = [
    # 1. a data root that is missing or holds no source of the command
    ("agentic --data-root {tmp}/none --out {tmp}/a.parquet", "data root {tmp}/none not found"),
    ("agentic --data-root {tmp}/empty --out {tmp}/a.parquet",
     "holds no SAILResearch+AI_Teammates_in_SE3/"),
    ("agentic-fragments --data-root {tmp}/empty --out {tmp}/a.parquet", "give --data-root"),
    ("agentic-context --data-root {tmp}/none --out {tmp}/a.parquet", "not found: give --data-root"),
    ("heads --model {tmp}/none --work {tmp}/w --out {tmp}/a", "--model {tmp}/none not found"),
    ("protocol --learners nosuch --dataset {tmp}/none.parquet --out {tmp}/a",
     "neither char-ngram, a stacked recipe"),
    ("protocol --learners stacked-zz:{tmp}/model --out {tmp}/a", "stacked-zz is no stacked recipe"),
    ("protocol --learners stacked-dr:{tmp}/none --out {tmp}/a", "no model folder there"),
    ("protocol --learners stacked-dr:{tmp}/model --work {tmp}/w --out {tmp}/a",
     "agentic-fragments.parquet, not found: run `codeorigin-train agentic-fragments`"),
    # 2. archives that were never fetched
    ("realcode build --archives {tmp}/none --out {tmp}/a.parquet",
     "run `codeorigin-train realcode fetch"),
    ("realcode build --archives {tmp}/empty --out {tmp}/a.parquet", "holds none of the"),
    # 3 and 12. an output path under a file or on a folder, found before the inputs are read
    ("agentic-fragments --data-root {tmp}/none --out {tmp}/file.parquet/f.parquet",
     "is a file, not a folder"),
    ("agentic --data-root {tmp}/none --out {tmp}/file.parquet/f.parquet", "is a file, not a folder"),
    ("realcode build --archives {tmp}/none --out {tmp}/empty", "--out {tmp}/empty is a folder"),
    ("agentic-merge --dataset {tmp}/none.parquet --out {tmp}/empty", "--out {tmp}/empty is a folder"),
    ("protocol --dataset {tmp}/none.parquet --pool {tmp}/file.parquet/p.parquet --pool-only",
     "is a file, not a folder"),
    # 13. a missing input file says it is not found, and what writes it
    ("heads --model {tmp}/model --dataset {tmp}/none.parquet --work {tmp}/w --out {tmp}/a",
     "--dataset {tmp}/none.parquet not found (dataset-v4: `codeorigin-train agentic-merge`"),
]  # fmt: skip


@pytest.mark.parametrize(("argv", "says"), BAD_INPUTS, ids=[a for a, _ in BAD_INPUTS])
def test_a_bad_argument_is_one_line_before_any_work(
    argv: str, says: str, tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = sorted(p.relative_to(tmp) for p in tmp.rglob("*"))
    args = argv.format(tmp=tmp).split()
    assert main(args) == 2
    assert says.format(tmp=tmp) in _one_line(capsys.readouterr().err, args[0])
    assert sorted(p.relative_to(tmp) for p in tmp.rglob("*")) == before  # nothing written


def test_a_module_run_directly_checks_its_output_path_before_the_build(tmp: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "codeorigin_train.data.build", "--data-root", str(tmp / "empty"),
         "--out", str(tmp / "file.parquet" / "d.parquet")],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert run.returncode == 2 and "Traceback" not in run.stderr, run.stderr
    last = run.stderr.strip().splitlines()[-1]
    assert last.startswith("python -m codeorigin_train.data.build: --out ")
    assert f"{tmp / 'file.parquet'} is a file, not a folder" in last


@pytest.mark.parametrize(
    ("argv", "says"),
    [("ship --variant nosuch --out {tmp}/x", "argument --variant: unknown variant 'nosuch'; known:"),
     ("export --variant nosuch --out {tmp}/x", "unknown variant 'nosuch'"),
     ("protocol --parts nosuch", "argument --parts: invalid choice: 'nosuch'"),
     ("card --ig-texts 3 --out {tmp}/x", "unrecognized arguments: --ig-texts"),
     ("scratch --extra-file x.txt", "unrecognized arguments: --extra-file"),
     ("evaluate-samples --out {tmp}/x --no-mlflow", "--problems and --samples are required"),
     ("export --ig-texts 0 --out {tmp}/x", "argument --ig-texts: 0: give a whole number of at least 1")]
)  # fmt: skip
def test_a_name_no_command_knows_is_a_usage_error(
    argv: str, says: str, tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _status(argv.format(tmp=tmp).split()) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and says in err and "usage: codeorigin-train" in err, err
    assert not (tmp / "x").exists()


@pytest.mark.parametrize("command", ["evaluate-samples", "robustness", "heads"])
def test_a_model_folder_the_runtime_cannot_use_is_one_line_and_leaves_no_output_folder(
    command: str, tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Readable inputs and a `--model` whose manifest is no model's: the runtime's own message in
    one line, before the output folder is made (it was left behind, empty, with a traceback)."""
    from test_analysis_samples import write_files

    problems, samples = write_files(tmp)
    data = _dataset(tmp / "d.parquet")
    inputs = {"evaluate-samples": ["--problems", str(problems), "--samples", str(samples)]}
    argv = [command, "--model", str(tmp / "model"), "--out", str(tmp / "a"), "--no-mlflow",
            *inputs.get(command, ["--dataset", str(data), "--n", "8"])]  # fmt: skip
    before = sorted(tmp.rglob("*"))
    assert main(argv) == 2
    line = _one_line(capsys.readouterr().err, command)
    assert f"{tmp / 'model' / 'manifest.json'} is not a codeorigin model manifest" in line, line
    assert sorted(tmp.rglob("*")) == before  # no output folder


def test_a_command_that_stops_with_a_message_says_it_in_one_line(
    tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A refusal raised as `SystemExit("...")` gets the command's prefix and status 2 too."""
    (tmp / "stacked").mkdir()
    (tmp / "stacked" / "manifest.json").write_text(json.dumps({"members": {"linear": {}}}))
    assert main(["--work", str(tmp / "w"), "card", "--out", str(tmp / "stacked")]) == 2
    assert "holds a stacked model" in _one_line(capsys.readouterr().err, "card")


def _help(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """What `codeorigin-train ARGV --help` prints, its lines joined (argparse wraps them)."""
    assert _status([*argv, "--help"]) == 0
    return " ".join(capsys.readouterr().out.split())


@pytest.mark.parametrize(
    ("command", "ends"),
    [("protocol", "with `--card`, as the model card's protocol section."),
     ("agentic", "the agentic corpus as rows.")],
)  # fmt: skip
def test_help_shows_the_whole_first_sentence(
    command: str, ends: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _help([command], capsys)
    assert re.search(re.escape(ends) + r" (options|--|positional)", out), out[:600]


def test_help_names_what_the_commands_take(capsys: pytest.CaptureFixture[str]) -> None:
    out = _help(["protocol"], capsys)  # the shipped learner's recipe among the learners
    assert "dr[:TRANSFORMER_FOLDER]" in out and "0.25%: the shipped recipe" in out
    out = _help(["card"], capsys)
    assert "--variant" in out and "--out" in out and "--ig-texts" not in out
    out = _help([], capsys)  # defaults from the checkout's root, not one machine's folders
    assert "default: ../shared/data, from the current folder" in out and "/work/" not in out
    run = subprocess.run([sys.executable, "-m", "codeorigin_train.data.build", "--help"],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)  # fmt: skip
    out = " ".join(run.stdout.split())
    assert "default: training/work/dataset.parquet, from the current folder" in out, out


def _pool_only(dataset: Path, pool: Path, tmp: Path, *extra: str) -> list[str]:
    return ["protocol", "--dataset", str(dataset), "--work", str(tmp / "w"), "--pool", str(pool),
            "--pool-only", *extra]  # fmt: skip


def test_an_existing_pool_built_from_another_dataset_is_refused(
    tmp: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    """7. `--pool P` is read as it is when it exists; it records the dataset it was built from,
    so naming another `--dataset` stops with what to do instead of reusing it silently."""
    first, other = _dataset(tmp / "first.parquet"), _dataset(tmp / "other.parquet", offset=100)
    pool = tmp / "pool.parquet"
    assert main(_pool_only(first, pool, tmp)) == 0
    capsys.readouterr()
    written = pool.read_bytes()
    assert main(_pool_only(other, pool, tmp)) == 2
    line = _one_line(capsys.readouterr().err, "protocol")
    assert f"--pool {pool} was built from another dataset ({first}" in line
    assert f"not from --dataset {other}: remove {pool}" in line and pool.read_bytes() == written
    with caplog.at_level("INFO"):  # the same dataset: read as it is, and the log says so
        assert main(_pool_only(first, pool, tmp)) == 0
    said = " ".join(r.getMessage() for r in caplog.records)
    assert f"--pool {pool} exists and is read as it is (built from {first})" in said
    assert "--dataset is not read" in said
    # A pool written before pools recorded their dataset: read, with a warning saying so.
    pd.DataFrame(pd.read_parquet(pool).to_dict("list")).to_parquet(pool.with_name("old.parquet"))
    caplog.clear()
    with caplog.at_level("WARNING"):
        assert main(_pool_only(other, pool.with_name("old.parquet"), tmp)) == 0
    warned = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any("--dataset is not read" in w and "does not record" in w for w in warned), warned
