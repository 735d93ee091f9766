"""`python -m codeorigin_train.data.agentic` = `codeorigin-train agentic`."""

from codeorigin_train.data.agentic.build import main

raise SystemExit(main())
