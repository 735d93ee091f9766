"""Fixtures for the end-to-end language-server tests.

Every test talks to the real server (`python -m codeorigin.lsp --model <tiny model>`) over stdio
through pytest-lsp's client, replaying the capabilities of real editors. The tiny model is built
once per session (`tiny_model_dir`, in tests/conftest.py); its random weights give probabilities
around 0.55, so tests move the threshold (0.0 flags everything, 0.99 nothing) to flip verdicts.
The explanation tests use `tiny_ig_model_dir` (tests/conftest.py), a tiny model that can explain.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from lsprotocol import types

from helpers.lsp_client import TIMEOUT, Client, Start, capabilities, make_client


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "project").mkdir()
    return tmp_path / "project"


@pytest_asyncio.fixture
async def start(tiny_model_dir: Path, root: Path) -> AsyncIterator[Start]:
    """Start servers: `client = await start("neovim", init={...}, config={...})`. `init` is
    sent as initializationOptions, `config` answers workspace/configuration, `folder_config` the
    same request scoped to a workspace folder."""
    clients: list[Client] = []

    async def _start(
        editor: str = "visual-studio-code",
        *,
        caps: types.ClientCapabilities | None = None,
        init: dict[str, Any] | None = None,
        config: dict[str, Any] | None = None,
        folders: list[Path] | None = None,
        folder_config: dict[Path, dict[str, Any]] | None = None,
        model: Path | str | None = None,
    ) -> Client:
        client = make_client()
        clients.append(client)
        if config is not None:
            client.set_configuration(config, section="codeorigin")
        for folder, settings in (folder_config or {}).items():
            client.set_configuration(settings, section="codeorigin", scope_uri=folder.as_uri())
        model_arg = str(tiny_model_dir if model is None else model)
        await client.start_io(sys.executable, "-m", "codeorigin.lsp", "--model", model_arg)
        workspace_folders = [
            types.WorkspaceFolder(uri=f.as_uri(), name=f.name) for f in (folders or [root])
        ]
        result = await asyncio.wait_for(
            client.initialize_session(
                types.InitializeParams(
                    capabilities=caps if caps is not None else capabilities(editor),
                    root_uri=root.as_uri(),
                    workspace_folders=workspace_folders,
                    initialization_options=init,
                )
            ),
            TIMEOUT,
        )
        client.server_capabilities = result.capabilities
        encoding = result.capabilities.position_encoding
        client.encoding = getattr(encoding, "value", encoding) or "utf-16"
        return client

    yield _start
    for client in clients:
        try:
            if not client.stopped:  # a test may have ended the session itself
                await asyncio.wait_for(client.shutdown_session(), TIMEOUT)
        finally:
            await client.stop()
