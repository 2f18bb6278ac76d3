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


_PAGE = os.sysconf("SC_PAGE_SIZE")
#: Linux lists each thread's children in /proc (CONFIG_PROC_CHILDREN); without it, psutil scans every process
_CHILDREN_FILES = os.path.exists(f"/proc/{os.getpid()}/task/{os.getpid()}/children")


def _children(pid: int) -> list[int]:
    """The pids whose parent is ``pid`` — read from its threads' ``children`` files, not from every process."""
    kids: list[int] = []
    try:
        threads = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return kids
    for tid in threads:
        try:
            with open(f"/proc/{pid}/task/{tid}/children", "rb") as f:
                kids.extend(map(int, f.read().split()))
        except (OSError, ValueError):
            pass
    return kids


def _rss(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/statm", "rb") as f:
            return int(f.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        return None


def tree_usage(root: int | psutil.Process) -> tuple[int, int]:
    """(summed RSS in bytes, number of processes) of ``root``'s tree — shared pages count once per process.

    The watchdog asks five times a second for every sandbox: walking down from ``root`` costs a few
    reads per process of the tree, where psutil's ``children()`` reads the status of every process on
    the machine."""
    top = _root(root)
    if top is None:
        return 0, 0
    if not _CHILDREN_FILES:
        return _usage_by_psutil(top)
    rss = count = 0
    pending = [top.pid]
    while pending:
        pid = pending.pop()
        size = _rss(pid)
        if size is None:  # gone meanwhile: its children, if any, are the namespace init's now
            continue
        rss += size
        count += 1
        pending.extend(_children(pid))
    return rss, count


def _usage_by_psutil(root: psutil.Process) -> tuple[int, int]:
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
