# Every target bootstraps what it needs: `make demo` and `make test` work on a fresh clone.
#   make demo        set up, fetch the data, run the main job on the bundled defaults
#   make test        set up, fetch the data, run the test suite
#   make setup GPU=1 install the TensorFlow GPU build instead of the CPU one
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
EXTRAS := $(if $(GPU),gpu,cpu),instructor,dev
STAMP  := $(VENV)/.cnnkit-installed
# Parallel test workers (pytest-xdist); the suite is sized for 2 cores.
JOBS   ?= 2

.PHONY: setup system-packages data demo test bench clean-venv

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[$(EXTRAS)]"
	@touch $@

setup: $(STAMP) system-packages

system-packages:
	@bash scripts/install-system-packages.sh

data: setup
	$(BIN)/cnnkit data fetch

demo: data
	$(BIN)/cnnkit demo

test: data
	$(BIN)/python -m pytest -n $(JOBS) --dist loadgroup --durations=15 $(PYTEST_ARGS)

bench: setup
	$(BIN)/python benchmarks/build_models.py
	$(BIN)/python benchmarks/grading.py

clean-venv:
	rm -rf $(VENV)
