"""Tests that need a real component (bubblewrap, Chromium, PostgreSQL, a Dask scheduler) skip where it is
missing on a developer's machine, and fail — never skip — when ``CI`` is set: CI installs them all."""

from __future__ import annotations

import os

import pytest


def need(available: bool, what: str, fix: str) -> None:
    """Skip (locally) or fail (under CI) unless ``available``; ``fix`` says how to install ``what``."""
    if available:
        return
    message = f"{what} is not available here — {fix}"
    if os.environ.get("CI"):
        pytest.fail(f"{message} (CI must have it: .ci/run installs it through `make test`)")
    pytest.skip(message)
