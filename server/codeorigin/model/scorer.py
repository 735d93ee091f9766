"""The scorer: normalised text in, calibrated LLM probability out, on onnxruntime's CPU provider.

Long texts are scored over half-overlapping windows of the model's length; the window logits are
averaged (each window weighted by its number of tokens) before calibration, so a long function is
judged on all of its text and one odd window cannot flag it alone. Windows of many texts are sorted by
length and batched, so padding stays small.

A stacked model (manifest format version 2, `model.stacking`) adds a linear member
(`model.linear`) and a stacker: the transformer's window-averaged logit, the linear member's logit
and the language go through the stacker's logistic regression, and calibration applies to that.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from codeorigin.core.normalize import Normalized, normalize
from codeorigin.model.encoding import Encoding, TokenEncoder
from codeorigin.model.manifest import Manifest, ModelError, load_manifest
from codeorigin.model.stacked_attribution import RouteChoice, side_of, sides
from codeorigin.model.stacking import reads_transformer, routed_logit

log = logging.getLogger(__name__)

BATCH_SIZE = 16
# Batches are also bounded by tokens so one batch of long windows stays within memory.
BATCH_TOKENS = 8192


@dataclass(frozen=True)
class Score:
    """The model's judgement of one text."""

    probability: float  # calibrated P(LLM)
    logit: float  # raw model logit, window-averaged (stacked: the stacker's), before calibration
    n_tokens: int
    n_windows: int
    #: A stacked model's member logits: (("transformer", z_t), ("linear", z_l)); () otherwise.
    members: tuple[tuple[str, float], ...] = ()
    #: The route whose stacker gave the logit (`model.stacking.Route`); "" for the stacker's.
    route: str = ""


def sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


WHAT_TO_DO = "reinstall codeorigin or re-export the model"


def load_encoder(manifest: Manifest) -> TokenEncoder:
    """The model's tokenizer; `ModelError` saying what to do when its file cannot be read."""
    path = manifest.path(manifest.tokenizer)
    try:
        return TokenEncoder(path, max_length=manifest.max_length, layout=manifest.layout_markers)
    except Exception as exc:  # tokenizers raises plain Exceptions on bad files
        reason = str(exc).rstrip(".")
        raise ModelError(f"cannot read the tokenizer {path}: {reason}; {WHAT_TO_DO}.") from exc


def open_onnx(path: Path, threads: int, *, arena: bool = True) -> Any:
    """An onnxruntime session on the CPU for the graph at `path`; `ModelError` saying what to do
    when it cannot be opened: the file is gone (since the manifest was checked) or corrupted."""
    try:
        import onnxruntime as ort
    except ImportError as exc:  # pragma: no cover - a runtime dependency
        raise ModelError("onnxruntime is not installed: pip install onnxruntime") from exc
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3
    opts.enable_cpu_mem_arena = arena
    try:
        return ort.InferenceSession(
            str(path), sess_options=opts, providers=["CPUExecutionProvider"]
        )
    except Exception as exc:
        if not path.exists():  # removed after the model loaded (a reinstall, a checkout)
            raise ModelError(f"the model file {path} is missing: {WHAT_TO_DO}.") from exc
        reason = str(exc).rstrip(".")
        raise ModelError(
            f"onnxruntime cannot load {path}: {reason}. The model file is corrupted: {WHAT_TO_DO}."
        ) from exc


# Seconds a server's model thread idles before it calls `Model.release_arena` (`lsp.model_thread`):
# edits and hovers in a row find the largest batch's buffers still there; a pause gives back about
# 100 MB. Here, below both, so that `bench` can wait for it without importing the server.
ARENA_IDLE_S = 5.0


class Model:
    """A loaded model folder: manifest, tokenizer and an onnxruntime session for the scorer graph."""

    def __init__(self, manifest: Manifest, *, threads: int = 1) -> None:
        self.manifest = manifest
        self.threads = max(1, int(threads))
        self.encoder = load_encoder(manifest)
        self._session = self._open(manifest.path(manifest.scorer))
        stacked = manifest.stacked
        #: A stacked model's linear members, route and stacks' included, by stack ("": its own).
        self.sides = sides(manifest.folder, stacked) if stacked is not None else {}
        own = self.sides.get("")
        self.linear = own.linear if own is not None else None
        self.domain = own.domain if own is not None else None
        #: The route's own linear member (format version 4), or None.
        self.route_member = own.route_member if own is not None else None
        self._lock = threading.Lock()
        self.forward_seconds = 0.0
        self.forward_calls = 0
        self._probe(manifest.path(manifest.scorer))

    def _probe(self, path: Path) -> None:
        """Score one window of the longest the manifest allows, once: a graph that does not take
        the manifest's inputs (another graph, a `max_length` past its position embeddings) is a
        `ModelError` here, not a failure in the middle of a scan."""
        enc = self.encoder
        ids, mask = enc.pad_batch([enc.with_specials([0] * enc.body_length)])
        try:
            with self._lock:
                self._session.run(None, {"input_ids": ids, "attention_mask": mask})
        except Exception as exc:  # onnxruntime's own exception types
            reason = str(exc).strip().rstrip(".")
            raise ModelError(
                f"the model graph {path} cannot score a window of {enc.max_length} tokens, as "
                f"the manifest's max_length says it can: {reason}. {WHAT_TO_DO.capitalize()}."
            ) from exc

    def release_arena(self) -> None:
        """Hand the session's arena back, all but what a window of two tokens needs: the arena
        keeps the largest batch's buffers (about 100 MB for 16 windows of 256 tokens) for as
        long as the session lives. The server calls it when its model thread has been idle a
        while; the next large batch allocates them again (26 ms more for 16 windows of 256
        tokens on a 2-vCPU AMD EPYC, once). Scores do not change."""
        import onnxruntime as ort

        enc = self.encoder
        ids, mask = enc.pad_batch([enc.with_specials([])])
        options = ort.RunOptions()
        options.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")
        with self._lock:
            self._session.run(None, {"input_ids": ids, "attention_mask": mask}, options)

    @classmethod
    def load(cls, folder: str | Path, *, threads: int = 1, verify: bool = True) -> Model:
        return cls(load_manifest(folder, verify=verify), threads=threads)

    def _open(self, path: Path) -> Any:
        return open_onnx(path, self.threads)

    @property
    def name(self) -> str:
        return self.manifest.name

    @property
    def digest(self) -> str:
        return self.manifest.digest

    def calibrate(self, logit: float) -> float:
        c = self.manifest.calibration
        return sigmoid(c.a * logit + c.b)

    def encode(self, texts: list[str]) -> list[tuple[Normalized, Encoding]]:
        """Normalise and encode raw texts."""
        norms = [normalize(t) for t in texts]
        encs = self.encoder.encode_batch([n.text for n in norms])
        return list(zip(norms, encs))

    def forward(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        """Raw logits for a padded batch (the bare onnxruntime call, also used by the benchmark)."""
        t0 = time.perf_counter()
        with self._lock:  # one run at a time keeps the thread setting meaningful
            out = self._session.run(
                None, {"input_ids": input_ids, "attention_mask": attention_mask}
            )
        self.forward_seconds += time.perf_counter() - t0
        self.forward_calls += 1
        return np.asarray(out[0], dtype=np.float64).reshape(-1)

    def score_encodings(self, encodings: list[Encoding]) -> list[Score]:
        """Score already encoded texts (windowed, batched)."""
        return self.score_ids([list(e.ids) for e in encodings])

    def windows_of(self, ids_list: list[list[int]]) -> list[tuple[int, list[int]]]:
        """(text index, window ids with [CLS]/[SEP]) of every window of every text, as scored."""
        enc = self.encoder
        items: list[tuple[int, list[int]]] = []
        for i, ids in enumerate(ids_list):
            for w in enc.windows(len(ids)):
                items.append((i, enc.with_specials(ids[w.start : w.end])))
        return items

    def forward_windows(
        self, windows: list[list[int]], between: Callable[[], None] | None = None
    ) -> np.ndarray:
        """Raw logits of windows, in their order: sorted by length into batches of at most
        `BATCH_SIZE` rows and `BATCH_TOKENS` cells, so padding stays small. `between` is called
        before each batch but the first (the server's model thread runs waiting work there)."""
        enc = self.encoder
        order = sorted(range(len(windows)), key=lambda k: len(windows[k]))
        logits = np.zeros(len(windows), dtype=np.float64)
        start = 0
        while start < len(order):
            end = start
            width = 0
            while end < len(order) and end - start < BATCH_SIZE:
                width = max(width, len(windows[order[end]]))
                if (end - start + 1) * width > BATCH_TOKENS and end > start:
                    break
                end += 1
            if between is not None and start > 0:
                between()
            ids, mask = enc.pad_batch([windows[k] for k in order[start:end]])
            out = self.forward(ids, mask)
            for j, k in enumerate(order[start:end]):
                logits[k] = out[j]
            start = end
        return logits

    @property
    def stacked(self) -> bool:
        return self.manifest.stacked is not None

    def score_normalized(
        self,
        texts: list[str],
        languages: list[str | None] | None = None,
        *,
        between: Callable[[], None] | None = None,
    ) -> list[Score]:
        """Score normalised texts (`languages`: each text's canonical language id, which a
        stacked model reads; None for all). A stacked model's score is its stacker's.
        `between` as for `forward_windows`."""
        ids = self.encoder.ids_batch(texts)
        if self.manifest.stacked is None:
            return self._transformer(ids, between)
        assert self.linear is not None
        spec = self.manifest.stacked
        langs = languages if languages is not None else [None] * len(texts)
        # The transformer runs only where a stacker weighs it (a language stack's may not).
        reads = [reads_transformer(spec, language) for language in langs]
        read = iter(self._transformer([x for x, r in zip(ids, reads) if r], between))
        out = []
        for x, r, text, language in zip(ids, reads, texts, langs):
            t = next(read) if r else self._unread(x)
            linear, domain, route_linear = self.linear_logits(text, language)
            members = {"transformer": t.logit, "linear": linear}
            logit, _, route = routed_logit(spec, members, language, domain, route_linear)
            score = Score(self.calibrate(logit), logit, t.n_tokens, t.n_windows)
            out.append(replace(score, members=tuple(members.items()), route=route))
        return out

    def _unread(self, ids: list[int]) -> Score:
        """The transformer's place in the score of a text no stacker weighs it for: a logit of 0
        (it weighs nothing), the text's tokens and windows as if scored."""
        return Score(self.calibrate(0.0), 0.0, len(ids), len(self.encoder.windows(len(ids))))

    def linear_logits(
        self, text: str, language: str | None
    ) -> tuple[float, float | None, float | None]:
        """The linear member's logit of a normalised text, the route's domain logit and its own
        member's logit (None without a route or such a member, or for a language the route does
        not take), from one extraction of the text's features."""
        return self.side(language).logits(text, language)

    def side(self, language: str | None) -> RouteChoice:
        """A stacked model's members that score `language` (its stack's, else its own)."""
        spec = self.manifest.stacked
        assert spec is not None
        return side_of(spec, self.sides, language)

    def transformer_scores(self, texts: list[str]) -> list[Score]:
        """The transformer's scores of normalised texts: a single model's own, a stacked model's
        transformer member's (its window-averaged logit, before the stacker); training stacks
        a new linear member on them."""
        return self._transformer(self.encoder.ids_batch(texts))

    def score_ids(self, ids_list: list[list[int]]) -> list[Score]:
        """Score token ids of normalised texts (without [CLS]/[SEP]): windowed, batched. A stacked
        model needs the texts (`score_normalized`)."""
        if self.manifest.stacked is not None:
            raise ModelError(
                f"{self.name} is a stacked model: it scores texts (score_normalized), not token ids"
            )
        return self._transformer(ids_list)

    def _transformer(
        self, ids_list: list[list[int]], between: Callable[[], None] | None = None
    ) -> list[Score]:
        """The transformer's window-averaged logits of token ids (calibrated as a single model)."""
        items = self.windows_of(ids_list)
        logits = self.forward_windows([seq for _, seq in items], between)
        encodings = ids_list
        sums = np.zeros(len(encodings))
        weights = np.zeros(len(encodings))
        windows = np.zeros(len(encodings), dtype=np.int64)
        for k, (i, seq) in enumerate(items):
            n = max(1, len(seq) - 2)
            sums[i] += logits[k] * n
            weights[i] += n
            windows[i] += 1
        scores = []
        for i, e in enumerate(encodings):
            logit = float(sums[i] / weights[i]) if weights[i] else 0.0
            scores.append(Score(self.calibrate(logit), logit, len(e), int(windows[i])))
        return scores

    def score_texts(
        self, texts: list[str], languages: list[str | None] | None = None
    ) -> list[Score]:
        """Normalise, encode and score raw texts (`languages` as for `score_normalized`)."""
        return self.score_normalized([normalize(t).text for t in texts], languages)
