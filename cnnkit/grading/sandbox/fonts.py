"""Matplotlib's font list, built once inside a sandbox and then bound read-only into every sandbox.

A sandbox starts with an empty ``/tmp``, so matplotlib would rescan the fonts at every first
import (about 1.5 s per submission). The list is built in a sandbox (so it names only fonts a
sandbox sees), cached under ``~/.cache/cnnkit/sandbox`` per Python environment and matplotlib
version, and bound at ``$MPLCONFIGDIR/<its name>``.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from cnnkit.grading.sandbox.policy import SandboxPolicy, bwrap_argv, sandbox_env

log = logging.getLogger(__name__)


def _cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "cnnkit" / "sandbox"


@functools.lru_cache(maxsize=None)
def matplotlib_font_list(bwrap: str | None = None) -> dict[str, Path]:
    """``{inside path: host file}`` for the font list, or ``{}`` (no matplotlib, or building failed)."""
    try:
        version = importlib.metadata.version("matplotlib")
    except importlib.metadata.PackageNotFoundError:
        return {}
    key = hashlib.sha1(f"{sys.prefix}|{sys.base_prefix}|{version}".encode()).hexdigest()[:12]
    folder = _cache_root() / f"matplotlib-{key}"
    found = sorted(folder.glob("fontlist-*.json")) if folder.is_dir() else []
    if not found:
        try:
            found = [_build(folder, bwrap)]
        except (OSError, subprocess.SubprocessError, RuntimeError) as error:
            log.warning("could not prepare matplotlib's font list for the sandbox (%s); each sandbox "
                        "will rebuild it", error)
            return {}
    inside = sandbox_env(SandboxPolicy())["MPLCONFIGDIR"]
    return {f"{inside}/{found[0].name}": found[0]}


def _build(folder: Path, bwrap: str | None) -> Path:
    folder.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="mpl-", dir=folder.parent))
    try:
        policy = SandboxPolicy(runtime_dir=work, env={"MPLCONFIGDIR": str(work)})
        argv = bwrap_argv(policy, [sys.executable, "-c", "import matplotlib.font_manager"], bwrap=bwrap)
        run = subprocess.run(argv, capture_output=True, text=True, timeout=120, env={"PATH": "/usr/bin:/bin"})
        built = sorted(work.glob("fontlist-*.json"))
        if run.returncode != 0 or not built:
            raise RuntimeError(f"exit {run.returncode}: {run.stderr[-500:]}")
        try:
            work.rename(folder)
        except OSError:  # another grader process was first: use its folder
            pass
        return sorted(folder.glob("fontlist-*.json"))[0]
    finally:
        shutil.rmtree(work, ignore_errors=True)
