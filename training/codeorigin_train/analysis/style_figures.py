"""Style figures of a Python function, read from its text: what `route-screen --style` gives the
route's stacker as a member of their own (a logistic regression on these figures, trained on the
agentic corpus's Python functions).

The linear member reads character and token n-grams, which carry a repository's vocabulary as well
as its authors' habits. These figures ask only how the code is written: comments (share, capital
first letter, closing period, words, step-like openings such as `# Check ...`), docstrings (lines,
`Args:`/`Returns:` sections, `:param`), annotations, f-strings and other formatting, identifiers
(length, snake and camel case, one-letter names), logging, raises, `is None`, comprehensions, line
lengths and nesting. Chosen before any of them was measured on the folds; none is tuned.
"""

from __future__ import annotations

import re

import numpy as np

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_STRING = re.compile(r"(\"[^\"\n]*\"|'[^'\n]*')")
_KEYWORDS = frozenset(
    "def return if else elif for while in not and or is None True False import from as with try "
    "except finally raise class pass break continue lambda yield await async self assert del "
    "global nonlocal print".split()
)
_DOCSTRING = re.compile(r"(\"\"\"|''')(.*?)(\1)", re.S)
_SECTIONS = re.compile(r"\n\s*(Args|Returns|Raises|Parameters|Yields):")
_ANNOTATION = re.compile(r"\w\s*:\s*[A-Za-z_\[\]\.|, ]+(?=[,)=])")
_STEP = re.compile(
    r"#\s*(Check|Create|Get|Set|Add|Initialize|Update|Handle|Ensure|Verify|Validate|Test|Use|"
    r"Build|Return|Convert|Parse|Extract|Find|Make|Call|Process|Step)\b"
)
_TRAILING_COMMENT = re.compile(r"\S\s+#\s")
_LOGGING = re.compile(r"\b(logger|logging|log)\.\w+\(")

NAMES = (
    "lines", "log_lines", "mean_length", "length_spread", "longest", "blank", "comment",
    "trailing_comment", "comment_capital", "comment_period", "comment_words", "docstring",
    "docstring_lines", "docstring_sections", "docstring_params", "return_annotation",
    "annotations", "arguments", "f_strings", "format_calls", "percent_format", "double_quotes",
    "identifier_length", "snake", "one_letter", "camel", "logging", "prints", "raise_f_string",
    "raises", "is_none", "isinstance", "returns", "depth", "trailing_space", "tabs",
    "comprehensions", "walrus", "typing_generics", "optional_union", "step_comments",
    "return_none", "asserts", "mocks", "one_line_ifs", "semicolons", "keyword_arguments",
    "spaced_assignments",
)  # fmt: skip


def _share(values: list[bool]) -> float:
    return float(np.mean(values)) if values else 0.0


def figures(code: str) -> np.ndarray:
    """The figures of one function, in the order of `NAMES`."""
    lines = code.split("\n")
    n = len(lines)
    per_line = max(1, n)
    body = lines[1:] if n > 1 else lines
    filled = [line for line in lines if line.strip()]
    lengths = np.array([len(line) for line in filled] or [0])
    comments = [line.strip() for line in lines if line.strip().startswith("#")]
    words = [len(c[1:].split()) for c in comments]
    head = "\n".join(lines[:3])
    found = _DOCSTRING.search(code)
    docstring = found.group(2) if found else ""
    identifiers = [t for t in _IDENT.findall(_STRING.sub("", code)) if t not in _KEYWORDS]
    signature = code.split(":\n", 1)[0] if ":\n" in code else lines[0]
    indents = [len(line) - len(line.lstrip()) for line in filled]
    quotes = code.count('"') + code.count("'")
    values = [
        n, np.log1p(n), lengths.mean(), lengths.std(), lengths.max(),
        sum(1 for line in body if not line.strip()) / max(1, len(body)),
        len(comments) / per_line,
        sum(1 for line in lines if "#" in line and not line.strip().startswith("#")
            and _TRAILING_COMMENT.search(line)) / per_line,
        _share([c[1:].strip()[:1].isupper() for c in comments]) if comments else -1.0,
        _share([c.endswith(".") for c in comments]) if comments else -1.0,
        float(np.mean(words)) if words else 0.0,
        float('"""' in head or "'''" in head), docstring.count("\n"),
        float(bool(_SECTIONS.search(docstring))),
        float(":param" in docstring or ":return" in docstring),
        float("->" in signature), len(_ANNOTATION.findall(signature)),
        signature.count(",") + 1 if "(" in signature else 0,
        len(re.findall(r"\bf[\"']", code)) / per_line, code.count(".format(") / per_line,
        len(re.findall(r"[\"']\s*%\s*[\(\w]", code)) / per_line,
        code.count('"') / max(1, quotes),
        float(np.mean([len(t) for t in identifiers])) if identifiers else 0.0,
        _share(["_" in t for t in identifiers]), _share([len(t) == 1 for t in identifiers]),
        _share([bool(re.search(r"[a-z][A-Z]", t)) for t in identifiers]),
        len(_LOGGING.findall(code)) / per_line, code.count("print(") / per_line,
        len(re.findall(r"raise \w+\(f[\"']", code)), code.count("raise "),
        code.count(" is None") + code.count(" is not None"), code.count("isinstance("),
        code.count("return "), max(indents) if indents else 0,
        float(any(line != line.rstrip() for line in lines)), float("\t" in code),
        len(re.findall(r"\[[^\]]+ for [^\]]+ in ", code)), code.count(":="),
        len(re.findall(r"\b(Optional|List|Dict|Any|Union|Tuple)\[", code)),
        len(re.findall(r"\w \| None", code)), sum(1 for c in comments if _STEP.match(c)),
        code.count("return None"), code.count("assert "), code.count("mock") + code.count("Mock"),
        len(re.findall(r"\bif .+: \S", code)), code.count(";"),
        len(re.findall(r"\w=\w", code)) / per_line, len(re.findall(r"\w = \w", code)) / per_line,
    ]  # fmt: skip
    return np.asarray(values, dtype=np.float64)


def matrix(codes: list[str]) -> np.ndarray:
    """The figures of many functions, a row each."""
    if not codes:
        return np.zeros((0, len(NAMES)))
    return np.vstack([figures(code) for code in codes])
