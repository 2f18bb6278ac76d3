"""Host-side process helpers: kill a sandbox's whole process tree, measure it, keep a bounded log tail."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections import deque

import psutil


def _root(proc: int | psutil.Process) -> psutil.Process | None:
    """The process, or None if it is gone — a psutil.Process also notices its pid was reused."""
    try:
        root = proc if isinstance(proc, psutil.Process) else psutil.Process(proc)
        return root if root.is_running() else None
    except psutil.Error:
        return None


def tree(proc: int | psutil.Process) -> list[psutil.Process]:
    """``proc`` and all its descendants (empty if it is gone)."""
    root = _root(proc)
    try:
        return [root, *root.children(recursive=True)] if root else []
    except psutil.Error:
        return []


def kill_tree(proc: int | psutil.Process, timeout: float = 5.0) -> None:
    """SIGKILL ``proc`` (the outer ``bwrap``) and everything under it, then wait for them to go.

    Pass the ``psutil.Process`` taken at launch: it refuses to signal a recycled pid.

    Killing bwrap's namespace init (its child) already makes the kernel kill every process of the
    PID namespace, ``setsid`` / double-forked ones included; signalling each one is belt and braces.
    """
    root = _root(proc)
    if root is None:
        return
    try:
        # the namespace init (bwrap's child) first: once it dies, the kernel kills the rest
        procs = [*root.children(), root, *root.children(recursive=True)]
    except psutil.Error:
        return
    for each in procs:
        try:
            each.send_signal(signal.SIGKILL)
        except psutil.Error:
            pass
    # only our direct child can be reaped here; the others are gone once dead or zombies
    pending = [p for p in procs if p.pid != root.pid]
    deadline = time.monotonic() + timeout
    while pending and time.monotonic() < deadline:
        pending = [p for p in pending if _running(p)]
        if pending:
            time.sleep(0.01)


def _running(proc: psutil.Process) -> bool:
    try:
        return proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def tree_usage(root: int | psutil.Process) -> tuple[int, int]:
    """(summed RSS in bytes, number of processes) of ``root``'s tree — shared pages count once per process."""
    rss = count = 0
    for proc in tree(root):
        try:
            rss += proc.memory_info().rss
            count += 1
        except psutil.Error:
            pass
    return rss, count


def dir_usage(path: str, max_entries: int = 100_000) -> tuple[int, int]:
    """(bytes, entries) under ``path`` without following symlinks; stops counting at ``max_entries``."""
    total = entries = 0
    stack = [path]
    while stack and entries <= max_entries:
        try:
            with os.scandir(stack.pop()) as it:
                for entry in it:
                    entries += 1
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            stack.append(entry.path)
                        else:
                            total += entry.stat(follow_symlinks=False).st_blocks * 512
                    except OSError:
                        pass
        except OSError:
            pass
    return total, entries


class TailReader:
    """Read a pipe in a daemon thread, keeping only its last ``limit`` bytes (the kernel's own stderr)."""

    def __init__(self, fd: int, limit: int = 64 * 1024):
        self._fd = fd
        self._chunks: deque[bytes] = deque()
        self._size = 0
        self._limit = limit
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="sandbox-log", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            while chunk := os.read(self._fd, 65536):
                with self._lock:
                    self._chunks.append(chunk)
                    self._size += len(chunk)
                    while self._size - len(self._chunks[0]) >= self._limit:
                        self._size -= len(self._chunks.popleft())
        except OSError:
            pass
        finally:
            os.close(self._fd)

    def text(self) -> str:
        with self._lock:
            data = b"".join(self._chunks)
        return data[-self._limit:].decode("utf-8", "replace")

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)
