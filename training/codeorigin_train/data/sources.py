"""The registry of sources: folder, builder and default caps, in one place.

Caps keep the dataset near 25k samples and each source close to label balance:
`llm_per_group` keeps at most that many LLM samples per problem and language (benchmarks with many
generations per task), and `max_samples` keeps whole groups, label-balanced, until the source holds that many.
Both apply after cleaning and deduplication. The build records the caps it used.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from codeorigin_train.data import (
    anvichip,
    back3474,
    classeval,
    codealpaca,
    codenet,
    codet,
    gcj,
    hallucode,
    promises,
    semeval,
)
from codeorigin_train.data.records import Record


@dataclass(frozen=True)
class SourceCaps:
    """How much of a source the dataset keeps (None: no limit)."""

    max_samples: int | None = None
    llm_per_group: int | None = None

    def to_dict(self) -> dict[str, int | None]:
        return asdict(self)


@dataclass(frozen=True)
class Source:
    """A source: its short name, its folder under the data root, its builder and default caps."""

    name: str
    folder: str
    read: Callable[[Path], Iterable[Record]] = field(repr=False)
    caps: SourceCaps = SourceCaps()


SOURCES: dict[str, Source] = {
    s.name: s
    for s in (
        Source(semeval.SOURCE, semeval.FOLDER, semeval.read),
        Source(codenet.SOURCE, codenet.FOLDER, codenet.read),
        # 100 human classes against up to 1,300 generations: two generators per task.
        Source(classeval.SOURCE, classeval.FOLDER, classeval.read, SourceCaps(llm_per_group=2)),
        # Ten generations per task, many identical: two distinct ones per task.
        Source(hallucode.SOURCE, hallucode.FOLDER, hallucode.read, SourceCaps(llm_per_group=2)),
        Source(codet.SOURCE, codet.FOLDER, codet.read),
        # 5.6k pairs would make GCJ Java a quarter of the data: 3,000 pairs.
        Source(gcj.SOURCE, gcj.FOLDER, gcj.read, SourceCaps(max_samples=6000)),
        Source(anvichip.SOURCE, anvichip.FOLDER, anvichip.read),
        Source(promises.SOURCE, promises.FOLDER, promises.read),
        # 18 human solutions against 126 answers from 7 generators: two per problem and language.
        Source(back3474.SOURCE, back3474.FOLDER, back3474.read, SourceCaps(llm_per_group=2)),
        # LLM-only: enough to add languages' LLM variety without swamping the human side.
        Source(codealpaca.SOURCE, codealpaca.FOLDER, codealpaca.read, SourceCaps(max_samples=1500)),
    )
}

DEFAULT_CAPS: dict[str, SourceCaps] = {name: s.caps for name, s in SOURCES.items()}
