"""Stage 3, evaluation: a trained model (logits, a run folder or a model folder) in, its figures out.

`evaluate` holds the measures on plain arrays; `baseline` is the character n-gram model; `plots`
draws the figures; `protocol`, `within` and `era` are the evaluation protocol's parts; `runs` is
one run of any variant. Imports `data` and `fit`; a variant only through `variants.base`.
"""
