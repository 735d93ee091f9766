"""The second agentic folder, `agent-changes/` of the shared data, as the builder's records.

One gzip-compressed JSON Lines file per repository (its README has the layout): a `repo` record,
`change` records (an agent's change, found by an AIDev pull request, a co-author trailer, a bot
author or a `codex/` branch; or a human commit dated before 2022-06-21) and a `snapshot` at that
date. An agent's change becomes a `Change` of kind "pr", a human commit one of kind "commit",
each with how it was found (`how`), the marker's text and whether it is a pull request's squash
merge (`squashed`).
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from pathlib import Path

from codeorigin.core.markers import SQUASH_SUBJECT
from codeorigin_train.data.agentic.changes import HUMAN_AGENT, Change, Snapshot, SourceFile

FOLDER = "agent-changes"


def _text(value: str | None) -> Callable[[], str | None]:
    return lambda: value


def read_agent_changes(root: Path) -> tuple[list[Change], list[Snapshot]]:
    """Every change and snapshot of the folder `root` (`agent-changes/`)."""
    changes: list[Change] = []
    snapshots: list[Snapshot] = []
    for path in sorted(root.glob("*.jsonl.gz")):
        repo = ""
        with gzip.open(path, "rt", encoding="utf-8") as f:
            records = [json.loads(line) for line in f if line.strip()]
        for r in records:
            if r["kind"] == "repo":
                repo = r["repo"]
                continue
            files = [SourceFile(f["path"], _text(f.get("text")), bool(f.get("is_test")))
                     for f in r.get("files", []) if f.get("text") is not None]  # fmt: skip
            if r["kind"] == "snapshot":
                snapshots.append(Snapshot(repo, r["commit"], r["date"], files))
                continue
            agent = r["agent"] if r["origin"] == "agent" else HUMAN_AGENT
            ident = str(r["pr"]) if r.get("pr") is not None else r["head"]
            changes.append(Change(repo, agent, "pr" if agent != HUMAN_AGENT else "commit", ident,
                                  r["date"], _text(r.get("patch") or ""), files,  # type: ignore[arg-type]
                                  how=r.get("how") or "", marker=r.get("marker") or "",
                                  squashed=squashed(r)))  # fmt: skip
    return changes, snapshots


def squashed(record: dict) -> bool:
    """One commit whose subject names a pull request (`SQUASH_SUBJECT`, as `codeorigin scan`
    reads a user's history): a squash merge of it."""
    commits = record.get("commits") or []
    return len(commits) == 1 and bool(SQUASH_SUBJECT.search(record.get("subject") or ""))
