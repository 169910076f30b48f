# Two commands for a newcomer: `make run` (serve the demo site) and `make test` (run the suite).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app jobboard
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test install setup-db worker clean

$(VENV)/.installed: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@

install: $(VENV)/.installed

# A persistent random secret for this checkout (never a per-process or hard-coded one).
instance/config.py:
	mkdir -p instance
	$(PY) -c "import secrets; print('SECRET_KEY = %r' % secrets.token_hex(32)); print('MAIL_SERVER = \"console\"')" > $@
	echo 'SITE_URL = "http://$(HOST):$(PORT)"' >> $@

setup-db: install instance/config.py
	$(FLASK) db upgrade
	$(FLASK) demo load

run: setup-db
	$(FLASK) run --host $(HOST) --port $(PORT)

test: install
	$(PY) -m pytest

worker: install instance/config.py
	$(FLASK) worker

clean:
	rm -rf $(VENV) instance/jobboard.sqlite instance/search-index
