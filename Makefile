# The two quick-start commands (`make run`, `make test`) set themselves up in a local .venv
# from this project's own files, so a fresh clone needs nothing installed by hand.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8080
# `make run` replays the bundled demo batches so the console has something to show;
# `make run DEMO=` starts an empty simulator.
DEMO ?= --demo

.PHONY: run test fuzz bench clean

$(STAMP): pyproject.toml tests/realclients/package-lock.json
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	# Heap's own Node client, for tests/simulator/test_real_clients.py (skipped where there is no npm).
	if command -v npm >/dev/null 2>&1; then npm ci --prefix tests/realclients --no-audit --no-fund --silent; fi
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/heap-mock serve --host $(HOST) --port $(PORT) $(DEMO)

test: $(STAMP)
	$(BIN)/python -m pytest -n auto -q

# The generated tests (hypothesis, schemathesis) with many more examples, random each run: minutes, not seconds.
fuzz: $(STAMP)
	HEAP_SIM_FUZZ=long $(BIN)/python -m pytest -n auto -q -m generated

bench: $(STAMP)
	$(BIN)/python -m bench --quick

clean:
	rm -rf $(VENV) build *.egg-info
