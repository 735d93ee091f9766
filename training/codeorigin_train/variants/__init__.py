"""Model variants of the bake-off, one module each, behind the `Variant` interface (`base.py`).

`registry.py` finds them by their `NAMES`; this package file imports nothing, so that importing
one variant module (or the interface) never loads the others.
"""
