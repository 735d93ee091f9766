"""The agentic corpus: functions that coding agents wrote in merged pull requests of real
repositories, against dated human functions of the same repositories.

In: the shared folders `SAILResearch+AI_Teammates_in_SE3/` (`changes`) and `agent-changes/`
(`agent_changes`). Out: `agentic.parquet` (`build`: one row per function, `functions` finds them),
merged into a dataset with caps (`merge`); the added lines as fragments (`fragments`) and the
untouched functions beside the agents' changes (`context`).
"""
