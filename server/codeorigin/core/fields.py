"""Typed reads of a model manifest's JSON fields, each naming the field when it is wrong.

Python's own conversions let wrong types through (`float("0.5")`, `float(True)`) or fail with a
message that names no field ("'NoneType' object is not subscriptable"); a user who edits a
manifest by hand needs to know which field to fix.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_REQUIRED: Any = object()


def section(raw: Mapping[str, Any], key: str, default: Any = _REQUIRED, where: str = "") -> Any:
    """The object `raw[key]` (`default` when it is absent and one is given); ValueError naming
    `where + key` otherwise."""
    if key not in raw and default is _REQUIRED:
        raise ValueError(f"'{where}{key}' is missing")
    value = raw.get(key, default)
    if not isinstance(value, Mapping):
        raise ValueError(f"'{where}{key}' must be an object, not {value!r}")
    return value


def number(raw: Mapping[str, Any], key: str, default: Any = _REQUIRED, where: str = "") -> float:
    """The JSON number `raw[key]` as a float (`default` when absent and one is given): not a
    string ("0.5") nor true; ValueError naming `where + key` otherwise."""
    if key not in raw and default is _REQUIRED:
        raise ValueError(f"'{where}{key}' is missing")
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"'{where}{key}' must be a number, not {value!r}")
    return float(value)


def file_name(raw: Mapping[str, Any], key: str, where: str = "") -> str:
    """The file name `raw[key]` (`onnx.scorer`, `tokenizer.file`); ValueError otherwise."""
    value = raw.get(key)
    if key not in raw:
        raise ValueError(f"'{where}{key}' is missing")
    if not isinstance(value, str) or not value:
        raise ValueError(f"'{where}{key}' must be a file name, not {value!r}")
    return value


def numbers(raw: Mapping[str, Any], key: str, where: str = "") -> dict[str, float]:
    """An object of numbers (`stacker.weights`), absent or null: empty."""
    if raw.get(key) is None:
        return {}
    values = section(raw, key, where=where)
    return {str(k): number(values, k, where=f"{where}{key}.") for k in values}
