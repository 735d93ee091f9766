"""The model card's analysis sections, one per tool, rendered from `analysis.<tool>` of
`metrics.json` (`analysis.record` writes it); a tool that has not run has no section.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from codeorigin_train.card.parts import Card, fmt, section

HEADS = "## Attention heads: what separates LLM from human code"
CODEREP = "## Code representation arm"
SAMPLES = "## HumanEval-style samples"
ROBUSTNESS = "## Robustness to a user's edits"
HEADINGS = (HEADS, CODEREP, SAMPLES, ROBUSTNESS)


def heads(h: dict[str, Any], add: Callable[[str], None]) -> None:
    """Per-head attention statistics, their tests, head ablation and the PCA (`heads`)."""
    w, ab = h["welch"], h["ablation"]
    langs = ", ".join(f"{k} {v}" for k, v in h["languages"].items())
    add(
        f"`codeorigin-train heads` reads the model's own attention (the torch copy of `model.onnx`, logits within "
        f"{h['parity']:.1e} of onnxruntime) on the first window of {h['n']} held-out samples of the test split of "
        f"`{_file_name(h['dataset'])}` ({h['n_llm']} LLM; {langs}): per layer and head, the entropy of a token's attention and its share to comments, indentation, "
        "identifiers, punctuation, keywords and the first token. Welch t-tests between the labels, "
        f"Benjamini-Hochberg corrected: **{w['significant']} of {w['tests']}** (layer, head, statistic) tests at "
        f"q < {w['alpha']}"
        + (
            " (" + ", ".join(f"{k} {v}" for k, v in w["significant_by_statistic"].items()) + ")"
            if w["significant"]
            else ""
        )
        + ". Largest effects (Cohen's d, LLM minus human):\n"
    )
    add("| layer | head | statistic | mean LLM | mean human | Cohen's d | q |")
    add("|---:|---:|---|---:|---:|---:|---:|")
    for r in w["top"]:
        add(f"| {r['layer']} | {r['head']} | {r['statistic']} | {fmt(r['mean_llm'])} | {fmt(r['mean_human'])} | "
            f"{r['cohens_d']:+.2f} | {r['q']:.1e} |")  # fmt: skip
    an = h["anova"]
    drop, gain = ab["largest_drop"], ab["largest_gain"]
    grid = "; ".join(
        f"layer {i}: " + " ".join(f"{v:+.3f}" for v in row)
        for i, row in enumerate(ab["delta_auroc"])
    )
    add("")
    add(
        f"ANOVA across {an['families']} generator families (LLM samples, families with at least 5): "
        f"{an['significant']} tests significant after correction. Head ablation (one head masked in the real "
        f"model, every window scored as the runtime does): AUROC {fmt(ab['auroc'])} with every head; change per head "
        f"{grid}. The largest drop is layer {drop['layer']} head {drop['head']} ({drop['delta']:+.3f}), the largest "
        f"gain layer {gain['layer']} head {gain['head']} ({gain['delta']:+.3f}). PCA of the per-sample head "
        f"statistics: PC1 explains {h['pca']['sample_variance'][0]:.0%} of their variance and alone separates the "
        f"labels with AUROC {fmt(h['pca']['pc1_label_auroc'])}. Plots: `heads_effects.png`, `heads_ablation.png`, "
        "`heads_pca.png` (docs/research/analysis-tools.md).\n"
    )


def coderep(r: dict[str, Any], add: Callable[[str], None]) -> None:
    """The code-representation arm on leave-one-source-out, and its invariance (`coderep-loso`)."""
    pr = r["protocol"]
    what = {"skel": "control-flow skeleton", "nodes": "syntax-tree node types"}[r["kind"]]
    add(
        f"A variant whose input is the code plus its {what} from tree-sitter (`variants/coderep.py`), against the "
        f"same model without it, on leave-one-source-out folds of the same rows: the stratified subset of "
        f"`{_file_name(r['dataset'])}` with at most {pr['train_cap']} train and {pr['eval_cap']} validation/test rows per "
        f"source and label ({pr['rows']} rows)"
        + (
            f"; the scratch encoder trained {pr['loso_epochs_scratch']} epochs a fold on one CPU thread, without "
            "comment stripping or real-project rows (a CPU protocol, not the shipped recipe)"
            if any("scratch" in a["variant"] for a in r["arms"])
            else "; the base is the char n-gram baseline (TF-IDF character 1-4-grams and logistic regression). "
            "The shipped model's family was not compared here: its folds retrain the encoder, which did not fit the "
            "CPU time of this run (`codeorigin-train coderep-loso --bases scratch-bpe` runs it)"
        )
        + ".\n"
    )
    srcs = r["sources"]
    add("| variant | " + " | ".join(f"LOSO {s}" for s in srcs) + " | mean |")
    add("|---|" + "---:|" * (len(srcs) + 1))
    for a in r["arms"]:
        add(
            f"| {a['variant']} | "
            + " | ".join(fmt(a["folds"].get(s)) for s in srcs)
            + f" | {fmt(a['mean'])} |"
        )
    add("")
    pairs = [
        (a, b)
        for a in r["arms"]
        for b in r["arms"]
        if b["variant"].startswith("coderep-")
        and b["variant"].endswith(a["variant"])
        and a is not b
    ]
    verdict = "; ".join(
        f"{b['variant']} {b['mean'] - a['mean']:+.3f} against {a['variant']}" for a, b in pairs
    )
    inv = r["invariance"]
    add(
        f"Mean LOSO AUROC change from the representation: {verdict}. Invariance on {inv['n']} held-out samples "
        "(share whose representation is identical after the transformation, among those whose text changed): "
        + "; ".join(
            f"{t} skeleton {fmt(inv[t]['skel'], 2)}, node types {fmt(inv[t]['nodes'], 2)}"
            for t in ("reformat", "rename", "strip-comments")
            if t in inv
        )
        + ". "
        + (
            "Renaming and reformatting leave the skeleton exactly as it was, as hoped"
            if all(inv.get(t, {}).get("skel") == 1.0 for t in ("reformat", "rename"))
            else "The skeleton does not fully survive renaming and reformatting"
        )
        + (
            "; but on these folds the representation did not raise leave-one-source-out AUROC.\n"
            if pairs and all(b["mean"] <= a["mean"] for a, b in pairs)
            else "; the LOSO table above says whether it raised the score.\n"
        )
    )


def _file_name(p: str) -> str:
    return p.rsplit("/", 1)[-1]


def samples(s: dict[str, Any], add: Callable[[str], None]) -> None:
    """A model judged on HumanEval-format samples (`evaluate-samples`)."""
    add(
        "`codeorigin-train evaluate-samples` reads HumanEval-format problems (`prompt` with signature and docstring, "
        "`canonical_solution`) and sampled `completion`s, builds the full functions and scores them as "
        f"`codeorigin scan` does, never running them. Measured on {s['tasks']} tasks of "
        f"{_file_name(s['problems'])}: {s['human']} human solutions, {s['samples']} LLM samples.\n"
    )
    add(
        "| AUROC | recall at threshold | human FPR at threshold | twin-win | median p, samples | median p, human |"
    )
    add("|---:|---:|---:|---:|---:|---:|")
    add(f"| {fmt(s['auroc'])} | {fmt(s['recall'])} | {fmt(s['human_fpr'], 4)} | {fmt(s['twin_win'])} | "
        f"{fmt(s['median_p_samples'])} | {fmt(s['median_p_human'])} |")  # fmt: skip
    add("")
    add(
        "Twin-win: how often a sample scores above the human solution of its task (0.5 is chance). "
        f"The model ranks a sample above the human solution of its task {fmt(s['twin_win'], 2)} of the time and flags "
        f"{s['recall']:.1%} of the samples"
        + (
            ": on functions whose signature and docstring a person wrote, it barely tells an LLM's body from a "
            "person's. "
            if (s["auroc"] or 0.5) < 0.7
            else ". "
        )
        + "Per-task results (`per_task.csv`) and the histogram of probabilities "
        "(`samples_hist.png`) are in the output folder.\n"
    )


def robustness(r: dict[str, Any], add: Callable[[str], None]) -> None:
    """The score's change under reformatting, renaming, stripping and hand edits (`robustness`)."""
    add(
        f"`codeorigin-train robustness` scores {r['n']} held-out samples of the test split of `{_file_name(r['dataset'])}` "
        + "as written and after each "
        "transformation: black (Python) or a fixed K&R brace style and 4-space re-indentation (Java, C++); bound "
        "identifiers renamed to v1, v2, ...; comments and docstrings stripped; three lines edited as a person might "
        "(operator spacing squeezed, a short comment appended, a blank line inserted). Δp is the change of the "
        f"calibrated probability; recall and FPR at the shipped threshold ({fmt(r['threshold'], 4)}).\n"
    )
    add(
        "| transformation | language | n | median Δp | 90th pct. abs Δp | AUROC before | AUROC after | recall before | "
        "recall after | human FPR before | human FPR after |"
    )
    add("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, t in r["transforms"].items():
        for lang, x in t["by_language"].items():
            add(f"| {name} | {lang} | {x['n']} | {x['median_delta']:+.3f} | {fmt(x['p90_abs_delta'])} | "
                f"{fmt(x['auroc_before'])} | {fmt(x['auroc_after'])} | {fmt(x['recall_before'])} | "
                f"{fmt(x['recall_after'])} | {fmt(x.get('fpr_before'))} | {fmt(x['fpr_after'])} |")  # fmt: skip
    add("")
    worst = min(
        r["transforms"].items(), key=lambda kv: kv[1]["by_language"]["all"]["auroc_after"] or 1.0
    )
    fmt_ = r["transforms"].get("reformat", {}).get("by_language", {}).get("all")
    add(
        (f"A user who runs a formatter moves the score by {fmt_['median_delta']:+.3f} at the median and by up to "
         f"{fmt(fmt_['p90_abs_delta'])} for one function in ten; recall at the threshold goes from "
         f"{fmt(fmt_['recall_before'])} to {fmt(fmt_['recall_after'])}. " if fmt_ else "")
        + f"The transformation that costs the most AUROC is {worst[0]} "
        f"({fmt(worst[1]['by_language']['all']['auroc_before'])} to {fmt(worst[1]['by_language']['all']['auroc_after'])}). "
        + "".join(f"{t['failed']} samples could not be transformed by {n} (left as written). "
                  for n, t in r["transforms"].items() if t["failed"])
        + "Plot: `robustness.png`.\n"
    )  # fmt: skip


def _render(
    tool: str, heading: str, body: Callable[[dict[str, Any], Callable[[str], None]], None], c: Card
) -> list[str]:
    """`heading` and the lines `body(summary, add)` adds, or nothing when `tool` has not run."""
    summary = c.analysis(tool)
    if not summary:
        return []
    L, add = section(heading + "\n")
    body(summary, add)
    return L


#: The section of each tool, by the name it records under (`analysis.<tool>`).
TOOLS: dict[str, Callable[[Card], list[str]]] = {
    tool: partial(_render, tool, heading, body)
    for tool, heading, body in (
        ("heads", HEADS, heads),
        ("coderep", CODEREP, coderep),
        ("samples", SAMPLES, samples),
        ("robustness", ROBUSTNESS, robustness),
    )
}
