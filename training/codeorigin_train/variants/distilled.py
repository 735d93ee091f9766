"""Variants `distilled[-...]`: the CPU-sized student. The scratch BPE encoder (`scratch_bpe`, the
runtime's 20 ms model) trained towards a fine-tuned backbone's judgement as well as the labels.

The teacher is an arm of the GPU bake-off (`backbone.gpu_bakeoff`), whose `logits.parquet` holds
its logit for every text of the pool (dataset, dated real-project code of training and validation
projects, paired functions, generated bodies). A training row's target is
`alpha * label + (1 - alpha) * sigmoid(teacher_logit / T)`; validation rows (early stopping,
calibration) keep their labels, and test rows and held-out projects are never trained on, by
student or teacher.

The name is the recipe, dash-separated after `distilled`: `a<percent>` alpha (default 50), `t<T>`
the temperature (default 2), `gen` adds the generated bodies of training (validation) projects to
the train (validation) rows, and last, `teacher=<arm>` the bake-off arm (default `k12-full-gen`). The student
recipe is `STUDENT`; the teacher's logits are read from `WORK/bakeoff/bk1/logits.parquet`. E.g.
`distilled-a50-t2-gen`.

Its leave-one-source-out folds are not run: the teacher saw every source, so a fold would leak.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from codeorigin_train.fit.workdir import WORK
from codeorigin_train.variants.scratch_bpe import ScratchBPE, ScratchConfig

NAME = "distilled"
#: distilled[-a50-t2-gen]: the scratch student of a GPU teacher.
NAMES = (NAME,)
TEACHER_LOGITS = Path("bakeoff") / "bk1" / "logits.parquet"
DEFAULT_ARM = "k12-full-gen"
#: The student: the scratch recipe of `cand-v3-langs` (3 epochs, 6,000 dated real-project human
#: functions, paired functions 2/1).
STUDENT = ScratchConfig(epochs=3, realcode_train=6000, paired_train=2, paired_val=1)


def parse_recipe(name: str) -> dict[str, Any]:
    """alpha, temperature, generated and teacher arm of a recipe name (module docstring)."""
    if name != NAME and not name.startswith(f"{NAME}-"):
        raise KeyError(f"{name!r} is not a distilled recipe")
    out: dict[str, Any] = {"alpha": 0.5, "temperature": 2.0, "generated": False, "arm": DEFAULT_ARM}
    name, _, arm = name.partition("-teacher=")  # the arm's name has dashes: it comes last
    if arm:
        out["arm"] = arm
    for part in name.split("-")[1:]:
        if part.startswith("a") and part[1:].isdigit():
            out["alpha"] = int(part[1:]) / 100
        elif part.startswith("t") and part[1:].replace(".", "", 1).isdigit():
            out["temperature"] = float(part[1:])
        elif part == "gen":
            out["generated"] = True
        else:
            raise KeyError(f"{name!r}: unknown recipe part {part!r}")
    return out


def soft_targets(
    labels: np.ndarray, teacher: np.ndarray, *, alpha: float, temperature: float
) -> np.ndarray:
    """`alpha * label + (1 - alpha) * sigmoid(teacher / T)`; a row without a teacher logit (NaN)
    keeps its label."""
    y = labels.astype(np.float64)
    p = 1.0 / (1.0 + np.exp(-np.nan_to_num(teacher) / temperature))
    mixed = alpha * y + (1.0 - alpha) * p
    return np.where(np.isnan(teacher), y, mixed)


class Distilled(ScratchBPE):
    """The scratch student with a teacher's soft targets (see the module docstring)."""

    def __init__(self, name: str = NAME, *, work: Path = WORK) -> None:
        super().__init__(name, STUDENT)
        self.recipe = parse_recipe(name)
        self.work = work

    @property
    def description(self) -> str:  # type: ignore[override]
        r = self.recipe
        return (
            f"{super().description}, distilled from the fine-tuned backbone {r['arm']} "
            f"(alpha {r['alpha']}, T {r['temperature']:g})"
        )

    def params(self) -> dict[str, Any]:
        return {**asdict(self.cfg), **{f"distill_{k}": v for k, v in self.recipe.items()}}

    def training_rows(
        self, frame: pd.DataFrame, work: Path
    ) -> tuple[pd.DataFrame, pd.DataFrame | None]:
        frame, real_test = super().training_rows(frame, work)
        if self.recipe["generated"]:
            from codeorigin_train.backbone.bakeoff import generated_rows

            gen = generated_rows(work / "generated.parquet")
            gen = gen[gen["split"] != "test"]  # test projects stay unseen
            frame = pd.concat([frame, gen[frame.columns.intersection(gen.columns)]])
            frame = frame.reset_index(drop=True)
        return frame, real_test

    def teacher_logits(self, frame: pd.DataFrame) -> np.ndarray:
        """The teacher's logit for each row of `frame` (NaN where the pool has none)."""
        from codeorigin_train.backbone.bakeoff import text_key

        path = self.work / TEACHER_LOGITS
        if not path.is_file():
            raise FileNotFoundError(
                f"{path}: run the GPU bake-off first "
                "(docs/research/gpu-backbone.md, 'The GPU bake-off, run on an H100')"
            )
        column = f"logit:{self.recipe['arm']}"
        pool = pd.read_parquet(path, columns=["key", column]).drop_duplicates("key")
        by_key = dict(zip(pool["key"], pool[column].astype(np.float64)))
        return np.array([by_key.get(text_key(c), np.nan) for c in frame["code"].tolist()])

    def targets(self, frame: pd.DataFrame, train: np.ndarray) -> np.ndarray:
        y = frame["label"].to_numpy().astype(np.float64)
        teacher = self.teacher_logits(frame.iloc[train])
        self.coverage = float(np.mean(~np.isnan(teacher))) if len(teacher) else 0.0
        r = self.recipe
        y[train] = soft_targets(y[train], teacher, alpha=r["alpha"], temperature=r["temperature"])
        return y

    def loso_fold(self, frame: pd.DataFrame, train: Any, val: Any, test: Any) -> np.ndarray:
        raise RuntimeError(
            "a distilled student has no leave-one-source-out folds: its teacher saw every source"
        )


def variant(name: str = NAME, *, work: Path = WORK, **_options: Any) -> Distilled:
    """The registry's constructor."""
    return Distilled(name, work=work)
