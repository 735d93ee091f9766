"""What a `scan --repos` found in each repository (or each folder of a list: a teacher's one per
student), for the text summary, JSON's `repositories` and SARIF's run properties.

A repository's spans are told apart by what was judged: a folder of JavaScript, which the model
does not judge, must not read like one whose functions were judged and none flagged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from codeorigin.core.verdicts import plural

JUDGED = ("llm", "uncertain", "human")  # verdicts with a probability compared to a threshold


class _Span(Protocol):  # `data.SpanReport`, as counted here
    @property
    def verdict(self) -> str: ...
    @property
    def reported(self) -> bool: ...
    @property
    def flagged(self) -> bool: ...


class _File(Protocol):  # `data.FileReport`
    @property
    def path(self) -> str: ...
    @property
    def language(self) -> str | None: ...
    @property
    def error(self) -> str | None: ...
    @property
    def spans(self) -> Sequence[_Span]: ...


@dataclass(frozen=True)
class RepositorySummary:
    """One repository's share of a `scan --repos`: its files and what was found in them."""

    name: str
    files: int  # files read, in a language codeorigin reads
    spans: int  # every span, judged or not
    flagged: int
    uncertain: int  # reported in the uncertain band
    skipped: int  # files or folders skipped, with their reason in the report
    judged: int = 0  # spans compared with a threshold (not too short, generated or not judged)
    not_judged: int = 0  # spans of a language the model does not judge

    def to_json(self) -> dict[str, Any]:
        return {
            "repository": self.name,
            "files": self.files,
            "spans": self.spans,
            "judged": self.judged,
            "not_judged": self.not_judged,
            "flagged": self.flagged,
            "uncertain": self.uncertain,
            "skipped": self.skipped,
        }

    def text(self) -> str:
        """`app: 2 flagged, 1 uncertain of 310 judged spans (12 not judged: their language) in
        41 files; 1 skipped`."""
        aside = f" ({self.not_judged} not judged: their language)" if self.not_judged else ""
        return (
            f"{self.name}: {self.flagged} flagged, {self.uncertain} uncertain of "
            f"{plural(self.judged, 'judged span')}{aside} in {plural(self.files, 'file')}"
            + (f"; {self.skipped} skipped" if self.skipped else "")
        )


def repository_summaries(
    repositories: Sequence[str], files: Sequence[_File]
) -> list[RepositorySummary]:
    """Per repository of a scan's `repositories`, in their order, what its `files` hold: a file
    belongs to the longest name its path starts with (a repository listed inside another is
    counted apart)."""
    names = sorted(repositories, key=len, reverse=True)
    groups: dict[str, list[_File]] = {name: [] for name in repositories}
    for f in files:
        owner = next(
            (n for n in names if f.path == n or f.path.startswith(n.rstrip("/") + "/")), None
        )
        if owner is not None:
            groups[owner].append(f)
    return [
        RepositorySummary(
            name=name,
            files=sum(1 for f in owned if not f.error and f.language),
            spans=sum(len(f.spans) for f in owned),
            flagged=sum(1 for f in owned for s in f.spans if s.flagged),
            uncertain=sum(1 for f in owned for s in f.spans if s.reported and not s.flagged),
            skipped=sum(1 for f in owned if f.error),
            judged=sum(1 for f in owned for s in f.spans if s.verdict in JUDGED),
            not_judged=sum(1 for f in owned for s in f.spans if s.verdict == "not_judged"),
        )
        for name, owned in groups.items()
    ]
