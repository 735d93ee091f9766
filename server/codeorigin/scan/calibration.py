"""`codeorigin calibrate`: the detector measured on a repository's own history.

Every judged function of the repository's files (a scan, as `codeorigin scan` judges them) is dated
by git blame: the newest *author* date among its lines (a rebase rewrites committer dates, not
author dates). Functions whose every line was written before `CUTOFF` (2022-06-21, when coding
assistants were not yet common) form the repository's human baseline: the same people, in the
same style, on the same code; so do the functions of the tree at HEAD's last commit before
`CUTOFF` that no such function repeats (`scan.snapshot`: edited since, or gone). Functions whose
lines come mostly from commits an agent signed (`core.markers`), and whose text that tree does not
hold (a move is not authorship), form its agent set. Per language it reports both sets' sizes, the model's own
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
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from codeorigin.core import bound, markers
from codeorigin.core.reference import Reference
from codeorigin.core.spans import FUNCTION_KINDS
from codeorigin.report.data import ScanReport, SpanReport
from codeorigin.scan import provenance
from codeorigin.scan.commits import probabilities

CUTOFF = markers.CUTOFF
#: The share of the baseline a language's own uncertain threshold holds (with 95% confidence),
#: where the model abstains on the language and has none: the model's are set at 5% likewise.
UNCERTAIN_FPR = 0.05
# The functions (or commits) each side of an AUROC needs: fewer rank nothing (the protocol's
# least agents' functions a repository); a single agent's function gave "0.425" in a repository.
MIN_RANKED = 5
JUDGED = ("llm", "uncertain", "human")
# A repository's threshold below the model's (or for a language the model does not judge) is
# written only where the flags it adds are evidence: where the agent set is large enough to tell
# (`MIN_MEASURED` functions), the share of it they catch must be `EVIDENCE` times the share of the
# baseline they flag (that share floored at one function). In nicklockwood/SwiftFormat, Swift's
# bound caught 1.2% of 323 agent-signed functions and flagged 0.7% of the baseline; in
# dotnet/BenchmarkDotNet, C#'s bound (77.0%, the model's 90.4%) caught none of 47 more and flagged
# 0.6% more: flags that say almost nothing. A threshold above the model's is always written.
EVIDENCE = 5
MIN_MEASURED = 30


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
    snapshot: int = 0  # the last of `baseline`: the tree at the cut-off's (`scan.snapshot`)
    agent_before: int = 0  # agent-signed, but their text stood in that tree: moved, not written
    # Functions changed since the cut-off that no agent signed: in neither set, but what the
    # repository's threshold will judge most of, so how much of it each threshold flags is said.
    unsigned: list[float] = field(default_factory=list)

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
               "auroc_without_squash_merges": _ranked(self.agent_own, self.baseline)
               if self.agent_squashed else None,
               "model_abstains": self.abstains,
               "threshold": None if self.abstains else round(t, 4),
               "baseline_flagged": fpr, "agent_caught": recall,
               "auroc": _ranked(self.agent, self.baseline),
               "bounded_threshold": None if bounded is None else round(bounded, 6),
               "needed": max(0, bound.needed() - len(self.baseline))}  # fmt: skip
        out["baseline_snapshot"], out["agent_known_before"] = self.snapshot, self.agent_before
        blamed = self.baseline[: len(self.baseline) - self.snapshot]  # only these have commits
        if fpr is not None and blamed:  # the tree at the cut-off's functions have no commit
            alone = sum(p >= t for p in blamed)
            out["blamed_flagged"] = alone / len(blamed)
            out["baseline_flagged_with_commits"] = (alone + self.baseline_by_commit) / len(blamed)
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
        own = written(out)
        out["weak"] = _weak(self.agent, self.baseline, own, math.inf if self.abstains else t)
        own = None if out["weak"] else own  # what `written` now gives: nothing
        out["unsigned"] = len(self.unsigned)
        out["unsigned_flagged"] = None if self.abstains else _share(self.unsigned, t)
        out["own_unsigned_flagged"] = None if own is None else _share(self.unsigned, own)
        return out


def _weak(agent: list[float], baseline: list[float], t: float | None, model: float) -> bool:
    """Whether the agent set shows that the flags `t` adds under the model's threshold `model`
    (inf where the model abstains) would be little evidence: too few of it caught for the share
    of the baseline flagged (`EVIDENCE`); False where it cannot tell, and for a raised threshold."""
    if t is None or t >= model or len(agent) < MIN_MEASURED or not baseline:
        return False
    flagged = max(sum(t <= p < model for p in baseline), 1) / len(baseline)
    return sum(t <= p < model for p in agent) / len(agent) < EVIDENCE * flagged


def _ranked(agent: list[float], people: list[float]) -> float | None:
    """The AUROC of the agent set against the people's, where each side has `MIN_RANKED`."""
    return bound.auroc(agent, people) if min(len(agent), len(people)) >= MIN_RANKED else None


def _share(scores: list[float], t: float) -> float | None:
    """The share of `scores` at or above `t`; None for none."""
    return sum(p >= t for p in scores) / len(scores) if scores else None


def written(row: dict[str, Any]) -> float | None:
    """The threshold `write` records for a language's figures: the bound on its baseline, else
    the reference threshold; None when it has neither, or where its agent set shows a flag
    there would be little evidence (`EVIDENCE`)."""
    if row.get("weak"):
        return None
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
    snapshot: tuple[str, str] | None = None  # the tree at the cut-off read: its commit and date

    def rows(self) -> list[dict[str, Any]]:
        """Each language's figures; none for one whose every file git could not blame (objects
        a mirror or partial clone lacks) and whose tree at the cut-off added nothing."""
        return [lang.figures() for k, lang in sorted(self.languages.items())
                if lang.functions or lang.baseline]  # fmt: skip

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
                "auroc": _ranked(agent, people),
                "needed": max(0, bound.needed() - len(people))}  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        return {"repository": str(self.root), "commit": self.commit, "model": self.model,
                "cutoff": CUTOFF.isoformat(), "date": self.today, "seconds": round(self.seconds, 1),
                "undated_functions": self.undated, "commit_threshold": self.commit_threshold,
                "snapshot": None if self.snapshot is None else
                {"commit": self.snapshot[0], "date": self.snapshot[1]},
                "languages": self.rows(), "commits": self.commits()}  # fmt: skip


def measure(report: ScanReport, root: Path, engine: Any, started: float,
            before: tuple[tuple[str, str], ScanReport] | None = None) -> Measurement:  # fmt: skip
    """The baseline and agent sets of a scan's judged functions (its files' paths relative to
    the current folder, as `scan` reports them), the scan made with `engine`, which scores the
    languages its model abstains on too (`Engine.measuring_every_language`); with `before` (the
    commit and date of the tree at the cut-off, and the same scan of it), that tree's functions
    join the baseline where no function of it has their text, and those of the agent set whose
    text the tree holds leave it."""
    abstain = engine.model.manifest.abstain
    cutoff = datetime(CUTOFF.year, CUTOFF.month, CUTOFF.day, tzinfo=timezone.utc).timestamp()
    langs: dict[str, Language] = {}
    undated = 0
    times: dict[str, int] = {}  # each commit's author time, of the files' blames
    signed: set[str] = set()
    seen: set[tuple[str, str]] = set()  # (language, text hash) of the baseline's functions
    agent_set: list[tuple[Language, SpanReport]] = []
    for f in report.files:
        judged = [s for s in f.spans if s.kind in FUNCTION_KINDS and s.verdict in JUDGED
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
            if max(c.author_time for c in commits if c is not None) < cutoff:
                lang.baseline.append(s.probability)
                lang.baseline_by_commit += s.with_commit is not None
                seen.add((f.language, s.text_hash))
            elif s.provenance is not None and s.provenance.share > 0.5:
                agent_set.append((lang, s))
            else:
                lang.unsigned.append(s.probability)
    # The tree's files that HEAD holds unchanged are not read again: their functions are in `seen`.
    old = set() if before is None else _add_snapshot(langs, before[1], seen) | seen
    for lang, s in agent_set:
        if (lang.language, s.text_hash) in old:
            lang.agent_before += 1  # its text stood in the tree at the cut-off: moved, not written
        else:
            _add_agent(lang, s)
    head = provenance.head(root) or ""
    by_commit = probabilities(report, engine.model.manifest)
    people = [p for sha, (p, _) in by_commit.items() if sha in times and times[sha] < cutoff]
    agent = [p for sha, (p, _) in by_commit.items() if sha in signed and times[sha] >= cutoff]
    return Measurement(root, head, engine.model.name, engine.model.manifest.digest, langs,
                       time.perf_counter() - started, undated,
                       commit_threshold=engine.model.manifest.change.commit_llm,
                       people_commits=people, agent_commits=agent,
                       snapshot=None if before is None else before[0])  # fmt: skip


def _add_agent(lang: Language, s: SpanReport) -> None:
    """A function of the agent set (its lines mostly from commits an agent signed)."""
    assert s.probability is not None and s.provenance is not None
    lang.agent.append(s.probability)
    lang.agent_by_commit += s.with_commit is not None
    lang.agents[s.provenance.agent] = lang.agents.get(s.provenance.agent, 0) + 1
    if s.provenance.pull_request is not None:
        lang.agent_squashed += 1
    else:
        lang.agent_own.append(s.probability)


def _add_snapshot(
    langs: dict[str, Language], report: ScanReport, seen: set[tuple[str, str]]
) -> set[tuple[str, str]]:
    """The judged functions of the tree at the cut-off, of the languages judged at HEAD, into
    their baselines, but those whose text a function of HEAD's baseline has; (language, text
    hash) of every judged function of the tree."""
    old: set[tuple[str, str]] = set()
    for f in report.files:
        lang = langs.get(f.language or "")
        if lang is None:
            continue
        for s in f.spans:
            if s.kind not in FUNCTION_KINDS or s.verdict not in JUDGED or s.probability is None:
                continue
            old.add((lang.language, s.text_hash))
            if (lang.language, s.text_hash) not in seen:
                lang.baseline.append(s.probability)
                lang.snapshot += 1
    return old


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
