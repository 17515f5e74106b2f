# The README's two commands. Each works on a fresh machine: it creates .venv when absent and installs first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Reinstall whenever the dependencies change.
INSTALLED := $(VENV)/.installed

export NO_MKDOCS_2_WARNING := 1

.PHONY: serve test build install clean

serve: $(INSTALLED)
	$(BIN)/mkdocs serve --dev-addr 127.0.0.1:8000

test: $(INSTALLED)
	$(BIN)/python -m pytest

build: $(INSTALLED)
	$(BIN)/mkdocs build --strict

install: $(INSTALLED)

$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --editable '.[test]'
	touch $@

clean:
	rm -rf site .pytest_cache
