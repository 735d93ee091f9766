"""The `codeorigin.*` settings: the one typed model, each setting declared once, and its validation.

`Settings` and its `Declaration`s are the source of truth for every setting: its default, the check
a value must pass (`option_values`), its JSON schema, scope and description for VS Code, and the
note shown beside it in the Neovim and TypeScript defaults. `editor_settings` writes the editors'
files from it (package.json's configuration, the TypeScript defaults, the Neovim table), and a test
fails when they drift.

Settings arrive as JSON objects with camelCase keys (`minLines`) from three places:
`initializationOptions`, `workspace/configuration` (section "codeorigin", globally and per workspace
folder) and `workspace/didChangeConfiguration`. `settings_from` layers them (later layers win, key by
key), validates every known key and returns the settings plus the problems found: a bad value is
reported to the user, naming the setting, and that one setting falls back to its default.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

from codeorigin.core import languages
from codeorigin.engine.judging import VerdictRules
from codeorigin.lsp import option_values as checks
from codeorigin.lsp.option_values import SCOPES, SEVERITIES, Invalid, Severity, json_text
from codeorigin.lsp.vocabulary import PREFIX

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Declaration:
    """What the editors are told of one setting, beside its default.

    `schema`: its JSON schema in package.json (without default, scope and description);
    `description`: one or two sentences, Markdown when `markdown`; `note`: a short comment beside
    the default in the Neovim and TypeScript defaults; `ts`: its TypeScript type.
    """

    check: Callable[[Any], Any]
    schema: Mapping[str, Any]
    description: str
    ts: str
    markdown: bool = False
    scope: str = "resource"
    note: str = ""


def _boolean(description: str, **more: Any) -> Declaration:
    return Declaration(checks.boolean_value, {"type": "boolean"}, description, "boolean", **more)


def _whole(low: int, high: int, description: str, **more: Any) -> Declaration:
    return Declaration(
        checks.whole_number(low, high),
        {"type": "integer", "minimum": low, "maximum": high},
        description,
        "number",
        **more,
    )


def _or_null(
    check: Callable[[Any], Any], kind: str, bounds: tuple[int, int], description: str, note: str
) -> Declaration:
    """A number of JSON type `kind` within `bounds`, or null for the model's own."""
    low, high = bounds
    schema = {"type": [kind, "null"], "minimum": low, "maximum": high}
    return Declaration(
        checks.optional(check), schema, description, "number | null", markdown=True, note=note
    )


def _text(check: Callable[[Any], str], description: str, **more: Any) -> Declaration:
    return Declaration(check, {"type": "string"}, description, "string", markdown=True, **more)


_DECLARATIONS: dict[str, Declaration] = {
    "enable": _boolean(
        "Score functions and show the results. When false the server keeps running but "
        "publishes nothing."
    ),
    "threshold": _or_null(
        checks.probability,
        "number",
        (0, 1),
        "Probability from which a function is flagged as LLM-written, from 0 to 1, for every "
        "language alike. `null` uses the thresholds the model was calibrated with, one per "
        "language. A language the model does not judge stays unjudged either way.",
        note="null: the model's calibrated threshold; else 0..1",
    ),
    "min_lines": _whole(
        1,
        10_000,
        "Functions with fewer statement lines in their body (lines with an identifier or a "
        "literal; never braces or the signature) are too short to judge.",
        note="statement lines of the body (not braces, not the signature)",
    ),
    "min_tokens": _whole(
        1,
        1_000_000,
        "Functions with fewer identifier and literal tokens in their body are too short to judge.",
        note="identifier and literal tokens of the body",
    ),
    "severity": Declaration(
        checks.severity,
        {
            "type": "string",
            "enum": list(SEVERITIES),
            "enumDescriptions": [
                "Shown as an error.",
                "Shown as a warning.",
                "Shown as information (blue squiggle).",
                "Shown as a hint (faint dots).",
            ],
        },
        "Severity of the diagnostic on a function flagged as LLM-written (and on an uncertain "
        "one, with `showUncertain`).",
        "Severity",
        note=" | ".join(f"'{s}'" for s in SEVERITIES),
    ),
    "show_uncertain": _boolean(
        "Also mark functions whose score is close to the threshold, where the model is unsure."
    ),
    "code_lens": _boolean("Show a code lens with the probability above each scored function."),
    "provenance": _boolean("Show in the hover and the code lens which lines of a function come "
                           "from commits a coding agent signed (git blame, read on open and save). "
                           "A marker proves an agent took part; its absence proves nothing."),
    "languages": Declaration(
        checks.language_ids,
        {
            "type": "array",
            "items": {"type": "string", "enum": list(languages.EDITOR_IDS)},
            "uniqueItems": True,
        },
        "Language ids to score. By default (or empty) every supported language; `enable` turns "
        "scoring off. A language the model does not judge gets no verdict; the hover says why.",
        "LanguageId[]",
        note="null: every supported language",
    ),
    "model_path": _text(
        checks.model_path,
        "Folder of the model to use (with its `manifest.json`); a relative path is taken from the "
        "workspace folder (outside every folder: the workspace's root, or without one the "
        "server's working folder). Empty: the server's `--model`, else `CODEORIGIN_MODEL`, else the model "
        "shipped with the server.",
        scope="machine-overridable",
        note="'': the server's --model, else the model shipped with the server",
    ),
    "debounce_ms": _whole(0, 60_000, "Milliseconds to wait after the last edit before a document is scored again."),
    "max_file_bytes": _whole(1, 2_000_000_000, "Files larger than this many bytes are not scored."),
    "threads": _whole(1, 256, "CPU threads the model may use.", scope="machine-overridable"),
    "inlay_hints": _boolean(
        "Show each line's share of the evidence (Integrated Gradients) as an inlay hint at the "
        "end of the line, in functions flagged as likely LLM-generated or in the uncertain band."
    ),
    "ig_steps": _or_null(
        checks.whole_number(1, 1024),
        "integer",
        (1, 1024),
        "Integrated-gradients steps of the explanations (hovers, inlay hints and **Explain "
        "Function**): more is slower and more exact. "
        "`null` uses the model default.",
        note="null: the model's default number of integrated-gradients steps",
    ),
    "baseline": _text(
        checks.baseline_path,
        "A baseline file written by `codeorigin scan --write-baseline FILE`: findings recorded "
        "there get no diagnostic until their function changes. A relative path is taken from the "
        'workspace folder; `""` uses none.',
        note="a file from `codeorigin scan --write-baseline`; relative: to the folder",
    ),
    "extensions": Declaration(
        checks.extension_map,
        {"type": "object", "additionalProperties": {"type": "string", "enum": list(languages.EDITOR_IDS)}},
        'Parse files with these extensions as these languages, e.g. `{".h": "cpp"}`. Without it '
        "a `.h` file is C or C++ as its content says (namespace, class, template, `std::`).",
        "Record<string, string>",
        markdown=True,
        note="e.g. { ['.h'] = 'cpp' }; a .h file is C or C++ by its content",
    ),
    "include_generated": _boolean(
        "Also score generated and vendored code, which is skipped by default: files with a "
        "`DO NOT EDIT` header, `*_pb2.py`, minified or vendored files, and functions marked as "
        "generated (as `codeorigin scan --include-generated` does).",
        markdown=True,
        note="also score generated and vendored code",
    ),
    "scope": Declaration(
        checks.scope,
        {
            "type": "string",
            "enum": list(SCOPES),
            "enumDescriptions": [
                "Judge every function of a document.",
                "Judge only the functions whose lines differ from HEAD (git), as "
                "`codeorigin scan --diff` does: your own new code, not the file's history.",
            ],
        },
        "Which functions to judge: `all`, or `changed`: only those with lines that differ from "
        "the file at git's HEAD (a file git does not track, or outside a repository, is all new); "
        "one flagged at HEAD that the edit changed in at most half of its lines gets no "
        "diagnostic, as `scan --diff HEAD` sets it aside.",
        "'all' | 'changed'",
        markdown=True,
        note="'all' | 'changed': only functions that differ from git's HEAD",
    ),
}


@dataclass(frozen=True)
class Settings:
    """What the user can set, with its defaults; `_DECLARATIONS` says the rest of each setting."""

    enable: bool = True
    threshold: float | None = None  # None: the model's calibrated threshold
    min_lines: int = VerdictRules.min_lines  # the one place for the "too short" defaults
    min_tokens: int = VerdictRules.min_tokens
    severity: Severity = "information"
    show_uncertain: bool = False
    code_lens: bool = True
    provenance: bool = True
    languages: tuple[str, ...] | None = None  # LSP language ids; None: every supported language
    model_path: str = ""  # "": the server's --model, else the shipped default model
    debounce_ms: int = 400
    max_file_bytes: int = 1_000_000
    threads: int = 1
    inlay_hints: bool = False
    ig_steps: int | None = None  # None: the model's default number of Integrated Gradients steps
    baseline: str = ""  # a file from `codeorigin scan --write-baseline`; relative: to the folder
    extensions: tuple[tuple[str, str], ...] = ()  # ((".h", "cpp"),): parse .h files as C++
    include_generated: bool = False  # score generated and vendored code too
    scope: str = "all"  # "changed": only the spans that differ from git's HEAD

    @property
    def extension_map(self) -> dict[str, str]:
        return dict(self.extensions)

    def verdict_rules(self) -> VerdictRules:
        """The part of the settings that changes a verdict."""
        return VerdictRules(
            threshold=self.threshold,
            min_lines=self.min_lines,
            min_tokens=self.min_tokens,
            include_generated=self.include_generated,
        )

    def covers(self, language_id: str) -> bool:
        """Whether documents with this LSP language id are scored. Ids are compared as given
        (listing "javascript" does not cover "javascriptreact"); an editor's alias such as "py"
        or "jsx" is covered by the id it stands for, in a document's id as in the setting
        (`option_values.language_ids` keeps the editor id of a listed alias)."""
        if self.languages is None:
            return True
        return languages.editor_id(language_id) in self.languages


def declaration(name: str) -> Declaration:
    """The declaration of a `Settings` field, by its Python name."""
    return _DECLARATIONS[name]


def camel(name: str) -> str:
    """`min_lines` → `minLines`."""
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def json_default(name: str) -> Any:
    """A setting's default as the editors write it: every language listed, `{}` for no mapping."""
    value = getattr(Settings(), name)
    if name == "languages" and value is None:
        return list(languages.EDITOR_IDS)
    if name == "extensions":
        return dict(value)
    return value


@dataclass(frozen=True)
class SettingProblem:
    """A value that was ignored, with a message a user can act on."""

    key: str  # full name, e.g. "codeorigin.threshold"
    message: str


_BY_KEY = {camel(f.name): f.name for f in fields(Settings)}
assert list(_DECLARATIONS) == [f.name for f in fields(Settings)]  # the same settings, in order


def section(raw: Any) -> Mapping[str, Any] | None:
    """The codeorigin part of a settings payload: `{"codeorigin": {...}}`, `{...}` or flat
    `{"codeorigin.minLines": ...}` keys. None when the payload holds nothing for us; a payload
    that is not an object is logged (to the client's log too) and ignored."""
    if not isinstance(raw, Mapping):
        if raw is not None:
            log.warning("ignoring codeorigin settings that are not an object: %s", json_text(raw))
        return None
    nested = raw.get("codeorigin")
    if isinstance(nested, Mapping):
        return nested
    if nested is not None:
        log.warning(
            "ignoring the codeorigin settings section, which is not an object: %s",
            json_text(nested),
        )
    flat = {
        k[len(PREFIX) :]: v for k, v in raw.items() if isinstance(k, str) and k.startswith(PREFIX)
    }
    # Bare setting names beside full ones are the section itself with a full name written in it
    # (`{"threshold": 0.5, "codeorigin.inlayHints": true}`): read as flat keys, it lost the bare
    # ones without a word; as the section, the full name gets its warning (`_unknown`).
    if flat and not any(k in _BY_KEY for k in raw):
        return flat
    return raw


def _misspelt(key: str) -> str | None:
    """The setting an unknown key most likely misspells, or None (a client's own keys, such as
    VS Code's `interpreter` and `trace`, resemble none). A full name inside the `codeorigin`
    section (`{"codeorigin": {"codeorigin.threshold": 0.5}}`) is one written twice over."""
    import difflib

    found = difflib.get_close_matches(key.removeprefix(PREFIX), list(_BY_KEY), n=1, cutoff=0.8)
    return found[0] if found else None


def _unknown(key: str, like: str) -> SettingProblem:
    """The warning for an unknown key that resembles the setting `like`."""
    if key.startswith(PREFIX):  # `{"codeorigin": {"codeorigin.threshold": 0.5}}`
        return SettingProblem(
            PREFIX + key,
            f"Setting {key} inside the {PREFIX[:-1]} section, ignored: write {like} there, "
            f"without the {PREFIX} prefix.",
        )
    return SettingProblem(
        PREFIX + key, f"Unknown setting {PREFIX}{key}, ignored: did you mean {PREFIX}{like}?"
    )


def settings_from(
    layers: Sequence[Mapping[str, Any] | None],
) -> tuple[Settings, list[SettingProblem]]:
    """Settings from layered raw objects (later layers win). Unknown keys are ignored; one that
    looks like a misspelt setting (`threshhold`) is reported with the setting it resembles."""
    merged: dict[str, Any] = {}
    problems: list[SettingProblem] = []
    for layer in layers:
        if layer:
            for key, value in layer.items():
                name = _BY_KEY.get(key) if isinstance(key, str) else None
                if name is not None:
                    merged[name] = value
                elif isinstance(key, str) and (like := _misspelt(key)) is not None:
                    problems.append(_unknown(key, like))
    defaults = Settings()
    values: dict[str, Any] = {}
    for name, value in merged.items():
        try:
            values[name] = declaration(name).check(value)
        except Invalid as why:
            default = getattr(defaults, name)
            shown = json_text(json_default(name) if default == () else default)
            if default is None and declaration(name).note.startswith("null: "):
                shown = declaration(name).note.split(";")[0]  # "null: the model's threshold"
            problems.append(
                SettingProblem(
                    PREFIX + camel(name),
                    f"Invalid setting {PREFIX}{camel(name)}: {why} (got {json_text(value)}). "
                    f"Using the default ({shown}).",
                )
            )
    return Settings(**values), problems
