"""`python -m codeorigin_train`: the `codeorigin-train` command line."""

from __future__ import annotations

from codeorigin_train.cli import main

raise SystemExit(main())
