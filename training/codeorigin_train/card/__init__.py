"""Stage 5, the model card: a work folder's runs (or a model folder's `metrics.json`) in,
`metrics.json` and `MODEL_CARD.md` out.

`metrics` gathers everything the card quotes (`write_metrics_and_card`, the entry `export.shipping`
calls); `model_card` writes the card, one function per section, from the sections of `results`
(bake-off, baseline, held-out, real-code FPR, targets, ablation, export), `analysis` (one per
analysis tool) and `gpu` (the GPU bake-off); `parts` is what the sections share. Imports every
stage before it.
"""
