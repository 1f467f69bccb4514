# Two entry points for a fresh machine (see README): `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=
# `make test` runs the suite in parallel (pytest-xdist): one worker per logical CPU, each
# with its own test database and data folder. `make test PYTEST_WORKERS=0`: one process.
PYTEST_WORKERS ?= logical

.PHONY: demo demo-code test install system-deps lint bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"

system-deps:
	bash scripts/install-system-deps.sh

demo: install
	DJANGO_DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DJANGO_DEBUG=1 $(BIN)/python manage.py load_demo
	@echo "Serving on http://127.0.0.1:8000/ with the background worker for imports (Ctrl+C stops both)"
	DJANGO_DEBUG=1 $(BIN)/python manage.py db_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	DJANGO_DEBUG=1 $(BIN)/python manage.py runserver 127.0.0.1:8000

# The current code of the demo authenticator app (users fg and beheer; see `make demo`).
demo-code:
	@DJANGO_DEBUG=1 $(BIN)/python manage.py shell -v 0 -c "from register.demo import current_demo_code; print(current_demo_code())"

test: install system-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

bench: install
	$(BIN)/python bench/run.py --scale 0.1 1

lint: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
