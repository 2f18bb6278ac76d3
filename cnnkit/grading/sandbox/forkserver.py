"""Host side of the fork server: sandboxed kernels that start with TensorFlow already imported.

A :class:`ForkServer` is one long-lived bwrap sandbox running ``cnnkit.grading.sandbox.zygote``; it
forks one kernel at a time, each made a sandbox of its own before the submission's code runs (see
that module). A run gets a :class:`Slot`: a folder of the server's spool holding the run's work
folder, kernel folder (sockets, connection file) and log, as the host and the server see them.
:class:`ForkServers` keeps idle servers per kind of kernel (what it preloads), one per grading
thread at most; a server starts on its first run and lives until the batch ends.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import sys
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

import psutil

from cnnkit.grading.sandbox.policy import SPOOL, SandboxPolicy, sandbox_env
from cnnkit.grading.sandbox.rundir import discard, new_run_dir, sweep_dead_runs
from cnnkit.grading.sandbox.service import SandboxedService

log = logging.getLogger(__name__)

ZYGOTE_ARGV = (sys.executable, "-m", "cnnkit.grading.sandbox.zygote")
#: the fork server's first answer comes after TensorFlow is imported: slow on a loaded machine
START_TIMEOUT = 180.0
#: bytes of a run's log kept for the grader (crashes, C-level warnings)
LOG_TAIL = 64 * 1024


@dataclass
class Slot:
    """One run's folder in a fork server's spool: ``work`` (the notebook's folder), ``kernel`` (its
    sockets and connection file) and ``log`` (its stdout/stderr). The grader reads the log through the
    descriptor it opened when it made the file, so nothing the run does to the path can redirect it."""

    token: str
    root: Path
    _log_fd: int

    @property
    def work(self) -> Path:
        return self.root / "work"

    @property
    def kernel(self) -> Path:
        return self.root / "kernel"

    def log_text(self) -> str:
        try:
            size = os.fstat(self._log_fd).st_size
            data = os.pread(self._log_fd, LOG_TAIL, max(0, size - LOG_TAIL))
        except OSError:
            return ""
        return data.decode("utf-8", "replace")

    def remove(self) -> None:
        try:
            os.close(self._log_fd)
        except OSError:
            pass
        discard(self.root)


class ForeignProcess:
    """``subprocess.Popen``'s face for a process this one did not start (the fork server's child), as
    jupyter_client's provisioner uses it: ``poll``, ``wait``, signals. Its exit code is the server's to
    read, so a finished run reads as -9 (killed) or 0."""

    stdin = stdout = stderr = None

    def __init__(self, proc: psutil.Process):
        self.proc = proc
        self.pid = proc.pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                gone = not self.proc.is_running() or self.proc.status() == psutil.STATUS_ZOMBIE
            except psutil.Error:
                gone = True
            if gone:
                self.returncode = 0
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"process {self.pid} is still running")
            time.sleep(0.02)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        try:
            self.proc.send_signal(signum)
        except psutil.NoSuchProcess:
            pass

    def kill(self) -> None:
        self.send_signal(9)
        self.returncode = -9

    def terminate(self) -> None:
        self.send_signal(15)


def _ns_pid(pid: int) -> int | None:
    """The pid a host process has in the namespace one level down (``NSpid`` of /proc/PID/status)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("NSpid:"):
                    ids = line.split()[1:]
                    return int(ids[1]) if len(ids) > 1 else None
    except OSError:
        return None
    return None


class ForkServer:
    """One fork server (a sandboxed ``cnnkit.grading.sandbox.zygote``) and its spool on the host."""

    def __init__(self, policy: SandboxPolicy, *, bwrap: str | None = None):
        self.spool = new_run_dir()
        self.policy = replace(policy, workdir=None, spool=self.spool, nested=True, max_data_mb=None)
        self.service = SandboxedService(ZYGOTE_ARGV, self.policy, bwrap=bwrap)
        self._started = False

    def start(self) -> None:
        """Start the server and wait until it has imported everything (no-op once it runs)."""
        if not (self._started and self.service.alive):
            self.service.request({"ping": 1}, timeout=START_TIMEOUT)
            self._started = True

    def slot(self) -> Slot:
        # a long-lived server makes no new run folder per kernel: sweep dead graders' folders here (and in
        # Slot.remove), so kernels still clean up after a grader that was killed (e.g. a Dask worker)
        sweep_dead_runs()
        token = secrets.token_hex(6)
        root = self.spool / token
        for sub in ("work", "kernel"):
            (root / sub).mkdir(parents=True)
        log = root / "log"
        fd = os.open(log, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        return Slot(token, root, fd)

    def spawn(self, slot: Slot, argv: list[str], connection_file: str, policy: SandboxPolicy) -> psutil.Process:
        """Fork a kernel for ``slot``, ``argv`` being ``python -m MODULE ...``; its process as the host sees it.
        ``policy`` gives the run's environment and size limits (the server was started with its preload)."""
        self.start()
        limits = {"tmp_mb": policy.tmp_size_mb, "home_mb": policy.home_size_mb, "shm_mb": policy.shm_size_mb,
                  "file_mb": policy.max_file_mb, "data_mb": policy.max_data_mb}
        reply = self.service.request({"spawn": slot.token, "argv": list(argv), "connection_file": connection_file,
                                      "env": sandbox_env(policy), "limits": limits}, timeout=30)
        return self._host_process(int(reply["pid"]))

    def _host_process(self, pid: int) -> psutil.Process:
        root = psutil.Process(self.service.pid)
        for _ in range(100):
            for proc in root.children(recursive=True):
                if _ns_pid(proc.pid) == pid:
                    return proc
            time.sleep(0.01)
        raise RuntimeError(f"the fork server's child {pid} is not among its processes")

    def close(self) -> None:
        self.service.close()
        shutil.rmtree(self.spool, ignore_errors=True)


class ForkServers:
    """Idle fork servers per kind of kernel; ``take(key, policy)`` one (started if new), ``give`` it back."""

    def __init__(self, *, bwrap: str | None = None):
        self.bwrap = bwrap
        self._idle: dict[object, list[ForkServer]] = {}
        self._all: list[ForkServer] = []
        self._lock = threading.Lock()

    def take(self, key, policy: SandboxPolicy) -> ForkServer:
        with self._lock:
            idle = self._idle.setdefault(key, [])
            if idle:
                return idle.pop()
            server = ForkServer(policy, bwrap=self.bwrap)
            self._all.append(server)
        return server

    def warm(self, key, policy: SandboxPolicy, count: int) -> list[threading.Thread]:
        """Start up to ``count`` idle servers of this kind in the background (what a grading thread would
        otherwise wait for on its first run); the threads that start them. A server that fails to start
        here is tried again, and given up for fresh kernels, when a run takes it."""
        with self._lock:
            idle = self._idle.setdefault(key, [])
            new = [ForkServer(policy, bwrap=self.bwrap) for _ in range(max(0, count - len(idle)))]
            idle.extend(new)
            self._all.extend(new)
        threads = [threading.Thread(target=_start_quietly, args=(server,), name="cnnkit-warm-fork-server", daemon=True)
                   for server in new]
        for thread in threads:
            thread.start()
        return threads

    def give(self, key, server: ForkServer) -> None:
        with self._lock:
            self._idle.setdefault(key, []).append(server)

    def close(self) -> None:
        with self._lock:
            servers, self._all, self._idle = self._all, [], {}
        for server in servers:
            server.close()


def _start_quietly(server: ForkServer) -> None:
    try:
        server.start()
    except Exception as error:  # the run that takes this server tries again and falls back if it must
        log.info("warming a fork server failed (%s); the first run that takes it starts it again", error)
