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


#: The line that makes a planted function read as repository code to a route's domain model.
PROJECT_LINE = '    logger.info("step %s", x)'


def project_function(code: str) -> str:
    """A planted function with the project line after its signature."""
    head, _, body = code.partition("\n")
    return f"{head}\n{PROJECT_LINE}\n{body}"


def add_route(
    folder: Path,
    transformer: Path,
    *,
    weight: float = 2.5,
    python: float = 8.0,
    languages: tuple[str, ...] = ("python",),
    member: dict[str, float] | None = None,
) -> Path:
    """`build_stacked_model`'s folder with a route for project code (manifest format version 3):
    its domain model trained by the training side (`export.route.fit_domain`) on planted
    functions, those with `PROJECT_LINE` standing for repository code; the route stacker's
    weights are given (the transformer's 0, the linear member's `weight`). With `member`
    (version 4), the route reads a member of its own: the linear member and a regression fitted on
    the project functions alone, folded with these weights by `export.route.folded_member`."""
    import numpy as np

    from codeorigin.core.features import FeatureConfig
    from codeorigin.model.manifest import load_manifest
    from codeorigin_train.export.route import (
        DOMAIN_FILE,
        MEMBER_FILE,
        NAME,
        fit_domain,
        folded_member,
    )
    from codeorigin_train.export.stacked import write_stacked_folder
    from codeorigin_train.fit.stacker import StackFit
    from codeorigin_train.variants.linear import Linear, LinearConfig

    raw = load_manifest(folder).raw
    frame = planted_frame(400, seed=1)
    project = np.arange(len(frame)) % 3 == 0
    frame.loc[project, "code"] = frame.loc[project, "code"].map(project_function)
    frame.loc[project, "source"] = "realcode"
    config = LinearConfig(features=FeatureConfig(bucket_bits=BUCKET_BITS).with_syntax(), c=1.0)
    work = folder.parent / f"{folder.name}-route"
    work.mkdir(parents=True, exist_ok=True)
    fit_domain(frame, Linear("linear", config), work / DOMAIN_FILE)
    stacker = raw["stacker"]
    fit = StackFit(stacker["bias"], stacker["weights"], stacker["languages"],
                   (raw["calibration"]["a"], raw["calibration"]["b"]),
                   np.zeros(0), 0, 1.0)  # fmt: skip
    route = {
        "name": NAME,
        "domain": {"file": DOMAIN_FILE, "features": raw["members"]["linear"]["features"]},
        "gate": 0.0,
        "stacker": {"method": "logistic", "bias": 0.0,
                    "weights": {"transformer": 0.0, "linear": weight},
                    "languages": {lang: python for lang in languages}},
        "languages": list(languages),
    }  # fmt: skip
    files = [work / DOMAIN_FILE]
    if member is not None:
        linear = Linear("linear", config)
        linear.load(folder.parent / f"{folder.name}-linear-run")
        own = frame[project]
        agentic = linear.fit_matrix(linear.matrix(own["code"].tolist(), own["language"].tolist()),
                                    own["label"])  # fmt: skip
        folded_member(linear, agentic, member, work / MEMBER_FILE)
        route["member"] = {"file": MEMBER_FILE, "features": route["domain"]["features"]}
        files.append(work / MEMBER_FILE)
    extra = {k: raw[k] for k in ("name", "thresholds", "abstain") if k in raw}
    write_stacked_folder(folder, transformer, folder / "linear.npz", fit, extra, (route, files))
    return folder
