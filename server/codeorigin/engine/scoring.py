"""The scoring engine shared by the language server, `codeorigin scan` and the benchmark.

It splits a document into spans, normalises and scores each one through a cache keyed by (model
digest, hash of the normalised text) so an edit re-scores only the spans whose text changed, and
turns probabilities into verdicts with the model's thresholds or the user's override.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from codeorigin.core import languages
from codeorigin.core.cache import LruCache, text_hash
from codeorigin.core.diffs import touched
from codeorigin.core.markers import OwnThreshold
from codeorigin.core.normalize import normalize_text
from codeorigin.core.resync import find_spans
from codeorigin.core.spans import FUNCTION_KINDS, Content, Span, content_of, line_starts
from codeorigin.core.verdicts import Verdict, percent, verdict
from codeorigin.engine.judging import SpanResult, VerdictRules, judgeable, span_marks
from codeorigin.engine.lines import line_of, span_lines
from codeorigin.model.scorer import Model, Score
from codeorigin.model.stacking import LANGUAGE_ALIASES, grafted_reason

if TYPE_CHECKING:
    from codeorigin.model.manifest import Manifest

SCORE_CACHE_SIZE = 20_000  # span texts whose scores an engine keeps
CHUNK = 32  # texts per chunk when `score_texts` is given a `between`


@dataclass
class Stats:
    """Counters shown by `codeorigin.status` and the benchmark."""

    spans_scored: int = 0  # spans sent to the model (cache misses)
    cache_hits: int = 0
    documents: int = 0
    score_seconds: float = 0.0
    last_document_seconds: float = 0.0
    extra: dict[str, float] = field(default_factory=dict)


class ScoreCache(LruCache[str, Score]):
    """A bounded LRU map from `text_key` (model digest, normalised-text hash) to a Score; it keeps
    at least one entry."""

    def __init__(self, max_size: int = SCORE_CACHE_SIZE) -> None:
        super().__init__(max(1, int(max_size)))


def text_key(digest: str, normalized_text: str, language: str | None = None) -> str:
    """The cache key of a normalised text; a stacked model's scores depend on the language too
    (the hash of the text stays last: `SpanResult.text_hash`)."""
    model = f"{digest[:16]}/{language}" if language else digest[:16]
    return f"{model}:{text_hash(normalized_text)}"


def calibratable(manifest: Manifest, language: str | None, own: Mapping[str, object]) -> bool:
    """Whether a repository's own threshold (`codeorigin calibrate --write`) would have
    `language` judged there: a language the model scores but abstains on, and the repository
    (its thresholds `own`) has none for it yet."""
    trained = manifest.trained_on
    return (
        language is not None
        and language in manifest.abstain
        and language not in own
        and (trained is None or language in trained)
    )


class Engine:
    """Spans + model + cache. Thread-safe: the server calls it from worker threads."""

    def __init__(self, model: Model, *, cache_size: int = SCORE_CACHE_SIZE) -> None:
        self.model = model
        self.cache = ScoreCache(cache_size)
        self.stats = Stats()
        self._lock = threading.Lock()
        # A repository's own thresholds (`codeorigin calibrate --write`), per language, with the
        # words that say where each comes from; empty: the model's. A language the model abstains
        # on is judged where the repository has a threshold of its own for it.
        self.own: dict[str, OwnThreshold] = {}
        # Its threshold for a commit's functions judged together, and what it rests on (None:
        # the model's; `scan.commits`).
        self.own_commits: tuple[float, str] | None = None
        # `codeorigin calibrate` measures the languages the model abstains on too (`measuring`).
        self.measuring = False

    def calibrated(
        self, own: dict[str, OwnThreshold], commits: tuple[float, str] | None = None
    ) -> Engine:
        """This engine (its model and cache) judging with a repository's own thresholds (and its
        own for a commit's functions judged together)."""
        if own == self.own and commits == self.own_commits:
            return self
        twin = copy.copy(self)
        twin.own = dict(own)
        twin.own_commits = commits
        return twin

    def measuring_every_language(self) -> Engine:
        """This engine scoring the languages its model abstains on too, at the model's global
        threshold: what `codeorigin calibrate` measures on a repository's own history, never
        what a scan shows."""
        twin = copy.copy(self)
        twin.measuring = True
        return twin

    def calibration_note(self, language: str | None) -> str | None:
        """`calibrated on 1,240 functions of this repository written before 2022-06-21`, when
        the threshold of `language` is the repository's own."""
        return self.own[language][1] if language in self.own else None

    def said_own(self) -> tuple[str, ...]:
        """`python threshold 71.2%, calibrated on 1,240 functions of ...`, per language."""
        return tuple(f"{lang} threshold {percent(t)}, {why}" for lang, (t, why, _) in sorted(self.own.items()))

    def calibratable(self, language: str | None) -> bool:
        """Whether a repository's own threshold would have `language` judged (`calibratable`)."""
        return calibratable(self.model.manifest, language, self.own)

    @property
    def thresholds(self) -> tuple[float, float]:
        t = self.model.manifest.thresholds
        return t.llm, t.uncertain

    def effective_thresholds(
        self, options: VerdictRules, language: str | None = None, kind: str = "function"
    ) -> tuple[float, float]:
        """(llm, uncertain) for spans of `kind` (a span's kind) of `language` (a canonical id):
        the user's `threshold` when set, else the model's own for that language and kind
        (`Thresholds.for_kind`), or the repository's own (`codeorigin calibrate`). Module code
        and test cases keep the model's thresholds for them where they are higher: a
        repository's own are measured on its functions."""
        llm, unc = self.model.manifest.thresholds.for_kind(language, kind)
        if options.threshold is not None:
            llm = float(options.threshold)
        elif language in self.own:
            own, _, near = self.own[language]
            near = unc if near is None else near
            llm, unc = (own, near) if kind in FUNCTION_KINDS else (max(own, llm), max(near, unc))
        return llm, min(unc, llm)

    def abstains(self, language: str | None) -> str | None:
        """Why the model does not judge `language` (its manifest's `abstain`, or a language it
        was not trained on: its `languages`), or None. A language of `abstain` is judged where
        the repository has its own threshold for it, and scored while `measuring`."""
        manifest = self.model.manifest
        if language is None:
            return None
        trained = manifest.trained_on
        if trained is not None and LANGUAGE_ALIASES.get(language, language) not in trained:
            why = grafted_reason(manifest.raw, LANGUAGE_ALIASES.get(language, language))
            return f"the model does not judge {language}: " + (
                why or "it was not trained on code in this language"
            )
        if language not in manifest.abstain or language in self.own or self.measuring:
            return None
        why = manifest.abstain[language]
        return f"the model does not judge {language}" + (f": {why}" if why else "")

    def abstains_on_module(self, language: str | None) -> str | None:
        """Why the module code of `language` gets no verdict: the model's reason for the
        language, or, where only the repository's own threshold judges it, that this threshold
        was measured on functions (`codeorigin calibrate` reads no module code) and the model
        has none for module code there; else None."""
        why = self.abstains(language)
        if why is not None or language not in self.own or self.measuring:
            return why
        if language not in self.model.manifest.abstain:
            return None
        return (f"the model does not judge {language}, and this repository's own threshold for it "
                "was measured on functions, not on module code")  # fmt: skip

    def abstains_on_case(self, language: str | None) -> str | None:
        """Why the test cases of `language` get no verdict: the model's reason for the
        language's module code, or that the model has no threshold bounded on people's test
        cases of it (`thresholds.cases`); else None."""
        why = self.abstains_on_module(language)
        if why is not None or self.measuring or language in self.model.manifest.thresholds.cases:
            return why
        return (f"the model has no threshold for test cases in {language}: none was bounded on "
                "people's test cases of it")  # fmt: skip

    def why_not(self, language: str | None) -> dict[str, str | None]:
        """Why each kind of span of `language` gets no verdict (None: judged): the same reasons
        decide what `analyze_many` scores and what it reads back."""
        function = self.abstains(language)
        return {"function": function, "method": function, "case": self.abstains_on_case(language),
                "module": self.abstains_on_module(language)}  # fmt: skip

    def score_texts(
        self,
        texts: list[str],
        languages: Sequence[str | None] | None = None,
        *,
        between: Callable[[], None] | None = None,
    ) -> list[tuple[Score, str]]:
        """Score raw texts through the cache; return (score, cache key) for each. `languages`
        (canonical ids, one per text) matter to a stacked model only. `between`, when given, is
        called between batches of forward passes; the texts then go to the model in chunks of
        similar length, each chunk's scores cached as it ends, so an exception `between` raises
        (the server's `Superseded`) keeps what was finished."""
        model = self.model
        norms = [normalize_text(t) for t in texts]
        langs: list[str | None] = (
            list(languages) if model.stacked and languages is not None else [None] * len(texts)
        )
        keys = [text_key(model.digest, n, lang) for n, lang in zip(norms, langs)]
        results: list[Score | None] = [self.cache.get(k) for k in keys]
        missing = [i for i, r in enumerate(results) if r is None]
        hits = len(texts) - len(missing)
        if missing:
            # Identical texts in one call are scored once.
            unique: dict[str, int] = {}
            for i in missing:
                unique.setdefault(keys[i], i)
            idx = list(unique.values())
            if between is not None:
                idx.sort(key=lambda i: len(norms[i]))
            step = CHUNK if between is not None else max(1, len(idx))
            by_key: dict[str, Score] = {}
            for start in range(0, len(idx), step):
                if between is not None and start > 0:
                    between()
                chunk = idx[start : start + step]
                by_key.update(self._score_chunk(chunk, norms, langs, keys, between))
            for j in missing:
                results[j] = by_key[keys[j]]
        with self._lock:
            self.stats.cache_hits += hits
        out: list[tuple[Score, str]] = []
        for r, k in zip(results, keys):
            assert r is not None
            out.append((r, k))
        return out

    def _score_chunk(
        self,
        idx: list[int],
        norms: list[str],
        langs: list[str | None],
        keys: list[str],
        between: Callable[[], None] | None,
    ) -> dict[str, Score]:
        """Score the texts at `idx` (distinct keys) and cache them; {key: score}."""
        t0 = time.perf_counter()
        scores = self.model.score_normalized(
            [norms[i] for i in idx], [langs[i] for i in idx], between=between
        )
        elapsed = time.perf_counter() - t0
        by_key = {keys[i]: value for i, value in zip(idx, scores)}
        for key, value in by_key.items():
            self.cache.put(key, value)
        with self._lock:
            self.stats.spans_scored += len(idx)
            self.stats.score_seconds += elapsed
        return by_key

    def judge(
        self,
        score: Score,
        content: Content,
        options: VerdictRules,
        language: str | None = None,
        kind: str = "function",
    ) -> Verdict:
        if self.abstains(language) is not None:
            return "not_judged"
        llm, unc = self.effective_thresholds(options, language, kind)
        return verdict(
            score.probability,
            llm_threshold=llm,
            uncertain_threshold=unc,
            n_tokens=content.tokens,
            n_lines=content.statement_lines,
            min_tokens=options.min_tokens,
            min_lines=options.min_lines,
        )

    def analyze(
        self,
        text: str,
        language_id: str,
        options: VerdictRules | None = None,
        *,
        between: Callable[[], None] | None = None,
    ) -> list[SpanResult]:
        """Spans of a document with scores and verdicts, in document order (`between` as for
        `score_texts`).

        Raises ValueError for an unsupported language.
        """
        t0 = time.perf_counter()
        results = self.analyze_many([(text, language_id)], options, between=between)[0][0]
        with self._lock:
            self.stats.last_document_seconds = time.perf_counter() - t0
        return results

    def analyze_many(
        self,
        documents: Sequence[tuple[str, str]],
        options: VerdictRules | None = None,
        *,
        whole: bool = False,
        only: Sequence[frozenset[int] | None] | None = None,
        between: Callable[[], None] | None = None,
        modules: bool = True,
    ) -> list[tuple[list[SpanResult], Score | None]]:
        """`analyze` for many (text, language id) documents at once: the spans of every document
        go to the model together, sorted by length into batches across documents. With `whole`,
        each document's whole text is scored too (None for one with no judged span). `only`,
        per document, keeps (and scores) only the spans that overlap those lines (1-based; None:
        every span). A span too short to judge is never scored. `between` as for `score_texts`.
        Without `modules`, a file's module code (what stands outside its functions) is left out.

        Raises ValueError for an unsupported language.
        """
        options = options or VerdictRules()
        limits = list(only) if only is not None else [None] * len(documents)
        prepared = [
            self._prepare(text, language_id, options, lines, modules)
            for (text, language_id), lines in zip(documents, limits)
        ]
        langs = [languages.canonical(language_id) for _, language_id in documents]
        why_not = [self.why_not(lang) for lang in langs]
        texts: list[str] = []
        text_langs: list[str | None] = []
        wholes: list[tuple[str, str | None]] = []  # a file with a judged span: its whole text
        for (text, _, spans, marks), lang, why in zip(prepared, langs, why_not):
            some = [
                span.text(text)
                for span, (gen, _) in zip(spans, marks)
                if gen is None and why[span.kind] is None and judgeable(span, options)
            ]
            texts.extend(some)
            text_langs.extend([lang] * len(some))
            wholes += [(text, lang)] if whole and some else []
        scored = (
            self.score_texts(
                texts + [w for w, _ in wholes],
                text_langs + [lang for _, lang in wholes],
                between=between,
            )
            if texts or wholes
            else []
        )
        spans_scored = iter(scored[: len(texts)])
        whole_scored = iter(scored[len(texts) :])
        out: list[tuple[list[SpanResult], Score | None]] = []
        for (text, starts, spans, marks), language, why in zip(prepared, langs, why_not):
            results = self._finish(text, starts, spans, marks, spans_scored, options, language, why)
            judged_any = any(r.probability is not None for r in results)
            file_score = next(whole_scored)[0] if whole and judged_any else None
            out.append((results, file_score))
        with self._lock:
            self.stats.documents += len(documents)
        return out

    def _prepare(
        self,
        text: str,
        language_id: str,
        options: VerdictRules,
        only: frozenset[int] | None = None,
        modules: bool = True,
    ) -> tuple[str, list[int], list[Span], list[tuple[str | None, str | None]]]:
        language = languages.canonical(language_id)
        if language is None:
            raise ValueError(f"unsupported language: {language_id!r}")
        spans = find_spans(text, language, min_lines=options.min_lines)
        if not modules:
            spans = [s for s in spans if s.kind != "module"]
        starts = line_starts(text)
        if only is not None:
            spans = [s for s in spans if touched(span_lines(s, text, starts), only)]
        return text, starts, spans, [span_marks(span, text, starts, options) for span in spans]

    def _finish(
        self,
        text: str,
        starts: list[int],
        spans: list[Span],
        marks: list[tuple[str | None, str | None]],
        scored: Iterator[tuple[Score, str]],
        options: VerdictRules,
        language: str | None,
        why_not: dict[str, str | None],
    ) -> list[SpanResult]:
        """The spans' results, reading the scores of those `analyze_many` scored; `why_not`: why
        each kind of span of `language` gets no verdict (None: judged, `why_not`)."""
        results: list[SpanResult] = []
        for span, (reason, suppressed) in zip(spans, marks):
            abstain = why_not[span.kind]
            end_char = max(span.start, span.end - 1)
            content = Content(span.statement_lines, span.content_tokens)
            first, last = line_of(text, starts, span.start), line_of(text, starts, end_char)
            if reason is not None or abstain is not None or not judgeable(span, options):
                # Never scored: generated, of a language the model does not judge, too short.
                key = text_key(self.model.digest, normalize_text(span.text(text)))
                probability: float | None = None
                judged: Verdict = (
                    "generated" if reason is not None
                    else "not_judged" if abstain is not None
                    else "too_short"
                )  # fmt: skip
                reason = reason if reason is not None else abstain
            else:
                score, key = next(scored)
                probability = score.probability
                judged = self.judge(score, content, options, language, span.kind)
            results.append(
                SpanResult(span=span, probability=probability, verdict=judged, key=key,
                           n_tokens=content.tokens, n_lines=content.statement_lines,
                           start_line=first, end_line=last, reason=reason,
                           suppressed=suppressed, language=language)
            )  # fmt: skip
        return results

    def score_selection(
        self,
        text: str,
        options: VerdictRules | None = None,
        language_id: str | None = None,
        between: Callable[[], None] | None = None,
    ) -> tuple[Score, Verdict, Content]:
        """Score exactly the given text (a selection or a whole file): (score, verdict, content).
        The "too short" guard counts the text in `language_id` (`content_of`); `between` as for
        `score_texts` (the server stops a cancelled request there)."""
        options = options or VerdictRules()
        language = languages.canonical(language_id) if language_id else None
        score, _ = self.score_texts([text], [language], between=between)[0]
        content = content_of(text, language_id)
        return score, self.judge(score, content, options, language), content
