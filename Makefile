# Officine: `make demo` runs the demo on http://localhost:8000, `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_ENV := env -u DATABASE_URL -u REDIS_URL DJANGO_SETTINGS_MODULE=config.settings.dev

.PHONY: venv demo test test-fast screenshots lint format messages clean prod-check scale-check

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

demo: venv
	$(DEMO_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEMO_ENV) $(BIN)/python manage.py compilemessages --ignore=.venv >/dev/null 2>&1 || true
	$(DEMO_ENV) $(BIN)/python manage.py seed_demo
	$(DEMO_ENV) $(BIN)/python manage.py runserver 0.0.0.0:8000

test: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python -m pytest -n 2 -m "not services and not e2e"
	$(BIN)/python -m pytest -m "services or e2e"

test-fast: venv
	$(BIN)/python -m pytest -x -q -m "not services and not e2e"

# The browser tests again, this time writing their pictures over the documented ones in
# docs/screenshots/ (a plain test run leaves them in the ignored var/artifacts/screenshots/).
screenshots: venv
	OFFICINE_SCREENSHOTS_DIR=docs/screenshots $(BIN)/python -m pytest -q -m e2e

# Production settings really started (gunicorn, Celery worker and beat via deploy/Procfile, nginx if
# installed) on this machine's PostgreSQL and Redis; a prescription and a booking over HTTP.
prod-check: venv
	timeout 240 $(BIN)/python scripts/prod_check.py

# Two gunicorn app nodes behind nginx on this machine (shared PostgreSQL, Redis and private storage
# folder), Celery workers and beat apart; prescriptions and bookings from another process while
# one node is SIGKILLed. Prints the counts; fails on a lost submission, file, seat or notification.
scale-check: venv
	timeout 1500 $(BIN)/python scripts/scale_check.py

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) db.sqlite3 var staticfiles
