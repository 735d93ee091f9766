"""The long record of a transformer's run (`render_record`): the sections the model card held
until 2026-11-27 (the data and its provenance, the compute, the bake-off and the result sections
of `results`, the analysis tools' sections of `analysis`, the limitations and the training
recipe), one function per section in the order of `SECTIONS`. The model card itself
(`model_card`) is the short one; the shipped model's record, as its card said it, is in
docs/research/model-card-record.md.
"""

from __future__ import annotations

from typing import Any

from codeorigin_train.card import analysis, results
from codeorigin_train.card.parts import Card, section


def _header(c: Card) -> list[str]:
    """The title and what the model reads and returns."""
    m, ch, max_len = c.m, c.ch, c.max_len
    L, add = section("# codeorigin default model\n")
    add(
        f"Variant **{m['chosen_variant']}**: {ch['variant']['description']}. Input: {max_len} tokens per window "
        "(longer functions: half-overlapping windows, logits averaged), text normalised by "
        "`codeorigin.core.normalize`. Output: a calibrated probability that an LLM wrote the function.\n"
    )
    return L


# The sections that are prose alone (their heading and paragraphs) are data: `INTENDED_USE` and
# `LIMITATIONS`, the latter with one paragraph that depends on the tokenizer (`TOKENIZER_SEES`).
INTENDED_USE = (
    "## Intended use\n",
    "- A hint for reviewers and teachers about which functions deserve a closer look, shown with the "
    "tokens that drove the score. It is **never a sole basis for accusing anyone** of using an LLM: "
    "its errors are frequent outside the kinds of code it was trained on (see Limitations), and a "
    "probability is not evidence of misconduct.",
    "- Not for: grading, hiring, disciplinary or legal decisions; judging whole repositories; "
    "languages other than Python, Java and C++ (scores there are unsupported guesses).\n",
)


def _intended_use(c: Card) -> list[str]:
    """What the model is for, and what it must never be used for."""
    return list(INTENDED_USE)


def _data(c: Card) -> list[str]:
    """The dataset: sources, counts, generators, caps and deduplication."""
    ds = c.ds
    L, add = section("## Data and provenance\n")
    add(
        f"{ds['n']} samples after cleaning (fences and preambles removed, normalised line endings and "
        "indentation), exact and near-duplicate removal, and per-source caps, split 80/10/10 **by "
        "problem/task group** (the same problem never crosses splits). Sources are public research "
        "datasets (see the project's data README); none of their files is shipped.\n"
    )
    add("| source | language | human | LLM | total |")
    add("|---|---|---:|---:|---:|")
    for r in ds["counts"]:
        add(f"| {r['source']} | {r['language']} | {r['human']} | {r['llm']} | {r['total']} |")
    add("")
    add(
        "Distinct generators per source (LLM side): "
        + ", ".join(f"{k} {v}" for k, v in ds["generators"].items())
        + "."
    )
    b = ds.get("build", {})
    if b.get("caps"):
        caps = ", ".join(
            f"{k}: max {v.get('max_samples')} / LLM per group {v.get('llm_per_group')}"
            for k, v in b["caps"].items()
            if v.get("max_samples") or v.get("llm_per_group")
        )
        add(f"Caps: {caps}.")
    if b.get("dedup"):
        add("Deduplication: " + ", ".join(f"{k} {v}" for k, v in b["dedup"].items()) + ".")
    return L


def _compute(c: Card) -> list[str]:
    """The rows each variant trained on, and for the scratch variants the recipe."""
    m, ch, scratch, max_len = c.m, c.ch, c.scratch, c.max_len
    L, add = section()
    if not scratch:
        sub = m["subset"]
        add(
            f"\n**Compute note.** Training ran on 2 CPU cores. The frozen encoder embedded a stratified subset "
            f"of {sub['n']} samples (at most {sub['config']['train_cap']} train and "
            f"{sub['config']['eval_cap']} val/test samples per source and label; by split "
            f"{sub['by_split']}). Every model, the baseline and every leave-one-source-out run below use "
            "these same rows. The unfreeze variant (gradual unfreezing) starts from the frozen-layout head, "
            "trained on the whole cached train split, then trains the top 2 encoder layers and the head for "
            f"{m.get('unfreeze_epochs', 1)} epoch on the cached layer-4 states of at most "
            f"{sub['config']['unfreeze_train_cap']} train samples per source and label; its LOSO was not "
            "measured (every fold retrains encoder layers, about 5 minutes a fold on this CPU), so it could not "
            "be picked by the LOSO rule.\n"
        )
    else:
        add(
            "\n**Compute note.** Training ran on 2 CPU cores (one torch thread). The MiniLM variants used a stratified "
            "subset (at most 700 train and 200 val/test samples per source and label); the scratch variants use the "
            "same validation and test rows, and `scratch-bpe` the same train rows.\n"
        )
    if scratch:
        rt = ch.get("n_train_by_source", {})
        add(
            f"**The shipped model** was trained on {m['training']['n_train']} rows: "
            + (
                "every train row of the dataset"
                if m["chosen_variant"].startswith("scratch-bpe-full")
                else "the source-balanced subset's train rows (at most 700 per source and label: trained on "
                "every train row, gcj-java and semeval dominate and leave-one-source-out AUROC fell, see the "
                "screens below)"
            )
            + f" plus {rt.get('realcode', 0)} dated pre-2021 human functions from the training projects of "
            "the real-code collection (`training/codeorigin_train/data/realcode`), with the same validation and test "
            "rows as every other variant (plus real-code validation projects for calibration). Its "
            + (
                f"leave-one-source-out figures were measured on {ch['loso_scope']}.\n"
                if ch.get("loso_scope") and "shipped" in ch["loso_scope"]
                else "leave-one-source-out figures are those of the same recipe on the subset (`scratch-bpe`): "
                "retraining four folds on the full data did not fit the compute budget.\n"
            )
        )
        aug = {
            k: ch.get("config", {}).get(k)
            for k in ("mask_prob", "strip_prob", "random_window", "eval_windows")
        }
        if any(aug.values()):
            add(
                "Against the sources' habits the recipe trains on altered copies, drawn afresh each epoch: "
                f"comments and docstrings removed from {aug['strip_prob']:.0%} of samples, "
                f"{aug['mask_prob']:.0%} of tokens replaced by [MASK], and a random {max_len}-token window of a "
                "long function instead of always its first; it is evaluated, like the runtime scores, on every "
                "window of a function.\n"
            )
    return L


LIMITATIONS = (
    "## Limitations\n",
    "- **Domain shift.** Most human samples are contest solutions (Codeforces, CodeNet, Code Jam, MBPP); most "
    "LLM samples are short algorithmic programs or docstring-bearing classes. Human library code with "
    "docstrings and tidy formatting is under-represented, so it is the most likely false accusation. The "
    "data README measured a char n-gram model flagging two thirds of documented open-source human "
    "functions at its 1%-FPR threshold; expect the same failure mode here. The FPR above is measured on "
    "held-out samples of the training sources only.",
    "- **Languages.** Trained on Python, Java and C++ only. Other languages get a score, but it is not "
    "supported by any training data.",
    "- **Short functions.** A few lines carry little signal; the runtime reports them as too short rather "
    "than scoring them.",
    "- **Reformatting and editing.** Formatters (black, clang-format), renaming, or a human editing LLM "
    "output (and vice versa) change the signals the model uses; layout markers make the layout "
    "variant more sensitive to indentation style.",
    "- **Generators.** Newer or unseen generators, and prompts that ask for a particular style, may not "
    "be recognised. LOSO above shows how much performance drops on an unseen source.",
    "- **Shortcuts.** The sources carry trivial tells (tabs, CRLF, fences, comments). The cleaning removes "
    "the mechanical ones; comments remain a signal (see the ablation).",
)
TOKENIZER_SEES = {  # by `Card.scratch`
    False: "- The encoder is uncased: case is invisible to the model.\n",
    True: "- The byte-level tokenizer sees case, spacing and indentation (after normalisation): a formatter run "
    "over the code changes what the model sees.\n",
}


def _limitations(c: Card) -> list[str]:
    """Where the model is known or expected to fail: `LIMITATIONS`, and what its tokenizer sees."""
    return [*LIMITATIONS, TOKENIZER_SEES[c.scratch]]


def _training(c: Card) -> list[str]:
    """How the model was trained."""
    m, ch, scratch = c.m, c.ch, c.scratch
    L, add = section("## Training\n")
    tc = m["train_config"]
    if scratch:
        sc = ch["config"]
        add(
            f"Encoder: BERT, {sc['layers']} layers, hidden {sc['hidden']}, {sc['heads']} heads, trained from scratch "
            f"end to end with the head (Dropout 0.3 → Dense 256 ReLU → Dropout 0.2 → Dense 1 on mean-pooled states); "
            f"byte-level BPE tokenizer ({sc['vocab_size']} tokens) learned on the training split. BCE with logits, "
            f"Adam lr {sc['lr']}, ReduceLROnPlateau, batch 16, up to {m['training'].get('epochs', sc['epochs'])} epochs, "
            f"early stopping on validation loss (best weights restored; best epoch {m['training']['best_epoch']}), "
            f"warm-up, gradient clipping, encoder dropout {sc.get('dropout', 0.1)}, one CPU thread. Reproduce with "
            "`codeorigin-train all`, or step by step with the commands in training/README.md."
        )
        return L
    add(
        f"Head: Dropout 0.3 → Dense 256 ReLU → Dropout 0.2 → Dense 1 on mean-pooled MiniLM states. BCE with logits, "
        f"Adam lr {tc['lr']}, ReduceLROnPlateau, batch {tc['batch_size']}, up to {tc['epochs']} epochs, early "
        f"stopping patience {tc['patience']} on {tc['monitor']} (best weights restored; best epoch "
        f"{m['training']['best_epoch']}), {tc['warmup_steps']} warm-up steps, gradient clipping {tc['clip_norm']}, "
        f"seed {tc['seed']}. Reproduce with `codeorigin-train all` (see training/README.md)."
    )
    return L


SECTIONS = (
    _header,
    _intended_use,
    _data,
    _compute,
    results.bakeoff,
    results.screens,
    results.versus_baseline,
    results.heldout,
    results.real_code,
    results.paired,
    results.targets,
    results.metrics,
    results.ablation,
    results.export,
    *analysis.SECTIONS,
    _limitations,
    _training,
)


def render_record(m: dict[str, Any]) -> str:
    """The record's markdown: every section of `SECTIONS` in order."""
    c = Card.of(m)
    return "\n".join(line for part in SECTIONS for line in part(c)) + "\n"
