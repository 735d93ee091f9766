"""Export a trained classifier into a codeorigin model folder, with parity checks.

The scorer graph takes `input_ids` and `attention_mask` (int64, [batch, length], both dynamic) and
returns `logit` [batch]. Its logits are checked against torch's on real inputs (`PARITY_TOL`); a
failure raises `ParityError` before the manifest is written.
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from codeorigin.model.encoding import TokenEncoder
from codeorigin.model.manifest import MANIFEST, write_manifest
from codeorigin_train.fit.modeling import CodeOriginClassifier

log = logging.getLogger(__name__)

PARITY_TOL = 1e-4
OPSET = 17


class ParityError(RuntimeError):
    """The exported graph does not reproduce the torch model."""


class _ScorerWrapper(torch.nn.Module):
    def __init__(self, model: CodeOriginClassifier) -> None:
        super().__init__()
        self.model = model

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.model(input_ids, attention_mask)


def export_scorer(model: CodeOriginClassifier, path: Path, *, example_length: int = 16) -> Path:
    """Write the scorer graph to `path` (fp32, weights inside the file)."""
    model = model.eval()
    wrapper = _ScorerWrapper(model).eval()
    ids = torch.ones((2, example_length), dtype=torch.long)
    mask = torch.ones((2, example_length), dtype=torch.long)
    path.parent.mkdir(parents=True, exist_ok=True)
    with torch.no_grad():
        torch.onnx.export(
            wrapper,
            (ids, mask),
            str(path),
            input_names=["input_ids", "attention_mask"],
            output_names=["logit"],
            dynamic_axes={
                "input_ids": {0: "batch", 1: "length"},
                "attention_mask": {0: "batch", 1: "length"},
                "logit": {0: "batch"},
            },
            opset_version=OPSET,
            dynamo=False,
        )
    return path


def ort_session(path: Path, threads: int | None = None) -> Any:
    """An onnxruntime CPU session (`threads` intra-op and one inter-op; None: the defaults)."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    if threads is not None:
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
    opts.log_severity_level = 3
    return ort.InferenceSession(str(path), sess_options=opts, providers=["CPUExecutionProvider"])


def manifest_raw(folder: Path) -> dict[str, Any]:
    """The manifest of `folder` as written, less what `write_manifest` writes anew (its format)."""
    raw: dict[str, Any] = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    for key in ("format", "format_version", "normalization_version"):
        raw.pop(key, None)
    return raw


def check_parity(
    model: CodeOriginClassifier,
    path: Path,
    batches: Sequence[tuple[np.ndarray, np.ndarray]],
    *,
    tol: float = PARITY_TOL,
) -> float:
    """Max |logit_onnx - logit_torch| over the batches; raises ParityError above `tol`."""
    model, session = model.eval(), ort_session(path)
    worst = 0.0
    for ids, mask in batches:
        with torch.no_grad():
            ref = model(torch.from_numpy(ids), torch.from_numpy(mask)).double().numpy()
        (got,) = session.run(["logit"], {"input_ids": ids, "attention_mask": mask})
        got = np.asarray(got, dtype=np.float64).reshape(-1)
        if got.shape != ref.shape:
            raise ParityError(f"{path}: output shape {got.shape} != torch {ref.shape}")
        worst = max(worst, float(np.max(np.abs(got - ref))) if ref.size else 0.0)
    if not np.isfinite(worst) or worst > tol:
        raise ParityError(f"{path}: max |logit difference| {worst:.3g} exceeds {tol:g}")
    return worst


def parity_batches(
    encoder: TokenEncoder, texts: Sequence[str], *, batch_size: int = 8
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Padded batches of real (normalised) texts for the parity check, windows cut to max length."""
    encs = encoder.encode_batch(list(texts))
    seqs = [encoder.with_specials(e.ids[: encoder.body_length]) for e in encs]
    return [encoder.pad_batch(seqs[i : i + batch_size]) for i in range(0, len(seqs), batch_size)]


def write_model_folder(
    folder: Path,
    *,
    model: CodeOriginClassifier,
    tokenizer_file: Path,
    name: str,
    max_length: int,
    layout_markers: bool,
    parity_texts: Sequence[str],
    calibration: dict[str, Any],
    thresholds: dict[str, float],
    extra: dict[str, Any] | None = None,
    extra_files: Sequence[str] = (),
) -> dict[str, Any]:
    """Write `model.onnx` (fp32, parity-checked), `tokenizer.json` and `manifest.json` into
    `folder`; the manifest. `extra_files`: files already in `folder` to list in the manifest."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(tokenizer_file, folder / "tokenizer.json")
    encoder = TokenEncoder(folder / "tokenizer.json", max_length=max_length, layout=layout_markers)
    fp32 = export_scorer(model, folder / "model.onnx")
    batches = parity_batches(
        encoder, [t for t in parity_texts if t.strip()] or ["def f():\n    return 1"]
    )
    max_diff = check_parity(model, fp32, batches)
    log.info("parity: max |logit difference| %.2e (tolerance %g)", max_diff, PARITY_TOL)
    manifest: dict[str, Any] = {
        "name": name,
        "max_length": int(max_length),
        "tokenizer": {"file": "tokenizer.json", "layout_markers": bool(layout_markers)},
        "onnx": {"scorer": "model.onnx", "fp32": "model.onnx"},
        "calibration": calibration,
        "thresholds": thresholds,
        "windows": {"stride": "half", "combine": "token-weighted mean of window logits"},
        "parity": {"max_abs_logit_diff": max_diff, "tolerance": PARITY_TOL},
        **(extra or {}),
        "files": ["tokenizer.json", *extra_files, "model.onnx"],
    }
    write_manifest(folder, manifest)
    return manifest
