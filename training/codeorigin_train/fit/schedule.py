"""The part of a training recipe that every training loop of the tree has: how many epochs, the
batch size, the learning rate, the weight decay and the seed.

`train.TrainConfig` (the head and top-layers loop) and the scratch encoder's `ScratchConfig`
inherit it, so these five fields are declared once. A recipe's configuration is a frozen dataclass made of such small groups of fields:
inheritance keeps the fields flat, so `asdict(config)` and `Config(**saved)` read and write the
same keys as before they were grouped.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Schedule:
    """How long and how fast a loop trains. The defaults are the shipped model's (`TrainConfig`); a
    recipe with other defaults declares those fields again."""

    epochs: int = 5
    batch_size: int = 16
    lr: float = 1e-3
    weight_decay: float = 0.0
    seed: int = 13
