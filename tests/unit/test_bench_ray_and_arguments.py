"""`codeorigin bench --ray-actors`'s report and `bench`'s arguments.

The Ray bench is run with Ray, the model and the scan replaced by stand-ins: what is checked is what
it prints, not what it measures.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from codeorigin.bench import ray_actors
from codeorigin.cli import main
from codeorigin.distributed import cluster, scheduler
from codeorigin.engine import scoring
from codeorigin.model import scorer
from codeorigin.scan import local

REPORT = SimpleNamespace(files=[SimpleNamespace(spans=[1, 2, 3])])


class _FakeRayScan:
    """A Ray scan whose report is REPORT, or another one for `differ` actors."""

    differ: int | None = None

    def __init__(self, folder: Path, options: Any, *, actors: int, **_: Any) -> None:
        self.actors = actors
        self.stats = scheduler.RayStats(actors=actors, files=1, spans=3, seconds=0.1)

    def run(self, paths: list[Path]) -> tuple[Any, None]:
        other = SimpleNamespace(files=[])
        return (other if self.actors == self.differ else REPORT), None


def _ray_bench(
    monkeypatch: pytest.MonkeyPatch, load: float, differ: int | None = None, quick: bool = False
) -> Any:
    monkeypatch.setattr(os, "getloadavg", lambda: (load, load, load))
    monkeypatch.setattr(scorer.Model, "load", lambda *args, **kwargs: None)
    monkeypatch.setattr(scoring, "Engine", lambda model: None)
    monkeypatch.setattr(local, "run", lambda *args, **kwargs: (REPORT, None))
    monkeypatch.setattr(cluster, "connect", lambda *args, **kwargs: False)
    monkeypatch.setattr(_FakeRayScan, "differ", differ)
    monkeypatch.setattr(scheduler, "RayScan", _FakeRayScan)
    return ray_actors.run(Path("model"), [1, 2], quick=quick, functions=8)


def test_the_ray_bench_warns_of_a_loaded_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    text = ray_actors.render(_ray_bench(monkeypatch, load=500.0))
    assert "note: WARNING: the machine was loaded (load average 500.0" in text
    text = ray_actors.render(_ray_bench(monkeypatch, load=0.0))
    assert "WARNING" not in text


def test_the_ray_bench_says_its_reports_equal_the_local_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = ray_actors.render(_ray_bench(monkeypatch, load=0.0))
    assert "check: each Ray scan's report equals the local one (1, 2 actors)" in text
    text = ray_actors.render(_ray_bench(monkeypatch, load=0.0, differ=2))
    assert "note: 2 actors: report differs from local" in text
    assert "equals the local one" not in text


def test_a_quick_ray_bench_is_marked(monkeypatch: pytest.MonkeyPatch) -> None:
    result = _ray_bench(monkeypatch, load=0.0)
    assert result["machine"]["quick"] is False
    assert "quick run" not in ray_actors.render(result).splitlines()[0]
    result = _ray_bench(monkeypatch, load=0.0, quick=True)
    assert result["machine"]["quick"] is True and result["machine"]["timestamp"]
    assert "quick run" in ray_actors.render(result).splitlines()[0]


def test_an_unknown_bench_argument_gets_the_benchs_usage(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["bench", "--quick", "--bogus"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: codeorigin bench ")
    assert "codeorigin bench: error: unrecognized arguments: --bogus" in err
    for command in ("scan", "explain", "serve"):  # every command says it with its own usage
        with pytest.raises(SystemExit) as exit_:
            main([command, "x.py", "--bogus"] if command != "serve" else [command, "--bogus"])
        err = capsys.readouterr().err
        assert exit_.value.code == 2 and err.startswith(f"usage: codeorigin {command} "), err
        assert f"codeorigin {command}: error: unrecognized arguments: --bogus" in err
