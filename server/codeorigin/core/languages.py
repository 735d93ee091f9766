"""Supported languages: LSP language ids, file extensions, and their tree-sitter grammars.

Each grammar comes from its own PyPI wheel (tree-sitter-python, tree-sitter-java, ...), imported
lazily the first time a language is parsed; none is downloaded at run time.

A `.h` file is C or C++: `for_file` decides from its content as GitHub linguist's heuristics do
(`namespace`, `class`, `template <`, `std::`, access specifiers, C++ standard headers mean C++;
anything else is C). A user's mapping of extensions (`codeorigin.extensions`, `scan --extension`)
comes before both.
"""

from __future__ import annotations

import importlib
import re
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
    # Other language ids editors give documents of this grammar, which the user can list on their
    # own in `codeorigin.languages` (VS Code's "javascriptreact" is JavaScript with JSX).
    editor_ids: tuple[str, ...] = ()


LANGUAGES: dict[str, LanguageInfo] = {
    info.id: info
    for info in (
        LanguageInfo("python", "tree_sitter_python", "language", (".py", ".pyw", ".pyi")),
        LanguageInfo("java", "tree_sitter_java", "language", (".java",)),
        LanguageInfo("c", "tree_sitter_c", "language", (".c", ".h")),  # .h: see `for_file`
        LanguageInfo(
            "cpp",
            "tree_sitter_cpp",
            "language",
            (".cpp", ".cc", ".cxx", ".c++", ".hpp", ".hh", ".hxx", ".h++", ".ipp"),
        ),
        LanguageInfo(
            "javascript",
            "tree_sitter_javascript",
            "language",
            (".js", ".mjs", ".cjs", ".jsx"),
            ("javascriptreact",),
        ),
        LanguageInfo(
            "typescript", "tree_sitter_typescript", "language_typescript", (".ts", ".mts", ".cts")
        ),
        LanguageInfo("typescriptreact", "tree_sitter_typescript", "language_tsx", (".tsx",)),
        LanguageInfo("go", "tree_sitter_go", "language", (".go",)),
        LanguageInfo("rust", "tree_sitter_rust", "language", (".rs",)),
        LanguageInfo("ruby", "tree_sitter_ruby", "language", (".rb",)),
        LanguageInfo("php", "tree_sitter_php", "language_php", (".php",)),
        # Neovim's filetype for C# is "cs", VS Code's language id "csharp".
        LanguageInfo("csharp", "tree_sitter_c_sharp", "language", (".cs", ".csx"), ("cs",)),
        LanguageInfo("kotlin", "tree_sitter_kotlin", "language", (".kt", ".kts")),
        LanguageInfo("swift", "tree_sitter_swift", "language", (".swift",)),
    )
}

# The language ids editors use for the supported languages, in the table's order: what VS Code
# activates on and Neovim attaches to (`lsp.editor_settings` writes them into the editors' files).
EDITOR_IDS: tuple[str, ...] = tuple(
    lid for info in LANGUAGES.values() for lid in (info.id, *info.editor_ids)
)

# Other names editors use for the same grammars.
ALIASES: dict[str, str] = {
    **{lid: info.id for info in LANGUAGES.values() for lid in info.editor_ids},
    "jsx": "javascript",
    "js": "javascript",
    "ts": "typescript",
    "tsx": "typescriptreact",
    "c++": "cpp",
    "py": "python",
    "rb": "ruby",
    "rs": "rust",
    "golang": "go",
    "c#": "csharp",
    "kt": "kotlin",
}

_EXTENSIONS: dict[str, str] = {
    ext: info.id for info in LANGUAGES.values() for ext in info.extensions
}

_lock = threading.Lock()
_grammars: dict[str, Language] = {}


# Aliases that name an editor's language id rather than a canonical one: in `codeorigin.languages`,
# "jsx" means the documents VS Code calls "javascriptreact", not every JavaScript file.
EDITOR_ALIASES: dict[str, str] = {"jsx": "javascriptreact"}


def editor_id(alias: str) -> str | None:
    """The editor language id (`python`, `javascriptreact`, ...) that a name in a user's list of
    languages stands for, or None when it names no supported language."""
    key = alias.lower()
    if key in EDITOR_IDS:
        return key
    return EDITOR_ALIASES.get(key) or canonical(key)


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


# linguist's heuristics for .h files (heuristics.yml, "C++" rules); Objective-C is out of scope.
_CPP_HEADER = re.compile(
    r"^\s*#\s*include\s*<(?:cstdint|cstddef|cstdlib|cstring|string|string_view|vector|map|set|"
    r"list|array|bitset|deque|queue|stack|forward_list|unordered_map|unordered_set|memory|"
    r"utility|algorithm|functional|optional|variant|tuple|type_traits|limits|chrono|thread|"
    r"mutex|atomic|(?:i|o|io|s|f)stream)>"
    r"|^\s*template\s*<"
    r"|^[ \t]*(?:try|constexpr)\b"
    r"|^[ \t]*catch\s*\("
    r"|^[ \t]*(?:class|(?:using[ \t]+)?namespace)\s+\w+"
    r"|^[ \t]*(?:private|public|protected):\s*$"
    r"|\bstd::\w+"
    r"|^\s*extern\s+\"C\+\+\"",
    re.M,
)


def unsupported(path: str | PurePath) -> str:
    """Why a file named on the command line is not read, and how to read it: `--extension`
    maps its extension to a language (`scan`, `explain`)."""
    names = ", ".join(sorted(LANGUAGES))
    suffix = PurePath(path).suffix
    if not suffix:
        return f"unsupported language (by file extension: it has none); codeorigin reads {names}"
    return (f"unsupported language (by file extension); --extension {suffix}=LANG parses it "
            f"as LANG, one of {names}")  # fmt: skip


def header_language(text: str) -> str:
    """ "cpp" when a `.h` file's content says C++ (linguist's heuristics), else "c"."""
    return "cpp" if _CPP_HEADER.search(text) else "c"


def parse_mapping(items: dict[str, str] | list[str] | tuple[str, ...]) -> dict[str, str]:
    """A user's extension mapping, `{".h": "cpp"}` or `[".h=cpp"]`, as {".ext": canonical id}; the
    dot may be left out (`h=cpp`). Raises ValueError naming what is wrong, also for what would
    match no file (`*.h`, `.d.ts`: a file's extension is its last one)."""
    pairs: list[tuple[str, str]] = []
    if isinstance(items, dict):
        pairs = [(str(k), str(v)) for k, v in items.items()]
    else:
        for item in items:
            ext, sep, lang = str(item).partition("=")
            if not sep:
                raise ValueError(f"expected EXT=LANGUAGE, e.g. .h=cpp, not {item!r}")
            pairs.append((ext, lang))
    out: dict[str, str] = {}
    for raw, lang in pairs:
        ext = raw.strip().lower()
        ext = ext if ext.startswith(".") else "." + ext
        if len(ext) < 2 or "/" in ext:
            raise ValueError(f"not a file extension: {raw!r} (expected EXT=LANGUAGE, e.g. .h=cpp)")
        last = PurePath("x" + ext).suffix
        pattern = any(c in last for c in "*?[]\\")
        if last != ext or pattern:  # `*.h`, `.d.ts`: would never match a file's extension
            hint = f"write {last}: " if last and not pattern else ""
            raise ValueError(
                f"not a file extension: {raw!r} ({hint}a file's extension is its last one, "
                "without a pattern, e.g. .h=cpp)"
            )
        language = canonical(lang.strip())
        if language is None:
            supported = ", ".join(sorted(LANGUAGES))
            raise ValueError(f"unsupported language {lang!r} for {ext} (supported: {supported})")
        out[ext] = language
    return out


def for_file(
    path: str | PurePath | None,
    text: str | None,
    given: str | None = None,
    mapping: dict[str, str] | None = None,
) -> str | None:
    """The language to parse a file with: the user's `mapping` of its extension first; for a `.h`
    file, C or C++ from its content; else `given` (an editor's language id) when codeorigin knows
    it, or the extension (editors name modes their own way: "python3", "rustic", "")."""
    suffix = PurePath(path).suffix.lower() if path is not None else ""
    if mapping and suffix in mapping:
        return mapping[suffix]
    if suffix == ".h" and text is not None and canonical(given) in (None, "c", "cpp"):
        return header_language(text)
    if canonical(given) is not None:
        return canonical(given)
    return from_path(path) if path is not None else None


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
