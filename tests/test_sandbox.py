"""The grading sandbox, with real bubblewrap: each attack runs as notebook code in a sandboxed kernel.

Without a usable bwrap these tests skip locally and FAIL when ``CI`` is set.
"""

from __future__ import annotations

import http.server
import json
import os
import resource
import secrets
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import nbformat
import psutil
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from cnnkit.grading.sandbox import policy as policy_mod
from cnnkit.grading.sandbox.execute import STOPPED_ENAME, TIMEOUT_ENAME, execute_notebook
from cnnkit.grading.sandbox.kernel import SandboxedKernelManager
from cnnkit.grading.sandbox.rundir import short_tmp
from cnnkit.grading.sandbox.files import UnsafeFileError, copy_out, read_limited
from cnnkit.grading.sandbox.outputs import OutputLimits
from cnnkit.grading.sandbox.policy import HOME, WORKDIR, SandboxPolicy, bwrap_argv, cnnkit_package, sandbox_env
from cnnkit.grading.sandbox.service import SandboxedService, ServiceError
from cnnkit.grading.sandbox.support import classify, probe

#: what ipykernel / bwrap add to the kernel's environment on their own
KERNEL_ADDED_ENV = {"CLICOLOR", "CLICOLOR_FORCE", "FORCE_COLOR", "GIT_PAGER", "PAGER", "PYDEVD_USE_FRAME_EVAL",
                    "PWD", "TERM", "CNNKIT_MAX_MESSAGE_BYTES"}


@pytest.fixture(scope="module")
def bwrap_works():
    support = probe()
    if not support.ok:
        if os.environ.get("CI"):
            pytest.fail(support.message())
        pytest.skip(support.message())


#: for the tests that start real sandboxes
real = pytest.mark.usefixtures("bwrap_works")


def _run(tmp_path, cells, **kw):
    """Execute ``cells`` (sources) with the work folder ``tmp_path/work``; the result."""
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    policy = kw.pop("policy", None) or SandboxPolicy(workdir=work)
    nb = new_notebook(cells=[new_code_cell(textwrap.dedent(c)) for c in cells])
    kw.setdefault("cell_timeout", 30)
    kw.setdefault("memory_limit_mb", 2048)
    return execute_notebook(nb, policy, **kw)


def _text(cell, names=("stdout", "stderr")) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream" and o.name in names)


def _json(cell) -> dict:
    errors = [o for o in cell.outputs if o.output_type == "error"]
    assert not errors, f"the cell failed: {errors[0].ename}: {errors[0].evalue}"
    return json.loads(_text(cell).strip().splitlines()[-1])


def _errors(cell) -> list[str]:
    return [o.ename for o in cell.outputs if o.output_type == "error"]


# -- support ------------------------------------------------------------------------------------
def test_classify_names_each_case_and_its_fix():
    assert classify("darwin", None, None, "", False, None).case == "not-linux"
    assert "macOS" in classify("darwin", None, None, "", False, None).fix
    missing = classify("linux", None, None, "", False, None)
    assert missing.case == "no-bwrap" and "apt-get install bubblewrap" in missing.fix
    old = classify("linux", "/usr/bin/bwrap", None, "", False, None, version=(0, 6, 1))
    assert old.case == "old-bwrap" and "0.6.1" in old.fix
    err = "bwrap: setting up uid map: Permission denied"  # what Ubuntu 24.04 prints
    apparmor = classify("linux", "/usr/bin/bwrap", 1, err, False, 1)
    assert apparmor.case == "apparmor" and "apparmor_restrict_unprivileged_userns" in apparmor.fix
    docker = classify("linux", "/usr/bin/bwrap", 1, "bwrap: Creating new namespace failed: Operation not permitted",
                      True, None)
    assert docker.case == "docker" and "--cap-add SYS_ADMIN" in docker.fix and "--no-sandbox" in docker.fix
    off = classify("linux", "/usr/bin/bwrap", 1, err, False, None, userns_clone=0)
    assert off.case == "userns-disabled" and "unprivileged_userns_clone=1" in off.fix
    other = classify("linux", "/usr/bin/bwrap", 1, "bwrap: something odd", False, 0)
    assert other.case == "other" and not other.ok and "something odd" in other.message()
    # a container where bwrap works is fine
    assert classify("linux", "/usr/bin/bwrap", 0, "", True, None, version=(0, 8, 0)).ok


@real
def test_probe_runs_a_real_sandbox_here():
    support = probe()
    assert support.ok and support.case == "ok" and support.version >= (0, 8, 0), support.message()
    assert probe() is support  # cached per process
    assert probe("/nonexistent/bwrap").case == "no-bwrap"


# -- policy -------------------------------------------------------------------------------------
def test_policy_refuses_to_expose_the_workdirs_neighbours(tmp_path):
    (tmp_path / "submitted" / "alice").mkdir(parents=True)
    with pytest.raises(ValueError, match="other students"):
        SandboxPolicy(workdir=tmp_path / "submitted" / "alice", readonly=(tmp_path / "submitted",))
    with pytest.raises(ValueError, match="grader's files"):
        SandboxPolicy(readonly=(Path.home(),))
    with pytest.raises(FileNotFoundError, match="create it first"):
        SandboxPolicy(workdir=tmp_path / "missing")
    with pytest.raises(ValueError, match="max_file_mb"):
        SandboxPolicy(max_file_mb=0)
    with pytest.raises(ValueError, match="not a valid environment variable"):
        SandboxPolicy(env={"A B": "1"})


def test_bwrap_argv_mount_order_and_what_is_bound(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    argv = bwrap_argv(SandboxPolicy(workdir=tmp_path, runtime_dir=run), ["python", "-V"])
    pairs = [(argv[i], argv[i + 1], argv[i + 2]) for i in range(len(argv) - 2)]
    index = {(a, b): i for i, (a, b, _) in enumerate(pairs)}
    # /tmp's tmpfs, then the runtime folder under it; $HOME's tmpfs, then the work folder on it
    assert index["--tmpfs", "/tmp"] < index["--bind", str(run)]
    assert index["--tmpfs", HOME] < index["--bind", str(tmp_path)] and argv[index["--bind", str(tmp_path)] + 2] == WORKDIR
    sources = {b for a, b, _ in pairs if a in ("--bind", "--ro-bind", "--ro-bind-try")}
    repo = cnnkit_package().parent
    assert str(repo) not in sources and str(cnnkit_package()) in sources
    assert not any(Path(s) in (Path("/"), Path.home()) for s in sources)
    assert argv[-2:] == ["python", "-V"] and "--clearenv" in argv and "--unshare-all" in argv
    assert argv.index("--remount-ro") > max(i for i, a in enumerate(argv) if a in ("--bind", "--ro-bind"))


# -- isolation attacks --------------------------------------------------------------------------
@pytest.fixture
def course(tmp_path, monkeypatch):
    """A course tree next to alice's work folder, a secret in $HOME, in the environment and in a
    host process's command line."""
    root = tmp_path / "course"
    planted = {
        "solution": root / "source" / "release" / "solutions" / "answer.py",
        "source_notebook": root / "source" / "assignment1" / "assignment1.ipynb",
        "hidden_tests": root / "autograder" / "hidden_tests.py",
        "gradebook": root / "gradebook.db",
        "other_student": root / "submitted" / "bob" / "assignment1.ipynb",
    }
    token = "cnnkit-secret-" + secrets.token_hex(8)
    for path in planted.values():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(token)
    home_file = Path.home() / f".cnnkit-sandbox-test-{secrets.token_hex(4)}"
    home_file.write_text(token)
    planted["home"] = home_file
    planted["repo_pyproject"] = cnnkit_package().parent / "pyproject.toml"
    data = tmp_path / "data"
    data.mkdir()
    (data / "dataset.npz").write_text("data")
    work = root / "submitted" / "alice"
    work.mkdir(parents=True)
    monkeypatch.setenv("CNNKIT_SANDBOX_TEST_SECRET", token)
    witness = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)", token],
                               env={**os.environ, "WITNESS": token})
    try:
        yield {"planted": planted, "token": token, "work": work, "data": data,
               "policy": SandboxPolicy(workdir=work, readonly=(data,), tmp_size_mb=8, max_file_mb=1),
               "witness": witness}
    finally:
        witness.kill()
        witness.wait()
        home_file.unlink(missing_ok=True)


def _host_ip() -> str | None:
    for addrs in psutil.net_if_addrs().values():
        for addr in addrs:
            if addr.family == socket.AF_INET and not addr.address.startswith("127."):
                return addr.address
    return None


@pytest.fixture
def servers():
    """An HTTP server on all the host's addresses and an abstract unix socket, both checked from here."""
    httpd = http.server.HTTPServer(("0.0.0.0", 0), http.server.SimpleHTTPRequestHandler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    abstract = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    name = "\0cnnkit-test-" + secrets.token_hex(4)
    abstract.bind(name)
    abstract.listen()
    port = httpd.server_address[1]
    socket.create_connection(("127.0.0.1", port), timeout=3).close()  # the control: reachable from the host
    probe_sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    probe_sock.connect(name)
    probe_sock.close()
    try:
        yield {"port": port, "abstract": name, "host_ip": _host_ip()}
    finally:
        httpd.shutdown()
        abstract.close()


@real
def test_attacks_on_files_network_processes_and_environment(tmp_path, course, servers):
    planted = {k: str(v) for k, v in course["planted"].items()}
    token = course["token"]
    # the control: the token is readable in the witness's /proc entry from the host
    assert token in " ".join(psutil.Process(course["witness"].pid).cmdline())
    cells = [
        f"""
        import json, os, socket, sys, urllib.request
        PLANTED = {planted!r}
        res = {{}}
        for name, path in PLANTED.items():
            try:
                open(path).read(); res[name] = "READ"
            except OSError as e:
                res[name] = type(e).__name__
        res["home_listing"] = sorted(os.listdir("{HOME}"))
        res["course_visible"] = os.path.exists({str(course['work'].parent)!r})
        res["passwd"] = open("/etc/passwd").read()
        print(json.dumps(res))
        """,
        f"""
        res = {{}}
        def attempt(name, fn):
            try:
                fn(); res[name] = "OK"
            except Exception as e:
                res[name] = type(e).__name__
        attempt("tcp_loopback", lambda: socket.create_connection(("127.0.0.1", {servers['port']}), timeout=3))
        if {servers['host_ip']!r}:
            attempt("tcp_host_ip", lambda: socket.create_connection(({servers['host_ip']!r}, {servers['port']}), timeout=3))
        attempt("dns", lambda: socket.getaddrinfo("pypi.org", 443))
        attempt("http", lambda: urllib.request.urlopen("http://pypi.org/simple/", timeout=3))
        attempt("http_host", lambda: urllib.request.urlopen("http://127.0.0.1:{servers['port']}/", timeout=3))
        def unix():
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.connect({servers['abstract']!r})
        attempt("abstract_unix", unix)
        res["interfaces"] = [name for _, name in socket.if_nameindex()]
        print(json.dumps(res))
        """,
        f"""
        hits, cmdlines = [], {{}}
        for pid in [p for p in os.listdir("/proc") if p.isdigit()]:
            for what in ("cmdline", "environ"):
                try:
                    data = open(f"/proc/{{pid}}/{{what}}", "rb").read()
                except OSError:
                    continue
                if {token!r}.encode() in data:
                    hits.append(f"{{pid}}/{{what}}")
                if what == "cmdline":
                    cmdlines[pid] = data.replace(b"\\0", b" ").decode()[:120]
        print(json.dumps({{"hits": hits, "cmdlines": cmdlines, "env": dict(os.environ), "uid": os.getuid()}}))
        """,
        f"""
        res = {{}}
        import cnnkit
        victims = {{"repo_module": cnnkit.__file__, "python": sys.executable, "usr": "/usr/bin/env",
                    "dataset": {str(course['data'] / 'dataset.npz')!r}, **PLANTED}}
        for name, path in victims.items():
            try:
                os.remove(path); res["rm_" + name] = "REMOVED"
            except OSError as e:
                res["rm_" + name] = type(e).__name__
        for name, path in {{"usr": "/usr/evil", "etc": "/etc/evil", "root": "/evil", "dev": "/dev/evil",
                           "dataset": {str(course['data'] / 'evil')!r}, "package": os.path.dirname(cnnkit.__file__) + "/evil",
                           "venv": sys.prefix + "/evil", "course": {str(course['work'].parent / 'evil')!r}}}.items():
            try:
                open(path, "w").write("x"); res["w_" + name] = "WROTE"
            except OSError as e:
                res["w_" + name] = type(e).__name__
        print(json.dumps(res))
        """,
        """
        import errno
        res = {}
        def fill(path, mb):
            try:
                with open(path, "wb") as f:
                    for _ in range(mb):
                        f.write(b"x" * 2**20)
                return "OK"
            except OSError as e:
                return errno.errorcode[e.errno]
        res["big_file"] = fill("big.bin", 3)            # max_file_mb=1: EFBIG
        res["tmp_fill"] = [fill(f"/tmp/f{i}", 1) for i in range(12)]   # tmp_size_mb=8: ENOSPC
        print(json.dumps(res))
        """,
    ]
    result = _run(tmp_path, cells, policy=course["policy"])
    assert result.stopped is None, result.stopped
    files, net, procs, writes, caps = (_json(c) for c in result.nb.cells)

    for name in course["planted"]:
        assert files[name] in ("FileNotFoundError", "PermissionError"), (name, files[name])
    assert set(files["home_listing"]) <= {"work", ".ipython"} and files["course_visible"] is False
    assert files["passwd"] == (Path(policy_mod.__file__).with_name("etc") / "passwd").read_text()

    for name in ("tcp_loopback", "tcp_host_ip", "dns", "http", "http_host", "abstract_unix"):
        if name in net:
            assert net[name] != "OK", name
    assert net["interfaces"] == ["lo"]

    assert procs["hits"] == [] and procs["uid"] == 1000
    assert len(procs["cmdlines"]) <= 4, procs["cmdlines"]  # bwrap (pid 1) and the kernel
    assert not any("pytest" in c or "sleep(120)" in c for c in procs["cmdlines"].values())
    allowed = set(sandbox_env(course["policy"])) | KERNEL_ADDED_ENV
    assert set(procs["env"]) <= allowed, set(procs["env"]) - allowed
    assert token not in json.dumps(procs["env"])

    assert all(v != "REMOVED" for k, v in writes.items() if k.startswith("rm_")), writes
    assert all(v != "WROTE" for k, v in writes.items() if k.startswith("w_")), writes
    for path in course["planted"].values():
        assert path.read_text() == token or path.name == "pyproject.toml"
    assert (course["data"] / "dataset.npz").exists() and not (course["data"] / "evil").exists()
    assert not (course["work"].parent / "evil").exists() and not (cnnkit_package() / "evil").exists()

    assert caps["big_file"] == "EFBIG"
    assert "ENOSPC" in caps["tmp_fill"] and caps["tmp_fill"][0] == "OK"
    assert (course["work"] / "big.bin").stat().st_size == 2**20  # cut at the 1 MB cap


@real
def test_a_setsid_child_does_not_outlive_the_run(tmp_path, monkeypatch):
    token = "escape-" + secrets.token_hex(4)
    cells = [f"""
        import subprocess, sys
        # a new session, and a double fork that re-parents the sleeper away from the kernel
        subprocess.Popen(["setsid", "sh", "-c", "sleep 2; echo {token} > marker1"], start_new_session=True)
        subprocess.Popen([sys.executable, "-c", "import os, time, sys\\n"
                          "if os.fork(): sys.exit()\\nos.setsid()\\n"
                          "if os.fork(): sys.exit()\\ntime.sleep(2); open('marker2', 'w').write('{token}')"])
        print("spawned")
        """]
    sockets = Path(tempfile.mkdtemp(prefix="cnkt-", dir="/tmp"))  # this run's socket folder goes here
    monkeypatch.setattr(tempfile, "tempdir", str(sockets))
    result = _run(tmp_path, cells)
    assert result.stopped is None and "spawned" in _text(result.nb.cells[0])
    left = [p for p in psutil.process_iter(["cmdline"]) if token in " ".join(p.info["cmdline"] or [])]
    assert left == []
    time.sleep(3)
    assert not (tmp_path / "work" / "marker1").exists() and not (tmp_path / "work" / "marker2").exists()
    assert list(sockets.iterdir()) == []  # the socket folder is gone too
    sockets.rmdir()


@real
def test_a_200mb_print_is_truncated_and_the_grader_stays_small(tmp_path):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = _run(tmp_path, ["print('x' * 200_000_000)", "print('after')"],
                  output_limits=OutputLimits(per_cell_bytes=100_000, per_notebook_bytes=1_000_000))
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - before
    assert result.stopped is None
    text = _text(result.nb.cells[0])
    assert len(text) < 110_000 and "[output truncated:" in text and "over the per-cell limit]" in text
    assert _text(result.nb.cells[1]) == "after\n"
    assert grown < 60, f"the grader's peak RSS grew by {grown:.0f} MB"


@real
def test_many_outputs_are_capped_per_cell_and_per_notebook(tmp_path):
    cells = ["""
        from IPython.display import display
        import sys
        for i in range(300):
            print('y' * 1000); sys.stdout.flush()
        for i in range(50):
            display({'text/plain': 'z' * 5000}, raw=True)
        """, "for i in range(10): print('q' * 3000); sys.stdout.flush()",
             "for i in range(10): print('r' * 3000); sys.stdout.flush()", "print('tail')"]
    result = _run(tmp_path, cells, output_limits=OutputLimits(per_cell_bytes=20_000, per_notebook_bytes=50_000))
    first, second, third, last = result.nb.cells
    stored = lambda c: sum(len(o.get("text", "")) + len(str(o.get("data", ""))) for o in c.outputs)  # noqa: E731
    assert stored(first) < 21_000 and "output(s) dropped" in _text(first)
    assert "[output truncated:" in _text(second)
    assert "over the notebook's limit" in _text(third)
    assert _text(last) == "\n[output truncated: 5 bytes over the notebook's limit]\n"  # 'tail\n' dropped
    assert sum(stored(c) for c in result.nb.cells) < 51_000


@real
def test_an_oversized_raw_message_stops_the_run_without_reaching_the_grader(tmp_path):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    cells = ["""
        # bypass the kernel's own output cap: push a 150 MB frame straight onto the IOPub socket
        get_ipython().kernel.iopub_thread.send_multipart([b"stream", b"x" * 150_000_000])
        import time; time.sleep(5)
        """, "print('never')"]
    result = _run(tmp_path, cells, output_limits=OutputLimits(per_cell_bytes=100_000))
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - before
    assert result.stopped is not None and result.stopped[0] == "output", result.stopped
    assert _errors(result.nb.cells[0])[-1] == STOPPED_ENAME
    assert result.nb.cells[1].outputs[0].evalue.startswith("not run:")
    assert grown < 60, f"the grader's peak RSS grew by {grown:.0f} MB"


@real
def test_an_infinite_loop_hits_the_cell_timeout_and_the_run_goes_on(tmp_path):
    result = _run(tmp_path, ["while True: pass", "print('next')"], cell_timeout=2)
    assert result.stopped is None
    assert TIMEOUT_ENAME in _errors(result.nb.cells[0]) and "KeyboardInterrupt" in _errors(result.nb.cells[0])
    assert _text(result.nb.cells[1]) == "next\n"


@real
def test_a_cell_that_ignores_the_interrupt_is_killed(tmp_path):
    cells = ["import signal; signal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True: pass", "print('no')"]
    result = _run(tmp_path, cells, cell_timeout=2, interrupt_grace=1)
    assert result.stopped[0] == "timeout" and "did not stop when interrupted" in result.stopped[1]
    assert _errors(result.nb.cells[1]) == [STOPPED_ENAME]


@real
def test_the_submission_budget_stops_the_run(tmp_path):
    cells = ["import time; time.sleep(1.5)", "time.sleep(1.5)", "time.sleep(1.5)", "print('late')"]
    result = _run(tmp_path, cells, submission_timeout=3)
    assert result.stopped[0] == "timeout" and "budget" in result.stopped[1]
    assert result.nb.cells[-1].outputs[0].evalue.startswith("not run:")


@real
def test_a_memory_hog_is_stopped_by_the_watchdog(tmp_path):
    cells = ["import numpy as np\nx = np.ones(3 * 2**30 // 8)",  # one process: RLIMIT_DATA refuses it
             """
        import subprocess, sys, time
        # four processes of 150 MB: each under the per-process cap, together over the limit
        hogs = [subprocess.Popen([sys.executable, "-c", "import time; x = b'x' * (150 * 2**20); time.sleep(30)"])
                for _ in range(4)]
        time.sleep(20)
        """, "print('after')"]
    result = _run(tmp_path, cells, memory_limit_mb=400)
    assert "MemoryError" in _errors(result.nb.cells[0])
    assert result.stopped[0] == "memory" and "400 MB" in result.stopped[1]
    assert result.peak_memory_mb > 400
    assert _errors(result.nb.cells[1])[-1] == STOPPED_ENAME
    assert result.nb.cells[2].outputs[0].evalue == f"not run: {result.stopped[1]}"


@real
def test_a_fork_bomb_and_a_disk_filler_are_stopped(tmp_path):
    bomb = _run(tmp_path, ["import subprocess\nps = [subprocess.Popen(['sleep', '30']) for _ in range(40)]\n"
                           "import time; time.sleep(5)"], max_processes=20)
    assert bomb.stopped[0] == "processes"
    filler = _run(tmp_path, ["for i in range(30): open(f'f{i}', 'wb').write(b'x' * 2**20)\n"
                             "import time; time.sleep(5)"], disk_limit_mb=10)
    assert filler.stopped[0] == "disk"


@real
def test_a_normal_notebook_runs_with_numpy_and_matplotlib(tmp_path):
    nb_cells = ["""
        import numpy as np
        import matplotlib.pyplot as plt
        x = np.linspace(0, 1, 50)
        plt.plot(x, x ** 2); plt.savefig("plot.png")
        print(np.round((x ** 2).sum(), 3))
        """, "from IPython.display import Image; Image('plot.png')", "meta = get_ipython().kernel.get_parent()['metadata']\nprint(meta.get('cellId'))"]
    nb = new_notebook(cells=[new_markdown_cell("# title"), *[new_code_cell(textwrap.dedent(c)) for c in nb_cells]])
    ids = [c.id for c in nb.cells]
    (tmp_path / "work").mkdir()
    seen = []
    result = execute_notebook(nb, SandboxPolicy(workdir=tmp_path / "work"), cell_timeout=60,
                              on_cell=lambda i, c: seen.append(i))
    assert result.stopped is None
    assert [c.id for c in result.nb.cells] == ids and seen == [1, 2, 3]
    import numpy as np

    assert _text(result.nb.cells[1]).strip() == str(np.round((np.linspace(0, 1, 50) ** 2).sum(), 3))
    assert "image/png" in result.nb.cells[2].outputs[0].data
    assert _text(result.nb.cells[3]).strip() == ids[3]  # the kernel got metadata.cellId
    assert (tmp_path / "work" / "plot.png").stat().st_size > 1000
    nbformat.validate(result.nb)


@real
@pytest.mark.slow
def test_keras_fits_one_step_in_the_sandbox(tmp_path):
    cells = ["""
        import numpy as np, keras
        model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(2, 3), keras.layers.Flatten(),
                                  keras.layers.Dense(3, activation="softmax")])
        model.compile("adam", "sparse_categorical_crossentropy")
        history = model.fit(np.random.rand(16, 8, 8, 1), np.arange(16) % 3, epochs=1, batch_size=16, verbose=0)
        model.save("model.keras")
        print(len(history.history["loss"]), keras.backend.backend())
        """]
    result = _run(tmp_path, cells, cell_timeout=120, memory_limit_mb=3000)
    assert result.stopped is None, result.kernel_log
    assert _text(result.nb.cells[0], ["stdout"]).split() == ["1", "tensorflow"], result.nb.cells[0].outputs
    data = read_limited(tmp_path / "work", "model.keras", max_bytes=10 * 2**20)
    assert data[:2] == b"PK"  # a zip archive


# -- reading what the sandbox wrote -------------------------------------------------------------
def test_files_left_by_a_submission_are_read_without_following_links(tmp_path):
    secret = tmp_path / "solution.keras"
    secret.write_bytes(b"instructor")
    work = tmp_path / "work"
    (work / "sub").mkdir(parents=True)
    (work / "model.keras").symlink_to(secret)
    (work / "linked").symlink_to(tmp_path)
    (work / "sub" / "ok.keras").write_bytes(b"student")
    (work / "big.keras").write_bytes(b"x" * 3000)
    os.mkfifo(work / "pipe.keras")
    with pytest.raises(UnsafeFileError, match="symbolic link"):
        read_limited(work, "model.keras", max_bytes=10**6)
    with pytest.raises(UnsafeFileError, match="symbolic link"):
        read_limited(work, "linked/solution.keras", max_bytes=10**6)
    with pytest.raises(UnsafeFileError, match="not a regular file"):
        read_limited(work, "pipe.keras", max_bytes=10**6)
    with pytest.raises(UnsafeFileError, match="over the"):
        copy_out(work, "big.keras", tmp_path / "out.keras", max_bytes=1000, what="model files")
    assert not (tmp_path / "out.keras").exists()
    with pytest.raises(UnsafeFileError, match="without '..'"):
        read_limited(work, "../solution.keras", max_bytes=10**6)
    assert copy_out(work, "sub/ok.keras", tmp_path / "ok.keras", max_bytes=1000).read_bytes() == b"student"


# -- the long-lived service ---------------------------------------------------------------------
ECHO_SERVICE = '''
import os, sys, time
from cnnkit.grading.sandbox.service import serve

def handle(request):
    op = request.get("op")
    if op == "crash":
        os._exit(3)
    if op == "sleep":
        time.sleep(request["seconds"])
    if op == "noise":
        print("noise on stdout must not break the protocol")
    if op == "read":
        return {"text": open(request["path"]).read()}
    if op == "fail":
        raise ValueError("bad request")
    return {"echo": request, "uid": os.getuid(), "cwd": os.getcwd(), "net": [n for _, n in __import__("socket").if_nameindex()]}

serve(handle)
'''


@real
def test_a_sandboxed_service_answers_restarts_and_dies_with_close(tmp_path):
    code = tmp_path / "svc"
    code.mkdir()
    (code / "echo_service.py").write_text(ECHO_SERVICE)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("solution")
    policy = SandboxPolicy(readonly=(code,), inbox=inbox)
    with SandboxedService([sys.executable, str(code / "echo_service.py")], policy) as service:
        reply = service.request({"op": "echo", "n": 1}, timeout=30)
        assert reply["echo"] == {"op": "echo", "n": 1} and reply["uid"] == 1000 and reply["net"] == ["lo"]
        assert reply["cwd"] == HOME
        assert service.request({"op": "noise"}, timeout=10)["echo"]["op"] == "noise"
        assert service.request({"op": "read", "path": service.put(secret, "model.txt")})["text"] == "solution"
        with pytest.raises(ServiceError, match="FileNotFoundError"):
            service.request({"op": "read", "path": str(secret)})
        with pytest.raises(ServiceError, match="ValueError: bad request"):
            service.request({"op": "fail"})
        with pytest.raises(ServiceError, match="died"):
            service.request({"op": "crash"})
        assert service.request({"op": "echo"})["echo"] == {"op": "echo"} and service.starts == 2
        second = psutil.Process(service.pid)
        with pytest.raises(TimeoutError):
            service.request({"op": "sleep", "seconds": 30}, timeout=1)
        assert not second.is_running()
        assert service.request({"op": "echo"}) and service.starts == 3
        last = psutil.Process(service.pid)
        family = [last, *last.children(recursive=True)]
    gone, alive = psutil.wait_procs(family, timeout=5)
    assert alive == []



@real
def test_a_service_started_from_a_short_lived_thread_outlives_that_thread(tmp_path):
    """bwrap's --die-with-parent follows the thread that started it: a grading pool's thread ending must not
    take the referee with it (the next request, e.g. the batch's integrity digests, would fail)."""
    code = tmp_path / "svc"
    code.mkdir()
    (code / "echo_service.py").write_text(ECHO_SERVICE)
    with SandboxedService([sys.executable, str(code / "echo_service.py")], SandboxPolicy(readonly=(code,))) as service:
        starter = threading.Thread(target=service.request, args=({"op": "echo"},), kwargs={"timeout": 60})
        starter.start()
        starter.join()
        pid = service.pid
        time.sleep(1)  # the parent-death signal, were it armed by that thread, has arrived by now
        assert service.alive, "the service died with the thread that started it"
        assert service.request({"op": "echo", "n": 2}, timeout=30)["echo"]["n"] == 2
        assert (service.starts, service.pid) == (1, pid)

GRADER = '''
import sys
from nbformat.v4 import new_code_cell, new_notebook
from cnnkit.grading.sandbox.execute import execute_notebook
from cnnkit.grading.sandbox.policy import SandboxPolicy
nb = new_notebook(cells=[new_code_cell("import time; time.sleep(60)")])
execute_notebook(nb, SandboxPolicy(workdir=sys.argv[1]), cell_timeout=120)
'''


def _cmdline(proc: psutil.Process) -> str:
    try:
        return " ".join(proc.cmdline())
    except psutil.Error:  # gone, or a zombie
        return ""


@real
def test_the_sandbox_dies_with_a_killed_grader(tmp_path):
    (tmp_path / "work").mkdir()
    grader = subprocess.Popen([sys.executable, "-c", GRADER, str(tmp_path / "work")])
    try:
        deadline = time.monotonic() + 60
        family = []
        while time.monotonic() < deadline:  # until the kernel runs inside bwrap
            family = psutil.Process(grader.pid).children(recursive=True)
            if any("ipkernel" in _cmdline(p) for p in family):
                break
            time.sleep(0.2)
        assert any(os.path.basename(_cmdline(p).split(" ")[0]) == "bwrap" for p in family), family
    finally:
        grader.kill()
        grader.wait()
    gone, alive = psutil.wait_procs(family, timeout=5)
    assert [p for p in alive if p.status() != psutil.STATUS_ZOMBIE] == []
    left = list(Path(short_tmp()).glob(f"cnk-{grader.pid}-*"))  # its socket folder, orphaned
    assert left
    SandboxedKernelManager(SandboxPolicy()).remove_run_dir()  # the next grader removes it
    assert not any(p.exists() for p in left)


def test_no_sandbox_runs_the_same_client_on_the_host(tmp_path, caplog):
    visible = tmp_path / "host-file.txt"
    visible.write_text("on the host")
    cells = [f"print(open({str(visible)!r}).read())", "print('x' * 50_000)"]
    result = _run(tmp_path, cells, sandbox=False, output_limits=OutputLimits(per_cell_bytes=10_000))
    assert _text(result.nb.cells[0]) == "on the host\n"  # no sandbox: the host is visible
    assert "[output truncated:" in _text(result.nb.cells[1])  # the limits still hold
    assert "WITHOUT the sandbox" in caplog.text
