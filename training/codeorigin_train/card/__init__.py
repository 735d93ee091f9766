"""Stage 5, the model card: a work folder's runs (or a model folder's `metrics.json`) in,
`metrics.json` and `MODEL_CARD.md` out.

`metrics` gathers everything the card quotes (`write_metrics_and_card`, the entry `export.shipping`
calls); `model_card` writes the card (at most 200 lines), one function per section of "Model Cards
for Model Reporting", opening with `headline` (what it catches and whom it flags, by kind of code
and by language, on code it never saw; `within` adds the within-repository tables, `results` the
transformer's own held-out figures where the protocol has not run); `analysis` has one section
per analysis tool, `protocol` the protocol's printed figures; `parts` is what the sections share.
Imports every stage before it.
"""
