# Every target bootstraps what it needs: `make demo` and `make test` work on a fresh clone.
#   make demo        set up, fetch the data, run the main job on the bundled defaults
#   make test        set up, fetch the data, run the test suite
#   make setup GPU=1 install the TensorFlow GPU build instead of the CPU one
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
EXTRAS := $(if $(GPU),gpu,cpu),instructor,dev
# one stamp per set of extras: `make setup GPU=1` after a CPU set-up installs again
comma  := ,
STAMP  := $(VENV)/.cnnkit-installed-$(subst $(comma),-,$(EXTRAS))
# Parallel test workers (pytest-xdist); the suite is sized for 2 cores.
JOBS   ?= 2

.PHONY: setup system-packages data demo test bench bench-train bench-grading clean-venv

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(if $(GPU),-$(BIN)/python -m pip uninstall -q -y tensorflow-cpu)
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

# Benchmarks print ratios against a baseline run in the same command (see README, Performance).
bench: bench-train bench-grading
	$(BIN)/python benchmarks/build_models.py

bench-train: data
	$(BIN)/python benchmarks/train_speed.py

bench-grading: data
	$(BIN)/python benchmarks/grading.py --synthetic $(or $(N),30)
	$(BIN)/python benchmarks/grading.py

clean-venv:
	rm -rf $(VENV)
