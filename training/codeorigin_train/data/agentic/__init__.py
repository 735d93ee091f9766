"""The agentic corpus: functions that coding agents wrote in merged pull requests of real
repositories, against dated human functions of the same repositories.

In: the AIDev-pop folder of the shared data (`SAILResearch+AI_Teammates_in_SE3/`: agent pull
requests as patches with their post-images, each repository's files at its last commit before
2021-07-01, and dated human commits in the pull requests' form). Out: `agentic.parquet`, one row
per function with the dataset's columns (`data.build.COLUMNS`) and its provenance (repository,
agent, pull request or commit, path, lines, date, test flag, the share of its lines the change
added).

- `changes`: the pull requests, human commits and snapshots as records;
- `functions`: the function and method spans a change added (the server's span finder and
  too-short rule), and every span of a snapshot file;
- `build`: rows, deduplication, repository splits, the build record; `codeorigin-train agentic`;
- `merge`: the rows into a dataset, with caps so that no repository or agent dominates.
"""
