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
PY_LLM = 'def g{i}(name):\n    """Say hello {i}."""\n    print("hello", name)\n    return None\n'


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
    from codeorigin_train.evaluate_pool import evaluate
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
