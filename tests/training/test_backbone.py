"""The pretrained-backbone classifier on a tiny random Llama written by the test (as a transformers
folder and as a GGUF file): loading both ways, truncation, the frozen cache, one accelerate
training step, ONNX export with parity, the int8 check, the Integrated Gradients graph, and the
runtime loading what was exported. CPU only, no download."""

from __future__ import annotations

import importlib.util
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("gguf")
pytest.importorskip("accelerate")

from tiny_llama import write_folder, write_gguf  # noqa: E402

from codeorigin.core.normalize import normalize  # noqa: E402
from codeorigin_train.backbone import BackboneSpec, load_backbone  # noqa: E402
from codeorigin_train.backbone.export import export_backbone  # noqa: E402
from codeorigin_train.backbone.features import pooled_features, predict_logits  # noqa: E402
from codeorigin_train.backbone.fit import CHECKPOINT, FitConfig, fit, load_checkpoint  # noqa: E402

HUMAN = [
    "def add(a, b):\n    return a + b\n",
    "def sub(a, b):\n    return a - b\n",
    "def scale(xs, k):\n    out = []\n    for x in xs:\n        out.append(x * k)\n    return out\n",
    "class Stack:\n    def push(self, item):\n        self.items.append(item)\n",
]
LLM = [
    'def greet(name):\n    """Say hello."""\n    print("hello", name)\n    return None\n',
    "function add(a, b) {\n  // sum\n  return a + b;\n}\n",
    "const x = [1, 2, 3].map((v) => v * 2);\nif (x.length > 0) { console.log(x); }\n",
    "for i in range(10):\n    if i % 2 == 0:\n        total += i\n",
]
TEXTS = [normalize(t).text for t in HUMAN + LLM] * 2
LABELS = np.array(([0] * len(HUMAN) + [1] * len(LLM)) * 2)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("tiny-llama")
    folder = write_folder(root / "folder", layers=3)
    gguf = write_gguf(folder, root / "gguf")
    return {"folder": folder, "gguf": gguf, "cache": root / "cache"}


def _backbone(tiny: dict[str, Path], source: str = "gguf", **kw):
    torch.manual_seed(0)
    spec = BackboneSpec(encoder=str(tiny[source]), max_length=kw.pop("max_length", 64), **kw)
    return load_backbone(spec, cache_dir=tiny["cache"])


def test_gguf_and_folder_load_the_same_model(tiny: dict[str, Path]) -> None:
    a = _backbone(tiny, "gguf")
    b = _backbone(tiny, "folder")
    assert a.source.kind == "gguf" and b.source.kind == "folder"
    assert a.classifier.encoder.causal and len(a.classifier.encoder_layers()) == 3
    # The GGUF's converted tokenizer is cached for the next load.
    assert list((tiny["cache"] / "tokenizers").glob("tiny-llama-*/tokenizer.json"))
    # Same tokens, same hidden states (GGUF q/k were permuted for llama.cpp and restored on load).
    enc_a, enc_b = a.token_encoder, b.token_encoder
    text = TEXTS[4]
    assert enc_a.encode(text).ids == enc_b.encode(text).ids
    # The runtime tokenizer names the model's BOS/EOS/pad ids for TokenEncoder.
    emb = a.classifier.word_embeddings().weight
    assert torch.equal(emb[enc_a.cls_id], emb[1]) and torch.equal(emb[enc_a.sep_id], emb[2])
    # (The alias ids differ: the GGUF's table is full, so its [CLS] gets a new row.)
    feats = []
    for bb in (a, b):
        enc = bb.token_encoder
        ids, mask = enc.pad_batch([enc.with_specials(enc.encode(t).ids) for t in TEXTS[:4]])
        with torch.no_grad():
            feats.append(bb.classifier.features(torch.from_numpy(ids), torch.from_numpy(mask)))
    assert torch.allclose(feats[0], feats[1], atol=1e-5)


def test_truncation_keeps_the_first_layers(tiny: dict[str, Path]) -> None:
    full = _backbone(tiny, "folder")
    cut = _backbone(tiny, "folder", layers=1)
    assert len(cut.classifier.encoder_layers()) == 1
    assert cut.classifier.encoder.config.num_hidden_layers == 1
    # Layer 0's weights are the full model's layer 0.
    w_full = full.classifier.encoder_layers()[0].self_attn.q_proj.weight
    w_cut = cut.classifier.encoder_layers()[0].self_attn.q_proj.weight
    assert torch.equal(w_full, w_cut)
    with pytest.raises(ValueError):
        _backbone(tiny, "folder", layers=4)


def test_causal_mask_and_pooling(tiny: dict[str, Path]) -> None:
    """Right padding changes nothing (causal model: padding comes after every real token), and
    last-token pooling reads the last real token."""
    mean = _backbone(tiny, "folder")
    last = _backbone(tiny, "folder", pooling="last")
    enc = mean.token_encoder
    seq = enc.with_specials(enc.encode(TEXTS[2]).ids)
    alone = enc.pad_batch([seq])
    padded = enc.pad_batch([seq, seq + [enc.pad_id] * 0 + enc.with_specials([5] * (len(seq) + 7))])
    for bb in (mean, last):
        with torch.no_grad():
            x = bb.classifier.features(*map(torch.from_numpy, alone))
            y = bb.classifier.features(*map(torch.from_numpy, padded))[:1]
        assert torch.allclose(x, y, atol=1e-5)
    with torch.no_grad():
        hidden = last.classifier.encoder(
            input_ids=torch.from_numpy(alone[0]), attention_mask=torch.from_numpy(alone[1])
        ).last_hidden_state
        pooled = last.classifier.features(*map(torch.from_numpy, alone))
    assert torch.allclose(pooled[0], hidden[0, len(seq) - 1])


def test_frozen_cache_and_head_training(tiny: dict[str, Path], tmp_path: Path) -> None:
    bb = _backbone(tiny, "gguf", layers=2)
    cache = tmp_path / "features"
    feats = pooled_features(bb, TEXTS, cache_dir=cache)
    files = list(cache.glob("*.pooled.npy"))
    assert feats.shape == (len(TEXTS), 32) and len(files) == 1
    # A second call reads the cache (same values, no new file).
    assert np.array_equal(pooled_features(bb, TEXTS, cache_dir=cache), feats)
    encoder_before = {k: v.clone() for k, v in bb.classifier.encoder.state_dict().items()}
    run = tmp_path / "run"
    hist = fit(
        bb, TEXTS, LABELS, TEXTS, LABELS,
        FitConfig(mode="frozen", epochs=30, batch_size=4, head_lr=1e-2, patience=30),
        run_dir=run, cache_dir=cache, mlflow_work=tmp_path / "work",
    )  # fmt: skip
    assert hist.device == "cpu" and hist.mixed_precision == "no"
    assert hist.best_val_auroc > 0.9  # the head separates 16 cached points it trained on
    assert (run / CHECKPOINT).is_file() and json.loads((run / "history.json").read_text())
    if importlib.util.find_spec("mlflow"):  # the epochs were tracked in work/mlruns
        logged = list((tmp_path / "work" / "mlruns").rglob("metrics/val_auroc"))
        assert len(logged) == 1 and len(logged[0].read_text().splitlines()) == len(hist.epochs)
    # The encoder did not move; the head did.
    for k, v in bb.classifier.encoder.state_dict().items():
        assert torch.equal(v, encoder_before[k])
    # A fresh backbone with the checkpoint scores like the trained one.
    fresh = _backbone(tiny, "gguf", layers=2)
    load_checkpoint(fresh, run / CHECKPOINT)
    assert np.allclose(predict_logits(fresh, TEXTS), predict_logits(bb, TEXTS), atol=1e-5)


@pytest.mark.parametrize("mode,unfreeze", [("full", 0), ("unfreeze", 1)])
def test_one_training_step_through_accelerate(
    tiny: dict[str, Path], mode: str, unfreeze: int
) -> None:
    bb = _backbone(tiny, "gguf", layers=2)
    layers = bb.classifier.encoder_layers()
    before_top = layers[-1].mlp.up_proj.weight.detach().clone()
    before_bottom = layers[0].mlp.up_proj.weight.detach().clone()
    hist = fit(
        bb, TEXTS[:4], LABELS[:4], TEXTS, LABELS,
        FitConfig(mode=mode, unfreeze=unfreeze, epochs=1, batch_size=4, lr=1e-2, warmup_ratio=0.0),
    )  # fmt: skip
    assert len(hist.epochs) == 1 and np.isfinite(hist.epochs[0]["train_loss"])
    assert not torch.equal(layers[-1].mlp.up_proj.weight, before_top)
    moved_bottom = not torch.equal(layers[0].mlp.up_proj.weight, before_bottom)
    assert moved_bottom == (mode == "full")


@pytest.mark.slow
def test_export_parity_int8_and_gradient_graph(tiny: dict[str, Path], tmp_path: Path) -> None:
    from codeorigin.model.attributor import Attributor
    from codeorigin.model.manifest import load_manifest
    from codeorigin.model.scorer import Model

    bb = _backbone(tiny, "gguf", layers=2)
    fit(bb, TEXTS, LABELS, TEXTS, LABELS, FitConfig(mode="full", epochs=1, batch_size=8))
    folder = tmp_path / "model"
    manifest = export_backbone(
        bb, folder, name="tiny-backbone", parity_texts=TEXTS,
        check_texts=TEXTS, check_labels=LABELS,
    )  # fmt: skip
    assert manifest["parity"]["max_abs_logit_diff"] <= manifest["parity"]["tolerance"]
    check = manifest["training"]["int8_check"]
    assert check["rows"] == len(TEXTS) and check["val_auroc_fp32"] is not None
    assert check["int8_used"] == (check["val_auroc_fp32"] - check["val_auroc_int8"] <= 0.005)
    assert (folder / "model.int8.onnx").exists() == check["int8_used"]
    assert manifest["onnx"]["gradient"] == "gradient.onnx"
    grad = manifest["attribution"]["parity"]
    assert grad["max_abs_logit_diff"] <= grad["tolerance"]
    assert manifest["training"]["backbone"]["source"]["kind"] == "gguf"

    # The runtime loads the folder; its fp32 graph scores like torch (windows, normalisation).
    loaded = load_manifest(folder)
    fp32 = Model(replace(loaded, scorer="model.onnx"))
    raw = HUMAN + LLM
    runtime = np.array([s.logit for s in fp32.score_texts(raw)])
    torch_side = predict_logits(bb, [normalize(t).text for t in raw])
    assert np.allclose(runtime, torch_side, atol=1e-4)
    # The gradient graph computes the same function, and explains the score line by line.
    att = Attributor(loaded).attribute(raw[2], steps=32)
    assert abs(att.logit - runtime[2]) < 1e-4
    assert np.isfinite(att.delta) and att.lines and att.lines[0].line == 0


def test_last_token_pooling_exports_without_gradient_graph(
    tiny: dict[str, Path], tmp_path: Path
) -> None:
    bb = _backbone(tiny, "folder", layers=1, pooling="last")
    manifest = export_backbone(bb, tmp_path / "m", name="tiny-last", parity_texts=TEXTS, int8=False)
    assert "gradient" not in manifest["onnx"]
    assert "pools by mean" in manifest["training"]["gradient_graph"]


def test_backbone_variant_fit_load_loso_and_export_spec(
    tiny: dict[str, Path], tmp_path: Path
) -> None:
    from codeorigin_train.export.folder import write_model_folder
    from codeorigin_train.variants import registry
    from codeorigin_train.variants.backbone import parse_recipe

    spec, cfg = parse_recipe("backbone-k2-unfreeze1-last-len96")
    assert (spec.layers, spec.pooling, spec.max_length) == (2, "last", 96)
    assert (cfg.mode, cfg.unfreeze) == ("unfreeze", 1)
    with pytest.raises(KeyError):
        parse_recipe("backbone-k2-sideways")

    n = len(TEXTS)
    frame = pd.DataFrame(
        {
            "code": TEXTS,
            "label": LABELS,
            "source": ["a", "b"] * (n // 2),
            "split": (["train"] * 4 + ["val"] * 2 + ["test"] * 2) * (n // 8),
        }
    )
    options = {"work": tmp_path / "work", "encoder": str(tiny["gguf"]), "cache_dir": tiny["cache"]}
    v = registry.get("backbone-k2-frozen", **options)
    run = tmp_path / "run"
    result = v.fit(frame, run)
    assert len(result.val_logits) == (frame["split"] == "val").sum()
    assert len(result.test_logits) == (frame["split"] == "test").sum()
    assert result.info["trainable_parameters"] == sum(
        p.numel() for p in v.backbone.classifier.head.parameters()
    )
    assert list((tmp_path / "work" / "cache" / "backbone").glob("*.pooled.npy"))
    # A fresh variant restores the fitted one from the run folder.
    again = registry.get("backbone-k2-frozen", **options)
    again.load(run)
    assert np.allclose(again.predict_logits(TEXTS), v.predict_logits(TEXTS), atol=1e-5)
    rows = np.arange(n)
    fold = v.loso_fold(frame, rows[:8], rows[8:12], rows[12:])
    assert fold.shape == (n - 12,) and np.isfinite(fold).all()
    # The export path's classifier: same logits, exportable scorer (parity-checked).
    spec_out = v.export_spec()
    assert spec_out.training["variant"] == "backbone-k2-frozen"
    manifest = write_model_folder(
        tmp_path / "m", model=spec_out.classifier, tokenizer_file=spec_out.tokenizer_file,
        name="v", max_length=spec_out.max_length, layout_markers=spec_out.layout_markers,
        parity_texts=TEXTS, calibration={}, thresholds={"llm": 0.5, "uncertain": 0.5},
    )  # fmt: skip
    assert manifest["parity"]["max_abs_logit_diff"] <= manifest["parity"]["tolerance"]
