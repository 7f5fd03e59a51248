# The two commands a new user needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: run serve setup install lock upgrade test test-browser test-all screenshots lint check clean bench bench-load

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed; set PYTHON=python3.x")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements-dev.txt
	@touch $@

install: $(VENV)/.installed

# requirements*.txt pin every package with its hashes, from the ranges in requirements*.in:
# `make lock` after editing a .in file keeps every other pin; `make upgrade` takes the newest
# releases the ranges allow (`make upgrade PACKAGE=django` for one package).
UV := $(VENV)/bin/uv
UV_VERSION := 0.13.9
LOCK = $(UV) pip compile --quiet --universal --generate-hashes --python-version 3.11 \
	--no-header --annotation-style line $(1)

$(UV): $(VENV)/.installed
	$(PY) -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

lock: $(UV)
	$(call LOCK) requirements.in -o requirements.txt
	$(call LOCK) requirements-dev.in -o requirements-dev.txt

upgrade: UPGRADE = $(if $(PACKAGE),--upgrade-package $(PACKAGE),--upgrade)
upgrade: $(UV)
	$(call LOCK,$(UPGRADE)) requirements.in -o requirements.txt
	$(call LOCK,$(UPGRADE)) requirements-dev.in -o requirements-dev.txt

setup: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable
	$(PY) manage.py seed
	$(PY) manage.py create_demo_accounts

run: setup
	@echo
	@echo "  The site:   http://127.0.0.1:$(PORT)/"
	@echo "  The admin:  http://127.0.0.1:$(PORT)/admin/"
	@echo "     editor     / editor-demo-pass     (writes and publishes reviews)"
	@echo "     moderator  / moderator-demo-pass  (moderates comments)"
	@echo "     critic     / critic-demo-pass     (Melissa: replies to comments on her review)"
	@echo "  Stop with Ctrl-C."
	@echo
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

var/secret_key:
	@mkdir -p var
	@$(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(60))' > $@

# Production mode under granian (SERVER=gunicorn for gunicorn; config/serve.py), on SQLite
# unless DATABASE_URL / REDIS_URL say otherwise. With varnishd installed (apt-get install
# varnish varnish-modules), Varnish listens on PORT (config/varnish/default.vcl) in front of
# the server on 127.0.0.1:BACKEND_PORT (PORT+1), caching up to EDGE_CACHE_MB (256); EDGE=0
# serves without it. Nothing is installed by this target.
# Plain HTTP on this machine, so no redirect to HTTPS; behind a TLS proxy set
# SECURE_SSL_REDIRECT=1 BEHIND_TLS_PROXY=1 and ALLOWED_HOSTS.
serve: export PRODUCTION = 1
serve: export SECURE_SSL_REDIRECT ?= 0
serve: export ALLOWED_HOSTS ?= 127.0.0.1,localhost
serve: export EDGE ?= 1
serve: install var/secret_key
	$(eval export SECRET_KEY ?= $(shell cat var/secret_key))
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py seed
	@PORT=$(PORT) $(PY) -m config.serve

# Throughput against the trivial view, growth from 1,000 to 1,000,000 comments, moderation at
# scale, gunicorn and granian; on SQLite and on PostgreSQL with Redis (bench/serving.py).
bench: install
	$(PY) bench/serving.py $(BENCH_ARGS)

# 32 clients reading and commenting for 60 s against gunicorn, then an audit that nothing
# acknowledged was lost. SQLite in /tmp unless DATABASE_URL (an empty database) and REDIS_URL.
bench-load: install
	$(PY) bench/load.py $(BENCH_ARGS)

# The unit tests across the cores, without the browser tests (tests/browser/) and the slow
# sweeps (marked slow), which test-all and CI run too.
test: install
	$(PY) -m pytest -n auto $(PYTEST_ARGS)

# axe-core and the Nu HTML Checker, at the versions package-lock.json pins, in node_modules/.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# End to end in Debian's Chromium (apt-get install chromium); needs Java for the HTML checker.
test-browser: install node_modules/.installed
	$(PY) -m pytest -m browser tests/browser $(PYTEST_ARGS)

test-all: install node_modules/.installed
	$(PY) -m pytest -n auto -m "not browser and not edge" $(PYTEST_ARGS)
	$(PY) -m pytest -m browser tests/browser $(PYTEST_ARGS)
	$(PY) -m pytest -m edge tests/edge $(PYTEST_ARGS)

# docs/screenshots/: the home, review and film pages at 390 and 1280 px wide.
screenshots: install
	$(PY) -m pytest -q -m browser tests/browser/screenshots.py

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

check: install
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) var
