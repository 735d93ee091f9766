"""The editors' copies of the settings and languages, written from their one source.

The sources are the typed `options.Settings` (each setting's default, schema, scope and
description) and the language table `core.languages` (the language ids editors use). From them this
module writes:

- `vscode-client/package.json`: `contributes.configuration` and `activationEvents`;
- `vscode-client/src/common/settingsDefaults.ts`: the language ids, the `ServerSettings` type and
  its defaults, which `settings.ts` re-exports;
- `editors/nvim/codeorigin_settings.lua`: the filetypes and the settings table, which both Neovim
  configurations load;
- the settings table of `docs/settings.md`, between its `codeorigin-settings` markers.

`python -m codeorigin.lsp.editor_settings` rewrites them; `--check` only says which differ (exit
status 1), and `tests/unit/test_settings_everywhere.py` fails when a committed file differs from
what this writes. Settings only the VS Code extension reads (`CLIENT_ONLY`) are declared here.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any

from codeorigin.core import languages
from codeorigin.lsp.option_values import SEVERITIES
from codeorigin.lsp.options import Settings, camel, declaration, json_default
from codeorigin.lsp.vocabulary import PREFIX, SECTION

ROOT = Path(__file__).resolve().parents[3]  # the repository, in a source checkout
PACKAGE_JSON = Path("vscode-client/package.json")
TS_DEFAULTS = Path("vscode-client/src/common/settingsDefaults.ts")
LUA_SETTINGS = Path("editors/nvim/codeorigin_settings.lua")
README = Path("docs/settings.md")  # the settings table of the docs
README_BEGIN = "<!-- codeorigin-settings: begin (python -m codeorigin.lsp.editor_settings) -->"
README_END = "<!-- codeorigin-settings: end -->"
COMMAND = "python -m codeorigin.lsp.editor_settings"

# The VS Code extension's own settings: never sent to the server.
CLIENT_ONLY: dict[str, dict[str, Any]] = {
    "interpreter": {
        "type": ["array", "string"],
        "items": {"type": "string"},
        "default": [],
        "scope": "resource",
        "markdownDescription": "Python that runs the server, as a path or as `[executable, "
        "...arguments]`; `${workspaceFolder}`, `${userHome}` and `${env:NAME}` are replaced. "
        "Empty: the Python extension's active interpreter if it is installed, else `python3`. "
        "The server restarts when this changes.",
    },
    "trace.server": {
        "type": "string",
        "enum": ["off", "messages", "verbose"],
        "default": "off",
        "scope": "window",
        "description": 'Log the messages between VS Code and the codeorigin server in the "codeorigin" output channel.',
    },
}


def _names() -> list[str]:
    return [f.name for f in fields(Settings)]


# package.json -------------------------------------------------------------------------------------


def configuration() -> dict[str, Any]:
    """package.json's `contributes.configuration`."""
    properties: dict[str, Any] = {}
    for name in _names():
        declared = declaration(name)
        entry = {**declared.schema, "default": json_default(name), "scope": declared.scope}
        entry["markdownDescription" if declared.markdown else "description"] = declared.description
        properties[PREFIX + camel(name)] = entry
    for key, entry in CLIENT_ONLY.items():
        properties[PREFIX + key] = entry
    return {"title": SECTION, "properties": properties}


_LANG_CLAUSE = re.compile(r"editorLangId =~ /\^\([^)]*\)\$/")


def package_json(current: str) -> str:
    """package.json with its configuration and activation events written from the sources."""
    manifest = json.loads(current)
    manifest["activationEvents"] = [f"onLanguage:{lid}" for lid in languages.EDITOR_IDS]
    manifest["contributes"]["configuration"] = configuration()
    # The menus offer codeorigin's commands in the documents of the supported languages.
    ids = "|".join(re.escape(lid) for lid in languages.EDITOR_IDS)
    for entries in manifest["contributes"].get("menus", {}).values():
        for entry in entries:
            if "when" in entry:
                entry["when"] = _LANG_CLAUSE.sub(f"editorLangId =~ /^({ids})$/", entry["when"])
    return json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"


# TypeScript -----------------------------------------------------------------------------------


def _ts_value(name: str) -> str:
    value = json_default(name)
    if name == "languages":
        return "[...SUPPORTED_LANGUAGES]"
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int):
        return f"{value:_}" if value >= 10_000 else str(value)
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    return json.dumps(value)


def typescript() -> str:
    """settingsDefaults.ts."""
    ids = "".join(f"  '{lid}',\n" for lid in languages.EDITOR_IDS)
    severities = ", ".join(f"'{s}'" for s in SEVERITIES)
    fields_ts, defaults = [], []
    for name in _names():
        declared = declaration(name)
        if declared.note:
            fields_ts.append(f"  /** {declared.note} */")
        fields_ts.append(f"  {camel(name)}: {declared.ts};")
        defaults.append(f"  {camel(name)}: {_ts_value(name)},")
    client_only = ", ".join(f"'{k}'" for k in CLIENT_ONLY)
    ranges = [  # the whole-number settings' bounds, as the server checks them
        f"  {camel(n)}: [{declaration(n).schema['minimum']}, {declaration(n).schema['maximum']}],"
        for n in _names()
        if "integer" in declaration(n).schema["type"] and "maximum" in declaration(n).schema
    ]
    aliases = "".join(
        f"  '{a}': '{languages.editor_id(a)}',\n"
        for a in sorted({*languages.ALIASES, *languages.EDITOR_ALIASES})
        if a not in languages.EDITOR_IDS
    )
    return (
        f"// Written by `{COMMAND}` from the server's typed settings\n"
        "// (server/codeorigin/lsp/options.py) and language table (server/codeorigin/core/languages.py).\n"
        "// Do not edit: change those and run the command again.\n\n"
        "/** Language ids the server scores; VS Code and the server use the same ids. */\n"
        f"export const SUPPORTED_LANGUAGES = [\n{ids}] as const;\n\n"
        "export type LanguageId = (typeof SUPPORTED_LANGUAGES)[number];\n\n"
        f"export const SEVERITIES = [{severities}] as const;\n"
        "export type Severity = (typeof SEVERITIES)[number];\n\n"
        "/** The settings section, and the prefix of every setting and command. */\n"
        f"export const SECTION = '{SECTION}';\n\n"
        "/** What the server receives, under the keys it reads. */\n"
        "export interface ServerSettings {\n" + "\n".join(fields_ts) + "\n}\n\n"
        "export const DEFAULT_SERVER_SETTINGS: Readonly<ServerSettings> = Object.freeze({\n"
        + "\n".join(defaults)
        + "\n});\n\n"
        "/** Settings only the extension reads; they are never sent to the server. */\n"
        f"export const CLIENT_ONLY_KEYS = [{client_only}] as const;\n\n"
        "/** The lowest and highest value of each whole-number setting, as the server checks it. */\n"
        "export const INTEGER_RANGES: Readonly<Record<string, readonly [number, number]>> = {\n"
        + "\n".join(ranges)
        + "\n};\n\n"
        "/** Other names `codeorigin.languages` takes, and the language id each stands for. */\n"
        f"export const LANGUAGE_ALIASES: Readonly<Record<string, LanguageId>> = {{\n{aliases}}};\n"
    )


# Lua ------------------------------------------------------------------------------------------


def _lua_value(name: str) -> str:
    value = json_default(name)
    if name == "languages":
        return "vim.list_slice(M.filetypes)"
    if name == "extensions":
        return "vim.empty_dict()"
    if value is None:
        return "vim.NIL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    raise TypeError(f"no Lua form for the default of {name}: {value!r}")


def _wrap(items: list[str], indent: str, width: int = 100) -> str:
    """Items joined by spaces into lines of at most `width` characters."""
    lines = [indent]
    for item in items:
        if len(lines[-1]) + len(item) + 1 > width:
            lines.append(indent)
        lines[-1] += ("" if lines[-1] == indent else " ") + item
    return "\n".join(lines)


def lua() -> str:
    """codeorigin_settings.lua."""
    filetypes = _wrap([f"'{lid}'," for lid in languages.EDITOR_IDS], "  ")
    rows = []
    for name in _names():
        note = declaration(name).note
        rows.append(f"    {camel(name)} = {_lua_value(name)}," + (f" -- {note}" if note else ""))
    return (
        f"-- Written by `{COMMAND}` from the server's typed settings\n"
        "-- (server/codeorigin/lsp/options.py) and language table (server/codeorigin/core/languages.py).\n"
        "-- Do not edit: change those and run the command again.\n"
        "--\n"
        "-- What codeorigin.lua and lspconfig.lua share: the filetypes the server scores and the server\n"
        "-- settings with VS Code's keys and defaults, without the `codeorigin.` prefix. vim.NIL is JSON\n"
        "-- null (a Lua nil would drop the key).\n"
        "local M = {}\n\n"
        f"M.filetypes = {{\n{filetypes}\n}}\n\n"
        "--- A new table of the default settings (callers may change it).\n"
        "function M.settings()\n"
        "  return {\n" + "\n".join(rows) + "\n  }\nend\n\nreturn M\n"
    )


# README ---------------------------------------------------------------------------------------


def _readme_value(name: str) -> str:
    value = json_default(name)
    if name == "languages":
        return "all"
    return f"`{json.dumps(value)}`"


def readme_table() -> str:
    """The README's settings table."""
    rows = ["| setting | default | what it does |", "| --- | --- | --- |"]
    for name in _names():
        text = " ".join(declaration(name).description.split()).replace("|", "\\|")
        rows.append(f"| `{camel(name)}` | {_readme_value(name)} | {text} |")
    for key, entry in CLIENT_ONLY.items():
        text = entry.get("description") or entry["markdownDescription"]
        rows.append(f"| `{key}` | `{json.dumps(entry['default'])}` | VS Code only. {text} |")
    return "\n".join(rows)


def readme(current: str) -> str:
    """docs/settings.md with the table between its markers written from the sources."""
    begin, end = current.find(README_BEGIN), current.find(README_END)
    if begin < 0 or end < begin:
        raise ValueError(f"{README} lacks the markers {README_BEGIN!r} and {README_END!r}")
    head = current[: begin + len(README_BEGIN)]
    return head + "\n" + readme_table() + "\n" + current[end:]


# Files ----------------------------------------------------------------------------------------

WRITERS: dict[Path, Callable[[str], str]] = {
    PACKAGE_JSON: package_json,
    TS_DEFAULTS: lambda _: typescript(),
    LUA_SETTINGS: lambda _: lua(),
    README: readme,
}


def expected(root: Path = ROOT) -> dict[Path, str]:
    """Each generated file's content as the sources say it should be."""
    out = {}
    for relative, write in WRITERS.items():
        path = root / relative
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        out[relative] = write(current)
    return out


def stale(root: Path = ROOT) -> list[Path]:
    """The generated files whose content differs from what the sources say."""
    return [
        relative
        for relative, text in expected(root).items()
        if not (root / relative).exists() or (root / relative).read_text(encoding="utf-8") != text
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only report files that differ")
    parser.add_argument(
        "--root", type=Path, default=ROOT, help="the repository (default: %(default)s)"
    )
    args = parser.parse_args(argv)
    if args.check:
        found = stale(args.root)
        for relative in found:
            print(f"{relative} differs from the settings' source; run {COMMAND}", file=sys.stderr)
        return 1 if found else 0
    for relative, text in expected(args.root).items():
        path = args.root / relative
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {relative}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
