"""The loaded models: one `Engine` per (model folder, thread count), loaded off the event loop.

`codeorigin.modelPath` picks the folder (relative paths are resolved against the document's
workspace folder, else the workspace's root, else the folder the server was started in; empty means the server's `--model`, else the shipped default model) and
`codeorigin.threads` the onnxruntime thread count. A folder that cannot be loaded (`ModelError`) is
reported once with what to do, remembered, and not retried until the configuration changes or the
user asks to rescore; the server keeps answering without diagnostics meanwhile.

Each engine caches the scores of up to `SCORE_CACHE_SIZE` span texts (least recently used ones
are evicted). The environment variable `CODEORIGIN_CACHE_SIZE` sets another bound: an internal knob
for tests and for memory-constrained machines, not a user setting.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types

from codeorigin.engine.scoring import SCORE_CACHE_SIZE, Engine
from codeorigin.lsp import memory
from codeorigin.lsp.host import Host
from codeorigin.lsp.progress import work_done
from codeorigin.lsp.vocabulary import no_model_message
from codeorigin.model.manifest import ModelError, default_model_dir

if TYPE_CHECKING:
    from codeorigin.lsp.options import Settings
    from codeorigin.model.scorer import Model

log = logging.getLogger(__name__)

CACHE_SIZE_VARIABLE = "CODEORIGIN_CACHE_SIZE"


def cache_size() -> int:
    """The score cache bound: `CODEORIGIN_CACHE_SIZE` when it is a positive whole number."""
    raw = os.environ.get(CACHE_SIZE_VARIABLE, "").strip()
    if not raw:
        return SCORE_CACHE_SIZE
    try:
        size = int(raw)
    except ValueError:
        size = 0
    if size < 1:
        log.warning(
            "%s=%r is not a positive whole number; using %d",
            CACHE_SIZE_VARIABLE,
            raw,
            SCORE_CACHE_SIZE,
        )
        return SCORE_CACHE_SIZE
    return size


@dataclass(frozen=True)
class ModelKey:
    """Which model folder, opened with how many threads."""

    path: Path
    threads: int


class ModelRegistry:
    """Loads, caches and reports on the models the settings ask for."""

    def __init__(self, ls: Host, default_path: Path | None = None) -> None:
        self._ls = ls
        self.default_path = default_path
        self._engines: dict[ModelKey, Engine] = {}
        self._failures: dict[ModelKey, str] = {}
        self._loading: dict[ModelKey, asyncio.Future[Engine | None]] = {}
        self.load_seconds: dict[ModelKey, float] = {}
        self.preload: asyncio.Future[Engine | None] | None = None  # started at `initialized`

    def key(self, settings: Settings, base: Path | None = None) -> ModelKey:
        """The model a document's settings ask for; `base` is its workspace folder."""
        if settings.model_path.strip():
            path = Path(settings.model_path.strip())
            try:
                path = path.expanduser()
            except RuntimeError:  # "~someone" with no such user: reported as not found
                pass
            if not path.is_absolute():
                base = base if base is not None else self._workspace_root()
                if base is not None:  # without any, the folder the server was started in
                    path = base / path
        else:
            path = self.default_path if self.default_path is not None else default_model_dir()
        try:
            path = path.resolve()
        except (OSError, RuntimeError):  # a link loop: the load names the path and fails
            path = path.absolute()
        return ModelKey(path, settings.threads)

    def _workspace_root(self) -> Path | None:
        """The workspace's root folder (a document outside every workspace folder resolves a
        relative `modelPath` there), None without one."""
        try:
            root = self._ls.workspace.root_path
        except Exception:  # no workspace yet, or a root URI that is no file path
            return None
        return Path(root) if root else None

    def loaded(self, key: ModelKey) -> Engine | None:
        return self._engines.get(key)

    def failure(self, key: ModelKey) -> str | None:
        return self._failures.get(key)

    def forget_failures(self) -> bool:
        """Try failed folders again next time (the configuration changed, or the user asked); a
        new failure is reported again. True when a folder had failed."""
        for message in self._failures.values():
            self._ls.forget_message(no_model_message(message))
        had = bool(self._failures)
        self._failures.clear()
        return had

    def keep_only(self, keys: set[ModelKey]) -> None:
        """Drop engines no setting refers to any more."""
        for key in list(self._engines):
            if key not in keys:
                del self._engines[key]

    async def engine(self, key: ModelKey) -> Engine | None:
        """The engine for a key, loading it if needed; None when the model cannot be loaded."""
        engine = self._engines.get(key)
        if engine is not None:
            return engine
        if key in self._failures:
            return None
        loading = self._loading.get(key)
        if loading is None:
            loading = asyncio.ensure_future(self._load(key))
            self._loading[key] = loading
            loading.add_done_callback(lambda _: self._loading.pop(key, None))
        # One document giving up (a newer edit) must not cancel the load the others wait for.
        return await asyncio.shield(loading)

    async def _load(self, key: ModelKey) -> Engine | None:
        from codeorigin.model.scorer import Model  # onnxruntime is imported on first use

        loop = asyncio.get_running_loop()
        started = time.perf_counter()
        try:
            async with work_done(self._ls, "codeorigin: loading model", str(key.path)):
                model: Model = await loop.run_in_executor(
                    self._ls.executor, lambda: Model.load(key.path, threads=key.threads)
                )
        except ModelError as exc:
            self._fail(key, str(exc))
            return None
        except Exception as exc:  # onnxruntime or the tokenizer failing in an unforeseen way
            log.exception("loading the model from %s failed", key.path)
            self._fail(key, f"cannot load the model from {key.path}: {exc}")
            return None
        memory.track_arena(model)  # the model thread hands its arena back when it idles
        engine = Engine(model, cache_size=cache_size())
        # A new thread count reopens the session but keeps the scores: same model, same digest.
        for other in self._engines.values():
            if other.model.digest == model.digest:
                engine.cache = other.cache
                engine.stats = other.stats
                break
        self._engines[key] = engine
        self.load_seconds[key] = time.perf_counter() - started
        log.info(
            "loaded model %s (%s) from %s with %d thread(s) in %.2f s",
            model.name,
            model.digest[:12],
            key.path,
            key.threads,
            self.load_seconds[key],
        )
        return engine

    def _fail(self, key: ModelKey, message: str) -> None:
        self._failures[key] = message
        log.error("%s", message)
        self._ls.notify_user(no_model_message(message), types.MessageType.Error, once=True)
