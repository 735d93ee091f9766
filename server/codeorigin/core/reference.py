"""A repository's reference threshold: a margin above the median score of its own functions.

People of one repository write alike, and a threshold set on people of many repositories holds
for them pooled, not for each: a repository whose people's code reads like an LLM's to the
model (xUnit tests with sentence-long names, say) has a tenth of its functions over it, while
most repositories have none. The reference threshold moves with the repository. It sits
`margin` logits above the median logit of the repository's judged functions of one language,
agents' and people's alike (no label is needed, only enough functions), and the margin is
bounded in training on people of repositories the model never saw, the repositories as the
sample (`codeorigin-train reference`). A repository where agents wrote much of the code has a
higher median and a higher threshold: the rule misses more there, it does not accuse more.

`codeorigin calibrate` computes it where a language has `min_functions` judged functions; the
training tree measures it with the same function.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from codeorigin.core.change import logit, sigmoid

MIN_FUNCTIONS = 30


@dataclass(frozen=True)
class Reference:
    """A model's margin (`thresholds.reference` in its manifest) and what it rests on."""

    margin: float  # logits above the repository's median
    min_functions: int = MIN_FUNCTIONS
    repositories: int = 0  # held-out repositories whose people bounded the margin
    people: int = 0  # their people's functions

    def threshold(self, probabilities: Sequence[float]) -> float | None:
        """The threshold for one language of a repository from the probabilities of its judged
        functions (a span is flagged at p >= it); None below `min_functions` of them."""
        return threshold(probabilities, self.margin, self.min_functions)


def threshold(
    probabilities: Sequence[float], margin: float, min_functions: int = MIN_FUNCTIONS
) -> float | None:
    """`margin` logits above the median logit of `probabilities`, as a probability; None when
    they are fewer than `min_functions`."""
    if len(probabilities) < max(1, min_functions):
        return None
    return sigmoid(statistics.median(logit(p) for p in probabilities) + margin)


def parse(raw: Any) -> Reference | None:
    """`thresholds.reference` of a manifest, checked; None when absent."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise ValueError(f"'thresholds.reference' must be an object, not {raw!r}")
    margin = raw.get("margin")
    if not isinstance(margin, int | float) or isinstance(margin, bool) or not math.isfinite(margin):
        raise ValueError("'thresholds.reference.margin' must be a number (logits)")
    counts = {}
    for key, default in (("min_functions", MIN_FUNCTIONS), ("repositories", 0), ("people", 0)):
        v = raw.get(key, default)
        if not isinstance(v, int) or isinstance(v, bool) or v < 0:
            raise ValueError(f"'thresholds.reference.{key}' must be a count, not {v!r}")
        counts[key] = v
    return Reference(float(margin), max(1, counts["min_functions"]), counts["repositories"],
                     counts["people"])  # fmt: skip
