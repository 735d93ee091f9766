"""Records written out by hand-picked attribute: one helper for the `to_dict`s whose keys differ
from their dataclass's field names, or reach into a nested object."""

from __future__ import annotations

from collections.abc import Iterable
from operator import attrgetter
from typing import Any


def attrs_dict(obj: object, spec: Iterable[str]) -> dict[str, Any]:
    """`obj`'s attributes as a dict, in the order of `spec`.

    Each entry is `key` (the attribute of that name) or `key=path` (the attribute at the dotted
    `path`, e.g. `files=stats.files`). A dict-valued attribute (a `Counter`) comes out as a
    plain dict.
    """
    out: dict[str, Any] = {}
    for entry in spec:
        key, _, path = entry.partition("=")
        value = attrgetter(path or key)(obj)
        out[key] = dict(value) if isinstance(value, dict) else value
    return out
