"""The gradient graph's interface: the contract between the exporter and the attributor.

`codeorigin_train.export.gradient` writes `onnx.gradient` with these inputs and outputs and records
`INTERFACE` in the manifest's `attribution` section; `model.attributor` refuses a graph of another
interface version or with other names (`check_interface`, `check_session`). Both import them from here, so the two sides cannot drift.

Inputs, one row per path point: `input_ids` and `attention_mask` [B, L] (a window with [CLS] and
[SEP]), `path_mask` [B, L] (1 where the token moves along the path; [CLS], [SEP] and padding stay
put), `alphas` [B] (where on the path), `baseline_scale` [B] (0: the zero embedding as baseline,
1: the [PAD] embedding). Outputs: `logit` [B] (the LLM logit at the point), `grad` [B, L, H] (its
gradient with respect to the embeddings) and `embeds` [B, L, H] (input minus baseline).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, get_args

from codeorigin.model.manifest import ModelError

INTERFACE = 1  # bump when the inputs, outputs or their meaning change
INPUT_NAMES = ("input_ids", "attention_mask", "path_mask", "alphas", "baseline_scale")
OUTPUT_NAMES = ("logit", "grad", "embeds")

BaselineKind = Literal["zero", "pad"]
BASELINES: tuple[str, ...] = get_args(BaselineKind)


def check_interface(section: dict[str, Any], folder: Path) -> None:
    """The interface version in a manifest's `attribution` section (absent: this one); raises
    `ModelError` saying what to do: upgrade codeorigin for a newer one, else re-export."""
    interface = section.get("interface", INTERFACE)
    if interface == INTERFACE:
        return
    newer = isinstance(interface, int) and not isinstance(interface, bool) and interface > INTERFACE
    advice = (
        "Upgrade codeorigin, or use a model exported by this codeorigin version."
        if newer
        else "Re-export the model."
    )
    raise ModelError(
        f"the gradient graph of {folder} has interface version {interface!r}; this codeorigin "
        f"reads version {INTERFACE}. {advice}"
    )


def check_session(session: Any, path: Path) -> None:
    """An onnxruntime session on `path` has this interface's inputs and outputs; raises
    `ModelError` saying what to do otherwise."""
    names = tuple(i.name for i in session.get_inputs())
    outs = tuple(o.name for o in session.get_outputs())
    if set(names) != set(INPUT_NAMES) or not set(OUTPUT_NAMES) <= set(outs):
        raise ModelError(
            f"{path} is not a codeorigin gradient graph (inputs {names}, outputs {outs}); "
            "re-export it."
        )
