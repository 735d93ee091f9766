"""Stage 4, export: a trained classifier in, a runtime model folder out.

`folder` writes the ONNX scorer, tokenizer and manifest with a parity check against torch;
`gradient` adds the Integrated Gradients graph and `ig_steps` measures its default step count;
`shipping` is the one export path of every variant (`ship`: the folder,
then `metrics.json` and the card through `card.metrics`); `stacked` writes a stacked model folder
and `route` its route for project code. Imports `data`, `fit` and `evaluation`; a variant only
through its interface (`variants.base`, `variants.registry`).
"""
