"""Stage 5, the model card: a work folder's runs (or a model folder's `metrics.json`) in,
`metrics.json` and `MODEL_CARD.md` out. `metrics` gathers what the card quotes
(`write_metrics_and_card`, called by `export.shipping`); `model_card` writes the card, opening
with `headline` (with `within` and `results`); `analysis` has one section per analysis tool,
`protocol` the protocol's printed figures; `parts` what the sections share. Imports every stage
before it.
"""
