"""`python -m codeorigin.lsp`: run the language server (stdio by default)."""

from __future__ import annotations

from codeorigin.lsp.server import main

raise SystemExit(main())
