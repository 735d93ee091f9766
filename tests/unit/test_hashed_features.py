"""The linear member's features (`codeorigin.core.features`): stable hashing, the same features in
training and at run time, exact per-character contributions."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from codeorigin.core.features import (
    FIGURES,
    FeatureConfig,
    analyse,
    char_contributions,
    extract,
    tokens,
)
from codeorigin.core.normalize import normalize_text

CODE = '''def total_price(items, tax_rate):
    """Sum the prices and add the tax."""
    subtotal = 0
    for item in items:  # every item counts
        subtotal += item.price

    return subtotal * (1 + tax_rate)
'''
SMALL = FeatureConfig(bucket_bits=12).with_syntax()

PRINT_FEATURES = """
import json, sys
from codeorigin.core.features import FeatureConfig, extract
f = extract(sys.argv[1], FeatureConfig(bucket_bits=12))
print(json.dumps([f.indices.tolist(), f.values.round(12).tolist(), f.figures.round(12).tolist()]))
"""


def _weights(config: FeatureConfig, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.normal(size=config.n_buckets), rng.normal(size=config.n_figures)


def test_features_are_the_same_in_another_process_with_another_hash_seed() -> None:
    text = normalize_text(CODE)
    here = extract(text, SMALL)
    outs = []
    for seed in ("0", "12345"):
        out = subprocess.run(
            [sys.executable, "-c", PRINT_FEATURES, text],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": seed, "PATH": ""},
        )
        outs.append(json.loads(out.stdout))
    assert outs[0] == outs[1]
    assert outs[0][0] == here.indices.tolist()
    assert np.allclose(outs[0][1], here.values) and np.allclose(outs[0][2], here.figures)


def test_the_hash_of_a_known_text_does_not_change() -> None:
    """Pinned buckets: a change to the hashing would silently break every shipped linear member."""
    f = extract("ab", FeatureConfig(bucket_bits=20, char_ngrams=(1, 2), token_ngrams=(0, 0)))
    assert f.indices.tolist() == sorted(f.indices.tolist())
    assert f.indices.size == 3  # "a", "b", "ab"
    assert f.indices.tolist() == PINNED_AB


PINNED_AB = [205660, 426664, 563711]


def test_training_builds_the_matrix_from_the_runtime_features() -> None:
    from codeorigin_train.variants.linear import features

    texts = [CODE, "int main() {\n  return 0;\n}\n"]
    languages = ["python", "cpp"]
    m = features(texts, SMALL, languages).toarray()
    for row, text, language in zip(m, texts, languages):
        f = extract(normalize_text(text), SMALL, language)
        want = np.zeros(SMALL.n_buckets + SMALL.n_figures)
        want[f.indices] = f.values
        want[SMALL.n_buckets :] = f.figures
        assert np.array_equal(row, want)


def test_runtime_logit_equals_scikit_learn(tmp_path: Path) -> None:
    from codeorigin.model.linear import LinearMember
    from codeorigin_train.variants.linear import Linear, LinearConfig
    from helpers.stackedmodel import planted_frame

    frame = planted_frame(60)
    variant = Linear("linear", LinearConfig(features=SMALL, c=1.0))
    variant.fit(frame, tmp_path)
    member = LinearMember.from_file(tmp_path / "linear.npz")
    texts = [*frame["code"].tolist(), CODE]
    languages = [*frame["language"].tolist(), "python"]
    got = member.logits([normalize_text(t) for t in texts], languages)
    assert np.max(np.abs(got - variant.predict_logits(texts, languages))) < 1e-9


def test_contributions_sum_to_the_logit_minus_the_bias() -> None:
    config = FeatureConfig(bucket_bits=14)
    w, fw = _weights(config)
    for text, language in ((CODE, "python"), (CODE + "# café, naïve — ok\n", "python"),
                           (CODE, None), ("fn f( {\n  let ü = 1;\n", "rust")):  # fmt: skip
        text = normalize_text(text)
        chars, logit, _ = char_contributions(text, config, w, fw, 0.7, language)
        assert chars.shape == (len(text),)
        want = extract(text, config, language).logit(w, fw, 0.7)
        assert logit == pytest.approx(want, abs=1e-12)
        assert chars.sum() == pytest.approx(logit - 0.7, abs=1e-9)


def test_an_ngram_across_a_line_break_splits_its_weight_by_characters() -> None:
    """One bigram "a\\nb" with weight 1: a, the newline and b get its weight in equal parts."""
    config = FeatureConfig(bucket_bits=12, char_ngrams=(3, 3), token_ngrams=(0, 0), figures=False)
    text = "a\nb"
    f = extract(text, config)
    assert f.indices.size == 1 and f.values[0] == pytest.approx(1.0)
    w = np.zeros(config.n_buckets)
    w[f.indices[0]] = 3.0
    chars, logit, _ = char_contributions(text, config, w, np.zeros(0), 0.0)
    assert logit == pytest.approx(3.0)
    assert chars.tolist() == pytest.approx([1.0, 1.0, 1.0])


def test_figure_supports_sum_to_one_where_the_figure_is_not_zero() -> None:
    text = normalize_text(CODE)
    analysis = analyse(text, SMALL, supports=True)
    assert len(analysis.figures) == len(FIGURES) == len(analysis.supports)
    for name, value, support in zip(FIGURES, analysis.figures, analysis.supports):
        if value:
            assert support.shape == (len(text),), name
            assert support.sum() == pytest.approx(1.0), name
            assert (support >= 0).all(), name
    figures = dict(zip(FIGURES, analysis.figures))
    assert figures["docstring_lines"] > 0 and figures["inline_comments"] > 0
    assert figures["blank_lines"] > 0 and figures["snake_case"] > 0


def test_tokens_cut_identifiers_numbers_and_operators() -> None:
    assert tokens("x += foo_bar(1.5) != y").texts == (
        "x",
        "+=",
        "foo_bar",
        "(",
        "1.5",
        ")",
        "!=",
        "y",
    )


def test_a_config_of_another_version_is_refused() -> None:
    raw = SMALL.to_json()
    assert FeatureConfig.from_json(raw) == SMALL
    with pytest.raises(ValueError, match="feature version"):
        FeatureConfig.from_json({**raw, "version": 99})
    with pytest.raises(ValueError):
        FeatureConfig.from_json({**raw, "bucket_bits": 40})


def test_empty_and_one_character_texts() -> None:
    for text in ("", "x", "\n"):
        f = extract(text, SMALL)
        w, fw = _weights(SMALL)
        chars, logit, _ = char_contributions(text, SMALL, w, fw, 0.0)
        assert chars.sum() == pytest.approx(logit, abs=1e-12)
        assert np.isfinite(f.values).all() and np.isfinite(f.figures).all()


def test_comment_figures_read_how_the_comments_are_written() -> None:
    """Version 2's figures: a capitalised comment with no full stop (as coding agents write
    them) against a lowercase note that ends with one; preprocessor lines and Rust attributes
    are code, not comments."""
    agentish = normalize_text(
        "def load(path):\n    # Check if the file exists\n    if not path.exists():\n"
        "        return None\n    # Read the whole file\n    return path.read_text()\n"
    )
    personal = normalize_text(
        "int load(int x) {\n#include <stdio.h>\n  // cheap path first.\n  return x;\n}\n"
    )
    names = FIGURES[-4:]
    assert names == ("comment_capitalised", "comment_full_stop", "comment_words",
                     "comment_lowercase")  # fmt: skip
    a = dict(zip(FIGURES, analyse(agentish, FeatureConfig(bucket_bits=12)).figures))
    p = dict(zip(FIGURES, analyse(personal, FeatureConfig(bucket_bits=12)).figures))
    assert a["comment_capitalised"] == 1.0 and a["comment_full_stop"] == 0.0
    assert a["comment_words"] == pytest.approx(0.45)  # 5 and 4 words
    assert p["comment_capitalised"] == 0.0 and p["comment_lowercase"] == 1.0
    assert p["comment_full_stop"] == 1.0  # only "cheap path first." counts
    rust = normalize_text("#[derive(Debug)]\nfn f() -> u8 {\n    1\n}\n")
    assert not analyse(rust, FeatureConfig(bucket_bits=12)).figures[-4:].any()


def test_a_version_1_model_still_reads_its_15_figures() -> None:
    """Model folders written before the comment figures keep working, with the same values."""
    raw = {k: v for k, v in SMALL.to_json().items() if k != "syntax_ngrams"}
    old = FeatureConfig.from_json({**raw, "version": 1})
    new = SMALL
    assert (old.version, old.n_figures, new.n_figures) == (1, 15, 19)
    assert old.syntax_ngrams == (0, 0)
    text = normalize_text(CODE)
    f_old, f_new = extract(text, old, "python"), extract(text, new, None)
    assert f_old.figures.tolist() == f_new.figures[:15].tolist()
    assert f_old.indices.tolist() == f_new.indices.tolist()
    w, fw = _weights(old)
    chars, logit, _ = char_contributions(text, old, w, fw, 0.5)
    assert chars.sum() == pytest.approx(logit - 0.5, abs=1e-9)


def test_a_version_2_model_reads_no_syntax_and_refuses_to_claim_it() -> None:
    """The shipped folders of version 2 load with the syntax n-grams off, and score the same
    with or without a language."""
    raw = {k: v for k, v in SMALL.to_json().items() if k != "syntax_ngrams"}
    v2 = FeatureConfig.from_json({**raw, "version": 2})
    assert v2.syntax_ngrams == (0, 0) and v2.n_figures == 19
    text = normalize_text(CODE)
    assert extract(text, v2, "python").indices.tolist() == extract(text, v2).indices.tolist()
    with pytest.raises(ValueError, match="no syntax"):
        FeatureConfig.from_json({**raw, "version": 2, "syntax_ngrams": [1, 3]})


def test_syntax_nodes_are_the_named_nodes_in_pre_order_on_their_first_line() -> None:
    from codeorigin.core.features import syntax_nodes

    text = "def f(x):\n    if x > 1:\n        return x\n"
    nodes = syntax_nodes(text, "python")
    got = [(t, text[a:b]) for t, a, b in zip(nodes.texts, nodes.starts, nodes.ends)]
    assert got[:6] == [
        ("module", "def f(x):"), ("function_definition", "def f(x):"), ("identifier", "f"),
        ("parameters", "(x)"), ("identifier", "x"), ("block", "if x > 1:"),
    ]  # fmt: skip
    assert ("comparison_operator", "x > 1") in got and ("return_statement", "return x") in got
    # Non-ASCII text: node ranges are characters, not UTF-8 bytes.
    text = "def é(ü):\n    return ü\n"
    nodes = syntax_nodes(text, "python")
    assert [text[a:b] for t, a, b in zip(*nodes) if t == "identifier"] == ["é", "ü", "ü"]
    # No grammar, no language, broken code: no nodes, no nodes, the nodes it could parse.
    assert syntax_nodes(text, "cobol").texts == () and syntax_nodes(text, None).texts == ()
    assert "ERROR" in syntax_nodes("def f(x):\n    y = = 1\n", "python").texts


def test_a_syntax_ngram_lands_on_the_line_where_its_nodes_start() -> None:
    """Only the syntax group on, one trigram weighted: its weight lands on the `if` line."""
    config = FeatureConfig(version=3, bucket_bits=16, char_ngrams=(0, 0), token_ngrams=(0, 0),
                           figures=False, syntax_ngrams=(3, 3))  # fmt: skip
    text = "def f(x):\n    y = 1\n    if x > y:\n        return x\n    return y\n"
    analysis = analyse(text, config, "python")
    kinds = analysis.nodes.texts
    k = kinds.index("if_statement")
    assert kinds[k : k + 3] == ("if_statement", "comparison_operator", "identifier")
    w = np.zeros(config.n_buckets)
    w[int(analysis.syntax.buckets[analysis.syntax.first.tolist().index(k)])] = 2.0
    chars, logit, _ = char_contributions(text, config, w, np.zeros(0), 0.0, "python")
    assert chars.sum() == pytest.approx(logit) and logit > 0
    starts = np.cumsum([0] + [len(line) + 1 for line in text.split("\n")])
    per_line = [chars[a:b].sum() for a, b in itertools.pairwise(starts)]
    assert per_line[2] == pytest.approx(logit)  # "    if x > y:"


def test_the_default_features_are_the_shipped_models_and_syntax_is_version_3() -> None:
    """`FeatureConfig()` is what `models/default` records (version 2, written without a
    `syntax_ngrams` key); `with_syntax()` turns the node-type n-grams on at version 3."""
    shipped = json.loads((Path(__file__).parents[2] / "models/default/manifest.json").read_text())
    recorded = shipped["members"]["linear"]["features"]
    assert FeatureConfig.from_json(recorded) == FeatureConfig()
    assert FeatureConfig().to_json().keys() == recorded.keys()
    v3 = FeatureConfig().with_syntax()
    assert (v3.version, v3.syntax_ngrams) == (3, (1, 3))
    assert FeatureConfig.from_json(json.loads(json.dumps(v3.to_json()))) == v3
    with pytest.raises(ValueError, match="no syntax"):
        FeatureConfig(version=2, syntax_ngrams=(1, 3))
    text = normalize_text(CODE)
    plain, syntax = extract(text, FeatureConfig(), "python"), extract(text, v3, "python")
    assert set(plain.indices) < set(syntax.indices)  # the same buckets, and the nodes' own
