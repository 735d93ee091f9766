"""What an explanation of a score is: `Attribution`, the lines (`LineAttribution`) and the top
tokens (`TokenAttribution`) of a text with their share of the evidence and signed score, the
convergence delta and, for a stacked model, each member's part. `attributor` computes them by
Integrated Gradients; the reports and the editor read them. Plain data: no numpy, no onnxruntime.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from codeorigin.model.stacked_attribution import MemberContribution


TokenKind = Literal["text", "newline", "indent"]


TOP_TOKENS = 5  # how many tokens an explanation shows


@dataclass(frozen=True)
class LineAttribution:
    """One line of the user's text (0-based; a document line for `attribute_span`).

    `share`: the line's part of the total L2 attribution (shares over lines sum to 1).
    `score`: the signed attribution in logit units; > 0 pushes towards "LLM", < 0 towards "human".
    """

    line: int
    share: float
    score: float


@dataclass(frozen=True)
class TokenAttribution:
    """One model token: its text as in the original, where it is, and its attribution.

    `start`/`end` are character offsets into the text given to `attribute` (into the document for
    `attribute_span`). `kind` tells layout markers (a line break, two columns of indentation) from
    text tokens, whose `text` is whitespace.
    """

    text: str
    line: int
    score: float
    share: float
    start: int
    end: int
    kind: TokenKind = "text"
    member: str = ""  # a stacked model's member the token's evidence comes from


@dataclass(frozen=True)
class Attribution:
    """An Integrated Gradients explanation of one text's score.

    `logit` is F(x) of the fp32 gradient graph (window-weighted like the scorer's) and
    `probability` its calibration; `baseline_logit` is F(x'). `delta` is the relative convergence
    delta |Σ token scores - (logit - baseline_logit)| / |logit - baseline_logit| (`delta_abs` the
    absolute one): small means the quadrature is good. `lines` are in line order and hold every line
    with a token; `tokens` are the top tokens by share.
    """

    probability: float
    logit: float
    baseline_logit: float
    delta: float
    lines: tuple[LineAttribution, ...]
    tokens: tuple[TokenAttribution, ...]
    steps: int
    rule: str
    n_tokens: int
    baseline: str = "zero"
    delta_abs: float = 0.0
    n_windows: int = 1
    # Gradient-graph rows per window: `steps`, plus the two ends for gauss_legendre.
    evaluations: int = 0
    #: A stacked model's members, each with its part of the score; () for one transformer.
    members: tuple[MemberContribution, ...] = ()
    #: The calibrated probability of the baseline (an empty input): what ↑ and ↓ move away from.
    baseline_probability: float | None = None
    #: The route whose stacker gave the score (`model.stacking.Route`); "" for the stacker's.
    route: str = ""

    def top_lines(self, n: int = 3) -> tuple[LineAttribution, ...]:
        """The `n` lines with the largest share, largest first."""
        return tuple(sorted(self.lines, key=lambda la: (-la.share, la.line))[: max(0, n)])
