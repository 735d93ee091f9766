"""The shipped model's card: at most 200 lines, the headline tables first, then the Model Card
sections, rendered from the folder's `metrics.json` and `manifest.json`, linking the record."""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "default"
CARD = MODEL / "MODEL_CARD.md"
MAX_LINES = 200
SECTIONS = [
    "## Model details",
    "## Intended use",
    "## Factors",
    "## Metrics",
    "## Evaluation data",
    "## Training data",
    "## Quantitative analyses",
    "## Ethical considerations",
    "## Caveats and recommendations",
]


def test_the_shipped_card_is_at_most_200_lines() -> None:
    lines = CARD.read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, (
        f"models/default/MODEL_CARD.md has {lines} lines (at most {MAX_LINES}): move what was "
        "measured and not shipped to docs/research/ and render the card again"
    )


def test_the_card_is_what_the_generator_renders_from_the_folder() -> None:
    from codeorigin_train.card.model_card import render

    metrics = json.loads((MODEL / "metrics.json").read_text(encoding="utf-8"))
    manifest = json.loads((MODEL / "manifest.json").read_text(encoding="utf-8"))
    assert render(metrics, manifest) == CARD.read_text(encoding="utf-8"), (
        "the card differs from its render: python -m codeorigin_train.card.model_card "
        "models/default (edit the generator, training/codeorigin_train/card/, not the card)"
    )


def test_the_headline_comes_first_then_the_model_card_sections_and_the_record() -> None:
    from codeorigin_train.card.headline import HEADING
    from codeorigin_train.card.model_card import RECORD

    text = CARD.read_text(encoding="utf-8")
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings[0] == HEADING, headings
    assert [h for h in headings if h in SECTIONS] == SECTIONS, headings
    # The headline answers by kind of code and by language, with the shipped model's counts.
    headline = text.split(HEADING)[1].split("\n## ")[0]
    assert "| code | LLM or agents' code caught | people's code flagged |" in headline
    assert "| language | threshold |" in headline and "| Python | " in headline
    # TypeScript and Go are judged by a grafted stack, and the card says where it comes from.
    assert "| TypeScript | " in headline and "| Go | " in headline
    assert "are scored by a stack grafted from" in headline
    assert f"]({'../../' + RECORD})" in text and (ROOT / RECORD).is_file()


def test_a_route_grafted_alone_is_named_in_the_card() -> None:
    """A folder whose route for project code is a donor's (`graft --routes`) says so, with how
    it was lowered, and its route's line names the donor and the donor's bound."""
    from codeorigin_train.card.model_card import render

    metrics = json.loads((MODEL / "metrics.json").read_text(encoding="utf-8"))
    manifest = json.loads((MODEL / "manifest.json").read_text(encoding="utf-8"))
    grafted = manifest["grafted"]["agentic"]
    grafted["routes"] = ["python"]
    grafted["route_floor"] = {"python": {"functions": 2188, "repositories": 40, "shift": -0.991,
                                         "lowered": True}}  # fmt: skip
    text = render(metrics, manifest)
    assert ("The route for project code of Python is grafted from `candidate-gb05` too, mapped so "
            "that it flags at this folder's threshold where it flagged at the donor's") in text
    assert "(Python's by 0.99 logits (2,188 functions of 40 repositories))" in text
    project = grafted["stacking"]["route"]["project_humans"]
    assert ("- **Route for project code** (Python, grafted from `candidate-gb05`; Java, read by "
            "`codeorigin-train route-languages` at a term of its own held on people's project "
            "code)" in text and f"of {project:,} project humans" in text)  # fmt: skip


def test_the_grafted_languages_agent_never_seen_cells_come_from_graft_loao() -> None:
    """With `graft-loao`'s record, a grafted language's last cell sums the agents held out in
    turn, and the paragraph says how it was measured and how many of their people it flagged."""
    from codeorigin_train.card.model_card import render

    metrics = json.loads((MODEL / "metrics.json").read_text(encoding="utf-8"))
    manifest = json.loads((MODEL / "manifest.json").read_text(encoding="utf-8"))
    fold = {"agent": 100, "caught": 7, "human": 400, "flagged": 1}
    tsx = {"agent": 10, "caught": 1, "human": 20, "flagged": 0}
    metrics.setdefault("analysis", {})["graft_loao"] = {
        "languages": ["typescript", "go", "typescriptreact"],
        "agents": {"claude-code": {"by_language": {"typescript": fold, "go": fold,
                                                   "typescriptreact": tsx}},
                   "copilot": {"by_language": {"typescript": {**fold, "caught": 3},
                                               "go": {**fold, "caught": 0, "flagged": 0,
                                                      "abstained": "the bar is 5%"},
                                               "typescriptreact": tsx}}},
    }  # fmt: skip
    text = render(metrics, manifest)
    typescript = next(line for line in text.splitlines() if line.startswith("| TypeScript |"))
    assert typescript.split("|")[-2].strip().startswith("10 of 200")
    go = next(line for line in text.splitlines() if line.startswith("| Go |"))
    assert go.split("|")[-2].strip().startswith("7 of 200")  # Copilot's: not judged, not caught
    assert "retrained without each of Claude Code and Copilot in turn" in text
    tsx_row = next(line for line in text.splitlines() if line.startswith("| TSX |"))
    assert tsx_row.split("|")[-2].strip().startswith("2 of 20")  # an alias grafted beside it
    people = "people flagged: TypeScript 2 of 800 (0.25%), Go 1 of 800 (0.12%) and TSX 0 of 40"
    assert people in text
    assert "without Copilot the recipe does not judge Go (its own bound or recall bar)" in text
    assert "last cell is not measured" not in text
