"""The rows a stacked model is fitted on (`codeorigin-train stack`): the frame with its train split
as every protocol fit reads it."""

from __future__ import annotations

import pandas as pd


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

