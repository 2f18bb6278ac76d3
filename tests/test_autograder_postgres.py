"""The batch autograder merges into a real PostgreSQL gradebook when given a postgresql:// URL.

A throw-away PostgreSQL cluster is started for the test (initdb + pg_ctl on a free loopback port)
and the fixture assignment is graded into it; the scores are read back through nbgrader's own
``Gradebook``. Needs PostgreSQL's server programs (skipped without them locally, failed under CI).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

from cnnkit.grading.batch import grade_class
from cnnkit.grading.course import COURSE_ID, Course
from cnnkit.grading.samples import Work, notebook_for
from components import need

FIXTURE = Course(Path(__file__).parent / "fixtures" / "course")
A = "fixture-sums"

pytestmark = pytest.mark.slow


def _pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def postgres_url():
    try:
        import psycopg  # noqa: F401 — SQLAlchemy's PostgreSQL driver
    except ImportError:
        need(False, "psycopg", "pip install 'cnnkit[postgres]'")
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    need(bool(initdb and pg_ctl), "PostgreSQL's server programs", "apt-get install postgresql")
    # Not under pytest's tmp folder: that one is private to the user running the tests.
    home = Path(tempfile.mkdtemp(prefix="cnnkit-pg-"))
    data = home / "data"
    run_as = []
    if os.geteuid() == 0:  # the server refuses to run as root: use the postgres system user
        need(bool(shutil.which("runuser")), "runuser (to start PostgreSQL as another user than root)",
             "apt-get install util-linux")
        shutil.chown(home, "postgres")
        run_as = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    subprocess.run([*run_as, initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"],
                   check=True, capture_output=True)
    subprocess.run([*run_as, pg_ctl, "-D", str(data), "-l", str(data.parent / "log"), "-w", "start",
                    "-o", f"-h 127.0.0.1 -p {port} -k {data.parent}"], check=True, capture_output=True)
    try:
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=port, user="postgres", dbname="postgres",
                             autocommit=True) as conn:
            conn.execute("CREATE DATABASE gradebook")
        yield f"postgresql://postgres@127.0.0.1:{port}/gradebook"
    finally:
        subprocess.run([*run_as, pg_ctl, "-D", str(data), "-m", "fast", "stop"], capture_output=True)
        shutil.rmtree(home, ignore_errors=True)


def test_class_is_merged_into_a_postgresql_gradebook(postgres_url, tmp_path):
    from nbgrader.api import Gradebook

    subs = tmp_path / "submissions"
    # "full" hands in the solution, "blank" the untouched release (fixture-sums: 2 + 1 automatic points)
    for student, base in [("full", "solution"), ("blank", "release")]:
        folder = subs / student / A
        folder.mkdir(parents=True)
        import nbformat

        nbformat.write(notebook_for(FIXTURE, student, Work(A, base=base)), folder / f"{A}.ipynb")
        (folder / "answer.txt").write_text("42")
    batch = grade_class(subs, out=tmp_path / "out", course=FIXTURE, workers=2, db_url=postgres_url, progress=False)
    assert batch.db_url == postgres_url
    with Gradebook(postgres_url, COURSE_ID) as gb:
        scores = {s.student.id: s.score for s in gb.assignment_submissions(A)}
    assert scores == {"full": 3, "blank": 0}
