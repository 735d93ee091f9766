"""`codeorigin calibrate`: the detector measured on a repository's own history.

Every judged function of the repository's files (a scan, as `codeorigin scan` judges them) is dated
by git blame: the newest *author* date among its lines (a rebase rewrites committer dates, not
author dates). Functions whose every line was written before `CUTOFF` (2022-06-21, when coding
assistants were not yet common) form the repository's human baseline: the same people, in the
same style, on the same code. Functions whose lines come mostly from commits an agent signed
(`core.markers`) form its agent set. Per language it reports both sets' sizes, the model's own
threshold's false-positive rate on the baseline and recall on the agent set, the AUROC between
them and, where the baseline is large enough, a threshold bounded at 1% of it with 95% confidence
(`core.bound`: a bound, not a quantile). `write` records those thresholds in the repository's
settings file, which `scan` and the server then use and name. A language the model abstains on
(its manifest's `abstain`) is measured too, at no threshold of the model's; with a bounded
threshold written, scan and the server judge it in this repository alone.

It pools the functions each commit wrote as `scan` does (`scan.commits`): what that adds on the
baseline and the agent set, and how high the repository's people's commits of before `CUTOFF`
pool. With enough of them (`core.bound`), their bound is the repository's threshold for a
commit's functions; with fewer, where the highest reaches the model's, `write` raises it just
above that one (never lower without a bound), and `scan` and the server use it and name it.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from codeorigin.core import bound, markers
from codeorigin.core.reference import Reference
from codeorigin.core.verdicts import percent, percents, plural
from codeorigin.report.data import ScanReport
from codeorigin.scan import provenance
from codeorigin.scan.commits import probabilities

CUTOFF = markers.CUTOFF
#: The share of the baseline a language's own uncertain threshold holds (with 95% confidence),
#: where the model abstains on the language and has none: the model's are set at 5% likewise.
UNCERTAIN_FPR = 0.05
JUDGED = ("llm", "uncertain", "human")


@dataclass
class Language:
    """One language's functions: the baseline's and the agent set's probabilities."""

    language: str
    functions: int = 0  # judged functions of the language
    baseline: list[float] = field(default_factory=list)
    agent: list[float] = field(default_factory=list)
    agents: dict[str, int] = field(default_factory=dict)  # agent -> functions
    # Agent-set functions whose signed commit squash-merged a pull request: its marker may stand
    # for only some of the pull request's commits.
    agent_squashed: int = 0
    agent_own: list[float] = field(default_factory=list)  # the agent set less those functions
    threshold: float = 1.0  # the model's own
    abstains: bool = False  # the model does not judge it (it has no threshold of the model's)
    judged: list[float] = field(default_factory=list)  # every judged function, dated or not
    reference: Reference | None = None  # the model's margin above the median of `judged`
    # Functions of each set under the model's threshold that their commit's functions, judged
    # together (`scan.commits`), flag.
    baseline_by_commit: int = 0
    agent_by_commit: int = 0

    def figures(self) -> dict[str, Any]:
        """What the report says of it: sizes, false-positive rate and recall at the model's
        threshold (none where the model abstains), AUROC, the bounded threshold or how many more
        baseline functions it needs."""
        t = self.threshold
        fpr = sum(p >= t for p in self.baseline) / len(self.baseline) if self.baseline else None
        recall = sum(p >= t for p in self.agent) / len(self.agent) if self.agent else None
        if self.abstains:
            fpr = recall = None
        bounded = bound.bounded_threshold(self.baseline)
        out = {"language": self.language, "functions": self.functions,
               "baseline": len(self.baseline), "agent": len(self.agent), "agents": self.agents,
               "agent_squash_merged": self.agent_squashed,
               "auroc_without_squash_merges": bound.auroc(self.agent_own, self.baseline)
               if self.agent_squashed else None,
               "model_abstains": self.abstains,
               "threshold": None if self.abstains else round(t, 4),
               "baseline_flagged": fpr, "agent_caught": recall,
               "auroc": bound.auroc(self.agent, self.baseline),
               "bounded_threshold": None if bounded is None else round(bounded, 6),
               "needed": max(0, bound.needed() - len(self.baseline))}  # fmt: skip
        if fpr is not None:
            out["baseline_flagged_with_commits"] = fpr + self.baseline_by_commit / len(self.baseline)
        if recall is not None:
            out["agent_caught_with_commits"] = recall + self.agent_by_commit / len(self.agent)
        if bounded is not None:
            out["bounded_baseline_flagged"] = _share(self.baseline, bounded)
            out["bounded_agent_caught"] = _share(self.agent, bounded)
            if self.abstains:  # the model has no uncertain threshold of its own for it either
                near = bound.bounded_threshold(self.baseline, UNCERTAIN_FPR) or bounded
                out["bounded_uncertain"] = round(min(near, bounded), 6)
        ref = self.reference.threshold(self.judged) if self.reference is not None else None
        out["reference_threshold"] = None if ref is None else round(ref, 6)
        out["reference_functions"] = len(self.judged)
        if ref is not None:
            out["reference_baseline_flagged"] = _share(self.baseline, ref)
            out["reference_agent_caught"] = _share(self.agent, ref)
        out["basis"] = ("baseline" if bounded is not None
                        else "reference" if ref is not None else None)  # fmt: skip
        return out


def _share(scores: list[float], t: float) -> float | None:
    """The share of `scores` at or above `t`; None for none."""
    return sum(p >= t for p in scores) / len(scores) if scores else None


def written(row: dict[str, Any]) -> float | None:
    """The threshold `write` records for a language's figures: the bound on its baseline, else
    the reference threshold; None when it has neither."""
    if row["basis"] == "baseline":
        return row["bounded_threshold"]
    return row.get("reference_threshold")


@dataclass
class Measurement:
    root: Path
    commit: str
    model: str
    digest: str
    languages: dict[str, Language]
    seconds: float = 0.0
    undated: int = 0  # judged functions with lines not committed yet
    commit_threshold: float | None = None  # the model's for a commit's functions together
    today: str = field(default_factory=lambda: date.today().isoformat())
    # The pooled probabilities of the commits that wrote two or more judged functions
    # (`scan.commits.probabilities`): people's, authored before `CUTOFF`, and agent-signed ones.
    people_commits: list[float] = field(default_factory=list)
    agent_commits: list[float] = field(default_factory=list)

    def rows(self) -> list[dict[str, Any]]:
        return [self.languages[k].figures() for k in sorted(self.languages)]

    def commits(self) -> dict[str, Any] | None:
        """What the repository's people's commits say of the threshold for a commit's functions
        judged together: bounded at 1% of them with 95% confidence where they are enough, else
        raised just above the highest of them where it reaches the model's (never lowered
        without a bound); None where the model has no such threshold."""
        t = self.commit_threshold
        if t is None:
            return None
        people, agent = self.people_commits, self.agent_commits
        bounded = bound.bounded_threshold(people)
        highest = max(people) if people else None
        own, basis = None, None
        if bounded is not None:
            own, basis = bounded, "baseline"
        elif highest is not None and highest >= t:
            own, basis = min(1.0, math.floor(highest * 1e6 + 1) / 1e6), "highest"
        return {"model_threshold": round(t, 6), "people_commits": len(people),
                "highest": highest,
                "people_flagged": _share(people, t), "agent_commits": len(agent),
                "agent_caught": _share(agent, t), "threshold": own, "basis": basis,
                "own_agent_caught": None if own is None else _share(agent, own),
                "auroc": bound.auroc(agent, people),
                "needed": max(0, bound.needed() - len(people))}  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        return {"repository": str(self.root), "commit": self.commit, "model": self.model,
                "cutoff": CUTOFF.isoformat(), "date": self.today, "seconds": round(self.seconds, 1),
                "undated_functions": self.undated, "commit_threshold": self.commit_threshold,
                "languages": self.rows(), "commits": self.commits()}  # fmt: skip


def measure(report: ScanReport, root: Path, engine: Any, started: float) -> Measurement:
    """The baseline and agent sets of a scan's judged functions (its files' paths relative to
    the current folder, as `scan` reports them), the scan made with `engine`, which scores the
    languages its model abstains on too (`Engine.measuring_every_language`)."""
    abstain = engine.model.manifest.abstain
    cutoff = datetime(CUTOFF.year, CUTOFF.month, CUTOFF.day, tzinfo=timezone.utc).timestamp()
    langs: dict[str, Language] = {}
    undated = 0
    times: dict[str, int] = {}  # each commit's author time, of the files' blames
    signed: set[str] = set()
    for f in report.files:
        judged = [s for s in f.spans if s.kind != "module" and s.verdict in JUDGED
                  and s.probability is not None]  # fmt: skip
        if not judged or f.language is None:
            continue
        lang = langs.setdefault(f.language, Language(f.language))
        lang.threshold = engine.model.manifest.thresholds.for_language(f.language)[0]
        lang.abstains = f.language in abstain
        lang.reference = engine.model.manifest.thresholds.reference
        lang.judged += [s.probability for s in judged if s.probability is not None]
        path = Path(f.path)
        try:
            blame = provenance.blame(path, path.read_text(encoding="utf-8"))
        except (provenance.ProvenanceError, OSError, UnicodeDecodeError):
            continue
        times |= {sha: c.author_time for sha, c in blame.commits.items()}
        signed |= {sha for sha, c in blame.commits.items() if c.signed is not None}
        for s in judged:
            lang.functions += 1
            commits = blame.of(s.runs)
            if any(c is None for c in commits):
                undated += 1
                continue
            assert s.probability is not None
            pooled = s.with_commit is not None
            if max(c.author_time for c in commits if c is not None) < cutoff:
                lang.baseline.append(s.probability)
                lang.baseline_by_commit += pooled
            elif s.provenance is not None and s.provenance.share > 0.5:
                lang.agent.append(s.probability)
                lang.agent_by_commit += pooled
                lang.agents[s.provenance.agent] = lang.agents.get(s.provenance.agent, 0) + 1
                if s.provenance.pull_request is not None:
                    lang.agent_squashed += 1
                else:
                    lang.agent_own.append(s.probability)
    head = provenance.head(root) or ""
    by_commit = probabilities(report, engine.model.manifest)
    people = [p for sha, (p, _) in by_commit.items() if sha in times and times[sha] < cutoff]
    agent = [p for sha, (p, _) in by_commit.items() if sha in signed and times[sha] >= cutoff]
    return Measurement(root, head, engine.model.name, engine.model.manifest.digest, langs,
                       time.perf_counter() - started, undated,
                       commit_threshold=engine.model.manifest.change.commit_llm,
                       people_commits=people, agent_commits=agent)  # fmt: skip


def _rate(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"


def _squashed(m: Measurement) -> list[str]:
    """The line on the agent set's functions from squash merges, where it has any."""
    rows = [r for r in m.rows() if r["agent_squash_merged"]]
    if not rows:
        return []
    without = [f"{r['language']} {r['auroc_without_squash_merges']:.3f}" for r in rows
               if r["auroc_without_squash_merges"] is not None]  # fmt: skip
    return ["Of it, from squash merges of pull requests: " + ", ".join(
        f"{r['language']} {r['agent_squash_merged']} of {r['agent']}" for r in rows)
        + " (a squash merge's marker may stand for only some of the pull request's commits, so "
        "some of their lines may be people's; the figures above count them)"
        + (f"; the AUROC without them: {', '.join(without)}." if without else ".")]  # fmt: skip


def render_text(m: Measurement) -> str:
    """The table and what it means, per language."""
    head = [f"codeorigin calibrate: {m.root} at {m.commit[:10]}, model {m.model}",
            f"human baseline: functions whose every line was written before {CUTOFF.isoformat()} "
            "(git blame's author dates)",
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
    for r in m.rows():  # a bound below the model's threshold flags more of the people's code
        t, own = r["threshold"], r["bounded_threshold"]
        if own is not None and t is not None and own < t and r["agent"]:
            gained = round((r["bounded_agent_caught"] - (r["agent_caught"] or 0)) * r["agent"])
            now, then = _rate(r["bounded_baseline_flagged"]), _rate(r["baseline_flagged"])
            flags = (f"it flags as much of this repository's old code ({now})" if now == then
                     else f"it flags more of this repository's old code ({now} instead of {then})")  # fmt: skip
            lines += ["", f"{r['language']}: the bounded threshold ({percent(own)}) is below the "
                      f"model's ({percent(t)}): {flags} and catches {gained} more of its "
                      f"{r['agent']} agent-signed functions."]  # fmt: skip
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
                  "with --write, has scan and the server judge the language in this repository "
                  "alone; the AUROC says how well the model ranks this repository's agent-signed "
                  "functions above its people's there."]  # fmt: skip
        near = [f"{r['language']} {percent(r['bounded_uncertain'])}" for r in m.rows()
                if r.get("bounded_uncertain") is not None]  # fmt: skip
        if near:
            lines.append(f"--write also records where its uncertain band starts, above all but 5% "
                         f"of the baseline (with 95% confidence): {', '.join(near)}.")  # fmt: skip
    if not m.languages:
        lines.append("(no judged function: nothing to measure)")
    elif not any(lang.baseline for lang in m.languages.values()):
        lines += ["", f"No judged function was written before {CUTOFF.isoformat()} (the history "
                  "starts after it, or every older line was changed since): there is no human "
                  "baseline to measure the false-positive rate or to bound a threshold on."]  # fmt: skip
    agents: defaultdict[str, int] = defaultdict(int)
    for lang in m.languages.values():
        for a, n in lang.agents.items():
            agents[a] += n
    if agents:
        lines += ["", "Agent set by agent: " + ", ".join(f"{a} {n}" for a, n in sorted(agents.items()))]
    lines += _squashed(m)
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
        words = [f"flags {_rate(r['baseline_flagged_with_commits'])} of the baseline (alone "
                 f"{_rate(r['baseline_flagged'])})" if "baseline_flagged_with_commits" in r else "",
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


def render_json(m: Measurement) -> str:
    return json.dumps(m.to_json(), indent=2)


def table(m: Measurement) -> str:
    """The `[calibration]` table `write` records (TOML)."""
    rows = [r for r in m.rows() if written(r) is not None]
    out = ["[calibration]  # written by `codeorigin calibrate --write`: run it again to renew",
           f'model = "{m.model}"', f'digest = "{m.digest[:16]}"', f'date = "{m.today}"',
           f'commit = "{m.commit[:10]}"', f'cutoff = "{CUTOFF.isoformat()}"']  # fmt: skip
    out += [_entry(r) + ("  # the model alone does not judge it: judged in this repository only"
                         if r["model_abstains"] else "") for r in rows]  # fmt: skip
    c = m.commits()
    if c is not None and c["threshold"] is not None:
        out.append(f"commits = {{ threshold = {c['threshold']}, commits = {c['people_commits']}, "
                   f"basis = \"{c['basis']}\" }}  # a commit's functions judged together")  # fmt: skip
    return "\n".join(out) + "\n"


def _entry(r: dict[str, Any]) -> str:
    """One language's line of the table: its threshold, what it rests on, its agent set."""
    if r["basis"] == "reference":
        return (f"{r['language']} = {{ threshold = {r['reference_threshold']}, basis = "
                f"\"reference\", functions = {r['reference_functions']}, agent = {r['agent']} }}")  # fmt: skip
    near = f", uncertain = {r['bounded_uncertain']}" if r.get("bounded_uncertain") is not None else ""
    return (f"{r['language']} = {{ threshold = {r['bounded_threshold']}{near}, functions = "
            f"{r['baseline']}, agent = {r['agent']} }}")  # fmt: skip


_TABLE = re.compile(r"^\[(?:tool\.codeorigin\.)?calibration\]")


def write(m: Measurement, settings: Path | None) -> Path:
    """Record the bounded thresholds in the repository's settings file: its `.codeorigin.toml`
    (made when it has none), or the `[tool.codeorigin]` of the pyproject.toml that holds its
    settings; an earlier calibration table is replaced, nothing else is touched."""
    target = settings if settings is not None else m.root / ".codeorigin.toml"
    text = target.read_text(encoding="utf-8") if target.exists() else ""
    kept: list[str] = []
    skipping = False
    for line in text.splitlines():
        if _TABLE.match(line.strip()):
            skipping = True
            continue
        if skipping and line.lstrip().startswith("["):
            skipping = False
        if not skipping:
            kept.append(line)
    new = table(m)
    if target.name == "pyproject.toml":
        new = new.replace("[calibration]", "[tool.codeorigin.calibration]", 1)
    body = "\n".join(kept).rstrip("\n")
    target.write_text((body + "\n\n" if body else "") + new, encoding="utf-8")
    return target
