"""`codeorigin calibrate`'s report in words (`calibration.Measurement`): the table per language
and what it means, the commits' figures, the agent set by agent and by how it came."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from codeorigin.core import bound
from codeorigin.core.verdicts import percent, percents, plural
from codeorigin.scan import snapshot
from codeorigin.scan.calibration import CUTOFF, EVIDENCE, MIN_RANKED, Measurement


def _rate(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"


def _agents(m: Measurement) -> list[str]:
    """The agent set by agent, and the line on its functions from squash merges, where it has
    any."""
    agents: defaultdict[str, int] = defaultdict(int)
    for lang in m.languages.values():
        for a, n in lang.agents.items():
            agents[a] += n
    lines = ["", "Agent set by agent: " + ", ".join(f"{a} {n}" for a, n in sorted(agents.items()))]
    rows = [r for r in m.rows() if r["agent_squash_merged"]]
    if not rows:
        return lines if agents else []
    without = [f"{r['language']} {r['auroc_without_squash_merges']:.3f}" for r in rows
               if r["auroc_without_squash_merges"] is not None]  # fmt: skip
    return [*lines, "Of it, from squash merges of pull requests: " + ", ".join(
        f"{r['language']} {r['agent_squash_merged']} of {r['agent']}" for r in rows)
        + " (a squash merge's marker may stand for only some of the pull request's commits, so "
        "some of their lines may be people's; the figures above count them)"
        + (f"; the AUROC without them: {', '.join(without)}." if without else ".")]  # fmt: skip


def _own(r: dict[str, Any]) -> str:
    """The prefix of a row's figures at the threshold `--write` would record."""
    return "bounded" if r["basis"] == "baseline" else "reference"


def _unsigned(m: Measurement) -> list[str]:
    """What each threshold flags of the functions changed since the cut-off that no agent
    signed (today's code, most of what a scan judges, of unknown authorship), beside what it
    flags of the baseline."""
    said = []
    for r in m.rows():
        at = []
        if r["unsigned_flagged"] is not None:
            at.append(f"{_rate(r['unsigned_flagged'])} at the model's threshold (the baseline: "
                      f"{_rate(r['baseline_flagged'])})")  # fmt: skip
        if r["own_unsigned_flagged"] is not None:
            at.append(f"{_rate(r['own_unsigned_flagged'])} at the threshold --write records "
                      f"(the baseline: {_rate(r[_own(r) + '_baseline_flagged'])})")  # fmt: skip
        if r["unsigned"] and at:
            said.append(f"{r['language']} {r['unsigned']:,}: {', '.join(at)}")
    if not said:
        return []
    return ["", f"Flagged of the functions changed since {CUTOFF.isoformat()} that no agent "
            f"signed (in neither set, of unknown authorship): {'; '.join(said)}. Where far more "
            "of them are flagged than of the baseline, either agents wrote code no commit "
            "signed, or today's people score higher than those of before: nothing here tells "
            "which."]  # fmt: skip


def _notes(m: Measurement) -> list[str]:
    """Below the table: where there is too little to rank, what each threshold flags of the
    unsigned new code, and which languages --write leaves out, and why."""
    lines: list[str] = []
    few = [f"{r['language']} {r['agent']}" for r in m.rows()
           if r["auroc"] is None and 0 < r["agent"] < MIN_RANKED and r["baseline"]]  # fmt: skip
    if few:
        lines += ["", f"No AUROC where the agent set has fewer than {MIN_RANKED} functions (too "
                  f"few to rank): {', '.join(few)}."]  # fmt: skip
    lines += _unsigned(m)
    for r in (r for r in m.rows() if r["weak"] and r["model_abstains"]):
        at = _own(r)
        t, caught, flagged = r[f"{at}_threshold"], r[f"{at}_agent_caught"], r[f"{at}_baseline_flagged"]
        lines += ["", f"{r['language']}: --write leaves it out: at {percent(t)} it would catch "
                  f"{_rate(caught)} of the {r['agent']:,} agent-signed functions and flag "
                  f"{_rate(flagged)} of the baseline, so a flag would be less than {EVIDENCE} "
                  "times likelier an agent's function than a person's here. The model stays "
                  "silent on it."]  # fmt: skip
    return lines


def render_text(m: Measurement) -> str:
    """The table and what it means, per language."""
    head = [f"codeorigin calibrate: {m.root} at {m.commit[:10]}, model {m.model}",
            f"human baseline: functions whose every line was written before {CUTOFF.isoformat()} "
            f"(git blame's author dates){snapshot.heading(m.snapshot)}",
            "agent set: functions whose lines come mostly from commits an agent signed"]  # fmt: skip
    lines = [*head, "", f"{'language':<16} {'judged':>7} {'baseline':>9} {'agent':>6} "
             f"{'threshold':>10} {'baseline flagged':>17} {'agent caught':>13} {'AUROC':>6}  "
             "bounded threshold (1% of the baseline, 95% confidence)"]  # fmt: skip
    for r in m.rows():
        auc = "-" if r["auroc"] is None else f"{r['auroc']:.3f}"
        if r["basis"] == "baseline":
            own = (f"{percent(r['bounded_threshold'])} (flags {_rate(r['bounded_baseline_flagged'])} "
                   f"of the baseline, catches {_rate(r['bounded_agent_caught'])} of the agent set)")  # fmt: skip
        elif r["basis"] == "reference":
            own = (f"reference {percent(r['reference_threshold'])} (flags "
                   f"{_rate(r['reference_baseline_flagged'])} of the baseline, catches "
                   f"{_rate(r['reference_agent_caught'])} of the agent set)")  # fmt: skip
        else:
            own = f"needs {r['needed']:,} more baseline functions ({bound.needed()} in all)"
        model = "abstains" if r["model_abstains"] else percent(r["threshold"])
        lines.append(f"{r['language']:<16} {r['functions']:>7,} {r['baseline']:>9,} "
                     f"{r['agent']:>6,} {model:>10} "
                     f"{_rate(r['baseline_flagged']):>17} {_rate(r['agent_caught']):>13} "
                     f"{auc:>6}  {own}")  # fmt: skip
    lines += _notes(m)
    for r in m.rows():  # a bound below the model's threshold flags more of the people's code
        t, own = r["threshold"], r["bounded_threshold"]
        if own is not None and t is not None and own < t and r["agent"]:
            gained = round((r["bounded_agent_caught"] - (r["agent_caught"] or 0)) * r["agent"])
            now, then = _rate(r["bounded_baseline_flagged"]), _rate(r["baseline_flagged"])
            flags = (f"it flags as much of this repository's old code ({now})" if now == then
                     else f"it flags more of this repository's old code ({now} instead of {then})")  # fmt: skip
            kept = (f" --write keeps the model's: a flag between the two would be less than "
                    f"{EVIDENCE} times likelier an agent's function than a person's here."
                    if r["weak"] else "")  # fmt: skip
            lines += ["", f"{r['language']}: the bounded threshold ({percent(own)}) is below the "
                      f"model's ({percent(t)}): {flags} and catches {gained} more of its "
                      f"{r['agent']} agent-signed functions.{kept}"]  # fmt: skip
    lines += snapshot.said(m.snapshot, m.rows())
    lines += _by_commit(m)
    referenced = [r for r in m.rows() if r["basis"] == "reference"]
    if referenced:
        ref = next(lang.reference for lang in m.languages.values() if lang.reference is not None)
        lines += ["", f"A reference threshold ({', '.join(r['language'] for r in referenced)}) "
                  "needs no dated baseline: it sits a margin above the median score of the "
                  f"language's judged functions here (at least {ref.min_functions}), a margin "
                  f"that flagged at most 1% of the people of {ref.repositories} repositories the "
                  "model never saw (95% confidence). A repository where agents wrote much of the "
                  "code has a higher median: the threshold misses more there, it does not flag "
                  "more people."]  # fmt: skip
    silent = [r["language"] for r in m.rows() if r["model_abstains"]]
    if silent:
        lines += ["", f"The model alone does not judge {', '.join(silent)}: a threshold that "
                  "holds people's code to 1% catches too little there, or too few people were "
                  "held out to bound one. A bounded threshold above, written "
                  "with --write, has scan and the server judge the language's functions in this "
                  "repository alone (not its module code, which nothing here measures); the AUROC "
                  "says how well the model ranks this repository's agent-signed functions above "
                  "its people's there."]  # fmt: skip
        near = [f"{r['language']} {percent(r['bounded_uncertain'])}" for r in m.rows()
                if r.get("bounded_uncertain") is not None and not r["weak"]]  # fmt: skip
        if near:
            lines.append(f"--write also records where its uncertain band starts, above all but 5% "
                         f"of the baseline (with 95% confidence): {', '.join(near)}.")  # fmt: skip
    if not m.languages:
        lines.append("(no judged function: nothing to measure)")
    elif not any(lang.baseline for lang in m.languages.values()):
        lines += ["", f"No judged function was written before {CUTOFF.isoformat()} (the history "
                  "starts after it, or every older line was changed since): there is no human "
                  "baseline to measure the false-positive rate or to bound a threshold on."]  # fmt: skip
    lines += _agents(m)
    if m.undated:
        lines += ["", f"{plural(m.undated, 'judged function')} with lines not committed yet "
                  "are in neither set."]  # fmt: skip
    lines += ["", "The baseline is dated, not verified: a little of the code of 2021-07 to "
              "2022-06 may have had completion help. An agent marker proves an agent took part in "
              "a commit; a function without one is in neither set. Measured in "
              f"{m.seconds:.1f} s."]  # fmt: skip
    return "\n".join(lines)


def _by_commit(m: Measurement) -> list[str]:
    """What judging each commit's functions together (`scan`'s, at the model's threshold for
    them) adds here, per language it judges: the baseline flagged and the agent set caught."""
    rows = [r for r in m.rows() if "baseline_flagged_with_commits" in r
            or "agent_caught_with_commits" in r]  # fmt: skip
    if not m.commit_threshold or not rows:
        return []
    said = []
    for r in rows:
        words = [f"flags {_rate(r['baseline_flagged_with_commits'])} of the baseline"
                 f"{' dated by blame' if r['baseline_snapshot'] else ''} (alone "
                 f"{_rate(r['blamed_flagged'])})" if "baseline_flagged_with_commits" in r else "",
                 f"catches {_rate(r['agent_caught_with_commits'])} of the agent set (alone "
                 f"{_rate(r['agent_caught'])})" if "agent_caught_with_commits" in r else ""]  # fmt: skip
        said.append(f"{r['language']}: " + ", ".join(w for w in words if w))
    return ["", f"With each commit's functions judged together (scan pools them, at "
            f"{percent(m.commit_threshold)} for the model): " + "; ".join(said) + ".",
            *_commit_threshold(m)]  # fmt: skip


def _commit_threshold(m: Measurement) -> list[str]:
    """What this repository's people's commits say of the threshold for a commit's functions:
    `Of its 14 people's commits of before 2022-06-21 that wrote two or more judged functions,
    the highest pools to 93.5%, ...`."""
    c = m.commits()
    if c is None:
        return []
    n = c["people_commits"]
    if not n:
        return [f"No commit of before {CUTOFF.isoformat()} wrote two or more of the judged "
                f"functions: the model's threshold for a commit's functions stays."]  # fmt: skip
    commits = plural(n, "people's commit")
    if c["basis"] == "highest":
        highest, own = percents(c["highest"], c["threshold"])
    else:
        highest, own = percent(c["highest"]), percent(c["threshold"] or 0.0)
    head = (f"Of this repository's {commits} of before {CUTOFF.isoformat()} that wrote two or "
            f"more judged functions, the highest pools to {highest}")  # fmt: skip
    agents = ""
    if c["agent_commits"] and c["threshold"] is not None:
        agents = (f"; it catches {_rate(c['own_agent_caught'])} of its "
                  f"{plural(c['agent_commits'], 'agent-signed commit')} (the model's: "
                  f"{_rate(c['agent_caught'])})")  # fmt: skip
    model = percent(c["model_threshold"])
    ranked = [] if c["auroc"] is None else [
        f"Pooled, its {plural(c['agent_commits'], 'agent-signed commit')} rank above those "
        f"people's commits at an AUROC of {c['auroc']:.3f}."]  # fmt: skip
    return [*_commit_verdict(c, head, own, model, agents), *ranked]


def _commit_verdict(c: dict[str, Any], head: str, own: str, model: str, agents: str) -> list[str]:
    """The sentence on the repository's threshold for a commit's functions (`_commit_threshold`)."""
    if c["basis"] == "baseline":
        return [f"{head}; bounded at 1% of them with 95% confidence, this repository's threshold "
                f"for a commit's functions is {own} (the model's {model}): --write records "
                f"it{agents}."]  # fmt: skip
    if c["basis"] == "highest":
        return [f"{head}, at or above the model's {model} for a commit's functions: --write "
                f"raises this repository's to {own}, just above it ({c['needed']:,} more such "
                f"commits would bound it){agents}."]  # fmt: skip
    return [f"{head}, under the model's {model} for a commit's functions: it stays."]
