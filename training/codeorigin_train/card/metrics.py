"""Everything the model card (`model_card.py`) quotes, gathered from a work folder into
`metrics.json`: the dataset, the chosen run's report, its export and its training records.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from codeorigin_train.fit.frames import load_dataset
from codeorigin_train.fit.workdir import run_dir


def dataset_record(df: Any) -> dict[str, Any]:
    """The dataset's counts by source, language and split, generators and build record."""
    from codeorigin_train.data.build import summary

    s = summary(df)
    return {
        "n": len(df),
        "counts": [
            {"source": k[0], "language": k[1], **v} for k, v in s.counts.to_dict("index").items()
        ],
        "by_split": s.by_split.to_dict("index"),
        "generators": df[df.label == 1].groupby("source")["generator"].nunique().to_dict(),
        "build": s.build,
    }


def collect(work: Path, variant: str, *, dataset: Path | None = None) -> dict[str, Any]:
    """The metrics document of the exported run `variant` (`dataset`: WORK/dataset.parquet)."""
    d = run_dir(variant, work)

    def read(name: str) -> Any:
        return json.loads((d / name).read_text())

    return {
        "chosen_variant": variant,
        "dataset": dataset_record(load_dataset(dataset or work / "dataset.parquet")),
        "chosen": read("metrics.json"),
        "export": read("export.json"),
        "training": read("train.json"),
    }


def write_metrics_and_card(work: Path, variant: str, out: Path, **kw: Any) -> dict[str, Any]:
    """`metrics.json` and `MODEL_CARD.md` of an exported run into `out` (see `collect`)."""
    from codeorigin_train.card.model_card import write_card

    metrics = collect(work, variant, **kw)
    out.mkdir(parents=True, exist_ok=True)
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2, default=float))
    write_card(metrics, out / "MODEL_CARD.md")
    return metrics
