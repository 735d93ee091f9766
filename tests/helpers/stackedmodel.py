"""Tiny stacked model folders, built through the real training and export code.

`build_stacked_model` takes a tiny transformer folder that can explain (`igmodel`), trains the
linear member with the training side's own variant (`codeorigin_train.variants.linear`, on planted
functions: the word `zebra` and a comment style push it up) and writes the stacked folder with
`codeorigin_train.export.stacked.write_stacked_folder`, which the stacked command ships with.
The stacker's weights are given, so a test knows what each member weighs.
"""

from __future__ import annotations

import random
from pathlib import Path

import pandas as pd

from helpers.igmodel import planted_function

# Small buckets: a tiny model trains in a second and its weights file stays small.
BUCKET_BITS = 14


def planted_frame(n: int = 160, seed: int = 0) -> pd.DataFrame:
    """A dataset frame of planted functions: label 1 holds the planted word and a docstring."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        label = i % 2
        code = planted_function(rng, bool(label))
        if label:
            code = code.replace(":\n", ':\n    """Compute the result."""\n', 1)
        split = "train" if i < n * 0.6 else "val" if i < n * 0.8 else "test"
        rows.append((code, label, "python", "planted", f"g{i // 4}", split))
    return pd.DataFrame(rows, columns=["code", "label", "language", "source", "group", "split"])


def build_stacked_model(
    folder: Path,
    transformer: Path,
    *,
    weights: tuple[float, float] = (0.6, 1.4),
    bias: float = -0.2,
    languages: dict[str, float] | None = None,
    threshold: float = 0.5,
    uncertain: float = 0.4,
    abstain: dict[str, str] | None = None,
) -> Path:
    """Train the linear member, stack it with the transformer in `transformer`, write `folder`."""
    from codeorigin.core.features import FeatureConfig
    from codeorigin_train.export.stacked import check_linear_parity, write_stacked_folder
    from codeorigin_train.fit.stacker import StackFit
    from codeorigin_train.variants.linear import Linear, LinearConfig

    frame = planted_frame()
    run = folder.parent / f"{folder.name}-linear-run"
    # Version 3 features: the syntax n-grams go through every runtime path the tests take.
    config = LinearConfig(features=FeatureConfig(bucket_bits=BUCKET_BITS).with_syntax(), c=1.0)
    variant = Linear("linear", config)
    variant.fit(frame, run)
    fit = StackFit(
        bias=bias,
        weights={"transformer": weights[0], "linear": weights[1]},
        languages=dict(languages or {"python": 0.1}),
        calibration=(1.0, 0.0),
        oof_logits=pd.Series(dtype=float).to_numpy(),
        folds=0,
        c=1.0,
    )
    extra = {
        "name": "tiny-stacked",
        "thresholds": {"llm": threshold, "uncertain": uncertain},
        "abstain": dict(abstain or {}),
    }
    write_stacked_folder(folder, transformer, run / "linear.npz", fit, extra)
    check_linear_parity(
        folder, variant, frame["code"].tolist()[:20], frame["language"].tolist()[:20]
    )
    return folder
