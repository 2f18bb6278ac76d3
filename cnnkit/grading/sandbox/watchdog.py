"""A thread that watches one sandbox from the host and kills its whole process tree past a limit.

It sums the RSS of every process under the ``bwrap`` process (the kernel and anything it started),
counts them (fork bombs), checks the wall-clock budget and the size of the writable host folders,
and runs extra checks (e.g. "the client saw an oversized message"). The first limit hit wins.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable, Iterable

import psutil

from cnnkit.grading.sandbox.procs import dir_usage, kill_tree, tree_usage

log = logging.getLogger(__name__)

#: files the writable host folders may hold (each scan stops counting past it)
MAX_FILES = 100_000

Stop = tuple[str, str]  # (kind, reason): kind is "timeout", "memory", "processes", "disk" or "output"


class Watchdog(threading.Thread):
    """Watch the tree of ``proc``; on the first limit hit, record ``stopped`` and kill the tree."""

    def __init__(self, proc: psutil.Process, *, memory_limit_mb: int | None = None, deadline: float | None = None,
                 budget_s: float | None = None, max_processes: int | None = None,
                 disk_paths: Iterable[str] = (), disk_limit_mb: int | None = None,
                 checks: Iterable[Callable[[], Stop | None]] = (), interval: float = 0.2,
                 what: str = "the notebook"):
        super().__init__(name=f"sandbox-watchdog-{proc.pid}", daemon=True)
        self.proc = proc
        self.memory_limit = memory_limit_mb * 2**20 if memory_limit_mb else None
        self.memory_limit_mb = memory_limit_mb
        self.deadline = deadline  # time.monotonic() value
        self.budget_s = budget_s
        self.max_processes = max_processes
        self.disk_paths = list(disk_paths)
        self.disk_limit_mb = disk_limit_mb
        self.checks = list(checks)
        self.interval = interval
        self.what = what
        self.stopped: Stop | None = None
        self.peak_rss = 0
        self._done = threading.Event()
        self._lock = threading.Lock()

    def run(self) -> None:
        tick = 0
        while not self._done.is_set():
            stop = self._check(disk=tick % 2 == 0)  # a folder scan every 0.4 s
            if stop is not None:
                self.stop(*stop)
                return
            tick += 1
            self._done.wait(self.interval)

    def _check(self, disk: bool) -> Stop | None:
        rss, count = tree_usage(self.proc)
        self.peak_rss = max(self.peak_rss, rss)
        if count == 0:  # the sandbox is gone
            self._done.set()
            return None
        if self.memory_limit and rss > self.memory_limit:
            return ("memory", f"{self.what} used {rss / 2**20:.0f} MB of memory, over the {self.memory_limit_mb} MB "
                              "limit — the kernel was stopped there; raise it with --memory-limit")
        if self.max_processes and count > self.max_processes:
            return ("processes", f"{self.what} started more than {self.max_processes} processes (a fork bomb?) — "
                                 "the kernel was stopped there")
        if self.deadline is not None and time.monotonic() > self.deadline:
            return ("timeout", f"{self.what} ran over its {self.budget_s:.0f} s budget — the kernel was stopped "
                               "there; raise it with --submission-timeout")
        if disk and self.disk_limit_mb:
            usage = [dir_usage(p, MAX_FILES) for p in self.disk_paths]
            used, files = sum(u[0] for u in usage), sum(u[1] for u in usage)
            if files > MAX_FILES:
                return ("disk", f"{self.what} created more than {MAX_FILES} files — the kernel was stopped there")
            if used > self.disk_limit_mb * 2**20:
                return ("disk", f"{self.what} wrote {used / 2**20:.0f} MB of files, over the {self.disk_limit_mb} MB "
                                "limit — the kernel was stopped there")
        for check in self.checks:
            stop = check()
            if stop is not None:
                return stop
        return None

    def stop(self, kind: str, reason: str) -> None:
        """Record why (first call wins) and kill the tree; also used by the client (e.g. a cell timeout)."""
        with self._lock:
            if self.stopped is None:
                self.stopped = (kind, reason)
                log.info("stopping sandbox %s: %s", self.proc.pid, reason)
        self._done.set()
        kill_tree(self.proc)

    def close(self) -> None:
        """Stop watching (the run is over)."""
        self._done.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(timeout=5)
