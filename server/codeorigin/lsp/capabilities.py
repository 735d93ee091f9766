"""What the connected client can do, read once from its `initialize` capabilities.

Features ask these flags instead of walking `ClientCapabilities` themselves, so each choice (push or
pull diagnostics, Markdown or plain hovers, progress bars, configuration requests, inlay hints) is
made in one place and can be tested.
"""

from __future__ import annotations

from dataclasses import dataclass

from lsprotocol import types


@dataclass(frozen=True)
class ClientFeatures:
    """The client capabilities the server acts on. The defaults describe a minimal client."""

    pull_diagnostics: bool = False
    hover_markdown: bool = False
    work_done_progress: bool = False
    configuration: bool = False
    configuration_dynamic: bool = False
    code_lens_refresh: bool = False
    inlay_hints: bool = False
    inlay_hint_refresh: bool = False
    watched_files_dynamic: bool = False

    @classmethod
    def of(cls, caps: types.ClientCapabilities | None) -> ClientFeatures:
        if caps is None:
            return cls()
        text = caps.text_document
        workspace = caps.workspace
        window = caps.window

        # Pull diagnostics only when the client can also be told to pull again: results change
        # without an edit (a debounced run finishes, a setting changes) and a client that cannot be
        # refreshed would show stale verdicts. Clients that pull and also accept pushes would show
        # every diagnostic twice if both were used, so the server uses exactly one model.
        pull = bool(text is not None and text.diagnostic is not None) and _has(
            workspace, "diagnostics", "refresh_support"
        )
        formats = (
            list(text.hover.content_format or [])
            if text is not None and text.hover is not None
            else []
        )
        markdown = False
        for fmt in formats:
            if fmt in (types.MarkupKind.Markdown, types.MarkupKind.PlainText):
                markdown = fmt == types.MarkupKind.Markdown
                break
        return cls(
            pull_diagnostics=pull,
            hover_markdown=markdown,
            work_done_progress=bool(window is not None and window.work_done_progress),
            configuration=bool(workspace is not None and workspace.configuration),
            configuration_dynamic=_has(
                workspace, "did_change_configuration", "dynamic_registration"
            ),
            code_lens_refresh=_has(workspace, "code_lens", "refresh_support"),
            inlay_hints=bool(text is not None and text.inlay_hint is not None),
            inlay_hint_refresh=_has(workspace, "inlay_hint", "refresh_support"),
            watched_files_dynamic=_has(
                workspace, "did_change_watched_files", "dynamic_registration"
            ),
        )


def _has(workspace: types.WorkspaceClientCapabilities | None, feature: str, flag: str) -> bool:
    """Whether the client's workspace capabilities hold `feature` with its `flag` set (say
    `code_lens` with `refresh_support`); a client that sends neither has not."""
    capability = getattr(workspace, feature, None) if workspace is not None else None
    return bool(capability is not None and getattr(capability, flag, None))
