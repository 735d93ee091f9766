"""Builder for PLTranslationEmpirical's translations (`output/<Model>/<dataset>/<from>/<to>/<file>`),
LLM side only.

The artifact of "Lost in Translation" (ICSE 2024): CodeNet and AVATAR programs translated by LLaMA
and StarCoder between Java and Python (the human programs are not in this snapshot); the language
is the `<to>` folder. Group: the source program, shared by both models' translations (`group`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from codeorigin.core import languages
from codeorigin_train.data.records import LLM, Record, read_raw

SOURCE = "pltranslation"
FOLDER = "tcr235+PLTranslationEmpirical"
_SITES = ("atcoder", "codeforces")


def group(dataset: str, name: str) -> str:
    """The group of one source program: `atcoder:ABC043_B` (AVATAR's contest problems),
    `codenet-submission:s004995062` (a CodeNet submission id names no problem)."""
    dataset = dataset.lower()
    site, _, rest = name.partition("_")
    if dataset == "avatar" and site.lower() in _SITES and rest:
        return f"{site.lower()}:{rest}"
    if dataset == "codenet":
        return f"codenet-submission:{name}"
    return f"{dataset}:{name}"


def read(root: Path) -> Iterator[Record]:
    """One LLM record per translation into a scored language."""
    for path in sorted((root / "output").glob("*/*/*/*/*")):
        if not path.is_file():
            continue
        model, dataset, _source_lang, target = path.parts[-5:-1]
        lang = languages.canonical(target) or languages.from_path(path)
        if lang is None:
            continue
        yield Record(read_raw(path), LLM, lang, SOURCE, model.lower(), group(dataset, path.stem))
