"""From normalised text to model token ids, with character offsets, and windows over long texts.

Training and the server both build token ids here (`codeorigin_train` imports `TokenEncoder`), so a
model never sees text encoded differently from how it was trained.

An uncased WordPiece tokenizer throws layout away: newlines, indentation and case vanish. With
`layout=True` the encoder keeps the layout as marker tokens taken from the vocabulary's unused
slots: a `[unused0]` before every line but the first, and one `[unused1]` per two columns of the
line's indentation (at most `MAX_INDENT_MARKERS`). Case stays lost: marking it would double the length
of camelCase code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer

NEWLINE_TOKEN = "[unused0]"
INDENT_TOKEN = "[unused1]"
INDENT_COLUMNS = 2
MAX_INDENT_MARKERS = 16
# Lone surrogates (a str can hold them: an editor's text with a broken character, JSON "\udcff")
# are not Unicode; the tokenizer refuses them, so each becomes U+FFFD (one character for one,
# which keeps every offset).
_SURROGATE = re.compile("[\ud800-\udfff]")


def _tokenizable(text: str) -> str:
    return text if text.isascii() else _SURROGATE.sub("\ufffd", text)


@dataclass(frozen=True)
class Encoding:
    """Token ids of one normalised text (without [CLS]/[SEP]) and each token's character range."""

    ids: tuple[int, ...]
    offsets: tuple[tuple[int, int], ...]  # half-open ranges in the normalised text

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class Window:
    """A slice `[start, end)` of an encoding's tokens fed to the model as one sequence."""

    start: int
    end: int


class TokenEncoder:
    """Encodes normalised text with a HuggingFace `tokenizer.json`.

    `max_length` counts [CLS] and [SEP]; a text longer than `max_length - 2` tokens is covered by
    windows of that size overlapping by half (`windows`).
    """

    def __init__(
        self, tokenizer_file: str | Path, *, max_length: int = 512, layout: bool = False
    ) -> None:
        tok = Tokenizer.from_file(str(tokenizer_file))
        tok.no_truncation()
        tok.no_padding()
        self.tokenizer = tok
        self.max_length = int(max_length)
        self.layout = bool(layout)
        self.cls_id = self._id("[CLS]", "<s>")
        self.sep_id = self._id("[SEP]", "</s>")
        self.pad_id = self._id("[PAD]", "<pad>")
        newline_id = tok.token_to_id(NEWLINE_TOKEN)
        indent_id = tok.token_to_id(INDENT_TOKEN)
        if self.layout and (newline_id is None or indent_id is None):
            raise ValueError(
                f"layout markers need {NEWLINE_TOKEN} and {INDENT_TOKEN} in the tokenizer's vocabulary"
            )
        self.newline_id: int = int(newline_id) if newline_id is not None else -1
        self.indent_id: int = int(indent_id) if indent_id is not None else -1

    def _id(self, *names: str) -> int:
        for name in names:
            i = self.tokenizer.token_to_id(name)
            if i is not None:
                return int(i)
        raise ValueError(f"tokenizer has none of the special tokens {names}")

    @property
    def body_length(self) -> int:
        """Tokens of text per window (the model length less [CLS] and [SEP])."""
        return self.max_length - 2

    def encode(self, text: str) -> Encoding:
        """Token ids and offsets of an already normalised text."""
        if not self.layout:
            enc = self.tokenizer.encode(_tokenizable(text), add_special_tokens=False)
            return Encoding(tuple(enc.ids), tuple((int(a), int(b)) for a, b in enc.offsets))
        return self.encode_batch([text])[0]

    def encode_batch(self, texts: list[str]) -> list[Encoding]:
        """`encode` for many texts at once (the tokenizer runs them in parallel)."""
        if not self.layout:
            encs = self.tokenizer.encode_batch(
                [_tokenizable(t) for t in texts], add_special_tokens=False
            )
            return [
                Encoding(tuple(e.ids), tuple((int(a), int(b)) for a, b in e.offsets)) for e in encs
            ]
        # Layout mode: tokenise every line's content on its own, then interleave the markers.
        flat: list[str] = []
        layout: list[list[tuple[int, int]]] = []  # per text: (line start, indent) per line
        for text in texts:
            lines: list[tuple[int, int]] = []
            pos = 0
            for line in text.split("\n"):
                indent = len(line) - len(line.lstrip(" "))
                lines.append((pos, indent))
                flat.append(_tokenizable(line[indent:]))
                pos += len(line) + 1
            layout.append(lines)
        encs = self.tokenizer.encode_batch(flat, add_special_tokens=False) if flat else []
        out: list[Encoding] = []
        k = 0
        for lines in layout:
            ids: list[int] = []
            offsets: list[tuple[int, int]] = []
            for li, (start, indent) in enumerate(lines):
                enc = encs[k]
                k += 1
                if li > 0:
                    ids.append(self.newline_id)
                    offsets.append((start - 1, start))  # the newline character itself
                if enc.ids:
                    n = min(MAX_INDENT_MARKERS, indent // INDENT_COLUMNS)
                    for m in range(n):
                        a = start + m * INDENT_COLUMNS
                        ids.append(self.indent_id)
                        offsets.append((a, a + INDENT_COLUMNS))
                base = start + indent
                ids.extend(enc.ids)
                offsets.extend((base + int(a), base + int(b)) for a, b in enc.offsets)
            out.append(Encoding(tuple(ids), tuple(offsets)))
        return out

    def ids_batch(self, texts: list[str]) -> list[list[int]]:
        """Token ids of many normalised texts, without offsets (what scoring needs; `encode_batch`
        also builds every token's offsets, which explanations need)."""
        if self.layout:
            return [list(e.ids) for e in self.encode_batch(texts)]
        encs = self.tokenizer.encode_batch(
            [_tokenizable(t) for t in texts], add_special_tokens=False
        )
        return [e.ids for e in encs]

    def windows(self, n_tokens: int) -> list[Window]:
        """Windows covering `n_tokens` tokens: one when it fits, else half-overlapping ones.

        The last window is aligned to the end, so every token is inside at least one window and no
        window is shorter than the others.
        """
        body = self.body_length
        if n_tokens <= body:
            return [Window(0, n_tokens)]
        stride = max(1, body // 2)
        starts = list(range(0, n_tokens - body, stride))
        starts.append(n_tokens - body)
        return [Window(s, s + body) for s in starts]

    def markers(self, ids: tuple[int, ...] | list[int]) -> np.ndarray:
        """Per token, its id where it is a layout marker (newline, indentation), else -1."""
        out = np.asarray(ids, dtype=np.int64).copy()
        if not self.layout:
            return np.full(out.shape, -1, dtype=np.int64)
        out[(out != self.newline_id) & (out != self.indent_id)] = -1
        return out

    def with_specials(self, ids: tuple[int, ...] | list[int]) -> list[int]:
        """[CLS] + ids + [SEP]."""
        return [self.cls_id, *ids, self.sep_id]

    def pad_batch(self, sequences: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
        """Right-pad sequences to the longest; return (input_ids, attention_mask) as int64."""
        width = max((len(s) for s in sequences), default=0)
        ids = np.full((len(sequences), width), self.pad_id, dtype=np.int64)
        mask = np.zeros((len(sequences), width), dtype=np.int64)
        for i, s in enumerate(sequences):
            ids[i, : len(s)] = s
            mask[i, : len(s)] = 1
        return ids, mask
