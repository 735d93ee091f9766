"""Supported languages: LSP language ids, file extensions, and their tree-sitter grammars.

Each grammar comes from its own PyPI wheel (tree-sitter-python, tree-sitter-java, ...), imported
lazily the first time a language is parsed; none is downloaded at run time.
"""

from __future__ import annotations

import importlib
import threading
from dataclasses import dataclass
from pathlib import PurePath

from tree_sitter import Language, Parser


@dataclass(frozen=True)
class LanguageInfo:
    """A language codeorigin can split into spans."""

    id: str  # canonical id, also the LSP languageId
    module: str  # Python module of the grammar wheel
    entry: str  # function in that module returning the grammar pointer
    extensions: tuple[str, ...]


LANGUAGES: dict[str, LanguageInfo] = {
    info.id: info
    for info in (
        LanguageInfo("python", "tree_sitter_python", "language", (".py", ".pyw", ".pyi")),
        LanguageInfo("java", "tree_sitter_java", "language", (".java",)),
        LanguageInfo("c", "tree_sitter_c", "language", (".c", ".h")),
        LanguageInfo(
            "cpp",
            "tree_sitter_cpp",
            "language",
            (".cpp", ".cc", ".cxx", ".c++", ".hpp", ".hh", ".hxx", ".h++", ".ipp"),
        ),
        LanguageInfo(
            "javascript", "tree_sitter_javascript", "language", (".js", ".mjs", ".cjs", ".jsx")
        ),
        LanguageInfo(
            "typescript", "tree_sitter_typescript", "language_typescript", (".ts", ".mts", ".cts")
        ),
        LanguageInfo("typescriptreact", "tree_sitter_typescript", "language_tsx", (".tsx",)),
        LanguageInfo("go", "tree_sitter_go", "language", (".go",)),
        LanguageInfo("rust", "tree_sitter_rust", "language", (".rs",)),
        LanguageInfo("ruby", "tree_sitter_ruby", "language", (".rb",)),
        LanguageInfo("php", "tree_sitter_php", "language_php", (".php",)),
    )
}

# Other names editors use for the same grammars.
ALIASES: dict[str, str] = {
    "javascriptreact": "javascript",
    "jsx": "javascript",
    "js": "javascript",
    "ts": "typescript",
    "tsx": "typescriptreact",
    "c++": "cpp",
    "py": "python",
    "rb": "ruby",
    "rs": "rust",
    "golang": "go",
}

_EXTENSIONS: dict[str, str] = {
    ext: info.id for info in LANGUAGES.values() for ext in info.extensions
}

_lock = threading.Lock()
_grammars: dict[str, Language] = {}


def canonical(language_id: str | None) -> str | None:
    """The canonical id for an LSP language id or alias, or None when it is not supported."""
    if not language_id:
        return None
    key = language_id.lower()
    key = ALIASES.get(key, key)
    return key if key in LANGUAGES else None


def from_path(path: str | PurePath) -> str | None:
    """The language of a file, from its extension, or None."""
    return _EXTENSIONS.get(PurePath(path).suffix.lower())


def grammar(language_id: str) -> Language:
    """The tree-sitter Language for a canonical id (loaded once, thread-safe)."""
    with _lock:
        lang = _grammars.get(language_id)
        if lang is None:
            info = LANGUAGES[language_id]
            module = importlib.import_module(info.module)
            lang = Language(getattr(module, info.entry)())
            _grammars[language_id] = lang
        return lang


def parser(language_id: str) -> Parser:
    """A new parser for a canonical id. Parsers are cheap; one per call keeps threads apart."""
    return Parser(grammar(language_id))
