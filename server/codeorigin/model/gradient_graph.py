"""The gradient graph's interface: the contract between the exporter and the attributor.

`codeorigin_train.export.gradient` writes `onnx.gradient` with these inputs and outputs and records
`INTERFACE` in the manifest's `attribution` section; `model.attributor` refuses a graph of another
interface version or with other names. Both import them from here, so the two sides cannot drift.

Inputs, one row per path point: `input_ids` and `attention_mask` [B, L] (a window with [CLS] and
[SEP]), `path_mask` [B, L] (1 where the token moves along the path; [CLS], [SEP] and padding stay
put), `alphas` [B] (where on the path), `baseline_scale` [B] (0: the zero embedding as baseline,
1: the [PAD] embedding). Outputs: `logit` [B] (the LLM logit at the point), `grad` [B, L, H] (its
gradient with respect to the embeddings) and `embeds` [B, L, H] (input minus baseline).
"""

from __future__ import annotations

from typing import Literal, get_args

INTERFACE = 1  # bump when the inputs, outputs or their meaning change
INPUT_NAMES = ("input_ids", "attention_mask", "path_mask", "alphas", "baseline_scale")
OUTPUT_NAMES = ("logit", "grad", "embeds")

BaselineKind = Literal["zero", "pad"]
BASELINES: tuple[str, ...] = get_args(BaselineKind)
