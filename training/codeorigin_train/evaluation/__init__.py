"""Stage 3, evaluation: a trained model (logits, a run folder or a model folder) in, its figures out.

`evaluate` holds the measures and protocols on plain arrays (held-out by source, language and
generator family, leave-one-source-out, the comments ablation); `baseline` is the character n-gram
model and `reference` its figures on the same rows; `plots` draws the figures. `runs` is one run
of any variant: fit -> calibrate -> report (`report.json`, `metrics.json` of the run). Imports
`data` and `fit`; a variant only through its interface (`variants.base`).
"""
