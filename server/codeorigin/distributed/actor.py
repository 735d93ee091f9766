"""The Ray actor of `scan --ray`: the model loaded once on its node (its files shipped through
Ray's object store, so a node needs codeorigin installed but not the model folder), an engine with
its cache, and a chunk's file reports made with `scan.scoring.score_chunk`, the code a local scan
runs.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from codeorigin.report.data import Explained, FileReport
from codeorigin.scan import local, scoring
from codeorigin.scan.options import ScanOptions
from codeorigin.scan.reading import Read
from codeorigin.scan.scoring import Pending

if TYPE_CHECKING:
    from codeorigin.engine.judging import SpanResult


class Scorer:
    """A Ray actor's state: the model, loaded once, and an engine with its cache.

    `model_files` are the model folder's files by name; they are written to a temporary folder on
    the actor's node, loaded from there and the folder removed at once (the actors are killed at
    the scan's end, which runs no finaliser: a folder kept for their life stayed in the node's
    temporary folder, the model's size each)."""

    def __init__(self, model_files: dict[str, bytes], threads: int, options: ScanOptions):
        from codeorigin.engine.scoring import Engine
        from codeorigin.model.scorer import Model

        with tempfile.TemporaryDirectory(prefix="codeorigin-model-") as folder:
            for name, data in model_files.items():
                Path(folder, name).write_bytes(data)
            model = Model.load(folder, threads=threads)
            self.engine = Engine(model).calibrated(options.calibrated)
            self.options = options
            self.attributor = None
            if options.explain:
                from codeorigin.model.attributor import Attributor

                self.attributor = Attributor(model)
                self.attributor.warm_up()  # its graph is read now, while the folder exists

    def describe(self) -> tuple[str, tuple[float, local.Named, local.Named, local.Named], int, str]:
        """(model name, the report's thresholds, this process's pid, its node's address)."""
        import socket

        return (
            self.engine.model.name,
            local.thresholds(self.engine, self.options),
            os.getpid(),
            socket.gethostname(),
        )

    def score(self, chunk: list[Read | FileReport]) -> tuple[list[FileReport], list[Pending]]:
        """The chunk's reports and, with `explain_top`, its most probable flagged spans (the
        scan's are among them), to explain when the scan is done (`explain`)."""
        top = self.options.explain_top
        if self.attributor is None or top is None:
            return scoring.score_chunk(self.engine, chunk, self.options, self.attributor), []
        pending: list[Pending] = []
        reports = scoring.score_chunk(self.engine, chunk, self.options, self.attributor, pending)
        return reports, scoring.most_probable(pending, top)

    def explain(self, text: str, result: SpanResult) -> Explained | None:
        assert self.attributor is not None
        return scoring.explain_span(self.attributor, text, result, self.options)
