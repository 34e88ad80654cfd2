# The two commands a newcomer runs: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
DEMO_DB ?= itembank-demo.db
PORT    ?= 8050

.PHONY: demo test install install-dev clean

$(VENV)/bin/python:
	@echo "==> Creating the virtual environment $(VENV)"
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	@echo "==> Installing itembank and its libraries into $(VENV) (pandas, SciPy, Dash, SQLAlchemy, ...; about half a minute the first time)"
	$(PY) -m pip install --quiet --progress-bar on -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(VENV)/bin/python
	@echo "==> Installing itembank with its test tools into $(VENV) (about a minute the first time)"
	$(PY) -m pip install --quiet --progress-bar on -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# Builds the demo bank, then serves the dashboard on it until Ctrl-C.
demo: install
	@# A demo still serving on PORT would have its bank replaced under it: stop instead.
	@if $(PY) -c "import socket,sys; s=socket.socket(); sys.exit(0 if s.connect_ex(('127.0.0.1', $(PORT))) == 0 else 1)"; then \
	  echo "Port $(PORT) is in use (is another demo still serving?). Stop it, or run: make demo PORT=8051 DEMO_DB=other-demo.db"; \
	  exit 2; fi
	@echo "==> Building the demo bank $(DEMO_DB) (320 items, an assembled form, 600 simulated candidates)"
	$(VENV)/bin/itembank demo --db $(DEMO_DB) --replace
	@echo "==> Serving the dashboard on http://127.0.0.1:$(PORT)/ (Ctrl-C stops it)"
	$(VENV)/bin/itembank dashboard --db $(DEMO_DB) --port $(PORT)

test: install-dev
	@echo "==> Running the test suite"
	$(PY) -m pytest

clean:
	rm -rf $(VENV) $(DEMO_DB) $(DEMO_DB).true-parameters.csv .pytest_cache
