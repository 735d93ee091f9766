"""No import cycle inside `server/` or `training/`: a module never imports, directly or through
others, a module that imports it back (imports inside functions count too: a lazy import hides a
cycle from the interpreter, not from the reader). The server's packages are floors, each importing
only the ones below it (`FLOORS`); the training tree's are stages, each importing only earlier ones
(`STAGES`)."""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = {
    "server": ROOT / "server" / "codeorigin",
    "training": ROOT / "training" / "codeorigin_train",
}


def _module_name(path: Path, package_dir: Path) -> str:
    parts = [package_dir.name, *path.relative_to(package_dir).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported(tree: ast.AST, module: str, is_package: bool) -> set[tuple[str, str | None]]:
    """Every import statement anywhere in the module, as (module, name): `import a.b` is
    ("a.b", None), `from pkg import name` is ("pkg", "name") (relative ones resolved)."""
    here = module if is_package else module.rsplit(".", 1)[0]
    out: set[tuple[str, str | None]] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update((a.name, None) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = here.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            out.update((base, a.name) for a in node.names)
    return out


def import_graph(package_dir: Path) -> dict[str, set[str]]:
    """Module -> the modules of the same package it imports. `from pkg import name` is an edge
    to `pkg.name` when that is a module, else to `pkg` (whose `__init__` defines the name): a
    module that takes a sibling module from its package no more depends on the package's
    `__init__` than `from pkg.sibling import x` does."""
    files = {
        _module_name(p, package_dir): p
        for p in package_dir.rglob("*.py")
        if "__pycache__" not in p.parts
    }
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        targets = set()
        for base, imported in _imported(tree, name, path.name == "__init__.py"):
            full = f"{base}.{imported}" if imported else base
            targets.add(full if full in files else base)
        graph[name] = {t for t in targets if t in files and t != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_cycle_finder_finds_a_cycle_and_only_cycles() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_relative_and_lazy_imports_are_edges(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "a.py").write_text("def f():\n    from pkg.sub import b\n")
    (pkg / "sub" / "b.py").write_text("from .. import a\n")
    assert cycles(import_graph(pkg)) == [["pkg.a", "pkg.sub.b"]]


def test_a_sibling_module_taken_from_its_package_is_an_edge_to_it_alone(tmp_path: Path) -> None:
    """A package whose `__init__` runs its modules (`main` dispatching to them) makes no cycle
    with a module that takes a sibling by `from pkg import sibling`; one that takes a name the
    `__init__` defines does."""
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("def main():\n    from pkg import a\n\nVERSION = 1\n")
    (pkg / "a.py").write_text("from pkg import b\n")
    (pkg / "b.py").write_text("x = 1\n")
    graph = import_graph(pkg)
    assert graph["pkg.a"] == {"pkg.b"} and cycles(graph) == []
    (pkg / "b.py").write_text("from pkg import VERSION\n")
    assert cycles(import_graph(pkg)) == [["pkg", "pkg.a", "pkg.b"]]


@pytest.mark.parametrize("tree", ["server", "training"])
def test_no_import_cycle(tree: str) -> None:
    found = cycles(import_graph(PACKAGES[tree]))
    assert not found, f"import cycles in {tree}/: " + "; ".join(" <-> ".join(c) for c in found)


def test_language_server_features_import_no_other_feature_and_not_the_assembly() -> None:
    """A feature of the language server (`lsp/features/`) knows the server through `lsp.state`
    and its words through `lsp.vocabulary`: it imports no other feature, and only the entry points
    import `lsp.server`, which lists the features."""
    graph = import_graph(PACKAGES["server"])
    prefix = "codeorigin.lsp.features."
    features = {m for m in graph if m.startswith(prefix)}
    assert len(features) >= 10
    for module in sorted(features):
        others = sorted(t for t in graph[module] if t in features)
        assert not others, f"{module} imports the feature(s) {others}"
    importers = sorted(m for m, targets in graph.items() if "codeorigin.lsp.server" in targets)
    assert importers == ["codeorigin.cli", "codeorigin.lsp.__main__"]


# The training tree's stages, in the order the data flows (`codeorigin_train/__init__.py`).
STAGES = ("data", "fit", "evaluation", "export", "variants", "card", "analysis")
# What an earlier stage may import of a later one: each package's docstring names it.
INTERFACES = {
    "codeorigin_train.variants": "the Variant interface: a package file that imports nothing",
    "codeorigin_train.variants.base": "the Variant interface",
    "codeorigin_train.variants.registry": "variant name -> module",
    "codeorigin_train.analysis.coderep": "the code representation (variants.coderep)",
    "codeorigin_train.card.metrics": "write_metrics_and_card, the card's entry (export.shipping)",
}


def _stage(module: str) -> int | None:
    parts = module.split(".")
    return STAGES.index(parts[1]) if len(parts) > 1 and parts[1] in STAGES else None


def late_imports(graph: dict[str, set[str]]) -> list[str]:
    """The imports of a stage's module that reach a later stage other than through its interface,
    or the top level (the command line)."""
    wrong = []
    for module, targets in sorted(graph.items()):
        here = _stage(module)
        if here is None:
            continue
        for target in sorted(targets):
            there = _stage(target)
            if there is None:
                wrong.append(f"{module} -> {target} (the top level)")
            elif there > here and target not in INTERFACES:
                wrong.append(f"{module} -> {target}")
    return wrong


def top_level_holds(top: Path, modules: list[str], packages: Iterable[str]) -> None:
    """`top` holds these modules and these packages only, each package's `__init__` saying in
    its docstring what goes in and what comes out."""
    assert sorted(p.name for p in top.glob("*.py")) == modules
    assert {p.name for p in top.iterdir() if (p / "__init__.py").is_file()} == set(packages)
    for package in packages:
        init = ast.parse((top / package / "__init__.py").read_text(encoding="utf-8"))
        assert ast.get_docstring(init), f"{package}/__init__.py says what goes in and comes out"


def test_the_training_top_level_holds_only_the_command_line_and_the_stages() -> None:
    top_level_holds(
        PACKAGES["training"], ["__init__.py", "__main__.py", "cli.py", "cli_parser.py"], STAGES
    )


def test_a_training_stage_imports_a_later_one_only_through_its_interface() -> None:
    wrong = late_imports(import_graph(PACKAGES["training"]))
    assert not wrong, "a stage imports a later one: " + "; ".join(wrong)


def test_the_stage_order_check_sees_a_late_import_and_allows_an_interface(tmp_path: Path) -> None:
    pkg = tmp_path / "codeorigin_train"
    for stage in ("data", "variants", "card"):
        (pkg / stage).mkdir(parents=True)
        (pkg / stage / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "data" / "a.py").write_text("def f():\n    from codeorigin_train.card import b\n")
    (pkg / "card" / "b.py").write_text("from codeorigin_train.variants import base\n")
    (pkg / "variants" / "base.py").write_text("from codeorigin_train.data import a\n")
    assert late_imports(import_graph(pkg)) == ["codeorigin_train.data.a -> codeorigin_train.card.b"]


def _reach(graph: dict[str, set[str]], roots: list[str]) -> set[str]:
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            todo.extend(graph.get(module, ()))
    return seen


# The server's packages, bottom up, each with the packages below it that it may import (anything
# of; `codeorigin` itself, which holds `__version__`, is open to all). The data flows up: source
# text through `engine` (spans judged by the `model`) into `report`'s data, which `scan` fills for
# files, folders and changes; `distributed` runs the same scan on Ray; the language server (`lsp`)
# and the benchmark (`bench`) stand beside it, and the command line (`cli`) over all of them.
FLOORS: dict[str, tuple[str, ...]] = {
    "core": (),
    "model": ("core",),
    "engine": ("core", "model"),
    "report": ("core", "model", "engine"),
    "scan": ("core", "model", "engine", "report"),
    "distributed": ("core", "model", "engine", "report", "scan"),
    # Beside `distributed` and `bench`: the editor's path imports neither Ray nor the benchmark.
    "lsp": ("core", "model", "engine", "report", "scan"),
    # Drives the language server over stdio only: it imports none of `lsp`.
    "bench": ("core", "model", "engine", "report", "scan", "distributed"),
    "cli": ("core", "model", "engine", "report", "scan", "distributed", "lsp", "bench"),
}


def _floor(module: str) -> str | None:
    """The server package a module belongs to (`codeorigin.__main__` is the command line's), or
    None for `codeorigin` itself."""
    parts = module.split(".")
    if len(parts) == 1:
        return None
    return "cli" if parts[1] == "__main__" else parts[1]


def floor_violations(graph: dict[str, set[str]]) -> list[str]:
    """The imports that reach a package not below the importer's, or a module in no package."""
    wrong = []
    for module, targets in sorted(graph.items()):
        here = _floor(module)
        for target in sorted(targets):
            there = _floor(target)
            if here is None and there is not None:
                wrong.append(f"{module} -> {target} (the top package imports nothing)")
            elif there is not None and there != here and there not in FLOORS.get(here or "", ()):
                wrong.append(f"{module} -> {target}")
    return wrong


def test_the_server_top_level_holds_only_its_packages() -> None:
    """`server/codeorigin/` is the entry points and a package per floor, each saying in its
    `__init__` docstring what comes in and what goes out; a new package must take its place in
    `FLOORS`."""
    top_level_holds(PACKAGES["server"], ["__init__.py", "__main__.py"], FLOORS)


def test_a_server_package_imports_only_the_floors_below_it() -> None:
    wrong = floor_violations(import_graph(PACKAGES["server"]))
    assert not wrong, "a package imports one above or beside it: " + "; ".join(wrong)


def test_the_floor_check_sees_an_import_upward_or_sideways(tmp_path: Path) -> None:
    pkg = tmp_path / "codeorigin"
    for package in ("engine", "scan", "lsp", "bench"):
        (pkg / package).mkdir(parents=True)
        (pkg / package / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("__version__ = '0'\n")
    (pkg / "engine" / "a.py").write_text("def f():\n    from codeorigin.scan import b\n")
    (pkg / "scan" / "b.py").write_text(
        "from codeorigin.engine import a\nfrom codeorigin import __version__\n"
    )
    (pkg / "lsp" / "c.py").write_text("from codeorigin.bench import d\n")
    (pkg / "bench" / "d.py").write_text("from codeorigin.scan.b import x\n")
    assert floor_violations(import_graph(pkg)) == [
        "codeorigin.engine.a -> codeorigin.scan.b",
        "codeorigin.lsp.c -> codeorigin.bench.d",
    ]


def test_the_editor_scores_documents_itself_and_only_the_bench_command_imports_the_bench() -> None:
    """The language server judges open documents through `engine`: of `scan` it reads the
    project's settings, the baseline and git, never the batch scan's runner (`options`,
    `reading`, `scoring`, `local`). Only the `bench` command (`cli.bench`) imports the benchmark."""
    graph = import_graph(PACKAGES["server"])
    runner = {f"codeorigin.scan.{m}" for m in ("options", "reading", "scoring", "local")}
    assert runner <= set(graph)
    lsp = [m for m in graph if m.startswith("codeorigin.lsp")]
    assert len(lsp) >= 10
    assert not _reach(graph, lsp) & runner, sorted(_reach(graph, lsp) & runner)
    bench = {m for m in graph if m == "codeorigin.bench" or m.startswith("codeorigin.bench.")}
    assert len(bench) >= 6
    importers = sorted(m for m, targets in graph.items() if m not in bench and targets & bench)
    assert importers == ["codeorigin.cli.bench"]
