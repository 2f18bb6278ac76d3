"""A long-lived sandboxed helper process answering JSON-line requests (e.g. the model referee).

``SandboxedService(argv, policy)`` starts ``bwrap <policy> -- argv`` on first use, sends one JSON
object per line on its stdin and reads one JSON line back from its stdout (``request``); it
restarts the process if it died, kills it past a request's timeout or its memory limit, and kills
its whole tree on ``close``. Files for it go in ``policy.inbox`` (read-only inside, at
``/home/student/inbox``): ``put`` copies one in and returns the path the service sees.
The service side is ``serve(handler)``: it keeps stdout for replies only. Without the sandbox,
``run_as`` runs it as an unprivileged user of its own, which is handed the inbox (and nothing else).
"""

from __future__ import annotations

import json
import logging
import os
import selectors
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Callable, Sequence

import psutil

from cnnkit.grading.sandbox.fonts import matplotlib_font_list
from cnnkit.grading.sandbox.policy import SandboxPolicy, bwrap_argv, inside, unsandboxed
from cnnkit.grading.sandbox.procs import TailReader, kill_tree
from cnnkit.grading.sandbox.support import require
from cnnkit.grading.sandbox.watchdog import Watchdog

log = logging.getLogger(__name__)

#: the one thread every service process is started from. bwrap's ``--die-with-parent`` (PR_SET_PDEATHSIG)
#: fires when the *thread* that started it ends, not the process: a service started from a short-lived
#: thread (a grading pool's, a Dask task's) was killed between requests. This thread lives as long as
#: the process, so a service still dies with its grader, and only then.
_SPAWNER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cnnkit-service-start")


class ServiceError(RuntimeError):
    """The service failed a request (its message), died, or answered something that is not JSON."""


class SandboxedService:
    """One sandboxed helper process; ``request(dict, timeout) -> dict``. Use as a context manager."""

    def __init__(self, argv: Sequence[str], policy: SandboxPolicy, *, memory_limit_mb: int | None = None,
                 max_reply_bytes: int = 1 << 20, bwrap: str | None = None, sandbox: bool = True, run_as=None):
        if sandbox and run_as is not None:
            raise ValueError("run_as is for services without the sandbox (bubblewrap already runs them as an "
                             "unprivileged user of their own)")
        self.argv = list(argv)
        if memory_limit_mb is not None and policy.max_data_mb is None:
            policy = replace(policy, max_data_mb=memory_limit_mb)
        self.policy = policy
        self.sandbox = sandbox
        self.run_as = run_as
        self.memory_limit_mb = memory_limit_mb
        self.max_reply_bytes = max_reply_bytes
        self.bwrap = bwrap
        self.starts = 0
        self._proc: subprocess.Popen | None = None
        self._log: TailReader | None = None
        self._watchdog: Watchdog | None = None
        self._buffer = b""
        self._lock = threading.Lock()

    # -- life cycle -------------------------------------------------------------------------
    def start(self) -> None:
        """Start the process (no-op while it runs)."""
        if self.alive:
            return
        self._stop()
        if self.sandbox:
            require(self.bwrap)
        read, write = os.pipe()
        if self.sandbox:
            argv = bwrap_argv(self.policy, self.argv, bwrap=self.bwrap, files=matplotlib_font_list(self.bwrap))
            env, cwd = {"PATH": "/usr/bin:/bin"}, None
        else:  # --no-sandbox: the same process, limits and protocol, on the host
            argv, env, cwd = unsandboxed(self.policy, self.argv, self.run_as)
            if self.run_as is not None and self.policy.inbox is not None:
                from cnnkit.grading.sandbox.identity import hand_over

                hand_over(self.run_as, self.policy.inbox)
        try:
            self._proc = _SPAWNER.submit(subprocess.Popen, argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=write, env=env, cwd=cwd, start_new_session=True).result()
        finally:
            os.close(write)
        self._log = TailReader(read)
        os.set_blocking(self._proc.stdout.fileno(), False)
        self._buffer = b""
        self.starts += 1
        self._process = psutil.Process(self._proc.pid)
        self._watchdog = Watchdog(self._process, memory_limit_mb=self.memory_limit_mb, what="the service")
        self._watchdog.start()

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        """The host pid of the outer ``bwrap`` process."""
        return self._proc.pid if self._proc else None

    def log(self) -> str:
        """The last 64 KiB of the service's stderr."""
        return self._log.text() if self._log else ""

    def close(self) -> None:
        """Kill the service and everything it started."""
        with self._lock:
            self._stop()

    def _stop(self) -> None:
        if self._watchdog is not None:
            self._watchdog.close()
            self._watchdog = None
        if self._proc is not None:
            kill_tree(self._process)
            self._proc.wait(timeout=10)
            for stream in (self._proc.stdin, self._proc.stdout):
                try:
                    stream.close()
                except OSError:
                    pass
            self._proc = None
        if self._log is not None:
            self._log.join(timeout=2)

    def __enter__(self) -> "SandboxedService":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- requests -----------------------------------------------------------------------------
    def put(self, path: os.PathLike | str, name: str | None = None) -> str:
        """Copy a host file into the inbox; returns the path the service sees it at."""
        if self.policy.inbox is None:
            raise ValueError("this service has no inbox — give its SandboxPolicy an inbox folder")
        dest = self.policy.inbox / (name or Path(path).name)
        if not dest.exists():
            shutil.copyfile(path, dest, follow_symlinks=False)
        return inside(self.policy, dest) if self.sandbox else str(dest)

    def request(self, payload: dict, timeout: float = 60.0) -> dict:
        """Send ``payload``; the service's reply. Raises TimeoutError (the service is then killed)
        or ServiceError (it failed, died or answered garbage; it restarts on the next request)."""
        with self._lock:
            self.start()
            line = json.dumps(payload).encode() + b"\n"
            try:
                self._proc.stdin.write(line)
                self._proc.stdin.flush()
            except (BrokenPipeError, OSError):
                raise self._died("it closed its input") from None
            raw = self._read_line(timeout)
        try:
            reply = json.loads(raw)
        except ValueError:
            raise ServiceError(f"the service answered something that is not JSON: {raw[:200]!r}") from None
        if not isinstance(reply, dict) or not ({"ok", "error"} & reply.keys()):
            raise ServiceError(f"the service answered an unexpected value: {str(reply)[:200]}")
        if "error" in reply:
            raise ServiceError(str(reply["error"]))
        return reply["ok"]

    def _read_line(self, timeout: float) -> bytes:
        deadline = time.monotonic() + timeout
        fd = self._proc.stdout.fileno()
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            while b"\n" not in self._buffer:
                if len(self._buffer) > self.max_reply_bytes:
                    self._stop()
                    raise ServiceError(f"the service's reply is over {self.max_reply_bytes} bytes — it was stopped")
                left = deadline - time.monotonic()
                if left <= 0:
                    self._stop()
                    raise TimeoutError(f"the service did not answer within {timeout:.0f} s — it was stopped")
                if not selector.select(min(left, 0.5)):
                    if not self.alive:
                        raise self._died("it exited")
                    continue
                try:
                    chunk = os.read(fd, 65536)
                except BlockingIOError:
                    continue
                if not chunk:
                    raise self._died("it exited")
                self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line

    def _died(self, how: str) -> ServiceError:
        stopped = self._watchdog.stopped if self._watchdog else None
        self._stop()
        why = stopped[1] if stopped else f"{how}; its last words: {self.log()[-500:].strip()!r}"
        return ServiceError(f"the service died during the request — {why}")


def serve(handler: Callable[[dict], dict]) -> None:
    """The service side: answer each JSON line on stdin with ``{"ok": handler(request)}`` or
    ``{"error": "..."}``. Anything else printed (by the handler, Keras, TensorFlow) goes to stderr."""
    replies = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            reply = {"ok": handler(json.loads(line))}
        except Exception as error:  # noqa: BLE001 - every failure becomes an answer
            reply = {"error": f"{type(error).__name__}: {error}"}
        replies.write(json.dumps(reply) + "\n")
        replies.flush()
