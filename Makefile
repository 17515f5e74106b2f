# The README's two commands. Each works on a fresh machine: it creates .venv when absent and installs first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Every version `make install` installs, with its hashes: written by `make lock` (uv), installed by pip.
LOCK := requirements.lock
# Reinstall whenever the lock or the project's metadata changes.
INSTALLED := $(VENV)/.installed

export NO_MKDOCS_2_WARNING := 1
# The browser tests drive Debian's chromium; Playwright's own browser downloads are never used.
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: serve test lint build check install install-newest lock publish clean

# `make serve FAMILIES=resnet` previews one family's pages alone (file stems of model_index/, comma-separated).
FAMILIES ?=
serve: $(INSTALLED)
	MODELSITE_FAMILIES=$(FAMILIES) $(BIN)/mkdocs serve --dev-addr 127.0.0.1:8000

# Two workers (pytest-xdist), one per core of the 2-core CI machine: most tests wait on one interpreter, so
# alone they leave the second core idle. Each test file runs in one worker, and the files that use the
# session's sample check all in one, handed out first (tests/conftest.py; not reordered by size).
TEST_WORKERS ?= 2

test: lint $(CHROMIUM)
	$(BIN)/python -m pytest --numprocesses $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

# Style and types: ruff's lint and format check, and mypy over the package, the tests and the benches. The
# workflows: zizmor's security audit (offline, every finding fails) and GitHub's workflow schema.
WORKFLOWS := $(wildcard .github/workflows/*.yml)
lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/zizmor --offline --no-progress .github/workflows
	$(BIN)/check-jsonschema --builtin-schema vendor.github-workflows $(WORKFLOWS)

build: $(INSTALLED)
	$(BIN)/mkdocs build --strict

# The full sweep: every page of every variant, afresh, on this machine; `make test` runs a sample.
# bench/results/check-sweep.txt records how long it took here.
check: $(INSTALLED)
	mkdir -p reports
	$(BIN)/modelsite check --device cpu --jobs 2 --no-cache --report reports/check.json --junit reports/check-junit.xml

install: $(INSTALLED)

# Exactly the lock, hashes checked: its pins first, then the project itself without dependencies, then
# hooks/sync_venv.py removes whatever an older lock left and fails on any version that differs.
$(INSTALLED): $(LOCK) pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps --requirement $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation --editable .
	$(BIN)/python hooks/sync_venv.py $(LOCK)
	touch $@

# The canary's install (weekly in CI): the newest versions pyproject.toml allows instead of the lock's, then
# the list of every version that moved from the lock. `make test` after it keeps them (.installed is newer).
install-newest:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade --upgrade-strategy eager --editable '.[test,publish]'
	$(BIN)/python hooks/sync_venv.py $(LOCK) --check || true
	touch $(INSTALLED)

# Re-resolves the lock from pyproject.toml (its build requirements and every extra), for every platform and
# Python the project supports. Pins already in the lock are kept unless UPGRADE names them: `make lock
# UPGRADE=pyyaml` moves one package, `make lock UPGRADE=all` moves everything to the newest allowed.
UPGRADE ?=
lock: $(INSTALLED)
	$(BIN)/python -c "import tomllib; print(*tomllib.load(open('pyproject.toml', 'rb'))['build-system']['requires'], sep='\n')" \
	  | $(BIN)/uv pip compile pyproject.toml - --all-extras --universal --generate-hashes --quiet \
	    --output-file $(LOCK) $(if $(filter all,$(UPGRADE)),--upgrade,$(foreach p,$(UPGRADE),--upgrade-package $(p)))

$(CHROMIUM):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium

# Commits the site, built with the check report MODELSITE_CHECK_REPORT names, to the local gh-pages branch as
# the version of the timm it documents (/1.0.31/), and points `latest` and the site's root at it. CI's deploy
# job pushes the branch; run it here to look at the versions locally (`.venv/bin/mike serve`). mike runs the
# .venv's mkdocs.
publish: $(INSTALLED)
	PATH="$(abspath $(BIN)):$$PATH" mike deploy --update-aliases "$$($(BIN)/python -c 'import timm; print(timm.__version__)')" latest
	$(BIN)/mike set-default latest

clean:
	rm -rf site .pytest_cache
