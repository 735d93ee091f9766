"""The variant interface: every registered variant builds, the runner trains any of them, and the
command line reaches every command and forwards the others' modules."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from codeorigin_train.variants import registry
from codeorigin_train.variants.base import Variant


def _frame(n: int = 64) -> pd.DataFrame:
    rng = random.Random(3)
    rows = []
    for i in range(n):
        split = "train" if i < n - 16 else ("val" if i < n - 8 else "test")
        for label in (0, 1):
            body = (
                f"    # step {i}\n    return x + {rng.randint(1, 9)}\n"
                if label
                else f"\treturn x*{i}\n"
            )
            rows.append(
                {
                    "code": f"def f{i}(x):\n{body}",
                    "label": label,
                    "language": "python",
                    "source": "semeval" if i % 2 else "codenet",
                    "generator": "g" if label else "Human",
                    "group": f"g{i}",
                    "split": split,
                }
            )
    return pd.DataFrame(rows)


@pytest.mark.parametrize("name", registry.names())
def test_every_registered_variant_builds(name: str) -> None:
    v = registry.get(name)
    assert isinstance(v, Variant) and v.name == name and v.description


def test_run_names_resolve_to_their_variant_and_unknown_names_fail() -> None:
    assert registry.module_of("scratch-bpe-full-real") == "scratch_bpe"
    with pytest.raises(KeyError):
        registry.get("no-such-variant")


def _readme_variant() -> str:
    """The example variant of training/codeorigin_train/variants/README.md ("Adding a variant"),
    as written there."""
    variants = Path(__file__).parents[2] / "training" / "codeorigin_train" / "variants"
    readme = (variants / "README.md").read_text(encoding="utf-8")
    section = readme.split("# Adding a variant", 1)[1]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


def test_a_variant_is_one_file_and_one_registry_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The README's example, one module beside the package's variants and its line in
    `registry.FAMILIES`, is built by the registry (recipes of it too) and trains through the same
    runner."""
    import importlib.util

    from codeorigin_train.evaluation import runs

    (tmp_path / "lines.py").write_text(_readme_variant(), encoding="utf-8")
    spec = importlib.util.spec_from_file_location("codeorigin_train.variants.lines",
                                                  tmp_path / "lines.py")  # fmt: skip
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # its model pickles its functions by name
    spec.loader.exec_module(module)
    monkeypatch.setitem(registry.FAMILIES, "lines", "lines")
    assert registry.module_of("lines-long") == "lines" and "lines" in registry.names()
    variant = registry.get("lines")
    assert isinstance(variant, module.Lines)
    report = runs.run(variant, _frame(), tmp_path / "work")
    assert report["variant"]["name"] == "lines"
    assert 0.0 <= report["heldout"]["overall"]["auroc"] <= 1.0


def test_the_runner_trains_any_variant(tmp_path: Path) -> None:
    """The char n-gram baseline goes through the same runner as the shipped recipe."""
    from codeorigin_train.evaluation import runs

    v = registry.get("char-ngram")
    report = runs.run(v, _frame(), tmp_path)
    d = tmp_path / "runs" / "char-ngram"
    for f in ("logits.npz", "train.json", "calibration.json", "metrics.json"):
        assert (d / f).exists()
    assert report["heldout"]["overall"]["n"] == 16
    assert set(runs.loso_folds(v, _frame(), ["semeval", "codenet"])) == {"semeval", "codenet"}
    assert report["variant"]["name"] == "char-ngram"
    loaded = registry.get("char-ngram")
    loaded.load(d)
    texts = ["def g(x):\n    return x\n"]
    assert np.allclose(loaded.predict_logits(texts), v.predict_logits(texts))
    with pytest.raises(NotImplementedError):
        v.export_spec()


def test_cli_has_every_command_and_forwards_modules(capsys: pytest.CaptureFixture[str]) -> None:
    from codeorigin_train import cli

    parser = cli.build_parser(cli.COMMANDS, list(cli.FORWARDED))
    args = parser.parse_args(
        ["scratch", "--work", "w", "--full-train", "--threshold-confidence", "none"]
    )
    assert args.work == Path("w") and args.full_train and args.threshold_confidence is None
    assert parser.parse_args(["--work", "v", "card"]).work == Path("v")
    # Every forwarded command reaches a module that answers --help with a usage line.
    for command, module in cli.FORWARDED.items():
        assert module.startswith("codeorigin_train."), command
        assert cli.forward(module, ["--help"]) == 0, command
        assert "usage:" in capsys.readouterr().out, command
    for command in ("agentic", "agentic-merge", "protocol", "stack"):
        assert cli.forward(cli.FORWARDED[command], ["--help"]) == 0
        assert f"codeorigin-train {command}" in capsys.readouterr().out
    # A command that stops on bad input says why in one line, with status 2.
    for command in ("agentic-context", "agentic-fragments"):
        assert cli.main([command, "--data-root", "/nonexistent"]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"codeorigin-train {command}: data root /nonexistent not found")
        assert "give --data-root" in err, command


def test_an_unknown_variant_is_refused_by_the_cli() -> None:
    from codeorigin_train.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["export", "--variant", "no-such-variant"])
    assert exc.value.code == 2
