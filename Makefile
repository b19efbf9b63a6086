# The two commands a new machine needs: `make run` shows the product, `make test` proves it.
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON_PREFERENCE := only-system
PYTHON ?= python3
UV := $(PYTHON) -m uv
RUN := $(UV) run --locked

.PHONY: run test lint bench env uv ocr browser idp clean

uv:  ## uv itself, installed with the system Python's pip if it is not there yet
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet --user uv \
	  || $(PYTHON) -m pip install --quiet uv \
	  || $(PYTHON) -m pip install --quiet --user --break-system-packages uv

env: uv  ## .venv from the committed uv.lock, on the system Python 3.11
	@$(UV) sync --locked --quiet

ocr:  ## Debian's Tesseract for scanned certificates (installed when we may; else OCR tests skip)
	@command -v tesseract >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then SUDO=""; \
	  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; \
	  else echo "note: Tesseract is missing and cannot be installed here; OCR tests will be skipped (apt-get install tesseract-ocr tesseract-ocr-eng)"; exit 0; fi; \
	  echo "Installing Tesseract OCR (Debian packages tesseract-ocr, tesseract-ocr-eng)…"; \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tesseract-ocr tesseract-ocr-eng >/dev/null 2>&1 \
	    || { $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tesseract-ocr tesseract-ocr-eng >/dev/null; }; }

browser:  ## Debian's Chromium for the end-to-end tests (installed when we may; else they skip)
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then SUDO=""; \
	  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; \
	  else echo "note: Chromium is missing and cannot be installed here; browser tests will be skipped (apt-get install chromium)"; exit 0; fi; \
	  echo "Installing Chromium (Debian package chromium) for the browser tests…"; \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1 \
	    || { $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }; }

OIDC_IDP := tests/web/oidc/provider
idp: $(OIDC_IDP)/node_modules/.package-lock.json  ## node-oidc-provider for the OIDC sign-in tests (else they skip)
$(OIDC_IDP)/node_modules/.package-lock.json: $(OIDC_IDP)/package-lock.json
	@command -v npm >/dev/null 2>&1 && npm ci --prefix $(OIDC_IDP) --no-audit --no-fund --loglevel=error \
	  || echo "note: npm is missing or offline; OIDC sign-in tests will be skipped (npm ci --prefix $(OIDC_IDP))"

run: env  ## Serve the portal and API with the demo physician; prints the URL and demo sign-ins
	@$(RUN) cmeledger serve --demo

test: env ocr browser idp  ## The whole suite (SQLite; PostgreSQL too when CMELEDGER_TEST_DATABASE_URL is set)
	@$(RUN) pytest -q

lint: env  ## ruff, mypy --strict, import-linter, and no drift between models and migrations
	@set -e; \
	$(RUN) ruff check .; \
	$(RUN) ruff format --check .; \
	$(RUN) mypy --strict; \
	$(RUN) lint-imports; \
	tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	CMELEDGER_HOME=$$tmp $(RUN) cmeledger init >/dev/null; \
	CMELEDGER_HOME=$$tmp $(RUN) alembic check

bench: env ocr  ## Long benchmarks (not part of CI); figures go to bench/README.md
	@$(RUN) python -m bench.bulk_insert
	@$(RUN) python -m bench.extraction
	@$(RUN) python -m bench.evaluation
	@$(RUN) python -m bench.pars_serialise
	@$(RUN) python -m bench.pars_submit
	@$(RUN) python -m bench.web_load

clean:
	rm -rf .venv .mypy_cache .ruff_cache .pytest_cache .hypothesis
