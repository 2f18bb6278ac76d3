"""Where a submission's notebook runs: in a bubblewrap sandbox (the default) or, with ``--no-sandbox``,
in a plain local kernel — as an unprivileged user of its own when ``run_as`` names one (where there
is no bubblewrap but the grader is root: a Gradescope container). Either way the client is the
grader's own (outside the kernel's reach), the kernel is ``cnnkit.grading.kernel``, outputs are
capped as they arrive and a watchdog enforces the memory, time, process and disk budgets over
everything the kernel starts (``cnnkit.grading.sandbox``). Sandboxed kernels are forked from fork
servers that imported TensorFlow once (``cnnkit.grading.sandbox.forkserver``), one per grading thread
and kind of kernel; where a fork server cannot run, kernels start afresh, as with ``fork_server=False``.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from cnnkit.grading.sandbox.support import SandboxUnavailable

log = logging.getLogger(__name__)

__all__ = ["RunLimits", "Execution", "Executor", "SandboxUnavailable", "make_executor", "readonly_data", "KERNEL_ARGV"]

KERNEL_ARGV = [sys.executable, "-m", "cnnkit.grading.kernel", "-f", "{connection_file}"]
REFEREE_ARGV = [sys.executable, "-m", "cnnkit.grading.referee"]


@dataclass(frozen=True)
class RunLimits:
    """Budgets for one notebook run."""

    cell_timeout: int = 120
    training_timeout: int = 900
    submission_timeout: int = 1800
    memory_mb: int = 4096
    output_cell_kb: int = 256
    output_notebook_kb: int = 4096
    disk_mb: int = 512
    training_tag: str = "training"

    def cell_budget(self, cell) -> int:
        tags = cell.get("metadata", {}).get("tags", []) or []
        return self.training_timeout if self.training_tag in tags else self.cell_timeout


@dataclass
class Execution:
    """The executed notebook (outputs as the grader's client received them) and why it stopped early, if it did."""

    nb: object
    stopped: tuple[str, str] | None
    seconds: float
    peak_memory_mb: float = 0.0
    phases: dict | None = None          # kernel start, imports, cells, shutdown (seconds)


class Executor:
    """Runs notebooks (and the referee) for one grading batch, sandboxed unless ``sandbox`` is False.

    Without the sandbox, ``run_as`` (a :class:`~cnnkit.grading.sandbox.identity.RunAs`) runs each
    notebook as that dedicated user — one run at a time, since every process of the user is killed
    when a run ends — and ``service_as`` runs the referee as another one, so a notebook can neither
    read the referee's files nor touch its process.
    """

    def __init__(self, *, sandbox: bool = True, readonly=(), env=None, threads: int = 1, preload=(),
                 run_as=None, service_as=None, fork_server: bool = True):
        if sandbox and (run_as is not None or service_as is not None):
            raise ValueError("run_as / service_as are for grading without the sandbox (bubblewrap already runs "
                             "notebooks as an unprivileged user of their own)")
        if run_as is not None and service_as is not None and run_as.uid == service_as.uid:
            raise ValueError(f"the notebooks and the referee need two different users (both are {run_as.name}): "
                             "a notebook could otherwise read the referee's files or signal it")
        self.sandboxed = sandbox
        self.readonly = tuple(Path(p) for p in readonly)
        self.env = dict(env or {})
        self.threads = threads
        self.preload = tuple(preload)
        self.run_as = run_as
        self.service_as = service_as
        self._one_at_a_time = threading.Lock() if run_as is not None else None
        self._fork_servers = None
        if sandbox and fork_server:
            from cnnkit.grading.sandbox.forkserver import ForkServers

            self._fork_servers = ForkServers()
        self.forking = self._fork_servers is not None

    def kernel_env(self, preload=()) -> dict:
        """The environment of every kernel and of the referee. oneDNN is on on every CPU (unless the
        executor's ``env`` says otherwise): TensorFlow turns it on by default only on AVX-512-class CPUs,
        and elsewhere the referee's ``predict`` runs about 2.8x slower and the notebooks' model-building
        and training tests about 10% slower; the same kernels everywhere also make a grade depend less on
        the grading machine."""
        from cnnkit.quiet import quiet_environment

        return {"NBGRADER_EXECUTION": "autograde", "PYTHONWARNINGS": "ignore", "TF_ENABLE_ONEDNN_OPTS": "1",
                **quiet_environment(), "CNNKIT_KERNEL_PRELOAD": ",".join(self._preloads(preload)),
                **self.env}

    def _preloads(self, preload=()) -> tuple[str, ...]:
        """The modules a kernel imports first: the executor's, then the run's, each once (a fork server's key)."""
        return tuple(dict.fromkeys([*self.preload, *preload]))

    def _policy(self, preload=(), **kwargs):
        from cnnkit.grading.sandbox.policy import SandboxPolicy

        env = self.kernel_env(preload)
        if self.readonly:
            from cnnkit.data.paths import data_root

            env["CNNKIT_DATA_DIR"] = str(data_root())
        kwargs.setdefault("threads", self.threads)
        return SandboxPolicy(readonly=self.readonly, env=env, **kwargs)

    def warm(self, preload=(), count: int = 1) -> list[threading.Thread]:
        """Start ``count`` fork servers for kernels that preload ``preload``, in the background (nothing
        without them); the threads starting them. The first runs then find TensorFlow imported."""
        if not self.forking:
            return []
        key = self._preloads(preload)
        return self._fork_servers.warm(key, self._policy(preload), count)

    def run(self, nb, files: dict[str, Path], limits: RunLimits, preload=()) -> Execution:
        """Copy ``files`` into a fresh private folder and run ``nb`` there; ``preload`` names modules the
        kernel imports before any cell (``keras`` also starts TensorFlow without its C++ chatter)."""
        if self._one_at_a_time is not None:
            with self._one_at_a_time:
                return self._run(nb, files, limits, preload)
        return self._run(nb, files, limits, preload)

    def _run(self, nb, files: dict[str, Path], limits: RunLimits, preload=()) -> Execution:
        forks = self._fork_servers
        if self.forking:
            from cnnkit.grading.sandbox.execute import SandboxError
            from cnnkit.grading.sandbox.service import ServiceError

            key = self._preloads(preload)
            server = forks.take(key, self._policy(preload))
            slot = None
            try:
                slot = server.slot()
                return self._execute(nb, files, limits, preload, slot.work, fork=(server, slot))
            except (SandboxError, ServiceError, TimeoutError) as error:
                # no student code runs before the kernel answers: a fork server that cannot fork here is ours
                log.warning("the fork server failed (%s): kernels start afresh from now on", error)
                self.forking = False
            finally:
                if slot is not None:
                    slot.remove()
                forks.give(key, server)
        work = Path(tempfile.mkdtemp(prefix="cnk-sub-"))
        try:
            return self._execute(nb, files, limits, preload, work)
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def _execute(self, nb, files: dict[str, Path], limits: RunLimits, preload, work: Path, fork=None) -> Execution:
        from cnnkit.grading.sandbox.execute import execute_notebook
        from cnnkit.grading.sandbox.outputs import OutputLimits

        for name, path in files.items():
            shutil.copyfile(path, work / name)
        result = execute_notebook(
            nb, self._policy(preload, workdir=work), cell_timeout=limits.cell_timeout, timeout_func=limits.cell_budget,
            submission_timeout=limits.submission_timeout, memory_limit_mb=limits.memory_mb,
            output_limits=OutputLimits(limits.output_cell_kb * 1024, limits.output_notebook_kb * 1024),
            kernel_cmd=KERNEL_ARGV, disk_limit_mb=limits.disk_mb, sandbox=self.sandboxed, run_as=self.run_as,
            fork=fork)
        imports = float(((result.kernel_info or {}).get("cnnkit") or {}).get("preload_seconds", 0.0))
        phases = {"kernel start": max(0.0, result.startup_seconds - imports), "imports": imports,
                  "cells": max(0.0, result.seconds - result.startup_seconds - result.shutdown_seconds),
                  "kernel stop": result.shutdown_seconds}
        return Execution(result.nb, tuple(result.stopped) if result.stopped else None, result.seconds,
                         result.peak_memory_mb, phases)

    def start_service(self, inbox: Path, memory_limit_mb: int = 4096):
        """The referee: one long-lived process, its inbox read-only inside (see ``SandboxedService``). It
        answers every grading thread, one request at a time, so it gets every core: when all the threads
        wait for it, its threads are the only ones working. Its environment is the kernels' (``kernel_env``)."""
        from cnnkit.grading.sandbox.service import SandboxedService

        policy = self._policy(inbox=inbox, threads=os.cpu_count() or 1)
        return SandboxedService(REFEREE_ARGV, policy, memory_limit_mb=memory_limit_mb, sandbox=self.sandboxed,
                                run_as=self.service_as)

    def close(self) -> None:
        """Stop the fork servers (every kernel they forked is gone with its run already)."""
        if self._fork_servers is not None:
            self._fork_servers.close()


def make_executor(sandbox: bool = True, **kwargs) -> Executor:
    """The executor for a grading run; with ``sandbox`` it first checks that bubblewrap works here and
    raises :class:`SandboxUnavailable` (naming the case and the fix) if it does not; with ``run_as`` /
    ``service_as`` it checks that this process can switch to those users (``RunAsError`` if not)."""
    if sandbox:
        from cnnkit.grading.sandbox.support import require

        require()
    for user in (kwargs.get("run_as"), kwargs.get("service_as")):
        if user is not None:
            user.require()
    return Executor(sandbox=sandbox, **kwargs)


def readonly_data() -> list[Path]:
    """The dataset cache, when there is one: bound read-only into every sandbox (notebooks and referee)."""
    from cnnkit.data.paths import data_root

    root = data_root()
    return [root] if root.is_dir() else []
