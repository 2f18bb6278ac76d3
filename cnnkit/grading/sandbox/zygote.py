"""``python -m cnnkit.grading.sandbox.zygote``: the fork server, inside a bwrap sandbox of its own.

It imports what every grading kernel imports (TensorFlow and Keras included) once, then, for each
``{"spawn": ...}`` request, forks a kernel that starts with all of it already loaded — the 3-4 s
import a fresh kernel pays is paid once per grading worker. It never runs student code itself, so
every kernel starts from the same pristine image. Each fork becomes a sandbox of its own
(``cnnkit.grading.sandbox.nest``) before anything of the submission runs, in the shape bwrap gives:

    fork server ── run's "bwrap": namespaces, mounts, no capabilities, limits; then a small waiter
                   └─ init of the run's PID namespace (reaps; when it ends, every process of the run dies)
                      └─ the kernel (``python -m cnnkit.grading.kernel``, already imported)

The waiter and the init exec a tiny Python first, so they hold no copy of TensorFlow (the host's
watchdog sums the tree's memory: what the notebook allocates counts in full, the libraries only as far
as the kernel touches them), and make themselves undumpable before the kernel may start:
nothing of the run can read or write another process's memory through /proc. The fork server is
undumpable from the start, and lies outside the run's PID namespace (no signal reaches it).
"""

from __future__ import annotations

import json
import os
import re
import signal
import sys
import traceback

from cnnkit.grading.sandbox import nest
from cnnkit.grading.sandbox.policy import HOME, SPOOL

#: what the kernel image holds besides the grading kernel's own preload (cnnkit.grading.kernel)
IMAGE = ("ipykernel.kernelapp", "IPython", "matplotlib.font_manager")
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

#: the run's waiter: undumpable, then lets the run start, then waits for the run's init
WAITER = """import ctypes, os, sys
ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)
os.close(int(sys.argv[1]))
pid, status = os.wait()
code = os.waitstatus_to_exitcode(status)
os._exit(code if code >= 0 else 128 - code)
"""
#: the run's init (PID 1 of its namespace): undumpable, lets the kernel start, reaps until the kernel ends
INIT = """import ctypes, os, sys
ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)
kernel = int(sys.argv[2])
os.close(int(sys.argv[1]))
while True:
    try:
        pid, status = os.wait()
    except ChildProcessError:
        os._exit(0)
    if pid == kernel:
        code = os.waitstatus_to_exitcode(status)
        os._exit(code if code >= 0 else 128 - code)
"""


def _hold(fd: int) -> None:
    """Block until every writer of the pipe ``fd`` has closed it."""
    while os.read(fd, 1):
        pass
    os.close(fd)


def _tiny_python(script: str, fd: int, *args) -> None:
    """Exec ``script`` in a bare interpreter, keeping the pipe ``fd`` open across the exec."""
    os.set_inheritable(fd, True)
    os.execv(sys.executable, [sys.executable, "-I", "-S", "-c", script, str(fd), *map(str, args)])


def _redirect(log: str) -> None:
    """stdin from /dev/null, stdout and stderr to the run's log; every other descriptor of the fork
    server (its request and reply pipes above all) closed."""
    null = os.open("/dev/null", os.O_RDONLY)
    out = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_NOFOLLOW)
    os.dup2(null, 0)
    os.dup2(out, 1)
    os.dup2(out, 2)
    for fd in map(int, os.listdir("/proc/self/fd")):
        if fd > 2:
            try:
                os.close(fd)
            except OSError:
                pass


def _kernel(request: dict, view: nest.View, hold: int) -> None:
    """The kernel itself: wait for the init, then become ``python -m <module> ...`` with the run's env."""
    import random
    import runpy

    nest.prctl(nest.PR_SET_PDEATHSIG, signal.SIGKILL)
    _hold(hold)
    os.chdir(f"{view.home}/work")
    sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__  # the server's loop had pointed stdout at stderr
    os.environ.clear()
    os.environ.update(request["env"])
    random.seed()
    if "numpy" in sys.modules:  # a fresh kernel would get fresh entropy: so does each fork
        sys.modules["numpy"].random.seed()
    # the host wrote the connection file with its own paths: the same folder is at view.kernel_at here
    host_folder, name = os.path.split(request["connection_file"])
    with open(os.path.join(view.kernel_at, name)) as f:
        info = json.load(f)
    info["ip"] = os.path.join(view.kernel_at, os.path.basename(info["ip"]))
    inside = "/tmp/connection.json"
    with open(inside, "w") as f:
        json.dump(info, f)
    argv = [inside if a == request["connection_file"] else a for a in request["argv"]]
    sys.argv = [argv[2], *argv[3:]]
    runpy.run_module(argv[2], run_name="__main__", alter_sys=True)


def _run(request: dict) -> None:
    """In the forked child: sandbox it, then fork the init and the kernel (never returns)."""
    token = request["spawn"]
    folder = f"{SPOOL}/{token}"
    _redirect(f"{folder}/log")
    os.setsid()
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    limits = request.get("limits", {})
    view = nest.View(work=f"{folder}/work", kernel=f"{folder}/kernel", spool=SPOOL, home=HOME,
                     tmp_mb=int(limits.get("tmp_mb", 512)), home_mb=int(limits.get("home_mb", 64)),
                     shm_mb=int(limits.get("shm_mb", 64)))
    nest.isolate(view, nest.Limits(file_mb=int(limits.get("file_mb", 256)), data_mb=limits.get("data_mb")))
    waiter_ready, waiter_done = os.pipe()
    if os.fork() == 0:  # the init of the run's PID namespace
        os.close(waiter_done)
        _hold(waiter_ready)
        init_ready, init_done = os.pipe()
        kernel = os.fork()
        if kernel == 0:
            os.close(init_done)
            _kernel(request, view, init_ready)
            os._exit(0)
        os.close(init_ready)
        _tiny_python(INIT, init_done, kernel)
    os.close(waiter_ready)
    _tiny_python(WAITER, waiter_done)


def spawn(request: dict) -> dict:
    """Fork one sandboxed kernel; its pid as the fork server sees it."""
    token, argv = request.get("spawn"), request.get("argv")
    if not isinstance(token, str) or not _TOKEN.match(token):
        raise ValueError(f"bad run token {token!r}")
    if not (isinstance(argv, list) and len(argv) >= 3 and argv[0] == sys.executable and argv[1] == "-m"):
        raise ValueError(f"the fork server runs `{sys.executable} -m MODULE ...` only, not {argv!r}")
    pid = os.fork()
    if pid == 0:
        try:
            _run(request)
        except BaseException:  # noqa: BLE001 — the run's log says why; never back into the server loop
            traceback.print_exc()
            try:
                sys.stderr.flush()
            finally:
                os._exit(70)
        os._exit(0)
    return {"pid": pid}


def handle(request: dict) -> dict:
    if "ping" in request:
        return {"pid": os.getpid()}
    return spawn(request)


def _reap(signum, frame) -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def main() -> None:
    import importlib

    from cnnkit.grading import kernel
    from cnnkit.grading.module_files import remember_imported
    from cnnkit.grading.sandbox.service import serve

    nest.prctl(nest.PR_SET_DUMPABLE, 0)  # no run may read or write this process's memory
    if sys.path and sys.path[0] in ("", os.getcwd()):
        del sys.path[0]
    kernel.preload()
    for name in IMAGE:
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    remember_imported()  # the kernels' restore before each test reads these (cnnkit.grading.module_files)
    signal.signal(signal.SIGCHLD, _reap)
    serve(handle)


if __name__ == "__main__":
    main()
