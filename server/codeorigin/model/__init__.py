"""The model: a model folder in (its manifest, ONNX graphs, tokenizer and a stacked model's
members), scores and explanations out. Heavy back ends (onnxruntime, numpy) are imported where
they are needed; nothing here imports torch.

- the folder: `manifest` (files, digests, format checks; `fields` of `core` reads it), `stacking`
  (a stacked model's members, stacker, routes and abstentions);
- scoring: `encoding` (normalised text to token ids and windows), `scorer` (`Model`: text in,
  calibrated probability out), `linear` (the linear member over `core.features`);
- explaining: `attribution` (what an explanation is), `attributor` (Integrated Gradients over the
  gradient graph: `gradient_graph`, `quadrature`, `path_integral`), `stacked_attribution` (both
  members' evidence), `pieces` (tokens as ranges of the user's text).
"""
