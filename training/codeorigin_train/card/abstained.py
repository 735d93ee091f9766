"""The card's sentence on the languages a folder does not judge, and why: its own abstentions,
what a grafted stack's donor said of the languages it read, and the languages a grafted stack
scores without judging them (`codeorigin-train stack-scored`)."""

from __future__ import annotations

from typing import Any

from codeorigin_train.card.parts import Card, language
from codeorigin_train.card.parts import and_list as _and


def not_judged(c: Card) -> str:
    """Which languages get no verdict, and why, grouped by reason: the folder's own abstentions,
    then what a grafted stack's donor says of the languages it read and the graft left out."""
    why: dict[str, list[str]] = {}
    for lang, reason in sorted((c.manifest.get("abstain") or {}).items()):
        why.setdefault(_why(reason), []).append(language(lang))
    grafted = (c.manifest.get("grafted") or {}).values()
    donor = {k: v for g in grafted for k, v in (g.get("donor_abstain") or {}).items()}
    abstained = set(c.manifest.get("abstain") or {})
    for lang, reason in sorted((k, v) for k, v in donor.items()
                               if k not in c.judged() and k not in abstained):  # fmt: skip
        key = f"the grafted stack's donor read them: {_why(reason)}"
        why.setdefault(key, []).append(language(lang))
    judged = set(c.judged())  # a language judged since (`language-stack`) is not listed
    left = sorted({x for g in grafted for x in g.get("donor_judges_not_grafted") or []} - judged)
    if left:
        it = ("it", "it was") if len(left) == 1 else ("them", "they were")
        why[f"the grafted stack's donor judges {it[0]}; measured, {it[1]} not grafted (the "
            "research record)"] = [language(x) for x in left]  # fmt: skip
    said = "; ".join(f"{', '.join(langs)}: {reason}" for reason, langs in why.items())
    trained = c.manifest.get("languages")
    other = "; every other language: not trained on" if trained else ""
    return (f"Not judged (no verdict, no diagnostic; the hover says why): {said}{other}."
            + _scored(grafted))


def _scored(grafted: Any) -> str:
    """What `codeorigin-train stack-scored` recorded: the languages a grafted stack scores and
    does not judge, for a repository's own calibration, and how it ranks them within held-out
    repositories (the test split's, else the validation split's), beside the base that scored
    them before where there was one."""
    names, ranks = [], []
    for g in grafted:
        for lang, r in ((g.get("scored") or {}).get("languages") or {}).items():
            names.append(language(lang))
            split, t = _ranked(r.get("within") or {})
            if t is None:
                continue
            n = t["repositories"]
            was = ((r.get("base_within") or {}).get(split) or {}).get("pair_auroc")
            word = "validation" if split == "val" else split
            ranks.append(f"{language(lang)} {t['pair_auroc']:.3f} ({n} {word} "
                         f"{'repository' if n == 1 else 'repositories'}"
                         + (f"; the base {was:.3f})" if was is not None else ")"))  # fmt: skip
    if not names:
        return ""
    said = (" The grafted stack scores " + _and(names) + " all the same (`codeorigin-train "
            "stack-scored`), so that `codeorigin calibrate --write` can judge them in a repository "
            "with 299 of its own people's functions of before 2022-06-21")
    if ranks:
        said += ("; within held-out repositories it ranks agents' functions above their people's "
                 "at a pair AUROC of " + ", ".join(ranks))
    return said + "."


def _ranked(within: dict[str, Any]) -> tuple[str, dict[str, Any] | None]:
    """The split whose repositories a language's ranking is told on: test, else validation."""
    for split in ("test", "val"):
        t = within.get(split) or {}
        if t.get("pair_auroc") is not None:
            return split, t
    return "", None


def _why(reason: str) -> str:
    """A recorded abstention's reason in the card's words."""
    if "catches" in reason:
        return "at a threshold that keeps people's code under 1% it catches too little of their LLM code"
    if "cannot bound" in reason:
        return "too few held-out human functions to bound the false-positive rate"
    if "needs" in reason and "repositories" in reason:
        return "its held-out people come from too few repositories to bound the false-positive rate"
    return reason
