"""Per-grader run folders under a short temp root: kernels' connection files, sockets and spools.

A SIGKILLed grader cannot clean up after itself, so every kernel start and every kernel end (in any
grader) sweeps the folders whose grader is gone; sweeping at the end too catches a grader that died
just as another one started a kernel (dead, but not yet reaped by its parent).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import psutil


def short_tmp() -> str:
    """A temp root short enough for AF_UNIX paths (about 100 bytes, sockets included)."""
    root = tempfile.gettempdir()
    return root if len(root) <= 40 else "/tmp"


def sweep_dead_runs() -> None:
    """Remove the ``cnk-<pid>-*`` folders of graders that died without cleaning up (a SIGKILLed
    grader leaves its connection files, sockets and spool behind)."""
    for old in Path(short_tmp()).glob("cnk-*-*"):
        pid = old.name.split("-")[1]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(old, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
    except psutil.Error:  # another user's process: not ours to judge
        return True


def discard(folder: Path) -> None:
    """Remove a run's folder when its kernel has ended, and sweep dead graders' folders."""
    shutil.rmtree(folder, ignore_errors=True)
    sweep_dead_runs()


def new_run_dir() -> Path:
    """``/tmp/cnk-<grader pid>-XXXXXXXX``, after sweeping the folders of dead graders."""
    sweep_dead_runs()
    return Path(tempfile.mkdtemp(prefix=f"cnk-{os.getpid()}-", dir=short_tmp()))
