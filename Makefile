# GRS: `make run` serves the demo on the embedded defaults; `make test` runs the whole suite.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PORT   ?= 8000

.PHONY: run test lint format install install-dev migrate seed messages messages-check messages-translated clean

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

# The single sign-on tests run a real OpenID Connect provider on Node.js; without npm they skip
# (or fail, under GRS_REQUIRE_SERVICES=1).
OIDC_PROVIDER := tests/accounts/oidc_provider
$(OIDC_PROVIDER)/node_modules/.installed: $(OIDC_PROVIDER)/package-lock.json
	@if command -v npm >/dev/null; then \
		npm ci --prefix $(OIDC_PROVIDER) --no-audit --no-fund --silent && touch $@; \
	else echo "npm not found: the single sign-on tests will skip"; fi

test: install-dev $(OIDC_PROVIDER)/node_modules/.installed
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Regenerates the Bangla catalogue after strings change (needs GNU gettext).
messages: install
	$(PY) manage.py makemessages -l bn --no-obsolete --ignore=.venv --ignore=var --ignore=tests --ignore=bench
	$(PY) manage.py compilemessages -l bn --ignore=.venv

clean:
	rm -rf var staticfiles .pytest_cache

# Fails when a catalogue has a message untranslated (or one plural form empty) or fuzzy, naming
# each; the Bangla one unless `BN_PO=other.po` says otherwise.
BN_CATALOGUE := locale/bn/LC_MESSAGES/django.po
BN_PO ?= $(BN_CATALOGUE)
messages-translated:
	@$(PY) grs/messages_check.py $(BN_PO)

# Fails when the source has strings the Bangla catalogue lacks, or the catalogue leaves any of its
# messages untranslated or fuzzy; reports both before failing (CI runs it; needs GNU gettext).
messages-check: install
	@status=0; $(PY) grs/messages_check.py $(BN_CATALOGUE) || status=1; \
	cp $(BN_CATALOGUE) $(VENV)/django.po.before; \
	if ! $(PY) manage.py makemessages -l bn --no-obsolete --ignore=.venv --ignore=var --ignore=tests --ignore=bench >/dev/null; then \
		echo "makemessages failed"; status=1; \
	elif diff -q -I '^"POT-Creation-Date' -I '^#:' $(VENV)/django.po.before $(BN_CATALOGUE) >/dev/null; then \
		echo "Bangla catalogue has every string of the source"; \
	else \
		diff -I '^"POT-Creation-Date' -I '^#:' $(VENV)/django.po.before $(BN_CATALOGUE) | head -40; \
		echo "New or changed strings: run 'make messages' and translate them"; status=1; \
	fi; \
	cp $(VENV)/django.po.before $(BN_CATALOGUE); exit $$status
