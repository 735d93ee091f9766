"""The scoring engine shared by the language server, `codeorigin scan` and the benchmark.

It splits a document into spans, normalises and scores each one through a cache keyed by (model
digest, hash of the normalised text) so an edit re-scores only the spans whose text changed, and
turns probabilities into verdicts with the model's thresholds or the user's override.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field

from codeorigin.core import languages
from codeorigin.core.normalize import normalize
from codeorigin.core.spans import Span, count_lines, extract_spans, line_starts
from codeorigin.core.verdicts import Verdict, verdict
from codeorigin.model.scorer import Model, Score

DEFAULT_CACHE_SIZE = 20_000


@dataclass(frozen=True)
class Options:
    """What the user can set that changes a verdict."""

    threshold: float | None = None  # None: the model's calibrated threshold
    min_lines: int = 4
    min_tokens: int = 24


@dataclass(frozen=True)
class SpanResult:
    """One span of a document with its score and verdict."""

    span: Span
    probability: float | None
    verdict: Verdict
    n_tokens: int
    n_lines: int
    start_line: int  # 0-based, first line of the span
    end_line: int  # 0-based, inclusive
    key: str  # cache key of the normalised text


@dataclass
class Stats:
    """Counters shown by `codeorigin.status` and the benchmark."""

    spans_scored: int = 0  # spans sent to the model (cache misses)
    cache_hits: int = 0
    documents: int = 0
    score_seconds: float = 0.0
    last_document_seconds: float = 0.0
    extra: dict[str, float] = field(default_factory=dict)


class ScoreCache:
    """A bounded LRU map from (model digest, normalised-text hash) to a Score."""

    def __init__(self, max_size: int = DEFAULT_CACHE_SIZE) -> None:
        self.max_size = max(1, int(max_size))
        self._data: OrderedDict[str, tuple[Score, int]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> tuple[Score, int] | None:
        with self._lock:
            item = self._data.get(key)
            if item is not None:
                self._data.move_to_end(key)
            return item

    def put(self, key: str, value: tuple[Score, int]) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.max_size:
                self._data.popitem(last=False)

    def __len__(self) -> int:
        return len(self._data)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


def text_key(digest: str, normalized_text: str) -> str:
    h = hashlib.blake2b(
        normalized_text.encode("utf-8", "surrogatepass"), digest_size=16
    ).hexdigest()
    return f"{digest[:16]}:{h}"


def _line_of(text: str, line_starts: list[int], offset: int) -> int:
    import bisect

    return max(0, bisect.bisect_right(line_starts, offset) - 1)


class Engine:
    """Spans + model + cache. Thread-safe: the server calls it from worker threads."""

    def __init__(self, model: Model, *, cache_size: int = DEFAULT_CACHE_SIZE) -> None:
        self.model = model
        self.cache = ScoreCache(cache_size)
        self.stats = Stats()
        self._lock = threading.Lock()

    @property
    def thresholds(self) -> tuple[float, float]:
        t = self.model.manifest.thresholds
        return t.llm, t.uncertain

    def effective_thresholds(self, options: Options) -> tuple[float, float]:
        llm, unc = self.thresholds
        if options.threshold is not None:
            llm = float(options.threshold)
        return llm, min(unc, llm)

    def score_texts(self, texts: list[str]) -> list[tuple[Score, str, int]]:
        """Score raw texts through the cache; return (score, cache key, non-blank lines) for each."""
        model = self.model
        norms = [normalize(t) for t in texts]
        keys = [text_key(model.digest, n.text) for n in norms]
        results: list[tuple[Score, int] | None] = [self.cache.get(k) for k in keys]
        missing = [i for i, r in enumerate(results) if r is None]
        hits = len(texts) - len(missing)
        if missing:
            # Identical texts in one call are scored once.
            unique: dict[str, int] = {}
            for i in missing:
                unique.setdefault(keys[i], i)
            idx = list(unique.values())
            t0 = time.perf_counter()
            encs = model.encoder.encode_batch([norms[i].text for i in idx])
            scores = model.score_encodings(encs)
            elapsed = time.perf_counter() - t0
            for i, s in zip(idx, scores):
                value = (s, count_lines(norms[i].text))
                self.cache.put(keys[i], value)
                for j in missing:
                    if keys[j] == keys[i]:
                        results[j] = value
            with self._lock:
                self.stats.spans_scored += len(idx)
                self.stats.score_seconds += elapsed
        with self._lock:
            self.stats.cache_hits += hits
        out: list[tuple[Score, str, int]] = []
        for r, k in zip(results, keys):
            assert r is not None
            out.append((r[0], k, r[1]))
        return out

    def judge(self, score: Score, n_lines: int, options: Options) -> Verdict:
        llm, unc = self.effective_thresholds(options)
        return verdict(
            score.probability,
            llm_threshold=llm,
            uncertain_threshold=unc,
            n_tokens=score.n_tokens,
            n_lines=n_lines,
            min_tokens=options.min_tokens,
            min_lines=options.min_lines,
        )

    def analyze(
        self, text: str, language_id: str, options: Options | None = None
    ) -> list[SpanResult]:
        """Spans of a document with scores and verdicts, in document order.

        Raises ValueError for an unsupported language.
        """
        options = options or Options()
        language = languages.canonical(language_id)
        if language is None:
            raise ValueError(f"unsupported language: {language_id!r}")
        t0 = time.perf_counter()
        spans = extract_spans(text, language, min_lines=options.min_lines)
        starts = line_starts(text)
        results: list[SpanResult] = []
        if spans:
            scored = self.score_texts([s.text(text) for s in spans])
            for span, (score, key, n_lines) in zip(spans, scored):
                end_char = max(span.start, span.end - 1)
                results.append(
                    SpanResult(
                        span=span,
                        probability=score.probability,
                        verdict=self.judge(score, n_lines, options),
                        n_tokens=score.n_tokens,
                        n_lines=n_lines,
                        start_line=_line_of(text, starts, span.start),
                        end_line=_line_of(text, starts, end_char),
                        key=key,
                    )
                )
        with self._lock:
            self.stats.documents += 1
            self.stats.last_document_seconds = time.perf_counter() - t0
        return results

    def score_selection(
        self, text: str, options: Options | None = None
    ) -> tuple[Score, Verdict, int]:
        """Score exactly the given text (a selection or a whole file): (score, verdict, lines)."""
        options = options or Options()
        score, _, n_lines = self.score_texts([text])[0]
        return score, self.judge(score, n_lines, options), n_lines
