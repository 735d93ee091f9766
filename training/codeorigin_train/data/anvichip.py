"""Builder for the a0ms1n C++ set via anvichip (`curated_datasets/cpp/*.jsonl`: {writer, code}).

`writer` is "Human" (a Thai grader and Codeforces) or "AI" (Gemini 2.0 and DeepSeek-Chat, not
told apart per sample). No problem ids: one group per sample.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from codeorigin_train.data.inputs import read_jsonl
from codeorigin_train.data.records import HUMAN, HUMAN_GENERATOR, LLM, Record

SOURCE = "cpp-a0ms1n"
FOLDER = "anvichip+AI-code-detection-ML"
GENERATOR = "gemini-2.0|deepseek-chat"


def read(root: Path) -> Iterator[Record]:
    """Records from every jsonl file under `curated_datasets/cpp`."""
    for path in sorted((root / "curated_datasets" / "cpp").glob("*.jsonl")):
        for i, row in enumerate(read_jsonl(path, "the a0ms1n C++ set")):
            writer = str(row.get("writer", "")).strip().lower()
            if writer not in ("human", "ai") or not isinstance(row.get("code"), str):
                continue
            label, generator = (HUMAN, HUMAN_GENERATOR) if writer == "human" else (LLM, GENERATOR)
            yield Record(row["code"], label, "cpp", SOURCE, generator, f"{SOURCE}:{path.stem}:{i}")
