"""codeorigin's training tree: one package per stage of a model's life, in the order the data flows.

    data/        native source formats -> dataset.parquet; dated real-project code; generated bodies
    fit/         the dataset -> a trained, calibrated model (loop, schedule, calibration, stacker)
    evaluation/  a trained model -> its figures (held-out, real-project FPR, the protocol);
                 `runs` is one run of any variant
    export/      a trained model -> a runtime model folder (ONNX + parity, gradient graph)
    variants/    one file per model family behind the `Variant` interface, built on the stages above
    card/        a work folder's figures -> metrics.json and MODEL_CARD.md, one module per section
    analysis/    a model folder or run -> research tables and plots, recorded into its card

A stage imports only the stages above it; a later one only through its interface (`variants.base`,
`variants.registry`, `analysis.coderep`, `card.metrics`; `tests/training/test_import_graph.py`
keeps the order). `cli.py` and `cli_parser.py` (`codeorigin-train`) only parse and dispatch.
"""
