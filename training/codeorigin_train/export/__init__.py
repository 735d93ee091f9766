"""Stage 4, export: a trained classifier in, a runtime model folder out.

`folder` writes the ONNX scorer, `gradient` the Integrated Gradients graph, `ig_steps` its default
steps; `shipping` is every variant's export path; `stacked` writes a stacked model folder, `route`
its route for project code. Imports `data`, `fit`, `evaluation` and `variants.base`/`registry`.
"""
