"""Stage 1, the data: the sources' native formats in, rows of code with labels out.

In: the data root (`../shared/data` beside the checkout), pinned real-project releases. Out:
`dataset.parquet` (`build`) and `realcode.parquet` (`realcode/`). One builder module per source
format (`semeval`, `codenet`, `classeval`, `hallucode`, `codet`, `gcj`, `anvichip`, `promises`,
`back3474`, `codealpaca`, ...) yields raw `Record`s (`records`, registered in `sources`); `clean`
extracts, normalises, filters and deduplicates; `splits` assigns group-aware splits; `build` puts
it together and writes the parquet file that training reads. `realcode/` collects dated human
functions of real projects; `inputs` reads the files every stage's commands take, with one line
(`InputError`) for a missing, unreadable or empty one, and checks the paths they write before the
work. Imports no other stage.
"""
