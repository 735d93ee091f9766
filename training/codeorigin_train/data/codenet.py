"""Builder for the DetectCodeGPT fork (`code-generation/data/main_data/{human_code,machine_code}`).

`human_code/pNNNNN.py` is a Project CodeNet submission (before 2021), `machine_code/` an
unidentified OpenAI chat model's answer to the same problem; the CodeNet problem id is the group.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from codeorigin_train.data.records import HUMAN, HUMAN_GENERATOR, LLM, Record, read_raw

SOURCE = "codenet"
FOLDER = "sinapordanesh+DetectCodeGPT"
GENERATOR = "openai-chat (unidentified)"
_BASE = Path("code-generation/data/main_data")
_NAME_RE = re.compile(r"^(p\d{5})(_solution)?$")


def read(root: Path) -> Iterator[Record]:
    """Human records from `human_code/`, LLM records from `machine_code/`."""
    for sub, label, generator in (
        ("human_code", HUMAN, HUMAN_GENERATOR),
        ("machine_code", LLM, GENERATOR),
    ):
        for path in sorted((root / _BASE / sub).glob("*.py")):
            m = _NAME_RE.match(path.stem)
            if m is not None:
                group = f"codenet:{m.group(1)}"
                yield Record(read_raw(path), label, "python", SOURCE, generator, group)
