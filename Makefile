# Two commands on a fresh clone (Python 3.11+, git and make):
#   make demo   set up .venv and run modcon on examples/
#   make test   install the development tools and run the whole suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint fuzz shells containers bench clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "modcon needs Python 3.11 or newer; set PYTHON=python3.x")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	@printf '\n== modcon check examples/ ==\n\n'
	@$(BIN)/modcon check examples/ || true
	@printf '\n== modcon fix --diff examples/ (nothing is written) ==\n\n'
	@$(BIN)/modcon fix --diff examples/ || true

# The local base images of the container tests (podman, as root); where they
# cannot be built the script says why and those tests skip.
containers:
	-@sh tests/containers/base-images.sh && sh tests/containers/node-registry.sh

# `make test` runs these too (tests/test_static.py); `make lint` runs only them.
test: $(VENV)/.installed-dev shells containers
	$(BIN)/python -m pytest -n auto -q

lint: $(VENV)/.installed-dev
	$(BIN)/python -m pytest tests/test_static.py -q

# The shell-equivalence tests and the fuzzers run a real dash and bash.
shells:
	@command -v dash >/dev/null && command -v bash >/dev/null || \
		{ [ "$$(id -u)" = 0 ] && apt-get update -qq && apt-get install -y --no-install-recommends dash bash; } || \
		{ echo 'make: the tests need dash and bash (apt-get install dash bash)'; exit 1; }

# Fuzzing (tests/fuzz): FUZZ_BUDGET seconds in all, from FUZZ_SEED; a failure
# prints its seed and shrunk counterexample. `make test` runs one short round.
FUZZ_SEED ?= 13
FUZZ_BUDGET ?= 600
fuzz: $(VENV)/.installed-dev shells
	FUZZ_SEED=$(FUZZ_SEED) FUZZ_BUDGET=$(FUZZ_BUDGET) $(BIN)/python -m pytest tests/fuzz -q -s

bench: $(VENV)/.installed-dev
	$(BIN)/python benchmarks/check_speed.py
	$(BIN)/python benchmarks/action_speed.py
	$(BIN)/python benchmarks/entrypoint_speed.py
	$(BIN)/python benchmarks/compare_fixes.py

clean:
	rm -rf $(VENV) build dist .pytest_cache .hypothesis .mypy_cache
