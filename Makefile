# Two commands for a newcomer: `make run` (serve the demo site) and `make test` (run the suite).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app jobboard
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint install install-serve setup-db worker clean

# Serving needs only the package; the test tools (pytest, Playwright...) come with `make test`.
$(VENV)/.serve-installed: setup.cfg pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed: $(VENV)/.serve-installed
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@

install-serve: $(VENV)/.serve-installed

install: $(VENV)/.installed

# A persistent random secret for this checkout (never a per-process or hard-coded one).
instance/config.py:
	mkdir -p instance
	$(PY) -c "import secrets; print('SECRET_KEY = %r' % secrets.token_hex(32)); print('MAIL_SERVER = \"console\"')" > $@
	echo 'SITE_URL = "http://$(HOST):$(PORT)"' >> $@

# Demo data goes only into an empty database: a restart never undoes what users changed.
setup-db: install-serve instance/config.py
	$(FLASK) db upgrade
	$(FLASK) demo load --if-empty

run: setup-db
	$(FLASK) run --host $(HOST) --port $(PORT)

test: install
	$(PY) -m pytest

# Ruff (pyflakes, pycodestyle, bugbear, pyupgrade, simplify, import order) and mypy on the package;
# both read their settings from pyproject.toml.
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

worker: install-serve instance/config.py
	$(FLASK) worker

clean:
	rm -rf $(VENV) instance/jobboard.sqlite instance/search-index
