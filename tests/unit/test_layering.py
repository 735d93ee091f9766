"""The architecture holds: `codeorigin.core` is pure logic, the runtime needs no torch."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CHECK = """
import sys
from pathlib import Path
import codeorigin.core.normalize, codeorigin.core.spans, codeorigin.core.verdicts, codeorigin.core.languages
import codeorigin.core.generated, codeorigin.core.suppressions, codeorigin.explanation
heavy = {"pygls", "lsprotocol", "onnxruntime", "torch", "transformers"}
print(sorted(m for m in heavy if m in sys.modules))
"""

RUNTIME = """
import sys
from pathlib import Path
import codeorigin.engine, codeorigin.cli, codeorigin.model.scorer, codeorigin.report, codeorigin.files
import codeorigin.scan, codeorigin.baseline
print("torch" in sys.modules or "transformers" in sys.modules)
"""


def test_core_imports_no_lsp_onnx_or_torch() -> None:
    out = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_runtime_needs_no_torch() -> None:
    out = subprocess.run(
        [sys.executable, "-c", RUNTIME], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


NO_RAY = """
import sys
from pathlib import Path
from pathlib import Path
import codeorigin.engine, codeorigin.cli, codeorigin.scan, codeorigin.report, codeorigin.repos
import codeorigin.distributed  # imports Ray only inside its functions
import codeorigin.lsp.server
from codeorigin.cli import main
main(["scan", sys.argv[1], "--exit-zero", "--threads", "1"])
print("ray" in sys.modules)
"""


def test_ray_stays_optional(tmp_path: Path) -> None:
    """Ray (`scan --ray`) is an optional extra: neither the editor's path (the language server)
    nor a local scan imports it."""
    (tmp_path / "a.py").write_text("def f(a):\n    b = a + 1\n    c = b * 2\n    return c + a\n")
    out = subprocess.run(
        [sys.executable, "-c", NO_RAY, str(tmp_path)], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip().splitlines()[-1] == "False"
