"""Diagnostics: one per span judged `llm` (and `uncertain` with `codeorigin.showUncertain`).

A diagnostic sits on the span's name (the first line of a module span), says how likely the span is
LLM-generated, and carries the full span range, its segments (a module span's runs of lines outside
every function and class), the probability and the model in `data`, so clients can draw their own
decorations. Spans suppressed by a `codeorigin: ignore` comment or known from the baseline get none.

Two delivery models, chosen from the client's capabilities (`ClientFeatures.pull_diagnostics`):
pushed with `textDocument/publishDiagnostics` (with the document version) after each run, or
pulled with `textDocument/diagnostic` / `workspace/diagnostic`, in which case the server asks the
client to pull again (`workspace/diagnostic/refresh`) when results change without an edit. Never
both: a client that pulls and accepts pushes would show every diagnostic twice.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING
from urllib.parse import unquote

from lsprotocol import types

from codeorigin.lsp.option_values import Severity
from codeorigin.lsp.positions import range_json
from codeorigin.lsp.state import CodeOriginServer, Feature
from codeorigin.lsp.vocabulary import CODES, SOURCE, diagnostic_message

if TYPE_CHECKING:
    from codeorigin.lsp.analysis import Analysis

log = logging.getLogger(__name__)

_SEVERITY: dict[Severity, types.DiagnosticSeverity] = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "information": types.DiagnosticSeverity.Information,
    "hint": types.DiagnosticSeverity.Hint,
}


def to_diagnostics(analysis: Analysis) -> list[types.Diagnostic]:
    """The diagnostics of one analysis, in document order."""
    settings = analysis.settings
    shown = {"llm", "uncertain"} if settings.show_uncertain else {"llm"}
    out: list[types.Diagnostic] = []
    for result in analysis.results:
        if result.verdict not in shown or result.probability is None:
            continue
        if not analysis.reported(result):
            continue  # suppressed by a comment, or known from the baseline
        span = result.span
        full = analysis.positions.range(span.start, span.end)
        out.append(
            types.Diagnostic(
                range=analysis.positions.range(span.name_start, span.name_end),
                message=diagnostic_message(result),
                severity=_SEVERITY[settings.severity],
                code=CODES[result.verdict],
                source=SOURCE,
                data={
                    "probability": result.probability,
                    "range": range_json(full),
                    "model": analysis.model_name,
                    "verdict": result.verdict,
                    "name": span.name,
                    "kind": span.kind,
                    # A module span is only the code outside functions and classes: its runs.
                    "segments": [
                        range_json(analysis.positions.range(a, b)) for a, b in span.segments
                    ],
                },
            )
        )
    return out


def publish(ls: CodeOriginServer, analysis: Analysis) -> None:
    """Push an analysis' diagnostics, unless the client pulls them."""
    if ls.client.pull_diagnostics:
        return
    ls.text_document_publish_diagnostics(
        types.PublishDiagnosticsParams(
            uri=analysis.uri, version=analysis.version, diagnostics=to_diagnostics(analysis)
        )
    )


def clear(ls: CodeOriginServer, uri: str) -> None:
    """Remove a closed document's diagnostics (harmless for a pulling client)."""
    ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))


def refresh(ls: CodeOriginServer) -> None:
    """Ask a pulling client to pull again (results changed without an edit)."""
    if ls.client.pull_diagnostics:
        ls.fire_and_forget(ls.workspace_diagnostic_refresh(None))


def document_report(
    analysis: Analysis | None, previous_result_id: str | None
) -> types.DocumentDiagnosticReport:
    if analysis is None:  # not open: nothing to say about it
        return types.RelatedFullDocumentDiagnosticReport(items=[])
    if previous_result_id is not None and previous_result_id == analysis.result_id:
        return types.RelatedUnchangedDocumentDiagnosticReport(result_id=analysis.result_id)
    return types.RelatedFullDocumentDiagnosticReport(
        items=to_diagnostics(analysis), result_id=analysis.result_id
    )


def workspace_report(
    analyses: list[Analysis], previous: dict[str, str]
) -> types.WorkspaceDiagnosticReport:
    items: list[types.WorkspaceDocumentDiagnosticReport] = []
    for analysis in analyses:
        if previous.get(unquote(analysis.uri)) == analysis.result_id:
            items.append(
                types.WorkspaceUnchangedDocumentDiagnosticReport(
                    uri=analysis.uri, version=analysis.version, result_id=analysis.result_id
                )
            )
        else:
            items.append(
                types.WorkspaceFullDocumentDiagnosticReport(
                    uri=analysis.uri,
                    version=analysis.version,
                    items=to_diagnostics(analysis),
                    result_id=analysis.result_id,
                )
            )
    return types.WorkspaceDiagnosticReport(items=items)


class Diagnostics(Feature):
    """Publishes each analysis kept (or lets the client pull it), clears closed documents."""

    def register(self, server: CodeOriginServer) -> None:
        _register(server)

    def on_analysis(self, server: CodeOriginServer, analysis: Analysis) -> None:
        publish(server, analysis)

    def on_close(self, server: CodeOriginServer, uri: str) -> None:
        clear(server, uri)

    def refresh(self, server: CodeOriginServer) -> None:
        refresh(server)


def _register(server: CodeOriginServer) -> None:
    options = types.DiagnosticOptions(
        identifier=SOURCE, inter_file_dependencies=False, workspace_diagnostics=True
    )

    @server.feature(types.TEXT_DOCUMENT_DIAGNOSTIC, options)
    async def document_diagnostic(
        ls: CodeOriginServer, params: types.DocumentDiagnosticParams
    ) -> types.DocumentDiagnosticReport:
        analysis = await ls.analyzer.current(params.text_document.uri)
        return document_report(analysis, params.previous_result_id)

    @server.feature(types.WORKSPACE_DIAGNOSTIC)
    async def workspace_diagnostic(
        ls: CodeOriginServer, params: types.WorkspaceDiagnosticParams
    ) -> types.WorkspaceDiagnosticReport:
        uris = ls.analyzer.open_uris()
        found = await asyncio.gather(*(ls.analyzer.current(uri) for uri in uris))
        previous = {unquote(p.uri): p.value for p in params.previous_result_ids}
        return workspace_report([a for a in found if a is not None], previous)
