"""What each tree-sitter grammar calls a function, a binding, a class and a name: the node tables
that `spans` walks, and the two readers of names and values that need more than a table. Adding a
language to `languages` means adding its rows here and in `data/grammars.json`.

`data/grammars.json` holds each grammar's node types (`RULES`): "functions", nodes that are spans by
themselves; "classes", containers whose direct functions are methods; "declarations", nodes that
hold no code, left out of module code as classes are (C and C++ types, aliases and prototypes, so a
header of them is no script; TypeScript's interfaces, enums, type aliases, `declare ...` and
overloads' signatures); "bindings", nodes that bind a name to a value, with the fields holding the
name and the value (a name that is no field is the first child of that type: JavaScript's
`export default function () {}` is named `default`, as the module that imports it knows it;
C#'s `Func<int, int> Square = x => x * x;` holds its lambda in no field); "values", node types
that make a binding a span; "wrappers", nodes whose span is the function they wrap (a decorator,
a template); "extends", the grammar whose tables a grammar starts from (TypeScript from
JavaScript). A C# property, indexer or event, a Kotlin property and a Swift property are
functions only when they hold code (`function_code`): an accessor with a body, an expression
body, a computed or observed property. A C# `local_function_statement` at the top level of a
C# 9 program is a function. Kotlin's interfaces and enum classes and Swift's classes, structs,
enums, actors and extensions are all `class_declaration`s.
"""

from __future__ import annotations

import json
from pathlib import Path

from tree_sitter import Node


def _tables(path: Path) -> dict[str, dict[str, object]]:
    """The node tables of `path`: lists become sets, a binding's fields a tuple, and a grammar
    that "extends" another starts from its tables (its bindings added to the other's)."""
    rules: dict[str, dict[str, object]] = {}
    for language, spec in json.loads(path.read_text(encoding="utf-8")).items():
        table = dict(rules[spec["extends"]]) if "extends" in spec else {}
        for key, value in spec.items():
            if key == "bindings":
                base: dict[str, object] = table.get(key, {})  # type: ignore[assignment]
                table[key] = {**base, **{n: tuple(f) for n, f in value.items()}}
            elif key != "extends":
                table[key] = set(value) if isinstance(value, list) else value
        rules[language] = table
    return rules


RULES = _tables(Path(__file__).resolve().parent.parent / "data" / "grammars.json")

# Languages whose function nodes may have no body: an abstract or interface method (Java, PHP), a Go
# function written in assembly, a C++ `= default`/`= delete`. Such a declaration is no span.
BODY_REQUIRED = {"java", "php", "go", "c", "cpp"}
# Languages whose function nodes say where their code is through `function_code`: not always in a
# `body` field (a C# property's accessors, a Kotlin getter, a Swift computed property).
CODE_RULES = {"csharp", "kotlin", "swift"}

METHOD_TYPES = {"method_definition", "method_declaration", "constructor_declaration"}
NAME_TYPES = {
    "identifier",
    "field_identifier",
    "property_identifier",
    "private_property_identifier",
    "type_identifier",
    "qualified_identifier",
    "destructor_name",
    "operator_name",
    "name",
    "constant",
    "variable_name",
    "string",
    "simple_identifier",
}

# Function nodes named by a keyword rather than an identifier: the keyword is the name.
KEYWORD_NAMES = {
    "secondary_constructor": "constructor",  # Kotlin
    "anonymous_initializer": "init",
    "deinit_declaration": "deinit",  # Swift
    "subscript_declaration": "subscript",
    "indexer_declaration": "this",  # C#
}

# Nodes between a class and its methods: a method found under these is still a method.
CLASS_BODIES = {
    "class_body",
    "declaration_list",
    "field_declaration_list",
    "body_statement",
    "block",
    "enum_body",
    "enum_body_declarations",
    "interface_body",
    "class_body_declaration",
    "template_declaration",
    "declaration",
    "field_declaration",
    "decorated_definition",
    "export_statement",
    "public_field_definition",
    "field_definition",
    "access_specifier",
    "companion_object",  # Kotlin: its functions are the class's methods
    "enum_class_body",
    "protocol_body",
    "accessor_list",
    "variable_declaration",  # C#: a field's declarators
}

# Nodes that hold classes and are neither a class nor a function: a C++ namespace and its body,
# `extern "C" { }`, a Rust `mod`, a TypeScript `namespace`, a PHP namespace's braces.
CLASS_HOLDERS = {
    "namespace_definition",
    "preproc_ifdef",  # a C or C++ header's include guard, and what `#if` holds
    "preproc_if",
    "preproc_else",
    "preproc_elif",
    "declaration_list",
    "linkage_specification",
    "mod_item",
    "internal_module",
    "module",
    "statement_block",
    "expression_statement",
    "compound_statement",
    "namespace_declaration",  # C#: `namespace A { }` and `namespace A;`
    "file_scoped_namespace_declaration",
}

_PREAMBLE_PREFIXES = (
    "import ",
    "from ",
    "#include",
    "package ",
    "using ",
    "#",
    "//",
    "/*",
    "*",
    "require",
    "use ",
    "<?php",
    "declare(strict_types",  # PHP's first statement in most files
    "declare (strict_types",
    "?>",
    '"use strict"',
    "@file:",  # Kotlin's file annotations
    "[assembly:",  # C#'s assembly and module attributes
    "[module:",
    "'use strict'",
    "namespace ",  # the lines that open and close what holds classes (`CLASS_HOLDERS`)
    'extern "C"',
    "mod ",
    "pub mod ",
    "}",
)


def prototype(node: Node) -> bool:
    """Whether a C or C++ `declaration` declares without defining: every declarator a function's
    (`int area(int w, int h);`), or `extern` with no initial value (`extern int counter;`)."""
    if node.type != "declaration":
        return False
    declarators = node.children_by_field_name("declarator")
    if any(c.type == "storage_class_specifier" and c.text == b"extern" for c in node.children):
        return all(d.type != "init_declarator" for d in declarators)
    for d in declarators:
        while d.type in ("pointer_declarator", "reference_declarator") and d.named_child_count:
            d = d.named_children[-1]
        if d.type != "function_declarator":
            return False
    return bool(declarators)


def only_preamble(chunk: str) -> bool:
    """Whether a run of module-level lines holds only imports, includes, comments, the braces of a
    namespace and the like, which do not make a script."""
    return all(
        not line.strip() or line.strip() == "{" or line.strip().startswith(_PREAMBLE_PREFIXES)
        for line in chunk.splitlines()
    )


def _child(node: Node, types: set[str] | str) -> Node | None:
    wanted = {types} if isinstance(types, str) else types
    return next((c for c in node.named_children if c.type in wanted), None)


def function_code(node: Node, language: str) -> list[Node] | None:
    """The nodes that hold the code of a function node of C#, Kotlin or Swift (`CODE_RULES`): what
    the too-short guard counts. None when the node holds no code: an abstract or interface method,
    an auto-property (`{ get; set; }`), a Kotlin property without a getter or setter body, a Swift
    stored property; such a node is no span (a property may still be a binding: `val f = { }`)."""
    t = node.type
    if language == "csharp" and t in ("property_declaration", "indexer_declaration",
                                      "event_declaration"):  # fmt: skip
        value = node.child_by_field_name("value")
        if value is not None and value.type == "arrow_expression_clause":
            return [value]  # `public string Name => $"{First} {Last}";`
        accessors = node.child_by_field_name("accessors")
        if accessors is not None and any(
            a.child_by_field_name("body") is not None for a in accessors.named_children
        ):
            return [accessors]
        return None
    if language == "kotlin":
        if t == "property_declaration":
            bodies = [
                body
                for accessor in node.named_children
                if accessor.type in ("getter", "setter")
                and (body := _child(accessor, "function_body")) is not None
            ]
            return bodies or None
        body = _child(node, {"function_body", "block"})
        return [body] if body is not None else None
    if language == "swift":
        if t == "property_declaration":
            code = node.child_by_field_name("computed_value") or _child(
                node, "willset_didset_block"
            )
            return [code] if code is not None else None
        if t == "subscript_declaration":
            code = _child(node, "computed_property")
            return [code] if code is not None else None
    body = node.child_by_field_name("body")
    return [body] if body is not None else None


# C# members named by a field and a form: `~Ledger`, `operator +`, `operator int`.
_CSHARP_NAMED = {
    "destructor_declaration": ("name", "~{}"),
    "operator_declaration": ("operator", "operator {}"),
    "conversion_operator_declaration": ("type", "operator {}"),
}


def function_name(node: Node, language: str) -> tuple[Node | None, str | None]:
    """The name node of a C#, Kotlin or Swift function node and, where it differs from the node's
    text, the name (`operator +`); (None, None) when the generic rule applies."""
    t = node.type
    if t in KEYWORD_NAMES:
        keyword = KEYWORD_NAMES[t]
        return next((c for c in node.children if c.type == keyword), None), keyword
    if language == "csharp" and t in _CSHARP_NAMED:
        field, form = _CSHARP_NAMED[t]
        named = node.child_by_field_name(field)
        said = named.text.decode("utf-8", "replace") if named is not None and named.text else ""
        return named, form.format(said)
    if language == "kotlin" and t == "property_declaration":
        declared = _child(node, "variable_declaration")
        return (_child(declared, "identifier") if declared is not None else None), None
    if language == "swift" and t == "property_declaration":
        pattern = node.child_by_field_name("name")
        bound = pattern.child_by_field_name("bound_identifier") if pattern is not None else None
        return bound or pattern, None
    return None, None


def block_function(value: Node, source: bytes) -> bool:
    """Whether a bound value is Ruby's `lambda do ... end`, `proc { }` or `Proc.new { }`: a call
    with a block that makes a function, as `->(x) { }` (a `lambda` node) does."""
    if value.type != "call" or value.child_by_field_name("block") is None:
        return False
    words = tuple(
        source[n.start_byte : n.end_byte] if n is not None else b""
        for n in (value.child_by_field_name("receiver"), value.child_by_field_name("method"))
    )
    return words in ((b"", b"lambda"), (b"", b"proc"), (b"Proc", b"new"))


# GoogleTest's test macros (also CppUTest's `TEST`): `TEST(Suite, Name) { }` in C++
# parses as a function named `TEST`; the case is named `Suite.Name`, as gtest prints it.
TEST_MACROS = frozenset({b"TEST", b"TEST_F", b"TEST_P", b"TYPED_TEST", b"TYPED_TEST_P"})


def gtest_case(node: Node, source: bytes) -> tuple[Node, str] | None:
    """(the macro's call, `Suite.Name`) when a C++ `function_definition` is a test macro's case
    (no return type, two plain names as its arguments), else None."""
    decl = node.child_by_field_name("declarator")
    if node.child_by_field_name("type") is not None or decl is None:
        return None
    macro, args = decl.child_by_field_name("declarator"), decl.child_by_field_name("parameters")
    if decl.type != "function_declarator" or macro is None or args is None:
        return None
    if macro.type != "identifier" or source[macro.start_byte : macro.end_byte] not in TEST_MACROS:
        return None
    names = [
        source[a.start_byte : a.end_byte].decode("utf-8", "replace") for a in args.named_children
    ]
    if len(names) != 2 or not all(n.isidentifier() for n in names):
        return None
    return decl, ".".join(names)


def declarator_name(node: Node) -> Node | None:
    """The identifier inside a C/C++ declarator chain (`int *(*f)(void)` → `f`)."""
    seen = 0
    cur: Node | None = node
    while cur is not None and seen < 64:
        seen += 1
        if cur.type in NAME_TYPES:
            return cur
        nxt = cur.child_by_field_name("declarator")
        if nxt is None:
            for child in cur.named_children:
                if child.type in NAME_TYPES or "declarator" in child.type:
                    nxt = child
                    break
        cur = nxt
    return None


#: The languages whose test cases are spans of their own (`test_case`): mocha's, Jest's and
#: Vitest's `it("...", () => {...})` and `test("...", ...)`.
TEST_CASE_LANGUAGES = frozenset({"javascript", "typescript", "typescriptreact"})
TEST_CASE_CALLS = frozenset({b"it", b"test"})
_CASE_FUNCTIONS = frozenset({"arrow_function", "function_expression", "function"})
_CASE_NAMES = frozenset({"string", "template_string", "identifier", "member_expression"})


def _case_callee(node: Node | None, source: bytes) -> bool:
    """Whether a callee is `it`/`test`, as such or through members and a call: `it.only`,
    `test.concurrent.skip`, `it.each(table)`, ``test.each`...` ``."""
    while node is not None and node.type in ("member_expression", "call_expression"):
        node = node.child_by_field_name(
            "object" if node.type == "member_expression" else "function"
        )
    return (node is not None and node.type == "identifier"
            and source[node.start_byte : node.end_byte] in TEST_CASE_CALLS)  # fmt: skip


def test_case(node: Node, source: bytes) -> tuple[Node, str, Node] | None:
    """(its name's node, its name, its function) when a `call_expression` is a test case: `it` or
    `test` called with a name (a string, a template or a name) first and a function last; else
    None. `regex.test(s)` and `describe(...)` are none."""
    if node.type != "call_expression" or not _case_callee(
        node.child_by_field_name("function"), source
    ):
        return None
    args = node.child_by_field_name("arguments")
    given = [a for a in args.named_children if a.type != "comment"] if args is not None else []
    if len(given) < 2 or given[0].type not in _CASE_NAMES:
        return None
    body = next((a for a in reversed(given[1:]) if a.type in _CASE_FUNCTIONS), None)
    if body is None:
        return None
    name = " ".join(
        source[given[0].start_byte : given[0].end_byte].decode("utf-8", "replace").split()
    )
    if given[0].type in ("string", "template_string"):
        name = name[1:-1]
    return given[0], (name[:77] + "...") if len(name) > 80 else name, body
