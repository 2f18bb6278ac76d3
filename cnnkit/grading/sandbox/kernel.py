"""A Jupyter kernel run inside bubblewrap, driven by a trusted client outside it.

The kernel talks over IPC sockets in a short per-run folder bound into the sandbox (TCP cannot
cross the sandbox's network namespace), is interrupted by message (a signal would kill ``bwrap``),
starts with an empty environment (so no ``JPY_PARENT_PID``: ipykernel would exit at once in a new
PID namespace), and dies with its whole process tree. Every socket of the client refuses a frame
over ``max_message_bytes`` (the kernel is untrusted: a 200 MB message must never reach the grader).
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import psutil
import zmq
import zmq.asyncio
from jupyter_client import AsyncKernelClient, AsyncKernelManager
from jupyter_client.kernelspec import KernelSpec
from traitlets import Integer
from zmq.utils.monitor import parse_monitor_message

from cnnkit.grading.sandbox.fonts import matplotlib_font_list
from cnnkit.grading.sandbox.policy import SandboxPolicy, bwrap_argv, unsandboxed
from cnnkit.grading.sandbox.procs import TailReader, kill_tree
from cnnkit.grading.sandbox.rundir import discard, new_run_dir

log = logging.getLogger(__name__)

#: the kernel command; ``{connection_file}`` is filled in by jupyter_client
DEFAULT_KERNEL_CMD = (sys.executable, "-m", "cnnkit.grading.sandbox.ipkernel", "-f", "{connection_file}")
#: the environment variable that tells the kernel launcher its per-message cap (see ipkernel.py)
MAX_MESSAGE_ENV = "CNNKIT_MAX_MESSAGE_BYTES"
#: extra room over the output cap for a message's header, metadata and JSON escaping
FRAME_SLACK = 256 * 1024
#: messages queued per socket in the grader before zmq pushes back (bounds the grader's memory)
RCVHWM = 32


def _limit_context(ctx: zmq.Context, max_message_bytes: int) -> zmq.Context:
    # defaults for every socket this context creates (the heartbeat's too)
    ctx.setsockopt(zmq.MAXMSGSIZE, max_message_bytes)
    ctx.setsockopt(zmq.RCVHWM, RCVHWM)
    return ctx


class SandboxedKernelClient(AsyncKernelClient):
    """An async client whose sockets cap frame size, that notices a dropped connection, and that
    sends the cell id (``metadata.cellId``) with each execute request."""

    max_message_bytes = Integer(2**20 + FRAME_SLACK, help="Largest frame accepted from the kernel.")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.cell_id: str | None = None  # set by the executor before each cell
        self.last_msg_id: str | None = None
        self._monitors: dict[str, zmq.Socket] = {}
        self._monitor_lock = threading.Lock()
        self._dropped: dict[str, float] = {}

    def _context_default(self) -> zmq.asyncio.Context:
        self._created_context = True
        return _limit_context(zmq.asyncio.Context(), self.max_message_bytes)

    def _create_connected_socket(self, channel: str, identity: bytes | None = None):
        sock = super()._create_connected_socket(channel, identity=identity)
        # zmq closes a connection whose frame is over MAXMSGSIZE and does not reconnect it:
        # a monitor tells us, so the run stops with a reason instead of hanging on a dead channel
        address = f"inproc://cnnkit-monitor-{channel}-{id(sock):x}"
        sock.monitor(address, zmq.EVENT_DISCONNECTED)
        # a synchronous twin of our context, so the watchdog thread can poll without the event loop
        monitor = zmq.Context.shadow(self.context.underlying).socket(zmq.PAIR)
        monitor.connect(address)
        with self._monitor_lock:
            self._monitors[channel] = monitor
        return sock

    def dropped_channels(self) -> dict[str, float]:
        """Channels whose connection the kernel lost (monotonic time first seen); thread-safe."""
        with self._monitor_lock:
            for channel, monitor in self._monitors.items():
                try:
                    while monitor.poll(0):
                        event = parse_monitor_message(monitor.recv_multipart())
                        if event["event"] == zmq.EVENT_DISCONNECTED:
                            self._dropped.setdefault(channel, time.monotonic())
                except zmq.ZMQError:
                    pass
            return dict(self._dropped)

    def stop_channels(self) -> None:
        with self._monitor_lock:
            for monitor in self._monitors.values():
                monitor.close(linger=0)
            self._monitors.clear()
        super().stop_channels()

    def execute(self, code: str, silent: bool = False, store_history: bool = True,
                user_expressions: dict | None = None, allow_stdin: bool | None = None,
                stop_on_error: bool = True) -> str:
        """``KernelClient.execute`` plus ``metadata={"cellId": ...}`` (ipykernel passes it on as ``cell_id``)."""
        if self.cell_id is None:
            self.last_msg_id = super().execute(code, silent, store_history, user_expressions, allow_stdin,
                                               stop_on_error)
            return self.last_msg_id
        content = {"code": code, "silent": silent, "store_history": store_history,
                   "user_expressions": user_expressions or {},
                   "allow_stdin": self.allow_stdin if allow_stdin is None else allow_stdin,
                   "stop_on_error": stop_on_error}
        msg = self.session.msg("execute_request", content, metadata={"cellId": self.cell_id})
        self.shell_channel.send(msg)
        self.last_msg_id = msg["header"]["msg_id"]
        return self.last_msg_id


class SandboxedKernelManager(AsyncKernelManager):
    """``AsyncKernelManager`` whose kernel runs as ``bwrap <policy> -- kernel_cmd``.

    The connection file and IPC sockets live in ``self.run_dir`` (``/tmp/cnk-PID-XXXXXXXX``), bound
    read-write into the sandbox at the same path; ``cleanup_resources`` kills the whole tree and
    removes the folder. ``kernel_cmd`` defaults to ipykernel with its messages capped.
    ``sandbox=False`` (``--no-sandbox``) runs the same kernel without bwrap, every other limit kept;
    with ``run_as`` too, as that unprivileged user (``cnnkit.grading.sandbox.identity``), which is
    handed the per-run folder and the work folder. With ``fork`` (a fork server and a slot of it) the
    kernel is forked by that server instead of started afresh (``cnnkit.grading.sandbox.forkserver``);
    ``run_dir`` is then the slot's kernel folder.
    """

    max_message_bytes = Integer(2**20 + FRAME_SLACK, help="Largest frame accepted from the kernel.")

    def __init__(self, policy: SandboxPolicy, *, kernel_cmd=None, bwrap: str | None = None, sandbox: bool = True,
                 run_as=None, fork=None, **kwargs):
        if sandbox and run_as is not None:
            raise ValueError("run_as is for grading without the sandbox (bubblewrap already runs the kernel as "
                             "an unprivileged user of its own)")
        if fork is not None and not sandbox:
            raise ValueError("a fork server's kernels are sandboxed: fork is for sandboxed runs only")
        self.fork = fork
        run_dir = fork[1].kernel if fork is not None else new_run_dir()
        kwargs.setdefault("max_message_bytes", 2**20 + FRAME_SLACK)
        super().__init__(transport="ipc", ip=str(run_dir / "k"), connection_file=str(run_dir / "kernel.json"),
                         client_class="cnnkit.grading.sandbox.kernel.SandboxedKernelClient", **kwargs)
        self.run_dir = run_dir
        env = {**policy.env, MAX_MESSAGE_ENV: str(self.max_message_bytes - FRAME_SLACK)}
        self.policy = replace(policy, runtime_dir=run_dir, env=env)
        self.bwrap = bwrap
        self.sandbox = sandbox
        self.run_as = run_as
        self.sandbox_pid: int | None = None
        self.sandbox_process: psutil.Process | None = None
        self._log: TailReader | None = None
        self._kernel_spec = KernelSpec(argv=list(kernel_cmd or DEFAULT_KERNEL_CMD), display_name="Python (sandboxed)",
                                       language="python", interrupt_mode="message", env={}, metadata={})

    def _context_default(self) -> zmq.asyncio.Context:
        self._created_context = True
        return _limit_context(zmq.asyncio.Context(), self.max_message_bytes)

    def client(self, **kwargs) -> SandboxedKernelClient:
        kwargs.setdefault("max_message_bytes", self.max_message_bytes)
        return super().client(**kwargs)

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw) -> None:
        if self.fork is not None:
            return await self._fork_kernel(kernel_cmd)
        if self.sandbox:
            argv = bwrap_argv(self.policy, kernel_cmd, bwrap=self.bwrap, files=matplotlib_font_list(self.bwrap))
            # bwrap's own environment is readable inside (/proc/1/environ of the sandbox): keep it empty
            # (independent: no JPY_PARENT_PID either; --die-with-parent ties the sandbox to us)
            env, cwd = {"PATH": "/usr/bin:/bin"}, str(self.run_dir)
            kw["independent"] = True
        else:
            argv, env, cwd = unsandboxed(self.policy, kernel_cmd, self.run_as)
            if self.run_as is not None:  # its sockets, connection file and work folder become the user's
                from cnnkit.grading.sandbox.identity import hand_over

                hand_over(self.run_as, *(p for p in (self.run_dir, self.policy.workdir) if p is not None))
        read, write = os.pipe()
        self._log = TailReader(read)
        kw.update(env=env, stdin=subprocess.DEVNULL, stdout=write, stderr=write, cwd=cwd)
        try:
            await super()._async_launch_kernel(argv, **kw)
        finally:
            os.close(write)
        self.sandbox_pid = self.provisioner.process.pid
        self.sandbox_process = psutil.Process(self.sandbox_pid)  # identity-checked: safe after reaping
        log.debug("sandboxed kernel %s: %s", self.sandbox_pid, argv)

    async def _fork_kernel(self, kernel_cmd: list[str]) -> None:
        """The provisioner's launch, by the fork server: the same connection file, a process we did not start."""
        from cnnkit.grading.sandbox.forkserver import ForeignProcess

        server, slot = self.fork
        proc = await asyncio.to_thread(server.spawn, slot, kernel_cmd, self.connection_file, self.policy)
        provisioner = self.provisioner
        provisioner.process = ForeignProcess(proc)
        provisioner.pid, provisioner.pgid = proc.pid, None
        self._reconcile_connection_info(provisioner.connection_info)
        self.sandbox_pid, self.sandbox_process = proc.pid, proc
        log.debug("forked sandboxed kernel %s", proc.pid)

    def kernel_log(self) -> str:
        """The last 64 KiB the kernel wrote to its own stdout/stderr (crashes, C-level warnings)."""
        if self.fork is not None:
            return self.fork[1].log_text()
        return self._log.text() if self._log else ""

    def kill_sandbox(self) -> None:
        """SIGKILL every process of the sandbox now."""
        if self.sandbox_process is not None:
            kill_tree(self.sandbox_process)

    async def _async_kill_kernel(self, restart: bool = False) -> None:
        self.kill_sandbox()
        await super()._async_kill_kernel(restart=restart)

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        self.kill_sandbox()
        await super()._async_cleanup_resources(restart=restart)
        if self.has_kernel:  # reap bwrap
            await asyncio.wait_for(self.provisioner.wait(), timeout=5)
        if not restart:
            discard(self.run_dir)
        if self._log:
            self._log.join(timeout=2)

    cleanup_resources = _async_cleanup_resources

    def remove_run_dir(self) -> None:
        """Remove the per-run folder (if the kernel was never started, nothing else does)."""
        shutil.rmtree(self.run_dir, ignore_errors=True)
