"""The checks a setting's value must pass (`options` declares which check each setting has): each
takes the value as the client sent it (JSON: null, a boolean, a number, a string, an array or an
object), returns it typed, or raises `Invalid` with what was expected; and a value as a message
names it (`json_text`, `json_type`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from typing import Any, Literal

from codeorigin.core import languages

Severity = Literal["error", "warning", "information", "hint"]


SEVERITIES: tuple[Severity, ...] = ("error", "warning", "information", "hint")


class Invalid(ValueError):
    """A setting's value is unusable; the message says what was expected."""


def json_text(value: Any, limit: int = 200) -> str:
    """A value as the client wrote it, in JSON (`null`, `true`, `["cobol"]`), for messages; what
    JSON cannot encode (NaN, an object of another kind) as Python writes it. Cut at `limit`."""
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def json_type(value: Any) -> str:
    """The JSON name of a value's type: null, boolean, number, string, array or object."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, Mapping):
        return "object"
    return type(value).__name__


def boolean_value(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise Invalid("expected true or false")


def whole_number(low: int, high: int) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise Invalid(f"expected a whole number from {low} to {high}")
        if isinstance(value, float) and not value.is_integer():
            raise Invalid(f"expected a whole number from {low} to {high}")
        if not low <= value <= high:
            raise Invalid(f"expected a whole number from {low} to {high}")
        return int(value)

    return check


def optional(check: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`check`, or null."""

    def or_null(value: Any) -> Any:
        return None if value is None else check(value)

    return or_null


def probability(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise Invalid("expected null or a number from 0 to 1")
    if not 0.0 <= value <= 1.0:
        raise Invalid("expected null or a number from 0 to 1")
    return float(value)


def severity(value: Any) -> Severity:
    if isinstance(value, str) and value.lower() in SEVERITIES:
        return value.lower()  # type: ignore[return-value]
    raise Invalid("expected one of " + ", ".join(f'"{s}"' for s in SEVERITIES))


def model_path(value: Any) -> str:
    if isinstance(value, str) and "\x00" not in value:
        return value
    raise Invalid("expected the path of a model folder (a string without NUL characters)")


def baseline_path(value: Any) -> str:
    if isinstance(value, str) and "\x00" not in value:
        return value
    raise Invalid('expected the path of a baseline file, or ""')


def extension_map(value: Any) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise Invalid('expected an object of extensions to language ids, e.g. {".h": "cpp"}')
    try:
        mapping = languages.parse_mapping(dict(value))
    except ValueError as exc:
        raise Invalid(str(exc)) from exc
    return tuple(sorted(mapping.items()))


SCOPES = ("all", "changed")


def scope(value: Any) -> str:
    if isinstance(value, str) and value in SCOPES:
        return value
    raise Invalid("expected one of " + ", ".join(f'"{s}"' for s in SCOPES))


def language_ids(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise Invalid("expected a list of language ids")
    if not value:
        return None  # an empty list means "all": `enable` is the switch that turns scoring off
    ids: list[str] = []
    unknown: list[str] = []
    for item in value:
        # an alias stands for its language: "py" for python, "jsx" for javascriptreact
        lid = languages.editor_id(item) or ""
        if not lid:
            unknown.append(item)
        elif lid not in ids:
            ids.append(lid)
    if unknown:
        supported = ", ".join(sorted(languages.EDITOR_IDS))  # the ids the setting takes
        raise Invalid(
            f"unsupported language id(s) {', '.join(json_text(u) for u in unknown)} "
            f"(supported: {supported})"
        )
    return tuple(ids)
