# Sportello: `make run` brings the demo up, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run serve setup test lint format messages clean-venv

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Sportello needs Python >= 3.11")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@ $(VENV)/.installed

## setup: install, migrate and load the demo (idempotent), without serving
setup: $(VENV)/.installed
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo

## run: setup, then serve on $(HOST):$(PORT)
run: setup
	$(PY) manage.py runserver $(HOST):$(PORT)

## serve: production settings on the local database (migrated, no demo loaded:
## `make setup` first to measure the demo) under gunicorn (WORKERS processes)
## with the task worker beside it; for measuring and for small installs behind
## a TLS proxy. A secret key is made once in var/.
WORKERS ?= 2
SERVE_ENV = DJANGO_SETTINGS_MODULE=portal.settings.production \
	SECRET_KEY="$$(cat var/secret-key)" \
	ALLOWED_HOSTS="$${ALLOWED_HOSTS:-$(HOST),localhost}" \
	DATABASE_URL="$${DATABASE_URL:-sqlite:///$(CURDIR)/db.sqlite3}" \
	SECURE_SSL_REDIRECT="$${SECURE_SSL_REDIRECT:-false}"
serve: $(VENV)/.installed
	@mkdir -p var
	@[ -s var/secret-key ] || $(PY) -c 'import secrets; print(secrets.token_urlsafe(50))' > var/secret-key
	$(SERVE_ENV) $(PY) manage.py migrate --noinput
	$(SERVE_ENV) $(PY) manage.py collectstatic --noinput --verbosity 0
	$(SERVE_ENV) $(PY) manage.py createcachetable
	$(SERVE_ENV) $(PY) manage.py clear_page_cache
	$(SERVE_ENV) sh -c '$(PY) manage.py db_worker & worker=$$!; \
		trap "kill $$worker 2>/dev/null" EXIT INT TERM; \
		$(VENV)/bin/gunicorn portal.wsgi --workers $(WORKERS) --bind $(HOST):$(PORT)'

## lint: ruff (lint + format check), djhtml, and the layers between the apps
## (import-linter: pyproject.toml's contracts; a forbidden import fails)
lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/djhtml --check templates
	$(VENV)/bin/lint-imports

## format: apply ruff format and djhtml
format: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .
	$(VENV)/bin/djhtml templates

## test: lint, then the whole pytest suite (browser tests included), then the
## cases tests once more on a site without deflection and remote (issue 14)
test: lint
	$(VENV)/bin/pytest $(PYTEST_ARGS)
	$(VENV)/bin/pytest tests/cases -q --ds=portal.settings.test_cases_alone $(PYTEST_ARGS)

## messages: refresh and compile the it/fi catalogues (needs GNU gettext)
messages: $(VENV)/.installed-dev
	$(PY) manage.py makemessages -l it -l fi --ignore=.venv --ignore=tests --ignore=bench
	$(PY) manage.py compilemessages --ignore=.venv

clean-venv:
	rm -rf $(VENV)
