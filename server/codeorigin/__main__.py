"""`python -m codeorigin`: the same as the `codeorigin` command."""

import sys

from codeorigin.cli import main

sys.exit(main())
