"""The paired real-project builder on files the test writes in the benchmarks' native formats:
DevEval's data.tar.gz, prompts and completion files, EvoCodeBench's completion files, and an sdist
of the project as PyPI would serve it."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pandas as pd
import pytest

from codeorigin_train.data.realcode import paired, paired_releases, paired_tasks
from codeorigin_train.data.realcode.fetch import sha256_of

MODULE = '''"""Helpers."""

import os


def plain(path, mode="r"):
    """Open a file.

    Returns its text.
    """
    # the human way
    with open(path, mode) as fh:
        data = fh.read()
    return data.strip()


class Store:
    def get(self, key, default=None):
        value = self._data.get(key)
        if value is None:
            return default
        return value

    if os.name == "nt":
        def path(self):
            return "C:"
    else:
        def path(self):
            """Where it lives."""
            base = os.getcwd()
            full = os.path.join(base, "store")
            return full
'''

GOOD = '''    """A docstring the model wrote."""
    result = None
    for attempt in range(3):
        try:
            result = open(path, mode).read()
            break
        except OSError:
            continue
    return result

def unrelated():
    return 1
'''


def _write_sdist(path: Path) -> None:
    with tarfile.open(path, "w:gz") as tf:
        for name, text in {
            "toolbox-1.0/PKG-INFO": "Name: toolbox\nVersion: 1.0\n",
            "toolbox-1.0/src/toolbox/util.py": MODULE,
            "toolbox-1.0/src/toolbox/__init__.py": "",
        }.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))


def _jsonl(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def _data_root(root: Path) -> None:
    dev = root / paired_tasks.FOLDERS[paired_tasks.DEVEVAL]
    meta = [
        {
            "namespace": ns,
            "type": "function",
            "project_path": "Utilities/toolbox",
            "completion_path": "Utilities/toolbox/toolbox/util.py",
            "signature_position": "[1, 1]",
            "body_position": "[2, 3]",
            "indent": "4",
        }
        for ns in ("toolbox.util.plain", "toolbox.util.Store.get", "toolbox.util.missing")
    ]
    dev.mkdir(parents=True)
    buf = "".join(json.dumps(r) + "\n" for r in meta).encode()
    with tarfile.open(dev / "data.tar.gz", "w:gz") as tf:
        info = tarfile.TarInfo("data.jsonl")
        info.size = len(buf)
        tf.addfile(info, io.BytesIO(buf))
    prompt = (
        "Please complete the {f} function.\n\nInput Code:\n```Python\n{sig}\n\n"
        '    """\n    Requirement.\n    """\n```\n\nCompleted Code:'
    )
    _jsonl(
        dev / "Experiments/prompt/without_context/gpt-4-1106_prompt.jsonl",
        [
            {
                "namespace": "toolbox.util.plain",
                "prompt": prompt.format(f="plain", sig='def plain(path, mode="r"):'),
            },
            {
                "namespace": "toolbox.util.Store.get",
                "prompt": prompt.format(f="get", sig="def get(self, key):"),
            },
        ],
    )
    preds = dev / "Experiments/model_prediction"
    _jsonl(
        preds / "without_context/gpt-4-1106-preview_greedy/completion.jsonl",
        [
            {"namespace": "toolbox.util.plain", "completion": GOOD},
            {"namespace": "toolbox.util.plain", "completion": "    return 2\n"},  # listed twice
            {"namespace": "toolbox.util.missing", "completion": "    return 1\n"},
        ],
    )
    _jsonl(
        preds / "local_completion/codellama-7b_greedy/completion.jsonl",
        [
            # the human body again, re-indented: dropped as identical
            {
                "namespace": "toolbox.util.plain",
                "completion": "  # the human way\n  with open(path, mode) as fh:\n      data = fh.read()\n  return data.strip()\n",
            },
        ],
    )
    _jsonl(
        preds / "local_infilling/starcoder2-7b_greedy/completion.jsonl",
        [{"namespace": "toolbox.util.plain", "completion": "    pass\n"}],  # empty
    )
    # Not greedy: ignored.
    _jsonl(preds / "without_context/gpt-4-1106-preview/completion.jsonl", [])
    evo = root / paired_tasks.FOLDERS[paired_tasks.EVOCODEBENCH] / "model_completion"
    _jsonl(
        evo / "baseline/gpt-4-1106_greedy/completion.jsonl",
        [
            {
                "namespace": "toolbox.util.Store.path",
                "completion": "        return os.path.join(os.getcwd(),\n            'store')\n",
            },
            {"namespace": "toolbox.util.plain", "completion": "    if True:\n  return x\n"},
        ],
    )


@pytest.fixture()
def built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    root = tmp_path / "data"
    _data_root(root)
    archives = tmp_path / "archives"
    archives.mkdir()
    sdist = archives / "toolbox-1.0.tar.gz"
    _write_sdist(sdist)
    monkeypatch.setitem(paired_tasks.PYPI_NAMES, "toolbox", "toolbox")
    monkeypatch.setattr(paired_tasks, "EVO_RELEASED", {"toolbox"})
    pin = paired_releases.Pin(
        "toolbox",
        "toolbox",
        "1.0",
        sdist.name,
        "https://example.invalid/t.tar.gz",
        sha256_of(sdist),
        "2023-05-01T00:00:00Z",
        2,
        3,
        "newest release before 2024-01-01",
    )
    pins_file = tmp_path / "paired.toml"
    paired_releases.write_pins([pin], {"other": "not released on PyPI"}, pins_file)
    pins = paired_releases.load_pins(pins_file)
    return paired.build_pairs(root, pins, archives)


def test_tasks_read_from_native_formats(tmp_path: Path) -> None:
    _data_root(tmp_path)
    dev = paired_tasks.deveval_tasks(tmp_path)
    assert [t.namespace for t in dev] == [
        "toolbox.util.plain",
        "toolbox.util.Store.get",
        "toolbox.util.missing",
    ]
    assert dev[0].rel_path == "toolbox/util.py"
    assert dev[0].signature == 'def plain(path, mode="r"):'
    gens = {
        (c.setting, c.generator) for c in paired_tasks.completions(tmp_path, paired_tasks.DEVEVAL)
    }
    assert gens == {
        ("without_context", "gpt-4-1106-preview"),
        ("local_completion", "codellama-7b"),
        ("local_infilling", "starcoder2-7b"),
    }


def test_pairs_share_signature_and_docstring(built) -> None:
    frame, _ = built
    human = frame[(frame.label == 0) & (frame.namespace == "toolbox.util.plain")]
    llm = frame[(frame.label == 1) & (frame.namespace == "toolbox.util.plain")]
    assert len(human) == 1 and len(llm) == 1
    h, m = human.code.iloc[0], llm.code.iloc[0]
    head = 'def plain(path, mode="r"):\n    """Open a file.\n\n    Returns its text.\n    """\n'
    assert h.startswith(head) and m.startswith(head)
    assert "A docstring the model wrote" not in m  # only the real docstring, on both sides
    assert "unrelated" not in m  # cut where the model left the function
    assert "for attempt in range(3)" in m
    assert llm.generator.iloc[0] == "gpt-4-1106-preview"
    assert llm.setting.iloc[0] == "without_context"
    assert set(frame.group) == {"real:toolbox"}
    assert set(frame.source) == {"paired-deveval", "paired-evocodebench"}


def test_conditional_method_and_reindented_body(built) -> None:
    frame, _ = built
    rows = frame[frame.namespace == "toolbox.util.Store.path"]
    human = rows[rows.label == 0].code.iloc[0]
    llm = rows[rows.label == 1].code.iloc[0]
    # The last definition (the else branch) is the one Python keeps; methods are dedented.
    assert human.startswith('def path(self):\n    """Where it lives."""')
    assert (
        llm
        == 'def path(self):\n    """Where it lives."""\n    return os.path.join(os.getcwd(),\n        \'store\')'
    )


def test_drops_and_misses_are_counted_not_guessed(built) -> None:
    frame, report = built
    info = report.to_dict()
    assert info["dropped_bodies"] == {"identical": 1, "empty": 1, "unparsable": 1}
    # Store.get's real signature has `default`, the benchmark's does not: not paired.
    assert info["missing"] == {"function-not-found": 1, "signature-differs": 1}
    assert "toolbox.util.missing" not in set(frame.namespace)
    assert "toolbox.util.Store.get" not in set(frame.namespace)
    assert info["kept_bodies_per_generator"] == {"gpt-4-1106-preview": 2}


def test_split_keeps_each_project_on_one_side() -> None:
    from codeorigin_train.data.splits import split_of

    frame = pd.DataFrame({"group": [f"real:p{i}" for i in range(200) for _ in range(3)]})
    split = paired.split_projects(frame)
    assert (frame.assign(split=split).groupby("group")["split"].nunique() == 1).all()
    # The same side as the project's dated real-code functions.
    assert split.iloc[0] == split_of("real:p0", 0, paired.SPLIT_FRACTIONS)
    shares = split.value_counts(normalize=True)
    assert 0.1 < shares["test"] < 0.3 and 0.1 < shares["val"] < 0.3


def test_training_rows_balance_each_function() -> None:
    rows = []
    for f in range(10):
        rows.append(
            {
                "namespace": f"m.f{f}",
                "label": 0,
                "generator": "human",
                "setting": "",
                "split": "train",
            }
        )
        for g in ("a", "b", "c"):
            for s in ("x", "y"):
                rows.append(
                    {
                        "namespace": f"m.f{f}",
                        "label": 1,
                        "generator": g,
                        "setting": s,
                        "split": "train",
                    }
                )
    rows.append({"namespace": "m.t", "label": 1, "generator": "a", "setting": "x", "split": "test"})
    frame = pd.DataFrame(rows)
    got = paired.training_rows(frame, "train", 2)
    assert (got.label == 0).sum() == 10
    assert got[got.label == 1].groupby("namespace").size().eq(2).all()
    assert got[got.label == 1]["generator"].nunique() > 1  # spread, not always the first
    assert "m.t" not in set(got.namespace)


def test_release_candidates_pick_files_before_the_cutoff() -> None:
    def f(name: str, sha: str, when: str) -> dict:
        return {"filename": name, "url": "u-" + sha, "hashes": {"sha256": sha}, "upload-time": when}

    page = {
        "files": [
            f("toolbox-0.9.tar.gz", "a", "2022-01-01T00:00:00Z"),
            f("toolbox-1.0-py3-none-any.whl", "b", "2023-03-01T00:00:00Z"),
            f("toolbox-1.0.tar.gz", "c", "2023-03-01T00:00:01Z"),
            f("toolbox-1.1rc1.tar.gz", "d", "2023-06-01T00:00:00Z"),
            f("toolbox-1.2-cp311-cp311-manylinux_2_17_x86_64.whl", "e", "2023-07-01T00:00:00Z"),
            f("toolbox-2.0.tar.gz", "g", "2024-02-01T00:00:00Z"),
        ]
    }
    got = paired_releases.candidates_from_index(page, "Toolbox", "2024-01-01")
    assert [(c["version"], c["file"], c["sha256"]) for c in got] == [
        ("1.0", "toolbox-1.0.tar.gz", "c"),
        ("0.9", "toolbox-0.9.tar.gz", "a"),
    ]


def _paired_frame() -> pd.DataFrame:
    body = "\n".join(f"    x{i} = compute({i}, value)" for i in range(6))
    rows = []
    for f in range(6):
        sig = f'def f{f}(value):\n    """Do thing {f}."""\n'
        rows.append(
            {"namespace": f"m.f{f}", "label": 0, "generator": "human", "setting": "",
             "project": "p", "split": "test", "code": sig + body + "\n    return x0"}
        )  # fmt: skip
        for g in ("gpt", "llama"):
            rows.append(
                {"namespace": f"m.f{f}", "label": 1, "generator": g, "setting": "without_context",
                 "project": "p", "split": "test", "code": sig + body + f"\n    return {g}(x1)"}
            )  # fmt: skip
    rows.append({**rows[0], "split": "train"})
    return pd.DataFrame(rows)


def test_runtime_evaluation_of_a_model_folder(tiny_model_dir: Path) -> None:
    from codeorigin_train.evaluation.paired import evaluate

    result = evaluate(tiny_model_dir, _paired_frame(), "test")
    assert result["rows"] == 18 and result["projects"] == 1
    assert result["all"]["human"] == 6 and result["all"]["llm"] == 12
    for key in ("auroc", "recall", "fpr"):
        assert 0.0 <= result["all"][key] <= 1.0
    assert 0.0 <= result["twin_win_rate"] <= 1.0
    assert set(result["by_generator"]) == {"gpt", "llama"}
    assert set(result["by_setting"]) == {"without_context"}


def test_twin_win_rate_and_the_card_section() -> None:
    from types import SimpleNamespace

    from codeorigin_train.card.results import paired as paired_section
    from codeorigin_train.evaluation.paired import report

    scored = _paired_frame().query("split == 'test'").copy()
    scored["p"] = [
        0.2 if lab == 0 else (0.9 if g == "gpt" else 0.1)
        for lab, g in zip(scored.label, scored.generator)
    ]
    scored["judged"] = True
    r = report(scored, threshold=0.5)
    assert r["twin_win_rate"] == 0.5  # gpt bodies beat their twin, llama bodies never do
    assert r["all"]["recall"] == 0.5 and r["all"]["fpr"] == 0.0
    card = SimpleNamespace(
        m={"chosen_variant": "new", "paired": {"paired_runtime": r, "previous_paired": r}}, ch={}
    )
    text = "\n".join(paired_section(card))
    assert "## Held-out paired real-project functions" in text
    assert "| new (this model) | 1 | 6 | 12 |" in text and "| previous release |" in text
