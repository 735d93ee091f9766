"""`codeorigin scan` on code as real repositories hold it, through its real command line: no verdict
on one-statement accessors in any language, generated and vendored code skipped with the reason,
`.h` files parsed as C or C++ from their content, module spans that are only the code outside
functions, a missing path that does not stop the scan, and one precision for percentages.

The tiny model's threshold is moved to 0 so that every judged span is flagged: what is not flagged
was not judged.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from codeorigin.core.spans import extract_spans
from helpers.cli import scan
from helpers.samples import CPP_HEADER

# One-statement accessors, one per language (as an IDE or a person writes them), each with the
# statement lines and identifier/literal tokens of its body.
ACCESSORS: dict[str, tuple[str, str, str, int]] = {
    "python": ("a.py", "class A:\n    def value(self):\n        return self._value\n", "value", 2),
    "java": (
        "A.java",
        "class A {\n  public A setValue(int val) {\n    this.value = val; return this;\n  }\n}\n",
        "setValue",
        4,
    ),
    "c": ("a.c", "int get_value(struct s *p)\n{\n    return p->value;\n}\n", "get_value", 2),
    "cpp": (
        "a.cpp",
        "class A {\n public:\n  int value() const {\n    return value_;\n  }\n};\n",
        "value",
        1,
    ),
    "javascript": (
        "a.js",
        "class A {\n  get value() {\n    return this._value;\n  }\n}\n",
        "value",
        2,
    ),
    "javascriptreact": (
        "a.jsx",
        "const Label = (props) => {\n  return <b>{props.text}</b>;\n};\n",
        "Label",
        4,
    ),
    "typescript": (
        "a.ts",
        "class A {\n  getValue(): number {\n    return this.value;\n  }\n}\n",
        "getValue",
        2,
    ),
    "typescriptreact": (
        "a.tsx",
        "const Label = (props: P) => {\n  return <b>{props.text}</b>;\n};\n",
        "Label",
        4,
    ),
    "go": ("a.go", "package a\n\nfunc (a *A) Value() int {\n\treturn a.value\n}\n", "Value", 2),
    "rust": (
        "a.rs",
        "impl A {\n    fn value(&self) -> i32 {\n        self.value\n    }\n}\n",
        "value",
        2,
    ),
    "ruby": ("a.rb", "class A\n  def value\n    @value\n  end\nend\n", "value", 1),
    "php": (
        "a.php",
        "<?php\nclass A {\n    public function setValue($val) { $this->value = $val; "
        "return $this; }\n}\n",
        "setValue",
        4,
    ),
    "csharp": (
        "A.cs",
        "class A\n{\n    public int GetValue()\n    {\n        return this._value;\n    }\n}\n",
        "GetValue",
        2,
    ),
    "kotlin": (
        "A.kt",
        "class A {\n    fun value(): Int {\n        return this.value\n    }\n}\n",
        "value",
        2,
    ),
    "swift": (
        "A.swift",
        "class A {\n    func value() -> Int {\n        return self.value\n    }\n}\n",
        "value",
        2,
    ),
}

# The same function in brace style and in one line counts the same: braces and the signature carry
# no authorship.
LONGER_C = """\
static int sum_positive(const int *values, size_t n)
{
    int total = 0;
    for (size_t i = 0; i < n; i++) {
        if (values[i] > 0) {
            total += values[i];
        }
    }
    return total;
}
"""


def scan_json(model: Path, *args: str) -> dict[str, dict]:
    res = scan(*args, "--model", str(model), "--threshold", "0", "--format", "json", "--exit-zero")
    assert res.returncode == 0, res.stderr
    return {Path(f["path"]).name: f for f in json.loads(res.stdout)["files"]}


@pytest.mark.parametrize("language", sorted(ACCESSORS))
def test_the_guard_counts_statement_lines_and_identifier_tokens(language: str) -> None:
    _, source, name, tokens = ACCESSORS[language]
    span = next(s for s in extract_spans(source, language) if s.name == name)
    assert (span.statement_lines, span.content_tokens) == (1, tokens)


def test_braces_and_signature_are_not_counted() -> None:
    (span,) = [s for s in extract_spans(LONGER_C, "c") if s.kind != "module"]
    # 4 lines hold identifiers (int total, for, if, total +=, return): `}` and `{` lines do not.
    assert span.statement_lines == 5
    squeezed = LONGER_C.replace("\n{", " {").replace("        }\n    }\n", "    }}\n")
    (again,) = [s for s in extract_spans(squeezed, "c") if s.kind != "module"]
    assert (again.statement_lines, again.content_tokens) == (5, span.content_tokens)


def test_one_statement_accessors_are_too_short_in_every_language(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    for filename, source, _, _ in ACCESSORS.values():
        (tmp_path / filename).write_text(source)
    (tmp_path / "sum.c").write_text(LONGER_C)
    files = scan_json(tiny_model_dir, str(tmp_path))
    for language, (filename, _, name, _) in ACCESSORS.items():
        spans = {s["name"]: s for s in files[filename]["spans"]}
        assert spans[name]["verdict"] == "too_short", language
        assert spans[name]["probability"] is None, language
    # A function with a real body is judged (flagged at threshold 0).
    (summed,) = [s for s in files["sum.c"]["spans"] if s["kind"] == "function"]
    assert summed["verdict"] == "llm"
    # --min-lines and --min-tokens use the same counts.
    files = scan_json(
        tiny_model_dir, str(tmp_path / "a.php"), "--min-lines", "1", "--min-tokens", "4"
    )
    assert files["a.php"]["spans"][0]["verdict"] == "llm"


GENERATED = {
    "thing_pb2.py": "import x\n\ndef f(a):\n    b = a + 1\n    c = b * 2\n    return c + a\n",
    "thing.pb.go": "package x\n\nfunc F(a int) int {\n\tb := a + 1\n\tc := b * 2\n\treturn c + a\n}\n",
    "Thing_pb.php": "<?php\nfunction f($a) {\n  $b = $a + 1;\n  $c = $b * 2;\n  return $c + $a;\n}\n",
    "gen.go": "// Code generated by stringer -type=Pill; DO NOT EDIT.\n\npackage x\n\n"
    "func F(a int) int {\n\tb := a + 1\n\tc := b * 2\n\treturn c + a\n}\n",
    "Message.php": "<?php\n# Generated by the protocol buffer compiler.  DO NOT EDIT!\n"
    "# source: thing.proto\n\nnamespace Foo;\n\nclass Message {\n"
    "  public function setValue($var) {\n    GPBUtil::checkString($var, True);\n"
    "    $this->value = $var;\n    return $this;\n  }\n}\n",
    "schema.ts": "/**\n * @generated by relay-compiler\n */\nexport function f(a: number) {\n"
    "  const b = a + 1;\n  const c = b * 2;\n  return c + a;\n}\n",
    "app.js": "function f(a){var b=a+1;var c=b*2;return c+a}" + ";var q=1" * 300 + "\n",
    "MainForm.Designer.cs": "partial class MainForm\n{\n    private void InitializeComponent()\n"
    '    {\n        this.button = new Button();\n        this.button.Text = "OK";\n'
    "        this.Controls.Add(this.button);\n    }\n}\n",
    "Resources.g.cs": "static class Resources\n{\n    public static int F(int a)\n    {\n"
    "        var b = a + 1;\n        var c = b * 2;\n        return c + a;\n    }\n}\n",
    "Settings.cs": "//------------------------------------------------------------------------------\n"
    "// <auto-generated>\n//     This code was generated by a tool.\n// </auto-generated>\n"
    "//------------------------------------------------------------------------------\n"
    "class Settings\n{\n    public int F(int a)\n    {\n        var b = a + 1;\n"
    "        var c = b * 2;\n        return c + a;\n    }\n}\n",
    "Assets.swift": "// swiftlint:disable all\n// Generated using SwiftGen \u2014 https://github.com/SwiftGen/SwiftGen\n\n"
    "func f(a: Int) -> Int {\n    let b = a + 1\n    let c = b * 2\n    return c + a\n}\n",
    "Message.pb.swift": "// DO NOT EDIT.\n\nfunc f(a: Int) -> Int {\n    let b = a + 1\n"
    "    let c = b * 2\n    return c + a\n}\n",
    "Dto.kt": "// Code generated by Wire protocol buffer compiler, do not edit.\npackage x\n\n"
    "fun f(a: Int): Int {\n    val b = a + 1\n    val c = b * 2\n    return c + a\n}\n",
}


def test_generated_files_and_vendored_folders_are_skipped_with_the_reason(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    for name, text in GENERATED.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "vendor" / "lib").mkdir(parents=True)
    (tmp_path / "vendor" / "lib" / "dep.py").write_text(GENERATED["thing_pb2.py"])
    (tmp_path / "own.py").write_text(GENERATED["thing_pb2.py"])
    files = scan_json(tiny_model_dir, str(tmp_path))
    assert [s["verdict"] for s in files["own.py"]["spans"]] == ["llm"]
    reasons = {name: files[name]["error"] for name in [*GENERATED, "vendor"]}
    for name, reason in reasons.items():
        assert reason and reason.endswith("not scored"), (name, reason)
        assert files[name]["spans"] == [] and files[name]["probability"] is None
    assert "*_pb2.py" in reasons["thing_pb2.py"] and "*.pb.go" in reasons["thing.pb.go"]
    assert "*_pb.php" in reasons["Thing_pb.php"]
    assert "DO NOT EDIT" in reasons["gen.go"] and "protocol buffer" in reasons["Message.php"]
    assert "@generated" in reasons["schema.ts"] and "minified" in reasons["app.js"]
    assert "vendored" in reasons["vendor"]
    assert "dep.py" not in files  # the folder is reported once, not file by file
    assert "designer" in reasons["MainForm.Designer.cs"] and "*.g.cs" in reasons["Resources.g.cs"]
    assert "<auto-generated>" in reasons["Settings.cs"] and "generator" in reasons["Assets.swift"]
    assert (
        "*.pb.swift" in reasons["Message.pb.swift"] and "do not edit" in reasons["Dto.kt"].lower()
    )
    # CocoaPods' and Carthage's folders are vendored; a Gradle build's generated/ is generated.
    for folder in ("Pods/Alamofire/Source", "Carthage/Checkouts/Nimble", "app/build/generated/ksp"):
        (tmp_path / "apps" / folder).mkdir(parents=True)
        (tmp_path / "apps" / folder / "A.swift").write_text(GENERATED["Assets.swift"][70:])
    skipped = scan_json(tiny_model_dir, str(tmp_path / "apps"))
    assert {f["error"] for f in skipped.values()} == {
        "vendored (Pods/), not scored",
        "vendored (Carthage/), not scored",
        "generated (a build/generated/ folder: kapt, KSP, Android's R and BuildConfig), not scored",
    }

    text = scan(str(tmp_path), "--model", str(tiny_model_dir), "--threshold", "0").stdout
    assert "gen.go: skipped: generated (a 'Code generated … DO NOT EDIT' header)" in text
    # A scan of only such code says how to score it; one of an unreadable file does not.
    text = scan(str(tmp_path / "thing_pb2.py"), "--model", str(tiny_model_dir)).stdout
    assert "skipped (see the reason above). --include-generated scores" in text
    (tmp_path / "data.py").write_bytes(b"\x00\x01")
    text = scan(str(tmp_path / "data.py"), "--model", str(tiny_model_dir)).stdout
    assert "Nothing was scored" in text and "--include-generated" not in text

    # --include-generated scores all of it (a minified function is one statement line: too short).
    files = scan_json(tiny_model_dir, str(tmp_path), "--include-generated")
    for name in [*GENERATED, "dep.py"]:
        assert files[name]["error"] is None, name
        verdicts = {s["verdict"] for s in files[name]["spans"]}
        assert ("llm" in verdicts) == (name != "app.js"), name


BODY_PY = "def f(a):\n    b = a + 1\n    c = b * 2\n    return c + a\n"
BODY_C = "int f(int a) {\n  int b = a + 1;\n  int c = b * 2;\n  return c + a;\n}\n"
BODY_JAVA = "class Lexer {\n" + BODY_C.replace("\n", "\n  ").rstrip() + "\n}\n"
# The first lines of what these generators write, each before a function they would write.
GENERATOR_HEADERS = {
    "ui_main.py": "# Form implementation generated from reading ui file 'main.ui'\n#\n"
    "# Created by: PyQt5 UI code generator 5.15.4\n#\n# WARNING: Any manual changes made to this "
    "file will be lost when pyuic5 is\n# run again.  Do not edit this file unless you know what "
    "you are doing.\n\n\n" + BODY_PY,
    "moc_window.cpp": "/****\n** Meta object code from reading C++ file 'window.h'\n**\n"
    "** Created by: The Qt Meta Object Compiler version 68 (Qt 6.5.0)\n**\n"
    "** WARNING! All changes made in this file will be lost!\n*****/\n\n" + BODY_C,
    "parser.cpp": "// A Bison parser, made by GNU Bison 3.8.2.\n\n" + BODY_C,
    "keywords.c": "/* ANSI-C code produced by gperf version 3.1 */\n" + BODY_C,
    "ExprLexer.java": "// Generated from Expr.g4 by ANTLR 4.13.1\n" + BODY_JAVA,
    "Lexer.java": "/* The following code was generated by JFlex 1.7.0 */\n\n" + BODY_JAVA,
    "ttypes.py": "#\n# Autogenerated by Thrift Compiler (0.16.0)\n#\n"
    "# DO NOT EDIT UNLESS YOU ARE SURE THAT YOU KNOW WHAT YOU ARE DOING\n#\n\n" + BODY_PY,
    "Native.h": "/* DO NOT EDIT THIS FILE - it is machine generated */\n#include <jni.h>\n"
    + BODY_C,
}
ALEMBIC = (
    '"""add orders\n\nRevision ID: 3f1c2a9d4b7e\nRevises: 9b2d1e0c7a11\n"""\n'
    "from alembic import op\n\n\ndef upgrade():\n"
    "    # ### commands auto generated by Alembic - please adjust! ###\n"
    "    op.create_table('orders', sa.Column('id', sa.Integer(), nullable=False))\n"
    "    op.create_index('ix_orders_customer', 'orders', ['customer_id'], unique=False)\n"
    "    op.create_index('ix_orders_total', 'orders', ['total'], unique=False)\n"
    "    # ### end Alembic commands ###\n\n\n"
    "def backfill(connection):\n    rows = connection.execute(select_orders)\n"
    "    totals = {row.id: row.amount * row.count for row in rows}\n"
    "    connection.execute(update_orders, totals)\n"
)


def test_what_parser_lexer_and_ui_generators_write_is_skipped(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    """Bison, gperf, ANTLR, JFlex, Thrift, javah, Qt's moc and PyQt's pyuic output is nobody's
    writing: skipped with the reason. A comment that only mentions a generator is not a header
    that says so; Alembic's autogenerated `upgrade` is skipped, the migration's own function is
    scored."""
    for name, text in GENERATOR_HEADERS.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "mine.py").write_text(
        "# Reads the tables generated by flexible tools; all changes made by users are kept.\n"
        + BODY_PY
    )
    (tmp_path / "3f1c2a9d4b7e_add_orders.py").write_text(ALEMBIC)
    files = scan_json(tiny_model_dir, str(tmp_path))
    reasons = {name: files[name]["error"] for name in GENERATOR_HEADERS}
    for name, reason in reasons.items():
        assert reason and reason.startswith("generated (") and reason.endswith("not scored"), name
        assert files[name]["spans"] == [], name
    assert "pyuic" in reasons["ui_main.py"] and "moc" in reasons["moc_window.cpp"]
    assert "Thrift" in reasons["ttypes.py"] and "javah" in reasons["Native.h"]
    assert files["mine.py"]["error"] is None
    assert [s["verdict"] for s in files["mine.py"]["spans"]] == ["llm"]
    spans = {s["name"]: s for s in files["3f1c2a9d4b7e_add_orders.py"]["spans"]}
    assert spans["upgrade"]["verdict"] == "generated" and spans["upgrade"]["probability"] is None
    assert spans["backfill"]["verdict"] == "llm"


def test_a_span_marked_generated_is_not_scored(tmp_path: Path, tiny_model_dir: Path) -> None:
    (tmp_path / "A.java").write_text(
        "class A {\n"
        '  @Generated("by hand? no")\n'
        "  int sum(int[] xs) {\n    int t = 0;\n    for (int x : xs) { t += x; }\n"
        "    return t;\n  }\n\n"
        "  int twice(int[] xs) {\n    int t = 0;\n    for (int x : xs) { t += 2 * x; }\n"
        "    return t;\n  }\n}\n"
    )
    spans = {s["name"]: s for s in scan_json(tiny_model_dir, str(tmp_path))["A.java"]["spans"]}
    assert spans["sum"]["verdict"] == "generated" and spans["sum"]["probability"] is None
    assert spans["twice"]["verdict"] == "llm"


C_HEADER = """\
#ifndef SUM_H
#define SUM_H
static inline int total(const int *xs, int n) {
  int t = 0;
  for (int i = 0; i < n; i++) t += xs[i];
  return t * 2;
}
#endif
"""


def test_h_files_are_c_or_cpp_by_their_content(tmp_path: Path, tiny_model_dir: Path) -> None:
    (tmp_path / "arrow.h").write_text(CPP_HEADER)
    (tmp_path / "sum.h").write_text(C_HEADER)
    files = scan_json(tiny_model_dir, str(tmp_path))
    assert files["arrow.h"]["language"] == "cpp" and files["sum.h"]["language"] == "c"
    # The namespace is not a function named `arrow`: the function inside it is the span.
    assert [s["name"] for s in files["arrow.h"]["spans"] if s["kind"] != "module"] == ["total"]
    # A user who knows better maps the extension.
    files = scan_json(tiny_model_dir, str(tmp_path), "--extension", ".h=cpp")
    assert files["sum.h"]["language"] == "cpp"
    res = scan(str(tmp_path), "--model", str(tiny_model_dir), "--extension", ".h=cobol")
    assert res.returncode == 2 and "unsupported language 'cobol'" in res.stderr


SCRIPT = """\
import sys

CONFIG = {"retries": 3, "delay": 0.5}
names = [a for a in sys.argv[1:] if a]


def helper(values):
    total = 0
    for v in values:
        total += v * 2
    return total


for name in names:
    print(name, CONFIG["retries"], helper([1, 2, 3]))
print("done", len(names))
"""


def test_a_module_span_is_only_the_code_outside_functions(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    (tmp_path / "script.py").write_text(SCRIPT)
    spans = extract_spans(SCRIPT, "python")
    module = next(s for s in spans if s.kind == "module")
    assert "def helper" not in module.text(SCRIPT) and "total += v" not in module.text(SCRIPT)
    assert "for name in names:" in module.text(SCRIPT)
    files = scan_json(tiny_model_dir, str(tmp_path))
    (reported,) = [s for s in files["script.py"]["spans"] if s["kind"] == "module"]
    assert reported["segments"] == [[1, 4], [14, 16]]
    text = scan(str(tmp_path), "--model", str(tiny_model_dir), "--threshold", "0").stdout
    assert "script.py:1-4,14-16:" in text and "module <module>" in text


def test_a_missing_path_is_reported_and_the_rest_is_scanned(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    (tmp_path / "own.py").write_text(GENERATED["thing_pb2.py"])
    missing = tmp_path / "no-such-dir"
    res = scan(
        str(missing), str(tmp_path / "own.py"), "--model", str(tiny_model_dir), "--threshold", "0"
    )
    assert res.returncode == 2
    assert f"no such file or folder: {missing}" in res.stderr
    assert (
        "own.py:3-6:" in res.stdout and "1 flagged and 0 uncertain of 1 judged span " in res.stdout
    )


def test_a_scan_that_scores_nothing_says_so(tmp_path: Path, tiny_model_dir: Path) -> None:
    res = scan(str(tmp_path), "--model", str(tiny_model_dir))
    assert res.returncode == 0 and "Nothing was scored" in res.stdout
    (tmp_path / "x_pb2.py").write_text(GENERATED["thing_pb2.py"])
    res = scan(str(tmp_path), "--model", str(tiny_model_dir), "--format", "json")
    assert res.returncode == 0 and "Nothing was scored" in res.stderr
    assert json.loads(res.stdout)["files"][0]["error"].endswith("not scored")


def test_a_scan_of_spans_too_short_to_judge_says_that_is_why(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    """Not "the files hold no function": the user sees the function, so the reason is given."""
    (tmp_path / "tiny.py").write_text("def f(x):\n    return x + 1\n")
    res = scan(str(tmp_path), "--model", str(tiny_model_dir))
    assert res.returncode == 0
    assert "Nothing was scored: 1 span is too short to judge." in res.stdout


def test_what_gets_no_verdict_is_never_sent_to_the_model(tiny_model_dir: Path) -> None:
    """A span too short to judge and a file with no judged span cost no model time: a function
    holding 300,000 characters of data in one line, and a module that is one table, are not
    scored (no forward pass), and the file gets no whole-text probability; a file with a judged
    span still gets both."""
    from codeorigin.engine.scoring import Engine
    from codeorigin.model.scorer import Model

    model = Model.load(tiny_model_dir)
    engine = Engine(model)
    blob = "def blob():\n    return '" + "QUJD" * 75_000 + "'\n"
    table = "TABLE = [" + ", ".join(map(str, range(20_000))) + "]\n"
    analysed = engine.analyze_many([(blob, "python"), (table, "python")], whole=True)
    assert [[r.verdict for r in results] for results, _ in analysed] == [["too_short"], []]
    assert [whole for _, whole in analysed] == [None, None]
    assert model.forward_calls == 0 and engine.stats.spans_scored == 0

    judged = "def f(values):\n    total = 0\n    for v in values:\n        total += v * 2\n    return total\n"
    ((results, whole),) = engine.analyze_many([(judged, "python")], whole=True)
    assert results[0].probability is not None and whole is not None
    assert model.forward_calls > 0


def test_what_a_scan_does_not_show_is_not_scored(tmp_path: Path, tiny_model_dir: Path) -> None:
    """A file's whole text is scored for its probability in `scan --format json`, and its module
    code for its own verdict; the text report shows no file probability and `calibrate` measures
    functions alone, so they do not pay for what they do not show: the functions' probabilities
    are the same, and the model runs fewer windows."""
    from codeorigin.engine.scoring import Engine
    from codeorigin.model.scorer import Model
    from codeorigin.scan import local
    from codeorigin.scan.options import ScanOptions

    body = "".join(f"    total += values[{k}] * {k + 2}\n" for k in range(12))
    table = "".join(f"LIMIT_{k} = compute_limit({k}, scale={k * 3})\n" for k in range(12))
    (tmp_path / "m.py").write_text(
        table + "".join(f"def f{n}(values):\n    total = 0\n{body}    return total\n\n" for n in range(3))
    )
    runs = {}
    for whole, modules in ((True, True), (False, True), (False, False)):
        model = Model.load(tiny_model_dir)
        options = ScanOptions(provenance=False, whole_files=whole, module_code=modules)
        report, _ = local.run([tmp_path], Engine(model), options)
        (f,) = report.files
        functions = [s.probability for s in f.spans if s.kind != "module"]
        module = [s.probability for s in f.spans if s.kind == "module"]
        runs[whole, modules] = (f.probability, functions, module, model.forward_calls)
    assert runs[True, True][0] is not None and runs[False, True][0] is None
    assert runs[True, True][2] and runs[True, True][2][0] is not None  # the module code is judged
    assert runs[False, False][2] == []  # ...and left out
    assert runs[True, True][1] == runs[False, True][1] == runs[False, False][1]
    assert all(p is not None for p in runs[True, True][1])
    assert runs[True, True][3] > runs[False, True][3] > runs[False, False][3]

    shown = json.loads(scan(str(tmp_path), "--model", str(tiny_model_dir), "--format", "json").stdout)
    assert shown["files"][0]["probability"] is not None


def test_thresholds_and_probabilities_share_one_precision(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    (tmp_path / "own.py").write_text(GENERATED["thing_pb2.py"])
    res = scan(str(tmp_path), "--model", str(tiny_model_dir), "--threshold", "0.123")
    summary = res.stdout.splitlines()[-1]
    assert "threshold 12.3%)" in summary
    line = next(x for x in res.stdout.splitlines() if "own.py:3-6:" in x)
    probability = line.split(": ", 1)[1].split()[0]
    assert probability.endswith("%") and len(probability.split(".")[1]) == 2  # "55.1%"


def test_a_generated_file_that_is_not_text_is_reported_as_generated(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    (tmp_path / "Any.php").write_bytes(
        b"<?php\n# Generated by the protocol buffer compiler.  DO NOT EDIT!\n$d = '\xff\xfe\x00';\n"
    )
    files = scan_json(tiny_model_dir, str(tmp_path))
    assert files["Any.php"]["error"] == "generated (protocol buffer compiler), not scored"
