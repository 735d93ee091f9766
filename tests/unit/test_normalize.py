"""The shared normalisation: what it changes, and that its offset map lands on the right characters."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from codeorigin.core.normalize import normalize, normalize_text


def test_crlf_tabs_and_trailing_blanks_are_normalised() -> None:
    src = "def f(x):\r\n\tif x:  \r\n\t\treturn 1\r\n\r\n\r\n\r\n\treturn 2\r\n"
    assert normalize(src).text == "def f(x):\n    if x:\n        return 1\n\n    return 2"


def test_common_indentation_is_removed_so_a_method_scores_like_a_function() -> None:
    method = "    def f(self):\n        return 1\n"
    function = "def f(self):\n    return 1\n"
    assert normalize(method).text == normalize(function).text


def test_tabs_and_spaces_give_the_same_text() -> None:
    assert normalize("if a:\n\tb()\n").text == normalize("if a:\n    b()\n").text


def test_offsets_point_at_the_original_characters() -> None:
    src = "x = 'é'\r\n\ty = \"ü\"  \r\n"
    norm = normalize(src)
    for i, ch in enumerate(norm.text):
        o = norm.offsets[i]
        if ch in "\n ":
            continue  # invented characters map to the line break / indentation they stand for
        assert src[o] == ch


def test_original_span_of_a_token() -> None:
    src = "\tfoo = bar\r\n\tbaz()\r\n"
    norm = normalize(src)
    a = norm.text.index("baz")
    start, end = norm.original_span(a, a + 3)
    assert src[start:end] == "baz"


def test_empty_and_blank_texts() -> None:
    assert normalize("").text == ""
    assert normalize(" \r\n\t\n").text == ""
    assert normalize("").offsets == (0,)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab \t\r\n#é😀{}")), max_size=200))
def test_offset_map_lands_on_the_same_character(src: str) -> None:
    norm = normalize(src)
    assert len(norm.offsets) == len(norm.text) + 1
    for i, ch in enumerate(norm.text):
        o = norm.offsets[i]
        assert 0 <= o < len(src)
        if ch not in " \n":
            assert src[o] == ch
        elif ch == "\n":
            assert src[o] in "\r\n"
        else:
            assert src[o] in " \t"
    # Offsets never go backwards: a normalised range maps to an original range.
    assert list(norm.offsets[:-1]) == sorted(norm.offsets[:-1])


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from([" ", "\t", "\n", "\r", "\f", "\v", "a", "é", "#", "x"])))
def test_the_scorer_fast_path_gives_the_same_text(text: str) -> None:
    assert normalize_text(text) == normalize(text).text


def test_the_fast_path_on_real_code() -> None:
    import json

    source = Path(json.__file__).read_text(encoding="utf-8")
    crlf = source.replace("\n", "\r\n").replace("    ", "\t")
    for text in (source, crlf, "\n\n  x\n\n\n  y  \n\n"):
        assert normalize_text(text) == normalize(text).text
