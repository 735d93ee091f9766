"""Building the training dataset from the sources' native formats.

One builder module per source format (`semeval`, `codenet`, `classeval`, `hallucode`, `codet`, `gcj`,
`anvichip`, `promises`, `back3474`, `codealpaca`) yields raw `Record`s; `clean` extracts, normalises,
filters and deduplicates; `splits` assigns group-aware splits; `build` puts it together and writes
the parquet file that training reads.
"""

from __future__ import annotations

from codeorigin_train.data.records import HUMAN, LLM, Record

__all__ = ["HUMAN", "LLM", "Record"]
