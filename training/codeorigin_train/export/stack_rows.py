"""The rows a stacked model is fitted on (`codeorigin-train stack`):
the frame with its train split as every protocol fit reads it, and the extra held-out human rows
its thresholds may also be set on (`stack --humans`)."""

from __future__ import annotations

import pandas as pd

from codeorigin.core.cache import text_hash
from codeorigin.core.normalize import normalize_text


def training_frame(frame: pd.DataFrame, cap: int) -> pd.DataFrame:
    """The frame with its train split as every protocol fit reads it (`training_rows`: at most
    `cap` rows per source and label, the agentic corpus and the real-project code whole), so the
    shipped model is the recipe the protocol measured; 0: no cap."""
    from codeorigin_train.evaluation.protocol import ProtocolConfig, training_rows

    if cap <= 0:
        return frame
    train, _ = training_rows(frame, ProtocolConfig(train_cap=cap))
    rest = frame[frame["split"] != "train"]
    return pd.concat([train, rest]).sort_index().reset_index(drop=True)


def extra_humans(extra: pd.DataFrame | None, train: pd.DataFrame) -> pd.DataFrame | None:
    """Extra held-out human rows for the thresholds (columns code, language; label 0 if given):
    a frame's rows outside its train split, or, for `realcode.parquet` (no split), the rows of its
    validation and test projects (`data.splits.split_of`, the project split every run uses); any
    text the members trained on is dropped."""
    if extra is None:
        return None
    from codeorigin_train.data.splits import split_of
    from codeorigin_train.fit.frames import REALCODE_FRACTIONS

    if "label" in extra:
        extra = extra[extra["label"] == 0]
    if "split" not in extra and "group" in extra:
        extra = extra.assign(
            split=extra["group"].map(lambda g: split_of(str(g), 0, REALCODE_FRACTIONS))
        )
    if "split" in extra:
        extra = extra[extra["split"] != "train"]
    seen = {text_hash(normalize_text(c)) for c in train["code"]}
    keep = [text_hash(normalize_text(c)) not in seen for c in extra["code"]]
    return extra[keep].reset_index(drop=True)
