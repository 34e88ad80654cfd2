# The two commands a newcomer runs: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
DEMO_DB ?= itembank-demo.db

.PHONY: demo test install install-dev clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# Builds the demo bank, then serves the dashboard on it until Ctrl-C.
demo: install
	$(VENV)/bin/itembank demo --db $(DEMO_DB) --replace
	$(VENV)/bin/itembank dashboard --db $(DEMO_DB)

test: install-dev
	$(PY) -m pytest

clean:
	rm -rf $(VENV) $(DEMO_DB) .pytest_cache
