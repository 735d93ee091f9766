"""What a span's verdict depends on, and what comes out: the user's `VerdictRules` (threshold,
the "too short" guard, generated code), the marks read above a span (generated, a `codeorigin:
ignore` comment) and `SpanResult`, one span with its score and verdict.
"""

from __future__ import annotations

from dataclasses import dataclass

from codeorigin.core import generated
from codeorigin.core.spans import Content, Span
from codeorigin.core.suppressions import comment_block, suppression
from codeorigin.core.verdicts import Verdict
from codeorigin.engine.lines import line_of


@dataclass(frozen=True)
class VerdictRules:
    """What the user can set that changes a verdict (the server's `Settings.verdict_rules()`,
    `codeorigin scan`'s flags)."""

    threshold: float | None = None  # None: the model's calibrated threshold
    # The "too short" guard: statement lines of the body and identifier/literal tokens
    # (`core.spans.Content`), the same rule in every language. The one place for the defaults.
    min_lines: int = 3
    min_tokens: int = 8
    include_generated: bool = False  # score spans marked as generated (`core.generated`) too

    def judges(self, content: Content) -> bool:
        """Whether a text with this content is long enough to judge (the "too short" guard)."""
        return content.statement_lines >= self.min_lines and content.tokens >= self.min_tokens


@dataclass(frozen=True)
class SpanResult:
    """One span of a document with its score and verdict.

    A span marked as generated is not scored (`verdict` "generated", `reason` says why), nor is a
    span of a language the model abstains on (`verdict` "not_judged", `reason` says why).
    `suppressed` is the reason of a `codeorigin: ignore` comment ("" without one), None when the
    span is not suppressed; a suppressed span keeps its score and verdict, and callers do not
    flag it.
    """

    span: Span
    probability: float | None
    verdict: Verdict
    n_tokens: int  # identifier and literal tokens of the body (`Content.tokens`)
    n_lines: int  # statement lines of the body (`Content.statement_lines`)
    start_line: int  # 0-based, first line of the span
    end_line: int  # 0-based, inclusive
    key: str  # cache key of the normalised text
    reason: str | None = None  # why a span is "generated" or "not_judged" (its language)
    suppressed: str | None = None
    language: str | None = None  # the document's canonical language id (a stacked model reads it)

    @property
    def text_hash(self) -> str:
        """A hash of the normalised text, the same whatever the model (baselines use it)."""
        return self.key.rsplit(":", 1)[-1]

    @property
    def flagged(self) -> bool:
        """Judged likely LLM-generated and not suppressed."""
        return self.verdict == "llm" and self.suppressed is None


COMMENT_BLOCK = 40  # lines of a comment block above a span read for `codeorigin: ignore`


def span_marks(
    span: Span, text: str, starts: list[int], options: VerdictRules
) -> tuple[str | None, str | None]:
    """(why the span is generated, the reason it is suppressed): from its first lines, its name's
    line and the line above it (for a suppression, the whole comment block right above, and the
    lines from its first to its name's: a comment between a decorator and the `def`)."""

    def line(i: int) -> str:
        end = starts[i + 1] if i + 1 < len(starts) else len(text)
        return text[starts[i] : end].rstrip("\r\n")

    first = line_of(text, starts, span.start)
    name = line_of(text, starts, span.name_start)
    # The comment block right above (a Javadoc, `///` lines, a `/* ... */`), up to COMMENT_BLOCK.
    block, inside = comment_block(line, first, COMMENT_BLOCK)
    heading = range(first, min(name, first + COMMENT_BLOCK) + 1)  # decorators, annotations
    read = [i for i in sorted({first - 1, *heading, *block}) if 0 <= i < len(starts)]
    commented = [k for k, i in enumerate(read) if i in inside]
    head = [line(i) for i in range(max(0, first - 1), min(len(starts), first + 3))]
    reason = None if options.include_generated else generated.span_reason(head)
    return reason, suppression([line(i) for i in read], commented)


def judgeable(span: Span, options: VerdictRules) -> bool:
    """Whether a span is long enough to judge: one that is not is never sent to the model."""
    return options.judges(Content(span.statement_lines, span.content_tokens))
