"""Helpers shared by the test folders: the LSP test client (`lsp_client`), sample documents
(`samples`) and tiny real models built through the real export code (`tinymodel`, `igmodel`).

`tests/` is on `sys.path` because `tests/conftest.py` lives there (pytest's default import mode),
so tests import them as `helpers.<module>`.
"""
