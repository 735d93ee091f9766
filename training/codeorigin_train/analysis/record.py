"""An analysis's summary recorded in a model folder: under `analysis.<tool>` of its `metrics.json`
(where the card renderer reads it) and as the tool's section of its `MODEL_CARD.md`.

The card of a model folder may hold text written after the renderer ran, so the card is not
rendered again here: the analysis sections (`card_analysis.SECTIONS`) are replaced in place, or
inserted before `## Limitations`, and every other line is kept as it is. `codeorigin-train card`
renders the same sections from `metrics.json`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from codeorigin_train.card import analysis as card_analysis
from codeorigin_train.card.parts import Card

ANCHOR = "## Limitations"


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
    block = [line for line in sections]
    return "\n".join(lines[:at] + block + lines[at:]) + "\n"


def record(model: Path, tool: str, summary: dict[str, Any]) -> None:
    """Write `summary` under `analysis.<tool>` of `model/metrics.json` and refresh the card."""
    path = model / "metrics.json"
    if not path.exists():
        raise SystemExit(f"--card needs a model folder with metrics.json; {model} has none")
    raw = path.read_text(encoding="utf-8")
    m = json.loads(raw)
    m.setdefault("analysis", {})[tool] = summary
    path.write_text(json.dumps(m, indent=2, default=float) + ("\n" if raw.endswith("\n") else ""))
    card = model / "MODEL_CARD.md"
    if card.exists():
        c = Card.of(m)
        lines = [line for section in card_analysis.SECTIONS for line in section(c)]
        card.write_text(splice(card.read_text(encoding="utf-8"), lines), encoding="utf-8")
