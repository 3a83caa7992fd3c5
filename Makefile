# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PORT

.PHONY: run test install lint format bench-draw bench-admin bench-load clean

run: install ## Migrate, create the first admin, serve web + Huey worker on $PORT (SQLite by default)
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) manage.py migrate --noinput
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) manage.py bootstrap_admin
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(VENV)/bin/honcho -f Procfile.dev start

test: install ## The whole suite; on PostgreSQL + Redis when DATABASE_URL / REDIS_URL are set
	$(VENV)/bin/pytest

install: $(VENV)/.installed

$(VENV)/.installed: requirements-dev.lock
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip uv
	$(VENV)/bin/uv pip install --quiet --python $(PY) -r requirements-dev.lock
	touch $@

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

lock: ## Re-resolve the pinned dependencies after editing pyproject.toml
	$(VENV)/bin/uv pip compile pyproject.toml -o requirements.lock
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev -o requirements-dev.lock

bench-draw: install
	$(PY) bench/draw.py

bench-admin: install
	$(PY) bench/admin.py

bench-load: install
	bash bench/api_load.sh

clean:
	rm -rf $(VENV) data staticfiles

mutation: install ## One-line mutants of the critical modules against their tests (slow: see bench/mutation.py)
	$(PY) bench/mutation.py
