"""Every `codeorigin.*` setting is declared the same way wherever settings are declared: the server's
options (`lsp/options.py`, the one typed model), VS Code's package.json and settings.ts, the Neovim
configurations and the README's table, with the same defaults."""

from __future__ import annotations

import json
import re
from dataclasses import fields
from pathlib import Path

from codeorigin.core import languages
from codeorigin.lsp.options import Settings, camel

ROOT = Path(__file__).resolve().parents[2]
CLIENT_ONLY = {"interpreter", "trace.server"}


def server_defaults() -> dict[str, object]:
    out: dict[str, object] = {}
    for f in fields(Settings):
        value = getattr(Settings(), f.name)
        if f.name == "languages" and value is None:
            value = [*languages.LANGUAGES, "javascriptreact"]
        elif f.name == "extensions":
            value = dict(value)
        out[camel(f.name)] = value
    return out


def test_package_json_declares_every_setting_with_the_server_default() -> None:
    manifest = json.loads((ROOT / "vscode-client" / "package.json").read_text())
    properties = manifest["contributes"]["configuration"]["properties"]
    declared = {k.removeprefix("codeorigin."): v for k, v in properties.items()}
    expected = server_defaults()
    assert set(declared) - CLIENT_ONLY == set(expected)
    for key, default in expected.items():
        got = declared[key]["default"]
        if key == "languages":
            assert sorted(got) == sorted(default)  # type: ignore[arg-type]
        else:
            assert got == default, key


def test_settings_ts_lua_and_readme_name_every_setting() -> None:
    ts = (ROOT / "vscode-client" / "src" / "common" / "settings.ts").read_text()
    readme = (ROOT / "README.md").read_text()
    luas = [
        (ROOT / "editors" / "nvim" / n).read_text() for n in ("codeorigin.lua", "lspconfig.lua")
    ]
    for key, default in server_defaults().items():
        assert re.search(rf"^  {key}: ", ts, re.M), f"settings.ts lacks {key}"
        assert f"| `{key}` |" in readme, f"README lacks {key}"
        for lua in luas:
            assert re.search(rf"^  {key} = ", lua, re.M), f"a Neovim configuration lacks {key}"
        if isinstance(default, int) and not isinstance(default, bool):
            assert re.search(rf"^  {key}: {default:_},?$|^  {key}: {default},?$", ts, re.M), key
            assert f"| `{key}` | `{default}` |" in readme, key
            for lua in luas:
                assert re.search(rf"^  {key} = {default},", lua, re.M), key
