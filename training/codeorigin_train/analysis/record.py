"""An analysis's summary recorded in a model folder, under `analysis.<tool>` of `metrics.json`
and in `MODEL_CARD.md`: a tool with a card section (`card_analysis.TOOLS`) is listed under
`card.analyses` and its section replaced in place or inserted before `ANCHOR`, every other line
kept (a card may hold text written after the renderer ran); the protocol and the folder's own
measurement (`WHOLE`), which the headline is drawn from, render the whole card again.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from codeorigin_train.card import analysis as card_analysis
from codeorigin_train.card.model_card import write_folder_card
from codeorigin_train.card.parts import Card

ANCHOR = "## Ethical considerations"  # the card's section the analyses' sections go before
#: The records the headline is drawn from: the card is rendered again, whole.
WHOLE = ("protocol", "own", "graft_loao", "scans")


def _strip_sections(lines: list[str], headings: set[str]) -> tuple[list[str], int | None]:
    """`lines` without the sections whose heading is in `headings`; where the first one was."""
    out: list[str] = []
    skipping, at = False, None
    for line in lines:
        if line.startswith("## "):
            skipping = line.strip() in headings
            if skipping and at is None:
                at = len(out)
        if not skipping:
            out.append(line)
    return out, at


def splice(card: str, sections: list[str]) -> str:
    """`card` with its analysis sections replaced by `sections` (markdown lines)."""
    lines = card.rstrip("\n").split("\n")
    lines, at = _strip_sections(lines, set(card_analysis.HEADINGS))
    if at is None:
        at = next((i for i, line in enumerate(lines) if line.strip() == ANCHOR), len(lines))
    return "\n".join(lines[:at] + sections + lines[at:]) + "\n"


def record(model: Path, tool: str, summary: dict[str, Any]) -> None:
    """Write `summary` under `analysis.<tool>` of `model/metrics.json` and refresh the card."""
    path = model / "metrics.json"
    if not path.exists():
        raise SystemExit(f"--card needs a model folder with metrics.json; {model} has none")
    raw = path.read_text(encoding="utf-8")
    m = json.loads(raw)
    m.setdefault("analysis", {})[tool] = summary
    shown = m.setdefault("card", {}).setdefault("analyses", [])
    if tool in card_analysis.TOOLS and tool not in shown:
        shown.append(tool)
    if not shown:
        m["card"].pop("analyses")
    if not m["card"]:
        m.pop("card")
    path.write_text(json.dumps(m, indent=2, default=float) + ("\n" if raw.endswith("\n") else ""))
    card = model / "MODEL_CARD.md"
    if tool in WHOLE and (model / "manifest.json").exists():
        write_folder_card(model)
    elif card.exists():
        c = Card.of(m)
        lines = [line for t in shown for line in card_analysis.TOOLS[t](c)]
        card.write_text(splice(card.read_text(encoding="utf-8"), lines), encoding="utf-8")
