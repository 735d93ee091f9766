"""Builder for SemEval-2026 Task 13, subtask A (`task_A/*.parquet`: code, generator, label, language).

The trial file's `label` column contradicts its own `id_to_label.json` (human rows carry 1), so the
label comes from `generator` ("Human", else the model's name). No problem ids: one group per sample.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from codeorigin.core import languages
from codeorigin_train.data.records import HUMAN, HUMAN_GENERATOR, LLM, Record

SOURCE = "semeval"
FOLDER = "mbzuai-nlp+SemEval-2026-Task13"


def read(root: Path) -> Iterator[Record]:
    """Records from every parquet file under `root/task_A`."""
    for path in sorted((root / "task_A").glob("*.parquet")):
        df = pd.read_parquet(path, columns=["code", "generator", "language"])
        for i, (code, generator, language) in enumerate(df.itertuples(index=False, name=None)):
            lang = languages.canonical(str(language))
            if lang is None or not isinstance(code, str):
                continue
            human = str(generator).strip().lower() == "human"
            label, name = (HUMAN, HUMAN_GENERATOR) if human else (LLM, str(generator))
            yield Record(code, label, lang, SOURCE, name, f"{SOURCE}:{path.stem}:{i}")
