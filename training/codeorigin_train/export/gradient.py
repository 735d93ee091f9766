"""Export the Integrated Gradients graph: the gradient of the LLM logit w.r.t. the input embeddings.

The server's Integrated Gradients need d logit / d embeddings at points on a straight path from a
baseline to the input, on onnxruntime alone, so the backward pass is an ONNX graph of its own:

    inputs   input_ids       int64   [B, L]   [CLS] ids [SEP], right-padded
             attention_mask  int64   [B, L]
             path_mask       float32 [B, L]   1: the token's embedding moves along the path;
                                              0: it stays at its input embedding ([CLS], [SEP], pad)
             alphas          float32 [B]      position on the path, 0 = baseline, 1 = input
             baseline_scale  float32 [B]      0: zero-embedding baseline, 1: E[pad] baseline
    inside   x  = E[input_ids]                word embeddings
             x' = path_mask * baseline_scale * E[pad] + (1 - path_mask) * x
             z  = x' + alphas * (x - x')      fed to the model as `inputs_embeds`
    outputs  logit   float32 [B]              F(z)
             grad    float32 [B, L, H]        d logit / d z
             embeds  float32 [B, L, H]        x - x'

The names and the interface version are `codeorigin.model.gradient_graph`'s. B and L are dynamic
(L up to the position table), so one graph serves every length and many path points per run.

How: `make_fx` traces the joint forward and backward (symbolic shapes) of a functional forward
with the parameters as inputs, which are put back as fp32 constants before the torch.export-based
ONNX exporter; eager attention with an additive 4D mask keeps the transformers mask helpers'
data-dependent branches out of the trace. Every export is parity-checked against torch autograd
(`GRADIENT_TOL`); a failure raises `GradientParityError` and leaves the manifest untouched.
"""

from __future__ import annotations

import copy
import logging
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from torch import nn

from codeorigin.model.encoding import TokenEncoder
from codeorigin.model.gradient_graph import BASELINES, INPUT_NAMES, INTERFACE, OUTPUT_NAMES
from codeorigin.model.manifest import write_manifest
from codeorigin.model.quadrature import RULES
from codeorigin_train.export.folder import ParityError, manifest_raw, ort_session
from codeorigin_train.fit.modeling import CodeOriginClassifier, mean_pool

log = logging.getLogger(__name__)

GRADIENT_FILE = "gradient.onnx"
GRADIENT_TOL = 1e-4
GRADIENT_OPSET = 18
# Until `ig_steps.choose_steps` has measured the model: 16 evaluations fit a 1 s hover on two cores;
# Gauss rules' nodes crowd the ends and miss a sharp rise mid-path, which the trapezoid does not.
DEFAULT_RULE = "riemann_trapezoid"
DEFAULT_STEPS = 16


class GradientParityError(ParityError):
    """The exported gradient graph does not reproduce torch autograd on the model."""


class _Core(nn.Module):
    """An fp32 copy of the classifier on `inputs_embeds`: eager attention, additive 4D mask."""

    def __init__(self, model: CodeOriginClassifier) -> None:
        super().__init__()
        clone = copy.deepcopy(model).float().eval()
        clone.encoder.set_attn_implementation("eager")
        self.encoder = clone.encoder
        self.head = clone.head

    def forward(self, inputs_embeds: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        keep = attention_mask[:, None, None, :].to(inputs_embeds.dtype)
        additive = (1.0 - keep) * torch.finfo(inputs_embeds.dtype).min
        out = self.encoder(inputs_embeds=inputs_embeds, attention_mask=additive)
        return self.head(mean_pool(out.last_hidden_state, attention_mask))


class _GradientGraph(nn.Module):
    """The traced joint forward/backward, with the model's tensors held as constants."""

    def __init__(self, traced: torch.fx.GraphModule, tensors: list[torch.Tensor]) -> None:
        super().__init__()
        self.traced = traced
        self.n = len(tensors)
        for i, t in enumerate(tensors):
            self.register_buffer(f"t{i}", t.detach().clone().contiguous())

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        path_mask: torch.Tensor,
        alphas: torch.Tensor,
        baseline_scale: torch.Tensor,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        tensors = [getattr(self, f"t{i}") for i in range(self.n)]
        return self.traced(tensors, input_ids, attention_mask, path_mask, alphas, baseline_scale)


def _path_point(
    table: torch.Tensor, inputs: tuple[torch.Tensor, ...], pad_id: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """(z, x - x') of the module docstring from the inputs (`INPUT_NAMES` order); z needs grad."""
    input_ids, _, path_mask, alphas, baseline_scale = inputs
    x = nn.functional.embedding(input_ids, table)
    moving = path_mask[:, :, None]
    base = baseline_scale[:, None, None] * table[pad_id][None, None, :]
    start = moving * base + (1.0 - moving) * x
    diff = x - start
    return (start + alphas[:, None, None] * diff).detach().requires_grad_(True), diff


def _example() -> tuple[torch.Tensor, ...]:
    """Example inputs, with sizes other than 0 and 1 so symbolic tracing does not specialise them."""
    b, length = 3, 11
    mask = torch.ones((b, length), dtype=torch.long)
    mask[1, -3:] = 0
    ids = torch.full((b, length), 5, dtype=torch.long)
    return ids, mask, mask.to(torch.float32), torch.linspace(0.1, 0.9, b), torch.zeros(b)


def trace_gradient(model: CodeOriginClassifier, *, pad_id: int) -> nn.Module:
    """The gradient graph as a torch module (inputs and outputs as in the module docstring)."""
    from torch.fx.experimental.proxy_tensor import make_fx

    core = _Core(model).eval().requires_grad_(False)
    named = {
        **{k: v.detach() for k, v in core.named_parameters()},
        **{k: v.detach() for k, v in core.named_buffers()},
    }
    names = list(named)
    weight = core.encoder.get_input_embeddings().weight
    emb_key = next(k for k, p in core.named_parameters() if p is weight)

    def joint(
        tensors: list[torch.Tensor], *inputs: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        state = dict(zip(names, tensors))
        z, diff = _path_point(state[emb_key], inputs, pad_id)
        with torch.enable_grad():
            logit = torch.func.functional_call(core, state, (z, inputs[1]))
            (grad,) = torch.autograd.grad(logit.sum(), z)
        return logit.detach(), grad, diff

    tensors = [named[n] for n in names]
    traced = make_fx(joint, tracing_mode="symbolic")(tensors, *_example())
    traced.graph.eliminate_dead_code()
    traced.recompile()
    return _GradientGraph(traced, tensors).eval()


def export_gradient(
    model: CodeOriginClassifier, path: Path, *, pad_id: int, max_length: int = 512
) -> Path:
    """Write the gradient graph to `path`: one self-contained fp32 ONNX file, B and L dynamic."""
    graph = trace_gradient(model, pad_id=pad_id)
    positions = int(getattr(model.encoder.config, "max_position_embeddings", max_length))
    batch = torch.export.Dim("batch", min=1)
    length = torch.export.Dim("length", min=1, max=min(int(max_length), positions))
    # input_ids, attention_mask and path_mask are [B, L]; alphas and baseline_scale [B]
    dynamic = {
        name: {0: batch, 1: length} if i < 3 else {0: batch} for i, name in enumerate(INPUT_NAMES)
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        # The exporter warns about axis names it merged and about pytree internals: not ours to fix.
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", FutureWarning)
        program = torch.onnx.export(
            graph,
            _example(),
            dynamo=True,
            external_data=False,
            input_names=list(INPUT_NAMES),
            output_names=list(OUTPUT_NAMES),
            dynamic_shapes=dynamic,
            opset_version=GRADIENT_OPSET,
            verbose=False,
        )
    program.save(str(path), external_data=False)
    return path


def torch_gradients(
    model: CodeOriginClassifier, feed: dict[str, np.ndarray], *, pad_id: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Reference (logit, grad, embeds) by torch autograd on the original model."""
    model = model.eval()
    inputs = tuple(torch.from_numpy(feed[name]) for name in INPUT_NAMES)
    z, diff = _path_point(model.word_embeddings().weight.detach().float(), inputs, pad_id)
    with torch.enable_grad():
        logit = model.forward_embeds(z, inputs[1])
        (grad,) = torch.autograd.grad(logit.sum(), z)
    return logit.detach().numpy(), grad.numpy(), diff.numpy()


def parity_feeds(
    *,
    vocab_size: int,
    special_ids: tuple[int, int, int],
    lengths: Sequence[int] = (7, 40, 130),
    seed: int = 0,
) -> list[dict[str, np.ndarray]]:
    """Batches that exercise the graph: several lengths, right padding, both baselines, path masks."""
    cls_id, sep_id, pad_id = special_ids
    rng = np.random.default_rng(seed)
    low = min(999, vocab_size // 2)  # ordinary tokens, past the specials of a small vocabulary
    feeds = []
    for n in lengths:
        b = 4
        ids = np.full((b, n), pad_id, dtype=np.int64)
        mask = np.zeros((b, n), dtype=np.int64)
        path = np.zeros((b, n), dtype=np.float32)
        for r in range(b):
            used = max(n - (r * n) // (2 * b), 2)  # row r padded by a growing amount
            ids[r, 0] = cls_id
            ids[r, 1 : used - 1] = rng.integers(low, min(vocab_size, 30000), size=used - 2)
            ids[r, used - 1] = sep_id
            mask[r, :used] = 1
            path[r, 1 : used - 1] = 1.0
        feeds.append(
            {
                "input_ids": ids,
                "attention_mask": mask,
                "path_mask": path,
                "alphas": np.array([0.0, 0.3, 0.7, 1.0], dtype=np.float32),
                "baseline_scale": np.array([0.0, 1.0, 0.0, 1.0], dtype=np.float32),
            }
        )
    return feeds


def check_gradient_parity(
    model: CodeOriginClassifier,
    path: Path,
    feeds: Sequence[dict[str, np.ndarray]],
    *,
    pad_id: int,
    tol: float = GRADIENT_TOL,
) -> dict[str, float]:
    """Compare onnxruntime's (logit, grad, embeds) with torch autograd; raise above `tol`. Returns
    the max abs differences, the tolerance, the rows, and `rel_grad_diff` (max |grad diff| / max
    |grad|)."""
    session = ort_session(path)
    worst_logit = worst_grad = largest_grad = 0.0
    rows = 0
    for feed in feeds:
        got_logit, got_grad, got_embeds = session.run(list(OUTPUT_NAMES), feed)
        ref_logit, ref_grad, ref_embeds = torch_gradients(model, feed, pad_id=pad_id)
        if got_grad.shape != ref_grad.shape or got_logit.shape != ref_logit.shape:
            raise GradientParityError(
                f"{path}: output shapes {got_logit.shape}, {got_grad.shape} differ from torch "
                f"{ref_logit.shape}, {ref_grad.shape}"
            )
        worst_logit = max(worst_logit, float(np.max(np.abs(got_logit - ref_logit))))
        worst_grad = max(worst_grad, float(np.max(np.abs(got_grad - ref_grad))))
        largest_grad = max(largest_grad, float(np.max(np.abs(ref_grad))))
        worst_grad = max(worst_grad, float(np.max(np.abs(got_embeds - ref_embeds))))
        rows += int(feed["input_ids"].shape[0])
    rel = worst_grad / largest_grad if largest_grad > 0 else 0.0
    # Gradients within `tol` absolutely or relative to the largest: fp32 rounding of a gradient of
    # size 10 already exceeds 1e-4.
    if not (worst_logit <= tol and (worst_grad <= tol or rel <= tol)):  # inf fails too
        raise GradientParityError(
            f"{path}: max |logit difference| {worst_logit:.3g}, max |gradient difference| "
            f"{worst_grad:.3g} (relative {rel:.3g}); the tolerance is {tol:g}"
        )
    return {
        "max_abs_logit_diff": worst_logit,
        "max_abs_grad_diff": worst_grad,
        "tolerance": tol,
        "rows": rows,
        "rel_grad_diff": rel,
    }


def add_gradient_graph(
    model: CodeOriginClassifier,
    folder: Path,
    *,
    steps: int = DEFAULT_STEPS,
    rule: str = DEFAULT_RULE,
    baseline: str = "zero",
) -> dict[str, float]:
    """Export, parity-check and register the gradient graph of `model` in a model folder written
    by `write_model_folder` (its tokenizer gives the special ids and the length): the manifest
    gains the file, `onnx.gradient` and an `attribution` section; returns the parity figures."""
    if rule not in RULES or baseline not in BASELINES or int(steps) < 2:
        raise ValueError(
            f"bad attribution defaults: rule {rule!r} (one of {RULES}), baseline {baseline!r} "
            f"(one of {BASELINES}), steps {steps!r} (2 or more)"
        )
    folder = Path(folder)
    raw = manifest_raw(folder)
    tok = raw.get("tokenizer", {})
    encoder = TokenEncoder(
        folder / str(tok.get("file", "tokenizer.json")),
        max_length=int(raw.get("max_length", 512)),
        layout=bool(tok.get("layout_markers", False)),
    )
    pad_id, max_length = encoder.pad_id, encoder.max_length
    path = export_gradient(model, folder / GRADIENT_FILE, pad_id=pad_id, max_length=max_length)
    vocab = int(model.word_embeddings().weight.shape[0])
    lengths = sorted({min(n, max_length) for n in (7, 40, 130)})
    feeds = parity_feeds(
        vocab_size=vocab, special_ids=(encoder.cls_id, encoder.sep_id, pad_id), lengths=lengths
    )
    try:
        parity = check_gradient_parity(model, path, feeds, pad_id=pad_id)
    except GradientParityError:
        path.unlink(missing_ok=True)
        raise
    log.info("gradient parity: %s", parity)
    raw["onnx"] = {**raw.get("onnx", {}), "gradient": GRADIENT_FILE}
    raw["attribution"] = {
        **raw.get("attribution", {}),
        "method": "integrated_gradients",
        "interface": INTERFACE,
        "steps": int(steps),
        "rule": rule,
        "baseline": baseline,
        "parity": {
            k: parity[k] for k in ("max_abs_logit_diff", "max_abs_grad_diff", "rel_grad_diff")
        }
        | {"tolerance": GRADIENT_TOL},
    }
    raw["files"] = [*raw["files"], GRADIENT_FILE]
    write_manifest(folder, raw)
    return parity
