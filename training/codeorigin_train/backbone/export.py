"""Export a backbone classifier as a codeorigin model folder the runtime loads as it is.

The shared export code does the work (`export.write_model_folder`: scorer graph `input_ids,
attention_mask -> logit`, parity against torch, tokenizer, manifest with digests;
`export.quantize.quantize_scorer`: the int8 copy; `export.gradient.add_gradient_graph`: the Integrated
Gradients graph with its own parity check). This module adds what is particular to a backbone:
its runtime tokenizer (with the `[CLS]`/`[SEP]`/`[PAD]` names), the int8 check on given texts
(the int8 scorer is used only when validation AUROC stays within `max_auroc_drop` of fp32), and the
backbone's description in the manifest's `training` record.
"""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from codeorigin.model.manifest import MANIFEST, write_manifest
from codeorigin_train.backbone.model import Backbone
from codeorigin_train.data.fields import attrs_dict

log = logging.getLogger(__name__)

INT8_FILE = "model.int8.onnx"
MAX_AUROC_DROP = 0.005


# The export record's names for `Int8Check`'s fields.
_INT8_KEYS = (
    "rows",
    "max_abs_logit_diff",
    "val_auroc_fp32=auroc_fp32",
    "val_auroc_int8=auroc_int8",
    "int8_used=used",
)


@dataclass(frozen=True)
class Int8Check:
    """fp32 against int8 scorer logits on the check texts (first windows, through onnxruntime)."""

    rows: int
    max_abs_logit_diff: float
    auroc_fp32: float | None
    auroc_int8: float | None
    used: bool

    def to_dict(self) -> dict[str, Any]:
        return attrs_dict(self, _INT8_KEYS)


class _SiLUFunction(torch.autograd.Function):
    """SiLU with its backward written in elementary ops: the ONNX exporter has no `silu_backward`
    or `sigmoid_backward`, and the gradient graph is a traced backward pass."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor) -> torch.Tensor:
        s = torch.sigmoid(x)
        ctx.save_for_backward(x, s)
        return x * s

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> torch.Tensor:
        x, s = ctx.saved_tensors
        return grad * (s * (1.0 + x * (1.0 - s)))


class ExportableSiLU(nn.Module):
    """Same values and gradients as `nn.SiLU`, exportable as a backward graph."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _SiLUFunction.apply(x)  # type: ignore[no-any-return]


def gradient_ready(classifier: nn.Module) -> nn.Module:
    """A copy of `classifier` whose SiLU activations are `ExportableSiLU` (same function)."""
    clone = copy.deepcopy(classifier).float().eval()
    for module in list(clone.modules()):
        for name, child in list(module.named_children()):
            if isinstance(child, nn.SiLU) or type(child).__name__ == "SiLUActivation":
                setattr(module, name, ExportableSiLU())
    return clone


def _auroc(labels: np.ndarray | None, scores: np.ndarray) -> float | None:
    if labels is None or len(np.unique(labels)) < 2:
        return None
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(labels, scores))


def int8_check(
    backbone: Backbone,
    folder: Path,
    texts: Sequence[str],
    labels: Sequence[int] | np.ndarray | None = None,
    *,
    max_auroc_drop: float = MAX_AUROC_DROP,
) -> Int8Check:
    """Quantise `folder/model.onnx` to `folder/model.int8.onnx` and compare the two graphs.

    With labels, the int8 graph is usable when its AUROC is at most `max_auroc_drop` below fp32's;
    without, it is never used (there is nothing to judge it by).
    """
    from codeorigin_train.export.folder import onnx_logits, parity_batches
    from codeorigin_train.export.quantize import quantize_scorer

    quantize_scorer(folder / "model.onnx", folder / INT8_FILE)
    batches = parity_batches(backbone.token_encoder, [t for t in texts if t.strip()])
    fp32 = np.concatenate([onnx_logits(folder / "model.onnx", i, m) for i, m in batches])
    int8 = np.concatenate([onnx_logits(folder / INT8_FILE, i, m) for i, m in batches])
    y = (
        np.asarray(labels)[[i for i, t in enumerate(texts) if t.strip()]]
        if labels is not None
        else None
    )
    a32, a8 = _auroc(y, fp32), _auroc(y, int8)
    used = a32 is not None and a8 is not None and a32 - a8 <= max_auroc_drop
    diff = float(np.max(np.abs(fp32 - int8))) if fp32.size else 0.0
    return Int8Check(len(fp32), diff, a32, a8, bool(used))


def export_backbone(
    backbone: Backbone,
    folder: Path,
    *,
    name: str,
    parity_texts: Sequence[str],
    calibration: dict[str, Any] | None = None,
    thresholds: dict[str, float] | None = None,
    check_texts: Sequence[str] = (),
    check_labels: Sequence[int] | np.ndarray | None = None,
    int8: bool = True,
    gradient: bool = True,
    training: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Write `folder` (scorer, optional int8 copy, optional gradient graph, tokenizer, manifest)
    and return the manifest. Raises `export.ParityError` when a graph does not match torch.

    The gradient graph needs mean pooling (the graph pools by mean); a last-token classifier is
    exported without one and the manifest says so.
    """
    from codeorigin_train.export.folder import write_model_folder
    from codeorigin_train.export.gradient import add_gradient_graph

    clf = backbone.classifier.float().eval()
    record = {
        "backbone": {
            **backbone.spec.to_params(),
            "source": backbone.source.describe(),
            "causal": backbone.classifier.encoder.causal,
            "hidden_size": int(clf.encoder.config.hidden_size),
        },
        **(training or {}),
    }
    manifest = write_model_folder(
        folder,
        model=clf,
        tokenizer_file=backbone.tokenizer_file,
        name=name,
        max_length=backbone.spec.max_length,
        layout_markers=False,
        parity_texts=list(parity_texts),
        calibration=calibration or {"method": "identity", "a": 1.0, "b": 0.0},
        thresholds=thresholds or {"llm": 0.5, "uncertain": 0.5},
        extra={"training": record},
    )
    files = list(manifest["files"])
    if int8:
        check = int8_check(backbone, folder, check_texts or parity_texts, check_labels)
        log.info("int8 check: %s", check.to_dict())
        record["int8_check"] = check.to_dict()
        if check.used:
            manifest["onnx"] = {**manifest["onnx"], "scorer": INT8_FILE}
            files.append(INT8_FILE)
        else:
            (folder / INT8_FILE).unlink(missing_ok=True)
    manifest = {**manifest, "training": record, "files": files}
    if not gradient or backbone.spec.pooling != "mean":
        record["gradient_graph"] = (
            "not exported" if not gradient else "none: the gradient graph pools by mean"
        )
        gradient = False
    write_manifest(
        folder,
        {
            k: v
            for k, v in manifest.items()
            if k not in ("format", "format_version", "normalization_version")
        },
    )
    if gradient:
        add_gradient_graph(gradient_ready(clf), folder, update_manifest=True)
    return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))  # type: ignore[no-any-return]
