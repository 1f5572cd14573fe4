# Two commands for a newcomer: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app forum
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test test-sqlite test-postgres lint seed clean-venv help bench-search bench-digest

help:
	@echo "make run   - install, migrate, seed demo content (first run) and serve on http://$(HOST):$(PORT)"
	@echo "make test  - install dev dependencies and run the whole suite on SQLite and PostgreSQL"
	@echo "make lint  - ruff"
	@echo "make bench-search - search benchmark on 100,000 synthetic posts (Whoosh vs SQLite FTS5)"
	@echo "make bench-digest - weekly digest benchmark: 10,000 subscribers, 100,000 posts, SMTP sink"

# The virtualenv is rebuilt when a requirements file is newer than its stamp.
$(BIN)/.runtime-installed: requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

$(BIN)/.dev-installed: requirements-dev.txt $(BIN)/.runtime-installed
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

run: $(BIN)/.runtime-installed
	$(FLASK) db upgrade
	@if $(FLASK) is-empty; then $(FLASK) seed-demo; else $(FLASK) demo-logins; fi
	$(FLASK) search reindex --if-missing
	@echo " * Open http://$(HOST):$(PORT)/ in your browser (Ctrl+C to stop)"
	$(FLASK) run --host $(HOST) --port $(PORT)

seed: $(BIN)/.runtime-installed
	$(FLASK) db upgrade
	$(FLASK) seed-demo

test: test-sqlite test-postgres

test-sqlite: $(BIN)/.dev-installed
	FORUM_TEST_DB=sqlite $(BIN)/pytest -p no:cacheprovider -q

test-postgres: $(BIN)/.dev-installed
	FORUM_TEST_DB=postgresql $(BIN)/pytest -p no:cacheprovider -q

lint: $(BIN)/.dev-installed
	$(BIN)/ruff check forum tests bench config.py wsgi.py

clean-venv:
	rm -rf $(VENV)

bench-search: $(BIN)/.runtime-installed
	$(BIN)/python bench/search.py

bench-digest: $(BIN)/.dev-installed
	$(BIN)/python bench/digest.py
