"""The `codeorigin.*` settings: one frozen dataclass, and the validation that builds it.

Settings arrive as JSON objects with camelCase keys (`minLines`) from three places:
`initializationOptions`, `workspace/configuration` (section "codeorigin", globally and per workspace
folder) and `workspace/didChangeConfiguration`. `settings_from` layers them (later layers win, key by
key), validates every known key and returns the settings plus the problems found: a bad value is
reported to the user, naming the setting, and that one setting falls back to its default.
"""

from __future__ import annotations

import logging
import math
import reprlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any, Literal

from codeorigin.core import languages
from codeorigin.engine import Options

log = logging.getLogger(__name__)

Severity = Literal["error", "warning", "information", "hint"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "information", "hint")
PREFIX = "codeorigin."
# The language ids editors use for the supported languages; other names are aliases.
LSP_IDS = frozenset(languages.LANGUAGES) | {"javascriptreact"}


@dataclass(frozen=True)
class Settings:
    """What the user can set, with the defaults documented for the editors."""

    enable: bool = True
    threshold: float | None = None  # None: the model's calibrated threshold
    min_lines: int = Options.min_lines  # statement lines of the body, see `engine.Options`
    min_tokens: int = Options.min_tokens  # identifier and literal tokens of the body
    severity: Severity = "information"
    show_uncertain: bool = False
    code_lens: bool = True
    languages: tuple[str, ...] | None = None  # LSP language ids; None: every supported language
    model_path: str = ""  # "": the server's --model, else the shipped default model
    debounce_ms: int = 400
    max_file_bytes: int = 1_000_000
    threads: int = 1
    inlay_hints: bool = False
    ig_steps: int | None = None  # None: the model's default number of Integrated Gradients steps
    baseline: str = (
        ""  # a baseline file (`codeorigin scan --write-baseline`); relative: to the folder
    )
    extensions: tuple[
        tuple[str, str], ...
    ] = ()  # (".h", "cpp"): parse these files as that language

    @property
    def extension_map(self) -> dict[str, str]:
        return dict(self.extensions)

    def engine_options(self) -> Options:
        """The part of the settings that changes a verdict."""
        return Options(
            threshold=self.threshold, min_lines=self.min_lines, min_tokens=self.min_tokens
        )

    def covers(self, language_id: str) -> bool:
        """Whether documents with this LSP language id are scored. Ids are compared as given
        (listing "javascript" does not cover "javascriptreact"); an editor's alias such as "py"
        is covered by its canonical id."""
        if self.languages is None:
            return True
        lid = language_id.lower()
        if lid in self.languages:
            return True
        return lid not in LSP_IDS and languages.canonical(lid) in self.languages


@dataclass(frozen=True)
class SettingProblem:
    """A value that was ignored, with a message a user can act on."""

    key: str  # full name, e.g. "codeorigin.threshold"
    message: str


def camel(name: str) -> str:
    """`min_lines` → `minLines`."""
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


class _Invalid(ValueError):
    """A setting's value is unusable; the message says what was expected."""


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise _Invalid("expected true or false")


def _int(low: int, high: int) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _Invalid(f"expected a whole number from {low} to {high}")
        if isinstance(value, float) and not value.is_integer():
            raise _Invalid(f"expected a whole number from {low} to {high}")
        if not low <= value <= high:
            raise _Invalid(f"expected a whole number from {low} to {high}")
        return int(value)

    return check


def _optional(check: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def optional(value: Any) -> Any:
        return None if value is None else check(value)

    return optional


def _probability(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise _Invalid("expected null or a number from 0 to 1")
    if not 0.0 <= value <= 1.0:
        raise _Invalid("expected null or a number from 0 to 1")
    return float(value)


def _severity(value: Any) -> Severity:
    if isinstance(value, str) and value.lower() in SEVERITIES:
        return value.lower()  # type: ignore[return-value]
    raise _Invalid("expected one of " + ", ".join(f'"{s}"' for s in SEVERITIES))


def _path(value: Any) -> str:
    if isinstance(value, str) and "\x00" not in value:
        return value
    raise _Invalid("expected the path of a model folder (a string without NUL characters)")


def _baseline(value: Any) -> str:
    if isinstance(value, str) and "\x00" not in value:
        return value
    raise _Invalid('expected the path of a baseline file, or ""')


def _extensions(value: Any) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise _Invalid('expected an object of extensions to language ids, e.g. {".h": "cpp"}')
    try:
        mapping = languages.parse_mapping(dict(value))
    except ValueError as exc:
        raise _Invalid(str(exc)) from exc
    return tuple(sorted(mapping.items()))


def _languages(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise _Invalid("expected a list of language ids")
    if not value:
        return None  # an empty list means "all": `enable` is the switch that turns scoring off
    ids: list[str] = []
    unknown: list[str] = []
    for item in value:
        if languages.canonical(item) is None:
            unknown.append(item)
        elif item.lower() not in ids:
            ids.append(item.lower())
    if unknown:
        supported = ", ".join(sorted(languages.LANGUAGES))
        raise _Invalid(f"unsupported language id(s) {', '.join(unknown)} (supported: {supported})")
    return tuple(ids)


_CHECKS: dict[str, Callable[[Any], Any]] = {
    "enable": _bool,
    "threshold": _optional(_probability),
    "min_lines": _int(1, 10_000),
    "min_tokens": _int(1, 1_000_000),
    "severity": _severity,
    "show_uncertain": _bool,
    "code_lens": _bool,
    "languages": _languages,
    "model_path": _path,
    "debounce_ms": _int(0, 60_000),
    "max_file_bytes": _int(1, 2_000_000_000),
    "threads": _int(1, 256),
    "inlay_hints": _bool,
    "ig_steps": _optional(_int(1, 4096)),
    "baseline": _baseline,
    "extensions": _extensions,
}
_BY_KEY = {camel(f.name): f.name for f in fields(Settings)}
assert set(_CHECKS) == {f.name for f in fields(Settings)}


def section(raw: Any) -> Mapping[str, Any] | None:
    """The codeorigin part of a settings payload: `{"codeorigin": {...}}`, `{...}` or flat
    `{"codeorigin.minLines": ...}` keys. None when the payload holds nothing for us; a payload
    that is not an object is logged (to the client's log too) and ignored."""
    if not isinstance(raw, Mapping):
        if raw is not None:
            log.warning(
                "ignoring codeorigin settings that are not an object: %s", reprlib.repr(raw)
            )
        return None
    nested = raw.get("codeorigin")
    if isinstance(nested, Mapping):
        return nested
    if nested is not None:
        log.warning(
            "ignoring the codeorigin settings section, which is not an object: %s",
            reprlib.repr(nested),
        )
    flat = {
        k[len(PREFIX) :]: v for k, v in raw.items() if isinstance(k, str) and k.startswith(PREFIX)
    }
    return flat or raw


def settings_from(
    layers: Sequence[Mapping[str, Any] | None],
) -> tuple[Settings, list[SettingProblem]]:
    """Settings from layered raw objects (later layers win). Unknown keys are ignored."""
    merged: dict[str, Any] = {}
    for layer in layers:
        if layer:
            for key, value in layer.items():
                name = _BY_KEY.get(key) if isinstance(key, str) else None
                if name is not None:
                    merged[name] = value
    defaults = Settings()
    values: dict[str, Any] = {}
    problems: list[SettingProblem] = []
    for name, value in merged.items():
        try:
            values[name] = _CHECKS[name](value)
        except _Invalid as why:
            default = getattr(defaults, name)
            shown = "null" if default is None else repr(default).replace("'", '"')
            if isinstance(default, bool):
                shown = str(default).lower()
            elif default == ():
                shown = "{}"
            problems.append(
                SettingProblem(
                    PREFIX + camel(name),
                    f"Invalid setting {PREFIX}{camel(name)}: {why} (got {value!r}). "
                    f"Using the default ({shown}).",
                )
            )
    return Settings(**values), problems
