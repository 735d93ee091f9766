"""The names of the model variants and the module that builds each.

Adding a variant: write `variants/<module>.py` with a class implementing `variants.base.Variant`
and a `variant(name, **options)` function returning one for each name it serves, then add its
names here. The options are the command line's: `work` (the work folder), `threads`,
`train_config` (`train.TrainConfig`) and `subset_config` (`frames.SubsetConfig`); a variant uses
those it needs and ignores the rest.
Modules are imported only when a variant of theirs is asked for (torch and transformers load late).
"""

from __future__ import annotations

import importlib
from typing import Any

from codeorigin_train.variants.base import Variant

#: variant name -> module under `codeorigin_train.variants` whose `variant(name)` builds it.
REGISTRY: dict[str, str] = {
    "frozen-plain": "minilm",
    "frozen-layout": "minilm",
    "unfreeze2-layout": "minilm",
    "scratch-bpe": "scratch_bpe",
    "char-ngram": "ngram",
    "backbone": "backbone",  # and its recipes, e.g. backbone-k6-full (variants/backbone.py)
    "coderep": "coderep",  # coderep[-nodes]-<base>: <base> on code plus a tree-sitter representation
    "distilled": "distilled",  # distilled[-a50-t2-gen]: the scratch student of a GPU teacher
}


def module_of(name: str) -> str:
    """The module serving variant `name`: the registry's entry, or the entry whose name is a
    prefix of it (run names such as `scratch-bpe-full-real` are recipes of `scratch-bpe`)."""
    if name in REGISTRY:
        return REGISTRY[name]
    for known in sorted(REGISTRY, key=len, reverse=True):
        if name.startswith(f"{known}-"):
            return REGISTRY[known]
    raise KeyError(f"unknown variant {name!r}; known: {', '.join(REGISTRY)}")


def get(name: str, **options: Any) -> Variant:
    """A fresh, unfitted variant called `name` (see the module docstring for `options`)."""
    module = importlib.import_module(f"codeorigin_train.variants.{module_of(name)}")
    return module.variant(name, **options)  # type: ignore[no-any-return]


def names() -> list[str]:
    """Every registered variant name."""
    return list(REGISTRY)
