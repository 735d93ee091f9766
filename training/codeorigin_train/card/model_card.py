"""The model card, in the sections of "Model Cards for Model Reporting" (Mitchell et al., 2019),
every figure from a model folder's `metrics.json` and `manifest.json`: the headline tables
(`headline`), then one function per section (`SECTIONS`); at most 200 lines (a test holds it).

    python -m codeorigin_train.card.model_card models/default   # writes its MODEL_CARD.md
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from codeorigin_train.card import analysis
from codeorigin_train.card.headline import headline, held_out_agents
from codeorigin_train.card.parts import Card, count, fmt, language, section, short
from codeorigin_train.card.parts import and_list as _and
from codeorigin_train.card.targets import targets

RECORD = "docs/research/model-card-record.md"  # the record of what was measured and not shipped
RECALL_BAR = 0.30  # a language is judged where it catches this share (`fit.stacker`'s min_recall)


def _title(c: Card) -> list[str]:
    """The name, what it returns, the one thing to remember, and where the record is."""
    name = c.manifest.get("name") or f"codeorigin {c.m['chosen_variant']}"
    judged = c.judged()
    langs = (
        f" It judges {_and([language(x) for x in judged])}; every other language gets no verdict."
        if judged
        else ""
    )
    fmt_v = c.manifest.get("format_version")
    L, add = section(f"# {name}: model card\n")
    add(f"`{name}`{f' (manifest format {fmt_v})' if fmt_v else ''} gives each function of "
        "code a calibrated probability that an LLM or a coding agent wrote it." + langs + " It "
        "flags little and misses much: **a flag is a reason to look, never proof**. Every figure "
        "here is rendered from this folder's `metrics.json` and `manifest.json`; what was "
        "measured, tried and not shipped, with its figures, is in the research record "
        f"([{RECORD}](../../{RECORD})).\n")  # fmt: skip
    return L


def _model_details(c: Card) -> list[str]:
    """What the model is: members, stacker, route, thresholds, size and speed."""
    man, ch = c.manifest, c.ch
    sc = ch.get("config", {})
    L, add = section("## Model details\n")
    add(f"- **Transformer** `{c.m['chosen_variant']}`: {sc.get('layers', '?')}-layer encoder, hidden "
        f"{sc.get('hidden', '?')}, byte-level BPE of {sc.get('vocab_size', '?')} tokens, trained "
        f"from scratch; windows of {c.max_len} "
        "tokens, half-overlapping, logits averaged.")  # fmt: skip
    stacker = man.get("stacker") or {}
    linear = (man.get("stacking") or {}).get("linear") or {}
    if stacker:
        feats = (linear.get("config") or {}).get("features") or {}
        w = stacker.get("weights", {})
        add(f"- **Linear member**: {linear.get('description', 'logistic regression')}, hashed "
            f"into 2^{feats.get('bucket_bits', '?')} buckets (feature version "
            f"{feats.get('version', '?')}). **Stacker**: logistic regression on both logits "
            f"(weights: transformer {w.get('transformer', 0):.2f}, linear "
            f"{w.get('linear', 0):.2f}) and the language, then Platt scaling.")  # fmt: skip
    route = man.get("route") or {}
    if route:
        rw = (route.get("stacker") or {}).get("weights", {})
        bound = (man.get("stacking") or {}).get("route") or {}
        donor = next((g for g in (man.get("grafted") or {}).values() if g.get("routes")), None)
        if donor:  # the route is a donor's (`graft --routes`): its record is the donor's
            bound = (donor.get("stacking") or {}).get("route") or {}
        added = [x for x in (man.get("route_languages") or {}).get("languages") or []
                 if x in route.get("languages", [])]  # `codeorigin-train route-languages`
        own = [x for x in route.get("languages", []) if x not in added]
        add(f"- **Route for {route['name']}** ({_and([language(x) for x in own])}"
            + (f", grafted from `{Path(str(donor.get('folder'))).name}`" if donor else "")
            + (f"; {_and([language(x) for x in added])}, read by `codeorigin-train "
               "route-languages` at a term of its own held on people's project code"
               if added else "") + "): a domain "
            "model on the linear member's features, trained on people's code only, sends a "
            f"function that reads as repository code (domain logit >= {route['gate']:.2f}) to "
            f"a stacker of its own (linear {rw.get('linear', 0):.2f}, transformer "
            f"{rw.get('transformer', 0):.2f}), thresholded at "
            f"{100 * bound.get('max_fpr', 0):.2f}% of {bound.get('project_humans', 0):,} "
            "project humans; a function is flagged when the stacker or the route flags it.")  # fmt: skip
    fitted = (man.get("language_stacks") or {}).get("languages") or {}
    for stack in man.get("stacks") or []:
        sw = (stack.get("stacker") or {}).get("weights", {})
        with_route = ", route for project code" if stack.get("route") else ""
        if (r := fitted.get(stack.get("name"))) is not None:
            name = language(str(stack["name"]))
            add(f"- **Stack for {name}** (format version 5, `codeorigin-train language-stack`): "
                f"a linear member of the recipe above fitted on {name} alone (out-of-fold AUROC "
                f"{r['out_of_fold_auroc']:.3f} over {r['folds']} folds of whole repositories), "
                f"Platt-scaled on those logits, the labels weighed alike (linear "
                f"{sw.get('linear', 0):.2f} on this folder's calibration; the transformer's "
                "weight 0: it was not trained on the language).")  # fmt: skip
            continue
        langs = stack.get("languages", [])
        silent = [x for x in langs if x in (man.get("abstain") or {})]
        said = (f", scoring {_and([language(x) for x in silent])} without judging them "
                "(`codeorigin-train stack-scored`)" if silent else "")  # fmt: skip
        add(f"- **Stack for {_and([language(x) for x in langs if x not in silent])}** "
            f"(format version 5, `codeorigin-train graft`{said}): its own linear member{with_route} "
            f"and stacker (transformer {sw.get('transformer', 0):.2f}, linear "
            f"{sw.get('linear', 0):.2f}, on this folder's calibration) replace the ones above "
            "there; the transformer is the same.")  # fmt: skip
    files = man.get("files") or {}
    mb = sum(f["bytes"] for f in files.values()) / 1e6
    size = f"{mb:.1f} MB in {len(files)} files; " if files else ""
    steps = (man.get("attribution") or {}).get("steps")
    add(f"- **Runtime**: {size}a 256-token window {c.lat['fp32']['median_ms']:.1f} ms through "
        "the transformer on one CPU thread"
        f"{f'; explanations by Integrated Gradients, {steps} steps' if steps else ''}. The "
        "text is normalised by `codeorigin.core.normalize`, the code training used.\n")  # fmt: skip
    return L


def _fixed(*lines: str) -> Callable[[Card], list[str]]:
    """A section whose text is the same for every model."""
    return lambda c: list(lines)


_intended_use = _fixed(
    "## Intended use\n",
    "- A hint for reviewers and teachers about which functions deserve a closer look, with the "
    "lines and tokens that drove the score. **Never a sole basis for accusing anyone** of using "
    "an LLM: a probability is not evidence of misconduct, and its errors grow outside the kinds "
    "of code it was trained on (Caveats).",
    "- Not for grading, hiring, disciplinary or legal decisions, for judging whole repositories "
    "or people, or for the languages it does not judge.\n",
)
_factors = _fixed(
    "## Factors\n",
    "The figures are broken down by what changes the model's errors most: the **language**; the "
    "**kind of code** (contest and exercise solutions, which most of its training data is, "
    "against code of real projects and repositories); **who wrote it** (which LLM or coding "
    "agent; each agent is also held out whole); the **era** (people's code before 2021, when "
    "no assistant wrote it, against newer repositories); and the **source**, held out whole "
    "(leave one source out). Formatting, renaming and editing by hand move scores too (the "
    "record's robustness analysis).\n",
)


def _metrics(c: Card) -> list[str]:
    """How the figures are measured and how the thresholds are set."""
    th = (c.manifest.get("thresholds") or {}).get("languages") or {}
    one: dict[str, Any] = next(iter(th.values()), {})
    fpr, conf = one.get("max_fpr", 0.01), one.get("confidence", 0.95)
    rule = (
        f"Each language's threshold flags at most {fpr:.0%} of its held-out human functions with "
        f"{conf:.0%} confidence, raised toward {fpr:.0%} of the human code of sources the linear "
        f"member never saw while the language still catches {RECALL_BAR:.0%} of its held-out LLM "
        "rows; a language that cannot is not judged. "
        if c.manifest.get("stacking")
        else "The threshold is the smallest that flags at most 1% of the validation humans. "
    )
    L, add = section("## Metrics\n")
    add("*Caught* is the share of LLM or agents' code flagged (recall) and *flagged* the share of "
        "people's code flagged (the false-positive rate), both at the shipped thresholds and "
        "given as counts. AUROC says how well the score ranks LLM code above people's, whatever "
        f"the threshold. {rule}Rates on a few hundred functions move by a point with one "
        "function.\n")  # fmt: skip
    return L


def _evaluation_data(c: Card) -> list[str]:
    """What the figures are measured on."""
    p = c.analysis("protocol")
    got = c.shipped()
    L, add = section("## Evaluation data\n")
    if not p or got is None:
        add("The held-out test split of the training dataset (projects and problems never "
            "trained on) and held-out real-project human functions.\n")  # fmt: skip
        return L
    loao = got[1].get("loao") or {}
    agents = sum(v.get("n_llm", 0) for v in loao.values())
    add(f"The evaluation protocol's pool: {p['pool_rows']:,} rows ({p['pool_judged']:,} in "
        f"languages the runtime reads) of `{p['dataset']}` and dated real-project human "
        "functions. **Main split**: the test split, grouped by problem, project and repository "
        "(never trained or calibrated on). **Leave one agent out**: each agent's functions and "
        f"its repositories held out whole ({agents:,} functions of "
        f"{_and([a.capitalize() for a in loao])}), against the people of the same repositories. **Leave one source out**: the linear member and stacker retrained "
        "without a source (the transformer saw every source, so it is not fully held out). "
        "**Context functions**: the untouched functions of the agents' own pull-request files. "
        "Scans: packages and libraries never trained on, scanned as a user would.\n")  # fmt: skip
    return L


def _training_data(c: Card) -> list[str]:
    """What each part was trained and calibrated on."""
    ds, st = c.ds, c.manifest.get("stacking") or {}
    sources = sorted({r["source"] for r in ds["counts"]})
    L, add = section("## Training data\n")
    real = (c.ch.get("n_train_by_source") or {}).get("realcode", 0)
    add(f"- **Transformer**: {ds['n']:,} functions of {len(sources)} public research datasets "
        f"({', '.join(sources)}), cleaned, deduplicated and split by problem or task group, and "
        f"{real:,} dated pre-2021 human functions of real projects ("
        f"{c.m['training']['n_train']:,} training rows).")  # fmt: skip
    if st:
        route = st.get("route") or {}
        add(f"- **Linear member, stacker and thresholds**: `{st.get('dataset', 'the pool')}`, "
            f"at most {st.get('train_cap', '?'):,} train rows per source and label, with the "
            "lines the agentic train repositories' changes added as more training text; the "
            f"stacker and Platt scaling on {st.get('rows', 0):,} rows (the validation split and "
            f"{st.get('crossfit_rows', 0):,} agentic train rows cross-fitted by repository); "
            f"the thresholds' floor on {st.get('unseen_source_humans', 0):,} human rows of "
            "sources a linear member was fitted without."
            + (f" The route: {route.get('project_rows', 0):,} project rows, "
               f"{route.get('project_humans', 0):,} of them people's." if route else ""))  # fmt: skip
    if c.manifest.get("grafted"):  # the donor's pool holds both agentic folders
        add("- None of this repository's code, nor Cursor's changes, was used to train, calibrate "
            "or tune anything; Claude Code's changes (the second agentic folder) trained the "
            "grafted stack's donor only. None of the datasets' files is shipped.\n")  # fmt: skip
    else:
        add("- None of this repository's code, nor the pull requests of Claude Code or Cursor, "
            "was used to train, calibrate or tune anything; none of the datasets' files is "
            "shipped.\n")  # fmt: skip
    return L


def _auroc_rows(learners: dict[str, dict[str, Any]]) -> list[tuple[str, list[Any]]]:
    """(held-out rows, each learner's AUROC there) for the ranking table."""
    agents = list(dict.fromkeys(a for r in learners.values() for a in (r.get("loao") or {})))
    rows = [(f"{a.capitalize()}'s code, the agent held out, against its repositories' people",
             [((r.get("loao") or {}).get(a) or {}).get("auroc") for r in learners.values()])
            for a in agents]  # fmt: skip
    rows.append(("the agents' repositories, left out in 5 folds",
                 [((r.get("lro") or {}).get("all") or {}).get("auroc") for r in learners.values()]))  # fmt: skip
    for key, what in (("test", "contest and exercise code"), ("agentic_test", "the agentic test "
                                                               "repositories")):  # fmt: skip
        rows.append((f"main split: {what}",
                     [((r.get("main") or {}).get(key) or {}).get("auroc") for r in learners.values()]))  # fmt: skip
    rows.append(("leave one source out, mean over the sources",
                 [(r.get("loso") or {}).get("mean_auroc") for r in learners.values()]))  # fmt: skip
    return [(what, cells) for what, cells in rows if cells[-1] is not None]


def _quantitative(c: Card) -> list[str]:
    """AUROC against the references, the route's ranking, unseen sources, era, the analyses."""
    L, add = section("## Quantitative analyses\n")
    got = c.shipped()
    if got is not None:
        every = c.analysis("protocol")["learners"]
        name, r = got
        picked = {
            n: every[n]
            for n in dict.fromkeys([next(iter(every)), "char-ngram", name])
            if n in every
        }
        add("How well the score ranks LLM code above people's (AUROC; 0.5 is chance): the "
            "shipped model against the character n-gram reference and the protocol's first "
            "learner:\n")  # fmt: skip
        add("| held out | " + " | ".join(f"`{short(n)}`" for n in picked) + " |")
        add("|---|" + "---:|" * len(picked))
        for what, cells in _auroc_rows(picked):
            add(f"| {what} | " + " | ".join(fmt(x) for x in cells) + " |")
        add("")
        L += _route_ranking(c) + _unseen_sources(r) + _era(r)
    for tool in (c.m.get("card") or {}).get("analyses") or []:
        if tool in analysis.TOOLS:
            L += analysis.TOOLS[tool](c)
    return L


def _route_ranking(c: Card) -> list[str]:
    route = c.analysis("route")
    aurocs = {a: ((v.get("by_language") or {}).get(lang) or {}).get("auroc")
              for a, v in (route.get("loao") or {}).items() for lang in route.get("languages", [])}  # fmt: skip
    if not any(aurocs.values()):
        return []
    said = ", ".join(f"{a.capitalize()} {fmt(x)}" for a, x in aurocs.items())
    return [f"The route's own score ranks the held-out agents' "
            f"{_and([language(x) for x in route['languages']])} code "
            f"at AUROC {said}.", ""]  # fmt: skip


def _unseen_sources(r: dict[str, Any]) -> list[str]:
    folds = (r.get("loso") or {}).get("folds") or {}
    if not folds:
        return []
    said = ", ".join(f"{s} {count(round(f['fpr'] * f['n_human']), f['n_human'])}"
                     for s, f in folds.items() if f.get("fpr") is not None)  # fmt: skip
    return ["People's code of a source held out whole (the linear member and stacker retrained "
            f"without it), flagged: {said}. The thresholds hold for the people they were set "
            "on, not for a new style of code.", ""]  # fmt: skip


def _era(r: dict[str, Any]) -> list[str]:
    years = (((r.get("main") or {}).get("era") or {}).get("by_year")) or {}
    if not years:
        return []
    said = ", ".join(f"{y} {count(round(v['fpr'] * v['n']), v['n'])} (mean {fmt(v['mean_p'], 2)})"
                     for y, v in years.items())  # fmt: skip
    return ["Era control, people's held-out code by year, flagged (mean probability): "
            f"{said}. A model that learned the date would flag the newest people most.", ""]  # fmt: skip


_ethics = _fixed(
    "## Ethical considerations\n",
    "- A flag can be a false accusation, and it falls hardest on people whose code looks like "
    "what assistants write: short canonical solutions, contest scripts of a site it never saw, "
    "tidy typed helpers in newer repositories (the headline's rows). A score is a probability "
    "about text, not a finding about a person.",
    "- Not flagged is no evidence that a person wrote it: it misses most agents' code.",
    "- It runs offline, on the user's machine: the code it reads leaves nowhere. It was trained "
    "on public research datasets and public repositories' code and ships none of it.\n",
)


def _change_words(change: dict[str, Any] | None) -> str:
    """How a whole change's verdict and a commit's functions are judged, in a few words."""
    if not change:
        return "uncalibrated (no `change` in the manifest)"
    fitted = change.get("fitted_on") or {}
    changes = fitted.get("changes") or {}
    said = (f"calibrated on {changes.get('agents', 0)} agents' changes and "
            f"{changes.get('people', 0)} people's commits of the validation repositories") if changes else "calibrated"  # fmt: skip
    commits = change.get("commits")
    if commits:
        said += (f"; `scan` flags the functions one commit wrote together at "
                 f"{100 * commits['llm']:.1f}%, a bound that rests on {fitted.get('people_commits', 0)} "
                 "people's commits only")  # fmt: skip
    return said


def _caveats(c: Card) -> list[str]:
    """What it cannot do, and how to use it anyway."""
    change = _change_words(c.manifest.get("change"))
    L, add = section("## Caveats and recommendations\n", "### Limitations\n")
    got = c.shipped()
    caught, flagged = held_out_agents(got[1], c.analysis("route")) if got else (None, None)
    if caught and flagged:
        add(f"- **Coding agents' code** is its weak point: with each agent held out it catches "
            f"{count(*caught)} of the agents' functions and flags {count(*flagged)} of their "
            "repositories' people; what it catches clusters in a few repositories.")  # fmt: skip
    folds = ((got[1].get("loso") or {}).get("folds") or {}) if got else {}
    worst = max(folds.items(), key=lambda kv: kv[1].get("fpr") or 0, default=None)
    if worst:
        add("- **A new style of people's code** (a contest site, a course, a codebase it never "
            "saw) can be flagged well above the rates it was calibrated for: up to "
            f"{100 * worst[1]['fpr']:.1f}% of a source held out whole ({worst[0]}).")  # fmt: skip
    add("- **Edits move scores**: formatters, renaming and hand edits change what it reads; "
        "mixed human and LLM code gets one score per function.")  # fmt: skip
    add("- The transformer member trained on every source of its dataset, so leaving a source out "
        f"is not fully held out for it. A whole change's verdict (`scan --diff`) is {change}.\n")  # fmt: skip
    add("### Recommendations\n")
    add("- Read a flag as a reason to look: open the lines that weigh most (the hover, `codeorigin "
        "explain`), the code's history and its author's account before judging anything.")  # fmt: skip
    add("- On a repository with a history, set thresholds on its own code (`codeorigin "
        "calibrate`); for other code (a course's exercises, a contest site), count the flags on a "
        "sample of its people's code first: the thresholds hold for the people they were set on.\n")  # fmt: skip
    return L


def _record(c: Card) -> list[str]:
    """Where the rest is."""
    return ["## The record\n",
            "Every section of what was measured, tried and not shipped (the route's variants, the "
            "recipes over the stacked model, the transformer's bake-off, the analyses, the "
            f"runtime's budgets, how it was reproduced) is in [{RECORD}](../../{RECORD}). To build "
            "a candidate of this model from a fresh clone: `training/README.md`, \"From a fresh "
            "clone to a candidate of the shipped model\"."]  # fmt: skip


SECTIONS = (
    _title,
    headline,
    targets,
    _model_details,
    _intended_use,
    _factors,
    _metrics,
    _evaluation_data,
    _training_data,
    _quantitative,
    _ethics,
    _caveats,
    _record,
)


def render(m: dict[str, Any], manifest: dict[str, Any] | None = None) -> str:
    """The card's markdown: every section of `SECTIONS` in order."""
    c = Card.of(m, manifest)
    return "\n".join(line for part in SECTIONS for line in part(c)).rstrip("\n") + "\n"


def write_card(metrics: dict[str, Any], path: Path) -> Path:
    """Render the card from `metrics` (and the manifest beside `path`) into `path`."""
    manifest = path.parent / "manifest.json"
    got = json.loads(manifest.read_text(encoding="utf-8")) if manifest.exists() else {}
    path.write_text(render(metrics, got), encoding="utf-8")
    return path


def write_folder_card(model: Path) -> Path:
    """A model folder's `MODEL_CARD.md` again, from its `metrics.json` and `manifest.json`."""
    metrics = json.loads((model / "metrics.json").read_text(encoding="utf-8"))
    return write_card(metrics, model / "MODEL_CARD.md")


def main(argv: list[str] | None = None) -> int:
    """`MODEL`: write MODEL's card."""
    import argparse

    p = argparse.ArgumentParser(prog="python -m codeorigin_train.card.model_card")
    p.add_argument("model", type=Path, help="a model folder with metrics.json (and manifest.json)")
    args = p.parse_args(argv)
    if not (args.model / "metrics.json").is_file():
        p.error(f"{args.model} holds no metrics.json")
    path = write_folder_card(args.model)
    print(f"wrote {path} ({path.read_text(encoding='utf-8').count(chr(10))} lines)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
