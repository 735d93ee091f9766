"""The names of the model variants and the module that builds each, found in the package itself.

Adding a variant is adding one file: `variants/<module>.py` with a class implementing
`variants.base.Variant`, a module-level `NAMES` tuple of the variant names it serves (a run name
that starts with one of them and a dash, such as `scratch-bpe-full-real`, is a recipe of it), and a
`variant(name, **options)` function returning one for each. The options are the command line's:
`work` (the work folder), `threads`, `train_config` (`train.TrainConfig`) and `subset_config`
(`frames.SubsetConfig`); a variant uses those it needs and ignores the rest.

`NAMES` is read from each module's source without importing it, so torch and transformers load only
when a variant of theirs is asked for.
"""

from __future__ import annotations

import ast
import functools
import importlib
from pathlib import Path
from typing import Any

from codeorigin_train.variants.base import Variant

#: Modules of this package that are not variants.
NOT_VARIANTS = frozenset({"__init__", "base", "registry"})


def declared_names(source: str) -> tuple[str, ...]:
    """The module-level `NAMES` tuple of a module's source, read without running it: string
    literals, or names of module-level string constants (`NAMES = (NAME,)`); () when it declares
    none. Raises ValueError when `NAMES` holds anything else."""
    constants: dict[str, str] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.AnnAssign):
            target, value = node.target, node.value
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        else:
            continue
        if not isinstance(target, ast.Name) or value is None:
            continue
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            constants[target.id] = value.value
        elif target.id == "NAMES":
            return tuple(_string(item, constants) for item in _items(value))
    return ()


def _items(value: ast.expr) -> list[ast.expr]:
    if not isinstance(value, (ast.Tuple, ast.List)):
        raise ValueError("NAMES must be a tuple of strings")
    return list(value.elts)


def _string(item: ast.expr, constants: dict[str, str]) -> str:
    if isinstance(item, ast.Constant) and isinstance(item.value, str):
        return item.value
    if isinstance(item, ast.Name) and item.id in constants:
        return constants[item.id]
    raise ValueError(f"NAMES holds {ast.unparse(item)}, not a string or a string constant's name")


def discover(folder: Path) -> dict[str, str]:
    """Variant name -> module name, for every variant module in `folder` (modules in name order).
    Raises ValueError when two modules claim one name."""
    found: dict[str, str] = {}
    for path in sorted(folder.glob("*.py")):
        if path.stem in NOT_VARIANTS:
            continue
        for name in declared_names(path.read_text(encoding="utf-8")):
            if name in found:
                raise ValueError(f"variant {name!r} is claimed by {found[name]} and {path.stem}")
            found[name] = path.stem
    return found


@functools.cache
def registry() -> dict[str, str]:
    """Variant name -> module under `codeorigin_train.variants` whose `variant(name)` builds it."""
    return discover(Path(__file__).parent)


def module_of(name: str) -> str:
    """The module serving variant `name`: the registry's entry, or the entry whose name is a
    prefix of it (run names such as `scratch-bpe-full-real` are recipes of `scratch-bpe`)."""
    known = registry()
    if name in known:
        return known[name]
    for prefix in sorted(known, key=len, reverse=True):
        if name.startswith(f"{prefix}-"):
            return known[prefix]
    raise KeyError(f"unknown variant {name!r}; known: {', '.join(known)}")


def get(name: str, **options: Any) -> Variant:
    """A fresh, unfitted variant called `name` (see the module docstring for `options`)."""
    module = importlib.import_module(f"codeorigin_train.variants.{module_of(name)}")
    return module.variant(name, **options)  # type: ignore[no-any-return]


def names() -> list[str]:
    """Every registered variant name."""
    return list(registry())
