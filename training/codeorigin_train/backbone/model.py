"""The backbone classifier: a pretrained transformer (decoder or encoder), cut to its first K
layers, pooled over tokens, with the design's head.

`BackboneEncoder` makes any transformers base model usable like an encoder with the interface the
rest of the training tree expects (`CodeOriginClassifier`'s `encoder`): it takes `input_ids` or
`inputs_embeds` and a 2D keep mask or a 4D additive mask, and always hands the model one 4D additive
mask, causal for a decoder. transformers passes a 4D mask through untouched, so the ONNX scorer, the
Integrated Gradients graph (`export.gradient`, which feeds a 4D additive padding mask) and training
all compute exactly the same attention.

`BackboneClassifier` = `BackboneEncoder` + pooling (mean over real tokens, or the last real token;
windows are right-padded) + `modeling.Head` (Dropout 0.3 → Linear(H, 256) → ReLU → Dropout 0.2 →
Linear(256, 1)); `forward(input_ids, attention_mask)` returns the raw logit per row (the sigmoid
belongs to the loss and the calibration).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn
from transformers.modeling_outputs import BaseModelOutput

from codeorigin.model.encoding import TokenEncoder
from codeorigin_train.backbone.source import (
    EncoderSource,
    cache_root,
    is_causal,
    load_model,
    load_tokenizer,
    resolve_source,
    runtime_tokenizer,
)
from codeorigin_train.fit.modeling import Head, mean_pool

POOLINGS = ("mean", "last")
MODES = ("frozen", "unfreeze", "full")
# Where the layer stack lives in the base models of the common families.
_LAYER_PATHS = ("layers", "encoder.layer", "h", "transformer.h", "decoder.layers")
# Final norms that sit after the layer stack: trained along with the top layers.
_FINAL_NORMS = ("norm", "ln_f", "final_layer_norm", "final_layernorm")


def _get(module: nn.Module, dotted: str) -> Any:
    for part in dotted.split("."):
        module = getattr(module, part, None)  # type: ignore[assignment]
        if module is None:
            return None
    return module


def layer_stack(base: nn.Module) -> tuple[str, nn.ModuleList]:
    """(attribute path, ModuleList) of the model's transformer layers."""
    for path in _LAYER_PATHS:
        found = _get(base, path)
        if isinstance(found, nn.ModuleList):
            return path, found
    raise ValueError(f"cannot find the layer stack of {type(base).__name__}")


def truncate_layers(base: nn.Module, keep: int) -> nn.Module:
    """Keep the first `keep` transformer layers of `base` (in place) and say so in its config."""
    path, layers = layer_stack(base)
    if not 1 <= keep <= len(layers):
        raise ValueError(f"layers={keep}: the model has {len(layers)} layers")
    parent_path, _, attr = path.rpartition(".")
    parent = _get(base, parent_path) if parent_path else base
    setattr(parent, attr, nn.ModuleList(list(layers)[:keep]))
    config = base.config
    config.num_hidden_layers = keep
    if isinstance(getattr(config, "layer_types", None), list):
        config.layer_types = config.layer_types[:keep]
    return base


def alias_embeddings(base: nn.Module, aliases: dict[int, int]) -> None:
    """Make embedding row `new` a copy of row `old` for each `{new: old}`, growing the table when
    `new` is past its end (the runtime tokenizer's added `[CLS]`/`[SEP]`/`[PAD]`)."""
    if not aliases:
        return
    rows = max(aliases) + 1
    if rows > base.get_input_embeddings().num_embeddings:
        base.resize_token_embeddings(rows, mean_resizing=False)
    table = base.get_input_embeddings().weight
    with torch.no_grad():
        for new, old in aliases.items():
            table[new] = table[old]


def additive_mask(
    mask: torch.Tensor, dtype: torch.dtype, *, causal: bool, length: int
) -> torch.Tensor:
    """A 4D additive mask [B, 1, L, L] (or [B, 1, 1, L] when not causal) from a 2D keep mask
    [B, L] or a 4D additive one; `causal` adds the lower-triangular constraint."""
    low = torch.finfo(dtype).min
    if mask.dim() == 2:
        keep = mask[:, None, None, :].to(dtype)
        add = (1.0 - keep) * low
    elif mask.dim() == 4:
        add = mask.to(dtype)
    else:
        raise ValueError(f"attention mask of rank {mask.dim()}: expected 2 or 4")
    if not causal:
        return add
    pos = torch.arange(length, device=mask.device)
    future = (pos[None, :] > pos[:, None]).to(dtype) * low
    return torch.clamp(add + future[None, None, :, :], min=low)


class BackboneEncoder(nn.Module):
    """A transformers base model used as an encoder: one 4D additive mask, causal for decoders."""

    def __init__(self, base: nn.Module, *, causal: bool) -> None:
        super().__init__()
        self.base = base
        self.causal = bool(causal)

    @property
    def config(self) -> Any:
        return self.base.config

    def get_input_embeddings(self) -> nn.Embedding:
        return self.base.get_input_embeddings()  # type: ignore[no-any-return]

    def set_attn_implementation(self, implementation: str) -> None:
        self.base.set_attn_implementation(implementation)

    def layers(self) -> list[nn.Module]:
        return list(layer_stack(self.base)[1])

    def final_norms(self) -> list[nn.Module]:
        return [m for n in _FINAL_NORMS if isinstance(m := getattr(self.base, n, None), nn.Module)]

    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
    ) -> BaseModelOutput:
        if inputs_embeds is None:
            if input_ids is None:
                raise ValueError("pass input_ids or inputs_embeds")
            inputs_embeds = self.get_input_embeddings()(input_ids)
        b, length = inputs_embeds.shape[:2]
        if attention_mask is None:
            attention_mask = torch.ones((b, length), dtype=torch.long, device=inputs_embeds.device)
        mask = additive_mask(attention_mask, inputs_embeds.dtype, causal=self.causal, length=length)
        kwargs: dict[str, Any] = {"use_cache": False} if self.causal else {}
        out = self.base(inputs_embeds=inputs_embeds, attention_mask=mask, **kwargs)
        return BaseModelOutput(last_hidden_state=out.last_hidden_state)


def last_token_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """The hidden state of each row's last real token (rows are right-padded)."""
    last = (mask.sum(1).long() - 1).clamp(min=0)
    return hidden[torch.arange(hidden.shape[0], device=hidden.device), last]


class BackboneClassifier(nn.Module):
    """Encoder + pooling + head; `forward(input_ids, attention_mask)` returns logits [B].

    Has the parts the export path and the gradient graph use: `encoder`, `head`, `forward_embeds`,
    `word_embeddings`. The gradient graph pools by mean (`export.gradient._Core`), so only a
    mean-pooled classifier gets one (`export.export_backbone` says so for last-token pooling).
    """

    def __init__(self, encoder: BackboneEncoder, *, pooling: str = "mean") -> None:
        super().__init__()
        if pooling not in POOLINGS:
            raise ValueError(f"pooling {pooling!r}: one of {POOLINGS}")
        self.encoder = encoder
        self.head = Head(int(encoder.config.hidden_size))
        self.pooling = pooling

    def pool(self, hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return mean_pool(hidden, mask) if self.pooling == "mean" else last_token_pool(hidden, mask)

    def features(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """Pooled hidden states [B, H]: what the frozen mode caches."""
        out = self.encoder(input_ids=input_ids, attention_mask=attention_mask)
        return self.pool(out.last_hidden_state, attention_mask)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(input_ids, attention_mask).float())

    def forward_embeds(
        self, inputs_embeds: torch.Tensor, attention_mask: torch.Tensor
    ) -> torch.Tensor:
        out = self.encoder(inputs_embeds=inputs_embeds, attention_mask=attention_mask)
        return self.head(self.pool(out.last_hidden_state, attention_mask).float())

    def word_embeddings(self) -> nn.Embedding:
        return self.encoder.get_input_embeddings()

    def encoder_layers(self) -> list[nn.Module]:
        return self.encoder.layers()

    def set_trainable(self, mode: str, unfreeze: int = 0) -> None:
        """`frozen`: head only; `unfreeze`: head + top `unfreeze` layers (and the final norm);
        `full`: everything."""
        if mode not in MODES:
            raise ValueError(f"mode {mode!r}: one of {MODES}")
        for p in self.encoder.parameters():
            p.requires_grad = mode == "full"
        if mode == "unfreeze":
            if unfreeze < 1:
                raise ValueError("mode 'unfreeze' needs unfreeze >= 1")
            for module in [*self.encoder_layers()[-unfreeze:], *self.encoder.final_norms()]:
                for p in module.parameters():
                    p.requires_grad = True
        for p in self.head.parameters():
            p.requires_grad = True


@dataclass(frozen=True)
class BackboneSpec:
    """What to build: `encoder` as `source.resolve_source` reads it, the first `layers` layers
    (None: all), the pooling and the window length (tokens, start and end tokens included)."""

    encoder: str | None = None
    layers: int | None = None
    pooling: str = "mean"
    max_length: int = 256

    def to_params(self) -> dict[str, Any]:
        return {
            "encoder": self.encoder or "smollm2",
            "layers": self.layers if self.layers is not None else "all",
            "pooling": self.pooling,
            "max_length": self.max_length,
        }


@dataclass
class Backbone:
    """A loaded classifier with the tokenizer the runtime will use for it."""

    classifier: BackboneClassifier
    source: EncoderSource
    spec: BackboneSpec
    tokenizer_file: Path  # tokenizer.json for the runtime (with [CLS]/[SEP]/[PAD] names)
    token_encoder: TokenEncoder  # the runtime's encoder over `tokenizer_file`

    @property
    def key(self) -> str:
        """Identifies the features this backbone computes (for the frozen cache)."""
        s = self.spec
        return f"{self.source.name}.L{s.layers or 'all'}.{s.pooling}.{s.max_length}"


def load_backbone(spec: BackboneSpec, *, cache_dir: str | Path | None = None) -> Backbone:
    """Resolve, load and cut the backbone of `spec`, with a fresh head and its runtime tokenizer."""
    source = resolve_source(spec.encoder)
    tokenizer = load_tokenizer(source, cache_dir=cache_dir)
    base = load_model(source)
    if spec.layers is not None:
        truncate_layers(base, spec.layers)
    encoder = BackboneEncoder(base, causal=is_causal(base.config))
    classifier = BackboneClassifier(encoder, pooling=spec.pooling)
    digest = hashlib.sha256(repr(source.describe()).encode()).hexdigest()[:12]
    tok_file, aliases = runtime_tokenizer(
        tokenizer, base.config, cache_root(cache_dir) / "runtime" / digest / "tokenizer.json"
    )
    alias_embeddings(base, aliases)
    token_encoder = TokenEncoder(tok_file, max_length=spec.max_length, layout=False)
    return Backbone(classifier, source, spec, tok_file, token_encoder)
