"""Training: BCE with logits, Adam + ReduceLROnPlateau, early stopping that restores the best weights.

One loop (`fit`) trains a module that maps a batch dict to logits (`TokenModel`: token ids through
a `CodeOriginClassifier`), with warm-up, gradient accumulation and clipping, mixed precision on CUDA.
"""

from __future__ import annotations

import logging
import math
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from codeorigin_train.fit.calibrate import auroc
from codeorigin_train.fit.modeling import CodeOriginClassifier

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Schedule:
    """How long and how fast a loop trains: the fields `TrainConfig` and `ScratchConfig` inherit
    (flat, so `asdict(config)` and `Config(**saved)` use the same keys); the shipped defaults."""

    epochs: int = 5
    batch_size: int = 16
    lr: float = 1e-3
    weight_decay: float = 0.0
    seed: int = 13


@dataclass(frozen=True)
class TrainConfig(Schedule):
    """Hyper-parameters of `fit` beyond its `Schedule` (the shipped model's defaults): early stop
    after `patience` epochs without a better `monitor` (`val_loss` or `val_auroc`); the rate times
    `plateau_factor` after `plateau_patience` epochs without a better validation loss; linear
    warm-up over `warmup_steps`, gradients accumulated over `grad_accum` batches, clipped at
    `clip_norm`."""

    patience: int = 2
    monitor: str = "val_loss"
    plateau_factor: float = 0.5
    plateau_patience: int = 0
    warmup_steps: int = 50
    grad_accum: int = 1
    clip_norm: float = 1.0
    threads: int = 2


@dataclass
class History:
    """Per-epoch metrics and the epoch whose weights were kept."""

    epochs: list[dict[str, float]] = field(default_factory=list)
    best_epoch: int = -1
    best_score: float = math.inf


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


class TokenModel(nn.Module):
    """A whole classifier on token ids."""

    def __init__(self, classifier: CodeOriginClassifier) -> None:
        super().__init__()
        self.classifier = classifier

    def forward(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        return self.classifier(batch["input_ids"], batch["attention_mask"])


#: A source of batches: (row indices) -> batch dict.
BatchFn = Callable[[Sequence[int]], dict[str, torch.Tensor]]


def token_batches(sequences: Sequence[Sequence[int]], pad_batch: Callable[..., Any]) -> BatchFn:
    def make(idx: Sequence[int]) -> dict[str, torch.Tensor]:
        ids, mask = pad_batch([list(sequences[i]) for i in idx])
        return {"input_ids": torch.from_numpy(ids), "attention_mask": torch.from_numpy(mask)}

    return make


def _minibatches(n: int, batch_size: int, rng: np.random.Generator | None) -> Iterator[np.ndarray]:
    order = rng.permutation(n) if rng is not None else np.arange(n)
    for i in range(0, n, batch_size):
        yield order[i : i + batch_size]


def predict_logits(model: nn.Module, make: BatchFn, n: int, *, batch_size: int = 64) -> np.ndarray:
    """Logits for dataset positions 0..n-1 in eval mode."""
    model.eval()
    out = np.zeros(n, dtype=np.float64)
    with torch.inference_mode():
        for idx in _minibatches(n, batch_size, None):
            out[idx] = model(make(idx)).float().numpy()
    return out


def _bce(y: np.ndarray, logits: np.ndarray) -> float:
    z = logits
    return float(np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))))


class _Loop:
    """The training loop's state: optimiser, schedulers, history, best weights."""

    def __init__(self, model: nn.Module, config: TrainConfig, device: torch.device) -> None:
        self.model, self.config, self.device = model, config, device
        self.use_amp = device.type == "cuda"
        self.scaler = torch.amp.GradScaler("cuda") if self.use_amp else None
        # `base_lr`: the target rate that warm-up climbs to and the plateau scheduler cuts.
        group = {"params": list(model.parameters()), "lr": config.lr, "base_lr": config.lr}
        self.opt = torch.optim.Adam([group], lr=config.lr, weight_decay=config.weight_decay)
        self.plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(
            self.opt, mode="min", factor=config.plateau_factor, patience=config.plateau_patience
        )
        self.loss_fn = nn.BCEWithLogitsLoss()
        self.hist = History()
        self.best_state: dict[str, torch.Tensor] | None = None
        self.step, self.bad = 0, 0
        self.rng = np.random.default_rng(config.seed)

    def _optimizer_step(self) -> None:
        """Warm-up, gradient clipping and one optimiser step."""
        config, opt = self.config, self.opt
        self.step += 1
        if self.step <= config.warmup_steps:
            for g in opt.param_groups:
                g["lr"] = g["base_lr"] * self.step / max(1, config.warmup_steps)
        if self.scaler is not None:
            self.scaler.unscale_(opt)
        if config.clip_norm > 0:
            torch.nn.utils.clip_grad_norm_(
                [p for p in self.model.parameters() if p.requires_grad], config.clip_norm
            )
        if self.scaler is not None:
            self.scaler.step(opt)
            self.scaler.update()
        else:
            opt.step()
        opt.zero_grad(set_to_none=True)

    def train_epoch(self, train_fn: BatchFn, y_train: np.ndarray) -> dict[str, float]:
        """One pass over the training rows; its loss and accuracy."""
        config, model = self.config, self.model
        model.train()
        y_t = torch.from_numpy(np.asarray(y_train, dtype=np.float32))
        total, correct, seen = 0.0, 0, 0
        self.opt.zero_grad(set_to_none=True)
        batches = list(_minibatches(len(y_train), config.batch_size, self.rng))
        for bi, idx in enumerate(batches):
            batch = {k: v.to(self.device) for k, v in train_fn(idx).items()}
            target = y_t[idx].to(self.device)
            with torch.autocast(device_type=self.device.type, enabled=self.use_amp):
                logits = model(batch)
                loss = self.loss_fn(logits.float(), target)
            scaled = loss / config.grad_accum
            if self.scaler is not None:
                self.scaler.scale(scaled).backward()
            else:
                scaled.backward()
            if (bi + 1) % config.grad_accum == 0 or bi + 1 == len(batches):
                self._optimizer_step()
            total += float(loss.detach()) * len(idx)
            correct += int(((logits.detach() > 0).float() == target).sum())
            seen += len(idx)
        return {"train_loss": total / max(1, seen), "train_accuracy": correct / max(1, seen)}

    def end_epoch(self, epoch: int, row: dict[str, float]) -> bool:
        """Schedule, keep the best weights; whether to stop early."""
        opt, config = self.opt, self.config
        # The plateau scheduler acts on the target rates, not on a partly warmed-up rate; its cuts
        # become the new targets of any warm-up left.
        for g in opt.param_groups:
            g["lr"] = g["base_lr"]
        self.plateau.step(row["val_loss"])
        for g in opt.param_groups:
            g["base_lr"] = g["lr"]
        score = row["val_loss"] if config.monitor == "val_loss" else -row["val_auroc"]
        if score < self.hist.best_score:
            self.hist.best_score, self.hist.best_epoch, self.bad = score, epoch, 0
            self.best_state = {k: v.detach().clone() for k, v in self.model.state_dict().items()}
        else:
            self.bad += 1
        if config.patience > 0 and self.bad >= config.patience:
            log.info("early stop at epoch %d (best %d)", epoch, self.hist.best_epoch)
            return True
        return False


def fit(
    model: nn.Module,
    train_fn: BatchFn,
    y_train: np.ndarray,
    val_fn: BatchFn,
    y_val: np.ndarray,
    config: TrainConfig,
    *,
    on_epoch: Callable[[int, dict[str, float]], None] | None = None,
) -> History:
    """Train `model` (a module mapping batch dicts to logits), restore the weights of its best
    epoch by `config.monitor` and return the history."""
    seed_everything(config.seed)
    if not torch.cuda.is_available():
        torch.set_num_threads(config.threads)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model.to(device)
    loop = _Loop(model, config, device)
    for epoch in range(config.epochs):
        trained = loop.train_epoch(train_fn, y_train)
        val_logits = predict_logits(model, val_fn, len(y_val))
        yv = np.asarray(y_val, dtype=np.float64)
        row = {
            **trained,
            "val_loss": _bce(yv, val_logits),
            "val_accuracy": float(np.mean((val_logits > 0) == (yv > 0.5))),
            "val_auroc": auroc(yv, val_logits),
            "lr": float(loop.opt.param_groups[0]["lr"]),
        }
        loop.hist.epochs.append(row)
        log.info("epoch %d: %s", epoch, {k: round(v, 4) for k, v in row.items()})
        if on_epoch is not None:
            on_epoch(epoch, row)
        if loop.end_epoch(epoch, row):
            break
    if loop.best_state is not None:
        model.load_state_dict(loop.best_state)
    model.eval()
    model.to("cpu")
    return loop.hist
