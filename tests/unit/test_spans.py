"""Spans on the real tree-sitter grammars: names, kinds, ranges, for every supported language."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codeorigin.core import languages
from codeorigin.core.resync import find_spans
from codeorigin.core.spans import extract_spans

CASES = {
    "python": (
        "import sys\n\n@cache\ndef top(a):\n    def inner():\n        pass\n    return a\n\n"
        "class K:\n    def method(self):\n        return 1\n\nsquare = lambda x: x * x\n",
        [("top", "function"), ("method", "method"), ("square", "function")],
    ),
    "java": (
        "class A {\n  A() { }\n  int f(int x) { Runnable r = () -> {}; return x; }\n}\n",
        [("A", "method"), ("f", "method")],
    ),
    "c": (
        "static int *foo(int a) { return 0; }\nint main(void) { return foo(1) != 0; }\n",
        [("foo", "function"), ("main", "function")],
    ),
    "cpp": (
        "int main() { auto f = [](int a){ return a; }; return 0; }\n"
        "struct S { void m() {} };\nvoid S::q() {}\ntemplate<class T> T id(T x) { return x; }\n",
        [("main", "function"), ("m", "method"), ("S::q", "method"), ("id", "function")],
    ),
    "javascript": (
        "function a() {}\nconst b = () => 1;\nclass C { m() {} f = () => 2; }\n"
        "const o = { k: () => 3 };\n",
        [("a", "function"), ("b", "function"), ("m", "method"), ("f", "method"), ("k", "method")],
    ),
    "typescript": (
        "function a(x: number): number { return x }\n"
        "class C { private f = (y: string) => y; m(): void {} }\n",
        [("a", "function"), ("f", "method"), ("m", "method")],
    ),
    "typescriptreact": (
        "export function App(): JSX.Element { return <div/>; }\n",
        [("App", "function")],
    ),
    "go": (
        "package main\nfunc main() {}\nfunc (r T) M() {}\nfunc g() { h := func() {}; _ = h }\n",
        [("main", "function"), ("M", "method"), ("g", "function")],
    ),
    "rust": (
        "fn main() { let c = |x| x + 1; }\nimpl S { fn m(&self) {} }\n",
        [("main", "function"), ("m", "method")],
    ),
    "ruby": (
        "def f\n  1\nend\nclass K\n  def m\n  end\n  def self.s\n  end\nend\n",
        [("f", "function"), ("m", "method"), ("s", "method")],
    ),
    "php": (
        "<?php\nfunction f() {}\nclass K { public function m() {} }\n$g = fn($x) => $x;\n",
        [("f", "function"), ("m", "method"), ("$g", "function")],
    ),
    "csharp": (
        "class A {\n  A() { }\n  int F(int x) { Func<int,int> g = y => y; return x; }\n"
        "  int P { get; set; }\n  abstract void Q();\n}\n",
        [("A", "method"), ("F", "method")],
    ),
    "kotlin": (
        "fun f() {}\nclass K {\n    fun m() {}\n}\nval g = { x: Int -> x }\n",
        [("f", "function"), ("m", "method"), ("g", "function")],
    ),
    "swift": (
        "func f() {}\nclass K {\n    func m() {}\n}\nlet g = { (x: Int) in x }\n",
        [("f", "function"), ("m", "method"), ("g", "function")],
    ),
}


@pytest.mark.parametrize("language", sorted(CASES))
def test_functions_methods_and_named_lambdas(language: str) -> None:
    src, expected = CASES[language]
    spans = [s for s in extract_spans(src, language, min_lines=50) if s.kind != "module"]
    assert [(s.name, s.kind) for s in spans] == expected
    for s in spans:
        assert src[s.name_start : s.name_end] == s.name
        assert s.start <= s.name_start < s.name_end <= s.end


def test_every_supported_language_has_a_case() -> None:
    assert set(CASES) == set(languages.LANGUAGES)


def test_nested_functions_belong_to_the_enclosing_span() -> None:
    src = "def outer():\n    def inner():\n        return 1\n    return inner\n"
    spans = extract_spans(src, "python")
    assert [s.name for s in spans] == ["outer"]
    assert src[spans[0].start : spans[0].end].endswith("return inner")


def test_decorators_are_part_of_the_span() -> None:
    src = "@a\n@b(1)\ndef f():\n    pass\n"
    (span,) = extract_spans(src, "python")
    assert span.start == 0 and src[span.name_start : span.name_end] == "f"


def test_module_span_for_scripts_only_with_enough_lines() -> None:
    script = (
        "import sys\nn = int(input())\nxs = list(map(int, input().split()))\nprint(sum(xs) * n)\n"
    )
    spans = extract_spans(script, "python", min_lines=3)
    assert [(s.name, s.kind) for s in spans] == [("<module>", "module")]
    assert extract_spans(script, "python", min_lines=10) == []
    # Module-level lines exclude functions and classes.
    mixed = "x = 1\ny = 2\ndef f():\n    return 3\nz = f()\nprint(z)\n"
    spans = extract_spans(mixed, "python", min_lines=3)
    module = next(s for s in spans if s.kind == "module")
    assert "def f" not in module.text(mixed)
    assert module.text(mixed) == "x = 1\ny = 2\nz = f()\nprint(z)\n"


def test_imports_alone_are_not_a_module_span() -> None:
    src = "import a\nimport b\nfrom c import d\n# a comment\n"
    assert extract_spans(src, "python", min_lines=2) == []


def test_ranges_are_exact_with_crlf_tabs_and_non_ascii() -> None:
    src = "# héllo wörld 😀\r\ndef naïve(x):\r\n\treturn 'ü' + x\r\n\r\ndef zweite(y):\r\n\treturn y\r\n"
    spans = extract_spans(src, "python")
    assert [s.name for s in spans] == ["naïve", "zweite"]
    for s in spans:
        assert src[s.name_start : s.name_end] == s.name
    assert src[spans[0].start : spans[0].end] == "def naïve(x):\r\n\treturn 'ü' + x"


def test_broken_syntax_still_gives_the_spans_that_parse() -> None:
    src = (
        "def good(a):\n    return a\n\ndef broken(:\n    return (\n\ndef later(b):\n    return b\n"
    )
    names = [s.name for s in extract_spans(src, "python")]
    assert "good" in names and "later" in names


def test_unknown_language_is_an_error() -> None:
    with pytest.raises(ValueError):
        extract_spans("x", "cobol")


def test_deeply_nested_code_does_not_overflow() -> None:
    depth = 400
    src = "function f() {\n" + "if (a) {\n" * depth + "x();\n" + "}\n" * depth + "}\n"
    (span,) = extract_spans(src, "javascript")
    assert span.name == "f"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(sorted(languages.LANGUAGES)),
    st.text(alphabet=st.sampled_from(list("def fn(){}:;=>\n\r\t x_éλ😀'\"#/*")), max_size=300),
)
def test_span_extraction_never_raises_and_stays_inside_the_document(
    language: str, src: str
) -> None:
    # The spans found again after a syntax error (`core.resync`) hold the same promises.
    for found in (
        extract_spans(src, language, min_lines=1),
        find_spans(src, language, min_lines=1),
    ):
        for s in found:
            assert 0 <= s.start <= s.name_start <= s.name_end <= len(src)
            assert s.start < s.end <= len(src)
            for a, b in s.segments:
                assert 0 <= a < b <= len(src)
        assert found == sorted(found, key=lambda s: (s.start, s.end))


def test_a_method_is_normalised_like_the_same_function_at_top_level() -> None:
    from codeorigin.core.normalize import normalize

    src = "class K:\n    def m(self):\n        if self:\n            return 1\n"
    (span,) = extract_spans(src, "python")
    top = "def m(self):\n    if self:\n        return 1\n"
    assert normalize(span.text(src)).text == normalize(top).text
    assert src[span.name_start : span.name_end] == "m"


@pytest.mark.parametrize(
    ("language", "src"),
    [
        (
            "cpp",
            "#include <vector>\nnamespace app {\nclass Matrix {\npublic:\n    Matrix(int r) : r_(r) {}\n"
            "    int rows() const { return r_; }\nprivate:\n    int r_;\n    int c_;\n};\n}\n",
        ),
        (
            "cpp",
            'extern "C" {\nstruct Point {\n    int x;\n    int y;\n    int z;\n    int w;\n};\n}\n',
        ),
        (
            "typescript",
            'namespace shapes {\n  export class Circle {\n    radius = 1;\n    color = "red";\n'
            "    area(): number { return 3.14 * this.radius ** 2; }\n  }\n}\n",
        ),
        (
            "php",
            "<?php\nnamespace App {\n  class User {\n    public $name;\n    public $email;\n"
            '    function greet() { return "hi " . $this->name; }\n  }\n}\n',
        ),
    ],
    ids=["cpp-namespace", "cpp-extern-c", "ts-namespace", "php-namespace"],
)
def test_a_class_in_a_namespace_is_no_module_code(language: str, src: str) -> None:
    """A class's fields, access specifiers and braces are not script code when a namespace (or
    `extern "C"`) holds the class, as they are not when it stands at the top: no `module` span
    is made of them and the namespace's own lines."""
    spans = extract_spans(src, language, min_lines=1)
    assert all(s.kind != "module" for s in spans), [(s.name, s.segments) for s in spans]


@pytest.mark.parametrize(
    ("language", "src"),
    [
        (
            "javascript",
            "import x from 'x';\n\nexport default function (req, res) {\n  return x;\n}\n",
        ),
        (
            "javascript",
            "import x from 'x';\n\nexport default async (req, res) => {\n  return x;\n};\n",
        ),
        (
            "typescript",
            "import x from 'x';\n\nexport default function* (n: number) {\n  yield x;\n}\n",
        ),
        (
            "typescriptreact",
            "import x from 'x';\n\nexport default () => {\n  return <b>{x}</b>;\n};\n",
        ),
    ],
    ids=["js-function", "js-arrow", "ts-generator", "tsx-component"],
)
def test_an_anonymous_default_export_is_a_function_named_default(language: str, src: str) -> None:
    """`export default function () {}` (a Next.js route, a React component) is a function span,
    named `default`, from `export` on; it was module code (one `<module>` span of lines 1-5)."""
    spans = extract_spans(src, language, min_lines=1)
    assert [(s.name, s.kind) for s in spans] == [("default", "function")]
    (span,) = spans
    assert src[span.start :].startswith("export default") and src[span.end - 1] in "};"
    assert src[span.name_start : span.name_end] == "default"


@pytest.mark.parametrize(
    ("language", "src", "names"),
    [
        (
            "java",
            "abstract class Shape {\n  abstract double area();\n  native int id();\n"
            "  double twice() {\n    return 2 * area();\n  }\n}\n"
            "interface Named {\n  String name();\n  default String hi() {\n    return name();\n  }\n}\n",
            ["twice", "hi"],
        ),
        (
            "php",
            "<?php\ninterface Finder {\n    public function find(int $id);\n}\n"
            "abstract class Base {\n    abstract protected function table(): string;\n"
            "    public function all() {\n        return $this->table();\n    }\n}\n",
            ["all"],
        ),
        (
            "cpp",
            "struct A {\n  A() = default;\n  A(const A&) = delete;\n  virtual int f() = 0;\n"
            "  int g() {\n    return f();\n  }\n};\n",
            ["g"],
        ),
        (
            "go",
            "package m\n\nfunc add(a, b int) int\n\nfunc sub(a, b int) int {\n\treturn a - b\n}\n",
            ["sub"],
        ),
    ],
    ids=[
        "java-abstract-interface-native",
        "php-abstract-interface",
        "cpp-default-delete",
        "go-asm",
    ],
)
def test_a_declaration_without_a_body_is_no_span(language: str, src: str, names: list[str]) -> None:
    """An abstract or interface method is a declaration, as a TypeScript overload or a Rust trait
    method is: no span (they were `too_short` spans, counted among the spans not judged)."""
    spans = extract_spans(src, language, min_lines=50)
    assert [s.name for s in spans] == names


def test_a_php_files_strict_types_declaration_is_preamble() -> None:
    """`declare(strict_types=1);` opens most modern PHP files: with `namespace` and `use` it was a
    `<module>` span of lines 1-6 above every class; it is preamble, as `use` is."""
    src = (
        "<?php\ndeclare(strict_types=1);\n\nnamespace App\\Repo;\n\nuse App\\Model\\User;\n\n"
        "final class Repo\n{\n    public function find(int $id): ?User\n    {\n"
        "        return $this->db->find($id);\n    }\n}\n"
    )
    spans = extract_spans(src, "php", min_lines=3)
    assert [(s.name, s.kind) for s in spans] == [("find", "method")]
    script = src.replace("final class", "$repo = new Repo();\necho $repo->find(1);\nfinal class")
    assert "<module>" in [s.name for s in extract_spans(script, "php", min_lines=3)]


def test_typescript_declarations_are_no_module_code() -> None:
    """Interfaces, enums, type aliases, `declare` blocks and overload signatures hold no code (a
    Java or PHP interface or enum is a class): a `.d.ts` file has no span, where it was one
    `<module>` span of all its lines, and a script's module span is its statements alone."""
    dts = (
        "export interface Request {\n  json(): Promise<unknown>;\n  url: string;\n}\n"
        "export declare function fetchAll(urls: string[]): Promise<Request[]>;\n"
        "declare module 'x' {\n  export function y(): void;\n}\n"
        "export type Id = string | number;\nexport enum Dir {\n  Up,\n  Down,\n}\n"
        "export function parse(input: string): number;\nexport function parse(input: number): number;\n"
    )
    assert extract_spans(dts, "typescript", min_lines=1) == []
    script = dts + "const n = parse('1');\nconsole.log(n);\n"
    (module,) = extract_spans(script, "typescript", min_lines=1)
    assert module.kind == "module"
    assert module.text(script) == "const n = parse('1');\nconsole.log(n);\n"


def test_ruby_lambdas_and_procs_with_a_block_are_named_functions() -> None:
    """`f = lambda do |x| ... end`, `proc { }` and `Proc.new { }` are Ruby's named lambdas, as
    `->(x) { }` is: each a function span (they were module code)."""
    src = (
        "formatter = lambda do |name|\n  name.strip.upcase\nend\n"
        "double = proc { |x| x * 2 }\nlater = Proc.new do |y|\n  y + 1\nend\n"
        "arrow = ->(z) { z - 1 }\nlist = items.map do |i|\n  i * 2\nend\n"
    )
    spans = extract_spans(src, "ruby", min_lines=50)
    names = [(s.name, s.kind) for s in spans]
    assert names == [(n, "function") for n in ("formatter", "double", "later", "arrow")]
    assert src[spans[0].start : spans[0].end].endswith("upcase\nend")


HEADER = (
    "#ifndef GEOM_H\n#define GEOM_H\n#include <string>\n\nnamespace geom {\n"
    "enum class Color { Red, Green };\nusing Name = std::string;\ntypedef int Count;\n"
    "double distance(double a, double b);\nstd::string *describe(int p);\n"
    "template <typename T> T twice(T v);\nextern int counter;\n"
    "class Polygon {\npublic:\n    explicit Polygon(int sides);\n    double area() const;\n"
    "private:\n    int sides_;\n};\n}  // namespace geom\n\n#endif\n"
)


def test_a_c_or_cpp_header_of_declarations_is_no_module_code() -> None:
    """Types, aliases, functions' declarations and `extern` variables hold no code, also under an
    include guard: a header of them has no span (it was one `<module>` span of all its lines,
    scored as script code), while a global variable with its value still is module code."""
    assert extract_spans(HEADER, "cpp", min_lines=1) == []
    c_header = (
        "#ifndef STACK_H\n#define STACK_H\ntypedef struct stack {\n  int *items;\n  int size;\n"
        "} stack;\nstruct node { int value; };\nint push(stack *s, int v);\n"
        "extern const char *names[];\n#endif\n"
    )
    assert extract_spans(c_header, "c", min_lines=1) == []
    program = HEADER.replace("#endif\n", "int table[100005];\nstatic int limit = 10;\n#endif\n")
    (module,) = extract_spans(program, "cpp", min_lines=1)
    assert module.kind == "module"
    assert "int table[100005];\nstatic int limit = 10;\n" in module.text(program)
    assert "distance" not in module.text(program) and "sides_" not in module.text(program)


def test_googletest_cases_are_named_as_gtest_prints_them() -> None:
    """`TEST(MathTest, Adds) { }` parses as a function named `TEST`: every case of a test file
    was `TEST`. Each is named `Suite.Name`; a real function named `TEST` keeps its name."""
    src = (
        "#include <gtest/gtest.h>\n"
        "TEST(MathTest, Adds) {\n    EXPECT_EQ(1 + 2, 3);\n}\n"
        "TEST_F(Fixture, Resets) {\n    EXPECT_TRUE(reset());\n}\n"
        "namespace {\nTEST_P(Param, Holds) {\n    EXPECT_TRUE(GetParam());\n}\n}\n"
        "TYPED_TEST(Typed, Works) {\n    EXPECT_TRUE(true);\n}\n"
        "int TEST(int a, int b) {\n    return a + b;\n}\n"
    )
    spans = extract_spans(src, "cpp")
    assert [s.name for s in spans] == [
        "MathTest.Adds",
        "Fixture.Resets",
        "Param.Holds",
        "Typed.Works",
        "TEST",
    ]
    first = spans[0]
    assert src[first.name_start : first.name_end] == "TEST(MathTest, Adds)"
