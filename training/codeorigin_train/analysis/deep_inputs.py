"""`codeorigin-train deep-inputs`: do two 'deep' inputs from a small language model separate
agent-written from human functions of the same repositories, and do they add to the shipped
stacked detector's logit?

    codeorigin-train deep-inputs [--agentic training/work/agentic.parquet] \\
        [--model models/default] [--out training/work/deep-inputs] [--stage all]

The inputs are SmolLM2-135M-Instruct's mean per-token log-prob and mean predictive entropy of a
function's code (its first `--max-tokens` tokens after BOS; `backbone/source.py`). The rows are
the val and test agent rows of the agentic corpus with at least 5 lines, and about 1.2 human rows
per agent row drawn from that agent's own repositories (`--seed`). For each input alone: AUROC
on all rows, per agent, on the repositories with both labels, on the test split and per language
(30+ rows of each label). Then logistic regressions on 5 folds grouped by repository
(out-of-fold scores) of the stacked logit alone and with both inputs, in the standard form and in
'stacked units, no intercept' form (raw stacked logit plus a fold-learned deep correction, no
per-fold shift or scale); the recall at 1% and 5% of humans flagged; a paired bootstrap CI of the
AUROC gain; and the gain on each split (val rows, test rows) apart: a gain seen on all rows need
not hold on the test split.

Stages cache their output in `--out`: `sample.parquet`, `lm.parquet` (resumed row by row, keyed
by the code and `--max-tokens`) and `stacked.parquet`; `analyse` writes `results.json` and logs
the report. `--stage X` runs X alone on the cached earlier stages (`all`: every stage; the sample
and the stacked scores are recomputed, the LM rows are reused).

Time on one CPU thread (AMD EPYC, 579 rows): sample 1 s, stacked scores 6 s, LM load 20 s and
0.7 s per function (about 7 minutes), analysis 30 s (mostly the bootstraps): 8 minutes in all,
under 2 minutes with the LM rows cached.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from codeorigin_train.analysis.common import auroc
from codeorigin_train.data.inputs import model_folder, output_path, read_parquet

log = logging.getLogger(__name__)

STAGES = ("all", "sample", "lm", "stacked", "analyse")
AGENTS = ("codex", "devin", "copilot")
HUMAN_PER_AGENT = 1.2
CAP = 1400  # rows of the sample at most
MIN_LINES = 5
MIN_PER_LABEL = 30  # rows of each label for a language's own AUROC
DEEP = ("mean_logprob", "mean_entropy")
FEATURE_SETS = {
    "stacked": ("stacked_logit",),
    "stacked+deep": ("stacked_logit", *DEEP),
    "deep only": DEEP,
}
NO_INTERCEPT = " [stacked units, no intercept]"
GAINS = (("stacked+deep", "stacked"), ("stacked+deep" + NO_INTERCEPT, "stacked" + NO_INTERCEPT))


def cpu_model() -> str:
    """The CPU's model name (Linux), for the timings."""
    path = Path("/proc/cpuinfo")
    lines = path.read_text().splitlines() if path.is_file() else []
    for line in lines:
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "?"


def code_key(code: str) -> str:
    """A row's key in the caches: the hash of its code."""
    return hashlib.sha256(code.encode("utf-8")).hexdigest()[:16]


# ---------------------------------------------------------------- sample
def build_sample(agentic: Path, seed: int) -> pd.DataFrame:
    """Val and test agent rows with `MIN_LINES`+ lines, and human rows of each agent's
    repositories (about `HUMAN_PER_AGENT` per agent row, at most `CAP` rows in all);
    `agent_of_repo` names the agent whose repositories a row comes from."""
    d = read_parquet(agentic, "--agentic", hint="`codeorigin-train agentic` writes it")
    e = d[d["split"].isin(["val", "test"]) & (d["n_lines"] >= MIN_LINES)]
    agents, humans = e[e["label"] == 1], e[e["label"] == 0]
    rng = np.random.default_rng(seed)
    parts = [agents]
    n_humans = min(round(HUMAN_PER_AGENT * len(agents)), CAP - len(agents))
    # Each repository has one agent here, so each agent's comparison has its own human rows.
    for agent, rows in agents.groupby("agent"):
        pool = humans[humans["repo"].isin(set(rows["repo"]))]
        take = min(round(n_humans * len(rows) / len(agents)), len(pool))
        idx = rng.choice(len(pool), size=take, replace=False)
        parts.append(pool.iloc[np.sort(idx)].assign(agent_of_repo=agent))
    out = pd.concat(parts)
    out["agent_of_repo"] = out["agent_of_repo"].fillna(out["agent"])
    return out.reset_index(drop=True)


def aligned(path: Path, sample: pd.DataFrame, stage: str) -> pd.DataFrame:
    """A stage's cache in the sample's row order; SystemExit when it is not the sample's."""
    if not path.is_file():
        raise SystemExit(f"{path} is missing: run --stage {stage} first")
    cache = pd.read_parquet(path).sort_values("row").reset_index(drop=True)
    keys = [code_key(c) for c in sample["code"]]
    if "key" not in cache or cache["key"].tolist() != keys:
        raise SystemExit(f"{path} does not hold the rows of the sample: run --stage {stage} again")
    return cache


# ---------------------------------------------------------------- LM
def load_lm() -> tuple[Any, Any]:
    """SmolLM2-135M-Instruct's tokenizer and causal LM (fp32, torch on one thread)."""
    import torch

    from codeorigin_train.backbone.source import load_model, load_tokenizer, resolve_source

    torch.set_num_threads(1)
    src = resolve_source(None)
    t0 = time.perf_counter()
    tok = load_tokenizer(src)
    model = load_model(src, causal_lm=True).eval()
    log.info("LM loaded in %.1f s: %s", time.perf_counter() - t0, src.describe())
    log.info("bos_token=%r id=%s", tok.bos_token, tok.bos_token_id)
    return tok, model


def lm_row(tok: Any, model: Any, code: str, max_tokens: int) -> dict[str, Any]:
    """The LM's mean log-prob of the code's first `max_tokens` tokens (each predicted from BOS and
    the tokens before it) and the mean entropy of those predictions."""
    import torch

    t = time.perf_counter()
    ids = tok(code, add_special_tokens=False)["input_ids"][:max_tokens]
    bos = tok.bos_token_id
    inp = ([bos] if bos is not None else []) + ids
    with torch.inference_mode():
        logits = model(torch.tensor([inp])).logits[0].float()
    lp = torch.log_softmax(logits[:-1], dim=-1)  # position j predicts inp[j + 1]
    target = torch.tensor(inp[1:], dtype=torch.long)
    tok_lp = lp.gather(1, target[:, None])[:, 0]
    ent = -(lp.exp() * lp).sum(-1)
    scored = len(target) > 0
    return {"mean_logprob": float(tok_lp.mean()) if scored else np.nan,
            "mean_entropy": float(ent.mean()) if scored else np.nan,
            "n_tokens": len(ids), "n_scored": len(target),
            "seconds": time.perf_counter() - t}  # fmt: skip


def lm_features(sample: pd.DataFrame, path: Path, max_tokens: int) -> pd.DataFrame:
    """`lm_row` of every row of the sample. Rows already in `path` (same code, same `max_tokens`)
    are reused; the file is saved every 50 rows computed, so a stopped run resumes."""
    keys = [code_key(c) for c in sample["code"]]
    done: dict[str, dict[str, Any]] = {}
    if path.is_file():
        old = pd.read_parquet(path)
        if {"key", "max_tokens"} <= set(old.columns):
            old = old[old["max_tokens"] == max_tokens]
            done = {r["key"]: r for r in old.to_dict("records")}
        else:
            log.warning("%s has no key column: every row is computed again", path)
    todo = sum(k not in done for k in keys)
    log.info("LM: %d rows cached, %d to compute", len(keys) - todo, todo)
    tok, model = load_lm() if todo else (None, None)
    rows: list[dict[str, Any]] = []
    computed: list[float] = []
    for i, (code, key) in enumerate(zip(sample["code"], keys)):
        if key in done:
            rows.append({**done[key], "row": i})
            continue
        rows.append({"row": i, "key": key, "max_tokens": max_tokens,
                     **lm_row(tok, model, code, max_tokens)})  # fmt: skip
        computed.append(rows[-1]["seconds"])
        if len(computed) % 50 == 0:
            pd.DataFrame(rows).to_parquet(path, index=False)
            log.info("LM %d/%d  median %.3f s/function", len(computed), todo, np.median(computed))
    df = pd.DataFrame(rows)
    df.to_parquet(path, index=False)
    return df


# ---------------------------------------------------------------- shipped stacked model
def stacked_scores(
    sample: pd.DataFrame, model_dir: Path, path: Path, batch: int = 64
) -> pd.DataFrame:
    """The stacked model's logit, probability and member logits of each row (one thread)."""
    from codeorigin.model.scorer import Model

    t0 = time.perf_counter()
    model = Model.load(model_dir, threads=1)
    if not model.stacked:
        raise SystemExit(f"{model_dir} is not a stacked model (manifest `stacking`)")
    codes = sample["code"].tolist()
    langs: list[str | None] = [str(lg) for lg in sample["language"]]
    out: list[dict[str, Any]] = []
    for start in range(0, len(codes), batch):
        t = time.perf_counter()
        scores = model.score_texts(codes[start : start + batch], langs[start : start + batch])
        share = (time.perf_counter() - t) / max(1, len(scores))
        for s in scores:
            m = dict(s.members)
            out.append({"stacked_logit": s.logit, "probability": s.probability,
                        "transformer_logit": m["transformer"], "linear_logit": m["linear"],
                        "n_windows": s.n_windows, "seconds": share})  # fmt: skip
        log.info("stacked %d/%d", min(start + batch, len(codes)), len(codes))
    df = pd.DataFrame(out)
    df["row"] = np.arange(len(df))
    df["key"] = [code_key(c) for c in codes]
    df.to_parquet(path, index=False)
    sec = time.perf_counter() - t0
    log.info("stacked (%s): %d texts in %.1f s (%.3f s/function)", model.name, len(codes), sec,
             sec / max(1, len(codes)))  # fmt: skip
    return df


# ---------------------------------------------------------------- analysis
def recall_at_fpr(y: np.ndarray, s: np.ndarray, fpr: float = 0.01) -> tuple[float, float, float]:
    """Recall of label-1 rows at the lowest threshold flagging at most `fpr` of label-0 rows
    (flag: score > threshold). Returns (recall, realised fpr, threshold)."""
    h = np.sort(s[y == 0])
    k = int(np.floor(fpr * len(h)))  # humans allowed above the threshold
    thr = h[len(h) - k - 1]
    return float((s[y == 1] > thr).mean()), float((h > thr).mean()), float(thr)


def agents_of(frame: pd.DataFrame) -> list[str]:
    """The agents whose repositories the rows come from (`AGENTS` first, in their order)."""
    present = set(frame.loc[frame["label"] == 1, "agent_of_repo"])
    return [a for a in AGENTS if a in present] + sorted(present - set(AGENTS))


def subsets(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """The row masks an AUROC is reported on: all, each agent's repositories, the repositories
    with both labels, the test split, each language with `MIN_PER_LABEL`+ rows of each label."""
    y = frame["label"].to_numpy()
    out = {"all": np.ones(len(frame), dtype=bool)}
    for a in agents_of(frame):
        out[a] = (frame["agent_of_repo"] == a).to_numpy()
    both = set(frame.loc[y == 1, "repo"]) & set(frame.loc[y == 0, "repo"])
    out["same-repo subset"] = frame["repo"].isin(both).to_numpy()
    out["test split only"] = (frame["split"] == "test").to_numpy()
    for lang, g in frame.groupby("language"):
        if (g["label"] == 1).sum() >= MIN_PER_LABEL and (g["label"] == 0).sum() >= MIN_PER_LABEL:
            out[f"lang:{lang}"] = (frame["language"] == lang).to_numpy()
    return out


def auroc_table(
    frame: pd.DataFrame, scores: dict[str, np.ndarray]
) -> dict[str, dict[str, float | None]]:
    """Each score's AUROC on each of `subsets`."""
    y = frame["label"].to_numpy()
    masks = subsets(frame)
    return {name: {k: auroc(y[m], s[m]) for k, m in masks.items()} for name, s in scores.items()}


def oof_scores(frame: pd.DataFrame, folds: int = 5) -> dict[str, np.ndarray]:
    """Out-of-fold logistic-regression scores of each of `FEATURE_SETS` (standardised inputs,
    folds grouped by repository), and for the sets led by the stacked logit the same fits in the
    stacked logit's units with no intercept (`NO_INTERCEPT`): the raw stacked logit plus the
    fold's deep correction, no per-fold shift or scale."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    y = frame["label"].to_numpy()
    groups = frame["repo"].to_numpy()
    out: dict[str, np.ndarray] = {}
    for name, cols in FEATURE_SETS.items():
        x = frame[list(cols)].to_numpy(dtype=float)
        p, q = np.zeros(len(y)), np.zeros(len(y))
        for tr, te in GroupKFold(n_splits=folds).split(x, y, groups):
            clf = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=1000))
            clf.fit(x[tr], y[tr])
            p[te] = clf.decision_function(x[te])
            w = clf[-1].coef_[0] / clf[0].scale_  # the weights in raw units
            q[te] = x[te] @ (w / w[0])
        out[name] = p
        if cols[0] == "stacked_logit":
            out[name + NO_INTERCEPT] = q
    return out


def recall_table(frame: pd.DataFrame, scores: dict[str, np.ndarray]) -> dict[str, Any]:
    """Each score's recall at 1% (and 5%) of humans flagged, the 1% threshold set on every human
    row; per agent, the recall of its rows and the share of its repositories' humans flagged."""
    y = frame["label"].to_numpy()
    agent_mask = {a: (frame["agent_of_repo"] == a).to_numpy() for a in agents_of(frame)}

    def share(flags: np.ndarray) -> float | None:
        return float(flags.mean()) if len(flags) else None

    out: dict[str, Any] = {}
    for name, s in scores.items():
        r, f, thr = recall_at_fpr(y, s)
        row: dict[str, Any] = {"recall_all": r, "fpr_realised": f,
                               "recall_all@5%fpr": recall_at_fpr(y, s, 0.05)[0],
                               "n_humans": int((y == 0).sum()), "threshold": thr}  # fmt: skip
        for a, m in agent_mask.items():
            row[f"recall_{a}"] = share(s[m & (y == 1)] > thr)
            row[f"fpr_{a}_humans"] = share(s[m & (y == 0)] > thr)
        out[name] = row
    return out


def bootstrap_gain(
    y: np.ndarray, a: np.ndarray, b: np.ndarray, rng: np.random.Generator, n_boot: int
) -> dict[str, Any]:
    """The AUROC of `a` minus that of `b` on rows resampled within each label (paired)."""
    from sklearn.metrics import roc_auc_score

    i1, i0 = np.where(y == 1)[0], np.where(y == 0)[0]
    diffs = np.empty(n_boot)
    for k in range(n_boot):
        idx = np.concatenate([rng.choice(i1, len(i1)), rng.choice(i0, len(i0))])
        diffs[k] = roc_auc_score(y[idx], a[idx]) - roc_auc_score(y[idx], b[idx])
    ci95 = [float(np.percentile(diffs, 2.5)), float(np.percentile(diffs, 97.5))]
    return {"mean": float(diffs.mean()), "ci95": ci95}


def analyse(frame: pd.DataFrame, *, n_boot: int = 2000, seed: int = 0) -> dict[str, Any]:
    """Every figure of the module docstring from the rows with their inputs and scores (columns
    label, agent, agent_of_repo, repo, split, language, mean_logprob, mean_entropy,
    stacked_logit, transformer_logit, linear_logit)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    y = frame["label"].to_numpy()
    res: dict[str, Any] = {}
    # Each input alone, its sign chosen on all rows.
    signs: dict[str, int] = {}
    single: dict[str, np.ndarray] = {}
    for c in DEEP:
        s = frame[c].to_numpy(dtype=float)
        signs[c] = 1 if (auroc(y, s) or 0.5) >= 0.5 else -1
        single[f"{'+' if signs[c] > 0 else '-'}{c}"] = signs[c] * s
    # Observed minus expected log-prob (the LM's entropy is minus its expected log-prob).
    single["logprob+entropy (post hoc)"] = (
        frame["mean_logprob"] + frame["mean_entropy"]
    ).to_numpy()
    single["stacked_logit"] = frame["stacked_logit"].to_numpy(dtype=float)
    single["transformer_member"] = frame["transformer_logit"].to_numpy(dtype=float)
    single["linear_member"] = frame["linear_logit"].to_numpy(dtype=float)
    res["signs"] = signs
    res["auroc_single"] = auroc_table(frame, single)

    oof = oof_scores(frame)
    res["auroc_oof"] = auroc_table(frame, oof)
    rec = recall_table(frame, {**oof, "raw shipped stacked logit": single["stacked_logit"]})
    res["recall_at_1pct_fpr"] = rec

    rng = np.random.default_rng(seed)
    res["delta_auc_bootstrap"] = {
        f"{a} minus {b}": bootstrap_gain(y, oof[a], oof[b], rng, n_boot) for a, b in GAINS
    }
    # The gain of the no-intercept form on each split apart.
    a, b = GAINS[1]
    by_split: dict[str, Any] = {}
    for split in sorted(set(frame["split"])):
        m = (frame["split"] == split).to_numpy()
        base, deep = auroc(y[m], oof[b][m]), auroc(y[m], oof[a][m])
        gain = None if base is None or deep is None else deep - base
        entry: dict[str, Any] = {"n_agent": int(y[m].sum()), "n_human": int((y[m] == 0).sum()),
                                 "stacked": base, "stacked+deep": deep, "gain": gain}  # fmt: skip
        if base is not None and deep is not None:
            entry["bootstrap"] = bootstrap_gain(y[m], oof[a][m], oof[b][m], rng, n_boot)
        by_split[split] = entry
    res["gain_by_split" + NO_INTERCEPT] = by_split

    cols = list(FEATURE_SETS["stacked+deep"])
    clf = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=1000))
    clf.fit(frame[cols].to_numpy(dtype=float), y)
    res["coef_standardised_full_fit"] = dict(zip(cols, clf[-1].coef_[0].round(3).tolist()))
    res["corr"] = frame[cols].corr().round(3).to_dict()
    res["feature_means_by_group"] = (
        frame.groupby("agent")[[*DEEP, "stacked_logit"]].mean().round(3).to_dict()
    )
    res["feature_means_by_language_label"] = (
        frame.groupby(["language", "label"])[[*DEEP, "stacked_logit"]]
        .mean().round(3).reset_index().to_dict("records")
    )  # fmt: skip
    return res


def report(res: dict[str, Any]) -> str:
    """The results as text tables."""
    parts = []
    with pd.option_context("display.width", 250, "display.max_columns", 50):
        for k in ("auroc_single", "auroc_oof", "recall_at_1pct_fpr"):
            parts.append(f"== {k}\n" + pd.DataFrame(res[k]).T.round(3).to_string())
        split: dict[str, dict[str, Any]] = {}
        for name, e in res["gain_by_split" + NO_INTERCEPT].items():
            low, high = e.get("bootstrap", {}).get("ci95", [None, None])
            split[name] = {k: v for k, v in e.items() if k != "bootstrap"}
            split[name].update(ci95_low=low, ci95_high=high)
        table = pd.DataFrame(split).T.to_string()
        parts.append("== gain by split" + NO_INTERCEPT + "\n" + table)
        for k in ("signs", "delta_auc_bootstrap", "coef_standardised_full_fit", "corr"):
            parts.append(f"== {k}: {json.dumps(res[k], default=float)}")
    return "\n\n".join(parts)


def crosstab(sample: pd.DataFrame, col: str) -> dict[str, dict[str, int]]:
    t = pd.crosstab(sample[col], sample["label"])
    return {str(lab): {str(k): int(v) for k, v in t[lab].items()} for lab in t.columns}


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="codeorigin-train deep-inputs",
                                description=(__doc__ or "").split("\n\n")[0])  # fmt: skip
    p.add_argument("--agentic", type=Path, default=Path("training/work/agentic.parquet"),
                   help="the agentic corpus (codeorigin-train agentic)")  # fmt: skip
    p.add_argument("--model", type=Path, default=Path("models/default"),
                   help="a stacked model folder")  # fmt: skip
    p.add_argument("--out", type=Path, default=Path("training/work/deep-inputs"),
                   help="caches (sample, lm, stacked parquet files) and results.json")  # fmt: skip
    p.add_argument("--max-tokens", type=int, default=256, help="code tokens the LM reads")
    p.add_argument("--seed", type=int, default=7, help="the human rows drawn")
    p.add_argument("--stage", choices=STAGES, default="all")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    args = parse_args(argv)
    t0 = time.perf_counter()
    out: Path = output_path(args.out, folder=True)
    log.info("CPU: %s | OMP_NUM_THREADS=%s", cpu_model(), os.environ.get("OMP_NUM_THREADS"))
    stage = args.stage
    sample_path = out / "sample.parquet"
    fresh = stage in ("all", "sample") or not sample_path.is_file()
    sample = build_sample(args.agentic, args.seed) if fresh else pd.read_parquet(sample_path)
    if stage in ("all", "stacked"):
        model_folder(args.model, "--model")
    # The inputs are checked before the output folder is made: one that stops on them leaves none.
    out.mkdir(parents=True, exist_ok=True)
    if fresh:
        sample.to_parquet(sample_path, index=False)
    log.info("rows: %d by agent and label %s; by language and label %s", len(sample),
             crosstab(sample, "agent_of_repo"), crosstab(sample, "language"))  # fmt: skip
    if stage in ("all", "stacked"):
        stacked_scores(sample, args.model, out / "stacked.parquet")
    if stage in ("all", "lm"):
        lm_features(sample, out / "lm.parquet", args.max_tokens)
    if stage in ("all", "analyse"):
        lm = aligned(out / "lm.parquet", sample, "lm")
        st = aligned(out / "stacked.parquet", sample, "stacked")
        frame = pd.concat(
            [sample, lm[[*DEEP, "n_tokens"]], st[["stacked_logit", "transformer_logit",
                                                  "linear_logit"]]], axis=1
        )  # fmt: skip
        t = time.perf_counter()
        res = analyse(frame)
        log.info("analysis in %.1f s", time.perf_counter() - t)
        res["config"] = {"agentic": str(args.agentic), "model": str(args.model),
                         "max_tokens": args.max_tokens, "seed": args.seed}  # fmt: skip
        res["cpu"] = cpu_model()
        res["lm_seconds"] = {"mean": float(lm["seconds"].mean()),
                             "median": float(lm["seconds"].median()),
                             "p90": float(lm["seconds"].quantile(0.9)),
                             "mean_tokens": float(lm["n_tokens"].mean()), "threads": 1}  # fmt: skip
        res["stacked_seconds"] = {"mean": float(st["seconds"].mean()), "threads": 1}
        res["rows"] = {"by_agent_label": crosstab(sample, "agent_of_repo"),
                       "by_language_label": crosstab(sample, "language")}  # fmt: skip
        (out / "results.json").write_text(json.dumps(res, indent=1, default=str) + "\n")
        sec, st_sec = res["lm_seconds"], res["stacked_seconds"]["mean"]
        log.info("LM seconds/function: mean %.3f, median %.3f, p90 %.3f; mean tokens %.0f "
                 "(CPU %s, 1 thread); stacked %.3f s/function", sec["mean"], sec["median"],
                 sec["p90"], sec["mean_tokens"], res["cpu"], st_sec)  # fmt: skip
        log.info("results\n%s", report(res))
        log.info("wrote %s", out / "results.json")
    log.info("done in %.1f s", time.perf_counter() - t0)
    return 0


if __name__ == "__main__":
    from codeorigin_train.data.inputs import module_entry

    raise SystemExit(module_entry("codeorigin_train.analysis.deep_inputs", main))
