"""Analysis commands of `codeorigin-train`, run on a model folder or training run: `heads`,
`evaluate-samples` (`samples`), `robustness` (with `transforms`) and `coderep-loso` (with
`coderep`); each writes tables and plots to an output folder and MLflow and, with `--card`,
records its summary in the model folder (`record`). Also the `protocol` command and its learners.
"""
