"""The transformer's own held-out figures: the sections the card's headline falls back on when
the evaluation protocol has not run on the model (`headline`)."""

from __future__ import annotations

from codeorigin_train.card.parts import Card, fmt, section


def heldout(c: Card) -> list[str]:
    """The thresholds and the FPR on the held-out human test rows."""
    ch, cal, held = c.ch, c.cal, c.held
    L, add = section("## Held-out test split (chosen model)\n")
    add(
        f"Threshold: a function is flagged `llm` when p >= **{fmt(cal['llm_threshold'], 4)}** ("
        + (
            f"set so that at most {cal['max_fpr']:.0%} of unseen human functions are flagged with "
            f"{cal['confidence']:.0%} confidence: the Neyman-Pearson order statistic of the validation human "
            "scores, per human population (contest datasets, real-project code), the strictest of them; "
            if cal.get("confidence")
            else f"the smallest threshold with at most {cal['max_fpr']:.0%} of validation human samples flagged; "
        )
        + "validation FPR "
        f"{fmt(cal['val_fpr_at_llm'], 4)}, TPR {fmt(cal['val_tpr_at_llm'])}), `uncertain` when p >= "
        f"{fmt(cal['uncertain_threshold'], 4)} ({cal['uncertain_fpr']:.0%} validation FPR). Calibration: Platt, "
        f"p = sigmoid({fmt(cal['a'], 4)} * logit + {fmt(cal['b'], 4)}), fitted on validation.\n"
    )
    add(
        f"**FPR on held-out human code at the shipped threshold: {fmt(held['human_fpr_at_threshold'], 4)}** "
        f"({held['overall']['confusion']['fp']} of {held['overall']['n_human']} human test samples flagged). "
        f"Expected calibration error on test: {fmt(ch['reliability_test']['ece'][0])}.\n"
    )
    return L


def real_code(c: Card) -> list[str]:
    """The FPR on real open-source human code (all projects, and held-out projects)."""
    ch = c.ch
    L, add = section()
    xh = ch.get("external_human")
    # A model trained on real-project code saw some of these projects: only held-out ones count.
    if xh and not ch.get("n_train_by_source", {}).get("realcode"):
        add(
            f"**FPR on real open-source human code** (pre-2021 releases of {xh['projects']} projects, "
            f"{xh['n']} functions, {', '.join(f'{k} {v}' for k, v in xh['languages'].items())}; not from any "
            f"training source): **{fmt(xh['fpr_at_llm_threshold'], 3)}** flagged `llm`, "
            f"{fmt(xh['fraction_at_or_above_uncertain'], 3)} at least `uncertain`; with docstrings "
            f"{fmt(xh['fpr_with_docstring'], 3)} (n={xh.get('n_with_docstring', 'n/a')}), without "
            f"{fmt(xh['fpr_without_docstring'], 3)}. This, not the held-out figure, is the better estimate of how often the model would wrongly flag a library author.\n"
        )
    rh = ch.get("realcode_heldout")
    if rh:
        add(
            f"**FPR on held-out real-project human functions** ({len(rh['projects'])} projects never used for "
            f"training or calibration: {', '.join(rh['projects'])}; {rh['n']} functions): "
            f"**{fmt(rh['fpr_at_llm_threshold'], 4)}** flagged `llm`, {fmt(rh['fraction_at_or_above_uncertain'], 3)} "
            "at least `uncertain`. Per project: "
            + ", ".join(f"{k} {fmt(v, 3)}" for k, v in rh["fpr_by_project"].items())
            + ".\n"
        )
    return L
