#!/usr/bin/env bash
# cnnkit's Gradescope set-up (Gradescope runs it once, as root, when it builds the autograder image).
#   1. a Python >= 3.11 with venv (installed with apt when the image has none),
#   2. a virtual environment at $CNNKIT_VENV (default /opt/cnnkit-venv) with the cnnkit wheel shipped
#      in this zip and its "cpu,instructor" extras (TensorFlow for the CPU, nbgrader, the grader),
#   3. python -m cnnkit.grading.gradescope.provision: the two unprivileged users (notebook, referee),
#      the assignment's datasets in /opt/cnnkit-data, the autograder's source readable by root only.
# `setup.sh --users-only` does step 3 without the datasets, with $CNNKIT_PYTHON (the tests run that).
set -euo pipefail

ROOT="${AUTOGRADER_ROOT:-/autograder}"
SOURCE="$ROOT/source"
VENV="${CNNKIT_VENV:-/opt/cnnkit-venv}"

pick_python() {
    local candidate
    for candidate in python3.13 python3.12 python3.11 python3; do
        if command -v "$candidate" >/dev/null 2>&1 &&
           "$candidate" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}

if [ "${1:-}" = "--users-only" ]; then
    exec "${CNNKIT_PYTHON:-$VENV/bin/python}" -m cnnkit.grading.gradescope.provision --root "$ROOT" --users-only
fi

PYTHON="$(pick_python || true)"
if [ -z "$PYTHON" ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q python3-venv || true
    PYTHON="$(pick_python || true)"
    if [ -z "$PYTHON" ]; then
        apt-get install -y -q python3.11 python3.11-venv
        PYTHON="$(pick_python)"
    fi
fi
echo "cnnkit set-up: $("$PYTHON" --version) at $PYTHON"

WHEEL="$(ls "$SOURCE"/cnnkit-*.whl | head -n 1)"
"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q "${WHEEL}[cpu,instructor]"
chmod -R a+rX "$VENV"   # the notebook and referee users run this Python (it holds nothing secret)

"$VENV/bin/python" -m cnnkit.grading.gradescope.provision --root "$ROOT"
