"""Integrated Gradients explanations: completeness, gradient-graph parity, and landing on the right lines.

One tiny model (hidden 16) is trained here to react to a planted word, exported with its scorer and
its gradient graph through the real export code, and explained through the runtime `Attributor`.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from codeorigin.core.spans import extract_spans  # noqa: E402
from codeorigin.model.attributor import Attributor, path_points  # noqa: E402
from codeorigin.model.manifest import ModelError, load_manifest, write_manifest  # noqa: E402
from codeorigin.model.path_integral import Cancelled  # noqa: E402
from codeorigin.model.scorer import Model  # noqa: E402
from codeorigin_train.export.gradient import (  # noqa: E402
    GradientParityError,
    add_gradient_graph,
    check_gradient_parity,
    parity_feeds,
)
from helpers.igmodel import (  # noqa: E402
    LINES,
    MAX_LENGTH,
    PLANTED,
    planted_encoder,
    planted_function,
    train_planted,
)
from helpers.tinymodel import build_tiny_model, tiny_classifier  # noqa: E402


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> tuple[torch.nn.Module, Path]:
    folder = tmp_path_factory.mktemp("planted")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a tiny model gains nothing from threads on a busy machine
    try:
        model = train_planted(planted_encoder())
        build_tiny_model(folder, model=model, max_length=MAX_LENGTH)
        add_gradient_graph(model, folder, steps=32, rule="gauss_legendre")
    finally:
        torch.set_num_threads(threads)
    return model, folder


@pytest.fixture(scope="module")
def attributor(planted: tuple[torch.nn.Module, Path]) -> Attributor:
    return Attributor(Model.load(planted[1]))


CRLF_TEXT = (
    "def check(items):\r\n"  # line 0
    "\t# naïve café → 日本 😀\r\n"  # line 1
    "\tfor item in items:\r\n"  # line 2
    "\t\tZEBRA = item\r\n"  # line 3: the planted word, upper case, tab-indented, CRLF
    "\r\n"  # line 4: blank
    "\t\tprint('ünïcode', item)\r\n"  # line 5
    "\treturn None\r\n"  # line 6
)


def test_manifest_lists_the_gradient_graph(planted: tuple[torch.nn.Module, Path]) -> None:
    manifest = load_manifest(planted[1])  # verifies every digest, the graph's included
    assert manifest.gradient == "gradient.onnx"
    assert manifest.ig_steps == 32
    section = manifest.raw["attribution"]
    assert section["rule"] == "gauss_legendre" and section["baseline"] == "zero"
    assert section["parity"]["max_abs_grad_diff"] <= 1e-4


def test_gradient_graph_matches_torch_autograd(planted: tuple[torch.nn.Module, Path]) -> None:
    model, folder = planted
    feeds = parity_feeds(vocab_size=30522, special_ids=(101, 102, 0), lengths=(2, 5, 64), seed=7)
    feeds.append({k: v[:1] for k, v in feeds[1].items()})  # a batch of one row
    parity = check_gradient_parity(model, folder / "gradient.onnx", feeds, pad_id=0)
    assert parity["max_abs_logit_diff"] <= 1e-4
    assert parity["max_abs_grad_diff"] <= 1e-4
    other = tiny_classifier(5)  # a different model: the check must notice
    with pytest.raises(GradientParityError):
        check_gradient_parity(other, folder / "gradient.onnx", feeds[:1], pad_id=0)


@pytest.mark.parametrize(
    ("rule", "steps"), [("riemann_trapezoid", 256), ("gauss_legendre", 256), ("gauss_lobatto", 256)]
)
@pytest.mark.parametrize("baseline", ["zero", "pad"])
def test_completeness(attributor: Attributor, rule: str, steps: int, baseline: str) -> None:
    text = planted_function(random.Random(3), True)
    att = attributor.attribute(text, steps=steps, rule=rule, baseline=baseline)  # type: ignore[arg-type]
    gap = att.logit - att.baseline_logit
    total = sum(line.score for line in att.lines)
    assert abs(gap) > 1e-3
    assert total == pytest.approx(gap, rel=0.02, abs=1e-4)
    assert att.delta < 0.02
    assert att.delta == pytest.approx(abs(total - gap) / abs(gap), rel=1e-3, abs=1e-9)


def test_logit_and_probability_match_the_scorer(
    attributor: Attributor, planted: tuple[torch.nn.Module, Path]
) -> None:
    score = Model.load(planted[1]).score_texts([CRLF_TEXT])[0]
    att = attributor.attribute(CRLF_TEXT, steps=8)
    assert att.logit == pytest.approx(score.logit, abs=1e-4)
    assert att.probability == pytest.approx(score.probability, abs=1e-4)
    assert att.n_tokens == score.n_tokens


def test_the_planted_word_tops_the_explanation(attributor: Attributor) -> None:
    att = attributor.attribute(CRLF_TEXT, steps=32)
    assert att.logit > att.baseline_logit  # the model reacts to the word
    top = att.top_lines(1)[0]
    assert top.line == 3
    assert top.score > 0  # it pushes towards "LLM" (label 1)
    assert att.tokens[0].text == "ZEBRA"  # as written, not as the uncased tokenizer saw it
    assert att.tokens[0].line == 3
    assert CRLF_TEXT[att.tokens[0].start : att.tokens[0].end] == "ZEBRA"


def test_tokens_land_on_their_original_lines(attributor: Attributor) -> None:
    att = attributor.attribute(CRLF_TEXT, steps=4, top_k=None)
    originals = CRLF_TEXT.split("\r\n")
    assert {t.line for t in att.tokens} == {0, 1, 2, 3, 5, 6}
    for tok in att.tokens:
        assert tok.text == CRLF_TEXT[tok.start : tok.end]
        if tok.kind == "text":
            assert tok.text and tok.text in originals[tok.line], tok
        elif tok.kind == "indent":
            assert set(tok.text) <= {"\t", " "}
        else:
            assert tok.text in ("\r", "\n", "\r\n")
            assert tok.line in (0, 1, 2, 3, 5)  # the line the break ends
    texts = [t.text for t in att.tokens]
    for word in ("naïve", "café", "日", "本", "😀", "ünïcode"):
        assert word in texts, (word, texts)
    assert len(att.tokens) < att.n_tokens  # 😀's and 日's pieces are one token each


def test_shares_sum_to_one(attributor: Attributor) -> None:
    for text in (CRLF_TEXT, planted_function(random.Random(9), False), "x = 1"):
        att = attributor.attribute(text, steps=8, top_k=None)
        assert sum(line.share for line in att.lines) == pytest.approx(1.0, abs=1e-9)
        assert sum(t.share for t in att.tokens) == pytest.approx(1.0, abs=1e-9)
        assert all(line.share >= 0 for line in att.lines)


def test_long_text_is_explained_window_by_window(
    attributor: Attributor, planted: tuple[torch.nn.Module, Path]
) -> None:
    rng = random.Random(5)
    lines = ["def long(x):"] + [f"    {rng.choice(LINES)}" for _ in range(30)]
    lines.insert(25, f"    {PLANTED} = x")
    text = "\n".join(lines) + "\n"
    att = attributor.attribute(text, steps=128, rule="gauss_legendre")
    assert att.n_windows > 1
    score = Model.load(planted[1]).score_texts([text])[0]
    assert att.logit == pytest.approx(score.logit, abs=1e-4)
    assert sum(line.score for line in att.lines) == pytest.approx(
        att.logit - att.baseline_logit, rel=0.05
    )
    assert att.top_lines(1)[0].line == 25


def test_a_long_explanation_tells_its_progress_and_can_be_stopped(attributor: Attributor) -> None:
    """The server's worker watches a long explanation (its hover says how far along it is) and
    stops it when its document closes, between two onnxruntime runs."""
    rng = random.Random(6)
    text = "def long(x):\n" + "".join(f"    {rng.choice(LINES)}\n" for _ in range(30))
    span = next(s for s in extract_spans(text, "python") if s.name == "long")
    attributor.clear_cache()
    seen: list[float] = []
    att = attributor.attribute_span(
        text, span, steps=64, internal_batch_size=8, watch=lambda done: seen.append(done) or True
    )
    assert att.n_windows > 1 and len(seen) > 2
    assert seen[0] == 0.0 and seen == sorted(seen) and seen[-1] < 1.0
    attributor.clear_cache()
    with pytest.raises(Cancelled):
        attributor.attribute_span(
            text, span, steps=64, internal_batch_size=8, watch=lambda done: done < 0.3
        )


def test_span_of_a_document_maps_to_document_lines(attributor: Attributor) -> None:
    document = (
        "import os\r\n\r\n"
        + "def first(a):\r\n    return a + 1\r\n\r\n"
        + CRLF_TEXT.replace("check", "second")
    )
    span = next(s for s in extract_spans(document, "python") if s.name == "second")
    att = attributor.attribute_span(document, span, steps=16)
    alone = attributor.attribute(span.text(document), steps=16)
    first_line = document[: span.start].count("\n")
    assert first_line == 5
    assert [la.line - first_line for la in att.lines] == [la.line for la in alone.lines]
    assert att.top_lines(1)[0].line == first_line + 3
    assert att.tokens[0].text == "ZEBRA"
    assert document[att.tokens[0].start : att.tokens[0].end] == "ZEBRA"


def test_cache_reuses_the_explanation_but_not_the_lines(attributor: Attributor) -> None:
    attributor.clear_cache()
    lf = CRLF_TEXT.replace("\r\n", "\n").replace("\t", "    ")
    a = attributor.attribute(CRLF_TEXT, steps=8)
    hits = attributor.cache_hits
    b = attributor.attribute(lf, steps=8)  # same normalised text
    assert attributor.cache_hits == hits + 1
    assert a.logit == b.logit and [la.line for la in a.lines] == [la.line for la in b.lines]
    assert b.tokens[0].start != a.tokens[0].start  # offsets are the LF text's own


def test_bad_arguments_are_refused(attributor: Attributor) -> None:
    with pytest.raises(ValueError, match="rule"):
        attributor.attribute("x = 1", rule="simpson")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="steps"):
        attributor.attribute("x = 1", steps=0)
    with pytest.raises(ValueError, match="baseline"):
        attributor.attribute("x = 1", baseline="noise")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        attributor.attribute(b"x = 1")  # type: ignore[arg-type]


def test_empty_text_explains_to_nothing(attributor: Attributor) -> None:
    att = attributor.attribute("\n\n", steps=4)
    assert att.lines == () and att.tokens == () and att.delta == 0.0


def test_internal_batch_size_does_not_change_the_result(attributor: Attributor) -> None:
    attributor.clear_cache()
    a = attributor.attribute(CRLF_TEXT, steps=12, internal_batch_size=1)
    attributor.clear_cache()
    b = attributor.attribute(CRLF_TEXT, steps=12, internal_batch_size=64)
    assert [la.score for la in a.lines] == pytest.approx(
        [la.score for la in b.lines], rel=1e-4, abs=1e-5
    )


def test_a_model_without_gradient_graph_is_refused(
    planted: tuple[torch.nn.Module, Path], tmp_path: Path
) -> None:
    raw = json.loads((planted[1] / "manifest.json").read_text())
    for name in ("tokenizer.json", "model.onnx"):
        (tmp_path / name).write_bytes((planted[1] / name).read_bytes())
    raw["onnx"].pop("gradient")
    raw.pop("attribution")
    raw["files"] = ["tokenizer.json", "model.onnx"]
    write_manifest(tmp_path, raw)
    with pytest.raises(ModelError, match="gradient graph"):
        Attributor(tmp_path)


def test_quadrature_rules_integrate_polynomials() -> None:
    for rule, steps, degree in (
        ("gauss_legendre", 6, 11),
        ("gauss_lobatto", 6, 9),
        ("riemann_trapezoid", 6, 1),
    ):
        alphas, weights, i0, i1 = path_points(rule, steps)
        assert alphas[i0] == 0.0 and alphas[i1] == 1.0
        assert float(weights @ alphas**degree) == pytest.approx(1.0 / (degree + 1), abs=1e-12)


def test_explaining_needs_no_torch(planted: tuple[torch.nn.Module, Path]) -> None:
    code = (
        "import sys\n"
        "sys.modules['torch'] = None  # any import of torch now fails\n"
        "from codeorigin.model.attributor import Attributor\n"
        "import codeorigin.bench.ig\n"
        f"att = Attributor({str(planted[1])!r}).attribute('def f(x):\\n    zebra = x', steps=4)\n"
        "assert att.lines and 'transformers' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_steps_are_chosen_by_measured_delta(planted: tuple[torch.nn.Module, Path]) -> None:
    from codeorigin_train.export.ig_steps import choose_steps

    texts = [planted_function(random.Random(i), i % 2 == 0) for i in range(6)]
    choice = choose_steps(
        planted[1], texts, rules=("gauss_legendre",), candidates=(2, 8, 64), target=0.05
    )
    assert choice.met
    medians = {row.steps: row.median_delta for row in choice.table}
    assert medians[choice.steps] <= 0.05
    assert all(medians[s] > 0.05 for s in medians if s < choice.steps)
    np.testing.assert_array_less(0.0, [row.seconds for row in choice.table])


def test_method_and_module_spans_map_to_document_lines(attributor: Attributor) -> None:
    document = (
        "import sys\r\n"  # 0
        "x = 1\r\n"  # 1
        "class Box:\r\n"  # 2
        "\tdef open(self, n):\r\n"  # 3
        "\t\tZEBRA = n\r\n"  # 4
        "\t\treturn ZEBRA\r\n"  # 5
        "y = x + 2\r\n"  # 6
        "print(x, y)\r\n"  # 7
        "zebra = y\r\n"  # 8
    )
    spans = {s.name: s for s in extract_spans(document, "python", min_lines=2)}
    method = attributor.attribute_span(document, spans["open"], steps=8, top_k=None)
    assert {la.line for la in method.lines} <= {3, 4, 5}
    assert next(t for t in method.tokens if t.text == "ZEBRA").line == 4
    module = attributor.attribute_span(document, spans["<module>"], steps=8, top_k=None)
    assert {la.line for la in module.lines} <= {0, 1, 6, 7, 8}
    for tok in module.tokens:
        assert tok.text == document[tok.start : tok.end]
    assert next(t for t in module.tokens if t.text == "zebra").line == 8


def test_a_long_function_is_explained_in_the_memory_of_a_few_windows() -> None:
    """The shipped model's explanation of a function of 66 windows keeps each window's gradients
    only until the window is folded in (15 MB at its peak here, most of it the text's tokens):
    before, it held every window's (2 x 258 tokens x 128 floats of 8 bytes each: 53 MB here, and
    250 MB for a 2,000-line function, which took the server past its 500 MB budget)."""
    import tracemalloc

    from codeorigin.model.manifest import default_model_dir

    attributor = Attributor(Model.load(default_model_dir()))
    rng = random.Random(7)
    text = "def long(x):\n" + "".join(f"    {rng.choice(LINES)}\n" for _ in range(1400))
    attributor.warm_up()
    tracemalloc.start()
    try:
        att = attributor.attribute(text, language="python", steps=2, rule="riemann_trapezoid")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert att.n_windows >= 60
    assert peak < 24 * 2**20, f"{peak / 2**20:.1f} MB for {att.n_windows} windows"
    assert sum(line.share for line in att.lines) == pytest.approx(1.0, abs=1e-9)


@pytest.mark.parametrize("model", ["planted", "shipped"])
def test_a_character_of_several_pieces_is_one_token(model: str, attributor: Attributor) -> None:
    """A byte-level BPE splits "😀" into several tokens, each landing on the whole character:
    the explanation lists it once, with their parts summed (it listed "😀" up to four times)."""
    from codeorigin.model.manifest import default_model_dir

    if model == "shipped":
        attributor = Attributor(Model.load(default_model_dir()))
    att = attributor.attribute(CRLF_TEXT, language="python", steps=8, top_k=None)
    shown = [(t.start, t.end, t.kind, t.member) for t in att.tokens]
    assert len(shown) == len(set(shown))
    texts = [t.text for t in att.tokens if t.member != "linear"]
    assert texts.count("😀") == 1 and texts.count("日") == 1
    assert all(t.text == CRLF_TEXT[t.start : t.end] for t in att.tokens)
    if model == "planted":
        assert sum(t.share for t in att.tokens) == pytest.approx(1.0, abs=1e-9)
