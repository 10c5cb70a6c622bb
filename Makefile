# Two commands for a newcomer: `make run` (set up, then serve) and `make test`.
# Prerequisites: Python 3.11+, Node.js 18+ with npm, make.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
STATIC_SOURCES := $(shell find static -type f 2>/dev/null)
PLOTLY_JS = $(shell $(PY) -c 'import pathlib, plotly; print(pathlib.Path(plotly.__file__).parent / "package_data" / "plotly.min.js")')

# Without SECRET_KEY in the environment, use one generated once and kept in var/ (never in git).
ifeq ($(strip $(SECRET_KEY)),)
export SECRET_KEY_FILE ?= $(CURDIR)/var/secret_key
endif

# Values that make `manage.py check --deploy` represent a production deployment.
PRODUCTION_CHECK_ENV := DEBUG=false SECRET_KEY=production-like-check-key-$$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n') \
	ALLOWED_HOSTS=tracker.example.org SECURE_SSL_REDIRECT=true SESSION_COOKIE_SECURE=true \
	CSRF_COOKIE_SECURE=true SECURE_HSTS_SECONDS=31536000 SECURE_HSTS_INCLUDE_SUBDOMAINS=true \
	SECURE_HSTS_PRELOAD=true SECRET_KEY_FILE=

.PHONY: setup run test lint check security audit lock assets static migrate demo bench-ingest clean

setup: $(VENV)/.runtime static migrate demo

run: setup
	@echo "Serving on http://127.0.0.1:$(PORT)/ (Ctrl+C to stop)"
	SECURE_SSL_REDIRECT=$${SECURE_SSL_REDIRECT:-false} SESSION_COOKIE_SECURE=$${SESSION_COOKIE_SECURE:-false} \
	CSRF_COOKIE_SECURE=$${CSRF_COOKIE_SECURE:-false} SECURE_HSTS_SECONDS=$${SECURE_HSTS_SECONDS:-0} \
	exec $(VENV)/bin/gunicorn integration.wsgi --bind 127.0.0.1:$(PORT) --workers 2 --timeout 300 \
		--access-logfile -

test: $(VENV)/.dev static
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(PY) manage.py check --fail-level WARNING
	$(PY) manage.py makemigrations --check --dry-run
	$(PRODUCTION_CHECK_ENV) $(PY) manage.py check --deploy --fail-level WARNING
	$(MAKE) --no-print-directory security audit
	$(VENV)/bin/pytest -n auto $(PYTEST_ARGS)

# Security lint of our own code (configuration in pyproject.toml; each accepted finding is
# marked `# nosec` with its reason where it is).
# metrics/bulk.py (the PostgreSQL bulk load) composes SQL from its own models' table names, a
# generated staging-table name and %s placeholders, never from input, which bandit's B608
# cannot tell; it gets every other test.
security: $(VENV)/.dev
	$(VENV)/bin/bandit --quiet -c pyproject.toml -r integration programmes metrics -x metrics/bulk.py
	$(VENV)/bin/bandit --quiet -c pyproject.toml -s B101,B608 metrics/bulk.py

# Known vulnerabilities in the locked dependencies, looked up on PyPI's JSON API. Offline, this
# says so and passes; a vulnerability found fails.
audit: $(VENV)/.dev
	$(PY) tools/audit.py requirements.lock requirements-dev.lock

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

# Installs the lock files (every transitive dependency at its exact version), not the top level.
$(VENV)/.runtime: requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	touch $@

$(VENV)/.dev: requirements-dev.lock $(VENV)/.runtime
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.lock
	touch $@

# After editing requirements.txt or requirements-dev.txt: resolve them again and rewrite the
# lock files (the dev lock keeps the runtime lock's versions). Then `make setup` installs them.
lock:
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	mkdir -p var
	$(PY) -m pip install --quiet --dry-run --ignore-installed --report var/lock-runtime.json \
		-r requirements.txt
	$(PY) tools/write_lock.py var/lock-runtime.json requirements.txt > requirements.lock
	$(PY) -m pip install --quiet --dry-run --ignore-installed --report var/lock-dev.json \
		-r requirements-dev.txt -c requirements.lock
	$(PY) tools/write_lock.py var/lock-dev.json requirements-dev.txt > requirements-dev.lock

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

var/secret_key:
	mkdir -p var
	umask 077 && $(PY) -c 'import secrets; print(secrets.token_urlsafe(50))' > $@

# Compiled front end: GOV.UK Frontend SCSS with Arial, its JS and images, htmx, plotly.js.
var/build/.built: node_modules/.installed $(VENV)/.runtime $(STATIC_SOURCES) tools/plotly_css.mjs
	mkdir -p var/build/css var/build/js var/build/govuk
	npm run --silent build:css
	cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js var/build/govuk/
	cp -R node_modules/govuk-frontend/dist/govuk/assets var/build/govuk/
	cp node_modules/htmx.org/dist/htmx.min.js var/build/js/
	cp "$(PLOTLY_JS)" var/build/js/plotly.min.js
	node tools/plotly_css.mjs var/build/js/plotly.min.js var/build/css/plotly.css var/build/js/plotly-csp.js
	touch $@

assets: var/build/.built

var/static/.collected: var/build/.built var/secret_key
	$(PY) manage.py collectstatic --noinput --verbosity 0
	touch $@

static: var/static/.collected

migrate: $(VENV)/.runtime var/secret_key
	$(PY) manage.py migrate --noinput --verbosity 1

demo: $(VENV)/.runtime var/secret_key
	$(PY) manage.py load_demo

# Activity upload benchmark on PostgreSQL (DATABASE_URL must point at one; it creates and drops
# a scratch database `bench_ingest` on that server). Prints a report; not a timed test.
bench-ingest: $(VENV)/.runtime
	$(PY) benchmarks/bench_ingest.py

clean:
	rm -rf var/build var/static
