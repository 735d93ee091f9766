"""Stage 1, the data: the sources' native formats in, rows of code with labels out.

In: the data root (`../shared/data` beside the checkout), pinned real-project releases. Out:
`dataset.parquet` (`build`) and `realcode.parquet` (`realcode/`). One builder module per source
format yields raw `Record`s (`records`, registered in `sources`); `clean` extracts, normalises,
filters and deduplicates; `splits` assigns group-aware splits; `build` writes the parquet file
that training reads. `agentic/` builds the agentic corpus; `inputs` reads the files every stage's
commands take (`InputError`: one line for a missing, unreadable or empty one). Imports no other
stage.
"""
