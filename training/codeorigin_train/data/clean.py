"""Cleaning: from raw source text to the training text the model sees, and deduplication.

Fences, chat preambles and trailing explanations (LLM outputs), CRLF and tabs (human files) say
nothing of who wrote the code, so every sample goes through the same steps: `extract_code` takes
the code out of the chat text, the server's own `normalize` (imported, never copied) removes
formatting habits, and `clean_code` drops what is left empty or is not code. `deduplicate` removes
exact and near duplicates, and every duplicate set that carries both labels.
"""

from __future__ import annotations

import logging
import re
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from tree_sitter import Node

from codeorigin.core import languages
from codeorigin.core.normalize import normalize

log = logging.getLogger(__name__)

MIN_LINES = 2
MIN_CHARS = 20
# More lines touched by a parse error: prose, another language, or truncated beyond use.
MAX_ERROR_LINE_FRACTION = 0.3
# zlib ratio below which a long sample is a degenerate repetition loop (base models at t=0).
MIN_COMPRESSION_RATIO = 0.08
DEGENERATE_MIN_CHARS = 1000
NEAR_DUP_THRESHOLD = 0.9

# Code extraction from chat text

# A fenced block of chat text: group 1 its language tag, group 2 its code (to a fence or the end).
FENCE_RE = re.compile(
    r"^[ \t]*```[ \t]*([\w+#.-]*)[^\n]*\n(.*?)(?:^[ \t]*```[ \t]*$|\Z)", re.M | re.S
)
_CODE_START = re.compile(
    r"^(import|from|def|class|return|public|private|protected|static|int|void|for|while|if|else|"
    r"try|using|namespace|template|const|let|var|function|package|async|struct|enum|fn|func|"
    r"print|with|raise|assert|elif|except|finally|lambda|yield|del|global|nonlocal|pass|break|"
    r"continue|switch|case|do|long|double|float|char|bool|unsigned|auto|typedef|export|module|"
    r"require|interface|abstract|final|synchronized|throw|new|this|self|super|main|std|use|impl|"
    r"mod|pub|type|go|defer|begin|end|puts|echo|foreach|match|override|virtual|inline|signed|"
    r"short|byte|boolean|String|Integer|List|Map|Set|None|True|False|null|undefined)\b"
)
_WORD_RE = re.compile(r"^[`'\"(]*[A-Za-z][A-Za-z'’-]*[`'\")]*[,.:;!?)]*$")
_BULLET_RE = re.compile(r"^([-*•]|\d+[.)])\s+")
_OPERATOR_RE = re.compile(r"[=;{}\[\]]|\w\(|::|->|\+\+")
# A generation ends at a model's special token (`<|endoftext|>`, InCoder's `<|/ file |>`, ...).
_SPECIAL_TOKEN_RE = re.compile(r"<\|[^|\n]{1,40}\|>")


def _is_prose(line: str) -> bool:
    """Whether an unindented line reads as a sentence of chat text rather than code."""
    if not line.strip() or line[0].isspace():
        return False
    text = _BULLET_RE.sub("", line.strip())
    if not text or not (text[0].isalpha() or text[0] == "`") or _CODE_START.match(text):
        return False
    # Operators outside backquotes make it code (`DEBUG = False`, `foo(x);`).
    if _OPERATOR_RE.search(re.sub(r"`[^`]*`", "", text)):
        return False
    tokens = text.split()
    if len(tokens) < 3:
        # Short headings such as "Output:" or "Explanation:" end an answer too.
        return text.endswith(":") and all(_WORD_RE.match(t) for t in tokens)
    if not text[0].isupper() and not _BULLET_RE.match(line.strip()):
        return False
    if text.endswith(("{", ";", ")", ",")) and not text.endswith(":)"):
        return False
    words = sum(1 for t in tokens if _WORD_RE.match(t))
    return words / len(tokens) >= 0.6


def _strip_prose(text: str) -> str:
    """Drop leading and trailing runs of blank lines and prose lines around unfenced code."""
    lines = text.split("\n")
    start, end = 0, len(lines)
    while start < end and (not lines[start].strip() or _is_prose(lines[start])):
        start += 1
    while end > start and (not lines[end - 1].strip() or _is_prose(lines[end - 1])):
        end -= 1
    return "\n".join(lines[start:end])


def extract_code(text: str) -> str:
    """The code in a raw answer, cut at a model's special end token: the largest fenced block if
    there is one, else the text without its leading chat preamble and trailing explanation."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    special = _SPECIAL_TOKEN_RE.search(text)
    if special is not None:
        text = text[: special.start()]
    blocks = [m.group(2) for m in FENCE_RE.finditer(text) if m.group(2).strip()]
    if blocks:
        # max() keeps the first of equally long blocks.
        return max(blocks, key=lambda b: len(b.strip())).rstrip()
    return _strip_prose(text)


# Parsing helpers


def _parse(code: str, language: str) -> tuple[bytes, Node]:
    data = code.encode("utf-8", "surrogatepass")
    return data, languages.parser(language).parse(data).root_node


def error_line_fraction(code: str, language: str) -> float:
    """Fraction of non-blank lines that hold a tree-sitter ERROR or MISSING node."""
    data, root = _parse(code, language)
    lines = data.split(b"\n")
    nonblank = sum(1 for line in lines if line.strip())
    if not nonblank:
        return 1.0
    if not root.has_error:
        return 0.0
    bad: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if not node.has_error and not node.is_missing:
            continue
        if node.type == "ERROR" or node.is_missing:
            bad.update(range(node.start_point[0], node.end_point[0] + 1))
            continue
        stack.extend(node.children)
    return sum(1 for i in bad if i < len(lines) and lines[i].strip()) / nonblank


def is_degenerate(code: str) -> bool:
    """Whether a long sample is mostly a repetition loop."""
    if len(code) < DEGENERATE_MIN_CHARS:
        return False
    data = code.encode("utf-8", "surrogatepass")
    return len(zlib.compress(data)) / len(data) < MIN_COMPRESSION_RATIO


def clean_code(raw: str, language: str) -> str | None:
    """Training text for one raw sample (extracted, normalised), or None when it is shorter than
    `MIN_LINES` lines, mostly parse errors, or a repetition loop."""
    text = normalize(extract_code(raw)).text
    if len(text) < MIN_CHARS or sum(1 for line in text.split("\n") if line.strip()) < MIN_LINES:
        return None
    if is_degenerate(text):
        return None
    if error_line_fraction(text, language) > MAX_ERROR_LINE_FRACTION:
        return None
    return text


# Comments and docstrings

_STRING_TYPES = {"string", "concatenated_string"}
_DEFINITIONS = {"function_definition", "class_definition"}


def _python_docstrings(root: Node) -> Iterable[Node]:
    """Expression-statement strings that open a module, class or function body."""
    stack = [root]
    while stack:
        node = stack.pop()
        stack.extend(node.named_children)
        parent = node.parent.type if node.parent is not None else None
        if node.type == "module" or (node.type == "block" and parent in _DEFINITIONS):
            first = next((c for c in node.named_children if c.type != "comment"), None)
            if (
                first is not None
                and first.type == "expression_statement"
                and first.named_child_count == 1
                and first.named_children[0].type in _STRING_TYPES
            ):
                yield first


def _comment_nodes(root: Node) -> Iterable[Node]:
    stack = [root]
    while stack:
        node = stack.pop()
        if "comment" in node.type:
            yield node
            continue
        stack.extend(node.children)


def splice(data: bytes, cuts: Iterable[tuple[int, int, bytes]]) -> str:
    """`data` with every `(start, end, replacement)` byte range replaced, decoded; a range that
    starts inside an earlier one is skipped."""
    out: list[bytes] = []
    pos = 0
    for start, end, repl in sorted(cuts):
        if start < pos:
            continue
        out += [data[pos:start], repl]
        pos = end
    out.append(data[pos:])
    return b"".join(out).decode("utf-8", "surrogatepass")


def _remove(code: str, language: str, drop: Callable[[str], bool], comments: bool) -> str:
    data, root = _parse(code, language)
    # (start, end, replacement) in bytes
    cuts: list[tuple[int, int, bytes]] = []
    if comments:
        cuts.extend((n.start_byte, n.end_byte, b"\x00") for n in _comment_nodes(root))
    if language == "python":
        for stmt in _python_docstrings(root):
            text = data[stmt.start_byte : stmt.end_byte].decode("utf-8", "replace")
            if not drop(text):
                continue
            block = stmt.parent
            alone = (
                block is not None
                and block.type == "block"
                and sum(1 for c in block.named_children if c.type != "comment") == 1
            )
            # A body that held only its docstring keeps a `pass` so the code still parses.
            cuts.append((stmt.start_byte, stmt.end_byte, b"pass" if alone else b"\x00"))
    if not cuts:
        return code
    text = splice(data, cuts)
    lines = []
    for line in text.split("\n"):
        if "\x00" in line:
            # A comment opening a line takes the blanks after it, `a/**/b` keeps a space between
            # the words, and elsewhere the blanks before a removed comment go with it.
            line = re.sub(r"^([ \t]*)\x00+[ \t]*", r"\1", line)
            line = re.sub(r"(?<=\w)\x00+(?=\w)", " ", line)
            line = re.sub(r"[ \t]*\x00+", "", line).rstrip()
            if not line.strip():
                continue
        lines.append(line)
    return "\n".join(lines)


def strip_comments(code: str, language: str) -> str:
    """`code` without its comments (the grammar's comment nodes) and (Python) docstrings; lines
    left empty go, and a Python body that held only a docstring gets `pass`."""
    return _remove(code, language, lambda _: True, comments=True)


def strip_docstrings(code: str, drop: Callable[[str], bool]) -> str:
    """Python `code` without the docstrings for which `drop(docstring_source)` is true."""
    return _remove(code, "python", drop, comments=False)


def docstrings(code: str, language: str) -> list[str]:
    """The source text of every docstring in `code` (Python only; empty for other languages)."""
    if language != "python":
        return []
    data, root = _parse(code, language)
    return [
        data[n.start_byte : n.end_byte].decode("utf-8", "replace") for n in _python_docstrings(root)
    ]


def has_comments(code: str, language: str) -> bool:
    """Whether `code` holds a comment or a (Python) docstring."""
    _, root = _parse(code, language)
    if next(iter(_comment_nodes(root)), None) is not None:
        return True
    return language == "python" and next(iter(_python_docstrings(root)), None) is not None


# Deduplication


@dataclass(frozen=True)
class DedupStats:
    """What `deduplicate` removed."""

    exact_removed: int  # extra copies of a text with one label
    exact_conflicts: int  # samples dropped because their exact text appears with both labels
    near_removed: int
    near_conflicts: int


_TOKEN_RE = re.compile(r"\w+|[^\w\s]")
_SHINGLE = 3
_N_PERM = 64
_BANDS = 8
_MASK61 = np.uint64((1 << 61) - 1)
_rng = np.random.default_rng(20240531)
_PERM_A = _rng.integers(1, 1 << 61, size=_N_PERM, dtype=np.uint64) | np.uint64(1)
_PERM_B = _rng.integers(0, 1 << 61, size=_N_PERM, dtype=np.uint64)
_SHINGLE_MUL = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9], np.uint64)


def shingles(text: str, cache: dict[str, int]) -> np.ndarray:
    """Sorted unique 64-bit hashes of the token 3-grams of `text` (deterministic across runs);
    `cache` holds each token's hash."""
    ids = []
    for tok in _TOKEN_RE.findall(text):
        h = cache.get(tok)
        if h is None:
            h = cache[tok] = zlib.crc32(tok.encode("utf-8", "surrogatepass")) + 1
        ids.append(h)
    arr = np.asarray(ids, dtype=np.uint64)
    if len(arr) < _SHINGLE:
        return np.unique(arr * _SHINGLE_MUL[0]) if len(arr) else np.zeros(1, np.uint64)
    n = len(arr) - _SHINGLE + 1
    acc = np.zeros(n, np.uint64)
    for j in range(_SHINGLE):
        acc = (acc ^ (arr[j : j + n] * _SHINGLE_MUL[j])) * np.uint64(0x100000001B3)
    return np.unique(acc)


def _minhash(sh: np.ndarray) -> np.ndarray:
    return ((sh[:, None] * _PERM_A[None, :] + _PERM_B[None, :]) & _MASK61).min(axis=0)


def _near_duplicate_components(texts: list[str], langs: list[str]) -> list[int]:
    """Component label for every text, near duplicates (`deduplicate`) linked when MinHash LSH
    proposes them and the exact Jaccard agrees."""
    cache: dict[str, int] = {}
    sh = [shingles(t, cache) for t in texts]
    rows = _N_PERM // _BANDS
    buckets: dict[tuple[str, int, bytes], list[int]] = {}
    for i, s in enumerate(sh):
        sig = _minhash(s)
        for b in range(_BANDS):
            key = (langs[i], b, sig[b * rows : (b + 1) * rows].tobytes())
            buckets.setdefault(key, []).append(i)
    edges: set[tuple[int, int]] = set()
    checked: set[tuple[int, int]] = set()
    for members in buckets.values():
        if len(members) < 2:
            continue
        # Large buckets are compared against their first member only, to stay linear.
        pairs = (
            ((a, b) for k, a in enumerate(members) for b in members[k + 1 :])
            if len(members) <= 40
            else ((members[0], b) for b in members[1:])
        )
        for a, b in pairs:
            if (a, b) in checked:
                continue
            checked.add((a, b))
            # Jaccard >= t needs the size ratio >= t; skip the intersection otherwise.
            la, lb = len(sh[a]), len(sh[b])
            if min(la, lb) < NEAR_DUP_THRESHOLD * max(la, lb):
                continue
            inter = len(np.intersect1d(sh[a], sh[b], assume_unique=True))
            if inter / (la + lb - inter) >= NEAR_DUP_THRESHOLD:  # their Jaccard similarity
                edges.add((a, b))
    a_side, b_side = zip(*edges) if edges else ((), ())
    graph = coo_matrix((np.ones(len(edges)), (a_side, b_side)), shape=(len(texts), len(texts)))
    return connected_components(graph, directed=False)[1].tolist()


def _resolve(df: pd.DataFrame, keys: pd.Series) -> tuple[pd.DataFrame, int, int]:
    """Keep the first row of each key; drop every row of a key that carries both labels."""
    n_labels = df.groupby(keys, sort=False)["label"].transform("nunique")
    conflict = n_labels > 1
    kept = df[~conflict & ~keys.duplicated(keep="first")]
    removed = int((~conflict).sum()) - len(kept)
    return kept, removed, int(conflict.sum())


def deduplicate(df: pd.DataFrame) -> tuple[pd.DataFrame, DedupStats]:
    """The rows of a frame (`code`, `label`, `language`) without exact duplicates and near
    duplicates (same language, token 3-gram Jaccard >= `NEAR_DUP_THRESHOLD`), in their order and
    index, and the counts: the first of a set is kept, a set with both labels dropped entirely."""
    kept, exact_removed, exact_conflicts = _resolve(df, df["code"])
    roots = _near_duplicate_components(kept["code"].tolist(), kept["language"].tolist())
    kept, near_removed, near_conflicts = _resolve(kept, pd.Series(roots, index=kept.index))
    stats = DedupStats(exact_removed, exact_conflicts, near_removed, near_conflicts)
    log.info("dedup: %s", stats)
    return kept, stats
