"""The fork server, with real bubblewrap and real forks: kernels that start with Keras imported, each run a
sandbox of its own that cannot reach the server, the runs before it, or anything of the host.

Without a usable bwrap these tests skip locally and FAIL when ``CI`` is set.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import sys
import textwrap

import psutil
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from cnnkit.grading.executor import KERNEL_ARGV, Executor, RunLimits
from cnnkit.grading.sandbox import forkserver
from cnnkit.grading.sandbox.execute import execute_notebook
from cnnkit.grading.sandbox.forkserver import ForkServer
from cnnkit.grading.sandbox.support import probe

pytestmark = pytest.mark.xdist_group("forkserver")


@pytest.fixture(scope="module")
def executor():
    support = probe()
    if not support.ok:
        if os.environ.get("CI"):
            pytest.fail(support.message())
        pytest.skip(support.message())
    ex = Executor(preload=("keras",), fork_server=False)  # its policies; the tests drive their own server
    yield ex
    ex.close()


@pytest.fixture(scope="module")
def server(executor):
    server = ForkServer(executor._policy(("keras",)))
    server.start()
    yield server
    server.close()


def _run(executor, server, cells, files=None, **kw):
    """Run ``cells`` in a kernel forked by ``server``; (result, host process of the run)."""
    slot = server.slot()
    try:
        for name, text in (files or {}).items():
            (slot.work / name).write_text(text)
        nb = new_notebook(cells=[new_code_cell(textwrap.dedent(c)) for c in cells])
        kw.setdefault("cell_timeout", 60)
        kw.setdefault("memory_limit_mb", 4096)
        result = execute_notebook(nb, executor._policy(("keras",), workdir=slot.work), kernel_cmd=KERNEL_ARGV,
                                  fork=(server, slot), **kw)
        result.log = slot.log_text()
        return result
    finally:
        slot.remove()


def _out(cell) -> str:
    errors = [o for o in cell.outputs if o.output_type == "error"]
    assert not errors, f"the cell failed: {errors[0].ename}: {errors[0].evalue}"
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


def _json(cell):
    return json.loads(_out(cell).strip().splitlines()[-1])


def test_a_forked_kernel_starts_with_keras_imported_and_trains(executor, server):
    result = _run(executor, server, [
        "import sys, json; print(json.dumps(sorted(m for m in ('keras', 'tensorflow') if m in sys.modules)))",
        """
        import keras, numpy as np
        model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(4, activation="relu"), keras.layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse")
        history = model.fit(np.ones((64, 8)), np.ones((64, 1)), epochs=2, verbose=0)
        print(len(history.history["loss"]))
        """])
    assert result.stopped is None, result.log
    assert _json(result.nb.cells[0]) == ["keras", "tensorflow"]
    assert _out(result.nb.cells[1]).strip() == "2"
    # the kernel imported nothing itself: the import a fresh kernel pays (seconds) was the server's
    assert result.kernel_info["cnnkit"]["preload_seconds"] < 0.5


def test_each_run_is_a_sandbox_of_its_own(executor, server):
    mark = "forked-" + secrets.token_hex(4)
    first = _run(executor, server, [f"""
        import os, subprocess, json
        for folder in ("/tmp", os.environ["HOME"], "/dev/shm", "."):
            open(os.path.join(folder, "{mark}"), "w").write("left behind")
        # a daemon in a session of its own, re-parented away from the kernel: it must not outlive the run
        subprocess.Popen(["setsid", "sh", "-c", "sleep 120 # {mark}"], start_new_session=True)
        status = dict(line.split(":\\t", 1) for line in open("/proc/self/status").read().splitlines() if ":\\t" in line)
        userns = subprocess.run(["unshare", "--user", "true"], capture_output=True, text=True)
        print(json.dumps({{"cwd": os.getcwd(), "files": sorted(os.listdir(".")), "spool": os.listdir("/spool"),
                          "caps": [status[k] for k in ("CapEff", "CapPrm", "CapBnd", "CapAmb")],
                          "uid": os.getuid(), "pid": os.getpid(), "userns": userns.returncode,
                          "userns_error": userns.stderr.strip()}}))
        """], files={"given.txt": "mine"})
    seen = _json(first.nb.cells[0])
    assert seen["cwd"] == "/home/student/work" and seen["files"] == sorted(["given.txt", mark])
    assert seen["spool"] == []                       # the other runs' folders, the logs: covered
    assert set(seen["caps"]) == {"0000000000000000"}  # no capability left, not even in the bounding set
    assert seen["uid"] == 1000 and seen["pid"] != 1   # the kernel is not its namespace's init
    assert seen["userns"] != 0, seen["userns_error"]  # no user namespace: no way to get capabilities back
    assert [p for p in psutil.process_iter(["cmdline"]) if mark in " ".join(p.info["cmdline"] or [])] == []

    second = _run(executor, server, [f"""
        import os, json
        print(json.dumps([os.path.exists(os.path.join(f, "{mark}")) for f in ("/tmp", os.environ["HOME"], "/dev/shm", ".")]))
        """])
    assert _json(second.nb.cells[0]) == [False, False, False, False]  # nothing of the run before


def test_a_run_cannot_read_signal_or_stop_the_fork_server(executor, server):
    """The /proc the run sees still lists the server's sandbox (bwrap, the server, the run's waiter): none of them
    can be read or signalled from the run."""
    result = _run(executor, server, ["""
        import ctypes, json, os, signal
        libc = ctypes.CDLL(None, use_errno=True)
        status = lambda pid: dict(l.split(":\\t", 1) for l in open(f"/proc/{pid}/status").read().splitlines() if ":\\t" in l)
        mine = os.readlink("/proc/self")
        init = status(mine)["PPid"]
        outside = [p for p in os.listdir("/proc") if p.isdigit() and p not in (mine, init)]
        tried = {}
        for pid in outside:
            for name in ("environ", "mem", "maps", "cwd", "root"):
                try:
                    path = f"/proc/{pid}/{name}"
                    os.listdir(path) if name in ("cwd", "root") else open(path, "rb").read(16)
                    tried[f"{pid} {name}"] = "READ"
                except OSError as error:
                    tried[f"{pid} {name}"] = type(error).__name__
            fd = os.open(f"/proc/{pid}", os.O_RDONLY | os.O_DIRECTORY)
            sent = libc.syscall(424, fd, signal.SIGKILL, None, 0)  # pidfd_send_signal
            tried[f"{pid} kill"] = "SENT" if sent == 0 else os.strerror(ctypes.get_errno())
        cmdlines = [open(f"/proc/{p}/cmdline", "rb").read().split(b"\\0") for p in outside]
        print(json.dumps({"server": sum(c[:3] == [c[0], b"-m", b"cnnkit.grading.sandbox.zygote"] for c in cmdlines),
                          "outside": len(outside), "tried": tried}))
        """])
    seen = _json(result.nb.cells[0])
    assert seen["server"] == 1 and seen["outside"] == 3, seen  # bwrap, the server, the run's waiter
    assert "READ" not in seen["tried"].values() and "SENT" not in seen["tried"].values(), seen
    assert server.service.alive
    again = _run(executor, server, ["print('still serving')"])
    assert _out(again.nb.cells[0]).strip() == "still serving"


def test_every_fork_gets_fresh_randomness(executor, server):
    cells = ["import json, random, numpy as np; print(json.dumps([random.random(), float(np.random.rand())]))"]
    first, second = (_json(_run(executor, server, cells).nb.cells[0]) for _ in range(2))
    assert first[0] != second[0] and first[1] != second[1]


def test_the_watchdog_counts_a_forked_run_like_a_fresh_one(executor, server, tmp_path):
    """The waiter and the init hold no copy of TensorFlow, so the tree's memory is the kernel's: what the
    notebook allocates counts in full, and never three times over. (A forked kernel maps the libraries
    it has not touched yet without counting them: it may read lower than a fresh one, never higher.)"""
    cells = ["import keras, numpy as np; x = np.ones((1024, 2**18), np.float32); print(x.sum())"]  # 1 GiB
    forked = _run(executor, server, cells)
    work = tmp_path / "work"
    work.mkdir()
    fresh = execute_notebook(new_notebook(cells=[new_code_cell(cells[0])]), executor._policy(("keras",), workdir=work),
                             kernel_cmd=KERNEL_ARGV, cell_timeout=60, memory_limit_mb=4096)
    assert fresh.stopped is None and forked.stopped is None
    assert 1024 < forked.peak_memory_mb < 1.2 * fresh.peak_memory_mb, (forked.peak_memory_mb, fresh.peak_memory_mb)


def test_the_executor_forks_and_falls_back_to_fresh_kernels(executor, monkeypatch, caplog):
    nb = new_notebook(cells=[new_code_cell("import sys; print('keras' in sys.modules, sys.argv[0])")])
    ex = Executor(preload=("keras",))
    try:
        assert ex.forking
        done = ex.run(nb, {}, RunLimits(cell_timeout=60))
        assert done.phases["imports"] < 0.5 and _out(done.nb.cells[0]).startswith("True")
    finally:
        ex.close()
    # a fork server that cannot start here (a host whose kernel refuses nested namespaces, say)
    monkeypatch.setattr(forkserver, "ZYGOTE_ARGV", (sys.executable, "-c", "raise SystemExit('no forks here')"))
    ex = Executor(preload=("keras",))
    try:
        with caplog.at_level(logging.WARNING, logger="cnnkit.grading.executor"):
            done = ex.run(new_notebook(cells=[new_code_cell("print('graded anyway')")]), {}, RunLimits(cell_timeout=60))
        assert _out(done.nb.cells[0]).strip() == "graded anyway"
        assert not ex.forking and "kernels start afresh" in caplog.text
        assert done.phases["imports"] > 0.5  # this one imported Keras itself
    finally:
        ex.close()


def test_warmed_fork_servers_are_ready_before_the_first_run_and_serve_it(executor, monkeypatch):
    ex = Executor(preload=("keras",))
    try:
        threads = ex.warm((), count=2)
        assert len(threads) == 2
        for thread in threads:
            thread.join(timeout=300)
        servers = list(ex._fork_servers._all)
        assert len(servers) == 2 and all(s.service.alive for s in servers)
        assert ex.warm((), count=2) == []  # two idle ones are there already
        done = ex.run(new_notebook(cells=[new_code_cell("import sys; print('keras' in sys.modules)")]), {},
                      RunLimits(cell_timeout=60))
        assert _out(done.nb.cells[0]).strip() == "True"
        assert done.phases["imports"] < 0.5
        assert ex._fork_servers._all == servers  # the run took a warmed server: none was started for it
    finally:
        ex.close()
    # a server that cannot start: warming it raises nothing, and the run is still graded (in a fresh kernel)
    monkeypatch.setattr(forkserver, "ZYGOTE_ARGV", (sys.executable, "-c", "raise SystemExit('no forks here')"))
    ex = Executor(preload=("keras",))
    try:
        for thread in ex.warm((), count=1):
            thread.join(timeout=120)
        done = ex.run(new_notebook(cells=[new_code_cell("print('graded anyway')")]), {}, RunLimits(cell_timeout=60))
        assert _out(done.nb.cells[0]).strip() == "graded anyway" and not ex.forking
    finally:
        ex.close()
