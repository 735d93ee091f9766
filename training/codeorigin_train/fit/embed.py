"""A cache of what the frozen encoder computes, so heads train in seconds instead of hours.

Two kinds of cache, both keyed by (encoder, layout flag, max length, dataset hash):

- `pooled`: the mean-pooled last hidden state of every sample's first window (float32 [N, H]).
  A frozen-encoder head trains on these alone.
- `layer<K>`: the hidden states entering encoder layer K (the top `L - K` layers), per token, as
  float16, for the unfreeze variant; only the top layers are recomputed while training.

Token ids are built with the server's `TokenEncoder`, so the cache sees exactly what the scorer sees
(first window: `max_length - 2` tokens of text plus [CLS]/[SEP]). Samples are sorted by length and
batched with dynamic padding; the CPU run uses `torch.set_num_threads`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from codeorigin.model.encoding import TokenEncoder
from codeorigin_train.fit.modeling import mean_pool

log = logging.getLogger(__name__)

DEFAULT_CACHE_DIR = Path("training/work/cache")


def texts_hash(texts: Sequence[str]) -> str:
    """A short digest of the texts in order: the cache is only valid for exactly these inputs."""
    h = hashlib.sha256()
    for t in texts:
        b = t.encode("utf-8", "surrogatepass")
        h.update(len(b).to_bytes(8, "little"))
        h.update(b)
    return h.hexdigest()[:16]


def cache_key(
    encoder_name: str, *, layout: bool, max_length: int, data_hash: str, kind: str = "pooled"
) -> str:
    """File stem of a cache entry, e.g. `all-MiniLM-L6-v2.layout.512.<hash>.pooled`."""
    enc = Path(str(encoder_name)).name.replace("/", "_") or "encoder"
    if enc == "model":  # the PyPI package keeps the model in a folder called "model"
        enc = "all-MiniLM-L6-v2"
    return f"{enc}.{'layout' if layout else 'plain'}.{max_length}.{data_hash}.{kind}"


def first_windows(token_encoder: TokenEncoder, texts: Sequence[str]) -> list[list[int]]:
    """[CLS] + the first `body_length` tokens + [SEP] of each normalised text."""
    out: list[list[int]] = []
    chunk = 512
    for i in range(0, len(texts), chunk):
        encs = token_encoder.encode_batch(list(texts[i : i + chunk]))
        out.extend(token_encoder.with_specials(e.ids[: token_encoder.body_length]) for e in encs)
    return out


def _batches(lengths: Sequence[int], batch_size: int, max_tokens: int) -> list[list[int]]:
    """Indices sorted by length, cut into batches bounded by size and padded tokens."""
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    batches: list[list[int]] = []
    cur: list[int] = []
    for i in order:
        width = max(lengths[i], *(lengths[j] for j in cur[-1:])) if cur else lengths[i]
        if cur and (len(cur) >= batch_size or (len(cur) + 1) * width > max_tokens):
            batches.append(cur)
            cur = []
        cur.append(i)
    if cur:
        batches.append(cur)
    return batches


@dataclass
class LayerCache:
    """Per-token hidden states entering layer `layer`, flattened: sample i is rows offsets[i]:offsets[i+1]."""

    states: np.ndarray  # float16 [total_tokens, H]
    offsets: np.ndarray  # int64 [N + 1]
    layer: int

    def sample(self, i: int) -> np.ndarray:
        return self.states[self.offsets[i] : self.offsets[i + 1]]

    def save(self, stem: Path) -> None:
        np.save(_p(stem, ".states.npy"), self.states)
        np.save(_p(stem, ".offsets.npy"), self.offsets)
        _p(stem, ".json").write_text(json.dumps({"layer": self.layer}))

    @classmethod
    def load(cls, stem: Path) -> LayerCache:
        layer = json.loads(_p(stem, ".json").read_text())["layer"]
        return cls(
            np.load(_p(stem, ".states.npy"), mmap_mode="r"),
            np.load(_p(stem, ".offsets.npy")),
            int(layer),
        )


def _p(stem: Path, suffix: str) -> Path:
    """`stem` + `suffix` (cache stems contain dots, so `with_suffix` would cut them)."""
    return Path(f"{stem}{suffix}")


def run_encoder(
    encoder: torch.nn.Module,
    token_encoder: TokenEncoder,
    texts: Sequence[str],
    *,
    layer: int | None = None,
    batch_size: int = 16,
    max_tokens: int = 8192,
    threads: int = 2,
    progress_every: float = 60.0,
) -> tuple[np.ndarray, LayerCache | None]:
    """Run the frozen encoder over the first window of every text.

    Returns the pooled last hidden states (float32 [N, H]) and, when `layer` is given, a
    `LayerCache` of the hidden states entering `layer` (float16, per token), from the same pass.
    """
    torch.set_num_threads(threads)
    encoder = encoder.eval()
    seqs = first_windows(token_encoder, texts)
    lengths = [len(s) for s in seqs]
    hidden = int(encoder.config.hidden_size)
    pooled = np.zeros((len(seqs), hidden), dtype=np.float32)
    per_sample: list[np.ndarray | None] = [None] * len(seqs)
    batches = _batches(lengths, batch_size, max_tokens)
    t0 = last = time.perf_counter()
    done = 0
    with torch.inference_mode():
        for b in batches:
            ids, mask = token_encoder.pad_batch([seqs[i] for i in b])
            ids_t, mask_t = torch.from_numpy(ids), torch.from_numpy(mask)
            if layer is None:
                out = encoder(input_ids=ids_t, attention_mask=mask_t)
            else:
                out = encoder(input_ids=ids_t, attention_mask=mask_t, output_hidden_states=True)
            pooled[b] = mean_pool(out.last_hidden_state, mask_t).float().numpy()
            if layer is not None:
                hs = out.hidden_states[layer].to(torch.float16).numpy()
                for j, i in enumerate(b):
                    per_sample[i] = hs[j, : lengths[i]].copy()
            done += len(b)
            now = time.perf_counter()
            if now - last > progress_every:
                rate = done / (now - t0)
                log.info(
                    "embedded %d/%d (%.1f/s, ~%.0f s left)",
                    done,
                    len(seqs),
                    rate,
                    (len(seqs) - done) / rate,
                )
                last = now
    if layer is None:
        return pooled, None
    offsets = np.zeros(len(seqs) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum(lengths)
    states = (
        np.concatenate([s for s in per_sample if s is not None], axis=0)
        if seqs
        else np.zeros((0, hidden), np.float16)
    )
    return pooled, LayerCache(states, offsets, layer)


def measure_throughput(
    encoder: torch.nn.Module,
    token_encoder: TokenEncoder,
    texts: Sequence[str],
    *,
    n: int = 200,
    threads: int = 2,
) -> float:
    """Samples per second of the pooled pass on (up to) `n` texts spread over the length range."""
    texts = list(texts)
    step = max(1, len(texts) // n)
    sample = texts[::step][:n]
    t0 = time.perf_counter()
    run_encoder(encoder, token_encoder, sample, threads=threads, progress_every=1e9)
    return len(sample) / max(1e-9, time.perf_counter() - t0)


def text_keys(texts: Sequence[str]) -> np.ndarray:
    """Per-text digests (16 bytes each), so a changed dataset reuses the rows it still shares."""
    return np.array(
        [
            hashlib.blake2b(t.encode("utf-8", "surrogatepass"), digest_size=16).digest()
            for t in texts
        ],
        dtype="S16",
    )


def _reusable(cache_dir: Path, prefix: str, layer: int | None) -> list[tuple[Path, Path | None]]:
    """Earlier cache entries of the same encoder/layout/length that stored per-text keys."""
    out = []
    for keys in sorted(Path(cache_dir).glob(f"{prefix}.*.pooled.keys.npy")):
        pooled = keys.with_name(keys.name.replace(".keys.npy", ".npy"))
        stem = None
        if layer is not None:
            stem = Path(str(pooled).replace(".pooled.npy", f".layer{layer}"))
            if not _p(stem, ".json").exists():
                continue
        if pooled.exists():
            out.append((pooled, stem))
    return out


def _reuse(
    old_path: Path,
    old_stem: Path | None,
    keys: np.ndarray,
    pooled: np.ndarray,
    per_sample: list[np.ndarray | None],
    missing: np.ndarray,
) -> None:
    """Copy the rows an earlier cache entry holds (by text key) into `pooled` and `per_sample`,
    clearing them in `missing`."""
    old_keys = np.load(old_path.with_name(old_path.name.replace(".npy", ".keys.npy")))
    where = {k: j for j, k in enumerate(old_keys.tolist())}
    hits = [(i, where[k]) for i, k in enumerate(keys.tolist()) if missing[i] and k in where]
    if not hits:
        return
    old_pooled = np.load(old_path, mmap_mode="r")
    old_cache = LayerCache.load(old_stem) if old_stem is not None else None
    for i, j in hits:
        pooled[i] = old_pooled[j]
        if old_cache is not None:
            per_sample[i] = np.asarray(old_cache.sample(j))
        missing[i] = False
    log.info("reused %d rows from %s", len(hits), old_path.name)


def cached_embeddings(
    texts: Sequence[str],
    *,
    encoder: torch.nn.Module,
    encoder_name: str,
    tokenizer_file: Path,
    layout: bool,
    max_length: int = 512,
    layer: int | None = None,
    cache_dir: Path = DEFAULT_CACHE_DIR,
    threads: int = 2,
) -> tuple[np.ndarray, LayerCache | None]:
    """Pooled embeddings of `texts` (and the states entering `layer` when given), cached.

    Both come from one pass of the encoder. A cache entry for exactly these texts is read as is;
    otherwise rows whose text an earlier entry (same encoder, layout, length) holds are copied from
    it and only the rest are computed.
    """
    h = texts_hash(texts)

    def stem_of(kind: str) -> Path:
        return Path(cache_dir) / cache_key(
            encoder_name, layout=layout, max_length=max_length, data_hash=h, kind=kind
        )

    path = _p(stem_of("pooled"), ".npy")
    stem = stem_of(f"layer{layer}") if layer is not None else None
    have_layer = stem is None or _p(stem, ".json").exists()
    if path.exists() and have_layer:
        log.info("embedding cache hit: %s", path)
        return np.load(path), (LayerCache.load(stem) if stem is not None else None)
    keys = text_keys(texts)
    hidden = int(encoder.config.hidden_size)
    pooled = np.zeros((len(texts), hidden), dtype=np.float32)
    per_sample: list[np.ndarray | None] = [None] * len(texts)
    missing = np.ones(len(texts), dtype=bool)
    prefix = cache_key(encoder_name, layout=layout, max_length=max_length, data_hash="X").rsplit(
        ".X.", 1
    )[0]
    for old_path, old_stem in _reusable(Path(cache_dir), prefix, layer):
        _reuse(old_path, old_stem, keys, pooled, per_sample, missing)
    todo = np.flatnonzero(missing)
    if len(todo):
        tok = TokenEncoder(tokenizer_file, max_length=max_length, layout=layout)
        log.info(
            "embedding %d of %d texts -> %s%s",
            len(todo),
            len(texts),
            path,
            f" (+ layer {layer})" if stem else "",
        )
        new_pooled, new_cache = run_encoder(
            encoder, tok, [texts[i] for i in todo], layer=layer, threads=threads
        )
        pooled[todo] = new_pooled
        if new_cache is not None:
            for k, i in enumerate(todo):
                per_sample[i] = np.asarray(new_cache.sample(k))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp.npy")
    np.save(tmp, pooled)
    np.save(path.with_name(path.name.replace(".npy", ".keys.npy")), keys)
    if stem is not None:
        lengths = [0 if s is None else s.shape[0] for s in per_sample]
        offsets = np.zeros(len(texts) + 1, dtype=np.int64)
        offsets[1:] = np.cumsum(lengths)
        states = np.concatenate([s for s in per_sample if s is not None], axis=0)
        LayerCache(states, offsets, layer).save(stem)
    tmp.replace(path)  # last: the pooled file marks the entry complete
    return pooled, (LayerCache.load(stem) if stem is not None else None)
