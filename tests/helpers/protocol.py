"""What the protocol's tests share: a human and an agent's function as templates (a function's
name fills `{name}`), and the n-gram learner that remembers what each fit was trained on."""

from __future__ import annotations

import pandas as pd

from codeorigin_train.evaluation import protocol as pr

HUMAN = """def {name}(items, limit):
    total = 0
    for item in items:
        if item > limit:
            total += item
    return total
"""
AGENT = '''def {name}(items: list[int], limit: int) -> int:
    """Sum the items above the limit."""
    # Keep only the values that exceed the limit.
    filtered_values = [value for value in items if value > limit]
    return sum(filtered_values)
'''


class Recording(pr.NgramLearner):
    """The n-gram learner, remembering what each fit was trained on."""

    def __init__(self) -> None:
        self.seen: list[pd.DataFrame] = []

    def fit(self, train: pd.DataFrame, val: pd.DataFrame) -> pr.Fitted:
        self.seen.append(pd.concat([train, val]))
        return super().fit(train, val)
