"""The GPU bake-off command on the CPU with a tiny random Llama: the per-layer features of one pass
equal those of a backbone cut to that many layers, and a whole run (frozen arms with and without
generated rows, leave-one-source-out, a fine-tuned arm) writes its report and the pool's logits."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("gguf")
pytest.importorskip("accelerate")

from tiny_llama import write_folder  # noqa: E402

from codeorigin_train.backbone import BackboneSpec, load_backbone  # noqa: E402
from codeorigin_train.backbone.bakeoff import build_pool, layer_features  # noqa: E402
from codeorigin_train.backbone.gpu_bakeoff import main  # noqa: E402

PY_HUMAN = (
    "def f{i}(xs):\n    out = []\n    for x in xs:\n        out.append(x * {i})\n    return out\n"
)
PY_LLM = (
    'def g{i}(name):\n    """Say hello {i}."""\n    greeting = "hello"\n    if name:\n'
    "        print(greeting, name)\n    return None\n"
)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_folder(tmp_path_factory.mktemp("tiny") / "folder", layers=3)


def _rows(n: int, template: str, label: int, source: str, split_of) -> list[dict]:
    return [
        {
            "code": template.format(i=i),
            "label": label,
            "language": "python",
            "source": source,
            "generator": "human" if label == 0 else "gpt-4",
            "group": f"{source}:{i % 7}",
            "split": split_of(i),
        }
        for i in range(n)
    ]


def _work(tmp: Path) -> Path:
    split = lambda i: ["train", "train", "train", "val", "test"][i % 5]  # noqa: E731
    rows = []
    for s in ("alpha", "beta"):
        rows += _rows(40, PY_HUMAN.replace("f{i}", s + "{i}"), 0, s, split)
        rows += _rows(40, PY_LLM.replace("g{i}", s + "{i}"), 1, s, split)
    pd.DataFrame(rows).to_parquet(tmp / "dataset.parquet")
    real = pd.DataFrame(
        [{"code": PY_HUMAN.format(i=1000 + i).replace("f", "h", 1), "label": 0,
          "language": "python", "source": "real-pypi", "generator": "human",
          "group": f"real:p{i % 30}", "project": f"p{i % 30}"} for i in range(90)]
    )  # fmt: skip
    real.to_parquet(tmp / "realcode.parquet")
    gen = real.assign(
        code=[PY_LLM.format(i=2000 + i) for i in range(90)], label=1, source="real-generated"
    )
    gen.to_parquet(tmp / "generated.parquet")
    return tmp


def test_one_pass_gives_every_truncated_backbones_features(tiny: Path) -> None:
    texts = [PY_HUMAN.format(i=i) for i in range(3)] + [PY_LLM.format(i=i) for i in range(3)]
    torch.manual_seed(0)
    full = load_backbone(BackboneSpec(encoder=str(tiny), max_length=48))
    feats = layer_features(full, texts, [1, 2, 3], batch_size=4)
    for k in (1, 2, 3):
        cut = load_backbone(BackboneSpec(encoder=str(tiny), max_length=48, layers=k))
        enc = cut.token_encoder
        ids, mask = enc.pad_batch([enc.with_specials(enc.encode(t).ids[:46]) for t in texts])
        with torch.no_grad():
            want = cut.classifier.features(torch.from_numpy(ids), torch.from_numpy(mask))
        np.testing.assert_allclose(feats[k], want.numpy(), rtol=1e-4, atol=1e-5)


def test_a_run_writes_the_report_and_the_pools_logits(tiny: Path, tmp_path: Path) -> None:
    work = _work(tmp_path)
    pool = build_pool(work, realcode=20, paired=0, generated=work / "generated.parquet")
    roles = set(pool["role"])
    assert {"frame", "generated", "heldout-realcode", "heldout-generated"} <= roles
    # No project is on two sides: a generated body's split is its project's.
    gen = pool[pool["role"].str.contains("generated")]
    assert gen.groupby("group")["split"].nunique().max() == 1
    out = tmp_path / "out"
    argv = ["--work", str(work), "--out", str(out), "--encoder", str(tiny), "--max-length", "48",
            "--generated", str(work / "generated.parquet"), "--realcode", "20", "--paired", "0",
            "--frozen-layers", "1,3", "--generated-arms", "3", "--finetune", "2:full",
            "--epochs", "1", "--batch-size", "8"]  # fmt: skip
    assert main(argv) == 0
    report = json.loads((out / "bakeoff.json").read_text())
    assert set(report["arms"]) == {"k1-frozen", "k3-frozen", "k3-frozen-gen", "k2-full"}
    assert report["setup"]["loso_sources"] == ["alpha", "beta"]
    frozen = report["arms"]["k3-frozen"]
    assert set(frozen["loso"]) == {"alpha", "beta"} and frozen["test_auroc"] is not None
    assert "generated_auroc" in frozen and frozen["heldout_realcode_fpr"] is not None
    logits = pd.read_parquet(out / "logits.parquet")
    assert len(logits) == len(pool) and np.isfinite(logits["logit:k2-full"]).all()


def test_a_model_folder_is_judged_on_the_held_out_rows(tmp_path: Path) -> None:
    from codeorigin_train.evaluation.pool import evaluate
    from helpers.tinymodel import build_tiny_model

    work = _work(tmp_path)
    pool = build_pool(work, realcode=20, paired=0, generated=work / "generated.parquet")
    model = build_tiny_model(tmp_path / "model", threshold=0.5, uncertain=0.4)
    out = evaluate(model, pool)
    assert set(out) >= {"test", "realcode", "generated"} and out["threshold"] == 0.5
    for role in ("test", "generated"):
        r = out[role]
        assert r["human"] > 0 and r["llm"] > 0 and 0.0 <= r["auroc"] <= 1.0
    assert out["realcode"]["llm"] == 0 and 0.0 <= out["realcode"]["fpr"] <= 1.0


def test_the_bakeoff_is_recorded_in_a_model_folders_card(tmp_path: Path) -> None:
    import shutil

    from codeorigin_train.analysis import gpu_bakeoff
    from codeorigin_train.analysis.record import _strip_sections
    from codeorigin_train.card import analysis as card_analysis

    root = Path(__file__).resolve().parents[2]
    model = tmp_path / "model"
    model.mkdir()
    for name in ("metrics.json", "MODEL_CARD.md"):
        shutil.copy(root / "models" / "default" / name, model / name)
    before = (model / "MODEL_CARD.md").read_text()
    work = tmp_path / "work"
    (work / "bakeoff" / "bk1").mkdir(parents=True)
    arm = {"test_auroc": 0.96, "test_recall": 0.52, "test_fpr": 0.003, "heldout_realcode_fpr": 0.003,
           "paired_auroc": 0.72, "paired_recall": 0.05, "loso_mean": 0.7, "seconds": 20.0,
           "loso": {"semeval": {"auroc": 0.7}, "codenet": {"auroc": 0.8}}}  # fmt: skip
    setup = {
        "realcode": 6000,
        "paired": 2,
        "device": "NVIDIA H100",
        "loso_sources": ["semeval", "codenet"],
    }
    (work / "bakeoff" / "bk1" / "bakeoff.json").write_text(
        json.dumps({"setup": setup, "arms": {"k12-frozen": arm}})
    )
    student = work / "runs" / "distilled-a50-t2-gen"
    student.mkdir(parents=True)
    (student / "metrics.json").write_text(json.dumps({
        "heldout": {"overall": {"auroc": 0.85, "recall": 0.05, "fpr": 0.002}},
        "realcode_heldout": {"fpr_at_llm_threshold": 0.0026},
        "paired_heldout": {"all": {"auroc": 0.62, "recall": 0.002}, "twin_win_rate": 0.68},
    }))  # fmt: skip
    (work / "pool-eval-default.json").write_text(
        json.dumps({"test": {"auroc": 0.9, "recall": 0.25}})
    )
    argv = ["--model", str(model), "--work", str(work), "--students", "distilled-a50-t2-gen"]
    assert gpu_bakeoff.main(argv) == 0
    card = (model / "MODEL_CARD.md").read_text()
    assert card_analysis.GPU_BAKEOFF in card and card.index(card_analysis.GPU_BAKEOFF) < card.index(
        "## Limitations"
    )
    assert "| k12-frozen | 0.700 | 0.70 | 0.80 | 0.960 | 52.0% |" in card
    assert (
        "| distilled-a50-t2-gen | 0.850 | 5.0% |" in card and "| default | 0.900 | 25.0% |" in card
    )
    # Every other line of the card is kept as it was.
    assert (
        _strip_sections(card.rstrip("\n").split("\n"), set(card_analysis.HEADINGS))[0]
        == _strip_sections(before.rstrip("\n").split("\n"), set(card_analysis.HEADINGS))[0]
    )
    recorded = json.loads((model / "metrics.json").read_text())["analysis"]["gpu_bakeoff"]
    assert recorded["arms"]["k12-frozen"]["loso"] == {"semeval": 0.7, "codenet": 0.8}
