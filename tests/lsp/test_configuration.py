"""Settings applied live, bad settings reported, and a missing model survived."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types

from helpers.lsp_client import (
    EDITORS,
    PY_DOC,
    TIMEOUT,
    Start,
    capabilities,
    make_client,
    uri_in,
)


@pytest.mark.parametrize("editor", EDITORS)
async def test_threshold_change_flips_diagnostics_live(
    start: Start, root: Path, editor: str
) -> None:
    client = await start(editor)
    uri = uri_in(root, "a.py")
    client.open(uri, PY_DOC)
    assert len((await client.published_for(uri, version=1)).diagnostics) == 2

    count = len(client.published)
    await client.change_configuration({"threshold": 0.99})
    assert not (await client.published_for(uri, version=1, after=count)).diagnostics

    count = len(client.published)
    await client.change_configuration({"threshold": 0.0})
    flipped = await client.published_for(uri, version=1, after=count)
    assert [d.data["name"] for d in flipped.diagnostics] == ["alpha", "beta"]
    assert (await client.status())["model"]["threshold"] == 0.0


async def test_a_burst_of_settings_changes_is_applied_together(start: Start, root: Path) -> None:
    """A settings editor sends a change per keystroke or per setting: the changes that come while
    one is being applied are applied together, once, and the last one holds. 40 changes published
    the document 40 times and asked for 40 code-lens refreshes."""
    client = await start("visual-studio-code")
    uri = uri_in(root, "a.py")
    client.open(uri, PY_DOC)
    await client.published_for(uri, version=1)
    count, refreshes = len(client.published), client.lens_refreshes
    for i in range(40):
        client.set_configuration({"threshold": 0.99 if i < 39 else 0.0}, section="codeorigin")
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))

    async def settled() -> None:
        while not any(len(p.diagnostics) == 2 for p in client.published[count:] if p.uri == uri):
            await asyncio.sleep(0.05)

    await asyncio.wait_for(settled(), TIMEOUT)
    await asyncio.sleep(1.0)  # room for any reload still to come (none should)
    assert (await client.status())["model"]["threshold"] == 0.0
    published = [p for p in client.published[count:] if p.uri == uri]
    assert 1 <= len(published) <= 3, len(published)
    assert client.lens_refreshes - refreshes <= 3


async def test_a_setting_removed_goes_back_to_its_default_not_its_start_up_value(
    start: Start, root: Path
) -> None:
    """Neovim sends its settings both as initializationOptions and as the answer to
    workspace/configuration: a key the user then removes from the configuration goes back to the
    model's own value, not to the one it had at start-up."""
    settings = {"threshold": 0.99, "showUncertain": True}
    client = await start("neovim", init=settings, config=settings)
    uri = uri_in(root, "a.py")
    client.open(uri, PY_DOC)
    await client.published_for(uri, version=1)
    assert (await client.status())["model"]["threshold"] == 0.99
    count = len(client.published)
    await client.change_configuration({"showUncertain": True})
    assert len((await client.published_for(uri, version=1, after=count)).diagnostics) == 2
    assert (await client.status())["model"]["threshold"] == 0.5  # the model's own


async def test_an_empty_configuration_leaves_the_start_up_settings_in_force(
    start: Start, root: Path
) -> None:
    """A client that answers workspace/configuration with `{}` has nothing configured there (its
    user gave the settings as initializationOptions): those hold."""
    client = await start("neovim", init={"threshold": 0.99}, config={})
    uri = uri_in(root, "a.py")
    client.open(uri, PY_DOC)
    assert not (await client.published_for(uri, version=1)).diagnostics
    assert (await client.status())["model"]["threshold"] == 0.99


async def test_settings_pushed_by_a_client_without_configuration_requests(
    start: Start, root: Path
) -> None:
    client = await start(caps=capabilities("neovim", configuration=False))
    uri = uri_in(root, "a.py")
    client.open(uri, PY_DOC)
    assert len((await client.published_for(uri, version=1)).diagnostics) == 2
    count = len(client.published)
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"codeorigin": {"threshold": 0.99}})
    )
    assert not (await client.published_for(uri, version=1, after=count)).diagnostics


async def test_a_full_name_inside_the_codeorigin_section_is_named_in_a_warning(
    start: Start, root: Path
) -> None:
    """`{"codeorigin": {"codeorigin.threshold": 0.99}}` was ignored without a word."""
    client = await start(caps=capabilities("neovim", configuration=False))
    uri = uri_in(root, "a.py")
    client.open(uri, PY_DOC)
    assert len((await client.published_for(uri, version=1)).diagnostics) == 2
    count = len(client.published)
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"codeorigin": {"codeorigin.threshold": 0.99}})
    )
    warning = await client.message_matching("inside the codeorigin section")
    assert warning.type == types.MessageType.Warning
    assert warning.message == (
        "Setting codeorigin.threshold inside the codeorigin section, ignored: write threshold "
        "there, without the codeorigin. prefix."
    )
    # Not applied: the functions flagged at the model's threshold stay flagged.
    assert len((await client.published_for(uri, version=1, after=count)).diagnostics) == 2


async def test_a_full_name_beside_bare_ones_leaves_the_bare_ones_in_force(
    start: Start, root: Path
) -> None:
    """An editor's configuration for codeorigin (the answer to workspace/configuration) with one
    full name among the bare ones, `{"threshold": 0.99, "codeorigin.showUncertain": true}`, was
    read as flat `codeorigin.*` keys: the threshold was dropped without a word."""
    config = {"threshold": 0.99, "codeorigin.showUncertain": True}
    client = await start("neovim", config=config)
    uri = uri_in(root, "a.py")
    client.open(uri, PY_DOC)
    assert not (await client.published_for(uri, version=1)).diagnostics
    assert (await client.status())["model"]["threshold"] == 0.99
    warning = await client.message_matching("inside the codeorigin section")
    assert warning.message.startswith("Setting codeorigin.showUncertain inside the codeorigin")


async def test_an_extension_pattern_is_named_in_a_warning(start: Start) -> None:
    """`codeorigin.extensions: {"*.h": "cpp"}` matched no file, without a word."""
    client = await start(init={"extensions": {"*.h": "cpp"}})
    warning = await client.message_matching("codeorigin.extensions")
    assert warning.type == types.MessageType.Warning
    assert "not a file extension: '*.h' (write .h: " in warning.message


@pytest.mark.parametrize("answer", [None, [None]], ids=["null", "list-of-null"])
async def test_a_client_answering_configuration_with_nothing_can_push_settings(
    tiny_model_dir: Path, root: Path, answer: Any
) -> None:
    """A client that asks to be asked for settings (`workspace.configuration`) but answers null
    or nulls, and pushes its settings in didChangeConfiguration instead (as some editors do):
    no "Error in server", the initializationOptions hold until the settings are pushed, and the
    pushed settings apply."""
    client = make_client(workspace_configuration=lambda client, params: answer)
    await client.start_io(sys.executable, "-m", "codeorigin.lsp", "--model", str(tiny_model_dir))
    try:
        init = types.InitializeParams(
            capabilities=capabilities("neovim"),
            root_uri=root.as_uri(),
            initialization_options={"minLines": 1},
        )
        await asyncio.wait_for(client.initialize_session(init), TIMEOUT)
        uri = uri_in(root, "a.py")
        client.open(uri, PY_DOC)
        assert len((await client.published_for(uri, version=1)).diagnostics) == 2
        count = len(client.published)
        client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings={"codeorigin": {"threshold": 0.99}})
        )
        assert not (await client.published_for(uri, version=1, after=count)).diagnostics
        assert (await client.status())["model"]["threshold"] == 0.99
        assert not [m for m in client.messages if m.type == types.MessageType.Error]
        await asyncio.wait_for(client.shutdown_session(), TIMEOUT)
    finally:
        await client.stop()


async def test_invalid_settings_warn_and_fall_back(start: Start, root: Path) -> None:
    client = await start(init={"threshold": "high", "minLines": -2, "severity": "loud"})
    warning = await client.message_matching("codeorigin.threshold")
    assert warning.type == types.MessageType.Warning
    await client.message_matching("codeorigin.minLines")
    await client.message_matching("codeorigin.severity")

    # The server keeps answering, with the defaults in place of the bad values.
    uri = uri_in(root, "a.py")
    client.open(uri, PY_DOC)
    published = await client.published_for(uri, version=1)
    assert len(published.diagnostics) == 2
    assert published.diagnostics[0].severity == types.DiagnosticSeverity.Information
    assert (await client.status())["model"]["threshold"] == 0.5  # the model's own


async def test_settings_per_workspace_folder(start: Start, root: Path) -> None:
    strict, lenient = root / "strict", root / "lenient"
    strict.mkdir()
    lenient.mkdir()
    client = await start(
        folders=[strict, lenient],
        config={"threshold": 0.0},
        folder_config={lenient: {"threshold": 0.99}},
    )
    in_strict, in_lenient = uri_in(strict, "a.py"), uri_in(lenient, "a.py")
    client.open(in_strict, PY_DOC)
    client.open(in_lenient, PY_DOC)
    assert len((await client.published_for(in_strict, version=1)).diagnostics) == 2
    assert not (await client.published_for(in_lenient, version=1)).diagnostics
    assert (await client.status(in_lenient))["model"]["threshold"] == 0.99
    assert (await client.status(in_strict))["model"]["threshold"] == 0.0


async def test_missing_model_reported_once_and_fixed_by_configuration(
    start: Start, root: Path, tiny_model_dir: Path
) -> None:
    client = await start(model=root / "no-such-model")
    error = await client.message_matching("model folder not found")
    assert error.type == types.MessageType.Error
    assert "codeorigin.modelPath" in error.message

    uri = uri_in(root, "a.py")
    client.open(uri, PY_DOC)
    assert not (await client.published_for(uri, version=1)).diagnostics
    hover = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(1, 4))
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "no model, so no verdicts. model folder not found" in hover.contents.value
    status = await client.status()
    assert "model folder not found" in status["error"]
    client.edit(uri, 2, (0, 0), (0, 0), "\n")
    await client.published_for(uri, version=2)
    assert len([m for m in client.messages if m.type == types.MessageType.Error]) == 1

    count = len(client.published)
    await client.change_configuration({"modelPath": str(tiny_model_dir)})
    recovered = await client.published_for(uri, version=2, after=count)
    assert len(recovered.diagnostics) == 2
    assert (await client.status())["error"] is None


async def test_model_loading_reports_progress(start: Start) -> None:
    client = await start("visual-studio-code")
    assert (await client.status())["model"]["name"] == "tiny-test"
    titles = [
        report.title
        for reports in client.progress_reports.values()
        for report in reports
        if isinstance(report, types.WorkDoneProgressBegin)
    ]
    assert "codeorigin: loading model" in titles


async def test_a_relative_model_path_is_never_taken_from_the_servers_folder(
    start: Start, root: Path, tmp_path: Path
) -> None:
    """`modelPath: models/default` names a folder that exists where the server runs (this
    checkout), not in the workspace: a document outside the workspace folder, and the global
    status, resolve it against the workspace's root too, as the README says, and get its error."""
    client = await start(init={"modelPath": "models/default"})
    outside = (tmp_path / "elsewhere" / "a.py").as_uri()
    client.open(outside, PY_DOC)
    await client.published_for(outside, version=1)
    for status in (await client.status(outside), await client.status()):
        assert status["model"]["path"] == str(root / "models" / "default")
        assert "model folder not found" in status["error"]
