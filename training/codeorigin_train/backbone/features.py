"""Token windows, batched scoring, and the frozen mode's cache of pooled features.

Texts are normalised code (the dataset's `code` column). Training sees the first window of each
text ([CLS] + up to `max_length - 2` tokens + [SEP], in the runtime's `TokenEncoder`); scoring
covers every window and averages the window logits weighted by their token counts, as the
runtime's scorer does, so a logit here is the logit the server will compute.

The frozen backbone's pooled features are cached as one `.npy` per (backbone key, texts) under
`cache_dir`: a second run with the same encoder, layers, pooling, length and texts reads them back.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import torch

from codeorigin_train.backbone.model import Backbone
from codeorigin_train.fit.embed import first_windows, texts_hash

log = logging.getLogger(__name__)


def length_batches(lengths: Sequence[int], batch_size: int) -> Iterator[list[int]]:
    """Indices in order of length, `batch_size` at a time (little padding per batch)."""
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    for i in range(0, len(order), batch_size):
        yield order[i : i + batch_size]


def _device_of(module: torch.nn.Module) -> torch.device:
    return next(module.parameters()).device


def pooled_features(
    backbone: Backbone,
    texts: Sequence[str],
    *,
    cache_dir: Path | None = None,
    batch_size: int = 16,
) -> np.ndarray:
    """Pooled hidden states [N, H] (float32) of each text's first window, cached under `cache_dir`.

    Runs on the device the classifier is on; on CUDA under bf16 autocast.
    """
    path = None
    if cache_dir is not None:
        path = Path(cache_dir) / f"{backbone.key}.{texts_hash(texts)}.pooled.npy"
        if path.is_file():
            log.info("frozen features from %s", path)
            return np.load(path)
    model = backbone.classifier.eval()
    device = _device_of(model)
    seqs = first_windows(backbone.token_encoder, texts)
    out = np.zeros((len(seqs), int(model.encoder.config.hidden_size)), dtype=np.float32)
    autocast = torch.autocast("cuda", dtype=torch.bfloat16, enabled=device.type == "cuda")
    with torch.inference_mode(), autocast:
        for rows in length_batches([len(s) for s in seqs], batch_size):
            ids, mask = backbone.token_encoder.pad_batch([seqs[i] for i in rows])
            feats = model.features(
                torch.from_numpy(ids).to(device), torch.from_numpy(mask).to(device)
            )
            out[rows] = feats.float().cpu().numpy()
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp.npy")
        np.save(tmp, out)
        tmp.replace(path)
    return out


def predict_logits(backbone: Backbone, texts: Sequence[str], *, batch_size: int = 16) -> np.ndarray:
    """One logit per text: every window scored, window logits averaged by token count."""
    model = backbone.classifier.eval()
    device = _device_of(model)
    enc = backbone.token_encoder
    encodings = []
    for i in range(0, len(texts), 512):
        encodings.extend(enc.encode_batch(list(texts[i : i + 512])))
    items: list[tuple[int, list[int], int]] = []  # (text, window ids with specials, tokens)
    for t, e in enumerate(encodings):
        for w in enc.windows(len(e.ids)):
            items.append((t, enc.with_specials(e.ids[w.start : w.end]), w.end - w.start))
    sums = np.zeros(len(texts), dtype=np.float64)
    weights = np.zeros(len(texts), dtype=np.float64)
    autocast = torch.autocast("cuda", dtype=torch.bfloat16, enabled=device.type == "cuda")
    with torch.inference_mode(), autocast:
        for rows in length_batches([len(s) for _, s, _ in items], batch_size):
            ids, mask = enc.pad_batch([items[k][1] for k in rows])
            logits = model(torch.from_numpy(ids).to(device), torch.from_numpy(mask).to(device))
            for k, logit in zip(rows, logits.float().cpu().numpy()):
                t, _, n = items[k]
                w = max(n, 1)
                sums[t] += float(logit) * w
                weights[t] += w
    return np.divide(sums, weights, out=np.zeros_like(sums), where=weights > 0)


def head_logits(backbone: Backbone, features: np.ndarray, *, batch_size: int = 1024) -> np.ndarray:
    """The head's logits on pooled features (the frozen mode's cheap scoring of first windows)."""
    head = backbone.classifier.head.eval()
    device = _device_of(head)
    out = []
    with torch.inference_mode():
        for i in range(0, len(features), batch_size):
            x = torch.from_numpy(np.asarray(features[i : i + batch_size], dtype=np.float32))
            out.append(head(x.to(device)).float().cpu().numpy())
    return np.concatenate(out).astype(np.float64) if out else np.zeros(0)
