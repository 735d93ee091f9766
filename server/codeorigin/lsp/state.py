"""The server's state and the contract between it and its features.

`CodeOriginServer` is the `Host` with the services the features share: the loaded models
(`model_registry`), the analyses of open documents (`analysis`), the baselines (`baselines`) and the
Integrated Gradients jobs (`attribution_jobs`). It re-reads the configuration when asked
(`reload_settings`) and calls its features through hooks.

A feature is a `Feature` object (esbonio's `LanguageFeature`): `register` adds its LSP handlers
and commands, and the other methods are hooks the server calls — after every analysis kept
(`on_analysis`), when a document closes (`on_close`), when results changed without an edit
(`refresh`), while a hover is built (`prepare_hover`, `hover_section`) and while code actions are
collected (`code_actions`). Features import this module and the vocabulary, never each other,
and never `server` (which lists them).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from codeorigin.lsp.analysis import Analysis, Analyzer
from codeorigin.lsp.attribution_jobs import AttributionJobs
from codeorigin.lsp.baselines import BaselineStore
from codeorigin.lsp.blames import Blames
from codeorigin.lsp.host import Host
from codeorigin.lsp.model_registry import ModelRegistry
from codeorigin.lsp.option_values import json_text, json_type
from codeorigin.lsp.options import section
from codeorigin.lsp.vocabulary import SECTION

if TYPE_CHECKING:
    from codeorigin.engine.judging import SpanResult
    from codeorigin.engine.scoring import Engine
    from codeorigin.lsp.options import Settings

log = logging.getLogger(__name__)

FETCH_TIMEOUT = 10.0  # seconds to wait for the client's answer to workspace/configuration
WATCH_REGISTRATION = "codeorigin-watched-files"  # the file watchers' registration id
WATCHED_SETTINGS = ("**/.codeorigin.toml", "**/pyproject.toml")  # the project's settings files
# With `scope: changed`, what moves git's HEAD: a commit (its branch's ref, or HEAD itself when
# detached), a checkout (HEAD), `git pack-refs` (packed-refs)
WATCHED_HEAD = ("**/.git/HEAD", "**/.git/refs/heads/**", "**/.git/packed-refs")


@dataclass(frozen=True)
class HoverContext:
    """What a hover section may use. `offset` is the cursor as a character offset into `text`."""

    uri: str
    text: str
    offset: int
    result: SpanResult
    engine: Engine
    settings: Settings
    markdown: bool
    server: CodeOriginServer | None = None
    language: str | None = None  # the document's canonical language: its threshold may be its own
    aside: str | None = None  # why its verdict has no diagnostic (`Analysis.aside`)


class Feature:
    """One feature of the server. Every hook does nothing unless a feature overrides it; a hook
    that fails is logged and the other features still run."""

    def register(self, server: CodeOriginServer) -> None:
        """Add the feature's LSP handlers and commands (once, when the server is created)."""

    def on_analysis(self, server: CodeOriginServer, analysis: Analysis) -> None:
        """A document's analysis was kept (on the event loop, in the order of the features)."""

    def on_close(self, server: CodeOriginServer, uri: str) -> None:
        """A document was closed."""

    def on_save(self, server: CodeOriginServer, analysis: Analysis, text: str) -> None:
        """A document was saved with `text` (`analysis`: its last analysis)."""

    def refresh(self, server: CodeOriginServer) -> None:
        """Results changed without an edit: ask the client to pull again what it pulls."""

    async def prepare_hover(self, ctx: HoverContext) -> None:
        """On the event loop, before the hover's sections are rendered: may wait (a bounded time)
        for slow work that `hover_section` shows."""

    def hover_section(self, ctx: HoverContext) -> str | None:
        """A section after the verdict, on the model thread: Markdown or plain text as
        `ctx.markdown` says, or None."""
        return None

    async def code_actions(
        self, server: CodeOriginServer, params: types.CodeActionParams
    ) -> list[types.CodeAction]:
        """Code actions this feature offers for a range."""
        return []


def kind_wanted(kind: str, only: Sequence[str] | None) -> bool:
    """Whether a code action of `kind` answers a request for `only` those kinds (LSP: a kind
    matches itself and the kinds it is a prefix of: "quickfix" takes "quickfix.x")."""
    return not only or any(kind == k or kind.startswith(k + ".") for k in only if k)


class CodeOriginServer(Host):
    """The pygls server with codeorigin's services and its features."""

    def __init__(self, *, model: Path | None = None, threads: int | None = None) -> None:
        super().__init__(threads=threads)
        self.features: list[Feature] = []
        self.models = ModelRegistry(self, model)
        self.baselines = BaselineStore(self)
        self.analyzer = Analyzer(
            self, self.models, self.baselines, kept=self._analysis_kept, closed=self._closed
        )
        # Integrated Gradients, on their own thread; a job for an edited document is dropped.
        self.attributions = AttributionJobs(self.analyzer.generation)
        self.exit_requested = False  # the client sent `exit` (not merely went away)
        self.watching: tuple[str, ...] | None = None  # the file watchers registered (globs)
        self._reloads_asked = 0  # reloads asked for, and the last one a finished pass covered
        self._reloads_done = 0
        self._reload_pass: asyncio.Future[None] | None = None
        self._pushed: Any = None  # the last settings pushed, not yet applied
        self.blames = Blames()  # the documents' git blames, for provenance (`lsp.blames`)

    def add_feature(self, feature: Feature) -> None:
        self.features.append(feature)
        feature.register(self)

    # Hooks ----------------------------------------------------------------------------------

    def _each(self, hook: str, *args: Any) -> None:
        for feature in self.features:
            try:
                getattr(feature, hook)(self, *args)
            except Exception:  # one feature's bug must not stop the others
                log.exception("%s.%s failed", type(feature).__name__, hook)

    def _analysis_kept(self, analysis: Analysis) -> None:
        self._each("on_analysis", analysis)

    def _closed(self, uri: str) -> None:
        self._each("on_close", uri)

    def saved(self, uri: str) -> None:
        """A document was saved: the features that read files again (git blame) are told."""
        analysis = self.analyzer.latest(uri)
        if analysis is not None:
            text = self.workspace.get_text_document(uri).source
            self._each("on_save", analysis, text)

    def refresh_views(self) -> None:
        """Ask the client to re-request what it pulls (diagnostics, lenses, inlay hints) after
        results changed without an edit."""
        if self.analyzer.open_uris():
            self._each("refresh")

    async def prepare_hover(self, ctx: HoverContext) -> None:
        for feature in self.features:
            try:
                await feature.prepare_hover(ctx)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("%s.prepare_hover failed", type(feature).__name__)

    def hover_sections(self, ctx: HoverContext) -> list[str]:
        """The features' hover sections (call on the model thread)."""
        out = []
        for feature in self.features:
            try:
                extra = feature.hover_section(ctx)
            except Exception:
                log.exception("%s.hover_section failed", type(feature).__name__)
                continue
            if extra:
                out.append(extra)
        return out

    async def code_actions(self, params: types.CodeActionParams) -> list[types.CodeAction]:
        out: list[types.CodeAction] = []
        for feature in self.features:
            out += await feature.code_actions(self, params)
        return out

    # Settings -------------------------------------------------------------------------------

    async def reload_settings(self, pushed: Any = None) -> None:
        """Re-read the configuration and apply it; return once applied. `pushed` is the payload
        of a `workspace/didChangeConfiguration` from a client that cannot answer configuration
        requests.

        Changes that come while a reload is under way are applied together by one more reload
        after it: a settings editor sends one notification per keystroke or per setting (42
        changes meant 45 configuration requests, each followed by every open document published
        again and every view refreshed)."""
        if pushed is not None:
            self._pushed = pushed
        self._reloads_asked += 1
        mine = self._reloads_asked
        while self._reloads_done < mine:
            if self._reload_pass is None:
                self._reload_pass = asyncio.ensure_future(self._reload())
            await asyncio.shield(self._reload_pass)

    async def _reload(self) -> None:
        """One reload, covering every change asked for before it began."""
        covers, pushed, self._pushed = self._reloads_asked, self._pushed, None
        try:
            folders = [f.uri for f in self.workspace.folders.values()]
            if not folders and self.workspace.root_uri:
                folders = [self.workspace.root_uri]  # a client that gave only a root: one folder
            self.settings.set_folders(folders)
            fetched = await self._fetch_settings() if self.client.configuration else False
            if not fetched and pushed is not None:  # pushed, and not answered when asked
                self.settings.global_raw = section(pushed)
            self.apply_settings()
            await self.watch_files()
        finally:
            self._reloads_done = max(self._reloads_done, covers)
            self._reload_pass = None

    async def watch_files(self) -> None:
        """Ask the client to watch the files the verdicts depend on (`features.watched_files`):
        the settings files, each baseline setting's file name and, with `scope: changed`, git's
        HEAD (a commit in a terminal changes what is new), registered again when those change;
        only with a client that registers watchers dynamically. A refusal is logged: documents
        are then scored again at their next save or edit."""
        every = [s for s, _ in self.settings.all_settings()]
        names = {PurePath(s.baseline).name for s in every if s.baseline}
        head = WATCHED_HEAD if any(s.scope == "changed" for s in every) else ()
        wanted = (*WATCHED_SETTINGS, *sorted(f"**/{name}" for name in names if name), *head)
        if not self.client.watched_files_dynamic or wanted == self.watching:
            return
        method = types.WORKSPACE_DID_CHANGE_WATCHED_FILES
        watchers = [types.FileSystemWatcher(glob_pattern=glob) for glob in wanted]
        options = types.DidChangeWatchedFilesRegistrationOptions(watchers=watchers)
        try:
            if self.watching is not None:
                gone = [types.Unregistration(id=WATCH_REGISTRATION, method=method)]
                await self.client_unregister_capability_async(
                    types.UnregistrationParams(unregisterations=gone)
                )
            registration = types.Registration(WATCH_REGISTRATION, method, register_options=options)
            await self.client_register_capability_async(
                types.RegistrationParams(registrations=[registration])
            )
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # not fatal
            log.warning("could not register file watchers: %s", str(exc) or type(exc).__name__)
            return
        self.watching = wanted

    async def _fetch_settings(self) -> bool:
        """Ask the client for the "codeorigin" section, globally and for each workspace folder;
        whether it answered with one (not null, no error)."""
        store = self.settings
        folder_uris = list(store.folders.values())
        items = [types.ConfigurationItem(section=SECTION)] + [
            types.ConfigurationItem(scope_uri=uri, section=SECTION) for uri in folder_uris
        ]
        try:
            values: Sequence[Mapping[str, Any] | None] = await asyncio.wait_for(
                self.workspace_configuration_async(types.ConfigurationParams(items=items)),
                FETCH_TIMEOUT,
            )
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the client may refuse; keep the settings we have
            log.warning("workspace/configuration failed: %s", str(exc) or type(exc).__name__)
            return False
        if values is not None and not isinstance(values, (list, tuple)):
            log.warning("workspace/configuration answered %s (a JSON %s), not a list: ignored",
                        json_text(values, 80), json_type(values))  # fmt: skip
            return False
        answers = list(values or [])
        answers += [None] * (len(items) - len(answers))
        store.global_raw = section(answers[0])
        store.folder_raw = {uri: section(v) for uri, v in zip(folder_uris, answers[1:])}
        return answers[0] is not None

    def apply_settings(self) -> None:
        """Resolve the settings, report bad values, and redo what depends on them."""
        for problem in self.settings.resolve():
            log.warning("%s", problem.message)
            self.notify_user(problem.message, types.MessageType.Warning)
        self.settings.ready.set()
        self.models.forget_failures()
        self.models.keep_only(
            {self.models.key(s, base) for s, base in self.settings.all_settings()}
        )
        self.analyzer.rescore_all()
        self.refresh_views()

    def shutdown(self) -> None:
        self.detach_client_log()
        self.analyzer.shutdown()
        self.attributions.shutdown()
        super().shutdown()
