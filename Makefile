# Countersign: `make run` installs everything and starts the app; `make test` installs everything and runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
APT_PACKAGES := libreoffice-writer-nogui poppler-utils chromium fonts-crosextra-carlito \
	fonts-crosextra-caladea fonts-liberation2 python3-venv python3-uno libnss3-tools qpdf redis-server
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Every target here is development: without COUNTERSIGN_SECRET_KEY a random key is kept in instance/.
FLASK := COUNTERSIGN_DEVELOPMENT=$${COUNTERSIGN_DEVELOPMENT:-true} $(BIN)/flask --app app

.PHONY: run test setup system-packages migrate seal demo worker lint bench clean lock

run: setup migrate seal ## Install everything and run Countersign with a demo organisation (and its development mail page)
	COUNTERSIGN_DEV_MAIL=true $(FLASK) serve --demo

test: setup ## Install everything, check the layers and run the whole test suite (also on PostgreSQL when COUNTERSIGN_TEST_POSTGRES_URL is set)
	$(BIN)/lint-imports
	$(BIN)/ruff check .
	@# The first pass is on SQLite whatever the environment says. The scaled set-up's test (marked `scaled`) starts
	@# its own PostgreSQL database, so it runs once: in the PostgreSQL pass when there is one. The browser journeys
	@# (marked `browser`) check pages in Chromium, not the database under them: they run once, in the SQLite pass.
	@if [ -n "$$COUNTERSIGN_TEST_POSTGRES_URL" ]; then \
		COUNTERSIGN_TEST_POSTGRES_URL= $(BIN)/python -m pytest -n auto -m "not scaled" && \
		echo "== The suite again on PostgreSQL ($$COUNTERSIGN_TEST_POSTGRES_URL), but for the browser journeys" && \
		$(BIN)/python -m pytest -n auto -m "not browser"; \
	else \
		$(BIN)/python -m pytest -n auto; \
	fi

setup: system-packages $(VENV)/.installed web/static/govuk/.installed

system-packages: ## Debian packages: LibreOffice, poppler, Chromium, fonts, Redis for the tests (skipped when all are present)
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:$$missing"; \
		$(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends $$missing; \
	fi

$(VENV)/.installed: requirements.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.txt
	touch $@

web/static/govuk/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	rm -rf web/static/govuk && mkdir -p web/static/govuk
	cp -r node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.css node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js \
		node_modules/govuk-frontend/dist/govuk/assets web/static/govuk/
	touch $@

lock: $(VENV)/.installed ## Pin requirements.txt again from requirements.in, after changing requirements.in
	$(BIN)/pip install -q pip-tools
	$(BIN)/pip-compile -q --strip-extras -o requirements.txt requirements.in

migrate: $(VENV)/.installed ## Create or update the database
	$(FLASK) migrate

seal: $(VENV)/.installed ## Make a development sealing certificate unless a seal is configured
	$(FLASK) seal-dev-ca --if-missing

demo: migrate ## Add the demo organisation and print its accounts
	$(FLASK) demo

worker: migrate ## Run the background worker on its own
	$(FLASK) worker

lint: $(VENV)/.installed
	$(BIN)/ruff check .

bench: setup ## Run the benchmarks and print their ratios
	$(BIN)/python -m bench.bench_render
	$(BIN)/python -m bench.bench_convert
	$(BIN)/python -m bench.bench_lock
	$(BIN)/python -m bench.bench_archive  # first run generates 1,000,000 documents into bench/.data (cached)
	$(BIN)/python -m bench.bench_disposition
	$(BIN)/python -m bench.bench_due  # first run generates 5,000 staff and 420,000 documents into bench/.data (cached)
	$(BIN)/python -m bench.bench_memory
	$(BIN)/python -m bench.bench_wait
	$(BIN)/python -m bench.bench_lock_download
	$(BIN)/python -m bench.bench_load  # PostgreSQL on 127.0.0.1:5432 (--postgres URL); about 20 minutes
	$(BIN)/python -m bench.bench_postgres  # first run loads 2 × 1,000,000 documents into PostgreSQL (kept)
	$(BIN)/python -m bench.bench_renewal  # 10,000 documents: about an hour and a half on a loaded 2-core machine

clean:
	rm -rf $(VENV) node_modules web/static/govuk
