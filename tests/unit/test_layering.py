"""The architecture holds: `codeorigin.core` is pure logic, the runtime needs no torch."""

from __future__ import annotations

import subprocess
import sys

CHECK = """
import sys
import codeorigin.core.normalize, codeorigin.core.spans, codeorigin.core.verdicts, codeorigin.core.languages
import codeorigin.core.generated, codeorigin.core.suppressions, codeorigin.explanation
heavy = {"pygls", "lsprotocol", "onnxruntime", "torch", "transformers"}
print(sorted(m for m in heavy if m in sys.modules))
"""

RUNTIME = """
import sys
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
