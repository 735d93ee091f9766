"""Variant `scratch-bpe`: a byte-level BPE tokenizer learned on the training code, and a small
encoder trained here from scratch (the shipped model's family).

A byte-level BPE keeps what an uncased WordPiece throws away and most separates authors: spacing
inside lines, indentation, blank lines and case. The small BERT with the CodeOriginClassifier head
trains on 2 CPU cores and scores within the latency budget. `shipped_config()` is the shipped
recipe; run names starting with `scratch-bpe-` are recipes of this variant.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from codeorigin.model.encoding import TokenEncoder
from codeorigin_train.fit.frames import (
    RealCodeMix,
    augment_with_realcode,
    split_rows,
)
from codeorigin_train.fit.modeling import CodeOriginClassifier
from codeorigin_train.fit.train import (
    Schedule,
    TokenModel,
    TrainConfig,
    fit,
    predict_logits,
    seed_everything,
    token_batches,
)
from codeorigin_train.variants.base import ExportSpec, FitResult, Variant

NAME = "scratch-bpe"
SHIPPED = f"{NAME}-full-real"
SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


@dataclass(frozen=True)
class EncoderShape:
    """The byte-level BPE vocabulary size and the BERT encoder's shape."""

    vocab_size: int = 2048
    hidden: int = 128
    layers: int = 2
    heads: int = 4
    intermediate: int = 512
    dropout: float = 0.2  # the encoder's hidden and attention dropout


@dataclass(frozen=True)
class ScratchConfig(RealCodeMix, Schedule, EncoderShape):
    """Tokenizer, encoder and training recipe (`EncoderShape`, `Schedule`, `frames.RealCodeMix`).
    A text trains on its first window; scoring averages every window as the runtime does
    (`eval_windows`: the export's parity check on long texts needs it) or reads the first."""

    max_length: int = 256
    eval_windows: bool = True
    loso_epochs: int = 3
    threads: int = 1  # two preempted OpenMP threads spin at every barrier on a shared 2-core box
    threshold_confidence: float | None = 0.95  # as `Variant.threshold_confidence`


def shipped_config() -> ScratchConfig:
    """The recipe of the shipped model (`scratch-bpe-full-real`)."""
    return ScratchConfig(
        vocab_size=8192, dropout=0.1, epochs=3, eval_windows=False, realcode_train=4000,
        realcode_val=600, threshold_confidence=None,
    )  # fmt: skip


def train_tokenizer(texts: list[str], vocab_size: int, out: Path) -> Path:
    """Learn a byte-level BPE on `texts` (normalised code) and save it as `tokenizer.json`."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE(unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=2,
        special_tokens=SPECIALS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(texts, trainer)
    out.parent.mkdir(parents=True, exist_ok=True)
    tok.save(str(out))
    return out


def new_classifier(cfg: ScratchConfig, vocab_size: int) -> CodeOriginClassifier:
    """A freshly initialised BERT encoder of the recipe's size with the classifier head."""
    from transformers import BertConfig, BertModel

    config = BertConfig(
        vocab_size=vocab_size,
        hidden_size=cfg.hidden,
        num_hidden_layers=cfg.layers,
        num_attention_heads=cfg.heads,
        intermediate_size=cfg.intermediate,
        max_position_embeddings=cfg.max_length,
        pad_token_id=0,
        hidden_dropout_prob=cfg.dropout,
        attention_probs_dropout_prob=cfg.dropout,
    )
    return CodeOriginClassifier(BertModel(config, add_pooling_layer=False), freeze=False)


class ScratchData:
    """Token ids of a frame's code with a tokenizer, windowed as the runtime windows them:
    `sequences` gives each whole text's ids without specials, `windows` the model inputs (the
    first window only, or with `cfg.eval_windows` every half-overlapping window)."""

    def __init__(self, tokenizer_file: Path, cfg: ScratchConfig) -> None:
        self.cfg = cfg
        self.encoder = TokenEncoder(tokenizer_file, max_length=cfg.max_length, layout=False)

    def sequences(self, texts: Sequence[str]) -> list[list[int]]:
        return [list(e.ids) for e in self.encoder.encode_batch(list(texts))]

    def first_window(self, ids: list[int]) -> list[int]:
        return self.encoder.with_specials(ids[: self.encoder.body_length])

    def windows(self, ids: list[int]) -> list[list[int]]:
        if not self.cfg.eval_windows:
            return [self.first_window(ids)]
        return [
            self.encoder.with_specials(ids[w.start : w.end]) for w in self.encoder.windows(len(ids))
        ] or [self.first_window(ids)]


def train_model(
    seqs: list[list[int]],
    y: np.ndarray,
    train: np.ndarray,
    val: np.ndarray,
    cfg: ScratchConfig,
    data: ScratchData,
    *,
    epochs: int | None = None,
    on_epoch: Any = None,
) -> tuple[CodeOriginClassifier, Any]:
    """A fresh encoder + head trained on the first windows of rows `train` of `seqs`
    (`ScratchData.sequences`), early-stopped on rows `val`."""
    seed_everything(cfg.seed)
    clf = new_classifier(cfg, data.encoder.tokenizer.get_vocab_size())
    config = TrainConfig(
        epochs=epochs or cfg.epochs,
        batch_size=cfg.batch_size,
        lr=cfg.lr,
        monitor="val_loss",
        seed=cfg.seed,
        threads=cfg.threads,
        weight_decay=cfg.weight_decay,
    )
    tf = token_batches([data.first_window(seqs[i]) for i in train], data.encoder.pad_batch)
    vf = token_batches([data.first_window(seqs[i]) for i in val], data.encoder.pad_batch)
    hist = fit(TokenModel(clf), tf, y[train], vf, y[val], config, on_epoch=on_epoch)
    return clf.eval(), hist


def logits_of(
    clf: CodeOriginClassifier, seqs: list[list[int]], rows: np.ndarray, data: ScratchData
) -> np.ndarray:
    """Logits of rows `rows` of `seqs`, each text's windows averaged by token count."""
    owners: list[int] = []
    inputs: list[list[int]] = []
    for k, r in enumerate(rows):
        for w in data.windows(seqs[r]):
            owners.append(k)
            inputs.append(w)
    # Sort by length so padding stays small, then put the logits back in row order.
    order = sorted(range(len(inputs)), key=lambda j: len(inputs[j]))
    out = predict_logits(
        TokenModel(clf),
        token_batches([inputs[j] for j in order], data.encoder.pad_batch),
        len(order),
    )
    win = np.zeros(len(inputs))
    win[order] = out
    weight = np.array([len(w) - 2 for w in inputs], dtype=np.float64)
    sums = np.bincount(owners, weights=win * weight, minlength=len(rows))
    tot = np.bincount(owners, weights=weight, minlength=len(rows))
    return sums / np.maximum(tot, 1.0)


class ScratchBPE(Variant):
    """A recipe (`ScratchConfig`) of the scratch BPE encoder under a run name; `prepare` learns
    the tokenizer on the train rows and tokenises the frame once for `fit` and `loso_fold`."""

    def __init__(self, name: str = NAME, cfg: ScratchConfig | None = None) -> None:
        self.name = name
        self.cfg = cfg or ScratchConfig()
        self.threshold_confidence = self.cfg.threshold_confidence
        self.clf: CodeOriginClassifier | None = None
        self.data: ScratchData | None = None
        self.tokenizer_file: Path | None = None
        self._frame: pd.DataFrame | None = None
        self._seqs: list[list[int]] = []

    @property
    def description(self) -> str:  # type: ignore[override]
        return (
            f"byte-level BPE ({self.cfg.vocab_size}) + {self.cfg.layers}-layer encoder "
            f"(hidden {self.cfg.hidden}) trained from scratch, end to end"
        )

    def params(self) -> dict[str, Any]:
        return asdict(self.cfg)

    def training_rows(
        self, frame: pd.DataFrame, work: Path
    ) -> tuple[pd.DataFrame, pd.DataFrame | None]:
        c = self.cfg
        return augment_with_realcode(
            frame, work, train=c.realcode_train, val=c.realcode_val, seed=c.seed
        )

    def prepare(self, frame: pd.DataFrame, run_dir: Path) -> None:
        train = split_rows(frame, "train")
        texts = frame["code"].tolist()
        self.tokenizer_file = train_tokenizer(
            [texts[i] for i in train], self.cfg.vocab_size, run_dir / "tokenizer.json"
        )
        self.data = ScratchData(self.tokenizer_file, self.cfg)
        self._frame, self._seqs = frame, self.data.sequences(texts)

    def _prepared(self, frame: pd.DataFrame, run_dir: Path | None = None) -> ScratchData:
        if self._frame is not frame or self.data is None:
            if run_dir is None:
                raise RuntimeError("call prepare(frame, run_dir) first: it learns the tokenizer")
            self.prepare(frame, run_dir)
        assert self.data is not None
        return self.data

    def fit(self, frame: pd.DataFrame, run_dir: Path) -> FitResult:
        data = self._prepared(frame, run_dir)
        train, val, test = (split_rows(frame, s) for s in ("train", "val", "test"))
        y = frame["label"].to_numpy()
        t0 = time.perf_counter()
        clf, hist = train_model(self._seqs, y, train, val, self.cfg, data, on_epoch=self.on_epoch)
        seconds = time.perf_counter() - t0
        self.clf = clf
        torch.save({"config": asdict(self.cfg), "state": clf.state_dict()}, run_dir / "weights.pt")
        info = {"history": hist.epochs, "best_epoch": hist.best_epoch, "train_seconds": seconds}
        return FitResult(
            val, logits_of(clf, self._seqs, val, data),
            test, logits_of(clf, self._seqs, test, data),
            {**info, "n_train": len(train)},
        )  # fmt: skip

    def loso_fold(
        self, frame: pd.DataFrame, train: np.ndarray, val: np.ndarray, test: np.ndarray
    ) -> np.ndarray:
        data = self._prepared(frame)
        y = frame["label"].to_numpy()
        m, _ = train_model(self._seqs, y, train, val, self.cfg, data, epochs=self.cfg.loso_epochs)
        return logits_of(m, self._seqs, test, data)

    def load(self, run_dir: Path) -> None:
        saved = torch.load(run_dir / "weights.pt", map_location="cpu", weights_only=False)
        known = ScratchConfig.__dataclass_fields__  # runs saved with fields since removed
        self.cfg = ScratchConfig(**{k: v for k, v in saved["config"].items() if k in known})
        self.threshold_confidence = self.cfg.threshold_confidence
        self.tokenizer_file = run_dir / "tokenizer.json"
        self.data = ScratchData(self.tokenizer_file, self.cfg)
        clf = new_classifier(self.cfg, self.data.encoder.tokenizer.get_vocab_size())
        clf.load_state_dict(saved["state"])
        self.clf = clf.eval()

    def predict_logits(
        self, texts: Sequence[str], languages: Sequence[str | None] | None = None
    ) -> np.ndarray:
        if self.clf is None or self.data is None:
            raise RuntimeError(f"variant {self.name!r} is not fitted: call fit or load first")
        seqs = self.data.sequences(texts)
        return logits_of(self.clf, seqs, np.arange(len(seqs)), self.data)

    def export_spec(self) -> ExportSpec:
        if self.clf is None or self.tokenizer_file is None:
            raise RuntimeError(f"variant {self.name!r} is not fitted: call fit or load first")
        training = {
            "variant": self.name,
            "config": asdict(self.cfg),
            "encoder": "2-layer BERT trained from scratch here (no pretrained weights)",
            "tokenizer": "byte-level BPE learned on the training split",
        }
        return ExportSpec(self.clf, self.tokenizer_file, self.cfg.max_length, False, training)


def variant(name: str = NAME, cfg: ScratchConfig | None = None, **_options: Any) -> ScratchBPE:
    """The registry's constructor: recipe `cfg` (default: `ScratchConfig()`) under run `name`."""
    return ScratchBPE(name, cfg)
