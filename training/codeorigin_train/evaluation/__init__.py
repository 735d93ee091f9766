"""Stage 3, evaluation: a trained model (logits, a run folder or a model folder) in, its figures out.

`evaluate` holds the measures on plain arrays (held-out by source, language and generator family,
leave-one-source-out); `baseline` is the character n-gram model; `plots` draws the figures;
`protocol`, `within` and `era` are the evaluation protocol's parts. `runs` is one run of any
variant: fit -> calibrate -> its figures (`metrics.json` of the run). Imports
`data` and `fit`; a variant only through its interface (`variants.base`).
"""
