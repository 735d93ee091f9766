"""Everything the model card quotes, gathered from a work folder into `metrics.json`.

The card (`model_card.py`) renders only what is collected here: the dataset, the bake-off table (one row
per evaluated run, with leave-one-source-out folds that ran as separate processes), the chosen
run's report, its export record, recipe screens, and rows of the model being replaced that this
work folder did not rerun (marked "recorded").
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

from codeorigin_train.evaluation import evaluate as ev
from codeorigin_train.fit.frames import load_dataset, subset, subset_config_for
from codeorigin_train.fit.workdir import run_dir
from codeorigin_train.variants import registry

#: The runs the bake-off table lists besides the registered variants: the first scratch recipe
#: trained on every train row.
EXTRA_BAKEOFF_RUNS = ("scratch-bpe-full",)
#: The run whose LOSO figures stand for a shipped recipe trained without LOSO.
RECIPE_RUN = "scratch-bpe"


def evaluated(variants: list[str], work: Path | None) -> Iterator[tuple[str, Path, dict[str, Any]]]:
    """(name, run folder, metrics) of each of `variants` whose run has a `metrics.json`."""
    for v in variants:
        d = run_dir(v, work)
        if (d / "metrics.json").exists():
            yield v, d, json.loads((d / "metrics.json").read_text())


def bakeoff_table(variants: list[str], work: Path | None = None) -> list[dict[str, Any]]:
    """One row per evaluated variant: held-out, validation and LOSO AUROC."""
    rows = []
    for v, d, m in evaluated(variants, work):
        tr = json.loads((d / "train.json").read_text())
        folds = m.get("loso") or ev.loso_run_apart(d.parent, v)[0]
        rows.append({
            "variant": v,
            "description": m["variant"]["description"],
            "n_train": tr["n_train"],
            "train_seconds": tr["train_seconds"],
            "val_auroc": m["validation"]["auroc"],
            "test_auroc": m["heldout"]["overall"]["auroc"],
            "test_human_fpr": m["heldout"]["human_fpr_at_threshold"],
            "loso": {s: r["auroc"] for s, r in folds.items()},
            "loso_mean_auroc": m.get("loso_mean_auroc") or (ev.loso_mean(folds) if folds else None),
        })  # fmt: skip
    return rows


def with_recipe_loso(chosen: dict[str, Any], work: Path, variant: str) -> dict[str, Any]:
    """Give a variant trained without LOSO its leave-one-source-out figures, and the baseline.

    LOSO folds of the variant's own recipe and data that ran as separate processes
    (`--loso-only --name <variant>-loso...`) are merged first; otherwise the figures of its recipe
    on the subset are quoted, labelled as such.
    """
    if "loso" not in chosen:
        folds, base_folds = ev.loso_run_apart(work / "runs", variant)
        if base_folds:
            chosen["baseline_loso_same_folds"] = base_folds
        if folds:
            chosen["loso"] = folds
            chosen["loso_mean_auroc"] = ev.loso_mean(folds)
            chosen["loso_scope"] = (
                "the shipped recipe and training rows (real-project code included)"
            )
    recipe_path = run_dir(RECIPE_RUN, work) / "metrics.json"
    if "loso" not in chosen and recipe_path.exists():
        recipe = json.loads(recipe_path.read_text())
        for key in ("loso", "loso_mean_auroc", "loso_sources"):
            if key in recipe:
                chosen[key] = recipe[key]
        chosen["loso_from_recipe"] = {k: v["auroc"] for k, v in recipe.get("loso", {}).items()}
        chosen["loso_scope"] = "the same recipe on the bake-off subset"
    if "baseline" not in chosen:
        for _, _, m in evaluated(registry.names(), work):
            if "baseline" in m:
                chosen["baseline"] = m["baseline"]
                break
    return chosen


def _real_fpr(m: dict[str, Any]) -> tuple[float | None, str]:
    """FPR on real-project human code: held-out projects where the run measured them, else every
    project (none trained on)."""
    rh, xh = m.get("realcode_heldout"), m.get("external_human")
    if rh:
        return rh["fpr_at_llm_threshold"], f"{len(rh['projects'])} held-out projects"
    if xh:
        return xh["fpr_at_llm_threshold"], f"{xh['projects']} projects"
    return None, "not measured"


def comparison(work: Path, variants: list[str]) -> list[dict[str, Any]]:
    """Before/after rows for the card: held-out figures and FPR on real-project human code."""
    rows = []
    for v, _, m in evaluated(variants, work):
        o = m["heldout"]["overall"]
        real, scope = _real_fpr(m)
        rows.append({
            "name": v, "auroc": o["auroc"], "recall": o["recall"],
            "fpr": m["heldout"]["human_fpr_at_threshold"], "real_fpr": real, "real_scope": scope,
            "loso": m.get("loso_mean_auroc"),
        })  # fmt: skip
    return rows


def screens(work: Path) -> list[dict[str, Any]]:
    """LOSO-only recipe screens (`--loso-only --name screen-...`) found in the work folder."""
    from codeorigin_train.variants.scratch_bpe import describe

    rows = []
    for path in sorted((work / "runs").glob("screen-*/loso.json")):
        res = json.loads(path.read_text())
        rows.append({
            "name": path.parent.name,
            "description": res.get("description") or describe(res["config"]),
            "loso": {k: v["auroc"] for k, v in res["loso"].items()},
            "mean": res.get("loso_mean_auroc"),
            "baseline_loso": {k: v["auroc"] for k, v in res.get("baseline_loso", {}).items()},
        })  # fmt: skip
    return rows


def recorded(path: Path) -> dict[str, Any]:
    """The metrics of the model folder being replaced (bake-off rows measured by earlier runs)."""
    try:
        return dict(json.loads(path.read_text()))
    except (OSError, ValueError):
        return {}


def with_recorded(
    rows: list[dict[str, Any]], old: list[dict[str, Any]], key: str, shipped: str
) -> list[dict[str, Any]]:
    """`rows`, plus rows of variants that this work folder has not run, as an earlier run measured
    them (marked `recorded`). The row of the variant being shipped is never taken from the past."""
    have = {r[key] for r in rows}
    extra = []
    for r in old:
        if r.get(key) == shipped:  # the model this one replaces: a "before" row
            extra.append({**r, key: f"{shipped} (previous release)", "recorded": True})
        elif r.get(key) not in have and not str(r.get(key)).endswith("(previous release)"):
            extra.append({**r, "recorded": True})
    return extra + rows


def dataset_record(df: Any) -> dict[str, Any]:
    """The dataset's counts by source, language and split, generators and build record."""
    from codeorigin_train.data.build import summary

    s = summary(df)
    return {
        "n": len(df),
        "counts": [
            {"source": k[0], "language": k[1], **v} for k, v in s.counts.to_dict("index").items()
        ],
        "by_split": s.by_split.to_dict("index"),
        "generators": df[df.label == 1].groupby("source")["generator"].nunique().to_dict(),
        "build": s.build,
    }


def _shipped_loso_rows(metrics: dict[str, Any], variant: str) -> None:
    """LOSO folds that ran apart belong to the shipped row of both tables too."""
    chosen = metrics["chosen"]
    if not chosen.get("loso_scope", "").startswith("the shipped"):
        return
    for r in metrics["comparison"]:
        if r["name"] == variant:
            r["loso"] = chosen["loso_mean_auroc"]
    for r in metrics["bakeoff"]:
        if r["variant"] == variant:
            r["loso_mean_auroc"] = chosen["loso_mean_auroc"]
            r["loso"] = {k: v["auroc"] for k, v in chosen["loso"].items()}


def collect(
    work: Path, variant: str, *, train_config: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None, options: dict[str, Any] | None = None,
    dataset: Path | None = None,
) -> dict[str, Any]:  # fmt: skip
    """The metrics document of run `variant` (exported: its `export.json` exists); `options` go
    to the variant's constructor (`registry.get`); `dataset`: the one the run trained on
    (default WORK/dataset.parquet)."""
    from codeorigin_train.fit.train import TrainConfig

    df = load_dataset(dataset or work / "dataset.parquet")
    scfg = subset_config_for(variant, work)
    d = run_dir(variant, work)
    v = registry.get(variant, **{**(options or {}), "work": work})
    v.load(d)
    sub, _ = v.training_rows(subset(df, scfg), work)
    old = recorded(d / "previous_metrics.json")
    names = list(dict.fromkeys([*registry.names(), *EXTRA_BAKEOFF_RUNS, variant]))
    metrics: dict[str, Any] = {
        "chosen_variant": variant,
        "selection": "highest leave-one-source-out mean AUROC among the variants, within the latency budget",
        "dataset": dataset_record(df),
        "subset": {"config": asdict(scfg), "n": len(sub), "by_split": sub.groupby("split").size().to_dict()},
        "train_config": train_config or asdict(TrainConfig()),
        **(extra or {}),
        "bakeoff": with_recorded(bakeoff_table(names, work), old.get("bakeoff", []), "variant", variant),
        "chosen": with_recipe_loso(json.loads((d / "metrics.json").read_text()), work, variant),
        "export": json.loads((d / "export.json").read_text()),
        "training": json.loads((d / "train.json").read_text()),
    }  # fmt: skip
    metrics["screens"] = screens(work)
    compared = [n for n in names if n not in EXTRA_BAKEOFF_RUNS]
    metrics["comparison"] = with_recorded(
        comparison(work, compared), old.get("comparison", []), "name", variant
    )
    _shipped_loso_rows(metrics, variant)
    if "baseline" not in metrics["chosen"] and "baseline" in old.get("chosen", {}):
        metrics["chosen"]["baseline"] = {
            **old["chosen"]["baseline"],
            "recorded": "measured on the bake-off subset by an earlier run (models/default/metrics.json)",
        }
    return metrics


def write_metrics_and_card(work: Path, variant: str, out: Path, **kw: Any) -> dict[str, Any]:
    """`metrics.json` and `MODEL_CARD.md` of an exported run into `out` (see `collect`)."""
    from codeorigin_train.card.model_card import write_card

    metrics = collect(work, variant, **kw)
    out.mkdir(parents=True, exist_ok=True)
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2, default=float))
    write_card(metrics, out / "MODEL_CARD.md")
    return metrics
