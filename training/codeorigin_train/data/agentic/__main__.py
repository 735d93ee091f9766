"""`python -m codeorigin_train.data.agentic` = `codeorigin-train agentic`."""

from codeorigin_train.cli import module_entry
from codeorigin_train.data.agentic.build import main

raise SystemExit(module_entry("codeorigin_train.data.agentic", main))
