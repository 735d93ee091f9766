"""The model families: one module each, behind the `Variant` interface (`base.py`).

In: a frame of rows (from `fit.frames`). Out: a fitted variant's logits, its LOSO folds and, when
exportable, its export spec. A variant puts the stages together (`fit`'s loops and calibration,
`evaluation`'s measures, `export`); every other stage reaches a variant only through
`base` and `registry`. `registry.py` names each family's module; this package file imports
nothing, so that importing one variant module (or the interface) never loads the others.
"""
