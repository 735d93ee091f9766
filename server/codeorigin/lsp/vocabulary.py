"""The words users see from the language server, in one place: command ids, the settings section,
diagnostic codes, verdict words and how probabilities and shares are written.

Features take their words from here and never from each other, so a feature can be read (and
changed) alone. The verdict words and the percent formats are those of `core.verdicts`, shared with
`codeorigin scan` and `codeorigin explain`: the editor and the terminal say the same thing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from codeorigin.core.verdicts import VERDICT_WORDS, percent, plural, share_percent

if TYPE_CHECKING:
    from codeorigin.engine.judging import SpanResult

__all__ = [
    "CODES",
    "EXPLAIN",
    "PREFIX",
    "RESCORE_DOCUMENT",
    "RESCORE_SELECTION",
    "RESCORE_SELECTION_KIND",
    "RESCORE_SELECTION_TITLE",
    "SECTION",
    "SOURCE",
    "STATUS",
    "VERDICT_WORDS",
    "diagnostic_message",
    "lens_title",
    "no_model_message",
    "percent",
    "plural",
    "share_percent",
]

SOURCE = "codeorigin"  # the diagnostics' source, and the server's name
SECTION = "codeorigin"  # the settings section (`workspace/configuration`)
PREFIX = SECTION + "."  # of every setting and command

# Commands (`workspace/executeCommand`); VS Code's package.json names the same ids.
RESCORE_SELECTION = "codeorigin.rescoreSelection"
RESCORE_DOCUMENT = "codeorigin.rescoreDocument"
STATUS = "codeorigin.status"
EXPLAIN = "codeorigin.explain"
RESCORE_SELECTION_TITLE = "Rescore selection"
# Its code action's kind: it reports on the code, fixing and refactoring nothing; VS Code lists
# source actions under "Source Action...", not in the light bulb of every selection.
RESCORE_SELECTION_KIND = "source.codeorigin.rescoreSelection"

CODES = {"llm": "llm-generated", "uncertain": "possibly-llm-generated"}  # diagnostic codes


def diagnostic_message(result: SpanResult) -> str:
    """The message of a span's diagnostic: "Likely LLM-generated (96.5%)", or for one in the
    uncertain band (`showUncertain`) "Uncertain, below the threshold (61.2%)"."""
    assert result.probability is not None
    words = VERDICT_WORDS[result.verdict]
    return f"{words[0].upper()}{words[1:]} ({percent(result.probability)})"


def lens_title(result: SpanResult) -> str:
    """The title of a span's code lens, in the verdict's words: "codeorigin: likely
    LLM-generated (96.5%)", "codeorigin: not flagged (12.0%)"."""
    assert result.probability is not None
    return f"codeorigin: {VERDICT_WORDS[result.verdict]} ({percent(result.probability)})"


def no_model_message(failure: str) -> str:
    """What the user is told, once and in a hover, when the model cannot be loaded."""
    return f"codeorigin: no model, so no verdicts. {failure}"
