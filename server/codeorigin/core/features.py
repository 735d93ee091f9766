"""Hashed sparse features of normalised code: what the linear member of a stacked model reads.

Written once and imported by both sides, as `core.normalize` is: training
(`codeorigin_train.variants.linear`) builds its matrix with `matrix`, the server
(`model.linear`) scores and explains with `extract` and `char_contributions`. Pure Python and
numpy: no scikit-learn, no torch.

The text is the normalised text (`core.normalize`), exactly as the transformer sees it. Groups:

- character n-grams (`char_ngrams`, 1 to 5 by default);
- code-token n-grams (`token_ngrams`, 1 to 3): identifiers, numbers, operators and single
  punctuation characters, as `TOKEN_RE` cuts them;
- from version 3, syntax n-grams (`syntax_ngrams`, 1 to 3): the types of the named nodes of the
  text's tree-sitter tree (the span's language's grammar, the text parsed on its own), in
  pre-order, so `if_statement > comparison_operator > identifier` is a trigram; a language with
  no grammar has none;
- layout and style figures (`FIGURES`): comment and docstring density, identifier length and
  casing, line length and its spread, blank-line rhythm, indentation; from version 2 also how
  the comments are written (`COMMENT_FIGURES`: capitalised, full stop, words, lowercase).

Hashing is stable across processes, machines and Python versions (never `hash()`): code points
(UTF-32 LE) or token digests (BLAKE2b, 8 bytes) are rolled into a 64-bit polynomial hash per
n-gram, then mixed with MurmurHash3's 64-bit finaliser and a per-group seed; the top
`bucket_bits` bits are the bucket. A bucket's value is log(1 + count), each group scaled to unit
L2 norm, so a long function and a short one are on the same scale.

Per-character contributions are exact: a bucket's term w_j * x_j is shared equally by its
occurrences, and each occurrence spreads its share evenly over the characters it covers (an
n-gram that spans two lines splits by characters; a syntax node covers its characters on its first
line); a figure's term spreads over the characters it was measured on. They sum to the member's
logit minus its bias.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from functools import lru_cache
from typing import Any

import numpy as np

from codeorigin.core.figures import Tokens, figures

FEATURES_VERSION = 3  # 2 added COMMENT_FIGURES, 3 syntax n-grams; folders of 1 and 2 still load
_MASK = (1 << 64) - 1
_PRIME = np.uint64(0x100000001B3)  # FNV-1a's 64-bit prime, as the rolling multiplier
_M1 = np.uint64(0xFF51AFD7ED558CCD)
_M2 = np.uint64(0xC4CEB53FE1A85EC9)
_CHAR_SEED = 0x9E3779B97F4A7C15
_TOKEN_SEED = 0xC2B2AE3D27D4EB4F
_SYNTAX_SEED = 0x165667B19E3779F9
TOKEN_RE = re.compile(
    r"[A-Za-z_$][A-Za-z0-9_$]*|\d[\w.]*"
    r"|==|!=|<=|>=|->|=>|::|\+\+|--|&&|\|\||<<|>>|\*\*|//|\+=|-=|\*=|/=|\S"
)
_IDENT_RE = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*\Z")
_COMMENT_START = ("#", "//", "/*", "*", "--", ";", "<!--")
_DOC_QUOTES = ('"""', "'''")

FIGURES: tuple[str, ...] = (
    "comment_lines",  # share of lines that are comments
    "docstring_lines",  # share of lines inside docstrings (triple quotes, /** */)
    "inline_comments",  # share of code lines with a comment after the code
    "identifier_length",  # mean identifier length / 20
    "snake_case",  # share of identifiers with an underscore between lowercase letters
    "camel_case",  # share of identifiers with a lowercase letter before an uppercase one
    "upper_case",  # share of ALL_CAPS identifiers
    "short_identifiers",  # share of one-letter identifiers
    "line_length",  # mean line length / 80
    "line_length_spread",  # standard deviation of line lengths / 40
    "long_lines",  # share of lines over 100 characters
    "blank_lines",  # share of blank lines
    "block_spread",  # standard deviation of the runs of lines between blank lines / 10
    "indentation",  # mean indentation / 8
    "lines",  # log(1 + lines) / 6
)
#: Version 2's figures: how the comments are written (own-line and after code; words only).
COMMENT_FIGURES: tuple[str, ...] = (
    "comment_capitalised",  # share of comments that start with a capital letter
    "comment_full_stop",  # share of comments that end with a full stop
    "comment_words",  # mean words per comment / 10, at most 1
    "comment_lowercase",  # share of comments that start with a lowercase letter
)
FIGURES = FIGURES + COMMENT_FIGURES
_FIGURES_BY_VERSION = {1: len(FIGURES) - len(COMMENT_FIGURES), 2: len(FIGURES), 3: len(FIGURES)}


@dataclass(frozen=True)
class FeatureConfig:
    """The whole behaviour of the featuriser (a model folder records it, the server checks it).

    The defaults are the shipped model's features (version 2); `with_syntax()` is version 3 with
    the syntax n-grams on."""

    version: int = 2
    bucket_bits: int = 20
    char_ngrams: tuple[int, int] = (1, 5)
    token_ngrams: tuple[int, int] = (1, 3)
    figures: bool = True
    syntax_ngrams: tuple[int, int] = (0, 0)  # version 3 only: node-type n-grams, (1, 3)

    def with_syntax(self, ngrams: tuple[int, int] = (1, 3)) -> FeatureConfig:
        """This config at version 3 with syntax n-grams of `ngrams`."""
        return replace(self, version=FEATURES_VERSION, syntax_ngrams=ngrams)

    @property
    def n_buckets(self) -> int:
        return 1 << self.bucket_bits

    @property
    def n_figures(self) -> int:
        """The figures this version computes (the first `n_figures` of `FIGURES`)."""
        return _FIGURES_BY_VERSION[self.version] if self.figures else 0

    def __post_init__(self) -> None:
        if self.version < 3 and self.syntax_ngrams[0]:
            raise ValueError(f"feature version {self.version} has no syntax n-grams")

    def to_json(self) -> dict[str, Any]:
        """The record a model folder keeps (before version 3, without `syntax_ngrams`, as those
        folders were written)."""
        out = asdict(self)
        if self.version < 3:
            del out["syntax_ngrams"]
        return out

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> FeatureConfig:
        """Raises ValueError on an unknown version or a malformed field."""
        version = int(raw.get("version", -1))
        if version not in _FIGURES_BY_VERSION:
            raise ValueError(
                f"feature version {raw.get('version')!r}; this codeorigin computes versions "
                f"{sorted(_FIGURES_BY_VERSION)}: upgrade codeorigin to read this model"
            )
        config = cls(
            version=version,
            bucket_bits=int(raw["bucket_bits"]),
            char_ngrams=_pair(raw["char_ngrams"]),
            token_ngrams=_pair(raw["token_ngrams"]),
            figures=bool(raw["figures"]),
            syntax_ngrams=_pair(raw.get("syntax_ngrams", (0, 0))),
        )
        if not 8 <= config.bucket_bits <= 26:
            raise ValueError(f"bucket_bits {config.bucket_bits} outside 8..26")
        return config


def _pair(value: Any) -> tuple[int, int]:
    low, high = (int(v) for v in value)
    if not 0 <= low <= high <= 8:
        raise ValueError(f"n-gram range {value!r} outside 0..8 (0 turns a group off)")
    return low, high


@dataclass(frozen=True)
class Group:
    """Occurrences of one hashed group: the bucket of each occurrence and what it covers.

    `first`/`n` index `units` (characters or tokens): an occurrence covers units first..first+n-1.
    """

    buckets: np.ndarray  # int64
    first: np.ndarray  # int64
    n: np.ndarray  # int64


@dataclass(frozen=True)
class Features:
    """One text's features: sparse bucket values (`indices` unique, `values`) and the figures."""

    indices: np.ndarray  # int64, sorted, unique
    values: np.ndarray  # float64
    figures: np.ndarray  # float64, len(FIGURES) or 0

    def logit(self, weights: np.ndarray, figure_weights: np.ndarray, bias: float) -> float:
        """bias + w · x: the linear member's logit."""
        z = float(np.dot(self.values, weights[self.indices])) if self.indices.size else 0.0
        if self.figures.size:
            z += float(np.dot(self.figures, figure_weights))
        return float(bias) + z


def _fmix(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finaliser, element-wise on uint64 (wrapping arithmetic)."""
    h = h ^ (h >> np.uint64(33))
    h = h * _M1
    h = h ^ (h >> np.uint64(33))
    h = h * _M2
    return h ^ (h >> np.uint64(33))


def _rolling(units: np.ndarray, low: int, high: int, seed: int, bits: int) -> Group:
    """Buckets of every n-gram (low <= n <= high) of a uint64 unit sequence."""
    count = units.size
    buckets, firsts, sizes = [], [], []
    h = np.full(count, np.uint64(seed), dtype=np.uint64)
    shift = np.uint64(64 - bits)
    with np.errstate(over="ignore"):
        for n in range(1, high + 1):
            m = count - n + 1
            if m <= 0:
                break
            h = h[:m] * _PRIME + units[n - 1 : n - 1 + m]
            if n >= max(low, 1):
                mixed = _fmix(h ^ np.uint64((seed * n) & _MASK))
                buckets.append((mixed >> shift).astype(np.int64))
                firsts.append(np.arange(m, dtype=np.int64))
                sizes.append(np.full(m, n, dtype=np.int64))
    if not buckets:
        empty = np.zeros(0, dtype=np.int64)
        return Group(empty, empty, empty)
    return Group(np.concatenate(buckets), np.concatenate(firsts), np.concatenate(sizes))


@lru_cache(maxsize=65536)
def token_digest(token: str) -> int:
    """A stable 64-bit digest of one token's text."""
    digest = hashlib.blake2b(token.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def tokens(text: str) -> Tokens:
    """The code tokens of a normalised text (`TOKEN_RE`)."""
    found = list(TOKEN_RE.finditer(text))
    return Tokens(
        tuple(m.group() for m in found),
        np.fromiter((m.start() for m in found), dtype=np.int64, count=len(found)),
        np.fromiter((m.end() for m in found), dtype=np.int64, count=len(found)),
    )


def _code_points(text: str) -> np.ndarray:
    raw = text.encode("utf-32-le", "surrogatepass")
    return np.frombuffer(raw, dtype="<u4").astype(np.uint64)


def syntax_nodes(text: str, language: str | None) -> Tokens:
    """The named nodes of the text's tree-sitter tree in pre-order: their types, and the
    characters each covers on its first line (at least one). None or a language without a
    grammar has none. The text is parsed on its own, as training parsed the function."""
    from codeorigin.core.languages import LANGUAGES, parser

    empty = np.zeros(0, dtype=np.int64)
    if language not in LANGUAGES or not text:
        return Tokens((), empty, empty)
    data = text.encode("utf-8", "surrogatepass")
    tree = parser(str(language)).parse(data)
    if len(data) == len(text):
        to_char = None
    else:  # byte offset -> character offset
        sizes = np.fromiter((len(c.encode("utf-8", "surrogatepass")) for c in text), np.int64)
        to_char = np.zeros(len(data) + 1, dtype=np.int64)
        to_char[np.cumsum(sizes)] = 1
        to_char = np.cumsum(to_char)
    types: list[str] = []
    bounds: list[int] = []
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.is_named:
            types.append(node.type)
            bounds += (node.start_byte, node.end_byte)
        stack.extend(reversed(node.children))
    span = np.asarray(bounds, dtype=np.int64).reshape(-1, 2)
    if to_char is not None:
        span = to_char[span]
    length = len(text)
    first = np.minimum(span[:, 0], max(length - 1, 0))
    newline = np.flatnonzero(np.frombuffer(text.encode("utf-32-le", "surrogatepass"), "<u4") == 10)
    newline = np.append(newline, length)
    last = np.minimum(span[:, 1], newline[np.searchsorted(newline, first)])
    return Tokens(tuple(types), first, np.maximum(last, first + 1))


@dataclass(frozen=True)
class Analysis:
    """Everything `extract` and `char_contributions` need of one text."""

    text: str
    tokens: Tokens
    chars: Group
    words: Group
    figures: np.ndarray
    supports: tuple[np.ndarray, ...]  # per figure: a weight per character summing to 1, or empty
    nodes: Tokens  # syntax nodes: types and the characters each covers
    syntax: Group


def analyse(
    text: str, config: FeatureConfig, language: str | None = None, *, supports: bool = False
) -> Analysis:
    """Hash the groups of a normalised text (`language`: its canonical id, which the syntax
    n-grams need); with `supports`, also where each figure was measured."""
    toks = tokens(text)
    lo, hi = config.char_ngrams
    chars = _rolling(_code_points(text), lo, hi if lo else 0, _CHAR_SEED, config.bucket_bits)
    lo, hi = config.token_ngrams
    digests = np.fromiter((token_digest(t) for t in toks.texts), dtype=np.uint64)
    words = _rolling(digests, lo, hi if lo else 0, _TOKEN_SEED, config.bucket_bits)
    if config.figures:
        values, where = figures(text, toks, supports=supports, count=config.n_figures)
    else:
        values, where = np.zeros(0), ()
    lo, hi = config.syntax_ngrams
    empty = np.zeros(0, dtype=np.int64)
    nodes, syntax = Tokens((), empty, empty), Group(empty, empty, empty)
    if lo:  # version 3: the node types, hashed as tokens are (a prefix keeps them apart)
        nodes = syntax_nodes(text, language)
        kinds = np.fromiter((token_digest("\0" + t) for t in nodes.texts), dtype=np.uint64)
        syntax = _rolling(kinds, lo, hi, _SYNTAX_SEED, config.bucket_bits)
    return Analysis(text, toks, chars, words, values, where, nodes, syntax)


def _group_values(group: Group) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(unique buckets, their values log(1+count)/norm, per-occurrence index into the unique)."""
    if not group.buckets.size:
        empty = np.zeros(0, dtype=np.int64)
        return empty, np.zeros(0), empty
    unique, inverse, counts = np.unique(group.buckets, return_inverse=True, return_counts=True)
    values = np.log1p(counts.astype(np.float64))
    values /= float(np.sqrt(np.dot(values, values)))
    return unique, values, inverse


def extract(text: str, config: FeatureConfig, language: str | None = None) -> Features:
    """The features of one normalised text in a language (its canonical id, or None)."""
    return _features(analyse(text, config, language))


def figure_values(text: str, config: FeatureConfig) -> np.ndarray:
    """The layout and style figures of one normalised text (the first `config.n_figures` of
    `FIGURES`; none for a config without figures)."""
    if not config.n_figures:
        return np.zeros(0)
    return figures(text, tokens(text), count=config.n_figures)[0]


def _features(analysis: Analysis) -> Features:
    groups = (analysis.chars, analysis.words, analysis.syntax)
    parts = [_group_values(g)[:2] for g in groups]
    indices = np.concatenate([p[0] for p in parts])
    values = np.concatenate([p[1] for p in parts])
    if indices.size:
        unique, inverse = np.unique(indices, return_inverse=True)
        values = np.bincount(inverse, weights=values, minlength=unique.size)
        indices = unique
    return Features(indices.astype(np.int64), values, analysis.figures)


def char_contributions(
    text: str,
    config: FeatureConfig,
    weights: np.ndarray,
    figure_weights: np.ndarray,
    bias: float,
    language: str | None = None,
) -> tuple[np.ndarray, float, Tokens]:
    """(contribution of every character of the normalised text, logit, tokens).

    The contributions sum to logit - bias (up to floating point): each bucket's term is shared by
    its occurrences, each occurrence spread over its characters, each figure's term over the
    characters it was measured on.
    """
    analysis = analyse(text, config, language, supports=True)
    length = len(text)
    diff = np.zeros(length + 1)
    groups = ((analysis.chars, None), (analysis.words, analysis.tokens),
              (analysis.syntax, analysis.nodes))  # fmt: skip
    for group, toks in groups:
        unique, values, inverse = _group_values(group)
        if not unique.size:
            continue
        counts = np.bincount(inverse, minlength=unique.size)
        # Summed per unique bucket in the group's values, so each occurrence gets its share.
        per_occurrence = (weights[unique] * values / counts)[inverse]
        if toks is None:
            rate = per_occurrence / group.n
            np.add.at(diff, group.first, rate)
            np.add.at(diff, group.first + group.n, -rate)
            continue
        # A token (node) n-gram spreads over its tokens' (nodes') own characters.
        widths = toks.ends - toks.starts
        cum = np.concatenate([[0], np.cumsum(widths)])
        covered = cum[group.first + group.n] - cum[group.first]
        rate = per_occurrence / np.maximum(covered, 1)
        per_token = np.zeros(len(toks.texts))
        for k in range(int(group.n.max())):
            inside = group.n > k
            np.add.at(per_token, group.first[inside] + k, rate[inside])
        np.add.at(diff, toks.starts, per_token)
        np.add.at(diff, toks.ends, -per_token)
    out = np.cumsum(diff)[:length]
    for value, weight, support in zip(analysis.figures, figure_weights, analysis.supports):
        term = float(value) * float(weight)
        if term and support.size:
            out += term * support
    features = _features(analysis)
    return out, features.logit(weights, figure_weights, bias), analysis.tokens


def matrix(
    texts: Sequence[str], config: FeatureConfig, languages: Sequence[str | None] | None = None
) -> Any:
    """A scipy CSR matrix of the texts' features: the buckets, then the figures as the last
    `config.n_figures` columns (`languages`: each text's canonical id, which the syntax n-grams
    need). Training only: scipy is not a runtime dependency."""
    from scipy import sparse

    if languages is None:
        if config.syntax_ngrams[0]:
            raise ValueError("syntax n-grams need each text's language")
        languages = [None] * len(texts)
    indptr, indices, values = [0], [], []
    offset = config.n_buckets
    for text, language in zip(texts, languages, strict=True):
        f = extract(text, config, language)
        cols = np.concatenate([f.indices, offset + np.arange(f.figures.size, dtype=np.int64)])
        indices.append(cols)
        values.append(np.concatenate([f.values, f.figures]))
        indptr.append(indptr[-1] + cols.size)
    shape = (len(texts), offset + config.n_figures)
    if not texts:
        return sparse.csr_matrix(shape)
    return sparse.csr_matrix(
        (np.concatenate(values), np.concatenate(indices), np.asarray(indptr)), shape=shape
    )
