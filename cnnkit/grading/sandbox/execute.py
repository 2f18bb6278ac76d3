"""Run a notebook in a sandboxed kernel, from the trusted grader process, under every limit.

``execute_notebook`` drives an nbclient ``NotebookClient`` (async, so per-cell timeouts hold)
against a ``SandboxedKernelManager``. A watchdog thread kills the sandbox's whole process tree
above the memory limit, past the submission budget, past a process count or a disk quota, or
when the kernel sent a message too large to receive. Outputs are capped as they arrive. Once the
run stops, the cell where it stopped and every later code cell get an error output saying why.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, replace
from queue import Empty
from typing import Callable

from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError
from nbclient.util import ensure_async
from nbformat import NotebookNode
from nbformat.v4 import new_output

from cnnkit.grading.sandbox.kernel import FRAME_SLACK, SandboxedKernelManager
from cnnkit.grading.sandbox.outputs import OutputBudget, OutputLimits
from cnnkit.grading.sandbox.policy import SandboxPolicy
from cnnkit.grading.sandbox.support import require
from cnnkit.grading.sandbox.watchdog import Stop, Watchdog

log = logging.getLogger(__name__)

STOPPED_ENAME = "KernelStopped"
TIMEOUT_ENAME = "CellTimeoutError"
#: seconds a timed-out cell gets to stop after the interrupt before the kernel is killed
INTERRUPT_GRACE = 5.0
#: seconds after a lost connection before it counts as an oversized message (not a dying kernel)
DROP_GRACE = 1.0


@dataclass
class ExecutionResult:
    """The executed notebook, why the run stopped early (None if it did not) and how long it took."""

    nb: NotebookNode
    stopped: Stop | None
    seconds: float
    peak_memory_mb: float = 0.0
    kernel_log: str = ""
    startup_seconds: float = 0.0        # until the kernel answered (its own start-up imports included)
    shutdown_seconds: float = 0.0
    kernel_info: dict | None = None     # the kernel's kernel_info reply content


class SandboxError(RuntimeError):
    """The sandboxed kernel could not start; the message quotes what bwrap or the kernel said."""


class _CellStuck(Exception):
    """A timed-out cell did not stop when interrupted."""


def _error(ename: str, evalue: str) -> NotebookNode:
    return new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


class SandboxNotebookClient(NotebookClient):
    """NotebookClient that caps outputs at arrival, ignores comms (widget state would grow without
    bound), and interrupts a timed-out cell instead of raising."""

    def __init__(self, nb, km, limits: OutputLimits, **kw):
        super().__init__(nb, km=km, **kw)
        self.budget = OutputBudget(limits)
        self.interrupt_grace = INTERRUPT_GRACE
        self.timed_out: int | None = None

    def process_message(self, msg, cell, cell_index):
        msg_type = msg["msg_type"]
        if msg_type in ("stream", "display_data", "execute_result", "error", "update_display_data"):
            content = self.budget.admit(msg_type, msg["content"])
            if content is None:
                return None
            msg = {**msg, "content": content}
        elif msg_type.startswith("comm"):
            return None
        return super().process_message(msg, cell, cell_index)

    def handle_comm_msg(self, outs, msg, cell_index):  # never store widget state
        return None

    async def _async_handle_timeout(self, timeout, cell=None):
        """Interrupt by message; the cell's own reply (a KeyboardInterrupt) ends it, else give up."""
        self.timed_out = timeout
        await ensure_async(self.km.interrupt_kernel())
        msg_id = self.kc.last_msg_id
        deadline = time.monotonic() + self.interrupt_grace
        while (left := deadline - time.monotonic()) > 0:
            try:
                msg = await ensure_async(self.kc.shell_channel.get_msg(timeout=left))
            except Empty:
                break
            if msg["parent_header"].get("msg_id") == msg_id:
                return msg
        raise _CellStuck()


def execute_notebook(nb: NotebookNode, policy: SandboxPolicy, *, cell_timeout: float = 120,
                     timeout_func: Callable[[NotebookNode], float] | None = None,
                     submission_timeout: float = 1800, memory_limit_mb: int = 4096,
                     output_limits: OutputLimits = OutputLimits(), kernel_cmd=None,
                     on_cell: Callable[[int, NotebookNode], None] | None = None,
                     max_processes: int = 256, disk_limit_mb: int | None = 1024,
                     interrupt_grace: float = INTERRUPT_GRACE, startup_timeout: float = 60,
                     bwrap: str | None = None, sandbox: bool = True, run_as=None, fork=None) -> ExecutionResult:
    """Execute ``nb`` (in place) in a sandbox made from ``policy``; see the module docstring.

    ``timeout_func(cell)`` gives a cell's own timeout (default ``cell_timeout``); ``on_cell(index,
    cell)`` is called after each code cell; ``kernel_cmd`` replaces the default kernel command
    (``{connection_file}`` is filled in). ``disk_limit_mb`` caps the work folder's total size;
    ``max_processes`` the sandbox's process count; a timed-out cell is interrupted and gets
    ``interrupt_grace`` seconds to stop before the kernel is killed. Unless the policy sets its own,
    each process's RLIMIT_DATA is ``memory_limit_mb`` (so one huge allocation is a MemoryError
    in the cell; the watchdog still sums the whole tree). Raises ``SandboxUnavailable`` when
    bwrap cannot run here (the message names the fix). ``sandbox=False`` is
    ``--no-sandbox``: no bwrap (the kernel sees the host), every limit above still enforced;
    ``run_as`` (with ``sandbox=False``) runs the kernel as that unprivileged user, and every process
    the user still has when the run ends is killed (``identity.sweep``): the user must be dedicated
    to this run. ``fork`` (a ``ForkServer`` and one of its ``Slot`` s, the policy's workdir being the
    slot's) forks the kernel from that server instead of starting one: the same sandbox, limits and
    watchdog, without importing TensorFlow again.
    """
    return asyncio.run(_execute(nb, policy, cell_timeout=cell_timeout, timeout_func=timeout_func,
                                submission_timeout=submission_timeout, memory_limit_mb=memory_limit_mb,
                                output_limits=output_limits, kernel_cmd=kernel_cmd, on_cell=on_cell,
                                max_processes=max_processes, disk_limit_mb=disk_limit_mb,
                                interrupt_grace=interrupt_grace, startup_timeout=startup_timeout, bwrap=bwrap,
                                sandbox=sandbox, run_as=run_as, fork=fork))


async def _execute(nb, policy, *, cell_timeout, timeout_func, submission_timeout, memory_limit_mb,
                   output_limits, kernel_cmd, on_cell, max_processes, disk_limit_mb, interrupt_grace,
                   startup_timeout, bwrap, sandbox, run_as=None, fork=None) -> ExecutionResult:
    start = time.monotonic()
    if sandbox:
        require(bwrap)
    elif run_as is not None:
        log.info("running the notebook without the sandbox, as the unprivileged user %s", run_as.name)
    else:
        log.warning("running the notebook WITHOUT the sandbox: its code can read and change this machine")
    if policy.max_data_mb is None:  # one process alone may not allocate past the whole budget
        policy = replace(policy, max_data_mb=memory_limit_mb)
    km = SandboxedKernelManager(policy, kernel_cmd=kernel_cmd, bwrap=bwrap, sandbox=sandbox, run_as=run_as, fork=fork,
                                max_message_bytes=output_limits.per_cell_bytes + FRAME_SLACK)
    client = SandboxNotebookClient(
        nb, km, output_limits, timeout=cell_timeout, timeout_func=timeout_func, allow_errors=True,
        interrupt_on_timeout=True, shutdown_kernel="immediate", startup_timeout=startup_timeout,
        iopub_timeout=4, record_timing=False)
    client.interrupt_grace = interrupt_grace
    watchdog: Watchdog | None = None
    stopped: Stop | None = None
    kernel_info, ready, cells_done = None, None, None
    try:
        try:
            await client.async_start_new_kernel()
        except Exception as error:
            raise SandboxError(f"the sandboxed kernel did not start ({error}): {_final_log(km)}") from error
        watchdog = Watchdog(km.sandbox_process, memory_limit_mb=memory_limit_mb, budget_s=submission_timeout,
                            max_processes=max_processes, disk_limit_mb=disk_limit_mb,
                            disk_paths=[str(p) for p in (policy.workdir, km.run_dir) if p is not None])
        watchdog.start()
        try:
            await client.async_start_new_kernel_client()
            info = await client.async_wait_for_reply(await ensure_async(client.kc.kernel_info()))
        except Exception as error:
            if watchdog.stopped is None:
                raise SandboxError(f"the sandboxed kernel did not answer ({error}): {_final_log(km)}") from error
            stopped = watchdog.stopped
        else:
            if info is not None and "language_info" in info["content"]:
                nb.metadata["language_info"] = info["content"]["language_info"]
            kernel_info = info["content"] if info is not None else None
            watchdog.checks.append(_dropped_check(client.kc, output_limits))
            # like the batch grader, the submission budget counts from a ready kernel
            watchdog.deadline = time.monotonic() + submission_timeout
        ready = time.monotonic()
        executed = 0
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code" or not cell.source.strip():
                continue
            if stopped is not None:
                cell.outputs = [_error(STOPPED_ENAME, f"not run: {stopped[1]}")]
                cell.execution_count = None
                continue
            stopped = await _run_cell(client, watchdog, cell, index, executed + 1)
            executed += 1
            if on_cell is not None:
                on_cell(index, cell)
        cells_done = time.monotonic()
    finally:
        if watchdog is not None:
            watchdog.close()
        try:
            if client.kc is not None:
                await client._async_cleanup_kernel()
            else:
                await km.cleanup_resources()
        finally:
            km.remove_run_dir()
            if run_as is not None:  # what the sandbox's PID namespace does: nothing of the run outlives it
                from cnnkit.grading.sandbox.identity import sweep

                left = sweep(run_as)
                if left:
                    log.info("killed %d leftover process(es) of %s after the run", len(left), run_as.name)
    end = time.monotonic()
    return ExecutionResult(nb, stopped, end - start,
                           peak_memory_mb=(watchdog.peak_rss / 2**20) if watchdog else 0.0,
                           kernel_log=km.kernel_log(), startup_seconds=(ready or end) - start,
                           shutdown_seconds=end - (cells_done or end), kernel_info=kernel_info)


async def _run_cell(client: SandboxNotebookClient, watchdog: Watchdog, cell, index: int,
                    count: int) -> Stop | None:
    """Execute one cell; return why the run stops here, if it does."""
    client.budget.start_cell()
    client.timed_out = None
    client.kc.cell_id = cell.get("id")
    stop: Stop | None = None
    try:
        await client.async_execute_cell(cell, index, execution_count=count)
    except _CellStuck:
        watchdog.stop("timeout", f"cell {index} ran over its {client.timed_out} s limit and did not stop when "
                                 "interrupted — the kernel was stopped there")
    except DeadKernelError:
        pass  # the watchdog records why before it kills; otherwise the kernel died on its own
    note = client.budget.note()
    if note is not None:
        cell.outputs.append(note)
    if client.timed_out is not None and watchdog.stopped is None:
        cell.outputs.append(_error(TIMEOUT_ENAME, f"the cell ran over its {client.timed_out} s limit and was "
                                                  "interrupted"))
    if watchdog.stopped is not None:
        stop = watchdog.stopped
    elif not await ensure_async(client.km.is_alive()):
        stop = ("died", "the kernel died (the code crashed the Python process or was killed)")
    if stop is not None:
        cell.outputs.append(_error(STOPPED_ENAME, stop[1]))
    return stop


def _final_log(km: SandboxedKernelManager) -> str:
    km.kill_sandbox()
    if km._log is not None:
        km._log.join(timeout=2)  # until bwrap's end of the pipe closes
    return km.kernel_log()[-2000:]


def _dropped_check(kc, limits: OutputLimits):
    """A watchdog check: a channel lost while the kernel lives = a message over the frame cap."""

    def check() -> Stop | None:
        now = time.monotonic()
        for channel, seen in kc.dropped_channels().items():
            if now - seen >= DROP_GRACE:
                return ("output", f"the notebook sent a single output over the {limits.per_cell_bytes} byte "
                                  f"per-cell limit ({channel} channel) — the kernel was stopped there")
        return None

    return check
