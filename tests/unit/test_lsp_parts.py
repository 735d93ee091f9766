"""In-process tests of the language server's parts: settings validation, positions, LSP lines, client
features and the protocol. (tests/lsp/ is for the real server over stdio.)"""

from __future__ import annotations

import pytest
from lsprotocol import types

from codeorigin.lsp.capabilities import ClientFeatures
from codeorigin.lsp.documents import LspTextDocument
from codeorigin.lsp.options import Settings, section, settings_from
from codeorigin.lsp.positions import PositionMap
from helpers.lsp_client import capabilities


def test_settings_defaults_and_layers() -> None:
    settings, problems = settings_from([None, {"minLines": 6, "threshold": 0.3}, {"minLines": 8}])
    assert problems == []
    assert settings == Settings(min_lines=8, threshold=0.3)
    assert settings.verdict_rules().min_lines == 8
    assert Settings().severity == "information" and Settings().debounce_ms == 400


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("threshold", 1.5),
        ("threshold", "0.5"),
        ("minLines", 0),
        ("minTokens", 2.5),
        ("enable", "yes"),
        ("severity", "fatal"),
        ("languages", ["python", "cobol"]),
        ("debounceMs", -1),
        ("threads", True),
        ("igSteps", 0),
        ("igSteps", 4096),  # the quadrature takes at most 1,024
        ("modelPath", 3),
    ],
)
def test_invalid_setting_names_itself_and_falls_back(key: str, value: object) -> None:
    settings, problems = settings_from([{key: value, "codeLens": False}])
    assert [p.key for p in problems] == [f"codeorigin.{key}"]
    assert f"codeorigin.{key}" in problems[0].message and "default" in problems[0].message
    assert settings == Settings(code_lens=False)  # only the bad one fell back


def test_a_misspelt_setting_is_named_with_the_one_it_resembles() -> None:
    settings, problems = settings_from([{"threshhold": 0.2, "interpreter": "python3"}])
    assert settings == Settings()  # neither applies; VS Code's own `interpreter` is no typo
    assert [p.message for p in problems] == [
        "Unknown setting codeorigin.threshhold, ignored: did you mean codeorigin.threshold?"
    ]


def test_settings_sections_and_languages() -> None:
    assert section({"codeorigin": {"enable": False}}) == {"enable": False}
    assert section({"codeorigin.enable": False}) == {"enable": False}
    assert section({"enable": False}) == {"enable": False}
    assert section(None) is None
    settings, _ = settings_from([{"languages": ["Python", "javascript"]}])
    assert settings.covers("python") and settings.covers("javascript") and settings.covers("py")
    assert not settings.covers("javascriptreact") and not settings.covers("go")
    assert settings_from([{"languages": []}])[0].covers("rust")


TEXT = "a\tb\r\nx = 'é😀'; name\rlast\n\u2028tail"


def test_a_windows_folder_takes_its_documents_whatever_the_drive_letter_is_written_as() -> None:
    """VS Code writes `file:///c%3A/...`, other clients `file:///C:/...`: one folder, and its
    settings apply to its documents either way."""
    from codeorigin.lsp.settings_store import SettingsStore

    for folder in ("file:///c%3A/Users/me/proj", "file:///C:/Users/me/proj"):
        store = SettingsStore()
        store.set_folders([folder])
        store.folder_raw = {folder: {"threshold": 0.99}}
        store.global_raw = {"threshold": 0.0}
        store.resolve()
        for doc in ("c%3A", "c:", "C:", "C%3A"):
            uri = f"file:///{doc}/Users/me/proj/a.py"
            assert store.for_uri(uri).threshold == 0.99, (folder, uri)
        assert store.for_uri("file:///D:/Users/me/proj/a.py").threshold == 0.0


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-32"])
def test_positions_round_trip(encoding: str) -> None:
    pm = PositionMap(TEXT, encoding)
    name = TEXT.index("name")
    pos = pm.position(name)
    assert pos.line == 1
    prefix = "x = 'é😀'; "
    expected = {
        "utf-8": len(prefix.encode()),
        "utf-16": len(prefix.encode("utf-16-le")) // 2,
        "utf-32": len(prefix),
    }[encoding]
    assert pos.character == expected
    for offset in range(len(TEXT) + 1):  # offsets inside a line ending mean the line's end
        back = pm.position(offset)
        assert pm.offset(back) == min(offset, pm.line_end(back.line))
    # U+2028 is not a line break in LSP; CR alone is.
    assert pm.position(TEXT.index("tail")).line == 3
    assert pm.position(TEXT.index("last")).line == 2
    # Past the end of a line: its end; past the last line: the end of the text.
    assert pm.offset(types.Position(0, 99)) == 3
    assert pm.offset(types.Position(9, 0)) == len(TEXT)


def test_incremental_edits_count_lsp_lines() -> None:
    # A form feed is not a line break for LSP: pygls' own TextDocument would put this edit on
    # the wrong line.
    doc = LspTextDocument("file:///x.py", "a = 1\n\x0c\nb = 2\n", version=1)
    doc.apply_change(
        types.TextDocumentContentChangePartial(
            range=types.Range(types.Position(2, 0), types.Position(2, 1)), text="c"
        )
    )
    assert doc.source == "a = 1\n\x0c\nc = 2\n"


def test_client_features_from_recorded_editors() -> None:
    vscode = ClientFeatures.of(capabilities("visual-studio-code"))
    assert vscode.hover_markdown and vscode.work_done_progress and vscode.configuration
    assert not vscode.pull_diagnostics and vscode.code_lens_refresh
    neovim = ClientFeatures.of(capabilities("neovim"))
    assert not neovim.pull_diagnostics  # it pulls, but cannot be told to pull again
    assert ClientFeatures.of(capabilities("neovim", pull=True)).pull_diagnostics
    assert not ClientFeatures.of(capabilities("neovim", hover_formats=["plaintext"])).hover_markdown
    assert ClientFeatures.of(None) == ClientFeatures()


def test_a_late_response_to_a_request_given_up_is_dropped_quietly() -> None:
    """Under load a client can answer a server request (workspace/configuration, progress) after
    the server stopped waiting: no "Error in server" for the user, and the entry is gone."""
    from concurrent.futures import Future

    from codeorigin.lsp.state import CodeOriginServer

    protocol = CodeOriginServer().protocol
    gave_up: Future = Future()
    gave_up.cancel()
    protocol._request_futures["late"] = gave_up
    protocol._handle_response("late", result=[{}])
    assert "late" not in protocol._request_futures

    waiting: Future = Future()
    protocol._request_futures["on-time"] = waiting
    protocol._handle_response("on-time", result=[{"minLines": 6}])
    assert waiting.result() == [{"minLines": 6}]
