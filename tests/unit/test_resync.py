"""Functions after a syntax error are found again, on the real tree-sitter grammars: an unclosed
bracket or brace no longer merges every function after it into one span."""

from __future__ import annotations

import pytest

from codeorigin.core.resync import find_spans
from codeorigin.core.spans import extract_spans
from helpers.samples import THREE_FUNCTIONS as FUNCTIONS

CPP = """\
#include <vector>

int sum(const std::vector<int>& v) {
    int total = 0;
    for (int x : v) {
        total += x;
    return total;
}

int maxOf(const std::vector<int>& v) {
    int best = v[0];
    for (int x : v) {
        if (x > best) best = x;
    }
    return best;
}
"""

JAVA = """\
class Stats {
    int sum(int[] v) {
        int t = 0;
        for (int x : v) { t += x;
        return t;
    }

    int max(int[] v) {
        int b = v[0];
        for (int x : v) { if (x > b) b = x; }
        return b;
    }
}
"""


def lines(text: str, language: str) -> list[tuple[str, int, int]]:
    """Each span's name and first and last line (1-based)."""
    return [
        (s.name, text.count("\n", 0, s.start) + 1, text.count("\n", 0, s.end) + 1)
        for s in find_spans(text, language)
    ]


def test_an_unclosed_bracket_no_longer_merges_the_functions_after_it() -> None:
    broken = FUNCTIONS.replace("total = 0", "total = (0")
    # What tree-sitter's recovery alone gives: `second` and the class line are module code.
    assert [s.name for s in extract_spans(broken, "python")] == ["first", "<module>", "third"]
    assert lines(broken, "python") == [("first", 1, 4), ("second", 8, 12), ("third", 16, 20)]
    # The functions found again are the same spans as in the file without the error.
    fixed = {s.name: s for s in extract_spans(FUNCTIONS, "python")}
    for span in find_spans(broken, "python")[1:]:
        same = fixed[span.name]
        assert (span.text(broken), span.kind) == (same.text(FUNCTIONS), same.kind)
        assert (span.statement_lines, span.content_tokens) == (
            same.statement_lines,
            same.content_tokens,
        )


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        (CPP, "cpp", [("sum", 3, 8), ("maxOf", 10, 16)]),
        (JAVA, "java", [("sum", 2, 6), ("max", 8, 12)]),
    ],
    ids=["cpp", "java-method"],
)
def test_an_unclosed_brace_no_longer_swallows_the_next_function(
    text: str, language: str, expected: list[tuple[str, int, int]]
) -> None:
    assert len(extract_spans(text, language)) == 1
    assert lines(text, language) == expected
    broken = find_spans(text, language)[0]
    assert broken.text(text).endswith(
        "return total;\n}" if language == "cpp" else "return t;\n    }"
    )
    assert broken.statement_lines >= 3


def test_non_ascii_text_before_the_error_keeps_offsets_exact() -> None:
    broken = "# ünïcödé 😀 ✓\n" + FUNCTIONS.replace("total = 0", "total = ('é', 0")
    spans = find_spans(broken, "python")
    assert [s.name for s in spans] == ["first", "second", "third"]
    for span in spans:
        assert broken[span.name_start : span.name_end] == span.name


@pytest.mark.parametrize(
    "text",
    [
        FUNCTIONS,
        FUNCTIONS.replace("for v in values:", "for v in values"),  # the error stays in `first`
        "def f(:\n    pass\n",
        '"""\nA docstring\n\nwith text at column 0\n"""\ndef f(a):\n    return (a\n',
    ],
    ids=["valid", "contained-error", "only-function", "no-function-after"],
)
def test_code_without_swallowed_functions_keeps_its_spans(text: str) -> None:
    assert find_spans(text, "python") == extract_spans(text, "python")


BROKEN_HEADERS = """\
def ok_function(items):
    result = []
    for item in items:
        result.append(item * 2)
    return result

def broken(x:
    total = (x +
    return total

class Foo(:
    def m(self, a, b):
        c = a + b
        d = c * a
        return c + d
"""


def test_a_function_whose_header_is_broken_keeps_a_span_of_its_own() -> None:
    """`def broken(x:` before a broken class line: tree-sitter makes both one ERROR node, the
    block is blanked to find `m` again, and `broken` is its block, not lost."""
    assert [s.name for s in extract_spans(BROKEN_HEADERS, "python")] == ["ok_function", "<module>"]
    assert lines(BROKEN_HEADERS, "python") == [
        ("ok_function", 1, 5),
        ("broken", 7, 9),
        ("m", 12, 15),
    ]
    broken = find_spans(BROKEN_HEADERS, "python")[1]
    assert broken.text(BROKEN_HEADERS).startswith("def broken(x:")
    assert BROKEN_HEADERS[broken.name_start : broken.name_end] == "broken"
