"""The CodeOriginClassifier: a transformers encoder with a small classification head.

The encoder's last hidden state is mean-pooled over real tokens; the sigmoid lives in the loss
(BCE with logits) and in the calibration, so the exported graph returns the raw logit.
"""

from __future__ import annotations

import torch
from torch import nn


def mean_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean of `hidden` [B, L, H] over positions where `mask` [B, L] is 1."""
    m = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * m).sum(1) / m.sum(1).clamp(min=1.0)


class Head(nn.Module):
    """Dropout(0.3) → Linear(H, 256) → ReLU → Dropout(0.2) → Linear(256, 1)."""

    def __init__(self, hidden: int, width: int = 256) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Dropout(0.3),
            nn.Linear(hidden, width),
            nn.ReLU(),
            nn.Dropout(0.2),
            nn.Linear(width, 1),
        )

    def forward(self, pooled: torch.Tensor) -> torch.Tensor:
        return self.net(pooled).squeeze(-1)


class CodeOriginClassifier(nn.Module):
    """Encoder + mean pooling + head; `forward(input_ids, attention_mask)` returns logits [B],
    `forward_embeds` the same from `inputs_embeds` (the Integrated Gradients path)."""

    def __init__(self, encoder: nn.Module, *, freeze: bool = True) -> None:
        super().__init__()
        self.encoder = encoder
        self.head = Head(int(encoder.config.hidden_size))
        self.set_trainable(freeze=freeze)

    def encoder_layers(self) -> list[nn.Module]:
        enc = getattr(self.encoder, "encoder", None)
        layers = getattr(enc, "layer", None)
        return list(layers) if layers is not None else []

    def set_trainable(self, *, freeze: bool) -> None:
        """Freeze the encoder (or not); the head always trains."""
        for p in self.encoder.parameters():
            p.requires_grad = not freeze

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        out = self.encoder(input_ids=input_ids, attention_mask=attention_mask)
        return self.head(mean_pool(out.last_hidden_state, attention_mask))

    def forward_embeds(
        self, inputs_embeds: torch.Tensor, attention_mask: torch.Tensor
    ) -> torch.Tensor:
        out = self.encoder(inputs_embeds=inputs_embeds, attention_mask=attention_mask)
        return self.head(mean_pool(out.last_hidden_state, attention_mask))

    def word_embeddings(self) -> nn.Embedding:
        return self.encoder.get_input_embeddings()
