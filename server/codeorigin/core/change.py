"""One verdict for a whole change (a pull request, a commit) from the verdicts of its spans.

A reviewer asks "was this change written by an agent?". The judged spans of a change (scored, not
too short, not generated, not suppressed, not known from a baseline) each carry evidence; the rule
pools it:

    z = sum(w_i * logit(p_i)) / sum(w_i),   w_i = the lines of span i that the change touched

`p_i` is the span's calibrated probability, so `z` is the mean calibrated log-odds, weighted by how
much of each span the change wrote.

With a change calibration (the manifest's `change`, fitted on agents' pull requests against human
commits by `codeorigin-train change-verdict`, removed from the training tree; its code is at
commit 7206146), P(change) = sigmoid(a * z + b) is judged with the
calibration's own thresholds `llm` and `uncertain` (a user's `--threshold` replaces its `llm`). A
calibration with a = 0 is flat: on its data the pooled evidence did not rise with the label, so
every change gets the same probability, and the reports say so.

Without one (uncalibrated), P(change) = sigmoid(z), and `z` is judged against the same weighted
mean of each span's own thresholds, those of its language (`thresholds.languages`; a user's
`--threshold` for every language):

    llm        when z >= sum(w_i * logit(llm_i)) / sum(w_i)
    uncertain  when z >= sum(w_i * logit(uncertain_i)) / sum(w_i)
    human      otherwise

so a change of one span always gets that span's verdict, and a Java span is not held to Python's
threshold.

A calibration of the rule `mean-margin-by-changed-lines` (`codeorigin-train commit-verdict`) pools
each span's margin over its language's own threshold in the model, `logit(p_i) - logit(t_i)`, in
place of `logit(p_i)`: languages whose thresholds differ weigh in alike. Such a calibration may
also carry `commits`: the threshold at which the functions one commit wrote, pooled the same way,
are flagged together (`scan.commits`; bounded on people's commits, function by function).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import NamedTuple

from codeorigin.core.fields import number
from codeorigin.core.verdicts import VERDICT_WORDS, Verdict, percent

RULE = "mean-logit-by-changed-lines"
MARGIN_RULE = "mean-margin-by-changed-lines"
_EPS = 1e-6


@dataclass(frozen=True)
class ChangeCalibration:
    """How a change's pooled logit becomes a probability and a verdict."""

    a: float = 1.0
    b: float = 0.0
    llm: float = 0.5
    uncertain: float = 0.5
    calibrated: bool = False  # False: no `change` in the manifest; each span's thresholds judge
    rule: str = RULE
    # `commits`: the threshold for the functions of one commit pooled (None: no such verdict),
    # the fewest judged functions it pools, and the share of a function's lines its commit
    # must have written for the function to count as that commit's.
    commit_llm: float | None = None
    commit_min_spans: int = 2
    commit_min_share: float = 0.9

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


class PooledSpan(NamedTuple):
    """One judged span of a change: its probability, the lines of it the change touched (its
    weight) and the `llm` and `uncertain` thresholds of its language (None: the calibration's)."""

    probability: float
    weight: int
    llm: float | None = None
    uncertain: float | None = None
    reference: float | None = None  # the model's own threshold of its language (margin rule)


def evidence(span: PooledSpan, rule: str) -> float:
    """What `span` pools under `rule`: its log-odds, or its margin over its language's own
    threshold in the model (`reference`, else `llm`)."""
    if rule != MARGIN_RULE:
        return logit(span.probability)
    ref = span.reference if span.reference is not None else span.llm
    return logit(span.probability) - (logit(ref) if ref is not None else 0.0)


def pooled_probability(spans: list[PooledSpan], calibration: ChangeCalibration) -> float:
    """sigmoid(a * z + b) of the spans (of positive weight) under the calibration's rule."""
    z = sum(s.weight * evidence(s, calibration.rule) for s in spans) / sum(s.weight for s in spans)
    return sigmoid(calibration.a * z + calibration.b)


def _mean_logit(values: Iterable[tuple[float, int]]) -> float:
    """sum(w_i * logit(x_i)) / sum(w_i) of (x, weight) pairs, all of a positive weight."""
    z = pooled_logit(values)
    assert z is not None
    return z


def judge_change(
    spans: Iterable[PooledSpan],
    calibration: ChangeCalibration,
    threshold: float | None = None,
) -> ChangeVerdict:
    """The change's verdict from its judged spans (those of weight 0 are left out). Calibrated:
    sigmoid(a * z + b) against the calibration's thresholds, `threshold` (the user's) replacing its
    `llm`. Uncalibrated: sigmoid(z), its verdict from z against the weighted mean logit of the
    spans' own thresholds (`threshold`, when given, is every span's `llm`), so a one-span change
    gets its span's verdict."""
    pooled = [s for s in spans if s.weight > 0]
    if not pooled:
        return ChangeVerdict(None, "too_short", 0, calibration.calibrated)
    verdict: Verdict
    if calibration.calibrated:
        p = pooled_probability(pooled, calibration)
        llm = calibration.llm if threshold is None else threshold
        uncertain = min(calibration.uncertain, llm)
        verdict = "llm" if p >= llm else "uncertain" if p >= uncertain else "human"
    else:
        z = _mean_logit((s.probability, s.weight) for s in pooled)
        p = sigmoid(z)
        own = [(s.weight, *_own_thresholds(s, calibration, threshold)) for s in pooled]
        z_llm = _mean_logit((llm, w) for w, llm, _ in own)
        z_uncertain = _mean_logit((uncertain, w) for w, _, uncertain in own)
        verdict = "llm" if z >= z_llm else "uncertain" if z >= z_uncertain else "human"
    return ChangeVerdict(p, verdict, len(pooled), calibration.calibrated, calibration.informative)


def _own_thresholds(
    span: PooledSpan, calibration: ChangeCalibration, threshold: float | None = None
) -> tuple[float, float]:
    """(llm, uncertain) of `span` as its own verdict had them: its language's (the calibration's
    when it names none), the user's `threshold` as `llm` when given, `uncertain` never above
    `llm`."""
    llm = span.llm if span.llm is not None else calibration.llm
    if threshold is not None:
        llm = threshold
    uncertain = span.uncertain if span.uncertain is not None else calibration.uncertain
    return llm, min(uncertain, llm)


def from_manifest(raw: object, llm: float, uncertain: float) -> ChangeCalibration:
    """The manifest's optional `change` object, checked; the span thresholds `llm`/`uncertain`
    when it is absent. Raises ValueError for a malformed one."""
    if raw is None:
        return ChangeCalibration(1.0, 0.0, llm, uncertain, calibrated=False)
    if not isinstance(raw, dict):
        raise ValueError("change must be an object")
    rule = raw.get("rule", RULE)
    if rule not in (RULE, MARGIN_RULE):
        raise ValueError(f"change.rule {rule!r} is neither {RULE!r} nor {MARGIN_RULE!r}")
    c_llm = number(raw, "llm", where="change.")
    c_unc = number(raw, "uncertain", c_llm, "change.")
    if not (0.0 <= c_llm <= 1.0 and 0.0 <= c_unc <= 1.0):
        raise ValueError("change thresholds outside [0, 1]")
    a, b = number(raw, "a", where="change."), number(raw, "b", where="change.")
    out = ChangeCalibration(a, b, c_llm, min(c_unc, c_llm), True, rule)
    commits = raw.get("commits")
    if commits is None:
        return out
    if not isinstance(commits, dict) or rule != MARGIN_RULE:
        raise ValueError(f"change.commits must be an object, with the rule {MARGIN_RULE!r}")
    llm = number(commits, "llm", where="change.commits.")
    spans = number(commits, "min_spans", 2, "change.commits.")
    share = number(commits, "min_share", 0.9, "change.commits.")
    if not (0.0 <= llm <= 1.0 and 0.0 < share <= 1.0 and spans >= 2 and spans == int(spans)):
        raise ValueError("change.commits: llm and min_share within [0, 1], min_spans 2 or more")
    return replace(out, commit_llm=llm, commit_min_spans=int(spans), commit_min_share=share)


def describe(c: ChangeVerdict, description: str = "", why: str = "") -> str:
    """The change's verdict in one line: `Change against main (merge base …): uncertain,
    below the threshold (probability of LLM authorship 81.4%, pooled over 2 judged spans)`, and
    when it is uncalibrated or flat, so. The verdict comes first: "4.5% not flagged" read as if
    4.5% of the change were not. `why`: the reason no span was judged, when none was."""
    what = f"Change {description}".rstrip()
    if c.probability is None:
        return f"{what}: no span judged ({why or 'nothing long enough, or nothing scorable'})."
    rule = ""
    if not c.calibrated:
        rule = (
            "; uncalibrated: the model has no change calibration, so the thresholds of its "
            "spans' own languages judge it"
        )
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
