# Two entry points for a newcomer: `make demo` and `make test`. Both set everything up.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_HOME ?= .demo/home
CORPUS ?= ../shared/corpus/photos
# PostgreSQL store tests run when a server answers on 127.0.0.1:5432 (else they are skipped).
POSTGRES_URL := $(shell command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p 5432 && echo postgresql+psycopg://postgres@127.0.0.1:5432/test)

.PHONY: install demo test bench clean

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

# Ingest the sample originals into a fresh home, then check the original and sample copies.
# The check exits 1 because one sample is deliberately truncated; anything else fails the demo.
demo: install
	rm -rf $(DEMO_HOME)
	PROVENANCE_HOME=$(DEMO_HOME) $(BIN)/provenance ingest tests/fixtures/originals
	PROVENANCE_HOME=$(DEMO_HOME) $(BIN)/provenance references list
	PROVENANCE_HOME=$(DEMO_HOME) $(BIN)/provenance check tests/fixtures/originals/Dune.jpg tests/fixtures/copies || [ $$? -eq 1 ]

test: install
	PROVENANCE_TEST_POSTGRES_URL=$${PROVENANCE_TEST_POSTGRES_URL:-$(POSTGRES_URL)} $(BIN)/python -m pytest

bench: install
	$(BIN)/provenance bench $(CORPUS)

clean:
	rm -rf $(VENV) .demo .pytest_cache
