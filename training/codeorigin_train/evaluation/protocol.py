"""The evaluation that predicts what users see: `codeorigin-train protocol`.

Every candidate is judged on rows from sources, agents and repositories it did not train on, by
AUROC and, above all, by recall at its own threshold with the human false-positive rate beside it
(docs/research/evaluation-protocol.md defines the parts): leave one agent out (`loao`), leave
repositories out (`leave_repo_out`), leave one source out (`loso`), the main split (`main_split`,
with the era control `era.era_report`) and the within-repository figures (`within_repository`).
Given the context functions (`data.agentic.context`: contemporary code the agents' pull requests
left untouched, the era-matched counterpart of the dated human rows), `loao` and the main split
also judge those of the held-out repositories (`context_rates`).

A learner is trained in each fold (`NgramLearner`) or a model folder scored through the runtime
(`FolderLearner`), never retrained: its leave-out figures hold only for code it never saw (the
agentic corpus is newer than every shipped model), and LOSO is not run for it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd

from codeorigin_train.data.splits import capped, unit
from codeorigin_train.evaluation import within
from codeorigin_train.fit import reference as fit_reference
from codeorigin_train.fit.calibrate import threshold_at_fpr

log = logging.getLogger(__name__)

AGENTS = ("codex", "devin", "copilot")
MAX_FPR = 0.01
MIN_PER_LABEL = 30  # a LOSO source needs this many judged rows of each label


@dataclass(frozen=True)
class ProtocolConfig:
    """How many rows the protocol's fits read (2 CPU cores: every fold trains a model)."""

    train_cap: int = 1500  # per (source, label) of the training rows of sources other than aidev
    eval_cap: int = 400  # per label of a held-out LOSO source
    realcode_train: int = 6000  # real-project human functions of training projects
    realcode_val: int = 6000  # of validation projects (thresholds: every language needs 299+)
    lro_folds: int = 5
    seed: int = 0


@dataclass
class Fitted:
    """A model ready to judge: probabilities and each row's threshold."""

    probabilities: Callable[[pd.DataFrame], np.ndarray]
    thresholds: Callable[[pd.DataFrame], np.ndarray]


class Learner(Protocol):
    name: str
    retrains: bool

    def fit(self, train: pd.DataFrame, val: pd.DataFrame) -> Fitted: ...


class NgramLearner:
    """The character n-gram reference (`baseline.py`), its threshold at 1% of validation humans."""

    name = "char-ngram"
    retrains = True

    def fit(self, train: pd.DataFrame, val: pd.DataFrame) -> Fitted:
        from codeorigin_train.evaluation.baseline import fit_baseline, predict_baseline

        model = fit_baseline(train)
        p_val = predict_baseline(model, val["code"].tolist())
        thr = threshold_at_fpr(p_val[val["label"].to_numpy() == 0], MAX_FPR)
        return Fitted(
            lambda f: np.asarray(predict_baseline(model, f["code"].tolist()), dtype=np.float64),
            lambda f: np.full(len(f), thr),
        )


def judged_probabilities(
    model_dir: Path, codes: list[str], language: str, *, every_language: bool = False
) -> np.ndarray:
    """Calibrated probabilities as `codeorigin scan` gives them: NaN for a text too short to judge,
    all NaN for a language the model abstains on (unless `every_language`)."""
    from codeorigin.core.spans import content_of
    from codeorigin.engine.judging import VerdictRules
    from codeorigin.engine.scoring import Engine
    from codeorigin.model.scorer import Model

    rules = VerdictRules()
    engine = Engine(Model.load(model_dir, threads=1))
    out = np.full(len(codes), np.nan)
    if not every_language and engine.abstains(language) is not None:
        return out
    for start in range(0, len(codes), 256):
        batch = codes[start : start + 256]
        scored = engine.score_texts(batch, [language] * len(batch))  # a stacked model reads it
        for i, ((score, _), text) in enumerate(zip(scored, batch)):
            if rules.judges(content_of(text, language)):
                out[start + i] = score.probability
    return out


class FolderLearner:
    """A model folder scored through the runtime at its own thresholds, cached by text. With
    `every_language`, the languages it abstains on are scored too, at its global threshold: how it
    would rank there, not what a user sees."""

    retrains = False

    def __init__(
        self, model_dir: Path, name: str | None = None, *, every_language: bool = False
    ) -> None:
        from codeorigin.model.manifest import load_manifest

        self.model_dir = model_dir
        self.name = name or model_dir.name
        self.every_language = every_language
        self.cache: dict[str, float] = {}
        # The margin `codeorigin calibrate` sets a repository's threshold with, if the folder
        # has one (`codeorigin-train reference`): the within part measures it too.
        self.reference = load_manifest(model_dir).thresholds.reference

    def probabilities(self, frame: pd.DataFrame) -> np.ndarray:
        todo = frame[~frame["code"].isin(self.cache.keys())]
        for language, g in todo.groupby("language"):
            codes = g["code"].drop_duplicates().tolist()
            p = judged_probabilities(
                self.model_dir, codes, str(language), every_language=self.every_language
            )
            self.cache.update(zip(codes, p.tolist()))
        return np.array([self.cache[c] for c in frame["code"]], dtype=np.float64)

    def thresholds(self, frame: pd.DataFrame) -> np.ndarray:
        from codeorigin.model.manifest import load_manifest

        t = load_manifest(self.model_dir).thresholds
        return np.array([t.for_language(str(lang))[0] for lang in frame["language"]])

    def fit(self, train: pd.DataFrame, val: pd.DataFrame) -> Fitted:
        return Fitted(self.probabilities, self.thresholds)


# ------------------------------------------------------------------------------------ metrics


def rates(y: np.ndarray, p: np.ndarray, thr: np.ndarray) -> dict[str, Any]:
    """AUROC, recall and FPR at the thresholds, over the rows with a probability (judged)."""
    from sklearn.metrics import roc_auc_score

    p = np.asarray(p, dtype=np.float64)
    ok = ~np.isnan(p)
    y, p, flag = np.asarray(y)[ok], p[ok], p[ok] >= np.asarray(thr)[ok]
    return {"n_llm": int((y == 1).sum()), "n_human": int((y == 0).sum()),
            "auroc": float(roc_auc_score(y, p)) if 0 < y.sum() < len(y) else None,
            "recall": float(flag[y == 1].mean()) if (y == 1).any() else None,
            "fpr": float(flag[y == 0].mean()) if (y == 0).any() else None}  # fmt: skip


def training_rows(pool: pd.DataFrame, cfg: ProtocolConfig) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(train, val) of a pool: the train split (sources other than the agentic corpus capped per
    source and label) and the validation split, on which thresholds are set."""
    train = pool[pool["split"] == "train"]
    agentic = train["source"] == "aidev"
    other = train[~agentic & (train["source"] != "realcode")]
    train = pd.concat([capped(other, ["source", "label"], cfg.train_cap, cfg.seed),
                       train[agentic | (train["source"] == "realcode")]])  # fmt: skip
    return train, pool[pool["split"] == "val"]


def judge(fitted: Fitted, test: pd.DataFrame) -> pd.DataFrame:
    """`test` with each row's probability `p` and threshold `thr`."""
    return test.assign(p=fitted.probabilities(test), thr=fitted.thresholds(test))


#: The columns of a scored row that `run_protocol(..., scores=...)` keeps (no code text).
SCORE_COLUMNS = ("label", "language", "source", "generator", "agent", "repo", "group", "split",
                 "origin", "change", "date", "how", "squashed", "half", "p", "thr")  # fmt: skip


@dataclass
class Judging:
    """A learner under the protocol's settings: `fit` on a fold's rows, `judged` held-out rows,
    each kept in `sink` (when given) with its part and fold (`--scores`)."""

    learner: Learner
    cfg: ProtocolConfig
    sink: list[pd.DataFrame] | None = None

    def fit(self, pool: pd.DataFrame) -> Fitted:
        if not self.learner.retrains:
            return self.learner.fit(pool.iloc[:0], pool.iloc[:0])
        t0 = time.perf_counter()
        train, val = training_rows(pool, self.cfg)
        fitted = self.learner.fit(train, val)
        log.info("%s: fitted on %d rows in %.0f s", self.learner.name, len(train),
                 time.perf_counter() - t0)  # fmt: skip
        return fitted

    def judged(self, fitted: Fitted, rows: pd.DataFrame, part: str, fold: str) -> pd.DataFrame:
        scored = judge(fitted, rows)
        if self.sink is not None:
            cols = [c for c in SCORE_COLUMNS if c in scored]
            self.sink.append(scored[cols].assign(part=part, fold=fold))
        return scored


def scored_rates(scored: pd.DataFrame) -> dict[str, Any]:
    return rates(scored["label"].to_numpy(), scored["p"].to_numpy(), scored["thr"].to_numpy())


def by_language(scored: pd.DataFrame) -> dict[str, Any]:
    return {str(lang): scored_rates(g) for lang, g in scored.groupby("language")}


def flagged_share(g: pd.DataFrame) -> dict[str, Any]:
    """How many of `g` (people's code) there are and the share the threshold flags."""
    return {"n": len(g), "fpr": float((g["p"] >= g["thr"]).mean())}


def repo_folds(repos: set[str], cfg: ProtocolConfig) -> dict[str, int]:
    """Each repository's fold of `cfg.lro_folds`, by a hash of its name."""
    return {r: int(unit(r, cfg.seed) * cfg.lro_folds) for r in sorted(repos)}


def context_rates(
    fitted: Fitted, agents: pd.DataFrame, context: pd.DataFrame
) -> dict[str, Any] | None:
    """The agents' functions (`agents`' LLM rows) against the context functions of the same
    repositories, over the functions the learner judges: AUROC, the share flagged and counts."""
    agents = agents[agents["label"] == 1]
    if context.empty or agents.empty:
        return None
    scored = judge(fitted, pd.concat([agents, context]))
    got = scored_rates(scored)
    ctx = scored[(scored["source"] == context["source"].iloc[0]) & scored["p"].notna()]
    by_lang = {str(lang): flagged_share(g) for lang, g in ctx.groupby("language")}
    by_history = {}
    if "dated_history" in ctx:  # repositories with code before 2021 against newer ones
        for dated, g in ctx.groupby("dated_history"):
            key = "dated" if dated else "new"
            by_history[key] = {"n": len(g), "flagged": int((g["p"] >= g["thr"]).sum()),
                               "mean_p": float(g["p"].mean())}  # fmt: skip
    return {"n": got["n_human"], "auroc": got["auroc"], "fpr": got["fpr"],
            "flagged": int((ctx["p"] >= ctx["thr"]).sum()), "by_language": by_lang,
            "by_history": by_history}  # fmt: skip


# ------------------------------------------------------------------------------------ the parts


def loao_rows(pool: pd.DataFrame, agent: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the rows a leave-one-agent-out fold may train on, the rows it judges): `agent`'s
    repositories held out whole, its code out of training."""
    held = pool["repo"].isin(set(pool.loc[pool["agent"] == agent, "repo"]))
    return (pool[~held & (pool["agent"] != agent)],
            pool[held & pool["judged"] & pool["agent"].isin([agent, "human"])])  # fmt: skip


def loao(
    pool: pd.DataFrame, judging: Judging, context: pd.DataFrame | None = None
) -> dict[str, Any]:
    """Leave one agent out (`loao_rows`); with `context`, its repositories' context functions."""
    out = {}
    for agent in AGENTS:
        repos = set(pool.loc[pool["agent"] == agent, "repo"])
        if not repos:
            continue
        rows, test = loao_rows(pool, agent)
        fitted = judging.fit(rows)
        scored = judging.judged(fitted, test, "loao", agent)
        out[agent] = {**scored_rates(scored), "repos": len(repos),
                      "repos_with_human": int(test.loc[test["label"] == 0, "repo"].nunique()),
                      "by_language": by_language(scored)}  # fmt: skip
        if context is not None:
            out[agent]["context"] = context_rates(
                fitted, test, context[context["repo"].isin(repos)]
            )
        log.info("LOAO %s %s: %s", judging.learner.name, agent, out[agent])
    return out


def leave_repo_out(pool: pd.DataFrame, judging: Judging) -> dict[str, Any]:
    """Agentic repositories in `lro_folds` folds held out whole; pooled figures, by language."""
    retrains = judging.learner.retrains
    fold_of = repo_folds(set(pool.loc[pool["source"] == "aidev", "repo"]), judging.cfg)
    parts = []
    for k in range(judging.cfg.lro_folds if retrains else 1):
        held = pool["repo"].map(fold_of).eq(k) if retrains else pool["source"].eq("aidev")
        parts.append(
            judging.judged(judging.fit(pool[~held]), pool[held & pool["judged"]], "lro", str(k))
        )
    scored = pd.concat(parts)
    return {"all": scored_rates(scored), "by_language": by_language(scored)}


def loso(pool: pd.DataFrame, judging: Judging) -> dict[str, Any]:
    """Leave one source out, for learners trained here (a shipped model saw every source)."""
    if not judging.learner.retrains:
        return {}
    judged = pool[pool["judged"]]
    counts = judged.groupby(["source", "label"]).size().unstack(fill_value=0)
    sources = [s for s, row in counts.iterrows() if row.get(0, 0) >= MIN_PER_LABEL
               and row.get(1, 0) >= MIN_PER_LABEL]  # fmt: skip
    out = {}
    for source in sources:
        test = judged[judged["source"] == source]
        rest = pool[(pool["source"] != source) & ~pool["group"].isin(set(test["group"]))]
        held = capped(test, ["label"], judging.cfg.eval_cap, judging.cfg.seed)
        out[source] = scored_rates(judging.judged(judging.fit(rest), held, "loso", source))
        log.info("LOSO %s %s: %s", judging.learner.name, source, out[source])
    aurocs = [v["auroc"] for v in out.values() if v["auroc"] is not None]
    return {"folds": out, "mean_auroc": float(np.mean(aurocs)) if aurocs else None}


def main_split(
    pool: pd.DataFrame, judging: Judging, context: pd.DataFrame | None = None
) -> dict[str, Any]:
    """Trained on the train split, thresholds on validation; judged on the test split, the held-out
    real-project humans per language, the agentic test repositories (and their `context`
    functions), and the era control on the held-out humans."""
    from codeorigin_train.evaluation.era import era_report

    fitted = judging.fit(pool)
    test = judging.judged(fitted, pool[(pool["split"] == "test") & pool["judged"]], "main", "test")
    real = test[test["source"] == "realcode"]
    agentic = test[test["source"] == "aidev"]
    rest = test[~test["source"].isin(["realcode", "aidev"])]
    out = {
        "test": scored_rates(rest),
        "test_by_source": {str(s): scored_rates(g) for s, g in rest.groupby("source")},
        "realcode_fpr_by_language": {
            str(lang): flagged_share(g) for lang, g in real.groupby("language")
        },
        "llm_recall_by_language": {
            str(lang): scored_rates(g)["recall"]
            for lang, g in test[test["label"] == 1].groupby("language")
        },
        "agentic_test": scored_rates(agentic),
        "era": era_report(test[test["label"] == 0]),
    }
    if context is not None:
        out["agentic_context"] = context_rates(fitted, agentic, context[context["split"] == "test"])
    return out


def within_repository(pool: pd.DataFrame, judging: Judging) -> dict[str, Any]:
    """`evaluation.within`'s figures of held-out agentic repositories: a learner trained here in
    `lro_folds` folds of whole repositories, and per agent with `within.MIN_AGENT_REPOS`
    repositories or more (as `loao`); a model folder on the test repositories, agent by agent."""
    agentic = pool[(pool["source"] == "aidev") & pool["judged"]]
    rows = agentic.assign(half=[within.half_of(c) for c in agentic["code"]])
    agents = within.loao_agents(pool)
    per_agent: dict[str, pd.DataFrame] = {}
    if judging.learner.retrains:
        fold_of = repo_folds(set(rows["repo"]), judging.cfg)
        parts = []
        for k in range(judging.cfg.lro_folds):
            fitted = judging.fit(pool[~pool["repo"].map(fold_of).eq(k)])
            held = rows[rows["repo"].map(fold_of).eq(k)]
            parts.append(judging.judged(fitted, held, "within", str(k)))
            log.info("within %s fold %d: %d rows", judging.learner.name, k, len(held))
        scored = pd.concat(parts)
        for agent in agents:
            train, _ = loao_rows(pool, agent)
            held = rows[rows["repo"].isin(set(pool.loc[pool["agent"] == agent, "repo"]))]
            held = held[held["agent"].isin([agent, "human"])]
            per_agent[agent] = judging.judged(judging.fit(train), held, "within-loao", agent)
    else:
        scored = judging.judged(judging.fit(pool), rows[rows["split"] == "test"], "within", "test")
        for agent in agents:
            mine = scored[scored["repo"].isin(set(scored.loc[scored["agent"] == agent, "repo"]))]
            per_agent[agent] = mine[mine["agent"].isin([agent, "human"])]
    reference = getattr(judging.learner, "reference", None)
    if reference is not None:  # a folder with a margin: what `calibrate --write` would judge
        scored = with_reference(scored, judging.learner, reference)
        per_agent = {a: scored.loc[held.index] for a, held in per_agent.items()}
    out = within.figures(scored)
    if reference is not None:
        out["reference"] = {"margin": reference.margin, "min_functions": reference.min_functions}
    out["loao"] = {}
    for agent, held in per_agent.items():
        got = within.figures(held)
        out["loao"][agent] = {"all": got["all"], "by_language": got["by_language"]}
        log.info("within-loao %s %s: %s", judging.learner.name, agent, got["all"])
    out["judged"] = (
        "test repositories" if not judging.learner.retrains else f"{judging.cfg.lro_folds} folds"
    )
    return out


def with_reference(scored: pd.DataFrame, learner: FolderLearner, ref: Any) -> pd.DataFrame:
    """`scored` with what a repository's `codeorigin calibrate --write` judges where it has no
    dated baseline: `ref_p`, the folder's probability in every language, and `ref_thr`, the
    repository's reference threshold for the language where it has `ref.min_functions` judged
    functions of it, else the folder's own threshold (never, where the folder abstains)."""
    every = learner
    if not learner.every_language:
        every = FolderLearner(learner.model_dir, every_language=True)
    p = every.probabilities(scored)
    t = fit_reference.thresholds(scored.assign(p=p), ref.margin, ref.min_functions)
    own = np.where(scored["p"].notna(), scored["thr"].to_numpy(np.float64), np.inf)
    return scored.assign(ref_p=p, ref_thr=np.where(np.isnan(t), own, t))


PARTS: dict[str, Callable[..., dict[str, Any]]] = {
    "main": main_split, "loao": loao, "lro": leave_repo_out, "loso": loso,
    "within": within_repository,
}  # fmt: skip


def run_protocol(
    pool: pd.DataFrame,
    learner: Learner,
    cfg: ProtocolConfig,
    parts: list[str] | None = None,
    context: pd.DataFrame | None = None,
    scores: list[pd.DataFrame] | None = None,
) -> dict[str, Any]:
    """The protocol's parts (all by default) for one learner, with the seconds each took; `context`
    judged by the main split and `loao`; every scored row appended to `scores` when given."""
    out: dict[str, Any] = {"learner": learner.name, "config": cfg.__dict__}
    judging = Judging(learner, cfg, scores)
    for name in parts or list(PARTS):
        t0 = time.perf_counter()
        extra = {"context": context} if context is not None and name in ("main", "loao") else {}
        out[name] = PARTS[name](pool, judging, **extra)
        out[f"{name}_seconds"] = round(time.perf_counter() - t0, 1)
    return out
