"""`python -m codeorigin_train.backbone.bakeoff`: the backbone bake-off in one command, for a GPU.

One pool of rows is scored by every arm:

- the training frame: every dataset row (all splits), dated real-project human functions of
  training projects (`--realcode N`) and 600 of validation projects, the paired real-project
  functions of training projects (`--paired K` LLM bodies each; validation projects 1 each);
- optionally the bodies SmolLM2 wrote for dated real-project functions (`--generated`, the output
  of `python -m codeorigin_train.data.generate`), split by project exactly as the real code is; arms
  run with and without them (`--generated-arms`);
- the held-out rows no arm trains on: real-project human functions of test projects, paired
  functions of test projects, generated bodies of test projects;
- every other real-project and paired row (the unlabeled pool a student is distilled on).

Frozen arms (`--frozen-layers 4,6,8,12,30`): one forward pass of the whole backbone yields the
pooled hidden states after every kept layer (the final norm applied, as a backbone cut to K layers
computes them), and the design's head trains on them in seconds on the GPU. Each frozen arm is
measured on the test split, the held-out rows and leave-one-source-out over every source of the
frame with at least 30 rows of each label (the fold's source is never trained or validated on).

Fine-tuned arms (`--finetune 12:full,6:unfreeze2`) train through `backbone.fit` (accelerate, bf16 on
CUDA, warm-up, clipping, early stopping on validation AUROC) and are measured the same way on the
first window of each text; `--finetune-loso` fine-tunes again per fold.

Thresholds hold 1% FPR on the validation human rows (the 99th percentile of their logits). The
report (`bakeoff.json`) and the pool's logits (`logits.parquet`: `key`, `role`, `source`, `split`,
`label`, `language`, one `logit:<arm>` column per arm) go to `--out` after every arm, so a run cut
short keeps what it measured.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from codeorigin_train.backbone.features import length_batches
from codeorigin_train.backbone.model import Backbone, additive_mask
from codeorigin_train.fit.embed import first_windows

log = logging.getLogger(__name__)

COLUMNS = ["code", "label", "language", "source", "generator", "group", "split"]
HELDOUT_ROLES = ("heldout-realcode", "heldout-paired", "heldout-generated")
MIN_PER_LABEL = 30


# ----------------------------------------------------------------------------------- the pool


def text_key(code: str) -> str:
    """The key of a text in `logits.parquet`."""
    return hashlib.blake2b(code.encode(), digest_size=10).hexdigest()


def generated_rows(path: Path) -> pd.DataFrame:
    """Generated bodies with the split of their project (the dated real code's split)."""
    from codeorigin_train.data.splits import split_of
    from codeorigin_train.fit.frames import REALCODE_FRACTIONS

    gen = pd.read_parquet(path)
    gen = gen.assign(split=gen["group"].map(lambda g: split_of(str(g), 0, REALCODE_FRACTIONS)))
    return gen[COLUMNS].reset_index(drop=True)


def build_pool(
    work: Path, *, realcode: int, paired: int, generated: Path | None, seed: int = 0
) -> pd.DataFrame:
    """Every row the arms score, with its `role` (see the module docstring) and `key`."""
    from codeorigin_train.fit.frames import (
        augment_with_paired,
        augment_with_realcode,
        load_dataset,
        realcode_rows,
    )

    frame = load_dataset(work / "dataset.parquet")[COLUMNS]
    frame, real_test = augment_with_realcode(frame, work, train=realcode, val=600, seed=seed)
    frame = augment_with_paired(frame, work, train=paired, val=1, seed=seed)
    parts = [frame[COLUMNS].assign(role="frame")]
    if real_test is not None:
        parts.append(real_test.assign(source="realcode")[COLUMNS].assign(role="heldout-realcode"))
    if (work / "paired.parquet").is_file():
        pairs = pd.read_parquet(work / "paired.parquet")
        test = pairs["split"] == "test"
        parts.append(pairs[test][COLUMNS].assign(role="heldout-paired"))
        parts.append(pairs[~test][COLUMNS].assign(role="pool"))
    if generated is not None:
        gen = generated_rows(generated)
        test = gen["split"] == "test"
        parts.append(gen[~test].assign(role="generated"))
        parts.append(gen[test].assign(role="heldout-generated"))
    real = realcode_rows(work, set(frame["language"]), seed=0)
    if real is not None:
        parts.append(real.assign(source="realcode")[COLUMNS].assign(role="pool"))
    pool = pd.concat(parts, ignore_index=True)
    pool["key"] = [text_key(c) for c in pool["code"].tolist()]
    # A text in the frame (or held out) is not also a pool row.
    pool = pool.drop_duplicates(subset=["key", "label", "role"]).reset_index(drop=True)
    held = set(pool.loc[pool["role"] != "pool", "key"])
    return pool[(pool["role"] != "pool") | ~pool["key"].isin(held)].reset_index(drop=True)


# ------------------------------------------------------------------------------ frozen arms


def layer_features(
    backbone: Backbone, texts: Sequence[str], layers: Sequence[int], *, batch_size: int = 64
) -> dict[int, np.ndarray]:
    """Pooled hidden states [N, H] of each text's first window after each of `layers` layers,
    from one pass of the whole backbone; a layer below the top gets the final norm, so layer K's
    features are those of the backbone cut to K layers (`BackboneSpec.layers`)."""
    clf = backbone.classifier.eval()
    encoder = clf.encoder
    depth = len(encoder.layers())
    if any(not 1 <= k <= depth for k in layers):
        raise ValueError(f"layers {list(layers)}: the backbone has {depth}")
    norms = encoder.final_norms()
    device = next(clf.parameters()).device
    seqs = first_windows(backbone.token_encoder, texts)
    hidden = int(encoder.config.hidden_size)
    out = {k: np.zeros((len(seqs), hidden), dtype=np.float32) for k in layers}
    autocast = torch.autocast("cuda", dtype=torch.bfloat16, enabled=device.type == "cuda")
    with torch.inference_mode(), autocast:
        for rows in length_batches([len(s) for s in seqs], batch_size):
            ids, mask = backbone.token_encoder.pad_batch([seqs[i] for i in rows])
            ids_t, mask_t = torch.from_numpy(ids).to(device), torch.from_numpy(mask).to(device)
            embeds = encoder.get_input_embeddings()(ids_t)
            add = additive_mask(mask_t, embeds.dtype, causal=encoder.causal, length=ids.shape[1])
            kwargs: dict[str, Any] = {"use_cache": False} if encoder.causal else {}
            res = encoder.base(
                inputs_embeds=embeds, attention_mask=add, output_hidden_states=True, **kwargs
            )
            for k in layers:
                h = res.last_hidden_state if k == depth else res.hidden_states[k]
                if k < depth:
                    for norm in norms:
                        h = norm(h)
                out[k][rows] = clf.pool(h, mask_t).float().cpu().numpy()
    return out


def auroc(y: np.ndarray, scores: np.ndarray) -> float | None:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, scores)) if len(np.unique(y)) == 2 else None


def train_head(
    x: torch.Tensor,
    y: torch.Tensor,
    train: np.ndarray,
    val: np.ndarray,
    *,
    seed: int = 0,
    epochs: int = 20,
    patience: int = 3,
    batch_size: int = 512,
) -> torch.nn.Module:
    """The design's head on features `x` (on the device), trained on rows `train` with AdamW
    (lr 1e-3), kept at its best validation AUROC, early-stopped after `patience` epochs.

    The features stay on the device and batches are index slices: a bake-off trains about 100
    heads (every arm and fold), where `backbone.fit`'s frozen mode would build a CPU loader and an
    `Accelerator` for each."""
    from codeorigin_train.fit.modeling import Head

    torch.manual_seed(seed)
    head = Head(int(x.shape[1])).to(x.device)
    opt = torch.optim.AdamW(head.parameters(), lr=1e-3, weight_decay=0.01)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    gen = torch.Generator().manual_seed(seed)
    tr = torch.as_tensor(train, device=x.device)
    y_val = y[val].cpu().numpy()
    best, best_state, waited = -1.0, None, 0
    for _ in range(epochs):
        head.train()
        for b in torch.randperm(len(tr), generator=gen).split(batch_size):
            idx = tr[b.to(x.device)]
            loss = loss_fn(head(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        score = auroc(y_val, head_scores(head, x[torch.as_tensor(val, device=x.device)])) or 0.0
        if score > best:
            best, waited = score, 0
            best_state = {k: v.detach().clone() for k, v in head.state_dict().items()}
        else:
            waited += 1
            if waited >= patience:
                break
    if best_state is not None:
        head.load_state_dict(best_state)
    return head.eval()


def head_scores(head: torch.nn.Module, x: torch.Tensor) -> np.ndarray:
    head.eval()
    with torch.inference_mode():
        out = [head(x[i : i + 8192]).float().cpu().numpy() for i in range(0, len(x), 8192)]
    return np.concatenate(out).astype(np.float64) if out else np.zeros(0)


# ---------------------------------------------------------------------------- measurements


@dataclass(frozen=True)
class Rows:
    """Positions in the pool: what an arm trains on, validates on, and is measured on."""

    train: np.ndarray
    val: np.ndarray
    test: np.ndarray

    @classmethod
    def of(cls, pool: pd.DataFrame, *, with_generated: bool) -> Rows:
        roles = {"frame", "generated"} if with_generated else {"frame"}
        inside = pool["role"].isin(sorted(roles)).to_numpy()
        split = pool["split"].to_numpy()
        return cls(
            np.flatnonzero(inside & (split == "train")),
            np.flatnonzero(inside & (split == "val")),
            np.flatnonzero((pool["role"] == "frame").to_numpy() & (split == "test")),
        )


def loso_sources(pool: pd.DataFrame) -> list[str]:
    """Sources of the frame with at least `MIN_PER_LABEL` rows of each label, largest first."""
    frame = pool[pool["role"] == "frame"]
    counts = frame.groupby(["source", "label"]).size().unstack(fill_value=0)
    both = counts[(counts.get(0, 0) >= MIN_PER_LABEL) & (counts.get(1, 0) >= MIN_PER_LABEL)]
    return list(both.sum(axis=1).sort_values(ascending=False).index)


def threshold_at(logits: np.ndarray, y: np.ndarray, fpr: float = 0.01) -> float:
    """The logit above which at most `fpr` of the human rows lie."""
    human = logits[y == 0]
    return float(np.quantile(human, 1.0 - fpr)) if len(human) else float("inf")


def report(pool: pd.DataFrame, logits: np.ndarray, rows: Rows) -> dict[str, Any]:
    """Test AUROC, the 1%-validation-FPR threshold, recall and FPR at it, and the held-out rows."""
    y = pool["label"].to_numpy()
    role = pool["role"].to_numpy()
    thr = threshold_at(logits[rows.val], y[rows.val])
    flag = logits > thr
    test = rows.test

    def rate(mask: np.ndarray) -> float | None:
        return float(flag[mask].mean()) if mask.any() else None

    out: dict[str, Any] = {
        "test_auroc": auroc(y[test], logits[test]),
        "threshold_logit": thr,
        "test_recall": rate(np.isin(np.arange(len(y)), test) & (y == 1)),
        "test_fpr": rate(np.isin(np.arange(len(y)), test) & (y == 0)),
        "heldout_realcode_fpr": rate(role == "heldout-realcode"),
    }
    for r in ("heldout-paired", "heldout-generated"):
        m = role == r
        if r == "heldout-generated" and m.any():  # against the test projects' human functions
            m = m | (role == "heldout-realcode")
        if m.any():
            name = r.replace("heldout-", "")
            out[f"{name}_auroc"] = auroc(y[m], logits[m])
            out[f"{name}_recall"] = rate(m & (y == 1))
    return out


def loso(
    pool: pd.DataFrame, rows: Rows, fit_score: Any, sources: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """Per source: train and validate without it, test on all its frame rows."""
    src = pool["source"].to_numpy()
    y = pool["label"].to_numpy()
    frame = (pool["role"] == "frame").to_numpy()
    out: dict[str, dict[str, Any]] = {}
    for s in sources:
        train = rows.train[src[rows.train] != s]
        val = rows.val[src[rows.val] != s]
        test = np.flatnonzero(frame & (src == s))
        logits = fit_score(train, val)
        thr = threshold_at(logits[val], y[val])
        out[s] = {
            "auroc": auroc(y[test], logits[test]),
            "recall": float((logits[test][y[test] == 1] > thr).mean()),
            "fpr": float((logits[test][y[test] == 0] > thr).mean()),
            "n": len(test),
        }
        log.info("LOSO %s: %s", s, out[s])
    return out


def loso_mean(folds: dict[str, dict[str, Any]]) -> float | None:
    vals = [f["auroc"] for f in folds.values() if f["auroc"] is not None]
    return float(np.mean(vals)) if vals else None
