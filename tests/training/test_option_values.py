"""An option value out of range (a negative cap or count, a rate or confidence outside 0 to 1)
is argparse's usage error, status 2, before any work: not a traceback after minutes of scoring,
nor a run that quietly writes an empty dataset or ignores the value. Every test runs the real
command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from codeorigin_train.cli import main

#: (argv with {tmp}, the option argparse names); the dataset need not exist: the value is
#: refused before anything is read.
BAD_VALUES = [
    (["--work", "{tmp}/w", "--train-cap", "-1", "scratch"], "--train-cap"),
    (["--eval-cap", "0", "all", "--out", "{tmp}/c"], "--eval-cap"),
    (["stack", "--dataset", "{tmp}/d.parquet", "--out", "{tmp}/c", "--max-fpr", "2"], "--max-fpr"),
    (["stack", "--dataset", "{tmp}/d.parquet", "--out", "{tmp}/c", "--confidence", "1"],
     "--confidence"),
    (["stack", "--dataset", "{tmp}/d.parquet", "--out", "{tmp}/c", "--train-cap", "-5"],
     "--train-cap"),
    (["robustness", "--work", "{tmp}/w", "--n", "-4", "--no-mlflow"], "--n"),
    (["heads", "--work", "{tmp}/w", "--n", "-1", "--no-mlflow"], "--n"),
    (["protocol", "--pool", "{tmp}/pool.parquet", "--out", "{tmp}/c", "--train-cap", "-3"],
     "--train-cap"),
    (["protocol", "--pool", "{tmp}/pool.parquet", "--out", "{tmp}/c", "--lro-folds", "1"],
     "--lro-folds"),
    (["stack", "--dataset", "{tmp}/d.parquet", "--out", "{tmp}/c", "--folds", "1"], "--folds"),
    (["stack", "--dataset", "{tmp}/d.parquet", "--out", "{tmp}/c", "--crossfit-folds", "-1"],
     "--crossfit-folds"),
]  # fmt: skip


def _status(argv: list[str]) -> int | str | None:
    """The exit status of `codeorigin-train ARGV` (argparse exits; a forwarded command returns)."""
    try:
        return main(argv)
    except SystemExit as exc:
        return exc.code


@pytest.mark.parametrize(("argv", "option"), BAD_VALUES, ids=[" ".join(a) for a, _ in BAD_VALUES])
def test_a_value_out_of_range_is_a_usage_error(
    argv: list[str], option: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _status([a.replace("{tmp}", str(tmp_path)) for a in argv]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert f"argument {option}: " in err and "give a" in err, err
    assert not (tmp_path / "w").exists() and not (tmp_path / "c").exists()


def test_the_values_in_range_still_parse() -> None:
    from codeorigin_train.data.argtypes import fraction, whole_number

    assert whole_number()("700") == 700 and whole_number(0)("0") == 0
    assert fraction("0.0025") == 0.0025 and fraction("0.95") == 0.95
