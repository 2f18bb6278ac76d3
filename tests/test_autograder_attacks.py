"""The autograder against faults and hostile submissions: the attack corpus.

One batch grades the fixture course's class (tests/fixtures/course: ``fixture-sums`` without
TensorFlow, ``fixture-model`` with a referee-graded model) with the default, sandboxed
``grade_class``: two honest classmates, every fault, and every attack. Each row of ``CORPUS`` is one
submission: what it does, the status and score it must get, and the reason, review flag or
truncation note that must be there. The tests after the table check the whole batch: classmates keep
their scores, nothing secret reaches any output or feedback, the host's files are intact, no process
outlives the run, the gradebook holds exactly the grader's scores, and manual grades survive a re-run.
"""

from __future__ import annotations

import csv
import html
import json
import os
import re
import shutil
import socket
import sqlite3
import textwrap
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import psutil
import pytest

from cnnkit.grading.batch import grade_class
from cnnkit.grading.course import Course, release
from cnnkit.grading.feedback import WITHHELD
from cnnkit.grading.samples import Work, notebook_for

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "course"
SUMS, MODEL = "fixture-sums", "fixture-model"
HONEST_MODEL = ROOT / "tests" / "fixtures" / "models" / "honest-fixture-model.keras"
TOKEN = f"cnnkit-secret-{uuid.uuid4().hex}"  # in the grader's environment and command line: must never leak
MARK = f"cnnkit-marker-{uuid.uuid4().hex[:12]}"  # in every process a submission starts: none may survive

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("autograder-attacks")]


@dataclass
class Case:
    student: str
    assignment: str
    what: str
    status: str
    score: float
    base: str = "solution"
    answers: dict = field(default_factory=dict)
    cells: tuple = ()                      # the student's own code cells (inserted before the first test)
    files: dict = field(default_factory=dict)  # extra files: name -> bytes, or a model-building keyword
    edit: object = None                    # a function(nb) changing the notebook itself
    raw: str | None = None                 # an unparseable upload
    reason: str = ""                       # must appear in one of the reasons
    review: str = ""                       # must appear in one of the review flags
    output: str = ""                       # must appear in the autograded notebook's outputs


WRONG_ADD = "def add(a, b):\n    return 0"
WRONG_SQUARE = "def square(x):\n    return 0"


def _tests_to_pass(nb):
    for c in nb.cells:
        if c.metadata.get("nbgrader", {}).get("grade_id") in ("test_add", "test_square"):
            c.source = "pass  # the test, made harmless"


def _points_to(nb):
    for c in nb.cells:
        if c.metadata.get("nbgrader", {}).get("grade"):
            c.metadata["nbgrader"]["points"] = 100


def _duplicate_test(nb):
    import copy

    test = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_add")
    nb.cells.insert(nb.cells.index(test), copy.deepcopy(test))


def _delete_test(nb):
    nb.cells[:] = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "test_add"]


def _host_paths(ctx) -> str:
    return repr([str(p) for p in ctx["secrets"]])


def corpus(ctx) -> list[Case]:
    """Every fault and attack, built from the run's own paths (ctx), honest classmates first."""
    host = _host_paths(ctx)
    port = ctx["port"]
    return [
        Case("honest", SUMS, "full marks (the manual answer waits for a grader)", "ok", 3),
        Case("hardcoded", SUMS, "visible tests only: the hidden test catches it", "ok", 1,
             answers={"add": "def add(a, b):\n    return 3"}, reason="hidden check: add(-5, 5) should be 0"),
        Case("honest-model", MODEL, "a model of its own, trained", "ok", 3, files={"model.keras": "honest"}),
        # --- faults (held before the sandbox; must still hold) ------------------------------------
        Case("blank", SUMS, "the release untouched", "ok", 0, base="release"),
        Case("invalid", SUMS, "a cut-off upload", "invalid-notebook", 0, raw='{"cells": [ not json',
             reason="not a valid notebook"),
        Case("deleted", SUMS, "a read-only test cell deleted", "broken", 3, edit=_delete_test,
             reason="test cell 'test_add' was deleted — restored"),
        Case("duplicated", SUMS, "a test cell duplicated", "broken", 3, edit=_duplicate_test,
             reason="appears 2 times"),
        Case("loop", SUMS, "an infinite loop in an answer", "timeout", 1,
             answers={"add": "def add(a, b):\n    while True:\n        pass"}, reason="budget"),
        # each under the 1024 MB limit (RLIMIT_DATA lets it allocate), together over it by far: a forked
        # kernel's own RSS is small, so the sum must not depend on it
        Case("hog", SUMS, "four processes holding 400 MB each", "memory", 0, cells=(textwrap.dedent("""
            import subprocess, sys, time
            hogs = [subprocess.Popen([sys.executable, '-S', '-c', 'x = bytearray(400 * 2**20); import time; time.sleep(60)'])
                    for _ in range(4)]
            time.sleep(30)
            """),), reason="1024 MB"),
        Case("oom", SUMS, "one allocation over the limit: a MemoryError, the rest is graded", "memory", 3,
             cells=("x = bytearray(2 * 2**30)",), reason="ran out of memory"),
        Case("trainer", SUMS, "8 s of training: over the cell budget, inside the training budget", "ok", 3,
             answers={"train": "def train():\n    import time\n    time.sleep(8)\n    return True"}),
        Case("slowtrain", SUMS, "training past the submission budget", "timeout", 2,
             answers={"train": "def train():\n    import time\n    time.sleep(120)\n    return True"},
             reason="25 s budget"),
        Case("sysexit", SUMS, "sys.exit in a cell of its own", "ok", 3, cells=("import sys\nsys.exit(3)",)),
        Case("forker", SUMS, "a forked child that never ends", "ok", 3, cells=(textwrap.dedent(f"""
            import os
            if os.fork() == 0:
                os.execvp('sh', ['sh', '-c', 'sleep 60 # {MARK}'])
            """),)),
        Case("tampered", SUMS, "test cells edited to `pass`, wrong answers", "ok", 0, edit=_tests_to_pass,
             answers={"add": WRONG_ADD, "square": WRONG_SQUARE}),
        Case("points", SUMS, "100 points written into the test cells' metadata", "ok", 3, edit=_points_to),
        Case("bigfile", SUMS, "a hand-in file over its size limit", "missing-file", 3,
             files={"answer.txt": b"x" * (3 * 2**20)}, reason="over the 1 MB limit"),
        # --- the sandbox (issue: a sandbox per submission) -----------------------------------------
        Case("reader", SUMS, "reads the course, the gradebook, classmates and $HOME", "ok", 3, cells=(textwrap.dedent(f"""
            import glob, os
            found = []
            candidates = {host} + glob.glob('/home/*/*') + glob.glob('/root/*') + glob.glob('/tmp/*/*')
            own = ('/tmp/cnk-', '/tmp/kernel/', 'fontlist')  # its own kernel's folder (fresh, forked) and font list
            for path in [p for p in candidates if not any(o in p for o in own)]:
                try:
                    with open(path, 'rb') as f:
                        found.append((path, f.read(80)))
                except OSError as error:
                    pass
            print('found', len([p for p, _ in found if 'student' not in p]), 'outside files')
            for path, head in found:
                print(path, head)
            """),), output="found 0 outside files"),
        Case("snoop", SUMS, "reads the grader's command line and environment", "ok", 3, cells=(textwrap.dedent("""
            import glob, os
            print(sorted(os.environ))
            for path in glob.glob('/proc/*/cmdline') + glob.glob('/proc/*/environ'):
                try:
                    print(path, open(path, 'rb').read()[:2000])
                except OSError:
                    pass
            print('processes visible:', len(glob.glob('/proc/[0-9]*')))
            """),)),
        Case("network", SUMS, "sockets, DNS and HTTP", "ok", 3, cells=(textwrap.dedent(f"""
            import socket, urllib.request
            for what, attempt in [
                ('tcp', lambda: socket.create_connection(('127.0.0.1', {port}), timeout=2)),
                ('dns', lambda: socket.getaddrinfo('pypi.org', 443)),
                ('http', lambda: urllib.request.urlopen('http://127.0.0.1:{port}/', timeout=2))]:
                try:
                    attempt()
                    print(what, 'REACHED')
                except Exception as error:
                    print(what, 'blocked:', type(error).__name__)
            """),), output="tcp blocked"),
        Case("vandal", SUMS, "deletes and overwrites files outside its folder", "ok", 3, cells=(textwrap.dedent(f"""
            import os, shutil
            for path in {host}:
                for attempt in (lambda: os.remove(path), lambda: open(path, 'w').write('vandalised'),
                                lambda: shutil.rmtree(os.path.dirname(path))):
                    try:
                        attempt()
                    except Exception:
                        pass
            """),)),
        Case("detached", SUMS, "a setsid helper meant to outlive the run", "ok", 3, cells=(textwrap.dedent(f"""
            import subprocess
            subprocess.Popen(['setsid', 'sh', '-c', 'sleep 60 # {MARK}'], start_new_session=True)
            subprocess.Popen(['sh', '-c', 'sleep 60 & # {MARK}'])
            """),)),
        # 32 MB: 128x the cell's 256 KB output cap, yet printed well within the fixture's 6 s cell budget
        # even on a loaded machine (200 MB could not be: the kernel has to produce it all).
        Case("flood", SUMS, "32 MB of printing", "ok", 3,
             cells=("for _ in range(16):\n    print('x' * 2**21)",),
             output="[output truncated"),
        Case("forkbomb", SUMS, "hundreds of processes", "processes", 0, cells=(textwrap.dedent(f"""
            import subprocess, time
            children = [subprocess.Popen(['sleep', '60']) for _ in range(400)]
            time.sleep(30)
            """),), reason="processes"),
        # --- trusted scoring (issue: the grader believes nothing the student's code could touch) ----
        Case("transformer", SUMS, "an IPython input transformer turning tests into `pass`", "ok", 0,
             base="release", cells=("get_ipython().input_transformers_post.append(lambda lines: ['pass\\n'])",),
             review="input_transformers_post"),
        Case("swallow", SUMS, "set_custom_exc swallowing every error", "ok", 0, base="release",
             cells=("get_ipython().set_custom_exc((BaseException,), lambda *a, **k: None)",),
             review="set_custom_exc"),
        Case("rebind", SUMS, "check_value rebound to a no-op, wrong answers", "ok", 0,
             answers={"add": WRONG_ADD, "square": WRONG_SQUARE}, cells=("check_value = lambda *a, **k: None",)),
        Case("patcher", SUMS, "cnnkit's checks patched in the module, wrong answers", "ok", 0,
             answers={"add": WRONG_ADD, "square": WRONG_SQUARE}, cells=(textwrap.dedent("""
            import cnnkit.checks, cnnkit.checks.core
            cnnkit.checks.core.check_value = lambda *a, **k: None
            cnnkit.checks.core.check_value.__code__ = (lambda *a, **k: None).__code__
            """),), review="assigns into an imported module"),
        Case("shadow", SUMS, "a fake cnnkit package beside the notebook, wrong answers", "ok", 0,
             answers={"add": WRONG_ADD, "square": WRONG_SQUARE},
             files={"cnnkit/__init__.py": b"", "cnnkit/checks/__init__.py": b"def check_value(*a, **k): pass\n"},
             cells=(textwrap.dedent("""
            import os, sys
            os.makedirs('cnnkit/checks', exist_ok=True)
            open('cnnkit/__init__.py', 'w').close()
            open('cnnkit/checks/__init__.py', 'w').write('def check_value(*a, **k): pass\\n')
            for name in [m for m in sys.modules if m.startswith('cnnkit')]:
                del sys.modules[name]
            sys.path.insert(0, os.getcwd())
            """),), review="would shadow an import"),
        Case("poisoner", SUMS, "the kernel's module-path memo told that a fake cnnkit beside the notebook lies "
             "elsewhere, wrong answers", "ok", 0, answers={"add": WRONG_ADD, "square": WRONG_SQUARE},
             cells=(textwrap.dedent("""
            import os, sys
            from cnnkit.grading import module_files
            os.makedirs('cnnkit/checks', exist_ok=True)
            open('cnnkit/__init__.py', 'w').close()
            open('cnnkit/checks/__init__.py', 'w').write('def check_value(*a, **k): pass\\n')
            for name in ('cnnkit/__init__.py', 'cnnkit/checks/__init__.py'):
                module_files._REAL[os.path.join(os.getcwd(), name)] = '/usr/lib/python3/dist-packages/' + name
            for name in [m for m in sys.modules if m.startswith('cnnkit')]:
                del sys.modules[name]
            sys.path.insert(0, os.getcwd())
            import cnnkit.checks
            """),), review="reaches into the grader"),
        Case("bookkeeper", SUMS, "looks for a gradebook to write extra credit into", "ok", 3, cells=(textwrap.dedent("""
            import glob, sqlite3
            roots = ('/home', '/tmp', '/root', '/work', '/srv', '/var')
            books = [p for r in roots for depth in range(1, 5) for p in glob.glob(r + '/*' * depth + '.db')]
            print('gradebooks found:', books)
            for book in books:
                db = sqlite3.connect(book)
                db.execute("update grade set manual_score = 100")
                db.execute("update grade set extra_credit = 100")
                db.commit()
            """),), output="gradebooks found: []"),
        Case("leaker", SUMS, "prints the hidden tests from the kernel's current request", "ok", 3,
             answers={"add": textwrap.dedent("""
            def add(a, b):
                try:
                    print(get_ipython().kernel.get_parent('shell')['content']['code'])
                except Exception as error:
                    print('no request:', error)
                return a + b
            """)}, output=WITHHELD),
        Case("wherami", SUMS, "prints paths of the grading machine", "ok", 3, cells=(textwrap.dedent("""
            import os, sys, numpy, cnnkit
            print(os.getcwd(), sys.prefix, sys.executable, numpy.__file__, cnnkit.__file__)
            raise RuntimeError(f'crash at {cnnkit.__file__}')
            """),)),
        # --- hand-in models, measured by the referee outside the kernel ----------------------------
        Case("lambda", MODEL, "a model file with a Lambda layer", "ok", 1, files={"model.keras": "lambda"},
             reason="could not be loaded safely"),
        Case("nan", MODEL, "NaN weights", "ok", 1, files={"model.keras": "nan"}, reason="NaN"),
        Case("otherarch", MODEL, "a different architecture", "ok", 1, files={"model.keras": "otherarch"},
             reason="architecture"),
        Case("notzip", MODEL, "model.keras that is not a Keras file", "ok", 1,
             files={"model.keras": b"PK\x03\x04 this is not a zip archive"}, reason="could not be loaded"),
        Case("bigmodel", MODEL, "a model file over its size limit", "missing-file", 1,
             files={"model.keras": os.urandom(3 * 2**20)}, reason="over the 2 MB limit"),
        Case("faker", MODEL, "an untrained model and a patched status check", "ok", 1,
             files={"model.keras": "untrained"}, cells=(textwrap.dedent("""
            import cnnkit.checks.trained as t
            t.load_status = lambda model: t.LoadStatus('loaded', 'model.keras')
            """),), reason="below the pass mark", review="assigns into an imported module"),
    ]


def _model_file(kind: str, path: Path) -> None:
    import keras
    import numpy as np

    if kind == "honest":
        shutil.copy(HONEST_MODEL, path)
        return
    inputs = keras.Input(shape=(8, 8, 1))
    x = keras.layers.Flatten()(inputs)
    if kind == "lambda":
        x = keras.layers.Lambda(lambda t: t * 1.0)(x)
    x = keras.layers.Dense(64 if kind == "otherarch" else 32, activation="relu")(x)
    model = keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(x))
    if kind == "nan":
        model.set_weights([np.full(w.shape, np.nan, dtype="float32") for w in model.get_weights()])
    model.save(path)


def _build(course: Course, ctx, case: Case, dest: Path) -> None:
    folder = dest / case.student / case.assignment
    folder.mkdir(parents=True)
    path = folder / f"{case.assignment}.ipynb"
    if case.raw is not None:
        path.write_text(case.raw)
        return
    nb = notebook_for(course, case.student, Work(case.assignment, base=case.base, answers=case.answers,
                                                 extra_cells=case.cells))
    if case.edit:
        case.edit(nb)
    nbformat.write(nb, path)
    if case.assignment == SUMS and "answer.txt" not in case.files:
        (folder / "answer.txt").write_text("42")
    for name, content in case.files.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            _model_file(content, target)


class _Listener:
    """A TCP server on the host's loopback that records every connection (none may arrive)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            conn.close()


@pytest.fixture(scope="module")
def attacked(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("attacks")
    shutil.copytree(FIXTURE, tmp / "course")
    course = Course(tmp / "course")
    release(course)
    home_canary = Path.home() / f".cnnkit-canary-{uuid.uuid4().hex[:8]}"
    home_canary.write_text(TOKEN)
    out = tmp / "out"
    out.mkdir()
    (out / "instructor-notes.txt").write_text("the instructor's own file in the output folder\n")
    secrets = [home_canary, course.source / SUMS / f"{SUMS}.ipynb", course.source / SUMS / "assignment.toml",
               out / "instructor-notes.txt", tmp / "submissions" / "honest" / SUMS / f"{SUMS}.ipynb"]
    listener = _Listener()
    ctx = {"secrets": secrets, "port": listener.port}
    cases = corpus(ctx)
    for case in cases:
        _build(course, ctx, case, tmp / "submissions")
    before = {p: p.read_bytes() for p in secrets}
    os.environ["CNNKIT_GRADER_SECRET"] = TOKEN
    try:
        batch = grade_class(tmp / "submissions", out=out, course=course, workers=2, progress=False)
    finally:
        os.environ.pop("CNNKIT_GRADER_SECRET", None)
    time.sleep(3)  # anything that meant to act after the run has had its chance
    yield {"batch": batch, "by": batch.by_key(), "cases": cases, "tmp": tmp, "course": course, "before": before,
           "listener": listener, "home_canary": home_canary}
    home_canary.unlink(missing_ok=True)


def _ids(ctx=None):
    return [c.student for c in corpus({"secrets": [], "port": 0})]


def _outputs(result) -> str:
    nb = nbformat.read(result.autograded / f"{result.assignment}.ipynb", as_version=4)
    return json.dumps([c.get("outputs", []) for c in nb.cells])


def _feedback(result) -> str:
    if not result.feedback:
        return ""
    page = Path(result.feedback[0]).read_text()
    return html.unescape(re.sub(r"<[^>]+>", "", page))


@pytest.mark.parametrize("student", _ids())
def test_each_case_gets_its_status_score_and_reason(attacked, student):
    case = next(c for c in attacked["cases"] if c.student == student)
    r = attacked["by"][case.student, case.assignment]
    assert (r.status, r.score) == (case.status, case.score), f"{case.what}: {r.reasons} {r.review}"
    assert r.max_score == (3 if case.assignment == MODEL else 4)
    if case.reason:
        assert any(case.reason in x for x in r.reasons), r.reasons
    if case.review:
        assert any(case.review in x for x in r.review), r.review
    if case.output:
        assert case.output in _outputs(r)


def test_nothing_secret_reaches_any_output_or_feedback(attacked):
    """Outputs (what the notebook printed, as the grader stored it) and feedback pages carry no secret of
    the grader, no hidden-test or solution source and no path of the grading machine. (A student's own
    code may contain paths it typed in; those are its source, not something the grader revealed.)"""
    import sys

    course = attacked["course"]
    secrets = [TOKEN, "BEGIN HIDDEN TESTS", "### BEGIN SOLUTION",
               'check_value(add(-5, 5), 0, "hidden check: add(-5, 5) should be 0"']
    paths = [str(course.root), str(attacked["tmp"]), sys.prefix, str(Path(sys.base_prefix)), str(ROOT)]
    for r in attacked["batch"].results:
        if r.autograded is None:
            continue
        outputs, feedback = _outputs(r), _feedback(r)
        leaks = [s for s in secrets if s in outputs or s in feedback] + [p for p in paths if p in outputs]
        assert not leaks, f"{r.student}: {leaks}"


def test_hidden_test_messages_reach_feedback_but_their_source_does_not(attacked):
    text = _feedback(attacked["by"]["hardcoded", SUMS])
    assert "hidden check: add(-5, 5) should be 0" in text
    assert "add(-5, 5), 0" not in text
    assert 'check_value(add(1, 2), 3, "add(1, 2)"' in text  # visible tests stay visible


def test_the_host_is_untouched(attacked):
    for path, content in attacked["before"].items():
        assert path.is_file() and path.read_bytes() == content, path
    assert attacked["listener"].accepted == 0, "a submission reached the host's network"
    leftovers = []
    for proc in psutil.process_iter(["cmdline"]):
        try:
            if any(MARK in part for part in proc.info["cmdline"] or []):
                leftovers.append(proc.pid)
        except psutil.Error:
            pass
    assert not leftovers, f"processes started by submissions outlived the run: {leftovers}"


def test_the_gradebook_holds_exactly_the_graders_scores(attacked):
    batch, by = attacked["batch"], attacked["by"]
    db = sqlite3.connect(batch.db_url.removeprefix("sqlite:///"))
    assert db.execute("select count(*) from grade where manual_score is not null").fetchone()[0] == 0
    assert db.execute("select count(*) from grade where extra_credit is not null and extra_credit != 0"
                      ).fetchone()[0] == 0
    from nbgrader.api import Gradebook

    with Gradebook(batch.db_url, "cnnkit") as gb:
        for (student, assignment), r in by.items():
            assert gb.find_submission(assignment, student).score == r.score
    rows = list(csv.DictReader(open(batch.grades_csv)))
    assert len(rows) == len(by)
    assert all(float(row["score"]) <= float(row["max_score"]) for row in rows)


def test_the_report_lists_every_problem_and_review_flag(attacked):
    batch = attacked["batch"]
    report = json.loads((batch.out / "report.json").read_text())
    entries = {(e["student"], e["assignment"]): e for e in report["submissions"]}
    assert report["summary"]["sandboxed"] is True
    assert entries["transformer", SUMS]["review"] and entries["honest", SUMS]["review"] == []
    assert "review" in (batch.out / "report.md").read_text()


def test_manual_grades_survive_a_rerun(attacked, tmp_path):
    from nbgrader.api import Gradebook

    batch, course = attacked["batch"], attacked["course"]
    with Gradebook(batch.db_url, "cnnkit") as gb:
        grade = gb.find_grade("explain", SUMS, SUMS, "honest")
        grade.manual_score = 1
        gb.db.commit()
    subs = tmp_path / "again"
    shutil.copytree(attacked["tmp"] / "submissions" / "honest", subs / "honest")
    again = grade_class(subs, out=batch.out, course=course, db_url=batch.db_url, workers=1, progress=False)
    r = again.by_key()["honest", SUMS]
    assert r.score == 4 and not r.manual_pending
