"""The comment figures of the linear member read comments in linear time, and find exactly what the
regular expressions the shipped model was trained with found (a change would move its features).

Those expressions backtracked: a line of 100,000 characters took minutes to read, and a language
server scoring such a file answered nothing else meanwhile."""

from __future__ import annotations

import re
import subprocess
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from codeorigin.core import figures

# What the linear member of feature versions 1 to 3 was trained with.
TRAINED_INLINE = re.compile(r"\S.*?\s(#|//)(\s|$)")
TRAINED_INLINE_BODY = re.compile(r"\s(?:#|//)\s*(.*?)\s*$")
TRAINED_COMMENT_BODY = re.compile(r"^(?:#+|//+|/\*+|\*+|--)\s*(.*?)\s*(?:\*+/)?\s*$")

# Lines made of what the expressions look at: markers, stars, slashes, spaces of several kinds.
LINES = st.text(alphabet=list("#/*- \t\u00a0\u2003ab=;\r\x0b"), max_size=40)


def trained_body(pattern: re.Pattern[str], line: str, *, anchored: bool) -> str:
    found = pattern.match(line) if anchored else pattern.search(line)
    return found.group(1) if found else ""


@settings(max_examples=3000, deadline=None)
@given(LINES)
def test_the_comment_figures_find_what_the_model_was_trained_with(line: str) -> None:
    assert figures._inline_comment(line) == bool(TRAINED_INLINE.search(line))
    assert figures._inline_body(line) == trained_body(TRAINED_INLINE_BODY, line, anchored=False)
    s = line.strip()
    assert figures._comment_body(s) == trained_body(TRAINED_COMMENT_BODY, s, anchored=True)


def test_hand_picked_comments() -> None:
    assert figures._inline_comment("x = 1  # one")
    assert figures._inline_comment("x = 1 //")
    assert not figures._inline_comment("   # only a comment")
    assert not figures._inline_comment("url = 'http://x'")
    assert figures._inline_body("x = 1  #   the count   ") == "the count"
    assert figures._comment_body("/** Returns the sum. */") == "Returns the sum."
    assert figures._comment_body("# TODO: more") == "TODO: more"
    assert figures._comment_body("/*/") == "/"
    assert figures._comment_body("code") == ""


def test_a_file_of_one_long_line_is_read_at_once() -> None:
    """200,000 characters on one line with no inline comment: the worst case of the old
    expressions (each start tried every end). Run in a subprocess with a time limit, so a
    regression fails the test instead of hanging it."""
    code = (
        "from codeorigin.core.features import FeatureConfig, extract\n"
        "line = 'x = ' + repr('a ' * 100_000) + '\\n'\n"
        "extract(line + '/* ' + '*' * 100_000 + ' x\\n', FeatureConfig(bucket_bits=12))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
