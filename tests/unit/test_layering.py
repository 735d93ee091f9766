"""The architecture holds: `codeorigin.core` is pure logic, the runtime needs no torch."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CHECK = """
import sys
from pathlib import Path
import codeorigin.core.normalize, codeorigin.core.spans, codeorigin.core.verdicts, codeorigin.core.languages
import codeorigin.core.generated, codeorigin.core.suppressions, codeorigin.report.explanation
import codeorigin.report.hover_text, codeorigin.report.data, codeorigin.engine.judging
heavy = {"pygls", "lsprotocol", "onnxruntime", "torch", "transformers"}
print(sorted(m for m in heavy if m in sys.modules))
"""

# Every module of these packages, imported (a package's `__init__` imports none of its modules).
IMPORT_ALL = """
import importlib, pkgutil, sys
def import_all(*packages):
    for name in packages:
        package = importlib.import_module(name)
        for module in pkgutil.walk_packages(package.__path__, name + "."):
            if not module.name.endswith("__main__"):
                importlib.import_module(module.name)
"""

RUNTIME = (
    IMPORT_ALL
    + """
import_all("codeorigin.engine", "codeorigin.model", "codeorigin.report", "codeorigin.scan",
           "codeorigin.cli")
print("torch" in sys.modules or "transformers" in sys.modules)
"""
)


def test_core_imports_no_lsp_onnx_or_torch() -> None:
    out = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_runtime_needs_no_torch() -> None:
    out = subprocess.run(
        [sys.executable, "-c", RUNTIME], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


NO_RAY = (
    IMPORT_ALL
    + """
import_all("codeorigin.engine", "codeorigin.scan", "codeorigin.report", "codeorigin.cli")
import_all("codeorigin.distributed")  # imports Ray only inside its functions
import codeorigin.lsp.server
from codeorigin.cli import main
main(["scan", sys.argv[1], "--exit-zero", "--threads", "1"])
print("ray" in sys.modules)
"""
)


def test_ray_stays_optional(tmp_path: Path) -> None:
    """Ray (`scan --ray`) is an optional extra: neither the editor's path (the language server)
    nor a local scan imports it."""
    (tmp_path / "a.py").write_text("def f(a):\n    b = a + 1\n    c = b * 2\n    return c + a\n")
    out = subprocess.run(
        [sys.executable, "-c", NO_RAY, str(tmp_path)], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip().splitlines()[-1] == "False"
