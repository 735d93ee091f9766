"""The documentation holds together: the README is what a newcomer reads (at most 300 lines, the
reference in docs/), training/README.md is the pipeline (at most 400 lines, the measured history
in docs/research/), and every relative link of the READMEs and of docs/ reaches a file, and a
heading of it where it names one."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TRAINING_README = ROOT / "training" / "README.md"
PAGES = [
    ROOT / "README.md",
    TRAINING_README,
    ROOT / "training" / "codeorigin_train" / "variants" / "README.md",
    *sorted((ROOT / "docs").rglob("*.md")),
]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def slug(heading: str) -> str:
    """GitHub's anchor of a heading."""
    text = re.sub(r"[`*]", "", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    return {slug(m.group(1)) for m in re.finditer(r"^#+ (.*)$", page.read_text(), re.M)}


def test_the_readme_is_short_and_points_to_the_docs() -> None:
    readme = (ROOT / "README.md").read_text()
    assert readme.count("\n") <= 300
    for page in sorted((ROOT / "docs").glob("*.md")):
        assert f"docs/{page.name}" in readme, f"the README links no docs/{page.name}"


def test_the_training_readme_is_the_pipeline_and_points_to_the_research() -> None:
    """The screens and their history live in docs/research/, one page per line of work; the
    training README keeps the pipeline, the fresh-clone commands and pointers to every page."""
    readme = TRAINING_README.read_text()
    assert readme.count("\n") <= 400, (
        "training/README.md passes 400 lines: move history to docs/research/"
    )
    for heading in (
        "## From a fresh clone to a candidate of the shipped model",
        "## Where things are",
    ):
        assert heading in readme
    for page in sorted((ROOT / "docs" / "research").glob("*.md")):
        assert f"docs/research/{page.name}" in readme, f"training/README.md links no {page.name}"


def test_every_relative_link_reaches_its_file_and_heading() -> None:
    dead = []
    for page in PAGES:
        for target in LINK.findall(page.read_text()):
            if target.startswith(("http://", "https://", "mailto:")):
                continue
            path, _, anchor = target.partition("#")
            file = (page.parent / path).resolve() if path else page
            if not file.exists():
                dead.append(f"{page.relative_to(ROOT)}: {target}")
            elif anchor and file.suffix == ".md" and anchor not in anchors(file):
                dead.append(f"{page.relative_to(ROOT)}: {target} (no such heading)")
    assert not dead, "dead links: " + "; ".join(dead)
