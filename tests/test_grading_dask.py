"""Grading on a real Dask cluster on loopback (``cnnkit grade run --scheduler``).

A scheduler and two ``dask worker --no-nanny --nthreads 1`` processes (no nanny: a killed worker stays
dead), each in its own session, grade three submissions of the fixture course: honest, hard-coded, and
a slow one whose training cell starts a child process carrying a marker and sleeps. While the slow one
runs, the worker running it is SIGKILLed — that worker alone, not its process group: bwrap's
``--die-with-parent`` must take the sandbox down with it. The task must run again on the other worker and
every per-question score, status and ``grades.csv`` must equal a local ``grade_class`` run of the same three
(run alongside, in a thread).
Needs Dask and bubblewrap (skipped without them locally, failed under CI).
"""

from __future__ import annotations

import glob
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import nbformat
import psutil
import pytest

from cnnkit.cli import main
from cnnkit.grading.batch import grade_class
from cnnkit.grading.course import Course, release
from cnnkit.grading.prepare import TrustedAssignment, prepare
from cnnkit.grading.result import Result
from cnnkit.grading.samples import Work, notebook_for
from components import need

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "course"
SUMS = "fixture-sums"
MARK = f"cnnkit-dask-marker-{uuid.uuid4().hex[:12]}"  # in the slow submission's child process
SLEEP_S = 3        # the slow training cell: long enough to find and kill its worker mid-task
DEADLINE_S = 300   # any single wait in this test (the machine may be shared)

SLOW_TRAIN = f'''def train():
    import subprocess, sys, time
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "{MARK}"])
    time.sleep({SLEEP_S})
    return True'''
STUDENTS = {"honest": {}, "hardcoded": {"add": "def add(a, b):\n    return 3"}, "slow": {"train": SLOW_TRAIN}}

pytestmark = pytest.mark.slow


def _have_dask() -> bool:
    try:
        import distributed  # noqa: F401
    except ImportError:
        return False
    return True


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(predicate, timeout: float, what: str, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout:g} s waiting for {what}")


def _alive(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _marked() -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        if any(MARK in arg for arg in proc.info["cmdline"] or ()) and _alive(proc):
            found.append(proc)
    return found


class Cluster:
    """A Dask scheduler and workers on loopback, every process in its own session (killed as a group)."""

    def __init__(self, folder: Path, workers=("w1", "w2")):
        folder.mkdir(parents=True)
        self.folder = folder
        self.address = f"tcp://127.0.0.1:{_free_port()}"
        self.tmp = folder / "tmp"  # the workers' temporary folders (what a killed worker leaves stays in here)
        self.tmp.mkdir()
        env = {**os.environ, "TMPDIR": str(self.tmp)}
        self.procs: dict[str, subprocess.Popen] = {}
        self._start("scheduler", ["distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                                  "--port", self.address.rsplit(":", 1)[1], "--no-dashboard"], env)
        for name in workers:
            self._start(name, ["distributed.cli.dask_worker", self.address, "--host", "127.0.0.1", "--no-nanny",
                               "--nthreads", "1", "--name", name, "--no-dashboard", "--memory-limit", "0",
                               "--death-timeout", "30", "--local-directory", str(folder / name),
                               "--preload", "cnnkit.grading.cluster.worker"], env)
        self.workers = {name: self.procs[name] for name in workers}

    def _start(self, name, args, env):
        with open(self.folder / f"{name}.log", "wb") as log:
            self.procs[name] = subprocess.Popen([sys.executable, "-m", *args], env=env, stdout=log,
                                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                                start_new_session=True)

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}"
                         for p in sorted(self.folder.glob("*.log")))

    def client(self):
        from distributed import Client

        client = Client(self.address, timeout=DEADLINE_S, set_as_default=False)
        client.wait_for_workers(len(self.workers), timeout=DEADLINE_S)
        return client

    def close(self) -> None:
        """SIGTERM the workers (a worker's own shutdown closes its grading state), then SIGKILL every group."""
        for proc in self.workers.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self.workers.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                pass
        for proc in self.procs.values():
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(timeout=15)
        for proc in self.procs.values():
            with pytest.raises(ProcessLookupError):
                os.killpg(proc.pid, 0)  # nothing of any group is left


def _submissions(course: Course, dest: Path) -> Path:
    for student, answers in STUDENTS.items():
        folder = dest / student / SUMS
        folder.mkdir(parents=True)
        nbformat.write(notebook_for(course, student, Work(SUMS, answers=answers)), folder / f"{SUMS}.ipynb")
        (folder / "answer.txt").write_text("42")
    return dest


@pytest.fixture
def cluster(tmp_path):
    need(_have_dask(), "Dask (distributed)", "pip install 'cnnkit[dask]'")
    from cnnkit.grading.sandbox.support import probe

    support = probe()
    need(support.ok, "the bubblewrap sandbox", support.message())
    cluster = Cluster(tmp_path / "cluster")
    try:
        yield cluster
    finally:
        cluster.close()


def test_cluster_grades_like_a_local_run_and_a_killed_workers_sandbox_dies_with_it(tmp_path, cluster):
    start = time.monotonic()
    course = Course(FIXTURE)  # grading releases into its own temporary folder: the fixture stays untouched
    subs = _submissions(course, tmp_path / "submissions")
    # the local reference run, alongside the cluster's (its own marked child runs under this process, not a
    # worker, so the busy worker below is never mistaken)
    local, local_s = [], []

    def local_run():
        local.append(grade_class(subs, out=tmp_path / "local", course=course, workers=2, progress=False))
        local_s.append(time.monotonic() - start)

    reference = threading.Thread(target=local_run, daemon=True)
    reference.start()
    client = cluster.client()
    addresses = {info["name"]: address for address, info in client.scheduler_info()["workers"].items()}
    pids = {name: proc.pid for name, proc in cluster.workers.items()}
    out = tmp_path / "dask"
    # the command, in a thread of this process (its imports are already done here)
    codes = []
    cli = threading.Thread(target=lambda: codes.append(main(
        ["grade", "--course", str(course.root), "run", str(subs), "--out", str(out), "--scheduler", cluster.address,
         "--no-progress"])), daemon=True)
    cli.start()
    try:
        # the busy worker: the one whose sandbox runs the slow submission's marked child
        def busy_worker():
            for proc in _marked():
                try:
                    ancestors = {p.pid for p in proc.parents()}
                except psutil.Error:
                    continue
                for name, pid in pids.items():
                    if pid in ancestors:
                        return name, proc
            return None

        busy, marked = _wait(busy_worker, DEADLINE_S, "the slow submission to run on a worker")
        other = next(name for name in pids if name != busy)
        slow = [key for key in client.processing()[addresses[busy]] if f"-{SUMS}-slow-" in str(key)]
        assert slow, f"the scheduler does not show the slow task on {busy}: {client.processing()}"
        sandbox = psutil.Process(pids[busy]).children(recursive=True)
        assert marked in sandbox and any(p.name() == "bwrap" for p in sandbox), sandbox
        kill_s = time.monotonic() - start
        os.kill(pids[busy], signal.SIGKILL)  # the worker process alone: its sandbox must go with it
        cluster.workers[busy].wait(timeout=DEADLINE_S)
        deadline = time.monotonic() + 10
        while (survivors := [p for p in sandbox if _alive(p)]) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not survivors, f"outlived the killed worker: {[(p.pid, p.name()) for p in survivors]}"
        assert not _alive(marked)
        # Dask runs the lost task again, on the other worker
        _wait(lambda: slow[0] in client.processing().get(addresses[other], ()), DEADLINE_S,
              f"the slow task to be retried on {other}")
        cli.join(timeout=DEADLINE_S)
        assert codes == [0], f"cnnkit grade run --scheduler: {codes or 'still running'}"
        reference.join(timeout=DEADLINE_S)
        assert local, "the local reference run failed or is still running"
    except BaseException:
        print(cluster.logs())  # shown on failure
        raise
    finally:
        client.close()
    local = local[0]
    print(f"local run done at {local_s[0]:.1f} s, worker killed at {kill_s:.1f} s, cluster run done at "
          f"{time.monotonic() - start:.1f} s")

    report = json.loads((out / "report.json").read_text())
    remote = {(e["student"], e["assignment"]): (e["status"], e["scores"]) for e in report["submissions"]}
    expected = {(r.student, r.assignment): (r.status, r.scores) for r in local.results}
    assert remote == expected
    assert {k: sum(v[1][SUMS].values()) for k, v in expected.items()} == {
        ("hardcoded", SUMS): 1, ("honest", SUMS): 3, ("slow", SUMS): 3}, "the local reference itself is wrong"
    assert (out / "grades.csv").read_text() == (local.out / "grades.csv").read_text()
    assert report["summary"]["sandboxed"] is True and report["summary"]["workers"] == 2
    for student in STUDENTS:
        assert (out / "feedback" / student / SUMS / f"{SUMS}.html").is_file()
        assert (out / "autograded" / student / SUMS / f"{SUMS}.ipynb").is_file()
    # a sandbox's processes are killed with its PID namespace: they may take a moment to be gone
    _wait(lambda: not _marked(), 10, "every marked process (local and cluster runs) to be gone")
    # the next sandbox a live worker started removed the dead worker's kernel folder (cnnkit.grading.sandbox.rundir's rule)
    runtime = cluster.tmp if len(str(cluster.tmp)) <= 40 else Path("/tmp")
    assert not glob.glob(f"{runtime}/cnk-{pids[busy]}-*")


def _same_prepare(trusted, folder, copy_trusted, copy_folder):
    results = Result("s", SUMS), Result("s", SUMS)
    prepared = prepare(trusted, folder, results[0]), prepare(copy_trusted, copy_folder, results[1])
    assert (results[0].status, results[0].reasons) == (results[1].status, results[1].reasons)
    if prepared[0] is None:
        assert prepared[1] is None
        return results[0], None
    a, b = prepared
    assert (a.answers, a.extra_cells, a.undeclared) == (b.answers, b.extra_cells, b.undeclared)
    assert a.nb == b.nb
    assert {n: p.read_bytes() for n, p in a.files.items()} == {n: p.read_bytes() for n, p in b.files.items()}
    return results[0], a


def test_a_task_carries_what_prepare_reads_and_the_worker_decides_the_same(tmp_path):
    """Bundle and submission round trip: ``prepare`` on the worker's copy decides as on the original."""
    from cnnkit.grading.cluster.payload import pack_submission, pack_trusted, unpack_submission, unpack_trusted

    course = Course(FIXTURE)
    release(course, [SUMS], release_dir=tmp_path / "release")
    trusted = TrustedAssignment.build(course.assignment(SUMS), tmp_path / "release" / SUMS)
    bundle = pack_trusted(trusted)
    assert pack_trusted(trusted).digest == bundle.digest  # the same material, the same cache key
    copy = unpack_trusted(bundle, tmp_path / "worker")
    assert copy.source_nb == trusted.source_nb and copy.release_nb == trusted.release_nb
    assert {n: p.read_bytes() for n, p in copy.release_files.items()} == \
        {n: p.read_bytes() for n, p in trusted.release_files.items()}
    assert copy.graded == trusted.graded and copy.assignment.config.handin == trusted.assignment.config.handin
    assert "BEGIN HIDDEN TESTS" in "".join(c.source for c in copy.source_nb.cells)

    nb = notebook_for(course, "s", Work(SUMS))
    cases = {
        "ok": {"answer.txt": b"42", "cnnkit/__init__.py": b"", ".ipynb_checkpoints/x.ipynb": b"{}"},
        "bigfile": {"answer.txt": b"x" * (2 * 2**20)},
        "bignotebook": {f"{SUMS}.ipynb": b" " * (2 * 2**20), "answer.txt": b"42"},
        "nonotebook": {"mine.ipynb": b"{}", "answer.txt": b"42"},
    }
    seen = {}
    for name, files in cases.items():
        folder = tmp_path / "subs" / name
        folder.mkdir(parents=True)
        if f"{SUMS}.ipynb" not in files and name != "nonotebook":
            nbformat.write(nb, folder / f"{SUMS}.ipynb")
        for rel, content in files.items():
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            (folder / rel).write_bytes(content)
        payload = pack_submission(folder, trusted)
        # what prepare never reads travels as its size only
        assert all(isinstance(v, int) for k, v in payload.items() if k not in (f"{SUMS}.ipynb", "answer.txt"))
        unpacked = unpack_submission(payload, tmp_path / "unpacked" / name)
        seen[name] = _same_prepare(trusted, folder, copy, unpacked)
    result, prepared = seen["ok"]
    assert result.status == "ok" and prepared.undeclared == ["cnnkit/__init__.py"]
    assert seen["bigfile"][0].status == "missing-file" and isinstance(
        pack_submission(tmp_path / "subs" / "bigfile", trusted)["answer.txt"], int)
    assert seen["bignotebook"][0].status == "invalid-notebook"
    assert seen["nonotebook"][0].status == "missing-notebook" and "mine.ipynb" in seen["nonotebook"][0].reasons[0]
    with pytest.raises(ValueError, match="not a path inside"):
        unpack_submission({"../escape": b"x"}, tmp_path / "unpacked" / "escape")


def test_no_scheduler_is_a_clear_error(tmp_path, capsys):
    need(_have_dask(), "Dask (distributed)", "pip install 'cnnkit[dask]'")
    subs = tmp_path / "subs"
    (subs / "s" / SUMS).mkdir(parents=True)
    base = ["grade", "--course", str(FIXTURE), "run", str(subs), "--out", str(tmp_path / "out")]
    assert main([*base, "--scheduler", f"tcp://127.0.0.1:{_free_port()}"]) == 2
    err = capsys.readouterr().err
    assert "no Dask scheduler answered" in err and "dask scheduler" in err and "dask worker" in err
    assert main([*base, "--scheduler", "tcp://127.0.0.1:1", "--workers", "2"]) == 2
    assert "--nthreads" in capsys.readouterr().err
