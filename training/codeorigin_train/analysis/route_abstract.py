"""`route-screen --abstract`: a member that reads code with its repositories' own words taken out.

The route's members read character and token n-grams, which carry a repository's vocabulary as
much as its authors' habits; leaving an agent out, what they learn of the others' repositories
does not carry (the route in other languages ranks at chance). This member reads the same code
as a stream of tokens in which every identifier seen in fewer than `MIN_REPOSITORIES` of the
fit's repositories is replaced by its shape (`<snake>`, `<camel>`, `<Pascal>`, `<UP>`, `<low>`),
strings by their length class, line breaks by their indentation, and comments (the language's
own markers: `#` in Python and Ruby, `//` and `/* */` in the C family, Go, Rust, Java and
JavaScript, all three in PHP) by whether they start with a capital and end with a full stop,
followed by their words in lower case: how a comment is written is the habit looked for, and a
comment word of fewer than `MIN_REPOSITORIES` repositories becomes its shape as a name does.
Keywords, punctuation and the names many repositories share (`self`, `len`, `append`, `err`)
stay as they are.

It is a logistic regression (liblinear, C = 4, balanced classes) over TF-IDF (sublinear) of the
hashed token 1-3-grams, trained as the route's agentic member is, on the fold's agentic rows and
their fragments (`route_screen.member_rows`), cross-fitted into the calibration rows as every
member is. `route_screen.ABSTRACT_SETS` are the route stacker's sets with it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from codeorigin_train.fit.crossfit import calibration_rows

NAME = "abstract"
MIN_REPOSITORIES = 10
C = 4.0
BITS = 20
_WORDS = r"[A-Za-z_][A-Za-z0-9_]*|\d+(?:\.\d+)?|\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'|`[^`]*`"
_COMMENTS = {
    "hash": r"#[^\n]*",
    "slash": r"//[^\n]*|/\*.*?\*/",
    "both": r"#[^\n]*|//[^\n]*|/\*.*?\*/",
}
#: The tokenizer of each kind of comment markers.
TOKEN = {kind: re.compile(f"{_WORDS}|{c}|\\n[ \\t]*|\\S", re.S) for kind, c in _COMMENTS.items()}
#: The comment markers of each language; other languages: `//` and `/* */`.
MARKERS = {"python": "hash", "ruby": "hash", "php": "both"}


def shape(name: str) -> str:
    """An identifier's shape: how it is cased, not what it says."""
    if name.isupper() and len(name) > 1:
        return "<UP>"
    if "_" in name.strip("_"):
        return "<snake>"
    if name[:1].isupper():
        return "<Pascal>"
    if any(c.isupper() for c in name):
        return "<camel>"
    return f"<low{len(name)}>" if len(name) < 3 else "<low>"


@functools.lru_cache(maxsize=1 << 17)
def tokens(code: str, language: str) -> tuple[str, ...]:
    """The code as tokens: line breaks as their indentation, strings as their length class,
    comments as how they are written and their words; identifiers as they are (`abstract`)."""
    out: list[str] = []
    kind = MARKERS.get(language, "slash")
    for t in TOKEN[kind].findall(code):
        if t.startswith("\n"):
            out.append(f"<NL{min(len(t) - 1, 16)}>")
        elif t[0] in "\"'`":
            out.append(f"<STR{min(len(t) // 8, 6)}>")
        elif t.startswith(("//", "/*")) or (t[0] == "#" and kind != "slash"):
            words = re.findall(r"[A-Za-z]+", t)
            capital = "C" if words and words[0][0].isupper() else "c"
            out.append(f"<CMT:{capital}{'.' if t.rstrip().endswith('.') else ''}>")
            out.extend(w.lower() for w in words[:30])
        else:
            out.append(t)
    return tuple(out)


def vocabulary(rows: pd.DataFrame) -> frozenset[str]:
    """The names seen in at least `MIN_REPOSITORIES` of the rows' repositories."""
    where: dict[str, set[str]] = {}
    for code, language, repo in zip(rows["code"], rows["language"].astype(str),
                                     rows["repo"].fillna(""), strict=True):  # fmt: skip
        if repo:
            for t in set(tokens(code, language)):
                where.setdefault(t, set()).add(repo)
    return frozenset(t for t, r in where.items() if len(r) >= MIN_REPOSITORIES)


def abstract(code: str, language: str, keep: frozenset[str]) -> list[str]:
    """`tokens`, with each name outside `keep` replaced by its shape."""
    return [t if t in keep or not (t[0].isalpha() or t[0] == "_") else shape(t)
            for t in tokens(code, language)]  # fmt: skip


def _grams(seq: list[str]) -> list[str]:
    return [" ".join(seq[i : i + n]) for n in (1, 2, 3) for i in range(len(seq) - n + 1)]


def fit_abstract(rows: pd.DataFrame) -> Callable[[pd.DataFrame], np.ndarray]:
    """The member fitted on `rows` (the agentic rows and their fragments): its logits."""
    from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
    from sklearn.linear_model import LogisticRegression

    keep = vocabulary(rows)
    hashing = HashingVectorizer(analyzer=_grams, n_features=2**BITS, alternate_sign=False,
                                norm=None)  # fmt: skip

    def x(frame: pd.DataFrame) -> Any:
        pairs = zip(frame["code"], frame["language"].astype(str), strict=True)
        return hashing.transform([abstract(code, language, keep) for code, language in pairs])

    tfidf = TfidfTransformer(sublinear_tf=True).fit(x(rows))
    model = LogisticRegression(C=C, solver="liblinear", class_weight="balanced", max_iter=2000)
    model.fit(tfidf.transform(x(rows)), rows["label"].to_numpy())
    return lambda frame: np.asarray(
        model.decision_function(tfidf.transform(x(frame))), dtype=np.float64
    )


def add_abstract(f: Any, rows_of: Callable[[pd.DataFrame], pd.DataFrame],
                 frames: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame],
                 extra: tuple[pd.DataFrame, Any] | None) -> None:  # fmt: skip
    """Put the member's logits into the fold's (`f`: a `route_screen.FoldLogits`): cross-fitted
    on its calibration rows, on its held-out rows and on the extra humans. `rows_of`: the rows a
    fit of the agentic member reads (with fragments) from a fold's training rows."""
    train, val, test = frames
    cal, oof, member = calibration_rows(train, val, lambda t: fit_abstract(rows_of(t)))
    if not cal.index.equals(f.cal.index) or not test.index.equals(f.test.index):
        raise SystemExit("route-screen --abstract: the kept fits are of other rows; remove "
                         "WORK/route-screen and run it again")  # fmt: skip
    f.cal_logits[NAME], f.test_logits[NAME] = oof, member(test)
    if extra is not None and f.extra_logits is not None:
        f.extra_logits[NAME] = member(extra[0])
