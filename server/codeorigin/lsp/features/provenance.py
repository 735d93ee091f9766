"""Provenance in the editor: which lines of a function come from commits a coding agent signed
(git blame, `codeorigin.scan.provenance`), in the hover and the code lens; `codeorigin.provenance`
(false) turns it off.

git is never run on the keystroke path: a document is blamed once when it is first analysed
(opened) and again when it is saved, on a thread of its own, and the blame is kept by the text's
blob. Between saves, the blame of the last saved text is used while the document has as many lines
as it had (an edit within lines keeps each line where it was); after lines are added or removed,
the hover says that saving reads it again. A document outside a git work tree shows nothing.

The hover also says what `codeorigin scan` makes of the functions of the document that the span's
commit wrote, judged together (`scan.commits`): the editor's verdicts and diagnostics stay each
function's own, and a scan, which reads the commit's other files too, may pool more of them.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from codeorigin.core.change import PooledSpan, pooled_probability
from codeorigin.core.verdicts import percent
from codeorigin.lsp.blames import section
from codeorigin.lsp.state import CodeOriginServer, Feature, HoverContext

if TYPE_CHECKING:
    from codeorigin.engine.judging import SpanResult
    from codeorigin.lsp.analysis import Analysis


class ProvenanceFeature(Feature):
    def _read(self, server: CodeOriginServer, analysis: Analysis, text: str) -> None:
        if not analysis.settings.provenance or analysis.language is None:
            return
        loop = asyncio.get_running_loop()

        def done() -> None:  # on the blame's thread: lenses are asked again, on the loop
            if not loop.is_closed():
                loop.call_soon_threadsafe(server.refresh_views)

        server.blames.ask(analysis.uri, text, done)

    def on_analysis(self, server: CodeOriginServer, analysis: Analysis) -> None:
        """The first analysis of a document (its opening) reads its blame."""
        if not server.blames.asked(analysis.uri):
            self._read(server, analysis, analysis.text)

    def on_save(self, server: CodeOriginServer, analysis: Analysis, text: str) -> None:
        """A save reads the blame again (a commit may have followed it)."""
        self._read(server, analysis, text)

    def on_close(self, server: CodeOriginServer, uri: str) -> None:
        server.blames.forget(uri)

    def hover_section(self, ctx: HoverContext) -> str | None:
        if not ctx.settings.provenance or ctx.server is None:
            return None
        said = section(ctx.server.blames.of(ctx.uri, ctx.text, ctx.result), ctx.markdown)
        pooled = commit_words(ctx)
        return said if pooled is None else f"{said}\n\n{pooled}" if said else pooled


def commit_words(ctx: HoverContext) -> str | None:
    """What `codeorigin scan` makes of the functions of this document that the span's commit
    wrote, judged together (`scan.commits`): "Its commit 1a2b3c4d5e wrote 4 functions of this
    file: together 95.9%, at or above 92.8%, so `codeorigin scan` flags them together." None
    where the model has no such threshold, the user set one, the span is not one of the
    functions it pools, or its commit wrote fewer than the threshold needs."""
    server = ctx.server
    analysis = server.analyzer.latest(ctx.uri) if server is not None else None
    calibration = ctx.engine.model.manifest.change
    thresholds = ctx.engine.model.manifest.thresholds
    if (server is None or analysis is None or calibration.commit_llm is None
            or ctx.settings.threshold is not None or ctx.language not in thresholds.languages):  # fmt: skip
        return None
    results = analysis.results
    commits = server.blames.commits(ctx.uri, ctx.text, results)
    pooled = {i: c[0] for i, (r, c) in enumerate(zip(results, commits))
              if c is not None and c[1] >= calibration.commit_min_share and _weighs_in(r)}  # fmt: skip
    sha = next((c for i, c in pooled.items() if results[i] is ctx.result), None)
    members = [results[i] for i, c in pooled.items() if c == sha]
    if sha is None or len(members) < calibration.commit_min_spans:
        return None
    # Each margin from the model's own threshold for the span (a test case's: its own).
    p = pooled_probability([PooledSpan(r.probability or 0.0, r.end_line - r.start_line + 1, None,
                                       None, thresholds.for_kind(ctx.language, r.span.kind)[0])
                            for r in members], calibration)  # fmt: skip
    own = ctx.engine.own_commits  # the repository's own (`codeorigin calibrate --write`)
    limit = calibration.commit_llm if own is None else own[0]
    t = percent(limit) + ("" if own is None else " (this repository's own)")
    verdict = (f"at or above {t}, so `codeorigin scan` flags them together" if p >= limit
               else f"under the {t} at which `codeorigin scan` flags a commit's functions together")  # fmt: skip
    head = "**Its commit**" if ctx.markdown else "Its commit"
    what = "functions and test cases" if any(r.span.kind == "case" for r in members) else "functions"
    return (f"{head} {sha[:10]} wrote {len(members)} {what} of this file: together "
            f"{percent(p)}, {verdict}.")  # fmt: skip


def _weighs_in(r: SpanResult) -> bool:
    """Whether a span weighs in with its commit, as `scan.commits` has it."""
    return (r.probability is not None and r.span.kind != "module" and r.suppressed is None
            and r.verdict in ("llm", "uncertain", "human"))  # fmt: skip
