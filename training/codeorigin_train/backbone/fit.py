"""Training the backbone classifier through `accelerate`: the same code on the CPU (fp32), one CUDA
GPU (bf16 autocast) or several (`accelerate launch`).

Three modes (`FitConfig.mode`):
- `frozen`: the backbone's pooled features are computed once (and cached, `features.py`), then only
  the head trains on them: the design's default and the cheap CPU path;
- `unfreeze`: the top `unfreeze` layers (and the final norm) train with the head, on token windows;
- `full`: everything trains.

AdamW with two learning rates (encoder `lr`, head `head_lr`), linear warm-up over `warmup_ratio`
of the steps then linear decay, gradient clipping at `max_grad_norm`, validation AUROC after every
epoch, early stopping after `patience` epochs without a better one, and the best epoch's trainable
weights saved to `run_dir/checkpoint.pt` (restored into the model at the end). Each epoch's
figures go to MLflow when it is installed and a work folder is given (`mlflow_work`), or to the
caller's `on_epoch`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import torch
from torch import nn

from codeorigin_train.backbone.features import pooled_features
from codeorigin_train.backbone.model import MODES, Backbone
from codeorigin_train.fit.embed import first_windows
from codeorigin_train.fit.schedule import Schedule

log = logging.getLogger(__name__)

CHECKPOINT = "checkpoint.pt"


@dataclass(frozen=True)
class FitMode:
    """What trains (see the module docstring)."""

    mode: str = "frozen"
    unfreeze: int = 0

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"mode {self.mode!r}: one of {MODES}")
        if self.mode == "unfreeze" and self.unfreeze < 1:
            raise ValueError("mode 'unfreeze' needs unfreeze >= 1")


@dataclass(frozen=True)
class FitSteps:
    """The head's own learning rate, warm-up, clipping, early stopping and the feature batch."""

    head_lr: float = 1e-3
    warmup_ratio: float = 0.1
    max_grad_norm: float = 1.0
    patience: int = 2
    feature_batch_size: int = 16


@dataclass(frozen=True)
class FitConfig(FitSteps, FitMode, Schedule):
    """How to train: the shared `Schedule` with the backbone's defaults, `FitMode` and `FitSteps`."""

    epochs: int = 3
    batch_size: int = 32
    lr: float = 2e-5
    weight_decay: float = 0.01
    seed: int = 0

    def to_params(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class FitHistory:
    """One row per epoch (`epoch`, `train_loss`, `val_auroc`, `val_loss`, `lr`), the best epoch
    (1-based), its validation AUROC, where its weights are, and how the run was set up."""

    epochs: list[dict[str, float]]
    best_epoch: int
    best_val_auroc: float
    seconds: float
    checkpoint: str | None
    device: str
    mixed_precision: str
    trainable_parameters: int
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _auroc(y: np.ndarray, scores: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, scores)) if len(np.unique(y)) == 2 else 0.5


def _trainable_state(model: nn.Module) -> dict[str, torch.Tensor]:
    names = {n for n, p in model.named_parameters() if p.requires_grad}
    return {k: v.detach().cpu().clone() for k, v in model.state_dict().items() if k in names}


@contextlib.contextmanager
def _mlflow_run(work: Path | None, run_name: str, params: dict[str, Any]) -> Iterator[Any]:
    """An MLflow run in `work/mlruns` (`workdir.mlflow_for`) when `work` is given and mlflow is
    importable, else None."""
    if work is None:
        yield None
        return
    from codeorigin_train.fit.workdir import mlflow_for

    try:
        mlflow = mlflow_for(work)
    except ImportError:
        log.info("mlflow is not installed: the run is not tracked")
        yield None
        return
    with mlflow.start_run(run_name=run_name):
        mlflow.log_params(params)
        yield mlflow


_Forward = Callable[[nn.Module, Sequence[torch.Tensor]], torch.Tensor]


@dataclass(frozen=True)
class _Inputs:
    """What one mode trains: the module, its training set, its forward pass, the validation data."""

    module: nn.Module
    dataset: Any  # a torch Dataset
    forward: _Forward
    val_batches: list[tuple[torch.Tensor, ...]]
    y_val: np.ndarray  # in the order of `val_batches`
    collate: Callable[[list[int]], tuple[torch.Tensor, ...]] | None = None


class _Split(NamedTuple):
    """The texts and labels a fit trains and validates on."""

    train_texts: Sequence[str]
    val_texts: Sequence[str]
    y_train: torch.Tensor
    y_val: np.ndarray


def _frozen_inputs(
    backbone: Backbone,
    split: _Split,
    config: FitConfig,
    cache_dir: Path | None,
    features: tuple[np.ndarray, np.ndarray] | None,
) -> _Inputs:
    """The frozen mode's inputs: the head on pooled features (computed here unless given)."""
    train_texts, val_texts, y_train, y_val = split
    if features is None:
        features = (
            pooled_features(
                backbone, train_texts, cache_dir=cache_dir, batch_size=config.feature_batch_size
            ),
            pooled_features(
                backbone, val_texts, cache_dir=cache_dir, batch_size=config.feature_batch_size
            ),
        )
    x_train = torch.from_numpy(np.asarray(features[0], dtype=np.float32))
    x_val = torch.from_numpy(np.asarray(features[1], dtype=np.float32))
    dataset = torch.utils.data.TensorDataset(x_train, y_train)

    def forward(m: nn.Module, batch: Sequence[torch.Tensor]) -> torch.Tensor:
        return m(batch[0])  # type: ignore[no-any-return]

    val_batches = [(x_val[i : i + 256],) for i in range(0, len(x_val), 256)]
    return _Inputs(backbone.classifier.head, dataset, forward, val_batches, y_val)


def _window_inputs(backbone: Backbone, split: _Split, config: FitConfig) -> _Inputs:
    """The unfreeze and full modes' inputs: the whole classifier on each text's first window."""
    train_texts, val_texts, y_train, y_val = split
    enc = backbone.token_encoder
    seq_train = first_windows(enc, train_texts)
    seq_val = first_windows(enc, val_texts)
    dataset = _IndexDataset(len(seq_train))

    def collate(rows: list[int]) -> tuple[torch.Tensor, ...]:
        ids, mask = enc.pad_batch([seq_train[i] for i in rows])
        return torch.from_numpy(ids), torch.from_numpy(mask), y_train[rows]

    def forward(m: nn.Module, batch: Sequence[torch.Tensor]) -> torch.Tensor:
        return m(batch[0], batch[1])  # type: ignore[no-any-return]

    order = sorted(range(len(seq_val)), key=lambda i: len(seq_val[i]))
    val_batches = []
    for i in range(0, len(order), config.batch_size):
        rows = order[i : i + config.batch_size]
        ids, mask = enc.pad_batch([seq_val[r] for r in rows])
        val_batches.append((torch.from_numpy(ids), torch.from_numpy(mask), torch.tensor(rows)))
    y_val = y_val[[r for b in val_batches for r in b[2].tolist()]]
    return _Inputs(backbone.classifier, dataset, forward, val_batches, y_val, collate)


def _optimization(
    clf: nn.Module, inputs: _Inputs, config: FitConfig
) -> tuple[Any, torch.optim.Optimizer, Any, list[dict[str, Any]]]:
    """The shuffled loader, AdamW with its parameter groups, and the warm-up/decay schedule."""
    from transformers import get_linear_schedule_with_warmup

    loader = torch.utils.data.DataLoader(
        inputs.dataset,
        batch_size=config.batch_size,
        shuffle=True,
        generator=torch.Generator().manual_seed(config.seed),
        **({} if config.mode == "frozen" else {"collate_fn": inputs.collate}),
    )
    head_params = [p for p in clf.head.parameters() if p.requires_grad]
    enc_params = [p for p in clf.encoder.parameters() if p.requires_grad]
    groups = [{"params": head_params, "lr": config.head_lr}]
    if enc_params and config.mode != "frozen":
        groups.append({"params": enc_params, "lr": config.lr})
    optimizer = torch.optim.AdamW(groups, weight_decay=config.weight_decay)
    total = max(1, config.epochs * len(loader))
    scheduler = get_linear_schedule_with_warmup(optimizer, int(config.warmup_ratio * total), total)
    return loader, optimizer, scheduler, groups


def _train_epoch(
    accelerator: Any,
    module: nn.Module,
    forward: _Forward,
    loader: Any,
    optimizer: Any,
    scheduler: Any,
    loss_fn: nn.Module,
    max_grad_norm: float,
) -> list[float]:
    """One pass over `loader` (with gradient clipping); the training loss of every batch."""
    module.train()
    losses = []
    for batch in loader:
        with accelerator.autocast():
            logits = forward(module, batch)
        loss = loss_fn(logits.float(), batch[-1].float())
        accelerator.backward(loss)
        if accelerator.sync_gradients and max_grad_norm > 0:
            accelerator.clip_grad_norm_(module.parameters(), max_grad_norm)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad()
        losses.append(float(loss.detach()))
    return losses


def _epoch_row(
    epoch: int,
    losses: list[float],
    accelerator: Any,
    module: nn.Module,
    inputs: _Inputs,
    loss_fn: nn.Module,
    scheduler: Any,
) -> dict[str, float]:
    """The history row of one epoch: its training loss, validation AUROC and loss, and lr."""
    val_logits = _predict(accelerator, module, inputs.forward, inputs.val_batches)
    y_val = inputs.y_val
    return {
        "epoch": float(epoch),
        "train_loss": float(np.mean(losses)) if losses else float("nan"),
        "val_auroc": _auroc(y_val, val_logits),
        "val_loss": float(loss_fn(torch.from_numpy(val_logits), torch.from_numpy(y_val))),
        "lr": float(scheduler.get_last_lr()[-1]),
    }


def _train_epochs(
    accelerator: Any,
    module: nn.Module,
    inputs: _Inputs,
    training: tuple[Any, Any, Any, nn.Module],
    config: FitConfig,
    *,
    ckpt: Path | None,
    mlflow: Any,
    on_epoch: Callable[[int, dict[str, float]], None] | None,
) -> tuple[list[dict[str, float]], float, int, dict[str, torch.Tensor] | None]:
    """Train epoch after epoch until early stop, keep (and restore) the best epoch's weights."""
    loader, optimizer, scheduler, loss_fn = training
    history: list[dict[str, float]] = []
    best, best_epoch, best_state, waited = -1.0, 0, None, 0
    for epoch in range(1, config.epochs + 1):
        losses = _train_epoch(
            accelerator,
            module,
            inputs.forward,
            loader,
            optimizer,
            scheduler,
            loss_fn,
            config.max_grad_norm,
        )
        row = _epoch_row(epoch, losses, accelerator, module, inputs, loss_fn, scheduler)
        history.append(row)
        log.info("epoch %d: %s", epoch, row)
        figures = {k: v for k, v in row.items() if k != "epoch"}
        if mlflow is not None:
            mlflow.log_metrics(figures, step=epoch)
        if on_epoch is not None:
            on_epoch(epoch, figures)
        if row["val_auroc"] > best:
            best, best_epoch, waited = row["val_auroc"], epoch, 0
            best_state = _trainable_state(accelerator.unwrap_model(module))
            if ckpt is not None and accelerator.is_main_process:
                ckpt.parent.mkdir(parents=True, exist_ok=True)
                torch.save({"state": best_state, "epoch": epoch, "val_auroc": best}, ckpt)
        else:
            waited += 1
            if waited >= config.patience:
                log.info("early stop after epoch %d (best %d)", epoch, best_epoch)
                break
    if best_state is not None:
        accelerator.unwrap_model(module).load_state_dict(best_state, strict=False)
    return history, best, best_epoch, best_state


def fit(
    backbone: Backbone,
    train_texts: Sequence[str],
    train_labels: Sequence[int] | np.ndarray,
    val_texts: Sequence[str],
    val_labels: Sequence[int] | np.ndarray,
    config: FitConfig,
    *,
    run_dir: Path | None = None,
    cache_dir: Path | None = None,
    mlflow_work: Path | None = None,
    run_name: str = "backbone",
    features: tuple[np.ndarray, np.ndarray] | None = None,
    on_epoch: Callable[[int, dict[str, float]], None] | None = None,
) -> FitHistory:
    """Train `backbone.classifier` in place; returns the history (see the module docstring).

    In the frozen mode, `features` = (train, validation) pooled features already computed (for
    example one pass over a whole frame shared by leave-one-source-out folds) skip the encoder.
    `on_epoch(epoch, figures)` is called after every epoch (the variant runner logs to MLflow
    with it); `mlflow_work` instead opens an MLflow run here, in `mlflow_work/mlruns`.
    """
    from accelerate import Accelerator
    from accelerate.utils import set_seed

    started = time.perf_counter()
    cuda = torch.cuda.is_available()
    accelerator = Accelerator(mixed_precision="bf16" if cuda else "no", cpu=not cuda)
    set_seed(config.seed)
    clf = backbone.classifier
    clf.set_trainable(config.mode, config.unfreeze)
    clf.to(accelerator.device)
    y_train = torch.as_tensor(np.asarray(train_labels), dtype=torch.float32)
    y_val = np.asarray(val_labels, dtype=np.float64)
    split = _Split(train_texts, val_texts, y_train, y_val)
    if config.mode == "frozen":
        inputs = _frozen_inputs(backbone, split, config, cache_dir, features)
    else:
        inputs = _window_inputs(backbone, split, config)

    loader, optimizer, scheduler, groups = _optimization(clf, inputs, config)
    module, optimizer, loader, scheduler = accelerator.prepare(
        inputs.module, optimizer, loader, scheduler
    )
    loss_fn = nn.BCEWithLogitsLoss()
    ckpt = run_dir / CHECKPOINT if run_dir is not None else None
    trainable = sum(p.numel() for g in groups for p in g["params"])
    params = {**config.to_params(), **backbone.spec.to_params(), "trainable_parameters": trainable}
    with _mlflow_run(mlflow_work, run_name, params) as mlflow:
        history, best, best_epoch, best_state = _train_epochs(
            accelerator,
            module,
            inputs,
            (loader, optimizer, scheduler, loss_fn),
            config,
            ckpt=ckpt,
            mlflow=mlflow,
            on_epoch=on_epoch,
        )
        seconds = time.perf_counter() - started
        if mlflow is not None:
            mlflow.log_metrics(
                {"best_val_auroc": best, "best_epoch": best_epoch, "train_seconds": seconds}
            )
    clf.eval()
    result = FitHistory(
        epochs=history,
        best_epoch=best_epoch,
        best_val_auroc=best,
        seconds=seconds,
        checkpoint=str(ckpt) if ckpt is not None and best_state is not None else None,
        device=str(accelerator.device),
        mixed_precision=str(accelerator.mixed_precision),
        trainable_parameters=int(trainable),
    )
    if run_dir is not None:
        run_dir.mkdir(parents=True, exist_ok=True)
        (run_dir / "history.json").write_text(json.dumps(result.to_dict(), indent=2) + "\n")
    return result


class _IndexDataset(torch.utils.data.Dataset):  # type: ignore[type-arg]
    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> int:
        return i


def _predict(
    accelerator: Any,
    module: nn.Module,
    forward: Callable[[nn.Module, Sequence[torch.Tensor]], torch.Tensor],
    batches: Sequence[tuple[torch.Tensor, ...]],
) -> np.ndarray:
    module.eval()
    out = []
    with torch.inference_mode(), accelerator.autocast():
        for batch in batches:
            moved = [t.to(accelerator.device) for t in batch]
            out.append(forward(module, moved).float().cpu().numpy())
    return np.concatenate(out).astype(np.float64) if out else np.zeros(0)


def load_checkpoint(backbone: Backbone, path: Path) -> dict[str, Any]:
    """Put the weights `fit` saved at `path` into `backbone.classifier`; returns the record."""
    record: dict[str, Any] = torch.load(path, map_location="cpu", weights_only=True)
    state = record["state"]
    clf = backbone.classifier
    # A frozen run saved the head's parameters by their names inside the head.
    target: nn.Module = (
        clf.head if all(not k.startswith(("encoder.", "head.")) for k in state) else clf
    )
    missing = set(state) - set(target.state_dict())
    if missing:
        raise ValueError(f"{path}: weights for {sorted(missing)[:3]}... do not fit this backbone")
    target.load_state_dict(state, strict=False)
    clf.eval()
    return record
