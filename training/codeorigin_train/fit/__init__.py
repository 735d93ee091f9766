"""Stage 2, fitting: the dataset in, a trained and calibrated model out.

In: `dataset.parquet` and the real-project rows (`frames`: the stratified subset, rows split by
project). Out: weights, validation logits and a `Calibration` (Platt scaling and thresholds,
`calibrate`). `train` is the loop for a token model (and `Schedule`, the recipe part every
training loop shares), `modeling` the `CodeOriginClassifier`, `workdir` the work folder's layout and its
MLflow tracking; for a stacked model, `crossfit` the out-of-fold rows (repository code the member
never saw) and `stacker` the stacker, its calibration and per-language thresholds on them.
Imports only `data`.
"""
