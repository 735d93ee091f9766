"""The model card's headline: what the shipped model catches and whom it flags, on code it never
saw, by kind of code and by language. The figures are the protocol's shipped learner's
(`Card.shipped`), with `analysis.route`'s counts where the route for project code flags more (a
span is flagged when the stacker or the route flags it, so those are the whole model's),
`analysis.scans` and `manifest.json`'s thresholds; without protocol figures, the transformer's
own held-out split. `card.within`'s tables follow when the shipped learner carries them. Where the
folder was measured as it ships (`protocol --own-card`, `analysis.own`), its own figures replace
the learner's main split, era-matched code and within-repository tables: scored as the server
scores it, its route and stacks (`codeorigin-train graft`) included.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from codeorigin_train.card import results, within
from codeorigin_train.card.abstained import not_judged
from codeorigin_train.card.parts import Card, count, language, pct, section, short
from codeorigin_train.card.parts import and_list as _and
from codeorigin_train.card.units import case_rows, cases, modules

HEADING = "## What it catches and whom it flags, on code it never saw"

Pair = tuple[int, int] | None  # (flagged, of)


def _pair(g: dict[str, Any] | None, rate: str, n: str) -> Pair:
    """(flagged, of) from a rate and its count (`recall` of `n_llm`, `fpr` of `n_human`)."""
    if not g or g.get(rate) is None or not g.get(n):
        return None
    return round(g[rate] * g[n]), g[n]


def _counted(g: dict[str, Any] | None) -> Pair:
    """(flagged, of) of a route or scan record, `{"n": ..., "flagged": ...}`."""
    return (g["flagged"], g["n"]) if g and g.get("n") else None


def _cell(p: Pair) -> str:
    return "–" if p is None else count(*p)


def _total(pairs: list[tuple[int, int]]) -> Pair:
    """The pairs summed, or None of none."""
    return (sum(k for k, _ in pairs), sum(n for _, n in pairs)) if pairs else None


def _caught_flagged(mine: dict[str, Any], theirs: dict[str, Any]) -> tuple[Pair, Pair]:
    """(agents' code caught, people flagged): the route's counts `theirs`, else the rates `mine`."""
    return (_counted(theirs.get("agent")) or _pair(mine, "recall", "n_llm"),
            _counted(theirs.get("human")) or _pair(mine, "fpr", "n_human"))  # fmt: skip


def _history(r: dict[str, Any], key: str) -> Pair:
    """The context functions of one kind of repository (`dated`, `new`), over every fold."""
    parts = [((v or {}).get("context") or {}) for v in (r.get("loao") or {}).values()]
    parts.append((r.get("main") or {}).get("agentic_context") or {})
    got = [(g["flagged"], g["n"]) for p in parts if (g := (p.get("by_history") or {}).get(key))]
    return _total(got)


def kinds(r: dict[str, Any], route: dict[str, Any], scans: list[dict[str, Any]],
          manifest: dict[str, Any] | None = None) -> list[str]:  # fmt: skip
    """The table by kind of code: (label, LLM or agents' code caught, people's code flagged);
    `manifest`'s test cases (`case_floor`) among them."""
    main, rm = r.get("main") or {}, route.get("main") or {}
    test = main.get("test") or {}
    sources = len(main.get("test_by_source") or {})
    real = main.get("realcode_fpr_by_language") or {}
    rows: list[tuple[str, Pair, Pair]] = [(
        f"contest and exercise code: held-out problems of {sources} sources",
        _counted((rm.get("test") or {}).get("llm")) or _pair(test, "recall", "n_llm"),
        _counted((rm.get("test") or {}).get("human")) or _pair(test, "fpr", "n_human"),
    )]  # fmt: skip
    if real:
        flagged = sum(round(g["fpr"] * g["n"]) for g in real.values())
        mine = (flagged, sum(g["n"] for g in real.values()))
        rows.append((f"real-project code of held-out projects, {len(real)} languages (people's, "
                     "released before 2021)", None, _counted(rm.get("realcode")) or mine))  # fmt: skip
    for agent, v in (r.get("loao") or {}).items():
        theirs = (route.get("loao") or {}).get(agent) or {}
        rows.append((f"the agent never seen: {agent.capitalize()}'s code, against its "
                     "repositories' people", *_caught_flagged(v, theirs)))  # fmt: skip
    agentic, ra = main.get("agentic_test") or {}, rm.get("agentic_test") or {}
    if agentic:
        rows.append(("the agentic test repositories: agents' code, against their people",
                     *_caught_flagged(agentic, ra)))  # fmt: skip
    context = route.get("context") or {}
    for key, label in (("dated", "code beside the agents' changes, repositories with a history "
                        "before 2021"), ("new", "the same in newer repositories (authorship "
                                         "unknown: much of it is assistants')")):  # fmt: skip
        got = _counted(context.get(key)) or _history(r, key)
        if got:
            rows.append((label, None, got))
    rows += [(label, (a, n), (b, m)) for label, a, n, b, m in case_rows(manifest)]
    rows += [(f"scanned: {s['code']}", None, _counted(s)) for s in scans]
    out = ["| code | LLM or agents' code caught | people's code flagged |", "|---|---:|---:|"]
    return out + [f"| {label} | {_cell(a)} | {_cell(b)} |" for label, a, b in rows]


def held_out_agents(r: dict[str, Any], route: dict[str, Any]) -> tuple[Pair, Pair]:
    """Leaving each agent out, summed over the agents: (their code caught, their repositories'
    people flagged), the route's counts where it has them."""
    pairs = [_caught_flagged(v, (route.get("loao") or {}).get(agent) or {})
             for agent, v in (r.get("loao") or {}).items()]  # fmt: skip
    return _total([c for c, _ in pairs if c]), _total([f for _, f in pairs if f])


def _agents(r: dict[str, Any], route: dict[str, Any], language: str) -> Pair:
    """A language's agent functions caught leaving each agent out, over the agents."""
    got: list[tuple[int, int]] = []
    for agent, v in (r.get("loao") or {}).items():
        theirs = ((route.get("loao") or {}).get(agent) or {}).get("by_language") or {}
        mine = ((v.get("by_language") or {}).get(language)) or {}
        pair = _counted((theirs.get(language) or {}).get("agent")) or _pair(mine, "recall", "n_llm")
        if pair:
            got.append(pair)
    return _total(got)


def _grafted_agents(c: Card, language: str, key: str = "caught", of: str = "agent") -> Pair:
    """A grafted language's agent functions caught (or, with `key="flagged", of="human"`, their
    people flagged), its donor retrained without each agent (`graft-loao`), over the agents."""
    folds = [*(c.analysis("graft_loao").get("agents") or {}).values(),
             *(c.analysis("language_stack_loao").get("agents") or {}).values()]
    got = [(f[key], f[of]) for v in folds
           if (f := (v.get("by_language") or {}).get(language)) and f.get(of)]  # fmt: skip
    return _total(got)


def languages(c: Card, r: dict[str, Any], route: dict[str, Any]) -> list[str]:
    """The table by language (those the model judges), and the languages it does not judge."""
    thresholds = (c.manifest.get("thresholds") or {}).get("languages") or {}
    judged = sorted(c.judged(), key=language)
    if not judged:
        return []
    main = r.get("main") or {}
    recall = main.get("llm_recall_by_language") or {}
    real = main.get("realcode_fpr_by_language") or {}
    out = [
        "| language | threshold | LLM code caught, test split | people flagged, held-out real "
        "projects | people flagged, sources its linear member never saw | agents' code caught, "
        "the agent never seen |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    stacked = stacked_languages(c)
    loao = set(c.analysis("graft_loao").get("routes") or [])
    stacked.update({x: "route" for g in (c.manifest.get("grafted") or {}).values()
                    for x in g.get("routes") or [] if x in loao})  # fmt: skip
    for lang in judged:
        t = thresholds[lang]
        unseen = t.get("unseen_source_humans") or {}
        seen = (round(unseen["fpr"] * unseen["functions"]), unseen["functions"]) if unseen else None
        caught = pct(recall.get(lang), none="–")
        agents = _grafted_agents(c, lang) if lang in stacked else _agents(r, route, lang)
        out.append(f"| {language(lang)} | {100 * t['llm']:.1f}% | {caught} | "
                   f"{_cell(_pair(real.get(lang), 'fpr', 'n'))} | {_cell(seen)} | "
                   f"{_cell(agents)} |")  # fmt: skip
    note = (
        f"Test-split recall is the stacker's; the route for {route['name']} adds the agents' "
        "code counted above. "
        if route.get("name") and not c.analysis("own").get("result")
        else ""
    )
    said = (_grafted(c) + _route_languages(c) + _language_stacks(c) + modules(c) + cases(c)
            + not_judged(c))  # fmt: skip
    return [*out, "", note + said, ""]


def _language_stacks(c: Card) -> str:
    """Which languages a stack of their own judges (`codeorigin-train language-stack`), what it
    was fitted on and how its threshold was bounded; "" if none."""
    thresholds = (c.manifest.get("thresholds") or {}).get("languages") or {}
    stacks = ((c.manifest.get("language_stacks") or {}).get("languages") or {}).items()
    said = [
        f"{language(x)} by a linear member fitted on {language(x)} alone ({r['train']['agents']:,} "
        f"agents' and {r['train']['people']:,} people's functions of "
        f"{r['train']['repositories']} train repositories), its threshold bounded on "
        f"{t['functions']:,} people's functions of {t['repositories']} repositories it never "
        f"trained on (out of fold, and the validation split), where the validation agents' "
        f"functions it catches are {r['validation']['caught']} of {r['validation']['agents']:,}"
        for x, r in stacks
        if (t := thresholds.get(x))
    ]
    if not said:
        return ""
    loao = c.analysis("language_stack_loao")
    held = [x for x, _ in stacks if x in (loao.get("languages") or [])]
    folds = (loao.get("agents") or {}).items()
    refused = [f"without {_agent(a)} it is refused for {language(x)} ({f['abstained']})"
               for a, v in folds for x, f in (v.get("by_language") or {}).items()
               if f.get("abstained")]  # fmt: skip
    last = (
        "Its last cell, leave one agent out: the stack fitted again without each of "
        f"{_and([_agent(a) for a, _ in folds])} in turn (its repositories held out whole; "
        "`codeorigin-train language-stack-loao`) and scored on that agent's repositories, where "
        "it flags "
        + _and([f"{language(x)} {_cell(_grafted_agents(c, x, 'flagged', 'human'))}" for x in held])
        + " of their people's functions"
        + (f"; {'; '.join(refused)}, so that agent's functions count as not caught" if refused
           else "")
        + ". "
        if held
        else "No agent was held out from it, so its last cell is empty. "
    )
    return (f"Judged by a stack of its own (`codeorigin-train language-stack`): {'; '.join(said)}. "
            + last)  # fmt: skip


def _route_languages(c: Card) -> str:
    """Which languages the route for project code was given after it was made
    (`codeorigin-train route-languages`), at what term and on what people's code; "" if none."""
    thresholds = (c.manifest.get("thresholds") or {}).get("languages") or {}
    added = [str(x) for x in (c.manifest.get("route_languages") or {}).get("languages") or []]
    held = [
        f"{language(x)}'s at {f['term']:+.2f} logits ({f['functions']:,} functions of "
        f"{f['repositories']} repositories and releases; it flags {f['flags']}, the stacker "
        f"alone {f['base_flags']}"
        + (f"; its uncertain threshold raised from {100 * f['uncertain_before']:.1f}% to "
           f"{100 * f['uncertain']:.1f}%" if f["uncertain"] > f["uncertain_before"] else "")
        + ")"
        for x in added
        if (f := thresholds.get(x, {}).get("route_people"))
    ]
    if not held:
        return ""
    return (
        f"The route for project code reads {_and([language(x) for x in added])} too "
        "(`codeorigin-train route-languages`: its member and stacker as they are, a term of the "
        "language's own), at the largest term at which it flags no more of people's project "
        "code of every era than the stacker alone and holds it at the language's bound (the "
        "real-project releases and the dated repositories' code beside the agents' changes, "
        "train and validation splits, outside repositories where Claude Code has changes but "
        f"for what stood in their dated snapshot: {'; '.join(held)}); code it does not take "
        "(contest and exercise code) scores as before, and its last cell is the stacker's: no "
        "agent was held out from the route's member. "
    )


def _intro(name: str, route: dict[str, Any], own: dict[str, Any]) -> str:
    with_route = (
        f", with the counts of its route for {route['name']} where it flags more "
        f"({route.get('measured', 'date not recorded')})"
        if route.get("name")
        else ""
    )
    measured = own.get("measured", "date not recorded")
    figures = (
        "The held-out splits, the era-matched code and the within-repository tables are this "
        f"folder's own, scored as the server scores it ({measured}); the rows of an agent never "
        f"seen are those of `{short(name)}` in the evaluation protocol's leave-one-agent-out "
        f"part, its recipe retrained without each agent{with_route}."
        if own
        else f"The figures are those of `{short(name)}` in the evaluation protocol{with_route}."
    )
    return (
        "On rows the model never trained or calibrated on: held-out projects, problems and "
        "repositories, and agents held out whole. *Caught*: LLM or agents' code flagged; "
        f"*flagged*: people's code flagged, at the shipped thresholds. {figures}\n"
    )


def _own(
    c: Card, r: dict[str, Any], route: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The learner's results and the route's counts with the folder's own measurement
    (`analysis.own`) in place of what it measured; (r, route, own), own {} without one. The
    route's counts of those parts go: the folder's are the whole model's already."""
    own = c.analysis("own")
    mine = own.get("result") or {}
    if not mine:
        return r, route, {}
    r = {**r, **{k: mine[k] for k in ("main", "within") if mine.get(k)}}
    if (mine.get("main") or {}).get("agentic_context"):  # the era-matched code: its own alone
        r["loao"] = {a: {**v, "context": None} for a, v in (r.get("loao") or {}).items()}
    return r, {**route, "main": {}, "context": {}}, own


def stacked_languages(c: Card) -> dict[str, str]:
    """The languages a stack scores (`codeorigin-train graft`), with the stack's name, and the
    editor's aliases grafted beside them (TSX: scored by the TypeScript stack, its threshold the
    donor's)."""
    out = {lang: str(s.get("name", "")) for s in c.manifest.get("stacks") or []
           for lang in s.get("languages") or []}  # fmt: skip
    for name, g in (c.manifest.get("grafted") or {}).items():
        out.update({x: str(name) for x in g.get("languages") or [] if x not in out})
    return out


def _grafted_route(g: dict[str, Any], donor: str) -> str:
    """What a route grafted alone (`graft --routes`) does, and how it was held."""
    routes = [str(x) for x in g.get("routes") or []]
    if not routes:
        return ""
    lowered = [
        f"{language(x)}'s by {-f['shift']:.2f} logits ({f['functions']:,} functions of "
        f"{f['repositories']} repositories)"
        for x in routes
        if (f := (g.get("route_floor") or {}).get(x) or {}).get("lowered")
    ]
    people = [
        f"{language(x)}'s to {f['shift']:.2f} logits ({f['functions']:,} functions of "
        f"{f['repositories']} repositories and releases; it flags {f['flags']}, the base "
        f"{f['base_flags']}), its uncertain threshold raised from "
        f"{100 * f['uncertain_before']:.1f}% to {100 * f['uncertain']:.1f}% to hold them at 5%"
        for x in routes
        if (f := (g.get("people_floor") or {}).get(x))
    ]
    return (
        f"The route for project code of {_and([language(x) for x in routes])} is grafted from "
        f"`{donor}` too, mapped so that it flags at this folder's threshold where it flagged at "
        "the donor's: code it does not take (contest and exercise code) scores as before"
        + (
            "; lowered to hold the code beside the agents' changes in older repositories of the "
            f"train and validation splits under the same bound ({'; '.join(lowered)})"
            if lowered
            else ""
        )
        + (
            "; lowered until it flags no more of people's project code of every era than the "
            "base did (the real-project releases and the dated repositories' code beside the "
            "agents' changes, train and validation splits, outside repositories where Claude Code "
            f"has changes but for what stood in their dated snapshot: {'; '.join(people)})"
            if people
            else ""
        )
        + ". "
    )


def _grafted(c: Card) -> str:
    """What the languages scored by a stack come from, and how their thresholds were set."""
    out = []
    thresholds = (c.manifest.get("thresholds") or {}).get("languages") or {}
    for name, g in (c.manifest.get("grafted") or {}).items():
        langs = [x for x in g.get("languages") or [] if x in thresholds]
        donor = Path(str(g.get("folder") or g.get("from") or name)).name
        out.append(_grafted_route(g, donor))
        routes = [str(x) for x in g.get("routes") or []]
        if routes and set(routes) <= set(c.analysis("graft_loao").get("languages") or []):
            out.append(_held_out(c, routes, len(routes) == 1, "the donor's recipe (its route; "
                                 "the base's stacker, which scores beside it, is not retrained)"))  # fmt: skip
        if not langs:
            continue
        one = len(langs) == 1
        sets = [f"{language(x)} {thresholds[x].get('functions', 0):,}" for x in langs]
        raised, people = (
            [
                f"{language(x)} to {100 * f['threshold']:.1f}%: {f['functions']:,} functions of "
                f"{f['repositories']} repositories"
                for x in langs
                if (f := thresholds[x].get(key) or {}).get("raised")
            ]
            for key in ("context_floor", "people_floor")
        )
        bound = thresholds[langs[0]]
        out.append(
            f"{_and([language(x) for x in langs])} {'is' if one else 'are'} scored by a stack "
            f"grafted from `{donor}` (`codeorigin-train graft`), a model whose linear member and "
            "stacker were trained on the agentic corpus' train repositories of every agent: "
            f"{'its threshold was' if one else 'each threshold was'} set on held-out human "
            f"functions ({_and(sets)}; {100 * float(bound.get('max_fpr', 0.01)):.0f}% with "
            f"{100 * float(bound.get('confidence', 0.95)):.0f}% confidence)"
            + (
                " and raised to hold the code beside the agents' changes in older repositories of "
                f"the train and validation splits under the same bound ({'; '.join(raised)})"
                if raised
                else ""
            )
            + (
                f"{', then' if raised else ' and raised'} to hold people's project code of every "
                f"era{', on which the route was held,' if g.get('people_floor') else ''} under "
                f"the same bound ({'; '.join(people)})"
                if people
                else ""
            )
            + ". "
            + _held_out(c, langs, one)
        )
    return "".join(out)


def _agent(name: str) -> str:
    """An agent's id as a reader writes it: `Claude Code` for `claude-code`."""
    return " ".join(w.capitalize() for w in name.split("-"))


def _held_out(c: Card, langs: list[str], one: bool, what: str = "the donor's recipe") -> str:
    """How the grafted languages' "agent never seen" cells were measured, or that they were not;
    `what` is what the folds retrained."""
    g = c.analysis("graft_loao")
    agents = list(g.get("agents") or {})
    if not agents or not set(langs) <= set(g.get("languages") or []):
        return f"No agent is held out from it, so {'its' if one else 'their'} last cell is not measured. "
    people = [f"{language(x)} {_cell(_grafted_agents(c, x, 'flagged', 'human'))}" for x in langs]
    unjudged = []
    for agent, v in (g.get("agents") or {}).items():
        off = [language(x) for x in langs
               if ((v.get("by_language") or {}).get(x) or {}).get("abstained")]  # fmt: skip
        if off:
            unjudged.append(f"without {_agent(agent)} the recipe "
                            + (f"does not judge {off[0]}" if len(off) == 1 else
                               f"judges neither {', '.join(off[:-1])} nor {off[-1]}"))  # fmt: skip
    return (f"{'Its' if one else 'Their'} last cell, leave one agent out: {what} "
            "retrained without each of "
            f"{_and([_agent(a) for a in agents])} in turn (its repositories and code held out "
            "whole), grafted the same way and scored on that agent's repositories "
            f"(`codeorigin-train graft-loao`); those repositories' people flagged: {_and(people)}"
            + (f"; {'; '.join(unjudged)} (its own bound or recall bar), so that agent's "
               "functions there count as not caught" if unjudged else "")
            + ". ")


def headline(c: Card) -> list[str]:
    """The section: by kind of code, by language, and within a repository when measured."""
    L, add = section(HEADING + "\n")
    got = c.shipped()
    if got is None:  # a transformer's folder: its own held-out split
        add("No protocol figures are recorded for this model (`codeorigin-train protocol "
            "--card`); the transformer's own held-out split:\n")  # fmt: skip
        return L + results.heldout(c)[1:] + results.real_code(c)
    name, r = got
    r, route, own = _own(c, r, c.analysis("route"))
    add(_intro(name, route, own))
    L += [*kinds(r, route, c.analysis("scans").get("scans") or [], c.manifest), ""]
    L += languages(c, r, route)
    if r.get("within"):
        L += within.markdown("This folder" if own else short(name), r["within"])
    return L
