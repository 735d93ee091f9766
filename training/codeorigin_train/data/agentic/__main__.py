"""`python -m codeorigin_train.data.agentic` = `codeorigin-train agentic`."""

from codeorigin_train.data.agentic.build import main
from codeorigin_train.data.inputs import module_entry

raise SystemExit(module_entry("codeorigin_train.data.agentic", main))
