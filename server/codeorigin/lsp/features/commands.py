"""Commands (`workspace/executeCommand`), each also usable from an editor's command palette.

- `codeorigin.rescoreSelection(uri, range)`: score exactly the selected text; show the result and
  return {"probability", "verdict", "n_tokens", "n_lines", "threshold", "model"}; `n_lines` and
  `n_tokens` are what the "too short" guard counts (statement lines, identifier/literal tokens).
- `codeorigin.rescoreDocument(uri)`: retry a model that failed to load, score the document again
  (every open document when the model had failed), re-publish, and return its spans; null, after
  a message saying why, for a document that is not open or not scored.
- `codeorigin.status([uri])`: the model, cache, counters and timings for a document's settings (or
  the global ones), and the model error if there is one. For an open document, `model.threshold`
  and `model.uncertain` are those of its language (`model.threshold_language`), as its hover says:
  null where the model does not judge it.

Arguments are converted by pygls from the handlers' type hints, so those names must exist at run
time (hence the plain import of `CodeOriginServer` below).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams

from codeorigin.core import languages
from codeorigin.engine.scoring import Engine
from codeorigin.lsp import memory
from codeorigin.lsp.analysis import READY_TIMEOUT
from codeorigin.lsp.model_thread import Superseded
from codeorigin.lsp.option_values import json_text, json_type
from codeorigin.lsp.positions import PositionMap, range_json
from codeorigin.lsp.progress import with_progress_if_slow
from codeorigin.lsp.state import CodeOriginServer, Feature
from codeorigin.lsp.vocabulary import (
    RESCORE_DOCUMENT,
    RESCORE_SELECTION,
    STATUS,
    VERDICT_WORDS,
    percent,
    plural,
)

if TYPE_CHECKING:
    from pygls.workspace import TextDocument

    from codeorigin.core.spans import Content
    from codeorigin.core.verdicts import Verdict
    from codeorigin.engine.judging import VerdictRules
    from codeorigin.lsp.analysis import Analysis
    from codeorigin.model.scorer import Score

log = logging.getLogger(__name__)


def _arguments(ls: CodeOriginServer, command: str, args: tuple[Any, ...], range_: bool) -> Any:
    """The document URI (and with `range_`, the range) a command was given, checked: a client
    that sends something else gets InvalidParams saying what the command takes."""
    wanted = "a document URI and a range" if range_ else "a document URI"
    if len(args) != 1 + range_ or not isinstance(args[0], str) or not args[0]:
        got = ", ".join(json_type(a) for a in args) or "nothing"
        raise JsonRpcInvalidParams(f"{command} takes {wanted}, got {got}")
    if not range_:
        return args[0]
    try:
        where = ls.protocol._converter.structure(args[1], types.Range)
    except Exception:
        raise JsonRpcInvalidParams(
            f"{command}: the range must be {{start: {{line, character}}, end: {{line, "
            f"character}}}} with whole numbers of 0 or more, got {json_text(args[1])}"
        ) from None
    return args[0], where


async def rescore_selection(ls: CodeOriginServer, *args: Any) -> dict[str, Any] | None:
    uri, range = _arguments(ls, RESCORE_SELECTION, args, range_=True)
    doc = ls.open_document(uri)
    if doc is None:
        ls.notify_user(
            "codeorigin: open the document before rescoring a selection.", types.MessageType.Warning
        )
        return None
    chosen = await _selection(ls, uri, doc, range)
    if chosen is None:
        return None
    selected, language = chosen
    settings = ls.settings.for_uri(uri)
    key = ls.models.key(settings, ls.settings.folder_path(uri))
    engine = await ls.models.engine(key)
    if engine is None:
        ls.notify_user(
            f"codeorigin: cannot score: {ls.models.failure(key)}", types.MessageType.Error
        )
        return None
    path = doc.path if uri.startswith("file:") else None
    engine = ls.analyzer.calibrated(engine, path)  # the repository's own thresholds, if any
    options = settings.verdict_rules()
    scored = await _score(ls, engine, selected, options, language)
    if scored is None:  # stopped for the client's `$/cancelRequest`, already answered
        return None
    score, verdict, content = scored
    if verdict == "not_judged":  # no probability: a score there would mean nothing
        ls.notify_user(
            f"codeorigin: the selection is not judged: {engine.abstains(language)}.",
            types.MessageType.Info,
        )
        return {
            "probability": None,
            "verdict": verdict,
            "n_tokens": content.tokens,
            "n_lines": content.statement_lines,
            "threshold": None,
            "model": engine.model.name,
        }
    threshold, _ = engine.effective_thresholds(options, language)
    detail = (
        f"{percent(score.probability)}, threshold {percent(threshold)}, model {engine.model.name}"
    )
    if verdict == "too_short":
        detail += (
            f"; needs {settings.min_lines} statement lines and "
            f"{settings.min_tokens} identifier/literal tokens"
        )
    ls.notify_user(
        f"codeorigin: the selection ({plural(content.statement_lines, 'statement line')}, "
        f"{plural(content.tokens, 'identifier/literal token')}) is "
        f"{VERDICT_WORDS[verdict]} ({detail}).",
        types.MessageType.Info,
    )
    return {
        "probability": score.probability,
        "verdict": verdict,
        "n_tokens": content.tokens,
        "n_lines": content.statement_lines,
        "threshold": threshold,
        "model": engine.model.name,
    }


async def _score(
    ls: CodeOriginServer, engine: Engine, selected: str, options: VerdictRules, language: str | None
) -> tuple[Score, Verdict, Content] | None:
    """The selection's score on the interactive lane; None when the client cancelled the request
    (the scoring stops between two batches of forward passes)."""
    cancelled = _cancel_event(ls)

    def between() -> None:
        if cancelled.is_set():
            raise Superseded

    work = asyncio.get_running_loop().run_in_executor(
        ls.executor.interactive, engine.score_selection, selected, options, language, between
    )
    try:
        return await with_progress_if_slow(ls, work, "codeorigin: scoring the selection")
    except asyncio.CancelledError:
        cancelled.set()
        raise
    except Superseded:
        return None


def _cancel_event(ls: CodeOriginServer) -> threading.Event:
    """An event set when the client cancels the request being handled. pygls runs a command inside
    `workspace/executeCommand`'s own future, which `$/cancelRequest` cancels without reaching the
    command's task: the event watches that future."""
    event = threading.Event()
    outer = ls.protocol._request_futures.get(ls.protocol.msg_id)  # type: ignore[arg-type]
    if outer is not None:
        outer.add_done_callback(lambda f: event.set() if f.cancelled() else None)
    return event


async def _selection(
    ls: CodeOriginServer, uri: str, doc: TextDocument, where: types.Range
) -> tuple[str, str] | None:
    """The selected text and the language it is scored in; None, after saying why, when there is
    nothing to score or it is not scored: text in no language codeorigin reads, more than
    `codeorigin.maxFileBytes`, or a document the server does not score (disabled, a language not
    in `codeorigin.languages`, generated, binary), as `codeorigin.explain` refuses it."""
    text = doc.source
    positions = PositionMap(text, ls.workspace.position_encoding)
    start, end = sorted((positions.offset(where.start), positions.offset(where.end)))
    selected = text[start:end]
    if not selected.strip():
        ls.notify_user("codeorigin: select some code to rescore.", types.MessageType.Warning)
        return None
    settings = ls.settings.for_uri(uri)
    path = doc.path if uri.startswith("file:") else None
    # The language the document is scored in (a `.h` read as C++, `python3` as Python), or none.
    language = languages.for_file(path, text, doc.language_id, settings.extension_map)
    refused = _refused(doc.language_id, language, selected, settings.max_file_bytes)
    if refused is not None or language is None:
        ls.notify_user(
            f"codeorigin: the selection is not scored: {refused}.", types.MessageType.Warning
        )
        return None
    analysis = await ls.analyzer.current(uri, asked=True)
    if analysis is None:  # closed meanwhile
        return None
    # Not a document too large (a selection within the limit is scored) nor one the model failed
    # on (said below, with the model's error).
    if analysis.skipped in ("disabled", "language", "excluded", "generated", "binary"):
        _say_not_scored(ls, analysis)
        return None
    return selected, language


def _refused(given: str | None, language: str | None, selected: str, limit: int) -> str | None:
    """Why a selection is not scored: a document in no language codeorigin reads, or more text
    than `codeorigin.maxFileBytes` allows a file (it would hold every request up)."""
    if language is None:
        return f"codeorigin does not read {json_text(given or '')} documents"
    size = len(selected.encode("utf-8", "surrogatepass"))
    if size > limit:
        return f"it is {size:,} bytes, more than codeorigin.maxFileBytes ({limit:,})"
    return None


def _say_not_scored(ls: CodeOriginServer, analysis: Analysis) -> None:
    """Tell why the document is not scored, instead of a silent "0 spans scored again" or a
    verdict it would not get."""
    ls.notify_user(
        f"codeorigin: this document is not scored: {analysis.reason or analysis.skipped}.",
        types.MessageType.Warning,
    )


async def rescore_document(ls: CodeOriginServer, *args: Any) -> list[dict[str, Any]] | None:
    uri = _arguments(ls, RESCORE_DOCUMENT, args, range_=False)
    if ls.open_document(uri) is None:
        ls.notify_user(
            "codeorigin: open the document before rescoring it.", types.MessageType.Warning
        )
        return None
    if ls.models.forget_failures():
        ls.analyzer.rescore_all()  # a model that failed failed every document: retry them all
    else:
        ls.analyzer.rescore(uri)
    analysis = await ls.analyzer.current(uri)
    if analysis is None:
        return None
    ls.refresh_views()
    if analysis.skipped == "model":
        return None  # the model's failure was said as it failed: null, no "0 spans scored again"
    if analysis.skipped is not None:
        _say_not_scored(ls, analysis)
        return None  # null, as for a document not open: no "0 spans scored again" after why
    positions = analysis.positions
    return [
        {
            "name": r.span.name,
            "kind": r.span.kind,
            "probability": r.probability,
            "verdict": r.verdict,
            "n_tokens": r.n_tokens,
            "n_lines": r.n_lines,
            "range": range_json(positions.range(r.span.start, r.span.end)),
            "nameRange": range_json(positions.range(r.span.name_start, r.span.name_end)),
        }
        for r in analysis.results
    ]


async def status(ls: CodeOriginServer, *args: Any) -> dict[str, Any]:
    uri = _arguments(ls, STATUS, args, range_=False) if args else None  # the global settings'
    if not ls.settings.ready.is_set():  # the client's configuration, as scoring waits for it
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(ls.settings.ready.wait(), READY_TIMEOUT)
    settings = ls.settings.for_uri(uri)
    key = ls.models.key(settings, ls.settings.folder_path(uri) if uri else None)
    engine = await ls.models.engine(key)
    report: dict[str, Any] = {
        "model": {
            "name": None,
            "digest": None,
            "path": str(key.path),
            "threshold": None,
            "uncertain": None,
        },
        "cache": {"size": 0, "max": 0},
        "counts": {"spans_scored": 0, "cache_hits": 0, "documents": 0},
        "timings": {},
        "error": ls.models.failure(key),
        "open_documents": len(ls.analyzer.open_uris()),
        "threads": key.threads,
        # The server's resident memory, and how often idle workers gave freed memory back.
        "memory": {
            "resident_bytes": memory.resident_bytes(),
            "releases": memory.releases,
            "release_seconds": memory.release_seconds,
        },
    }
    document = await _document_status(ls, uri, engine) if uri is not None else None
    if engine is not None:
        model = engine.model
        # An open document's thresholds are its language's, as its hover shows them.
        language = document["language"] if document is not None else None
        llm: float | None
        uncertain: float | None
        llm, uncertain = engine.effective_thresholds(settings.verdict_rules(), language)
        if document is not None and document["not_judged"]:
            llm = uncertain = None  # as the hover: no threshold where the model does not judge
        stats = engine.stats
        report["model"] = {
            "name": model.name,
            "digest": model.digest,
            "path": str(key.path),
            "threshold": llm,
            "uncertain": uncertain,
        }
        if language is not None:
            report["model"]["threshold_language"] = language
        if settings.verdict_rules().threshold is None and model.manifest.thresholds.languages:
            report["model"]["thresholds_by_language"] = {
                lang: th[0] for lang, th in sorted(model.manifest.thresholds.languages.items())
            }
            for unit, apart in (("module", model.manifest.thresholds.modules),
                                ("case", model.manifest.thresholds.cases)):
                if apart:
                    report["model"][f"{unit}_thresholds_by_language"] = {
                        lang: engine.effective_thresholds(settings.verdict_rules(), lang, unit)[0]
                        for lang in sorted(apart)
                    }
        report["cache"] = {"size": len(engine.cache), "max": engine.cache.max_size}
        report["counts"] = {
            "spans_scored": stats.spans_scored,
            "cache_hits": stats.cache_hits,
            "documents": stats.documents,
        }
        report["timings"] = {
            "model_load_seconds": ls.models.load_seconds.get(key),
            "score_seconds": stats.score_seconds,
            "last_document_seconds": stats.last_document_seconds,
            "forward_seconds": model.forward_seconds,
            "forward_calls": model.forward_calls,
        }
    if uri is not None:
        report["document"] = document
    return report


async def _document_status(
    ls: CodeOriginServer, uri: str, engine: Engine | None
) -> dict[str, Any] | None:
    """Why the open document `uri` has the verdicts it has (None when it is not open): the language
    it is scored as, why it is not scored at all (`skipped`: "disabled", "language", "excluded",
    "generated", "binary", "too-large", "model", "error"; `reason` for some) and why the model does
    not judge its language (`not_judged`), so a client can tell "nothing flagged" from "nothing
    judged"."""
    analysis = await ls.analyzer.current(uri)
    if analysis is None:
        return None
    language = analysis.language
    judged_with = analysis.engine or engine  # with its repository's calibration, if any
    return {
        "language": language,
        "skipped": analysis.skipped,
        "reason": analysis.reason,
        "not_judged": judged_with.abstains(language) if judged_with is not None else None,
    }


class Commands(Feature):
    def register(self, server: CodeOriginServer) -> None:
        server.command(RESCORE_SELECTION)(rescore_selection)
        server.command(RESCORE_DOCUMENT)(rescore_document)
        server.command(STATUS)(status)
