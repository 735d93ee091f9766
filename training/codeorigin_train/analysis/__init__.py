"""Analysis tools after the research threads behind the design, run on any model folder or training
run: which attention heads separate LLM from human code (`heads`), a model judged on HumanEval-style
samples (`samples`), what a user's edits do to the score (`robustness`, with `transforms`), and the
compact tree-sitter representation of the code-representation arm (`coderep`).

Each tool is a command of `codeorigin-train` (`heads`, `evaluate-samples`, `robustness`,
`coderep-invariance`), writes its tables and PNG plots into an output folder and as MLflow
artifacts, and with `--card` records its summary in the model folder's `metrics.json` and its
section in `MODEL_CARD.md` (`record.py`; the sections are rendered by `card/analysis.py`).

The last stage: a model folder or a run in, tables and plots out. Imports any stage; the coderep
variant reads its representation from `coderep`.
"""
