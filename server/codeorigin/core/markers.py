"""The marks coding agents leave on the commits they make: the one list of them, and which agent a
commit's message and people name.

A marker proves that an agent took part in a commit, not that it wrote every line (a squash merge
carries the trailers of every commit of its pull request; people push follow-ups to an agent's
branch); its absence proves nothing. The forms are strict where a looser one names people: a
`Co-Authored-By: Claude` line must also name `anthropic`, a Devin one `cognition` or `devin-ai`,
and `Co-authored-by: Copilot <…+Copilot@users.noreply.github.com>`, which editors add for accepted
completions, is not the Copilot coding agent (`copilot-swe-agent`); a commit *authored* by the
agent's own account, `Copilot <198982749+Copilot@users.noreply.github.com>` (how GitHub squash-merges
the agent's pull requests), is. `Co-authored-by: Copilot <223556219+…>`, which Copilot's CLI writes
and VS Code has been seen to add to commits no AI edited (microsoft/vscode#314311), is not read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

#: Code written before this day is a repository's people's (`codeorigin calibrate`'s baseline):
#: GitHub Copilot became generally available on 2022-06-21, and no coding agent signed commits.
CUTOFF = date(2022, 6, 21)
#: A repository's own threshold for a language (`codeorigin calibrate --write`): the threshold,
#: what it rests on in words, and its own uncertain threshold (None: the model's).
OwnThreshold = tuple[float, str, float | None]
#: A squash merge's subject, as GitHub writes it: the pull request's title and "(#123)".
SQUASH_SUBJECT = re.compile(r"\(#(\d+)\)\s*$")


@dataclass(frozen=True)
class Marker:
    """One way an agent signs a commit: `field` is where it is read ("message": the whole
    message, trailers included; "subject": its first line; "author"/"committer": `Name <email>`),
    `pattern` what it matches there, `example` a text it matches (the tests hold every marker to
    its example)."""

    agent: str
    field: str
    pattern: re.Pattern[str]
    example: str


def _m(agent: str, field: str, pattern: str, example: str) -> Marker:
    return Marker(agent, field, re.compile(pattern, re.IGNORECASE | re.MULTILINE), example)


_TRAILER = r"^[ \t]*co-authored-by:[ \t]*"
MARKERS: tuple[Marker, ...] = (
    _m("Claude Code", "message", _TRAILER + r"[^\n]*claude[^\n]*anthropic[^\n]*$",
       "Co-Authored-By: Claude <noreply@anthropic.com>"),
    _m("Claude Code", "message", r"generated with \[claude code\]",
       "🤖 Generated with [Claude Code](https://claude.ai/code)"),
    _m("Claude Code", "message", r"https?://claude\.ai/code\b", "https://claude.ai/code/session/1"),
    _m("Claude Code", "author", r"<noreply@anthropic\.com>", "Claude <noreply@anthropic.com>"),
    # Claude's GitHub app (`@claude` in an issue or a pull request) signs as a bot.
    _m("Claude Code", "message", _TRAILER + r"claude\[bot\][ \t]*<",
       "Co-authored-by: claude[bot] <209825114+claude[bot]@users.noreply.github.com>"),
    _m("Claude Code", "author", r"^claude\[bot\]\s*<",
       "claude[bot] <209825114+claude[bot]@users.noreply.github.com>"),
    _m("Codex", "message", _TRAILER + r"[^\n]*<noreply@openai\.com>[ \t]*$",
       "Co-authored-by: Codex <noreply@openai.com>"),
    _m("Codex", "message", _TRAILER + r"[^\n]*<codex@openai\.com>[ \t]*$",
       "Co-authored-by: Codex (gpt-5.2-codex high) <codex@openai.com>"),
    _m("Codex", "subject", r"^merge (?:pull request #\d+ from [^\s/]+/|branch ')codex/",
       "Merge pull request #12 from octo/codex/fix-parser"),
    _m("Copilot coding agent", "author", r"^copilot-swe-agent(?:\[bot\])?\s*<",
       "copilot-swe-agent[bot] <198982749+Copilot@users.noreply.github.com>"),
    # GitHub authors a squash merge of a pull request as the pull request's author: the coding
    # agent's own account (id 198982749), not the trailer's accounts of editors and the CLI.
    _m("Copilot coding agent", "author", r"^copilot\s*<198982749\+copilot@users\.noreply\.github\.com>",
       "Copilot <198982749+Copilot@users.noreply.github.com>"),
    _m("Copilot coding agent", "message", _TRAILER + r"copilot-swe-agent\b",
       "Co-authored-by: copilot-swe-agent[bot] <198982749+Copilot@users.noreply.github.com>"),
    _m("Devin", "author", r"^devin-ai-integration(?:\[bot\])?\s*<",
       "devin-ai-integration[bot] <158243242+devin-ai-integration[bot]@users.noreply.github.com>"),
    _m("Devin", "author", r"<\d+\+devin-ai-integration\[bot\]@users\.noreply\.github\.com>",
       "Devin AI <158243242+devin-ai-integration[bot]@users.noreply.github.com>"),
    _m("Devin", "message", _TRAILER + r"[^\n]*devin[^\n]*(?:cognition|devin-ai)[^\n]*$",
       "Co-Authored-By: Devin <devin-ai-integration[bot]@users.noreply.github.com>"),
    _m("Jules", "author", r"^google-labs-jules(?:\[bot\])?\s*<",
       "google-labs-jules[bot] <161369871+google-labs-jules[bot]@users.noreply.github.com>"),
    _m("Jules", "message", _TRAILER + r"google-labs-jules\b",
       "Co-authored-by: google-labs-jules[bot] <161369871+google-labs-jules[bot]@users.noreply.github.com>"),
    _m("Cursor", "message", r"^[ \t]*made-with:[ \t]*cursor\b", "Made-with: Cursor"),
    _m("Cursor", "message", _TRAILER + r"[^\n]*<(?:cursoragent|noreply)@cursor\.com>",
       "Co-authored-by: Cursor Agent <cursoragent@cursor.com>"),
    _m("Cursor", "author", r"<(?:cursoragent|noreply)@cursor\.com>",
       "Cursor Agent <cursoragent@cursor.com>"),
    _m("Aider", "subject", r"^aider:", "aider: Added a retry to the fetcher"),
    _m("Aider", "message", _TRAILER + r"aider\b", "Co-authored-by: aider (gpt-4o) <noreply@aider.chat>"),
    _m("OpenHands", "message", r"<openhands@all-hands\.dev>",
       "Co-authored-by: openhands <openhands@all-hands.dev>"),
    _m("OpenHands", "author", r"<openhands@all-hands\.dev>", "openhands <openhands@all-hands.dev>"),
    _m("Amp", "message", r"<amp@ampcode\.com>|^[ \t]*amp-thread(?:-id)?:",
       "Amp-Thread: https://ampcode.com/threads/T-1234"),
    _m("Amp", "author", r"<amp@ampcode\.com>", "Amp <amp@ampcode.com>"),
    _m("PostHog Code", "message", r"^[ \t]*generated-by:[ \t]*posthog code\b",
       "Generated-By: PostHog Code"),
    _m("Sentry Junior", "author", r"^sentry-junior(?:\[bot\])?\s*<",
       "sentry-junior[bot] <sentry-junior[bot]@users.noreply.github.com>"),
    _m("Sentry Junior", "message", _TRAILER + r"sentry-junior\[bot\]",
       "Co-Authored-By: sentry-junior[bot] <264270552+sentry-junior[bot]@users.noreply.github.com>"),
)  # fmt: skip


@dataclass(frozen=True)
class Signed:
    """The agent a commit names and the marker's text as the commit has it; `pull_request`: the
    pull request a squash merge's subject names (its marker may stand for only some of the pull
    request's commits, so some of its lines may be people's)."""

    agent: str
    marker: str
    pull_request: int | None = None


def signed(message: str, author: str, committer: str = "") -> Signed | None:
    """The agent a commit's message, author or committer (`Name <email>`) names, with the text
    that names it; None when nothing does (which proves nothing)."""
    subject = message.split("\n", 1)[0]
    squash = SQUASH_SUBJECT.search(subject)
    fields = {"message": message, "subject": subject, "author": author, "committer": committer}
    for marker in MARKERS:
        texts = [fields[marker.field]]
        if marker.field == "author":
            texts.append(committer)  # a bot may commit what a person authored, or the reverse
        for text in texts:
            found = marker.pattern.search(text) if text else None
            if found is not None:
                start = text.rfind("\n", 0, found.start()) + 1
                end = text.find("\n", found.start())
                return Signed(marker.agent, text[start : end if end >= 0 else None].strip(),
                              int(squash.group(1)) if squash else None)  # fmt: skip
    return None


# What every output that shows provenance says of a span without it.
ABSENCE = "no agent marker: that proves nothing (agents do not always sign their commits)"


@dataclass(frozen=True)
class Provenance:
    """A span's lines from commits an agent signed: the agent with the most of them."""

    agent: str
    lines: int  # the span's lines from its commits
    total: int  # the span's lines
    commits: tuple[str, ...]  # its commits (short hashes), the one with most lines first
    marker: str  # the marker's text in the first of them
    pull_request: int | None = None  # the pull request the first one's subject names, "(#12)"

    @property
    def share(self) -> float:
        return self.lines / self.total if self.total else 0.0

    def text(self) -> str:
        """`Claude Code signed 12 of 14 lines (86%), commit 1a2b3c4d5e: "Co-Authored-By: …"`."""
        more = f" and {len(self.commits) - 1} more" if len(self.commits) > 1 else ""
        return (f"{self.agent} signed the commits of {self.lines} of {self.total} lines "
                f"({self.share:.0%}), commit {self.commits[0]}{more}: \"{self.marker}\""
                f"{self.squash_words()}")  # fmt: skip

    def squash_words(self) -> str:
        """What a squash merge adds to the provenance: its marker may stand for only some of
        the pull request's commits."""
        if self.pull_request is None:
            return ""
        return (f"; its subject ends with (#{self.pull_request}), as a squash-merged pull "
                "request's does: such a marker may stand for only some of the pull request's "
                "commits")  # fmt: skip

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "agent": self.agent, "lines": self.lines, "total": self.total,
            "share": round(self.share, 4), "commits": list(self.commits), "marker": self.marker,
        }  # fmt: skip
        if self.pull_request is not None:
            out["pull_request"] = self.pull_request
        return out
