# The two commands: `make run` and `make test`. Both build .venv from pyproject.toml when needed.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed-stamp
# axe-core from the npm registry checks the public pages in Chromium (tests/browser/test_accessibility.py).
AXE := var/node/node_modules/axe-core/axe.min.js

.PHONY: run test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/events-app db upgrade
	$(VENV)/bin/events-app seed-demo
	$(VENV)/bin/events-app serve --host 127.0.0.1 --port 8000

$(AXE):
	npm install --no-save --no-audit --no-fund --prefix var/node axe-core@4.14.1 >/dev/null

test: $(STAMP) $(AXE)
	bash scripts/test.sh

lint: $(STAMP)
	$(VENV)/bin/ruff check events_app tests scripts bench
	$(VENV)/bin/ruff format --check events_app tests scripts bench
	$(VENV)/bin/mypy

bench: $(STAMP)
	$(VENV)/bin/python -m bench

clean:
	rm -rf $(VENV) var/test-logs
