"""Grading on a Dask cluster against a local run: the same class of fixture-course submissions graded by
``grade_class`` in local threads (1, then 2) and on a loopback Dask cluster of 1, then 2 workers
(``dask worker --no-nanny --nthreads 1``, sandbox on everywhere), in one command. Prints each run's
seconds, submissions per minute and its ratio to the one-thread local run.

    .venv/bin/python benchmarks/grading_dask.py                 # 8 submissions of fixture-sums
    .venv/bin/python benchmarks/grading_dask.py --students 16

Every run includes its own release into the gradebook (nbgrader ``generate_assignment``), as a real one
does; the cluster's start-up (scheduler, workers importing cnnkit) is not counted, as a real cluster is
already up. On one machine the cluster can only match the local threads: it shows the cost of shipping
tasks; the gain is in adding machines.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cnnkit.grading.batch import grade_class  # noqa: E402
from cnnkit.grading.course import Course  # noqa: E402
from cnnkit.grading.samples import Work, notebook_for  # noqa: E402

FIXTURE = ROOT / "tests" / "fixtures" / "course"
SUMS = "fixture-sums"


def submissions(course: Course, n: int, dest: Path) -> Path:
    """``n`` honest fixture-sums submissions (distinct students: the integrity scan compares them)."""
    for i in range(n):
        folder = dest / f"student{i:02d}" / SUMS
        folder.mkdir(parents=True)
        nbformat.write(notebook_for(course, f"student{i:02d}", Work(SUMS)), folder / f"{SUMS}.ipynb")
        (folder / "answer.txt").write_text("42")
    return dest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LoopbackCluster:
    """A scheduler and ``workers`` single-thread workers on 127.0.0.1, each in its own session."""

    def __init__(self, workers: int, folder: Path):
        from distributed import Client

        self.address = f"tcp://127.0.0.1:{_free_port()}"
        self.procs = [self._start(folder / "scheduler.log", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                                  "--port", self.address.rsplit(":", 1)[1], "--no-dashboard")]
        for i in range(workers):
            self.procs.append(self._start(folder / f"w{i}.log", "distributed.cli.dask_worker", self.address,
                                          "--host", "127.0.0.1", "--no-nanny", "--nthreads", "1", "--no-dashboard",
                                          "--memory-limit", "0", "--local-directory", str(folder / f"w{i}"),
                                          "--preload", "cnnkit.grading.cluster.worker"))
        with Client(self.address, timeout=300, set_as_default=False) as client:
            client.wait_for_workers(workers, timeout=300)

    @staticmethod
    def _start(log: Path, module: str, *args: str) -> subprocess.Popen:
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "wb") as out:
            return subprocess.Popen([sys.executable, "-m", module, *args], stdout=out, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, start_new_session=True)

    def close(self) -> None:
        for proc in self.procs[1:]:
            proc.terminate()  # a worker's own shutdown closes its grading state
        for proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pass
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=8)
    args = parser.parse_args()
    course = Course(FIXTURE)
    rows = []
    with tempfile.TemporaryDirectory(prefix="cnnkit-bench-dask-") as tmp:
        tmp = Path(tmp)
        subs = submissions(course, args.students, tmp / "subs")

        def timed(label, **kwargs):
            start = time.monotonic()
            batch = grade_class(subs, out=tmp / "out" / label.replace(" ", "-"), course=course, progress=False,
                                **kwargs)
            seconds = time.monotonic() - start
            bad = [(r.student, r.status) for r in batch.results if r.status != "ok" or r.score != 3]
            if bad:
                raise SystemExit(f"{label}: not every submission graded ok with 3 points: {bad}")
            rows.append((label, seconds))
            print(f"{label}: {seconds:.1f} s", flush=True)

        timed("local, 1 thread", workers=1)
        timed("local, 2 threads", workers=2)
        for n in (1, 2):
            cluster = LoopbackCluster(n, tmp / f"cluster{n}")
            try:
                timed(f"dask, {n} worker{'s' * (n > 1)}", scheduler=cluster.address)
            finally:
                cluster.close()
    base = rows[0][1]
    print(f"\n{args.students} submissions of {SUMS}, {os.cpu_count()} CPU cores, sandbox on")
    print(f"{'run':<20}{'seconds':>9}{'subs/min':>10}{'vs local 1':>12}")
    for label, seconds in rows:
        print(f"{label:<20}{seconds:>9.1f}{60 * args.students / seconds:>10.1f}{base / seconds:>11.2f}x")


if __name__ == "__main__":
    main()
