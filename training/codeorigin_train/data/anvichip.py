"""Builder for the a0ms1n C++ set via anvichip (`curated_datasets/cpp/*.jsonl`: {writer, code}).

`writer` is "Human" (a Thai grader and Codeforces) or "AI" (Gemini 2.0 and DeepSeek-Chat, not
told apart per sample). No problem ids: one group per sample.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from codeorigin_train.data.records import (
    HUMAN,
    HUMAN_GENERATOR,
    LLM,
    Record,
    read_raw,
)

SOURCE = "cpp-a0ms1n"
FOLDER = "anvichip+AI-code-detection-ML"
GENERATOR = "gemini-2.0|deepseek-chat"


def read(root: Path) -> Iterator[Record]:
    """Records from every jsonl file under `curated_datasets/cpp`."""
    for path in sorted((root / "curated_datasets" / "cpp").glob("*.jsonl")):
        for i, line in enumerate(read_raw(path).splitlines()):
            if not line.strip():
                continue
            row = json.loads(line)
            writer = str(row.get("writer", "")).strip().lower()
            if writer not in ("human", "ai") or not isinstance(row.get("code"), str):
                continue
            group = f"{SOURCE}:{path.stem}:{i}"
            if writer == "human":
                yield Record(row["code"], HUMAN, "cpp", SOURCE, HUMAN_GENERATOR, group)
            else:
                yield Record(row["code"], LLM, "cpp", SOURCE, GENERATOR, group)
