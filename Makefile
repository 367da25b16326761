# Two entry points for a newcomer: `make demo` and `make test`. Both set everything up.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_HOME ?= .demo/home
PORT ?= 8000
CORPUS ?= ../shared/corpus/photos
# PostgreSQL store tests run when a server answers on 127.0.0.1:5432 (else they are skipped).
POSTGRES_URL := $(shell command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p 5432 && echo postgresql+psycopg://postgres@127.0.0.1:5432/test)

.PHONY: install browser wordpress demo serve lint test bench eval openapi loadtest clean

$(STAMP): pyproject.toml
	@# ExifTool is the oracle the metadata tests compare against; installed when missing and we are root.
	@command -v exiftool >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
		(apt-get update -qq && apt-get install -y -qq libimage-exiftool-perl) >/dev/null 2>&1; } || \
		echo "note: exiftool not installed; the ExifTool agreement tests will be skipped"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# The browser tests drive Debian's chromium (Playwright with executable_path); install it when missing.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian's chromium for the browser tests"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || echo "Could not install chromium: the browser tests will be skipped" >&2; \
	  else \
	    echo "chromium is missing and needs root with apt-get to install: the browser tests will be skipped" >&2; \
	  fi; }

# The WordPress plugin test (tests/integrations) runs Debian's WordPress 6.1 with PHP and MariaDB:
# installed when missing and we are root; MariaDB is started when it does not answer.
WORDPRESS_PACKAGES := wordpress php-cli php-mysql php-gd php-curl php-xml php-mbstring php-codesniffer mariadb-server
wordpress:
	@missing=$$(for p in $(WORDPRESS_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing for the WordPress plugin test:" $$missing; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null) \
	      || echo "Could not install $$missing: the WordPress plugin test will be skipped" >&2; \
	  else \
	    echo "$$missing missing and needs root with apt-get to install: the WordPress plugin test will be skipped" >&2; \
	  fi; \
	fi
	@command -v mariadb-admin >/dev/null 2>&1 && ! mariadb-admin ping >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && \
	  { install -d -o mysql -g mysql /run/mysqld; start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd; \
	    for i in $$(seq 50); do mariadb-admin ping >/dev/null 2>&1 && break; sleep 0.2; done; } || true

# Ingest the sample originals into a fresh home, then check the original and sample copies.
# The check exits 1 because one sample is deliberately truncated; anything else fails the demo.
demo: install
	rm -rf $(DEMO_HOME)
	PROVENANCE_HOME=$(DEMO_HOME) $(BIN)/provenance ingest tests/fixtures/originals
	PROVENANCE_HOME=$(DEMO_HOME) $(BIN)/provenance references list
	PROVENANCE_HOME=$(DEMO_HOME) $(BIN)/provenance check tests/fixtures/originals/Dune.jpg tests/fixtures/copies || [ $$? -eq 1 ]
	$(if $(SERVE),PROVENANCE_HOME=$(DEMO_HOME) $(BIN)/provenance serve --no-auth --port $(PORT))

# The web page and API on the sample library, without keys, on http://127.0.0.1:$(PORT)/ only.
serve: install
	rm -rf $(DEMO_HOME)
	PROVENANCE_HOME=$(DEMO_HOME) $(BIN)/provenance ingest tests/fixtures/originals
	PROVENANCE_HOME=$(DEMO_HOME) $(BIN)/provenance serve --no-auth --port $(PORT)

# The habits that keep the house in order: lint and import order, types, and the layer contracts.
lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test: install browser wordpress lint
	PROVENANCE_TEST_POSTGRES_URL=$${PROVENANCE_TEST_POSTGRES_URL:-$(POSTGRES_URL)} $(BIN)/python -m pytest

bench: install
	$(BIN)/provenance bench $(CORPUS) --library-size 1000 --one-core

# Edited copies with known ground truth, checked and scored (issue targets in the README).
eval: install
	$(BIN)/provenance eval $(CORPUS)

# A local stack (API + WORKERS task workers on Redis, PostgreSQL when it answers) under load, then stopped:
# make loadtest WORKERS=2 CLIENTS=16 DURATION=60 BATCH=200 [BATCH_WORKERS=1]
loadtest: install
	BIN=$(BIN) .ci/loadtest

# Refresh the committed OpenAPI document after changing the API (a test compares them).
openapi: install
	$(BIN)/provenance openapi --out api/openapi.json

clean:
	rm -rf $(VENV) .demo .pytest_cache
