# The two quick-start commands (`make run`, `make test`) set themselves up in a local .venv
# from this project's own files, so a fresh clone needs nothing installed by hand.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8080

.PHONY: run test test-properties bench clean

$(STAMP): pyproject.toml tests/realclients/package-lock.json
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	# Heap's own Node client, for tests/simulator/test_real_clients.py (skipped where there is no npm).
	if command -v npm >/dev/null 2>&1; then npm ci --prefix tests/realclients --no-audit --no-fund --silent; fi
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/heap-mock serve --host $(HOST) --port $(PORT)

test: $(STAMP)
	$(BIN)/python -m pytest -n auto -q

# The property-based tests with many more examples than `make test` gives them (minutes, not seconds).
test-properties: $(STAMP)
	HEAP_SIM_PROPERTY_EXAMPLES=$${HEAP_SIM_PROPERTY_EXAMPLES:-2000} $(BIN)/python -m pytest -n auto -q tests/forwarder/test_properties.py

bench: $(STAMP)
	$(BIN)/python -m bench --quick

clean:
	rm -rf $(VENV) build *.egg-info
