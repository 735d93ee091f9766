"""`scan --format markdown`: a reviewer's summary, for a pull-request comment or a CI job summary.

It opens with the change's own verdict (`scan --diff`) and the languages the model does not judge,
with their files; then a table of the spans judged `llm` or `uncertain`, flagged first and most
probable first (file:line, name, probability, verdict and, for a change only, the share of the span
it touched) and, for each flagged span, the three lines that weigh most in its explanation (`scan
--explain`'s, from Integrated Gradients). It ends with the reminder that a score is a
probability, not proof, and a link to the model card. The whole stays under `LIMIT` characters
(GitHub's comment limit is 65,536) however large the change: rows and explanations that do not fit
are left out, and it says how many.

`scan --format codeclimate` writes the same findings as a GitLab code-quality report (the Code
Climate JSON subset GitLab reads), so a merge request shows them in its widget.
"""

from __future__ import annotations

import json
from functools import partial
from typing import Any

from codeorigin.core.verdicts import VERDICT_WORDS, kind_words, percent, plural, share_percent
from codeorigin.report.data import FileReport, ScanReport, SpanReport, fingerprints
from codeorigin.report.explanation import code_span, escape_markdown
from codeorigin.report.summary import (
    headline,
    row_figures,
    shown_path,
    shown_probability,
    threshold_words,
)
from codeorigin.report.tallies import repository_summaries
from codeorigin.report.words import bounded, change_text, not_judged_files, nothing_scored, status

LIMIT = 65_000
HEAVIEST = 3  # lines shown per flagged span
EXPLAINED = 10  # flagged spans explained (the most probable): a second or so each
SKIPPED_SHOWN = 20  # skipped files named, with their reasons
REPOSITORIES_SHOWN = 50  # rows of the per-repository table of `scan --repos`
MODEL_CARD = "https://github.com/codeorigin/codeorigin/blob/main/models/default/MODEL_CARD.md"
_SNIPPET = 80


def _one_line(text: str) -> str:
    """`text` with its line ends as spaces: a CR alone ends a line in Markdown as LF does (a
    file name holding one would split its table row in two)."""
    return text.replace("\r\n", " ").replace("\r", " ").replace("\n", " ")


def _code(text: str, *, cell: bool = False) -> str:
    """Code (a path, a name, a line) as inline code that shows it exactly, backticks included;
    in a table cell its pipes are escaped, as GitHub's tables need (elsewhere a backslash would
    show)."""
    text = _one_line(text)
    return code_span(text.replace("|", "\\|") if cell else text)


def _words(text: str, *, cell: bool = False) -> str:
    """Free text (a suppression's reason, why a file was skipped) with Markdown and HTML made
    inert; in a table cell its pipes are escaped too."""
    text = escape_markdown(_one_line(text))
    return text if cell else text.replace("\\|", "|")


def _share(s: SpanReport) -> str:
    if s.changed_lines is None:
        return "-"
    return f"{s.changed_lines}/{s.n_lines} ({share_percent(s.changed_lines / max(1, s.n_lines))})"


def _row(report: ScanReport, f: FileReport, s: SpanReport) -> str:
    """A table row: the threshold its probability was compared with (its language's own, named),
    and, for a change only, how much of the span the change touched."""
    p = shown_probability(report, f, s)
    verdict = VERDICT_WORDS[s.verdict] + (f" ({_words(status(s), cell=True)})" if status(s) else "")
    changed = f" {_share(s)} |" if report.change is not None else ""
    threshold = f" {_threshold(report, f, s)} |" if report.language_thresholds else ""
    return (
        f"| {_code(f'{shown_path(f.path)}:{s.start_line}', cell=True)} | {_code(s.name, cell=True)} | {p} |"
        f"{threshold} {verdict} |{changed}"
    )


def _threshold(report: ScanReport, f: FileReport, s: SpanReport) -> str:
    """`84.5% (python)`, `50.0%` for a language without its own, `-` for a span with no score."""
    t = row_figures(report, f, s)
    return "-" if t is None else f"{t[1]} ({t[2]})" if t[2] else t[1]


def _header(report: ScanReport) -> list[str]:
    """The table's head: the `threshold` column only for a model with thresholds per language
    (the headline says a single one), the `changed` column only for a change (`scan --diff`)."""
    own = bool(report.language_thresholds)
    change = report.change is not None
    head = (
        "| span | name | probability |"
        + " threshold |" * own
        + " verdict |"
        + " changed |" * change
    )
    return ["", head, "|---|---|---:|" + "---:|" * own + "---|" + "---:|" * change]


def _not_judged(report: ScanReport) -> list[str]:
    """A paragraph per reason a language is not judged, naming its files (at most
    `SKIPPED_SHOWN`)."""
    out = []
    for why, paths in not_judged_files(report).items():
        files = bounded([_code(shown_path(p)) for p in paths], SKIPPED_SHOWN)
        out += ["", f"Not judged: {why}. {plural(len(paths), 'file')}: {files}."]
    return out


def _skipped(report: ScanReport) -> list[str]:
    """The files a scan skipped, with their reasons, folded (at most `SKIPPED_SHOWN` named)."""
    skipped = [f for f in report.files if f.error]
    if not skipped:
        return []
    rows = [
        f"- {_code(shown_path(f.path))}: {_words(f.error or '')}" for f in skipped[:SKIPPED_SHOWN]
    ]
    if len(skipped) > SKIPPED_SHOWN:
        rows.append(f"- and {len(skipped) - SKIPPED_SHOWN} more")
    what = "file or folder" if len(skipped) == 1 else "files or folders"
    return ["", f"<details><summary>{len(skipped)} {what} skipped</summary>", "", *rows,
            "", "</details>"]  # fmt: skip


PROVENANCE_ROWS = 10


def _provenance(report: ScanReport) -> list[str]:
    """The spans whose lines come from commits an agent signed (git blame), the most lines first:
    evidence a reviewer can check, beside the scores."""
    marked = sorted(((f, s) for f in report.files for s in f.spans if s.provenance),
                    key=lambda fs: -fs[1].provenance.lines)  # type: ignore[union-attr]  # fmt: skip
    if not marked:
        return []
    held = "holds" if len(marked) == 1 else "hold"
    rows = ["", f"**Agent markers in git history**: {plural(len(marked), 'span')} {held} lines of "
            "commits an agent signed. A marker proves an agent took part in the commit; its "
            "absence proves nothing.", "", "| span | name | agent | lines | commit | marker |",
            "|---|---|---|---:|---|---|"]  # fmt: skip
    for f, s in marked[:PROVENANCE_ROWS]:
        p = s.provenance
        assert p is not None
        rows.append(f"| {_code(f'{shown_path(f.path)}:{s.start_line}', cell=True)} | "
                    f"{_code(s.name, cell=True)} | {p.agent} | {p.lines}/{p.total} | "
                    f"{_code(p.commits[0], cell=True)} | {_words(p.marker, cell=True)} |")  # fmt: skip
    if len(marked) > PROVENANCE_ROWS:
        rows.append(f"\n_And {len(marked) - PROVENANCE_ROWS} more: `--format json` lists them._")
    return rows


def _repositories(report: ScanReport) -> list[str]:
    """`scan --repos`: a table of what each repository holds, flagged first, then uncertain, then
    in the list's order (what is cut, past `REPOSITORIES_SHOWN`, matters least)."""
    if not report.repositories:
        return []
    every = repository_summaries(report.repositories, report.files)
    ranked = sorted(every, key=lambda r: (-r.flagged, -r.uncertain))  # stable: the list's order
    rows = [
        f"| {_code(shown_path(r.name), cell=True)} | {r.flagged} | {r.uncertain} | {r.judged} "
        f"| {r.not_judged} | {r.files} | {r.skipped} |"
        for r in ranked[:REPOSITORIES_SHOWN]
    ]
    out = ["", f"Per repository ({len(every)}):", "",
           "| repository | flagged | uncertain | judged spans | not judged: language | files | skipped |",
           "|---|---:|---:|---:|---:|---:|---:|", *rows]  # fmt: skip
    left = ranked[REPOSITORIES_SHOWN:]
    if left:
        flagged = sum(1 for r in left if r.flagged)
        more = "1 more repository" if len(left) == 1 else f"{len(left)} more repositories"
        out += ["", f"_And {more}, {flagged or 'none'} with a flagged span: `codeorigin scan "
                "--format json` lists each._"]  # fmt: skip
    return out


def _heaviest(f: FileReport, s: SpanReport) -> str:
    """The flagged span's heaviest lines as a short list, their text as it was scored (not read
    again from the file: its path is the repository top's, and a form feed or U+2028 ends no
    line for the spans)."""
    assert s.explanation is not None
    where = f"{_code(f'{shown_path(f.path)}:{s.start_line}')} {_code(s.name)}"
    head = f"**{where}** ({percent(s.probability or 0)})"
    rows = [head + ", the lines that weigh most:", ""]
    lines = dict(s.explanation.texts)
    for line, share, score in s.explanation.top_lines(HEAVIEST):
        text = lines.get(line, "").strip()
        if len(text) > _SNIPPET:
            text = text[: _SNIPPET - 1] + "…"
        way = "toward LLM-generated" if score > 0 else "toward human-written"
        rows.append(f"- L{line}, {share_percent(share)} of the evidence, {way}: {_code(text)}")
    return "\n".join(rows)


def _fill(body: list[str], blocks: list[str], budget: int) -> tuple[int, int]:
    """Append `blocks` to `body` while they fit in `budget` characters: (how many, what is left)."""
    shown = 0
    for block in blocks:
        if len(block) + 1 > budget:
            break
        body.append(block)
        budget -= len(block) + 1
        shown += 1
    return shown, budget


def render_markdown(report: ScanReport, *, limit: int = LIMIT) -> str:
    """The summary of `report`, at most `limit` characters."""
    head = ["## codeorigin"]
    change = change_text(report)
    if change is not None:
        head += ["", f"**{change}**"]
    # Flagged first, then by probability: what is cut to fit is what matters least.
    reported = sorted(
        ((f, s) for f in report.files for s in f.spans if s.reported),
        key=lambda fs: (fs[1].verdict != "llm", -(fs[1].probability or 0.0)),
    )
    flagged = [(f, s) for f, s in reported if s.verdict == "llm"]
    head += ["", headline(report, quote="`") + "."]
    if report.judged_spans == 0:
        head += ["", nothing_scored(report, "below")]
    head += _repositories(report)
    head += _not_judged(report)
    head += _skipped(report)
    head += _provenance(report)
    foot = ["", _caveat(report)]
    budget = limit - len("\n".join(head + foot)) - 200  # room for the "left out" lines
    explained = [(f, s) for f, s in flagged if s.explanation is not None]
    blocks = ["\n" + _heaviest(f, s) for f, s in explained]
    # The explanations of the most probable flagged spans say more than the last rows of a long
    # table: their room is kept first (at most half of it).
    reserve = min(budget // 2, sum(len(b) + 1 for b in blocks) + 300) if flagged else 0
    budget -= reserve
    body: list[str] = []
    header = _header(report)
    row = partial(_row, report)
    shown_rows = 0
    if reported:
        body += header
        shown_rows, budget = _fill(body, [row(f, s) for f, s in reported], budget - 80)
    others = [
        (f, s) for f in report.files for s in f.spans
        if report.change is not None and not s.reported and s.probability is not None
    ]  # fmt: skip
    shown_others = 0
    if others and budget > 300:
        summary = plural(len(others), "other judged span" if reported else "judged span")
        body += ["", f"<details><summary>The {summary} the change touched</summary>",
                 *header]  # fmt: skip
        shown_others, budget = _fill(body, [row(f, s) for f, s in others], budget - 200)
        body += ["", "</details>"]
    shown_expl = 0
    budget += reserve
    if flagged and budget > 300:
        body += ["", "### Why the flagged spans were flagged"]
        shown_expl, budget = _fill(body, blocks, budget - 240)
        if len(explained) < len(flagged):
            body += ["", _unexplained(len(explained), len(flagged))]
    left = []
    if shown_rows < len(reported):
        left.append(f"{len(reported) - shown_rows} of {len(reported)} table rows")
    if shown_others < len(others):
        left.append(f"{len(others) - shown_others} of {len(others)} other spans")
    if shown_expl < len(explained):
        left.append(f"{len(explained) - shown_expl} of {len(explained)} explanations")
    if left:
        body += ["", f"_Left out to stay under {limit:,} characters: {', '.join(left)}. "
                 "`codeorigin scan --format json --explain` writes everything._"]  # fmt: skip
    return "\n".join(head + body + foot)


def _caveat(report: ScanReport) -> str:
    """The closing reminder: what the thresholds' false alarms are, or that a threshold given
    with `--threshold` (or by the project's settings file) has none measured."""
    if report.threshold_given:
        rate = (
            f"this scan used a threshold of {percent(report.threshold)} given with "
            f"{report.threshold_source}, not the model's own, so how much human code it flags was "
            "never measured (the model's thresholds flag about 1% of the held-out human functions they "
            "were set on)."
        )
    else:
        rate = (
            "the default thresholds flag about 1% of the held-out human functions they were set "
            "on, and more of human code unlike the model's training data (textbook and contest "
            "solutions most of all)."
        )
    return (
        f"> A score is a probability, not proof: {rate} A false accusation costs more than a "
        f"miss: read the [model card]({MODEL_CARD}) before you act on a score."
    )


def _unexplained(explained: int, flagged: int) -> str:
    if explained == 0:
        return "_No explanation: the model has no gradient graph for Integrated Gradients._"
    return (
        f"_The {explained} most probable of the {flagged} flagged spans are explained here; "
        "`codeorigin explain PATH:LINE` explains any span._"
    )


def render_codeclimate(report: ScanReport) -> str:
    """The reported spans as a GitLab code-quality report: a JSON list of issues, `minor` for a
    span judged likely LLM-generated, `info` for an uncertain one."""
    issues: list[dict[str, Any]] = []
    identity = fingerprints(report)
    for i, f in enumerate(report.files):
        for j, s in enumerate(f.spans):
            if not s.reported:
                continue
            changed = "" if s.changed_lines is None else f"; {_share(s)} of its lines changed"
            issues.append({
                "type": "issue",
                "check_name": "llm-generated" if s.verdict == "llm" else "possibly-llm-generated",
                "description": f"{kind_words(s.kind)} '{s.name}': {VERDICT_WORDS[s.verdict]} "
                f"({shown_probability(report, f, s)}, {threshold_words(report, f, s)}{changed}). "
                "A probability, not proof.",
                "categories": ["Style"],
                "severity": "minor" if s.verdict == "llm" else "info",
                "fingerprint": identity[(i, j)],
                # A module span's first run of lines; its others apart (never the functions
                # between them).
                "location": {"path": f.path, "lines": {"begin": s.runs[0][0], "end": s.runs[0][1]}},
            })  # fmt: skip
            if len(s.runs) > 1:
                issues[-1]["other_locations"] = [
                    {"path": f.path, "lines": {"begin": a, "end": b}} for a, b in s.runs[1:]
                ]
    return json.dumps(issues, indent=2)
