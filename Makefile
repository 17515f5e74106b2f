# The README's two commands. Each works on a fresh machine: it creates .venv when absent and installs first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Reinstall whenever the dependencies change.
INSTALLED := $(VENV)/.installed

export NO_MKDOCS_2_WARNING := 1
# The browser tests drive Debian's chromium; Playwright's own browser downloads are never used.
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: serve test lint build check install clean

serve: $(INSTALLED)
	$(BIN)/mkdocs serve --dev-addr 127.0.0.1:8000

# Two workers (pytest-xdist), one per core of the 2-core CI machine: most tests wait on one interpreter, so
# alone they leave the second core idle. Each test file runs in one worker, and the files that use the
# session's sample check all in one, handed out first (tests/conftest.py; not reordered by size).
TEST_WORKERS ?= 2

test: lint $(CHROMIUM)
	$(BIN)/python -m pytest --numprocesses $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

# Style and types: ruff's lint and format check, and mypy over the package, the tests and the benches.
lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

build: $(INSTALLED)
	$(BIN)/mkdocs build --strict

# The full sweep: every page of every variant, afresh, on this machine; `make test` runs a sample.
# bench/results/check-sweep.txt records how long it took here.
check: $(INSTALLED)
	mkdir -p reports
	$(BIN)/modelsite check --device cpu --jobs 2 --no-cache --report reports/check.json --junit reports/check-junit.xml

install: $(INSTALLED)

$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --editable '.[test]'
	touch $@

$(CHROMIUM):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium

clean:
	rm -rf site .pytest_cache
