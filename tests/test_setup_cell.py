"""The notebooks' first cell (``cnnkit.checks.setup.ready``) says what is missing and how to fix it."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RELEASE = ROOT / "assignments" / "03-first-cnn"


def _ready(env_extra: dict) -> subprocess.CompletedProcess:
    code = "import sys\nfrom cnnkit.checks.setup import ready\nsys.exit(0 if ready() else 3)"
    env = {**os.environ, **env_extra}
    env.pop("NBGRADER_EXECUTION", None)
    return subprocess.run([sys.executable, "-c", code], cwd=RELEASE, env=env, capture_output=True, text=True,
                          timeout=300)


def test_ready_reports_versions_and_data_when_everything_is_here():
    done = _ready({})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Keras 3" in done.stdout and "data: fashion_mnist" in done.stdout and "ready." in done.stdout


@pytest.mark.skipif(importlib.util.find_spec("torch") is not None, reason="needs a machine without PyTorch")
def test_a_missing_backend_is_named_with_the_install_line_not_a_traceback():
    done = _ready({"KERAS_BACKEND": "torch"})
    assert done.returncode == 3, done.stdout + done.stderr
    assert "MISSING: Keras's backend 'torch' (KERAS_BACKEND) is not installed: pip install torch" in done.stdout
    assert "Traceback" not in done.stderr
