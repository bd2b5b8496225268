# GRS: `make run` serves the demo on the embedded defaults; `make test` runs the whole suite.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PORT   ?= 8000

.PHONY: run test lint format install install-dev migrate seed messages clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	$(PY) manage.py migrate --noinput

# Seeds only an empty database, so a restart keeps whatever was filed meanwhile.
seed: migrate
	@$(PY) manage.py shell -c "import sys; from offices.models import Office; sys.exit(0 if Office.objects.exists() else 1)" \
		|| $(PY) manage.py seed_demo

# Web server, Celery worker and one beat under honcho: one Ctrl-C stops them all.
run: seed
	DEBUG=$${DEBUG:-true} GRS_PORT=$(PORT) $(VENV)/bin/honcho -f Procfile.dev start

test: install-dev
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Regenerates the Bangla catalogue after strings change (needs GNU gettext).
messages: install
	$(PY) manage.py makemessages -l bn --no-obsolete --ignore=.venv --ignore=var
	$(PY) manage.py compilemessages -l bn --ignore=.venv

clean:
	rm -rf var staticfiles .pytest_cache
