"""One verdict for a whole change (a pull request, a commit) from the verdicts of its spans.

A reviewer asks "was this change written by an agent?". The judged spans of a change (scored, not
too short, not generated, not suppressed, not known from a baseline) each carry evidence; the rule
pools it:

    z = sum(w_i * logit(p_i)) / sum(w_i),   w_i = the lines of span i that the change touched
    P(change) = sigmoid(a * z + b)

`p_i` is the span's calibrated probability, so `z` is the mean calibrated log-odds, weighted by how
much of each span the change wrote. `a`, `b` and the thresholds come from the model's manifest
(`change`, fitted by `codeorigin-train change-verdict` on agents' pull requests against human
commits); a model without them uses a = 1, b = 0 and the span thresholds. A calibration with
a = 0 is flat: on its data the pooled evidence did not rise with the label, so every change gets
the same probability, and the reports say so.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from codeorigin.core.verdicts import VERDICT_WORDS, Verdict, percent

RULE = "mean-logit-by-changed-lines"
_EPS = 1e-6


@dataclass(frozen=True)
class ChangeCalibration:
    """How a change's pooled logit becomes a probability and a verdict."""

    a: float = 1.0
    b: float = 0.0
    llm: float = 0.5
    uncertain: float = 0.5
    calibrated: bool = False  # False: the span thresholds stand in (no `change` in the manifest)

    @property
    def informative(self) -> bool:
        """False for a flat calibration (a = 0): its data showed no signal, every change gets b."""
        return not self.calibrated or self.a > 0.0


@dataclass(frozen=True)
class ChangeVerdict:
    probability: float | None  # None when no span of the change was judged
    verdict: Verdict  # "too_short" when nothing was judged
    spans: int  # the judged spans pooled
    calibrated: bool
    informative: bool = True  # False: the model's change calibration is flat (see the card)


def logit(p: float) -> float:
    p = min(1.0 - _EPS, max(_EPS, float(p)))
    return math.log(p / (1.0 - p))


def sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def pooled_logit(spans: Iterable[tuple[float, int]]) -> float | None:
    """z of (probability, weight) pairs; None without any positive weight."""
    total = 0.0
    weight = 0
    for p, w in spans:
        if w > 0:
            total += w * logit(p)
            weight += w
    return total / weight if weight else None


def judge_change(
    spans: Iterable[tuple[float, int]],
    calibration: ChangeCalibration,
    threshold: float | None = None,
) -> ChangeVerdict:
    """The change's verdict from its judged spans' (probability, changed lines). `threshold` (the
    user's) replaces the calibrated one."""
    pairs = list(spans)
    z = pooled_logit(pairs)
    if z is None:
        return ChangeVerdict(None, "too_short", 0, calibration.calibrated)
    p = sigmoid(calibration.a * z + calibration.b)
    llm = calibration.llm if threshold is None else threshold
    uncertain = min(calibration.uncertain, llm)
    verdict: Verdict = "llm" if p >= llm else "uncertain" if p >= uncertain else "human"
    n = sum(1 for _, w in pairs if w > 0)
    return ChangeVerdict(p, verdict, n, calibration.calibrated, calibration.informative)


def from_manifest(raw: object, llm: float, uncertain: float) -> ChangeCalibration:
    """The manifest's optional `change` object, checked; the span thresholds `llm`/`uncertain`
    when it is absent. Raises ValueError for a malformed one."""
    if raw is None:
        return ChangeCalibration(1.0, 0.0, llm, uncertain, calibrated=False)
    if not isinstance(raw, dict):
        raise ValueError("change must be an object")
    if raw.get("rule", RULE) != RULE:
        raise ValueError(f"change.rule {raw.get('rule')!r} is not {RULE!r}")
    c_llm = float(raw["llm"])
    c_unc = float(raw.get("uncertain", c_llm))
    if not (0.0 <= c_llm <= 1.0 and 0.0 <= c_unc <= 1.0):
        raise ValueError("change thresholds outside [0, 1]")
    return ChangeCalibration(float(raw["a"]), float(raw["b"]), c_llm, min(c_unc, c_llm), True)


def describe(c: ChangeVerdict, description: str = "", why: str = "") -> str:
    """The change's verdict in one line: `Change against main (merge base …): possibly
    LLM-generated (probability of LLM authorship 81.4%, pooled over 2 judged spans)`, and when it
    is uncalibrated or flat, so. The verdict comes first: "4.5% likely human-written" read as if
    4.5% of the change were. `why`: the reason no span was judged, when none was."""
    what = f"Change {description}".rstrip()
    if c.probability is None:
        return f"{what}: no span judged ({why or 'nothing long enough, or nothing scorable'})."
    rule = "" if c.calibrated else "; uncalibrated: the model has no change calibration"
    if not c.informative:
        rule = (
            "; the model's change calibration found no signal, so every change gets this "
            "probability (see the model card)"
        )
    return (
        f"{what}: {VERDICT_WORDS[c.verdict]} (probability of LLM authorship "
        f"{percent(c.probability)}, pooled over {c.spans} judged span"
        f"{'s' if c.spans != 1 else ''}){rule}"
    )
