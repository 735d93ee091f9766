"""The project route at other bounds: what `stacked-dr` (the shipped recipe) or `stacked-du` would
flag with its thresholds at each `--bounds` share of the project humans, read from the scores it
wrote, no training.

    codeorigin-train protocol ... --learners stacked-dr:$W/transformer --parts main loao
    codeorigin-train route-bounds --side $W/stacked-dr-side --bounds 0.01 0.005 0.0025

Each fit of `stacked-du` (`analysis.domain_learner.DomainUnionLearner`) and of `stacked-dr` (its
route with the agentic member) writes the route's out-of-fold probabilities of its project
calibration rows (`cal-N.parquet`) and, for every frame it scores, both routes' scores
(`rows-N-K.parquet`: the shipped recipe's probability and threshold, the gate, the route's
probability). The route's thresholds are a function of the former alone
(`fit.calibrate.threshold_at_fpr`, as `fit.stacker.language_thresholds` sets them, in the languages
the shipped recipe judges and whose project humans can bound the rate), so each bound's flags here
are the ones a fit with that `PROJECT_FPR` makes. A fit is named by what it scored: the held-out
agent of a leave-one-agent-out fold, else the main split.

At a bound of 0.25% with 95% confidence, about 1,800 project humans put the threshold above the
highest of them, so one person's score sets it. `--bootstrap N` says how much that choice of
people weighs: it redraws each language's calibration humans N times (with replacement, as many
as there are), sets the thresholds again from each draw, and reports the 5th, 50th and 95th
percentiles of each threshold and of every count of flagged rows. A redraw can leave the highest
people out but never bring in a higher one, so the spread runs one way, toward lower thresholds:
it shows how much the few highest people weigh, and it is no confidence interval. It measures the
calibration sample alone: the members and the stacker stay as fitted (refitting them moves the
figures both ways: docs/research/agentic-corpus.md, "The corpus without generated code").
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from codeorigin_train.data.inputs import InputError, output_path
from codeorigin_train.fit.calibrate import threshold_at_fpr
from codeorigin_train.fit.stacker import min_humans

REPOSITORY_SOURCES = ("aidev", "realcode")


def route_thresholds(cal: pd.DataFrame, bound: float, confidence: float) -> dict[str, float]:
    """{language: the route's threshold} where the project humans can bound `bound`."""
    out = {}
    for lang, rows in cal[cal["label"] == 0].groupby("language"):
        if len(rows) >= min_humans(bound, confidence):
            out[str(lang)] = threshold_at_fpr(rows["p"].to_numpy(), bound, confidence)
    return out


def flags(rows: pd.DataFrame, th: dict[str, float] | None) -> np.ndarray:
    """Whether each row is flagged: by the shipped recipe, or (with `th`) by the route."""
    out = (rows["p_c"] >= rows["t_c"]).to_numpy()
    if th is None:
        return out
    t = np.asarray([th.get(str(lang), np.inf) if gate and np.isfinite(t_c) else np.inf
                    for lang, gate, t_c in zip(rows["language"], rows["gate"], rows["t_c"])])  # fmt: skip
    return out | (rows["p_p"].to_numpy() >= t)


def counts(rows: pd.DataFrame, flagged: np.ndarray) -> dict[str, Any]:
    """Flagged of each (source, label), and the Python part of each repository source."""
    out: dict[str, Any] = {}
    label = rows["label"] if "label" in rows else pd.Series(0, index=rows.index)
    for (source, y), part in rows.assign(label=label).groupby(["source", "label"]):
        key = f"{source} {'llm' if y else 'human'}"
        hit = flagged[rows.index.get_indexer(part.index)]
        out[key] = [int(hit.sum()), len(part)]
        if source in REPOSITORY_SOURCES or source == "aidev-context":
            py = (part["language"] == "python").to_numpy()
            out[f"{key} (python)"] = [int(hit[py].sum()), int(py.sum())]
    return out


def fit_name(frames: list[pd.DataFrame]) -> str:
    """ "loao AGENT" when the fit's first frame holds one agent's code only, else "main"."""
    first = frames[0]
    agents = set(first.loc[first["label"] == 1, "agent"].dropna()) if "agent" in first else set()
    if set(first["source"]) == {"aidev"} and len(agents) == 1:
        return f"loao {agents.pop()}"
    return "main"


PERCENTILES = (5, 50, 95)


def redraw(cal: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Each language's human rows drawn again with replacement, as many as there are."""
    humans = cal[cal["label"] == 0]
    picks = [rng.choice(idx, size=len(idx)) for idx in humans.groupby("language").indices.values()]
    return humans.iloc[np.concatenate(picks)] if picks else humans


def bootstrap(
    cal: pd.DataFrame,
    frames: list[pd.DataFrame],
    bound: float,
    judged: set[str],
    *,
    runs: int,
    confidence: float,
    seed: int,
) -> dict[str, Any]:
    """The spread of the route's thresholds and flags at `bound` over `runs` redraws of the
    calibration humans: [5th, 50th, 95th percentile] of each threshold and each count."""
    rng = np.random.default_rng(seed)
    thresholds: dict[str, list[float]] = {}
    flagged: dict[str, list[int]] = {}
    for _ in range(runs):
        th = {k: v for k, v in route_thresholds(redraw(cal, rng), bound, confidence).items()
              if k in judged}  # fmt: skip
        for lang, t in th.items():
            thresholds.setdefault(lang, []).append(t)
        for k, rows in enumerate(frames):
            for key, (hit, _) in counts(rows, flags(rows, th)).items():
                flagged.setdefault(f"frame {k}: {key}", []).append(hit)

    def spread(values: list[float] | list[int]) -> list[float]:
        return [round(float(v), 6) for v in np.percentile(values, PERCENTILES)]

    return {
        "runs": runs,
        "percentiles": list(PERCENTILES),
        "thresholds": {lang: spread(v) for lang, v in thresholds.items()},
        "flagged": {key: spread(v) for key, v in flagged.items()},
    }


def measure(
    side: Path,
    bounds: list[float],
    confidence: float = 0.95,
    runs: int = 0,
    seed: int = 0,
) -> dict[str, Any]:
    """Every fit's flags at each bound (and, with `runs`, their spread over redraws of the
    calibration humans), by the name of the fit."""
    out: dict[str, Any] = {}
    for cal_path in sorted(side.glob("cal-*.parquet")):
        n = re.search(r"cal-(\d+)", cal_path.name)
        assert n is not None
        cal = pd.read_parquet(cal_path)
        paths = sorted(side.glob(f"rows-{n.group(1)}-*.parquet"))
        frames = [pd.read_parquet(p).reset_index(drop=True) for p in paths]
        if not frames:
            continue
        judged = {str(lang) for f in frames for lang in f.loc[np.isfinite(f["t_c"]), "language"]}
        fit: dict[str, Any] = {"project_humans": cal[cal["label"] == 0]["language"]
                               .value_counts().to_dict()}  # fmt: skip
        routes = [(b, route_thresholds(cal, b, confidence)) for b in bounds]
        for name, th in [("shipped recipe", None)] + [
            (f"route at {b:.2%}", {k: v for k, v in t.items() if k in judged}) for b, t in routes
        ]:
            fit[name] = {"thresholds": th or {}}
            for k, rows in enumerate(frames):
                fit[name][f"frame {k}"] = counts(rows, flags(rows, th))
        if runs:
            for b, _ in routes:
                fit[f"route at {b:.2%}"]["bootstrap"] = bootstrap(
                    cal, frames, b, judged, runs=runs, confidence=confidence, seed=seed
                )
        out[fit_name(frames)] = fit
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="codeorigin-train route-bounds", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--side", type=Path, required=True,
                        help="the folder the protocol's stacked-dr or stacked-du wrote "
                        "(WORK/stacked-dr-side, WORK/stacked-du-side)")  # fmt: skip
    parser.add_argument("--bounds", type=float, nargs="+", default=[0.01, 0.005, 0.0025])
    parser.add_argument("--confidence", type=float, default=0.95)
    parser.add_argument("--out", type=Path, default=None, help="also write the figures here")
    parser.add_argument(
        "--bootstrap",
        type=int,
        default=0,
        metavar="N",
        help="also redraw the calibration humans N times and report the spread "
        "(5th, 50th, 95th percentile) of the thresholds and flags",
    )
    parser.add_argument("--seed", type=int, default=0, help="the redraws' seed")
    args = parser.parse_args(argv)
    if args.bootstrap < 0:
        raise SystemExit(f"--bootstrap {args.bootstrap}: give a number of redraws, 0 or more")
    if not any(args.side.glob("cal-*.parquet")):
        found = "holds no cal-N.parquet" if args.side.is_dir() else "not found"
        raise InputError(f"--side {args.side} {found}: run `codeorigin-train protocol --learners "
                         "stacked-dr:TRANSFORMER --parts main loao` (the shipped recipe; or "
                         "stacked-du) first, and give the folder it writes, WORK/stacked-dr-side")  # fmt: skip
    if args.out is not None:
        output_path(args.out)
    figures = measure(args.side, args.bounds, args.confidence, args.bootstrap, args.seed)
    text = json.dumps(figures, indent=1)
    if args.out is not None:
        args.out.write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    from codeorigin_train.data.inputs import module_entry

    raise SystemExit(module_entry("codeorigin_train.analysis.route_bounds", main))
