"""Figures within a repository: an agent's functions against the human functions of the same
repository, the way a user meets the detector (the protocol's `within` part;
docs/research/within-repository.md). A pooled AUROC rewards telling repositories apart; a user
scans one repository, so every figure compares rows of one repository only:

- **per repository** (`repo_figures`): AUROC, recall and FPR at the learner's threshold, and at a
  threshold set on one half of the repository's own humans (`own_threshold`, as `codeorigin
  calibrate` sets it) with the other half's FPR; median and quartiles over repositories, over all
  of them, per agent and per language (`by_key`);
- **pooled within repositories** (`pooled`): the share of (agent, human of the same repository)
  pairs the agent's function outscores, and the rates at the threshold;
- **change level** (`change_level`) and **the era control** (`era`).

A function the learner does not judge counts as not flagged (a user sees no flag); AUROCs are over
judged functions. Which repositories qualify depends on the rows alone, not on the learner.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import pandas as pd

from codeorigin.core import bound
from codeorigin_train.evaluation.era import year_of

MIN_HUMANS = 30  # judged human functions a repository needs for its own figures
MIN_AGENT = 5  # agent functions of a repository (or of one agent in it)
MIN_AGENT_REPOS = 5  # repositories an agent needs for its own leave-one-agent-out fold
YEARS = (2008, 2022)


def half_of(code: str) -> int:
    """0 or 1: which half of a repository's humans a function falls in (a hash of its text)."""
    return hashlib.sha1(code.encode("utf-8", "surrogatepass")).digest()[0] & 1


def _flagged(p: np.ndarray, thr: np.ndarray | float) -> np.ndarray:
    return np.nan_to_num(p, nan=-1.0) >= thr


def _rates(h: pd.DataFrame, a: pd.DataFrame) -> dict[str, Any]:
    """Judged shares of humans `h` and agents `a`, recall and FPR at their thresholds (or None)."""
    hp, ap = h["p"].to_numpy(np.float64), a["p"].to_numpy(np.float64)
    return {
        "judged_agent": float((~np.isnan(ap)).mean()) if len(a) else None,
        "judged_human": float((~np.isnan(hp)).mean()) if len(h) else None,
        "recall": float(_flagged(ap, a["thr"].to_numpy()).mean()) if len(a) else None,
        "fpr": float(_flagged(hp, h["thr"].to_numpy()).mean()) if len(h) else None,
    }


def pair_counts(agent: np.ndarray, human: np.ndarray) -> tuple[float, int]:
    """(pairs the agent's function outscores, ties counting half; all pairs) over judged rows."""
    a, h = agent[~np.isnan(agent)], np.sort(human[~np.isnan(human)])
    if not len(a) or not len(h):
        return 0.0, 0
    below = np.searchsorted(h, a, side="left")
    ties = np.searchsorted(h, a, side="right") - below
    return float((below + 0.5 * ties).sum()), len(a) * len(h)


def own_threshold(humans: np.ndarray) -> tuple[float, str]:
    """The threshold a repository's half of humans sets: bounded at 1% with 95% confidence
    (`core.bound`) where they are enough, else just above the highest; and which it is."""
    ok = humans[~np.isnan(humans)].tolist()
    if not ok:  # the learner judges none of them: nothing to set a threshold on
        return float("inf"), "none"
    t = bound.bounded_threshold(ok)
    if t is not None:
        return t, "bounded"
    return max(ok) + bound.MARGIN, "highest"


def repo_figures(g: pd.DataFrame) -> dict[str, Any] | None:
    """One repository's figures (rows with `label`, `p`, `thr`, `half`), or None when it has too
    few judged humans or agent functions."""
    h, a = g[g["label"] == 0], g[g["label"] == 1]
    hp, ap = h["p"].to_numpy(np.float64), a["p"].to_numpy(np.float64)
    if len(h) < MIN_HUMANS or len(a) < MIN_AGENT:
        return None
    won, pairs = pair_counts(ap, hp)
    cal, test = hp[h["half"].to_numpy() == 0], hp[h["half"].to_numpy() == 1]
    t, kind = own_threshold(cal)
    return {
        "agent": len(a), "human": len(h),
        "auroc": won / pairs if pairs else None, **_rates(h, a),
        "own_threshold": t, "own_kind": kind,
        "own_recall": float(_flagged(ap, t).mean()),
        "own_fpr": float(_flagged(test, t).mean()) if len(test) else None,
        **_reference_rates(h, a),
    }  # fmt: skip


def _reference_rates(h: pd.DataFrame, a: pd.DataFrame) -> dict[str, Any]:
    """Recall and people flagged at the repository's reference thresholds (`ref_p`, `ref_thr`:
    `protocol.with_reference`), where the learner has a reference margin."""
    if "ref_thr" not in h:
        return {}

    def rate(g: pd.DataFrame) -> float | None:
        p = g["ref_p"].to_numpy(np.float64)
        return float(_flagged(p, g["ref_thr"].to_numpy()).mean()) if len(g) else None

    return {"ref_recall": rate(a), "ref_fpr": rate(h)}


def spread(values: list[float | None]) -> dict[str, Any] | None:
    v = np.array([x for x in values if x is not None], dtype=np.float64)
    if not len(v):
        return None
    q = np.quantile(v, [0.25, 0.5, 0.75])
    return {"median": float(q[1]), "p25": float(q[0]), "p75": float(q[2]), "n": len(v)}


def summary(units: list[dict[str, Any]]) -> dict[str, Any]:
    """Median and quartiles over repositories of each per-repository figure."""
    keys = ("auroc", "recall", "fpr", "own_recall", "own_fpr", "ref_recall", "ref_fpr")
    out: dict[str, Any] = {"repos": len(units)}
    out.update({k: spread([u[k] for u in units]) for k in keys
                if not k.startswith("ref_") or (units and all(k in u for u in units))})  # fmt: skip
    out["own_bounded"] = sum(u["own_kind"] == "bounded" for u in units)
    return out


def pooled_pairs(scored: pd.DataFrame) -> tuple[float, int, int]:
    """(pairs the agent's function outscores, ties counting half; all within-repository (agent,
    human) pairs; repositories with a pair), pooled over the repositories of `scored`."""
    won, pairs, repos = 0.0, 0, 0
    for _, g in scored.groupby("repo", sort=False):
        w, n = pair_counts(g.loc[g["label"] == 1, "p"].to_numpy(np.float64),
                           g.loc[g["label"] == 0, "p"].to_numpy(np.float64))  # fmt: skip
        won, pairs, repos = won + w, pairs + n, repos + (n > 0)
    return won, pairs, repos


def pooled(scored: pd.DataFrame) -> dict[str, Any]:
    """The share of within-repository (agent, human) pairs the agent's function outscores (ties
    count half), pooled over repositories, and the rates at the threshold."""
    won, pairs, _ = pooled_pairs(scored)
    h, a = scored[scored["label"] == 0], scored[scored["label"] == 1]
    return {
        "pair_auroc": won / pairs if pairs else None, "pairs": pairs,
        "agent": len(a), "human": len(h), **_rates(h, a), **_reference_rates(h, a),
    }  # fmt: skip


def by_key(scored: pd.DataFrame, key: str) -> dict[str, Any]:
    """Per agent or language: the repositories' figures (against all their humans for an agent,
    those of the language for a language) and the pooled pairs."""
    out = {}
    agents = scored[scored["label"] == 1]
    for value, rows in agents.groupby(key, sort=True):
        if key == "language":
            mine = scored[scored["language"] == value]
        else:  # the agent's functions with every human function of their repositories
            humans = scored[(scored["label"] == 0) & scored["repo"].isin(set(rows["repo"]))]
            mine = pd.concat([rows, humans])
        units = [u for _, g in mine.groupby("repo") if (u := repo_figures(g)) is not None]
        out[str(value)] = {**summary(units), "pooled": pooled(mine),
                           "repos_with_agent": int(rows["repo"].nunique())}  # fmt: skip
    return out


#: How an agent's change was found, as the corpus says (`how`), in the words of the card.
FOUND = {"aidev-pr": "a pull request of the AIDev lists", "trailer": "a co-author trailer",
         "bot-author": "a bot's commit", "branch-name": "a `codex/` branch"}  # fmt: skip
SQUASHED = ", squash-merged"


def found(scored: pd.DataFrame) -> pd.Series:
    """How each row's change was found (`FOUND`; `SQUASHED` added where the change is one commit
    that squash-merged a pull request, carrying the trailers of all its commits): the agents'
    labels are noisier there, for some of their lines may be people's."""
    how = scored["how"].fillna("").astype(str) if "how" in scored else pd.Series("", scored.index)
    words = how.map(lambda h: FOUND.get(h, h or "unknown"))
    if "squashed" in scored:
        words = words.where(~scored["squashed"].fillna(False).astype(bool), words + SQUASHED)
    return words


def by_found(scored: pd.DataFrame) -> dict[str, Any]:
    """`by_key` over how the agents' changes were found, where the rows say (`how`)."""
    if "how" not in scored or not (scored["how"].fillna("") != "").any():
        return {}
    return by_key(scored.assign(found=found(scored)), "found")


def change_level(scored: pd.DataFrame) -> dict[str, Any]:
    """Agent changes (`origin` pr) against human commits (`origin` commit) of the same repository,
    each scored by the mean probability of its judged functions."""
    rows = scored.iloc[:0]
    if "change" in scored and "origin" in scored:
        rows = scored[scored["origin"].isin(["pr", "commit"]) & scored["p"].notna()]
    if rows.empty:
        return {"pair_auroc": None, "agent_changes": 0, "human_commits": 0}
    changes = rows.groupby(["repo", "change", "label"], sort=False)["p"].mean().reset_index()
    changes = changes.assign(thr=np.nan)
    got = pooled(changes)
    return {"pair_auroc": got["pair_auroc"], "agent_changes": got["agent"],
            "human_commits": got["human"]}  # fmt: skip


def era(scored: pd.DataFrame) -> dict[str, Any]:
    """Held-out human functions by year: the mean probability, the share flagged, and the
    least-squares slope of the probability per year (a rise: the model learned the date)."""
    h = scored[(scored["label"] == 0) & scored["p"].notna()]
    if "date" not in h:
        return {"by_year": {}, "slope_per_year": None, "n": 0}
    year = pd.Series([year_of(d) for d in h["date"]], index=h.index, dtype="float64")
    h = h.assign(year=year)[(year >= YEARS[0]) & (year <= YEARS[1])]
    by_year = {
        str(int(y)): {"n": len(g), "mean_p": float(g["p"].mean()),
                      "flagged": float(_flagged(g["p"].to_numpy(), g["thr"].to_numpy()).mean())}
        for y, g in h.groupby("year", sort=True)
    }  # fmt: skip
    slope = _slope(h)
    # Within one language: languages score apart and their people's years differ, so a language
    # scored higher whose people are newer tilts the pooled slope without any date in a score.
    by_language = {
        str(lang): {"n": len(g), "slope_per_year": _slope(g)}
        for lang, g in h.groupby("language", sort=True)
        if "language" in h and len(g) >= ERA_MIN_FUNCTIONS and _slope(g) is not None
    }  # fmt: skip
    return {"by_year": by_year, "slope_per_year": slope, "n": len(h),
            "by_language": by_language}  # fmt: skip


#: Scored human functions of a language with dates for its own era slope.
ERA_MIN_FUNCTIONS = 30


def _slope(h: pd.DataFrame) -> float | None:
    """The least-squares slope of the probability per year; None with fewer than 2 years."""
    if h["year"].nunique() < 2:
        return None
    return float(np.polyfit(h["year"].to_numpy(np.float64), h["p"].to_numpy(), 1)[0])


def figures(scored: pd.DataFrame) -> dict[str, Any]:
    """Every within-repository figure of held-out agentic rows (`label`, `p` with NaN where not
    judged, `thr`, `repo`, `agent`, `language`, `origin`, `change`, `date`, `half`)."""
    units = [u for _, g in scored.groupby("repo") if (u := repo_figures(g)) is not None]
    return {
        "all": {**summary(units), "pooled": pooled(scored)},
        "by_agent": by_key(scored, "agent"),
        "by_language": by_key(scored, "language"),
        "by_found": by_found(scored),
        "change": change_level(scored),
        "era": era(scored),
        "repos_judged": int(scored["repo"].nunique()),
    }


def loao_agents(pool: pd.DataFrame) -> list[str]:
    """The agents with agent functions in at least `MIN_AGENT_REPOS` repositories."""
    agents = pool[(pool["source"] == "aidev") & (pool["label"] == 1)]
    repos = agents.groupby("agent")["repo"].nunique()
    return sorted(str(a) for a, n in repos.items() if n >= MIN_AGENT_REPOS)
