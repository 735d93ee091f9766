"""The within-repository tables (`evaluation.within`) in markdown, for the protocol and the card."""

from __future__ import annotations

from functools import partial
from typing import Any

from codeorigin_train.card.parts import fmt, pct

_pct = partial(pct, none="–")
_num = partial(fmt, none="–")


def _mid(s: dict[str, Any] | None, show=_num) -> str:
    """A spread as "median (p25 to p75)"."""
    if not s:
        return "–"
    return f"{show(s['median'])} ({show(s['p25'])} to {show(s['p75'])})"


HEAD = ("| {what} | repositories | AUROC, median (quartiles) | recall at the threshold | "
        "humans flagged | recall at the repository's own threshold | its humans flagged |")  # fmt: skip
RULE = "|---|---:|---|---|---|---|---|"


def row(name: str, s: dict[str, Any]) -> str:
    return (f"| {name} | {s['repos']} | {_mid(s['auroc'])} | {_mid(s['recall'], _pct)} | "
            f"{_mid(s['fpr'], _pct)} | {_mid(s['own_recall'], _pct)} | {_mid(s['own_fpr'], _pct)} |")  # fmt: skip


def pooled_table(by: dict[str, Any], what: str) -> list[str]:
    lines = [f"| {what} | agent functions (judged) | human functions | repositories | "
             "within-repository pair AUROC | recall at the threshold | humans flagged |",
             "|---|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
    for name, v in by.items():
        p = v["pooled"]
        judged = "–" if p["judged_agent"] is None else f"{100 * p['judged_agent']:.0f}%"
        lines.append(f"| {name} | {p['agent']:,} ({judged}) | {p['human']:,} | "
                     f"{v['repos_with_agent']} | {_num(p['pair_auroc'])} | {_pct(p['recall'])} | "
                     f"{_pct(p['fpr'])} |")  # fmt: skip
    return lines


def reference_tables(got: dict[str, Any], label: str) -> list[str]:
    """Recall and people flagged at the repositories' reference thresholds, where the folder has
    a margin (`codeorigin-train reference`): per repository, then pooled per language."""
    ref = got.get("reference")
    if ref is None:
        return []
    out = ["", f"After `codeorigin calibrate --write` in a repository with no dated baseline: "
           f"the reference threshold, {ref['margin']:+.2f} logits above the median of the "
           f"repository's judged functions of a language where it has {ref['min_functions']}+ "
           "of them (in every language), the model's own threshold elsewhere.", "",
           "| agents | repositories | recall, median (quartiles) | humans flagged |",
           "|---|---:|---|---|"]  # fmt: skip
    units = [("all", got["all"])]
    units += [(label.format(name), v["all"]) for name, v in got.get("loao", {}).items()]
    out += [f"| {name} | {s['repos']} | {_mid(s.get('ref_recall'), _pct)} | "
            f"{_mid(s.get('ref_fpr'), _pct)} |" for name, s in units]  # fmt: skip
    out += ["", "| language | agent functions | human functions | recall at the reference "
            "threshold | humans flagged |", "|---|---:|---:|---:|---:|"]  # fmt: skip
    for name, v in got["by_language"].items():
        q = v["pooled"]
        rate = q.get("ref_fpr")
        flagged = "–" if rate is None else f"{_pct(rate)} ({round(rate * q['human'])})"
        out.append(f"| {name} | {q['agent']:,} | {q['human']:,} | {_pct(q.get('ref_recall'))} | "
                   f"{flagged} |")  # fmt: skip
    return out


def markdown(learner: str, got: dict[str, Any]) -> list[str]:
    """One learner's within-repository tables."""
    a = got["all"]
    folder = got["judged"] == "test repositories"  # a model folder, never retrained
    where = ("the agentic corpus' test repositories, which it never trained on" if folder
             else f"{got['judged']} of whole repositories, and once per agent left out")  # fmt: skip
    out = [f"#### {learner}: within a repository ({where}; "
           f"{got['repos_judged']} repositories judged)", "",
           "Per repository with 30+ human and 5+ agent functions: the median over "
           "repositories and the quartiles (a function the model does not judge is not flagged). "
           "The repository's own threshold is set on half of "
           f"its humans (bounded at 1%/95% in {a['own_bounded']} of {a['repos']}, above the "
           "half's highest human elsewhere) and its false-positive rate measured on the other half.",
           "", HEAD.format(what="agents"), RULE, row("all", a)]  # fmt: skip
    label = "{}'s repositories" if folder else "leave {} out"
    out += [row(label.format(name), v["all"]) for name, v in got.get("loao", {}).items()]
    out += reference_tables(got, label)
    out += ["", *pooled_table(got["by_language"], "language"), ""]
    out += [*pooled_table(got["by_agent"], "agent"), ""]
    if got.get("by_found"):
        out += ["How the agents' changes were found (the corpus' provenance; a squash merge "
                "carries the trailers of every commit of its pull request, so some of its lines "
                "may be people's):", "", *pooled_table(got["by_found"], "found by"), ""]
    c, e = got["change"], got["era"]
    out.append(f"Change level (an agent change's functions against the human commits of the "
               f"same repository, mean probability): pair AUROC {_num(c['pair_auroc'])} over "
               f"{c['agent_changes']} agent changes and {c['human_commits']} human commits.")  # fmt: skip
    years = ", ".join(f"{y} {v['mean_p']:.2f} ({_pct(v['flagged'])}, n={v['n']})"
                      for y, v in e["by_year"].items())  # fmt: skip
    slope = "–" if e["slope_per_year"] is None else f"{e['slope_per_year']:+.4f}"
    langs = ", ".join(f"{lang} {v['slope_per_year']:+.4f} (n={v['n']})"
                      for lang, v in (e.get("by_language") or {}).items())  # fmt: skip
    within = f" Within one language (the judged ones): {langs}." if langs else ""
    out += ["", f"Era control, held-out human functions by year (mean probability, flagged): "
            f"{years}; slope {slope} per year over {e['n']} functions.{within}", ""]  # fmt: skip
    return out
