"""`codeorigin-train module-floor`: module code's own threshold, bounded on the module spans of
people's dated snapshots of train and validation repositories (a test repository's are left
for the evaluation), written where it is above the language's, and used by `codeorigin scan`."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pandas as pd
import pytest

from codeorigin_train.export.module_floor import main
from helpers.cli import scan
from helpers.samples import JAVA_STACK
from helpers.thresholds import with_thresholds

SCRIPT = """import sys

LIMIT = int(sys.argv[1]) if len(sys.argv) > 1 else 10
values = [int(line) for line in sys.stdin if line.strip()]
print(sum(values[:LIMIT]) / max(1, len(values[:LIMIT])))
"""
OTHER = """import os

ROOT = os.environ.get("ROOT", "/srv/data")
names = sorted(name for name in os.listdir(ROOT) if name.endswith(".csv"))
print("\\n".join(os.path.join(ROOT, name) for name in names[:20]))
"""


def snapshot_of(folder: Path, repo: str, files: dict[str, str]) -> None:
    records = [
        {"kind": "repo", "repo": repo, "language": "Python", "human_cutoff": "2022-06-21"},
        {"kind": "snapshot", "origin": "human", "commit": "e" * 40,
         "date": "2022-06-20T10:00:00+00:00",
         "files": [{"path": p, "is_test": False, "text": t} for p, t in files.items()]},
    ]  # fmt: skip
    with gzip.open(folder / f"{repo.replace('/', '+')}.jsonl.gz", "wt", encoding="utf-8") as f:
        f.write("".join(json.dumps(r) + "\n" for r in records))


@pytest.fixture
def inputs(tmp_path: Path, tiny_model_dir: Path) -> tuple[Path, Path, Path]:
    """A data root with a train and a test repository's snapshots, their splits, and a base
    folder whose Python threshold (0) every module span is above."""
    folder = tmp_path / "data" / "agent-changes"
    folder.mkdir(parents=True)
    snapshot_of(folder, "octo/shop", {"tools/total.py": SCRIPT, "src/Stack.java": JAVA_STACK})
    snapshot_of(folder, "octo/held", {"tools/list.py": OTHER})
    splits = tmp_path / "splits.parquet"
    splits_of = {"repo": ["octo/shop", "octo/held"], "split": ["train", "test"]}
    pd.DataFrame(splits_of).to_parquet(splits)
    base = with_thresholds(tiny_model_dir, tmp_path / "base", {
        "llm": 0.0, "uncertain": 0.0,
        "languages": {"python": {"llm": 0.0, "uncertain": 0.0}}})  # fmt: skip
    return tmp_path / "data", splits, base


def test_module_code_gets_its_own_threshold_from_people_of_train_repositories(
    inputs: tuple[Path, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data, splits, base = inputs
    out = tmp_path / "out"
    assert main(["--base", str(base), "--out", str(out), "--data-root", str(data), "--sources",
                 "agent-changes", "--splits", str(splits)]) == 0  # fmt: skip
    raw = json.loads((out / "manifest.json").read_text())
    record = raw["module_floor"]["python"]
    assert (record["spans"], record["repositories"], record["raised"]) == (1, 1, True)
    assert "java" not in raw["module_floor"]  # the base has no threshold of Java's own
    module = raw["thresholds"]["modules"]["python"]["llm"]
    assert module == record["bound"] > 0.0
    assert "python: module threshold" in capsys.readouterr().out
    # The model files are the base's; the runtime judges module code at its own threshold.
    for name in raw["files"]:
        assert (out / name).read_bytes() == (base / name).read_bytes()
    code = tmp_path / "code"
    code.mkdir()
    (code / "total.py").write_text(SCRIPT)
    res = scan(str(code), "--model", str(out), "--format", "json", "--exit-zero")
    data_out = json.loads(res.stdout)
    assert data_out["model"]["module_thresholds_by_language"] == {"python": round(module, 4)}
    assert [s["verdict"] for f in data_out["files"] for s in f["spans"]] == ["human"]


def test_an_existing_out_folder_is_refused(inputs: tuple[Path, Path, Path]) -> None:
    data, splits, base = inputs
    with pytest.raises(SystemExit, match="exists: give a new folder"):
        main(["--base", str(base), "--out", str(base), "--data-root", str(data),
              "--splits", str(splits)])  # fmt: skip


def test_splits_come_from_the_agentic_rows_of_any_file_that_names_them(tmp_path: Path) -> None:
    """`--splits` reads agentic-context's rows (source `aidev-context`) and the pool's, whose other
    sources may name a repository too: only the agentic rows say its split."""
    from codeorigin_train.export.module_floor import repository_splits

    pool = tmp_path / "pool.parquet"
    pd.DataFrame({"repo": ["octo/a", "octo/b", "octo/a"], "split": ["train", "test", "val"],
                  "source": ["aidev", "aidev-context", "realcode"],
                  "code": ["x", "y", "z"]}).to_parquet(pool)  # fmt: skip
    assert repository_splits(pool, "") == {"octo/a": "train", "octo/b": "test"}
    bare = tmp_path / "bare.parquet"
    pd.DataFrame({"repo": ["octo/c"], "split": ["val"]}).to_parquet(bare)
    assert repository_splits(bare, "") == {"octo/c": "val"}
