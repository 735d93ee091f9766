"""The protocol's figures per learner in markdown: what `codeorigin-train protocol` prints."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from codeorigin_train.card.parts import fmt, pct


def _cells(r: dict[str, Any] | None) -> str:
    if not r:
        return "n/a | n/a | n/a"
    return f"{fmt(r.get('auroc'))} | {pct(r.get('recall'))} | {pct(r.get('fpr'))}"


def _table(
    learners: dict[str, Any], first: str, keys: list[str], get: Callable[[dict, str], Any]
) -> list[str]:
    """A row per key, each learner's AUROC, recall and FPR of `get(learner, key)`."""
    names = list(learners)
    rows = [f"| {first} | " + " | ".join(f"{n}: AUROC | recall | FPR" for n in names) + " |",
            "|---|" + "---:|---:|---:|" * len(names)]  # fmt: skip
    for key in keys:
        rows.append(f"| {key} | " + " | ".join(_cells(get(learners[n], key)) for n in names) + " |")
    return rows


def _keys(learners: dict[str, Any], pick: Callable[[dict], dict]) -> list[str]:
    """The keys of `pick(learner)` over the learners, in the order first seen."""
    return list(dict.fromkeys(k for r in learners.values() for k in pick(r) or {}))


def _loao(r: dict[str, Any], agent: str) -> Any:
    return (r.get("loao") or {}).get(agent)


def _lro(r: dict[str, Any], key: str) -> Any:
    """Leave-repository-out figures over all languages (`all`), by language, or of one."""
    lro = r.get("lro") or {}
    return (
        lro.get(key) if key in ("all", "by_language") else (lro.get("by_language") or {}).get(key)
    )


def markdown(summary: dict[str, Any]) -> list[str]:
    """The section's lines after its heading."""
    L = summary["learners"]
    real = summary.get("pool_realcode")  # absent from summaries recorded before it was counted
    with_real = (
        "dated real-project human functions" if real is None
        else f"{real:,} dated real-project human functions" if real
        else "no dated real-project human functions (`codeorigin-train realcode` builds them)"
    )  # fmt: skip
    out = [
        f"Pool: {summary['pool_rows']:,} rows ({summary['pool_judged']:,} the runtime would judge) "
        f"from `{summary['dataset']}` and {with_real}. Each cell: AUROC, "
        "recall on LLM code at the learner's own threshold, and the false-positive rate on human "
        "code there. `char-ngram` is trained in each fold; a model folder is scored through the "
        "runtime as shipped and never retrained.",
        "",
        *([summary["notes"].rstrip("\n"), ""] if summary.get("notes") else []),
        "**Leave one agent out** (the agent's code out of training, its repositories held out "
        "whole; its functions against the human functions of the same repositories):",
        "",
        *_table(L, "held-out agent", _keys(L, lambda r: r.get("loao")), _loao),
        "",
        *_loao_languages(L),
        "**Leave repository out** over the agentic repositories (5 folds; by language of the "
        "function):",
        "",
        *_table(L, "language", ["all", *_keys(L, lambda r: _lro(r, "by_language"))], _lro),
        "",
    ]
    out += _loso(L) + _main(L) + _era(L) + _context(L)
    return out


def _loao_languages(L: dict[str, Any]) -> list[str]:
    """Leave one agent out by the language of the function, for the learners that report it."""
    out: list[str] = []
    for name, r in L.items():
        loao = r.get("loao") or {}
        if not any(isinstance(v, dict) and v.get("by_language") for v in loao.values()):
            continue
        out += [f"By language of the function ({name}; a language the model does not judge is "
                "never flagged):", "",
                "| held-out agent | language | agent functions | human functions | AUROC | recall | FPR |",
                "|---|---|---:|---:|---:|---:|---:|"]  # fmt: skip
        for agent, v in loao.items():
            for lang, g in sorted((v.get("by_language") or {}).items()):
                out.append(f"| {agent} | {lang} | {g['n_llm']} | {g['n_human']} | "
                           f"{_cells(g)} |")  # fmt: skip
        out.append("")
    return out


def _loso(L: dict[str, Any]) -> list[str]:
    trained = {n: r for n, r in L.items() if (r.get("loso") or {}).get("folds")}
    if not trained:
        return []
    out = [
        "**Leave one source out** (learners trained here; a shipped model saw every source):",
        "",
    ]
    out += _table(trained, "held-out source", _keys(trained, lambda r: r["loso"]["folds"]),
                  lambda r, k: r["loso"]["folds"].get(k))  # fmt: skip
    means = ", ".join(f"{n} {fmt(r['loso']['mean_auroc'])}" for n, r in trained.items())
    return [*out, "", f"Mean AUROC: {means}.", ""]


def _main(L: dict[str, Any]) -> list[str]:
    names = list(L)
    langs = _keys(L, lambda r: (r.get("main") or {}).get("realcode_fpr_by_language"))
    langs += [k for k in _keys(L, lambda r: (r.get("main") or {}).get("llm_recall_by_language"))
              if k not in langs]  # fmt: skip
    out = [
        "**Main split, per language**: held-out real-project human functions of test projects "
        "flagged (FPR, n), and recall on that language's LLM test rows:",
        "",
        "| language | " + " | ".join(f"{n}: real-project FPR | LLM recall" for n in names) + " |",
        "|---|" + "---:|---:|" * len(names),
    ]
    for lang in langs:
        cells = []
        for n in names:
            m = L[n].get("main") or {}
            fpr = (m.get("realcode_fpr_by_language") or {}).get(lang)
            rec = (m.get("llm_recall_by_language") or {}).get(lang)
            real = f"{pct(fpr['fpr'])} ({fpr['n']})" if fpr else "n/a"
            cells.append(f"{real} | {pct(rec)}")
        out.append(f"| {lang} | " + " | ".join(cells) + " |")
    out += ["", *_table(L, "held-out rows", ["test", "agentic_test"],
                        lambda r, k: (r.get("main") or {}).get(k)), ""]  # fmt: skip
    return out


def _era(L: dict[str, Any]) -> list[str]:
    out = [
        "**Era control** (held-out human functions of the main split that carry a date: "
        "false-positive rate and mean probability; a model that learned the date instead of the "
        "author flags the newest people most):",
        "",
        "| human code | " + " | ".join(f"{n}: n | FPR | mean p" for n in L) + " |",
        "|---|" + "---:|---:|---:|" * len(L),
    ]
    for part in ("by_year", "by_origin_year", "by_syntax"):
        for key in _keys(L, lambda r, p=part: ((r.get("main") or {}).get("era") or {}).get(p)):
            cells = []
            for r in L.values():
                c = (((r.get("main") or {}).get("era") or {}).get(part) or {}).get(key)
                cells.append(
                    f"{c['n']} | {pct(c['fpr'])} | {fmt(c['mean_p'])}" if c else "n/a | n/a | n/a"
                )
            out.append(f"| {key} | " + " | ".join(cells) + " |")
    return [*out, ""]


def _context(L: dict[str, Any]) -> list[str]:
    """The era-matched check, for the learners the protocol ran with the context functions."""
    keys = [(f"leave one agent out: {a}", ("loao", a)) for a in _keys(L, lambda r: r.get("loao"))]
    keys.append(("main split: agentic test repositories", ("main", None)))

    def get(r: dict[str, Any], where: tuple[str, str | None]) -> dict[str, Any] | None:
        part = r.get(where[0]) or {}
        got = (
            part.get("agentic_context")
            if where[1] is None
            else (part.get(where[1]) or {}).get("context")
        )
        return got if isinstance(got, dict) else None

    names = [n for n, r in L.items() if any(get(r, w) for _, w in keys)]
    if not names:
        return []

    def history(c: dict[str, Any], key: str) -> str:
        h = (c.get("by_history") or {}).get(key)
        return f"{h['flagged']} of {h['n']} ({fmt(h['mean_p'])})" if h else "n/a"

    out = [
        "**Era-matched human code** (the functions of the agents' own pull-request files that "
        "the pull requests left untouched: contemporary code of the same repositories, "
        "authorship unverified; `codeorigin-train agentic-context`): how well the held-out "
        "agents' functions rank above them (AUROC), and how many the threshold flags (mean "
        "probability) in repositories with a history before 2021 and in those created since, "
        "where assistants wrote much of the code around the agents':",
        "",
        "| held out | " + " | ".join(f"{n}: AUROC | flagged, dated repositories | flagged, newer "
                                      "repositories" for n in names) + " |",
        "|---|" + "---:|---:|---:|" * len(names),
    ]  # fmt: skip
    for label, where in keys:
        cells = []
        for n in names:
            c = get(L[n], where)
            cells.append(f"{fmt(c['auroc'])} | {history(c, 'dated')} | {history(c, 'new')}"
                         if c else "n/a | n/a | n/a")  # fmt: skip
        out.append(f"| {label} | " + " | ".join(cells) + " |")
    return [*out, ""]
