"""Source texts that several test modules (unit and over stdio) share."""

from __future__ import annotations

# Two functions alike but for one line: the planted-token model (igmodel.py) puts its evidence
# on `zebra = item`, line 11 (1-based) of the document, in span `planted` (0-based lines 7 to 12).
PLANTED_DOC = """\
def plain(values):
    total = 0
    for v in values:
        total += v * 2
    return total


def planted(items):
    count = 0
    for item in items:
        zebra = item
        count += 1
    return count
"""

# A header that is C++ by its content (a namespace), though `.h` is C's extension too.
CPP_HEADER = """\
#pragma once
#include <vector>

namespace arrow {

inline int total(const std::vector<int>& xs) {
  int t = 0;
  for (int x : xs) t += x;
  return t * 2;
}

}  // namespace arrow
"""

# A Java class with one method that the default "too short" guard judges (`pushAll`, 0-based
# lines 4 to 12).
JAVA_STACK = """class Stack {
  private int[] items = new int[16];
  private int size;

  int pushAll(int[] values) {
    int pushed = 0;
    for (int value : values) {
      items[size] = value;
      size = size + 1;
      pushed = pushed + 1;
    }
    return pushed;
  }
}
"""


# Two small functions a diff adds beside each other (the `--diff` and `--diff-file` tests).
BODY = """def base(a):
    b = a + 1
    c = b * 2
    return c + a
"""
ADDED = """

def added(x):
    y = x * 3
    z = y - 1
    return z + y
"""

# Three functions, the last a method (the syntax-error tests break the first one).
THREE_FUNCTIONS = """\
def first(values):
    total = 0
    for v in values:
        total += v
    return total


def second(items, key):
    result = {}
    for item in items:
        result.setdefault(item[key], []).append(item)
    return result


class Counter:
    def third(self, text):
        counts = {}
        for w in text.split():
            counts[w] = counts.get(w, 0) + 1
        return counts
"""
