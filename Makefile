# The two quick-start commands (`make run`, `make test`) set themselves up in a local .venv
# from this project's own files, so a fresh clone needs nothing installed by hand.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8080
FRONT_PORT ?= 8081
# `make run` sends the bundled demo batches through the front so the console has something to
# show; `make run DEMO=--no-demo` starts both empty.
DEMO ?=
# The front's settings (printed at start, with how to change them); empty keeps the demo's:
# APP_ID=<digits>, EXTERNAL_ID=mpid|customer_id (mpid when an SDK sends no customer ID),
# FORWARD_USER_ATTRIBUTES=true|false, RECORD=DIR (save received batches as conformance fixtures).
APP_ID ?=
EXTERNAL_ID ?=
FORWARD_USER_ATTRIBUTES ?=
RECORD ?=
FRONT_SETTINGS = $(if $(APP_ID),--app-id '$(APP_ID)') $(if $(EXTERNAL_ID),--external-id '$(EXTERNAL_ID)') \
	$(if $(FORWARD_USER_ATTRIBUTES),--forward-user-attributes '$(FORWARD_USER_ATTRIBUTES)') $(if $(RECORD),--record '$(RECORD)')

.PHONY: run test lint fuzz bench clean

$(STAMP): pyproject.toml tests/realclients/package-lock.json tests/mparticle_web/package-lock.json
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	# Heap's own Node client, for tests/simulator/test_real_clients.py (skipped where there is no npm).
	if command -v npm >/dev/null 2>&1; then npm ci --prefix tests/realclients --no-audit --no-fund --silent; fi
	# mParticle's web SDK, loaded in Chromium by tests/front/test_web_sdk.py.
	if command -v npm >/dev/null 2>&1; then npm ci --prefix tests/mparticle_web --no-audit --no-fund --silent; fi
	touch $(STAMP)

# The simulator and the mParticle-compatible front (heap-forward serve) together.
run: $(STAMP)
	$(BIN)/python -m forwarder.front.pipeline --host $(HOST) --mock-port $(PORT) --front-port $(FRONT_PORT) $(FRONT_SETTINGS) $(DEMO)

# Compiled modules cached (PYTHONDONTWRITEBYTECODE unset): the suite starts Python subprocesses.
# --dist loadgroup keeps the browser tests on one worker and the wheel's on one (tests/conftest.py);
# --durations keeps the slowest tests in sight.
test: $(STAMP)
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m pytest -n auto --dist loadgroup --durations=15 -q

# The lint rules and strict typing of pyproject.toml ([tool.ruff], [tool.mypy]): the packages typed strictly, all of it linted.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy heap_facts http_layer heap_mock forwarder conformance

# The generated tests (hypothesis, schemathesis; the simulator's and the forwarder's) with many more examples, random each run: minutes, not seconds.
fuzz: $(STAMP)
	HEAP_SIM_FUZZ=long $(BIN)/python -m pytest -n auto -q -m generated

bench: $(STAMP)
	$(BIN)/python -m bench --quick

clean:
	rm -rf $(VENV) build *.egg-info
