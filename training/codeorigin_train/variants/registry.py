"""The model families and the module that builds each.

`FAMILIES` maps a family's name to its module; a run name that starts with a family's name and a
dash (`scratch-bpe-full-real`) is a recipe of it. Each module's `variant(name, **options)` returns
a `variants.base.Variant`, using the options it needs. A module is imported only when one of its
variants is asked for, so torch loads only for the scratch recipes.
"""

from __future__ import annotations

import importlib
from typing import Any

from codeorigin_train.variants.base import Variant

#: Family name -> module, in the modules' name order (the order of the card's bake-off table).
FAMILIES = {"coderep": "coderep", "linear": "linear", "char-ngram": "ngram",
            "scratch-bpe": "scratch_bpe"}  # fmt: skip


def module_of(name: str) -> str:
    """The module serving variant `name`: its family's, or that of its longest family prefix."""
    if name in FAMILIES:
        return FAMILIES[name]
    for prefix in sorted(FAMILIES, key=len, reverse=True):
        if name.startswith(f"{prefix}-"):
            return FAMILIES[prefix]
    raise KeyError(f"unknown variant {name!r}; known: {', '.join(FAMILIES)}")


def get(name: str, **options: Any) -> Variant:
    """A fresh, unfitted variant called `name` (see the module docstring for `options`)."""
    module = importlib.import_module(f"codeorigin_train.variants.{module_of(name)}")
    return module.variant(name, **options)  # type: ignore[no-any-return]


def names() -> list[str]:
    """Every family's name."""
    return list(FAMILIES)
