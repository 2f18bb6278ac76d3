"""Where a submission's notebook runs: in a bubblewrap sandbox (the default) or, with ``--no-sandbox``,
in a plain local kernel. Either way the client is the grader's own (outside the kernel's reach), the
kernel is ``cnnkit.grading.kernel``, outputs are capped as they arrive and a watchdog enforces the
memory and time budgets over everything the kernel starts.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

__all__ = ["RunLimits", "Execution", "Executor", "make_executor"]

KERNEL_ARGV = [sys.executable, "-m", "cnnkit.grading.kernel", "-f", "{connection_file}"]


@dataclass(frozen=True)
class RunLimits:
    """Budgets for one notebook run."""

    cell_timeout: int = 120
    training_timeout: int = 900
    submission_timeout: int = 1800
    memory_mb: int = 4096
    output_cell_kb: int = 256
    output_notebook_kb: int = 4096
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


class Executor:
    """Runs notebooks for one grading batch; ``sandboxed`` says whether bubblewrap isolates them."""

    sandboxed = False

    def __init__(self, *, readonly=(), env=None, threads: int = 1, preload=()):
        self.readonly = [Path(p) for p in readonly]
        self.env = dict(env or {})
        self.threads = threads
        self.preload = tuple(preload)

    def kernel_env(self) -> dict:
        threads = str(max(1, self.threads))
        return {"NBGRADER_EXECUTION": "autograde", "OMP_NUM_THREADS": threads,
                "TF_NUM_INTRAOP_THREADS": threads, "TF_NUM_INTEROP_THREADS": "1", "TF_CPP_MIN_LOG_LEVEL": "3",
                "PYTHONWARNINGS": "ignore", "MPLBACKEND": "Agg", "CNNKIT_KERNEL_PRELOAD": ",".join(self.preload),
                **self.env}

    def run(self, nb, files: dict[str, Path], limits: RunLimits) -> Execution:
        """Copy ``files`` into a fresh private folder and run ``nb`` there."""
        from cnnkit.grading.sandbox.execute import OutputLimits, execute_notebook

        work = Path(tempfile.mkdtemp(prefix="cnk-sub-"))
        try:
            for name, path in files.items():
                shutil.copyfile(path, work / name)
            result = execute_notebook(
                nb, self.policy(work), cell_timeout=limits.cell_timeout, timeout_func=limits.cell_budget,
                submission_timeout=limits.submission_timeout, memory_limit_mb=limits.memory_mb,
                output_limits=OutputLimits(limits.output_cell_kb * 1024, limits.output_notebook_kb * 1024),
                kernel_cmd=KERNEL_ARGV, env=self.kernel_env(), cwd=work)
            return Execution(result.nb, result.stopped, result.seconds)
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def policy(self, work: Path):
        return None

    def start_service(self, argv, inbox: Path):
        from cnnkit.grading.sandbox.service import SandboxedService

        return SandboxedService(argv, self.service_policy(inbox), env=self.kernel_env())

    def service_policy(self, inbox: Path):
        return None

    def close(self) -> None:
        pass


class SandboxExecutor(Executor):
    """Each kernel (and the referee) in its own bubblewrap sandbox: see ``cnnkit.grading.sandbox``."""

    sandboxed = True

    def policy(self, work: Path):
        from cnnkit.grading.sandbox.policy import SandboxPolicy

        return SandboxPolicy(workdir=work, readonly=tuple(self.readonly))

    def service_policy(self, inbox: Path):
        from cnnkit.grading.sandbox.policy import SandboxPolicy

        return SandboxPolicy(workdir=None, readonly=(*self.readonly, inbox))


def make_executor(sandbox: bool = True, **kwargs) -> Executor:
    """The executor for a grading run; with ``sandbox`` it first checks that bubblewrap works here and
    raises ``SandboxUnavailable`` (naming the case and the fix) if it does not."""
    if not sandbox:
        return Executor(**kwargs)
    from cnnkit.grading.sandbox.support import require

    require()
    return SandboxExecutor(**kwargs)
