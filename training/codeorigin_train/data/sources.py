"""The registry of sources: folder, builder and default caps, in one place.

Caps keep the dataset near 25k samples and each source close to label balance: `llm_per_group`
keeps at most that many LLM samples per problem and language, `max_samples` whole groups,
label-balanced, up to that many samples. Both apply after cleaning and deduplication.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from codeorigin_train.data import (
    advent_generated,
    anvichip,
    aoc24,
    back3474,
    classeval,
    codealpaca,
    codenet,
    codet,
    gcj,
    gptclonebench,
    gpteacher,
    hallucode,
    pltranslation,
    promises,
    semeval,
)
from codeorigin_train.data.records import Record


@dataclass(frozen=True)
class SourceCaps:
    """How much of a source the dataset keeps (None: no limit)."""

    max_samples: int | None = None
    llm_per_group: int | None = None


@dataclass(frozen=True)
class Source:
    """A source: its short name, its folder under the data root, its builder and default caps."""

    name: str
    folder: str
    read: Callable[[Path], Iterable[Record]] = field(repr=False)
    caps: SourceCaps = SourceCaps()

    @classmethod
    def of(cls, module: ModuleType, caps: SourceCaps = SourceCaps()) -> Source:
        """The source a reader module describes with its `SOURCE`, `FOLDER` and `read`."""
        return cls(module.SOURCE, module.FOLDER, module.read, caps)


SOURCES: dict[str, Source] = {
    s.name: s
    for s in (
        Source.of(semeval),
        Source.of(codenet),
        # 100 human classes against up to 1,300 generations: two generators per task.
        Source.of(classeval, SourceCaps(llm_per_group=2)),
        # Ten generations per task, many identical: two distinct ones per task.
        Source.of(hallucode, SourceCaps(llm_per_group=2)),
        Source.of(codet),
        # 5.6k pairs would make GCJ Java a quarter of the data: 3,000 pairs.
        Source.of(gcj, SourceCaps(max_samples=6000)),
        Source.of(anvichip),
        Source.of(promises),
        # 18 human solutions against 126 answers from 7 generators: two per problem and language.
        Source.of(back3474, SourceCaps(llm_per_group=2)),
        # LLM-only: enough to add languages' LLM variety without swamping the human side.
        Source.of(codealpaca, SourceCaps(max_samples=1500)),
        # ~640 human Java fragments against ~5,500 translations: one per fragment and language.
        Source.of(gptclonebench, SourceCaps(max_samples=1400, llm_per_group=1)),
        # LLM-only, codealpaca's answers again (deduplication keeps codealpaca's, listed first).
        Source.of(gpteacher, SourceCaps(max_samples=1000)),
        # LLM-only with label noise: one part per day and language (part 2 repeats part 1), 800.
        Source.of(advent_generated, SourceCaps(max_samples=800, llm_per_group=1)),
        # 166 answers from 17 models and 6 of the author's own solutions: all kept.
        Source.of(aoc24),
        # 595 LLaMA/StarCoder translations, two per source program at most: all kept.
        Source.of(pltranslation),
    )
}
