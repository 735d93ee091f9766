"""A tiny end-to-end training run: native-format files → dataset → one epoch on a tiny random
encoder → calibration → export → the runtime scores a function; and the parity check catching a
broken export."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from codeorigin.model.encoding import TokenEncoder
from codeorigin.model.scorer import Model
from codeorigin_train.data.build import build_dataset
from codeorigin_train.export.folder import (
    ParityError,
    check_parity,
    export_scorer,
    parity_batches,
    write_model_folder,
)
from codeorigin_train.fit.calibrate import calibrate, threshold_at_fpr
from codeorigin_train.fit.train import TokenModel, TrainConfig, fit, predict_logits, token_batches
from helpers.tinymodel import wordpiece_tokenizer

pytestmark = pytest.mark.slow

WORDS = ["alpha", "beta", "count", "total", "item", "value", "node", "queue", "stack", "index", "limit", "acc"]


def _human(rng: random.Random, i: int) -> str:
    a, b = rng.sample(WORDS, 2)
    body = "\n".join(f"\t{a}{k} = {b}[{k}] * {rng.randint(2, 99)}" for k in range(rng.randint(1, 4)))
    return f"def f{i}({b}):\n{body}\n\treturn {a}0 + {rng.randint(1, 999)}\n"


def _llm(rng: random.Random, i: int) -> str:
    a, b = rng.sample(WORDS, 2)
    body = "\n".join(
        f"    # Step {k}: update the {a}\n    {a}_{k} = {b}[{k}] + {rng.randint(2, 99)}" for k in range(rng.randint(1, 4))
    )
    return (
        f"def compute_{a}_{i}({b}: list[int]) -> int:\n    \"\"\"Compute the {a} of {b}.\"\"\"\n{body}\n"
        f"    return {a}_0 * {rng.randint(1, 999)}\n"
    )


def _write_semeval(root: Path, n: int = 48) -> None:
    """A SemEval-2026 Task 13 subtask A parquet, in its native columns."""
    rng = random.Random(0)
    rows = []
    for i in range(n):
        rows.append({"code": _human(rng, i), "generator": "Human", "label": 1, "language": "Python"})
        rows.append({"code": _llm(rng, i), "generator": "Qwen/Qwen2.5-Coder-7B", "label": 0, "language": "Python"})
    folder = root / "mbzuai-nlp+SemEval-2026-Task13" / "task_A"
    folder.mkdir(parents=True)
    pd.DataFrame(rows).to_parquet(folder / "task_a_trial.parquet")


def _tiny_classifier() -> torch.nn.Module:
    from helpers.tinymodel import tiny_classifier

    return tiny_classifier(0)


def test_tiny_end_to_end(tmp_path: Path) -> None:
    _write_semeval(tmp_path / "data")
    df = build_dataset(tmp_path / "data", sources=["semeval"])
    assert set(df["label"]) == {0, 1}
    train = df[df["split"] == "train"].reset_index(drop=True)
    val = df[df["split"] != "train"].reset_index(drop=True)  # val+test: the tiny set is small
    assert len(train) > 10 and set(val["label"]) == {0, 1}

    tok_file = wordpiece_tokenizer()
    enc = TokenEncoder(tok_file, max_length=64, layout=True)

    def seqs(frame: pd.DataFrame) -> list[list[int]]:
        return [enc.with_specials(e.ids[: enc.body_length]) for e in enc.encode_batch(frame["code"].tolist())]

    clf = _tiny_classifier()
    clf.set_trainable(freeze=False)
    model = TokenModel(clf)
    cfg = TrainConfig(epochs=1, batch_size=8, lr=1e-3, warmup_steps=2)
    hist = fit(model, token_batches(seqs(train), enc.pad_batch), train["label"].to_numpy(),
               token_batches(seqs(val), enc.pad_batch), val["label"].to_numpy(), cfg)
    assert len(hist.epochs) == 1 and np.isfinite(hist.epochs[0]["val_loss"])

    val_logits = predict_logits(model, token_batches(seqs(val), enc.pad_batch), len(val))
    c = calibrate(val_logits, val["label"].to_numpy())
    assert 0.0 <= c.uncertain_threshold <= c.llm_threshold <= 1.0
    p_human = c.probability(val_logits)[val["label"].to_numpy() == 0]
    assert np.mean(p_human >= c.llm_threshold) <= 0.01 + 1e-9

    folder = tmp_path / "model"
    manifest = write_model_folder(
        folder, model=clf.eval(), tokenizer_file=tok_file, name="tiny-e2e", max_length=64, layout_markers=True,
        parity_texts=val["code"].tolist()[:4], calibration=c.manifest_calibration(),
        thresholds=c.manifest_thresholds(),
    )
    assert manifest["parity"]["max_abs_logit_diff"] <= 1e-4
    scored = Model.load(folder).score_texts(["def add(a, b):\n    return a + b\n"])
    assert len(scored) == 1 and 0.0 <= scored[0].probability <= 1.0


def test_parity_check_catches_a_broken_export(tmp_path: Path) -> None:
    clf = _tiny_classifier()
    path = export_scorer(clf, tmp_path / "model.onnx")
    enc = TokenEncoder(wordpiece_tokenizer(), max_length=64)
    batches = parity_batches(enc, ["def f(x):\n    return x + 1\n", "int main() { return 0; }"])
    assert check_parity(clf, path, batches) <= 1e-4
    with torch.no_grad():  # the torch model drifts away from what was exported
        clf.head.net[-1].bias.add_(0.5)
    with pytest.raises(ParityError):
        check_parity(clf, path, batches)


def test_threshold_is_smallest_with_at_most_the_fpr() -> None:
    human = np.linspace(0.0, 0.99, 100)
    t = threshold_at_fpr(human, 0.01)
    assert np.mean(human >= t) <= 0.01
    assert np.mean(human >= np.nextafter(human[-2], -np.inf)) > 0.01  # one step lower flags two
    # It keeps a margin above the highest human it must not flag, so that the runtime, which
    # computes that score again from rounded weights, does not flag it either; never so far that
    # the next higher score stops being flagged.
    assert human[-2] + 1e-7 < t < human[-1]
    close = np.array([0.5, 0.9, 0.9 + 4e-7])  # one may be flagged: the highest
    assert close[2] > threshold_at_fpr(close, 0.34) > close[1] + 1e-7


def test_confident_threshold_holds_the_fpr_bound_on_unseen_humans() -> None:
    from codeorigin_train.fit.calibrate import allowed_false_positives

    # floor(1% of 600) = 6 may pass without confidence; 1 with 95% confidence.
    assert allowed_false_positives(600, 0.01, None) == 6
    assert allowed_false_positives(600, 0.01, 0.95) == 1
    assert allowed_false_positives(100, 0.01, 0.95) == 0  # too few humans: the strictest
    # Simulated: the exact-1% rule exceeds 1% on fresh humans about half the time, the
    # confident rule rarely.
    rng = np.random.default_rng(0)
    over = {None: 0, 0.95: 0}
    for _ in range(300):
        val, fresh = rng.random(600), rng.random(20000)
        for conf in over:
            over[conf] += np.mean(fresh >= threshold_at_fpr(val, 0.01, conf)) > 0.01
    assert over[None] > 100 and over[0.95] <= 30


def _write_scratch_frame(n: int = 60) -> pd.DataFrame:
    rng = random.Random(1)
    rows = []
    for i in range(n):
        for label, make in ((0, _human), (1, _llm)):
            split = "train" if i < n - 20 else ("val" if i < n - 10 else "test")
            rows.append({"code": make(rng, i), "label": label, "language": "python",
                         "source": "semeval" if i % 2 else "codenet", "generator": "Human" if label == 0 else "x",
                         "group": f"g{i}", "split": split})
    return pd.DataFrame(rows)


def test_scratch_recipe_end_to_end_with_augmentation_and_windows(tmp_path: Path) -> None:
    from codeorigin_train.evaluation import runs
    from codeorigin_train.export import shipping
    from codeorigin_train.fit.calibrate import Calibration
    from codeorigin_train.variants import scratch_bpe

    sub = _write_scratch_frame()
    # Long texts: several windows of a 64-token model.
    sub.loc[sub.index % 7 == 0, "code"] = sub.loc[sub.index % 7 == 0, "code"] * 4
    cfg = scratch_bpe.ScratchConfig(vocab_size=400, hidden=32, layers=1, heads=2, intermediate=64,
                                    max_length=64, epochs=1, loso_epochs=1, eval_windows=True,
                                    realcode_train=0)
    report = runs.run(scratch_bpe.ScratchBPE("tiny-scratch", cfg), sub, tmp_path)
    assert report["calibration"]["confidence"] == 0.95
    d = tmp_path / "runs" / "tiny-scratch"
    assert (d / "weights.pt").exists() and (d / "metrics.json").exists()

    # Windowed scoring in training matches the runtime's windowed scoring of the exported graph.
    folder = tmp_path / "model"
    variant = scratch_bpe.variant("tiny-scratch")
    variant.load(d)
    c = Calibration(**report["calibration"])
    shipping.export_model(variant, folder, c, parity_texts=sub["code"].iloc[:8].tolist())
    texts = sub["code"].tolist()
    from codeorigin.core.normalize import normalize

    ours = variant.predict_logits([normalize(t).text for t in texts])
    runtime = np.array([s.logit for s in Model.load(folder).score_texts(texts)])
    assert variant.data is not None
    assert max(len(s) for s in variant.data.sequences(texts)) > 62  # some texts have several windows
    assert np.max(np.abs(ours - runtime)) < 1e-4

    assert 0.0 <= Model.load(folder).score_texts(["def add(a, b):\n    return a + b\n"])[0].probability <= 1.0
    assert shipping.latency(folder, runs=2)["tokens"] == 64  # one whole window of this model

    # Leave-one-source-out folds of a prepared recipe (`coderep-loso` runs them).
    fresh = scratch_bpe.ScratchBPE("tiny-loso", cfg)
    fresh.prepare(sub, tmp_path / "runs" / "tiny-loso")
    folds = runs.loso_folds(fresh, sub, ["semeval", "codenet"])
    assert set(folds) == {"semeval", "codenet"} and all(f["n"] > 0 for f in folds.values())


def test_real_project_code_can_join_calibration_without_joining_training(tmp_path: Path) -> None:
    """Real-project human functions, split by project: with `realcode_train=0` none is trained on,
    `realcode_val` of them join the validation rows (the threshold is set on them too), and the
    held-out projects' functions stay apart for the card's FPR."""
    from codeorigin_train.fit.frames import augment_with_realcode

    sub = _write_scratch_frame()
    real = pd.DataFrame([
        {"code": f"def f{p}_{i}(x):\n    return x + {i}\n", "label": 0, "language": "python",
         "source": "real-pypi", "generator": "human", "group": f"real:proj{p}", "project": f"proj{p}"}
        for p in range(30) for i in range(5)
    ])
    real.to_parquet(tmp_path / "realcode.parquet", index=False)

    rows, test = augment_with_realcode(sub, tmp_path, train=0, val=40, seed=13)
    added = rows.iloc[len(sub):]
    assert 0 < len(added) <= 40 and set(added["split"]) == {"val"} and set(added["source"]) == {"realcode"}
    assert test is not None and len(test) > 0
    assert not set(test["project"]) & set(real.loc[real["code"].isin(added["code"]), "project"])

    rows, _ = augment_with_realcode(sub, tmp_path, train=20, val=600, seed=13)
    assert set(rows.iloc[len(sub):]["split"]) == {"train", "val"}

    rows, test = augment_with_realcode(sub, tmp_path, train=0, val=0, seed=13)
    assert len(rows) == len(sub) and test is not None


def test_codeorigin_train_all_defaults_are_the_shipped_models_recipe() -> None:
    """The recipe `codeorigin-train all` trains and ships is the one recorded in the shipped
    model's manifest (fields the manifest predates are the first recipe's: no alterations)."""
    import json
    from dataclasses import asdict

    from codeorigin_train.variants import scratch_bpe

    root = Path(__file__).resolve().parents[2]
    manifest = json.loads((root / "models" / "default" / "manifest.json").read_text())
    assert manifest["training"]["variant"] == scratch_bpe.SHIPPED
    cfg = asdict(scratch_bpe.shipped_config())
    assert {k: cfg[k] for k in manifest["training"]["config"]} == manifest["training"]["config"]
    assert cfg["eval_windows"] is False
    assert cfg["threshold_confidence"] is None  # the shipped threshold: exactly 1% of validation humans
