"""Pull requests, human commits and dated snapshots as records, from the shared folder.

A `Change` is a patch with the post-images of the files it changed; a `Snapshot` a repository's
source files at its last commit before the cut-off. `read_shared` reads the AIDev-pop folder.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HUMAN_AGENT = "human"
#: The agents of the AIDev folders, by folder name; the short names are the corpus' `agent` column.
AGENTS = {"OpenAI_Codex": "codex", "Devin": "devin", "Copilot": "copilot"}


@dataclass
class SourceFile:
    """One file of a change or a snapshot; `read` returns its text (None when unreadable)."""

    path: str
    read: Callable[[], str | None]
    is_test: bool = False


@dataclass
class Change:
    """An agent's pull request (`kind` "pr") or a human commit (`kind` "commit")."""

    repo: str
    agent: str  # codex, devin, copilot, or human
    kind: str
    ident: str  # the pull request's number or the commit's SHA
    date: str  # merged_at for a pull request, the committer date for a commit
    patch: Callable[[], str]
    files: list[SourceFile] = field(default_factory=list)
    # How it was found ("aidev-pr", "trailer", "bot-author", "branch-name", "dated-commit") and
    # the marker's text, where the folder says (`agent_changes`).
    how: str = ""
    marker: str = ""
    # One commit whose subject names a pull request ("... (#123)"): a squash merge, which carries
    # the trailers of every commit of the pull request, so some of its lines may be people's.
    squashed: bool = False


@dataclass
class Snapshot:
    """A repository's files at its last commit before the cut-off (human code, dated)."""

    repo: str
    sha: str
    date: str
    files: list[SourceFile] = field(default_factory=list)


def _reader(path: Path) -> Callable[[], str | None]:
    def read() -> str | None:
        try:
            return path.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    return read


def _stored(folder: Path, entries: list[dict]) -> list[SourceFile]:
    """The files a meta.json lists, each read from its `stored` copy under `folder`."""
    return [SourceFile(e["path"], _reader(folder / e["stored"]), bool(e["is_test"]))
            for e in entries]  # fmt: skip


def read_shared(root: Path) -> tuple[list[Change], list[Snapshot]]:
    """Every stored pull request, human commit and snapshot of the AIDev-pop folder `root`."""
    changes: list[Change] = []
    snapshots: list[Snapshot] = []
    for meta_path in sorted((root / "aidev-upstream").glob("*/meta.json")):
        meta = json.loads(meta_path.read_text())
        folder = meta_path.parent
        repo = meta["full_name"]
        for pr in meta["prs"]:
            changes.append(Change(repo, AGENTS[pr["agent"]], "pr", str(pr["number"]),
                                  pr["merged_at"], _text_of(folder / pr["patch"]),
                                  _stored(folder, pr["post_images"])))  # fmt: skip
        snap = meta.get("human_snapshot")
        if snap:
            snapshots.append(Snapshot(repo, snap["sha"], snap["commit_date"],
                                      _stored(folder, snap["files"])))  # fmt: skip
    for meta_path in sorted((root / "human-commits").glob("*/meta.json")):
        meta = json.loads(meta_path.read_text())
        folder = meta_path.parent
        for c in meta["commits"]:
            changes.append(Change(meta["full_name"], HUMAN_AGENT, "commit", c["sha"],
                                  c["committer_date"], _text_of(folder / c["patch"]),
                                  _stored(folder, c["post_images"])))  # fmt: skip
    return changes, snapshots


def _text_of(path: Path) -> Callable[[], str]:
    return lambda: path.read_bytes().decode("utf-8", "replace")
