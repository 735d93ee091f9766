"""Stage 4, export: a trained classifier in, a runtime model folder out.

`folder` writes the ONNX scorer, tokenizer and manifest; `gradient` adds the Integrated Gradients
graph and `ig_steps` measures its default steps; `shipping` is every variant's export path (then
`metrics.json` and the card through `card.metrics`); `stacked` writes a stacked model folder and
`route` its route for project code. Imports `data`, `fit` and `evaluation`; a variant only through
`variants.base` and `variants.registry`.
"""
