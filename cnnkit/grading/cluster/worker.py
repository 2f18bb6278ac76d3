"""The worker side of cluster grading: one submission run exactly as the local grader runs it, and the
state a worker process keeps for it (one executor, one referee, the unpacked trusted bundles).

``grade`` rebuilds what ``run_submission`` needs from what its task carries and returns the ``Graded``.
It writes only into fresh temporary folders and records nothing, so when Dask runs a task again after
losing its worker, the result is the same. The referee (a long-lived sandboxed process) starts on the
first task that needs it, in that task's thread, and closes with the worker (``GradingPlugin``). If the
worker process is killed, bwrap's ``--die-with-parent`` takes every sandbox it started with it.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import shutil
import tempfile
import threading
from collections import OrderedDict
from pathlib import Path

from distributed import WorkerPlugin

from cnnkit.grading.cluster.payload import Bundle, Task, unpack_submission, unpack_trusted
from cnnkit.grading.feedback import Screen, secret_lines
from cnnkit.grading.grade_one import BatchContext, Graded, run_submission

log = logging.getLogger(__name__)

__all__ = ["GradingPlugin", "WorkerState", "state", "close_state", "hold", "grade", "digest", "check"]

#: unpacked bundles a worker keeps (the least recently used unused one goes first)
KEEP_BUNDLES = 16
PLUGIN_NAME = "cnnkit-grading"


class WorkerState:
    """What one worker process reuses across tasks; thread-safe (a worker may run several tasks at once)."""

    def __init__(self):
        self.root = Path(tempfile.mkdtemp(prefix="cnk-worker-"))
        self._lock = threading.Lock()
        self._executors: dict = {}
        self._referees: dict = {}
        self._bundles: OrderedDict = OrderedDict()   # digest → [TrustedAssignment, secret lines, tasks using it]

    def executor(self, sandbox: bool, preload=()):
        """One executor per (sandbox, preload); its sandboxes share this machine's cores between the
        worker's threads, as a local run shares them between its workers."""
        from cnnkit.grading.batch import batch_executor

        key = (sandbox, tuple(preload))
        with self._lock:
            if key not in self._executors:
                self._executors[key] = batch_executor(sandbox, _worker_threads(), preload)
            return self._executors[key]

    def referee(self, sandbox: bool):
        """The worker's referee (its process starts on the first request)."""
        from cnnkit.grading.referee.client import Referee

        executor = self.executor(sandbox)
        with self._lock:
            if sandbox not in self._referees:
                self._referees[sandbox] = Referee(executor.start_service)
            return self._referees[sandbox]

    @contextlib.contextmanager
    def trusted(self, bundle: Bundle):
        """``(TrustedAssignment, secret lines)`` of ``bundle``, unpacked once per worker; kept while in use."""
        with self._lock:
            entry = self._bundles.get(bundle.digest)
            if entry is None:
                folder = self.root / "trusted" / bundle.digest[:24]
                shutil.rmtree(folder, ignore_errors=True)
                trusted = unpack_trusted(bundle, folder)
                entry = self._bundles[bundle.digest] = [trusted, secret_lines(trusted.source_nb), 0]
            self._bundles.move_to_end(bundle.digest)
            entry[2] += 1
            self._evict()
        try:
            yield entry[0], entry[1]
        finally:
            with self._lock:
                entry[2] -= 1

    def _evict(self) -> None:
        for digest in [d for d, e in self._bundles.items() if e[2] == 0][: max(0, len(self._bundles) - KEEP_BUNDLES)]:
            trusted = self._bundles.pop(digest)[0]
            shutil.rmtree(trusted.assignment.course.root, ignore_errors=True)

    def close(self) -> None:
        with self._lock:
            for referee in self._referees.values():
                try:
                    referee.close()
                except Exception:  # noqa: BLE001 - closing the rest matters more
                    log.exception("closing the worker's referee failed")
            self._referees.clear()
            for executor in self._executors.values():
                executor.close()
            self._executors.clear()
            self._bundles.clear()
            shutil.rmtree(self.root, ignore_errors=True)


def _worker_threads() -> int:
    try:
        from distributed import get_worker

        return max(1, get_worker().state.nthreads)
    except ValueError:  # not inside a Dask worker (a direct call)
        return 1


_STATE: WorkerState | None = None
_STATE_LOCK = threading.Lock()


def state() -> WorkerState:
    """This process's WorkerState, created on first use."""
    global _STATE
    with _STATE_LOCK:
        if _STATE is None:
            _STATE = WorkerState()
            atexit.register(close_state)  # a worker closed without its plugin's teardown
        return _STATE


def close_state() -> None:
    """Close the referee and remove the unpacked bundles (the worker is closing)."""
    global _STATE
    with _STATE_LOCK:
        current, _STATE = _STATE, None
    if current is not None:
        current.close()


class GradingPlugin(WorkerPlugin):
    """Closes the worker's grading state when the worker closes."""

    idempotent = True   # a second batch's registration keeps the worker's state
    name = PLUGIN_NAME

    def teardown(self, worker) -> None:
        close_state()


# --- tasks --------------------------------------------------------------------------------------

def hold(bundle: Bundle) -> Bundle:
    """A bundle as a task's result: the scheduler keeps the task, so a bundle lost with its worker is
    made again (scattered data would be gone for good)."""
    return bundle


def grade(task: Task, bundle: Bundle, files: dict) -> Graded:
    """Run one submission (``grade_one.run_submission``) on this worker; nothing is recorded here."""
    if bundle.name != task.assignment:
        raise ValueError(f"task for {task.assignment} came with the bundle of {bundle.name}")
    s = state()
    with s.trusted(bundle) as (trusted, secrets):
        executor = s.executor(task.sandbox, task.preload)
        referee = s.referee(task.sandbox) if trusted.assignment.config.trained else None
        with tempfile.TemporaryDirectory(prefix="cnk-task-", dir=s.root) as tmp:
            folder = unpack_submission(files, Path(tmp) / task.student / task.assignment)
            screen = Screen(secrets, {**task.screen, str(trusted.assignment.course.root): "<course>",
                                      str(s.root): "<tmp>", tmp: "<tmp>"})
            ctx = BatchContext(trusted={task.assignment: trusted}, executor=executor, referee=referee, db_url="",
                               out=Path(tmp), limits={task.assignment: task.limits},
                               screen={task.assignment: screen})
            return run_submission(ctx, task.student, task.assignment, folder)


def digest(sandbox: bool, name: str, data: bytes) -> str | None:
    """The weights digest of a model file, by this worker's referee (for the batch's integrity flags)."""
    s = state()
    referee = s.referee(sandbox)
    with tempfile.TemporaryDirectory(prefix="cnk-digest-", dir=s.root) as tmp:
        path = Path(tmp) / Path(name).name
        path.write_bytes(data)
        return referee.digest(path)


def check(sandbox: bool) -> str | None:
    """Run on every worker before a batch: why this worker cannot grade, or None."""
    if sandbox:
        from cnnkit.grading.sandbox.support import probe

        support = probe()
        if not support.ok:
            return support.message()
    return None
