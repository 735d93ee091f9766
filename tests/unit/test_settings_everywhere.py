"""The settings and languages have one source: the server's typed `Settings` (`lsp/options.py`) and
the language table (`core/languages.py`). VS Code's package.json (configuration and activation
events), its TypeScript defaults, the Neovim table and the settings table of docs/settings.md are written from them by
`python -m codeorigin.lsp.editor_settings`, and must be committed as it writes them."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

from codeorigin.core import languages
from codeorigin.lsp import editor_settings
from codeorigin.lsp.options import Settings, camel, json_default

ROOT = Path(__file__).resolve().parents[2]


def test_the_generated_files_are_as_the_sources_write_them() -> None:
    stale = editor_settings.stale(ROOT)
    assert not stale, (
        f"{', '.join(map(str, stale))} differ from the settings' source: "
        "run python -m codeorigin.lsp.editor_settings and commit the result"
    )


def test_the_check_fails_on_a_hand_edit_and_the_writer_repairs_it(tmp_path: Path) -> None:
    for relative in editor_settings.WRITERS:
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / relative, tmp_path / relative)
    lua = tmp_path / editor_settings.LUA_SETTINGS
    lua.write_text(lua.read_text().replace("debounceMs = 400", "debounceMs = 250"))
    command = [sys.executable, "-m", "codeorigin.lsp.editor_settings", "--root", str(tmp_path)]
    check = subprocess.run([*command, "--check"], capture_output=True, text=True)
    assert check.returncode == 1 and "codeorigin_settings.lua differs" in check.stderr
    subprocess.run(command, check=True, capture_output=True)
    assert editor_settings.stale(tmp_path) == []
    assert "debounceMs = 400," in lua.read_text()


def test_package_json_declares_every_setting_with_the_server_default() -> None:
    manifest = json.loads((ROOT / "vscode-client" / "package.json").read_text())
    properties = manifest["contributes"]["configuration"]["properties"]
    declared = {k.removeprefix("codeorigin."): v for k, v in properties.items()}
    expected = {camel(f.name): json_default(f.name) for f in fields(Settings)}
    assert set(declared) - set(editor_settings.CLIENT_ONLY) == set(expected)
    for key, default in expected.items():
        assert declared[key]["default"] == default, key
    assert declared["includeGenerated"]["default"] is False
    events = [f"onLanguage:{lid}" for lid in languages.EDITOR_IDS]
    assert manifest["activationEvents"] == events


def test_hand_written_files_take_the_generated_declarations() -> None:
    """settings.ts only checks values (its keys and defaults come from settingsDefaults.ts), and
    the two Neovim configurations load the one shared table."""
    ts = (ROOT / "vscode-client" / "src" / "common" / "settings.ts").read_text()
    assert "from './settingsDefaults'" in ts
    assert not re.search(r"^  minLines: \d", ts, re.M), "settings.ts declares defaults again"
    for key in (camel(f.name) for f in fields(Settings)):
        assert re.search(rf"^    {key}: ({{|\w+\('{key}')", ts, re.M), (
            f"settings.ts does not check {key}"
        )
    for config in ("codeorigin.lua", "lspconfig.lua"):
        text = (ROOT / "editors" / "nvim" / config).read_text()
        assert "dofile(here .. 'codeorigin_settings.lua')" in text, config
        assert "debounceMs" not in text, f"{config} declares settings of its own"
