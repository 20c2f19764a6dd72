# Two commands for a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
CONFIG ?= config.toml
STAMP  := $(VENV)/.installed

.PHONY: run test bench install init clean interop

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,fast]'
	touch $(STAMP)

install: $(STAMP)

# Initialise the development node once (database, keys, dev identity
# authority under data/), then serve on http://127.0.0.1:8080.
init: $(STAMP)
	@if [ ! -f data/node.sqlite3 ]; then $(PY) -m node init --config $(CONFIG); fi

run: init
	$(PY) -m node serve --config $(CONFIG)

test: $(STAMP)
	$(PY) -m pytest -q

bench: $(STAMP)
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) build *.egg-info
