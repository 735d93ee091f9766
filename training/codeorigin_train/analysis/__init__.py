"""Analysis tools after the research threads behind the design, run on any model folder or training
run, each a command of `codeorigin-train`: which attention heads separate LLM from human code
(`heads`), a model judged on HumanEval-style samples (`evaluate-samples`), what a user's edits do
to the score (`robustness`, with `transforms`), and the code-representation arm (`coderep-loso`,
its representation in `coderep`). Each writes its tables and PNG plots into an output folder and
as MLflow artifacts and, with `--card`, records its summary in the model folder (`record.py`).
The protocol command (`protocol`) and its stacked learners live here too.
"""
