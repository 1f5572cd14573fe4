# Two commands for a newcomer: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
# HOST and PORT go to every flask command too: in development, emailed links (from the
# web and the CLI alike) point at the address `make run` serves on.
FLASK  := HOST=$(HOST) PORT=$(PORT) $(BIN)/flask --app forum

.PHONY: shard-weights run test test-fast test-sqlite test-postgres lint contracts seed clean-venv help bench-search bench-digest bench-screening bench-notify bench-export

help:
	@echo "make run   - install, migrate, seed demo content (first run) and serve on http://$(HOST):$(PORT)"
	@echo "make test  - install dev dependencies and run the whole suite on SQLite and PostgreSQL"
	@echo "make test-fast - the edit loop: SQLite only, without the slow tests (processes, migrations, browser)"
	@echo "make lint  - ruff and the import-linter contracts (pyproject.toml)"
	@echo "make shard-weights - re-measure the fast test modules so test-fast splits them evenly"
	@echo "make bench-search - search benchmark on 100,000 synthetic posts (Whoosh vs SQLite FTS5)"
	@echo "make bench-digest - weekly digest benchmark: 10,000 subscribers, 100,000 posts, SMTP sink"
	@echo "make bench-screening - crisis screener: p95 time to read a 5,000-character post"
	@echo "make bench-export - Download my data: export a member with 10,000 posts (wall time, peak RSS)"
	@echo "make bench-notify - a reply's added p95 with 1,000 followers; 10,000 notification emails through mail flush vs raw smtplib"

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
	$(FLASK) serve --host $(HOST) --port $(PORT)

seed: $(BIN)/.runtime-installed
	$(FLASK) db upgrade
	$(FLASK) seed-demo

test: contracts test-sqlite test-postgres

test-sqlite: $(BIN)/.dev-installed
	FORUM_TEST_DB=sqlite $(BIN)/pytest -p no:cacheprovider -q

test-postgres: $(BIN)/.dev-installed
	FORUM_TEST_DB=postgresql $(BIN)/pytest -p no:cacheprovider -q

# The edit loop: SQLite only, without the tests marked slow (subprocesses, migrations, the
# browser; `make test` runs them), in two processes at once, each with half of the test
# modules (FORUM_TEST_SHARD, tests/conftest.py); each prints its own summary when done.
test-fast: $(BIN)/.dev-installed
	@$(MAKE) --no-print-directory -j2 --output-sync=target test-fast-shard-1 test-fast-shard-2

test-fast-shard-%:  # (test-fast installed the dependencies first, once)
	FORUM_TEST_DB=sqlite FORUM_TEST_SHARD=$*/2 $(BIN)/pytest -p no:cacheprovider -q -m "not slow"

# Measure each fast test module's time (both halves at once, as test-fast runs them) and
# write tests/shard_weights.json, which test-fast uses to balance its two halves.
shard-weights: $(BIN)/.dev-installed
	@$(MAKE) --no-print-directory -j2 shard-weights-1 shard-weights-2
	$(BIN)/python tests/shard_weights.py /tmp/forum-durations-1.log /tmp/forum-durations-2.log

shard-weights-%:
	-FORUM_TEST_DB=sqlite FORUM_TEST_SHARD=$*/2 $(BIN)/pytest -p no:cacheprovider -q -m "not slow" --durations=0 --durations-min=0 > /tmp/forum-durations-$*.log

lint: contracts
	$(BIN)/ruff check forum tests bench config.py wsgi.py

# The import-linter contracts in pyproject.toml: one-way dependencies, no cycles, no
# private names across packages (make test runs them first too).
contracts: $(BIN)/.dev-installed
	$(BIN)/lint-imports --no-logo --no-cache

clean-venv:
	rm -rf $(VENV)

bench-search: $(BIN)/.runtime-installed
	$(BIN)/python bench/search.py

bench-digest: $(BIN)/.dev-installed
	$(BIN)/python bench/digest.py

bench-screening: $(BIN)/.runtime-installed
	$(BIN)/python bench/screening.py

bench-notify: $(BIN)/.runtime-installed
	$(BIN)/python bench/notify.py

bench-export: $(BIN)/.runtime-installed
	$(BIN)/python bench/export.py
