"""Property tests over generated documents and edit sequences.

The server keeps its own copy of each document, updated by the editor's incremental edits, and on
every version extracts spans, normalises them and converts offsets to LSP positions. These tests
generate texts full of what breaks such code (CRLF, lone CR, tabs, form feeds, U+2028, astral
characters, lone surrogates, NUL) and random range edits, some of them outside the document, and
check after every edit that:

- the server's document (`LspTextDocument`) equals the same edits applied to a plain string, by a
  reference written here from the LSP rules (a character past the end of its line means the end
  of the line, a line past the end means the end of the text);
- span extraction and normalisation never raise, every span and every LSP range stays inside the
  document, and each normalised character maps back to the same character of the document;
- offset → position → offset round-trips in UTF-8, UTF-16 and UTF-32.

`test_normalize.py` and `test_spans.py` hold the single-text properties; these are about edits and
the conversions between the three coordinate systems.
"""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

from codeorigin.core import languages
from codeorigin.core.normalize import normalize
from codeorigin.core.spans import extract_spans
from codeorigin.lsp.documents import LspTextDocument, LspWorkspace
from codeorigin.lsp.positions import PositionMap

ENCODINGS = ["utf-8", "utf-16", "utf-32"]
PIECES = [
    *"abxy_(){}[]:;,=.'\"#/*+",
    " ",
    "    ",
    "\t",
    "\n",
    "\r\n",
    "\r",
    "\x0c",
    "\u2028",
    "\x85",
    "\x00",
    "\udcff",  # a lone surrogate: an editor can send one inside a JSON string
    "é",
    "e\u0301",
    "λ",
    "\U0001f600",
    "def ",
    "function ",
    "fn ",
    "func ",
    "return ",
    "class K:\n",
    "=> ",
    "if (x) {\n",
]
texts = st.lists(st.sampled_from(PIECES), max_size=80).map("".join)
inserted = st.lists(st.sampled_from(PIECES), max_size=6).map("".join)
# Mostly small numbers (inside short documents), sometimes far outside them.
coordinate = st.one_of(st.integers(0, 6), st.integers(0, 40), st.just(10**6))
edits = st.lists(
    st.tuples(coordinate, coordinate, coordinate, coordinate, inserted), min_size=1, max_size=8
)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def width(ch: str, encoding: str) -> int:
    """Code units of one character."""
    if encoding == "utf-8":
        return len(ch.encode("utf-8", "surrogatepass"))
    if encoding == "utf-16":
        return 2 if ord(ch) > 0xFFFF else 1
    return 1


def reference_offset(text: str, line: int, character: int, encoding: str) -> int:
    """The string index of an LSP position, from the LSP rules alone."""
    starts = [0, *(m.end() for m in _LINE_BREAK.finditer(text))]
    if line >= len(starts):
        return len(text)
    start = starts[line]
    end = starts[line + 1] if line + 1 < len(starts) else len(text)
    content = text[start:end].rstrip("\r\n")  # only the line break can hold CR or LF
    counted = 0
    for i, ch in enumerate(content):
        if counted >= character:
            return start + i
        counted += width(ch, encoding)
    return start + len(content)


def reference_edit(
    text: str, start: tuple[int, int], end: tuple[int, int], new: str, encoding: str
) -> str:
    a, b = sorted(
        (reference_offset(text, *start, encoding), reference_offset(text, *end, encoding))
    )
    return text[:a] + new + text[b:]


def valid(positions: PositionMap, p: types.Position) -> bool:
    """Whether an LSP position points into the text (or at the end of a line)."""
    if not 0 <= p.line < len(positions.starts):
        return False
    content = positions.text[positions.starts[p.line] : positions.line_end(p.line)]
    return 0 <= p.character <= positions.units(content)


def check_document(text: str, language: str, encoding: str) -> None:
    """Spans, their normalised texts and their LSP ranges, for one version of a document."""
    positions = PositionMap(text, encoding)
    for span in extract_spans(text, language, min_lines=1):
        assert 0 <= span.start <= span.name_start <= span.name_end <= len(text)
        assert span.start < span.end <= len(text)
        for a, b in span.segments:
            assert 0 <= a < b <= len(text)
        for r in (
            positions.range(span.start, span.end),
            positions.range(span.name_start, span.name_end),
        ):
            assert valid(positions, r.start) and valid(positions, r.end)
            assert (r.start.line, r.start.character) <= (r.end.line, r.end.character)

        # Normalised character -> span text -> document: the same character.
        span_text, to_document = span.text_offsets(text)
        norm = normalize(span_text)
        assert len(norm.offsets) == len(norm.text) + 1
        for i, ch in enumerate(norm.text):
            original = to_document[norm.offsets[i]]
            if ch == "\n":
                assert text[original] in "\r\n"
            elif ch == " ":  # a space, or indentation or a tab turned into spaces
                assert text[original] in " \t\x0c\x0b"
            else:
                assert text[original] == ch
        for i in range(len(norm.text)):
            a, b = norm.original_span(i, i + 1)
            assert 0 <= a < b <= len(span_text)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(ENCODINGS),
    st.sampled_from(sorted(languages.LANGUAGES)),
    texts,
    edits,
)
def test_edit_sequences_keep_the_document_and_its_ranges_right(
    encoding: str,
    language: str,
    text: str,
    changes: list[tuple[int, int, int, int, str]],
) -> None:
    document = LspTextDocument(
        "file:///fuzz.txt", text, version=0, position_codec=PositionCodec(encoding)
    )
    expected = text
    for version, (l1, c1, l2, c2, new) in enumerate(changes, start=1):
        document.apply_change(
            types.TextDocumentContentChangePartial(
                range=types.Range(types.Position(l1, c1), types.Position(l2, c2)), text=new
            )
        )
        document.version = version
        expected = reference_edit(expected, (l1, c1), (l2, c2), new, encoding)
        assert document.source == expected
        assert "".join(document.lines) == expected
        check_document(document.source, language, encoding)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(ENCODINGS), texts)
def test_positions_round_trip(encoding: str, text: str) -> None:
    positions = PositionMap(text, encoding)
    for offset in range(len(text) + 1):
        position = positions.position(offset)
        assert valid(positions, position)
        # An offset inside a line break (between CR and LF) means the end of that line.
        assert positions.offset(position) == min(offset, positions.line_end(position.line))
        assert positions.offset(position) == reference_offset(
            text, position.line, position.character, encoding
        )
    # Every valid position, character boundary by character boundary, and back.
    for line, start in enumerate(positions.starts):
        character = 0
        for i in range(start, positions.line_end(line) + 1):
            p = types.Position(line, character)
            assert positions.offset(p) == i
            assert positions.position(i) == p
            if i < positions.line_end(line):
                character += width(text[i], encoding)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(ENCODINGS), texts, edits)
def test_workspace_applies_edits_to_open_documents_only(
    encoding: str, text: str, changes: list[tuple[int, int, int, int, str]]
) -> None:
    workspace = LspWorkspace(None, position_encoding=encoding)
    uri = "file:///open.py"
    workspace.put_text_document(types.TextDocumentItem(uri, "python", 1, text))
    expected = text
    for version, (l1, c1, l2, c2, new) in enumerate(changes, start=2):
        change = types.TextDocumentContentChangePartial(
            range=types.Range(types.Position(l1, c1), types.Position(l2, c2)), text=new
        )
        # An edit to a document never opened is dropped, not applied to some other copy.
        workspace.update_text_document(
            types.VersionedTextDocumentIdentifier(uri="file:///never-opened.py", version=version),
            change,
        )
        workspace.update_text_document(
            types.VersionedTextDocumentIdentifier(uri=uri, version=version), change
        )
        expected = reference_edit(expected, (l1, c1), (l2, c2), new, encoding)
    document = workspace.get_text_document(uri)
    assert document.source == expected and document.version == len(changes) + 1
    assert "file:///never-opened.py" not in workspace.text_documents
