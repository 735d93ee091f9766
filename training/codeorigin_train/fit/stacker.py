"""The stacker: logistic regression on the members' logits and the language, its calibration and
the per-language thresholds of a stacked model.

The members' logits on the validation rows are out of sample (both train on the train split); the
stacker learns its weights there (`fit_stacker`) on folds grouped by `group`, and Platt scaling
and the thresholds are fitted on its out-of-fold logits. The shipped stacker is the regression on
every validation row. Thresholds (`language_thresholds`): per language, the smallest probability
that flags at most `max_fpr` (1%) of its held-out humans with `confidence` (95%); a language is
marked `abstain` (the server says "not judged") when its humans are too few for the bound (299 at
1% and 95%), it has no LLM rows, or its recall at that threshold is below `min_recall`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from codeorigin_train.fit.calibrate import (
    fit_platt,
    sigmoid,
    threshold_at_fpr,
    threshold_over_groups,
)


@dataclass(frozen=True)
class StackFit:
    """A fitted stacker: the manifest's `stacker` and `calibration`, and its out-of-fold logits."""

    bias: float
    weights: dict[str, float]
    languages: dict[str, float]
    calibration: tuple[float, float]  # Platt (a, b) on the out-of-fold stacked logits
    oof_logits: np.ndarray
    folds: int
    c: float

    def manifest_stacker(self) -> dict[str, Any]:
        return {
            "method": "logistic",
            "bias": self.bias,
            "weights": dict(self.weights),
            "languages": dict(self.languages),
        }

    def logits(self, members: Mapping[str, np.ndarray], languages: Sequence[str]) -> np.ndarray:
        """The stacked logits (the runtime's `model.stacking.Stacker.logit`, vectorised)."""
        out = np.full(len(languages), self.bias, dtype=np.float64)
        for name, w in self.weights.items():
            out += w * np.asarray(members[name], dtype=np.float64)
        out += np.asarray([self.languages.get(str(lang), 0.0) for lang in languages])
        return out

    def probability(self, logits: np.ndarray) -> np.ndarray:
        a, b = self.calibration
        return sigmoid(a * np.asarray(logits, dtype=np.float64) + b)


def group_folds(groups: Sequence[Any], k: int, seed: int = 0) -> list[np.ndarray]:
    """`k` folds of row indices, every group in one fold (groups shuffled, then dealt by size)."""
    keys = np.asarray([str(g) for g in groups])
    unique, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    order = np.random.default_rng(seed).permutation(unique.size)
    order = order[np.argsort(-counts[order], kind="stable")]
    load = np.zeros(k, dtype=np.int64)
    fold_of = np.zeros(unique.size, dtype=np.int64)
    for g in order:
        f = int(np.argmin(load))
        fold_of[g] = f
        load[f] += counts[g]
    return [np.flatnonzero(fold_of[inverse] == f) for f in range(k) if load[f]]


def _design(members: Mapping[str, np.ndarray], languages: Sequence[str], langs: list[str]) -> Any:
    cols = [np.asarray(members[m], dtype=np.float64) for m in members]
    lang = np.asarray([str(x) for x in languages])
    cols += [(lang == name).astype(np.float64) for name in langs]
    return np.column_stack(cols)


def _regression(x: np.ndarray, y: np.ndarray, c: float) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, max_iter=2000).fit(x, y)


def fit_stacker(
    members: Mapping[str, np.ndarray],
    languages: Sequence[str],
    labels: Sequence[int],
    groups: Sequence[Any],
    *,
    folds: int = 5,
    c: float = 1.0,
    seed: int = 0,
) -> StackFit:
    """Fit the stacker on rows both members never trained on (see the module docstring)."""
    y = np.asarray(labels, dtype=np.int64)
    langs = sorted({str(x) for x in languages})
    x = _design(members, languages, langs)
    oof = np.zeros(len(y), dtype=np.float64)
    parts = group_folds(groups, max(2, folds), seed)
    for rows in parts:
        rest = np.setdiff1d(np.arange(len(y)), rows)
        if np.unique(y[rest]).size < 2:  # a fold holding one label's every row: score it whole
            rest = np.arange(len(y))
        oof[rows] = _regression(x[rest], y[rest], c).decision_function(x[rows])
    final = _regression(x, y, c)
    coef = np.asarray(final.coef_, dtype=np.float64).reshape(-1)
    weights = {m: float(coef[i]) for i, m in enumerate(members)}
    languages_w = {name: float(coef[len(members) + i]) for i, name in enumerate(langs)}
    a, b = fit_platt(oof, y)
    return StackFit(float(final.intercept_[0]), weights, languages_w, (a, b), oof, len(parts), c)


@dataclass(frozen=True)
class LanguageThresholds:
    """The manifest's `thresholds` (with `languages`), its `abstain`, and a row per language."""

    llm: float
    uncertain: float
    languages: dict[str, dict[str, Any]] = field(default_factory=dict)
    abstain: dict[str, str] = field(default_factory=dict)
    table: list[dict[str, Any]] = field(default_factory=list)

    def manifest_thresholds(self) -> dict[str, Any]:
        return {"llm": self.llm, "uncertain": self.uncertain, "languages": self.languages}


#: The recall bar: a language is judged only where its bounded threshold catches this share of
#: its held-out LLM rows (`stack --min-recall`, the protocol's too).
MIN_RECALL = 0.30


def min_humans(max_fpr: float, confidence: float) -> int:
    """Fewest human rows for which flagging none bounds the FPR at `max_fpr` with `confidence`."""
    return math.ceil(math.log(1.0 - confidence) / math.log(1.0 - max_fpr))


def min_groups(confidence: float) -> int:
    """Fewest groups (repositories, problems) a language's humans must come from for its bound
    to rest on them: a new repository's rate exceeds that of all of `n` repositories seen with
    probability 1 / (n + 1), at most 1 - `confidence` from this many on (19 at 95%)."""
    return math.ceil(1.0 / (1.0 - confidence) - 1.0 - 1e-9)


def highest_threshold_with_recall(llms: np.ndarray, min_recall: float) -> float:
    """The highest threshold that still flags `min_recall` of the LLM rows (0 with none)."""
    if not llms.size:
        return 0.0
    ranked = np.sort(np.asarray(llms, dtype=np.float64))[::-1]
    return float(ranked[max(0, math.ceil(min_recall * ranked.size) - 1)])


def abstain_reason(
    row: dict[str, Any], need: int, max_fpr: float, confidence: float, min_recall: float
) -> str | None:
    """Why a language (its `language_thresholds` table row) is not judged, or None; a row with
    `groups` (bounded over groups) needs `min_groups` of them."""
    if row["humans"] < need:
        return (f"{row['humans']} held-out human functions cannot bound its false-positive rate "
                f"at {max_fpr:.0%} with {confidence:.0%} confidence (it needs {need})")  # fmt: skip
    if row.get("groups", math.inf) < min_groups(confidence):
        return (f"its held-out human functions come from {row['groups']} repositories or "
                f"problems: a bound that rests on repositories needs {min_groups(confidence)}")  # fmt: skip
    if not row["llm_rows"]:
        return "no LLM-written rows of it were held out to measure its recall on"
    if row["recall"] < min_recall:
        return (f"at the threshold that keeps its false positives under {max_fpr:.0%} it catches "
                f"{row['recall']:.0%} of its held-out LLM rows (the bar is {min_recall:.0%})")  # fmt: skip
    return None


def language_thresholds(
    probabilities: np.ndarray,
    labels: Sequence[int],
    languages: Sequence[str],
    *,
    max_fpr: float = 0.01,
    uncertain_fpr: float = 0.05,
    confidence: float = 0.95,
    min_recall: float = MIN_RECALL,
    unseen: tuple[np.ndarray, Sequence[str]] | None = None,
    groups: Sequence[Any] | None = None,
) -> LanguageThresholds:
    """Per-language thresholds on held-out rows, and the languages to abstain on.

    `unseen`: the probabilities and languages of human rows of sources the model never saw
    (`fit.unseen`), as a floor: a language's threshold rises toward the one that flags `max_fpr`
    of them, but no higher than the one that still catches `min_recall` of its LLM rows (the row
    records their share flagged, `unseen_fpr`). A language with too few held-out humans is bounded
    on them and the unseen sources' humans together.

    `groups` (each row's repository or problem): the threshold is also bounded with the groups as
    the sample (`fit.calibrate.threshold_over_groups`), the higher of the two kept, and a language
    whose held-out humans come from fewer than `min_groups` groups abstains."""
    p = np.asarray(probabilities, dtype=np.float64)
    y = np.asarray(labels, dtype=np.int64)
    lang = np.asarray([str(x) for x in languages])
    group = None if groups is None else np.asarray([str(g) for g in groups])
    p_new = np.zeros(0) if unseen is None else np.asarray(unseen[0], dtype=np.float64)
    lang_new = np.asarray([str(x) for x in (unseen[1] if unseen is not None else [])])
    need = min_humans(max_fpr, confidence)
    own: dict[str, dict[str, Any]] = {}
    abstain: dict[str, str] = {}
    table = []
    for name in sorted(set(lang.tolist())):
        humans, llms = p[(lang == name) & (y == 0)], p[(lang == name) & (y == 1)]
        new = p_new[lang_new == name]
        if humans.size < need <= humans.size + new.size:  # too few of its own: borrow theirs
            humans = np.concatenate([humans, new])
        t = threshold_at_fpr(humans, max_fpr, confidence)
        if new.size >= need:  # "floor": toward the unseen sources' bound, keeping the recall bar
            t = max(t, min(threshold_at_fpr(new, max_fpr, confidence),
                           highest_threshold_with_recall(llms, min_recall)))  # fmt: skip
        own_groups = None if group is None else group[(lang == name) & (y == 0)]
        if own_groups is not None and np.unique(own_groups).size >= min_groups(confidence):
            t = max(t, threshold_over_groups(p[(lang == name) & (y == 0)], own_groups,
                                             max_fpr, confidence))  # fmt: skip
        u = min(threshold_at_fpr(humans, uncertain_fpr), t)
        recall = float(np.mean(llms >= t)) if llms.size else float("nan")
        row = {"language": name, "humans": int(humans.size), "llm_rows": int(llms.size),
               "llm": t, "uncertain": u, "fpr": float(np.mean(humans >= t)) if humans.size else
               float("nan"), "recall": recall}  # fmt: skip
        if new.size:
            row.update(unseen_humans=int(new.size), unseen_fpr=float(np.mean(new >= t)))
        if own_groups is not None:
            row["groups"] = int(np.unique(own_groups).size)
        table.append(row)
        why = abstain_reason(row, need, max_fpr, confidence, min_recall)
        if why is not None:
            abstain[name] = why
        else:
            own[name] = {"llm": t, "uncertain": u, "calibrated_on": "held-out human rows",
                         "functions": int(humans.size), "max_fpr": max_fpr,
                         "confidence": confidence, "recall": recall}  # fmt: skip
            if new.size:
                own[name]["unseen_source_humans"] = {"functions": int(new.size),
                                                     "fpr": row["unseen_fpr"]}  # fmt: skip
    judged = [own[n]["llm"] for n in own]
    llm = max(judged) if judged else threshold_at_fpr(p[y == 0], max_fpr, confidence)
    uncertain = min(threshold_at_fpr(p[y == 0], uncertain_fpr), llm)
    return LanguageThresholds(llm, uncertain, own, abstain, table)
