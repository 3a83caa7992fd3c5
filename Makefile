# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# The dev server (DEBUG on) listens on this machine only; HOST=0.0.0.0 make run to share it.
HOST ?= 127.0.0.1
export PORT HOST

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
	$(PY) tools/import_graph.py
	$(VENV)/bin/mypy

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

# Operator commands, with the environment of `make run` (DJANGO_DEBUG on unless set).
GAME ?= daily
URL ?= http://127.0.0.1:$(PORT)

.PHONY: demo draw verify

demo: install ## Load the demo data (refused on a database with real players), then serve as `make run`
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) manage.py migrate --noinput
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) manage.py bootstrap_admin
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) manage.py demo
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(VENV)/bin/honcho -f Procfile.dev start

draw: install ## Close and draw a day by hand: make draw GAME=daily DATE=2026-12-01 [ACTOR=email]
	@test -n "$(DATE)" || { echo "usage: make draw GAME=daily DATE=YYYY-MM-DD [ACTOR=email]"; exit 2; }
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) manage.py draw "$(GAME)" "$(DATE)" $(if $(ACTOR),--actor "$(ACTOR)")

verify: install ## Verify a published draw: make verify URL=http://127.0.0.1:8000 GAME=daily DATE=...
	@test -n "$(DATE)" || { echo "usage: make verify URL=http://127.0.0.1:8000 GAME=daily DATE=YYYY-MM-DD"; exit 2; }
	$(PY) -m lottery.verify "$(URL)" "$(GAME)" "$(DATE)"

mutation: install ## One-line mutants of the critical modules against their tests (slow: see bench/mutation.py)
	$(PY) bench/mutation.py
