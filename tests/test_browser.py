"""The student's and the instructor's paths in a real browser: JupyterLab, nbgrader's Validate button and
formgrader, driven in headless Chromium (Debian's ``chromium``) through Playwright.

Student: JupyterLab on a temporary copy of the 03-first-cnn release (small training budget) with two
notebooks — the solution typed in, and the same with a typical mistake (pixels divided by 256). Each is
opened, Run All, then Validate: "Success" for the solution; for the mistake, the visible test's teaching
message, and the missing-model message (Run All stopped at the failing test, before training).
Instructor: ``cnnkit grade run`` on three students of the TF-free fixture course, then JupyterLab in the
course: formgrader (the course's own nbgrader_config.py) lists the assignment and each student's score,
and a student's feedback page shows the hidden test's message, never its source.

Page text is asserted; what ran is read back from the saved notebooks. Screenshots and step timings:
runs/screenshots/browser/ (git-ignored). Without Chromium or Playwright (or bwrap, for grading) these
tests skip locally and FAIL when ``CI`` is set.
"""

from __future__ import annotations

import html
import json
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import nbformat
import pytest

from browser_kit import LabServer, descendants, launch_chromium, missing, stop_family
from cnnkit.data.paths import data_root
from cnnkit.grading.course import Course
from cnnkit.grading.samples import Work, notebook_for
from cnnkit.grading.sandbox.support import probe

ROOT = Path(__file__).resolve().parents[1]
COURSE = Course(ROOT)
FIXTURE = Course(Path(__file__).parent / "fixtures" / "course")
SHOTS = ROOT / "runs" / "screenshots" / "browser"
A3 = "03-first-cnn"
SUMS = "fixture-sums"
#: seconds per step, written to runs/screenshots/browser/timings.json
TIMES: dict[str, float] = {}

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser")]

#: the student's own nbgrader config: Validate allows 30 s a cell and 4 s for a kernel's last output by
#: default, which a loaded 2-core runner exceeds while importing TensorFlow ("Timeout waiting for IOPub")
VALIDATE_TIMEOUTS = "c.Execute.timeout = 600\nc.Execute.iopub_timeout = 60\n"
#: the typical mistake: 0..255 scaled by 256
BY_256 = ('def preprocess(images):\n    x = np.asarray(images, dtype="float32") / 256.0\n'
          '    return x[..., None] if x.ndim == 3 else x')
#: what the visible preprocess test says about it (1 = 255/255; 0.996094 = 255/256 to 6 digits)
TEACHING = ("the brightest value after preprocess: expected 1, got 0.996094 — this is what dividing by 256 "
            "gives; scale 0..255 to [0, 1]: x / 255")


# -- browser, screenshots, timings ---------------------------------------------------------------
@pytest.fixture(scope="module", autouse=True)
def shots():
    """The screenshot folder; at the end, the step timings, and no process of this module left running."""
    before = descendants()
    shutil.rmtree(SHOTS, ignore_errors=True)
    SHOTS.mkdir(parents=True)
    print(f"screenshots: {SHOTS}")
    yield SHOTS
    (SHOTS / "timings.json").write_text(json.dumps({k: round(v, 1) for k, v in TIMES.items()}, indent=1))
    left = descendants() - before
    assert not left, f"processes left behind (Chromium, a JupyterLab server, a kernel): {sorted(left)}"


@pytest.fixture(scope="module")
def browser():
    pw, chromium = launch_chromium()
    yield chromium
    chromium.close()
    pw.stop()


@contextmanager
def timed(step: str):
    start = time.monotonic()
    yield
    TIMES[step] = time.monotonic() - start


@contextmanager
def new_page(browser, name: str, token: str | None = None):
    """A page in its own browser context; its last view is saved as ``last-<name>.png`` (for failures)."""
    # formgrader's pages call its API with the session's credentials: the token, as after a login
    headers = {"Authorization": f"token {token}"} if token else {}
    context = browser.new_context(viewport={"width": 1400, "height": 900}, extra_http_headers=headers)
    context.set_default_timeout(60_000)
    page = context.new_page()
    try:
        yield page
    finally:
        page.screenshot(path=str(SHOTS / f"last-{name}.png"))
        context.close()


def _shot(page, name: str, **kw) -> Path:
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), **kw)
    return path


def _stopped(server: LabServer):
    survivors = server.stop()
    assert not survivors, f"processes of the JupyterLab server survived: {survivors}"


# -- the student's path --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def student_lab(tmp_path_factory, browser):
    tmp = tmp_path_factory.mktemp("student")
    root = tmp / "home"
    notebooks = {"solved": notebook_for(COURSE, "solved", Work(A3)),
                 "mistake": notebook_for(COURSE, "mistake", Work(A3, answers={"preprocess": BY_256}))}
    for name, nb in notebooks.items():
        shutil.copytree(COURSE.assignment(A3).release_folder, root / name)
        nbformat.write(nb, root / name / f"{A3}.ipynb")
    with timed("student: start JupyterLab"):
        server = LabServer(root, tmp / "jupyter", nbgrader_config=VALIDATE_TIMEOUTS,
                           env={"CNNKIT_BUDGET": "small", "CNNKIT_DATA_DIR": str(data_root())}).start()
    yield server
    _stopped(server)


def _validate(page) -> str:
    """Click Validate (it saves the notebook first) and return the text of nbgrader's result dialog.

    nbgrader validates inside the server's request handler: the server answers nothing else meanwhile,
    so two notebooks are validated one after the other.
    """
    page.locator(".jp-NotebookPanel .validate-button").click()
    page.locator(".jp-Dialog #validation-message").wait_for(timeout=400_000)
    return page.locator(".jp-Dialog").inner_text()


def _seen(page, locator, ready: str, read: str):
    """Scroll ``locator`` into view, wait until the browser has rendered it (``ready``, a JS predicate on
    the element: JupyterLab skips rendering cells out of view), then return ``read`` of it."""
    locator.scroll_into_view_if_needed()
    page.wait_for_function(ready, arg=locator.element_handle(), timeout=30_000)
    return locator.evaluate(read)


def _close_dialog(page):
    page.locator(".jp-Dialog .jp-mod-accept").click()
    page.locator(".jp-Dialog").wait_for(state="detached", timeout=10_000)


@pytest.fixture(scope="module")
def student(student_lab, browser):
    """Both notebooks opened side by side, Run All in both at once, then Validate in each: what it showed."""
    lab = student_lab
    names = ("solved", "mistake")
    path = {n: f"{n}/{A3}.ipynb" for n in names}
    out = {n: {"path": lab.root / path[n]} for n in names}
    with new_page(browser, "student-solved") as solved, new_page(browser, "student-mistake") as mistake:
        pages = {"solved": solved, "mistake": mistake}
        with timed("student: open both notebooks"):
            for n, page in pages.items():  # ?reset: no tabs restored from a workspace
                page.goto(lab.url(f"lab/tree/{path[n]}", reset=None), wait_until="domcontentloaded")
            for n, page in pages.items():
                page.locator(".jp-NotebookPanel .validate-button").wait_for(timeout=180_000)
                lab.wait_for_kernel(path[n])
        _shot(solved, "student-1-opened")
        since = datetime.now(timezone.utc)
        with timed("student: Run All in both (the solution trains; the mistake stops at its test)"):
            for page in pages.values():
                page.get_by_role("menuitem", name="Run", exact=True).click()
                page.locator("li[data-command='runmenu:run-all']").click()
            ran = lab.wait_until_done(path.values(), since)
        # the mistake's test output, as the student sees it below the cell
        failure = mistake.locator(".jp-OutputArea-output", has_text="GradingError").first
        out["mistake"]["in_notebook"] = _seen(mistake, failure, "el => el.innerText.includes('GradingError')",
                                              "el => el.innerText")
        for n, page in pages.items():
            TIMES[f"student: Run All ({n}), click to last output"] = ran[path[n]]
            _shot(page, f"student-2-{n}-after-run-all")
        for i, (n, page) in enumerate(pages.items()):
            with timed(f"student: Validate ({n})"):
                out[n]["dialog"] = _validate(page)
            _shot(page, f"student-{3 + i}-{n}-validated")
            _close_dialog(page)
        # the confusion matrix, as the browser rendered it (scrolled into view: cells render when seen)
        matrix = solved.locator(".jp-OutputArea-output", has_text="test accuracy:")
        matrix.scroll_into_view_if_needed()
        picture = solved.locator(".jp-Cell", has=matrix).locator(".jp-OutputArea-output img").first
        out["solved"]["picture"] = _seen(solved, picture, "img => img.complete && img.naturalWidth > 0",
                                         "img => img.naturalWidth")
        _shot(solved, "student-5-confusion-matrix")
    lab.shutdown_kernels()
    for n in names:  # what ran, from the notebook Validate saved (the page renders only the cells in view)
        out[n]["nb"] = nbformat.read(out[n]["path"], as_version=4)
    return out


def _cell(nb, grade_id):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def _errors(cell) -> list:
    return [o for o in cell.get("outputs", []) if o.output_type == "error"]


def test_student_runs_all_and_validate_says_success(student):
    run = student["solved"]
    assert "Validation Results" in run["dialog"], run["dialog"]
    assert "Success! Your notebook passes all the tests." in run["dialog"], run["dialog"]
    assert "failed" not in run["dialog"]
    nb = run["nb"]
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1)), "Run All did not run every cell"
    assert not [e for c in code for e in _errors(c)], "the solution raised in the student's run"
    trained = "".join(o.get("text", "") for o in _cell(nb, "train").outputs)
    assert "saved the trained model to fashion_cnn.keras" in trained
    assert (run["path"].parent / "fashion_cnn.keras").is_file()


def test_student_sees_the_training_curves_and_the_confusion_matrix(student):
    run = student["solved"]
    for gid in ("curves", "evaluate"):  # pictures, not "<Figure size ...>"
        assert any("image/png" in o.get("data", {}) for o in _cell(run["nb"], gid).outputs), f"{gid}: no picture"
    assert "test accuracy:" in "".join(o.get("text", "") for o in _cell(run["nb"], "evaluate").outputs)
    assert run["picture"] > 100, "the browser did not render the confusion matrix"


def test_validate_shows_the_teaching_message_for_a_typical_mistake(student):
    run = student["mistake"]
    text = run["dialog"]
    assert text.count("The following cell failed:") == 2, text  # the preprocess test; the model never trained
    first, second = text.split("The following cell failed:")[1:]
    assert 'check_output_shape(x, (8, 28, 28, 1), "preprocess(x_train[:8])")' in first  # the visible test
    assert f"GradingError: {TEACHING}" in first, first                                    # and its message
    assert "status = load_status(model)" in second
    assert "no trained model file 'fashion_cnn.keras' next to the notebook" in second
    assert "run the training cell in your own session" in second
    assert "HIDDEN" not in text and "(N, H, W)" not in text  # the release carries no hidden test
    # in the notebook, Run All stopped at that test, with the same message
    assert TEACHING in run["in_notebook"], run["in_notebook"]
    errors = _errors(_cell(run["nb"], "test_preprocess"))
    assert errors and errors[0].ename == "GradingError" and errors[0].evalue == TEACHING
    assert _cell(run["nb"], "train").execution_count is None


# -- the instructor's path -----------------------------------------------------------------------
def _points(course: Course, assignment: str) -> dict[str, float]:
    """grade id → points, from the assignment's source notebook."""
    nb = nbformat.read(course.assignment(assignment).notebook, as_version=4)
    meta = [c.metadata.get("nbgrader", {}) for c in nb.cells]
    return {m["grade_id"]: m["points"] for m in meta if m.get("grade")}


@pytest.fixture(scope="module", autouse=True)
def grading(tmp_path_factory):
    """`cnnkit grade run` on three students of a copy of the fixture course (default output folder), started
    in the background as the module begins: it runs while the student's notebooks do."""
    tmp = tmp_path_factory.mktemp("instructor")
    course = Course(tmp / "course")
    shutil.copytree(FIXTURE.root, course.root)
    students = {"ada": Work(SUMS),                                                      # the solution
                "alan": Work(SUMS, answers={"add": "def add(a, b):\n    return 3"}),   # passes the visible test only
                "grace": Work(SUMS, base="release")}                                   # hands in the blank release
    for student, work in students.items():
        folder = tmp / "submissions" / student / SUMS
        folder.mkdir(parents=True)
        nbformat.write(notebook_for(course, student, work), folder / f"{SUMS}.ipynb")
        for name in course.assignment(SUMS).config.handin.files:
            (folder / name).write_text("42\n")
    support = probe()
    run = {"course": course, "tmp": tmp, "support": support, "proc": None, "start": time.monotonic(),
           "log": tmp / "grade-run.log"}
    if support.ok:
        with open(run["log"], "w") as log:
            run["proc"] = subprocess.Popen(
                [sys.executable, "-m", "cnnkit", "grade", "run", str(tmp / "submissions"), "--workers", "2",
                 "--no-progress"], cwd=course.root, stdout=log, stderr=subprocess.STDOUT)
    yield run
    if run["proc"] is not None and run["proc"].poll() is None:  # the instructor's tests did not run: end it
        stop_family(run["proc"])


@pytest.fixture(scope="module")
def graded(grading):
    """The finished grading run and what each student should score (from the fixture's points)."""
    if not grading["support"].ok:
        missing(grading["support"].message())
    try:
        grading["proc"].wait(timeout=600)
    finally:
        TIMES["instructor: cnnkit grade run (3 students, beside the student's path)"] = (
            time.monotonic() - grading["start"])
    assert grading["proc"].returncode == 0, grading["log"].read_text()
    course = grading["course"]
    points = _points(course, SUMS)
    expected = {"ada": points["test_add"] + points["test_square"], "alan": points["test_square"], "grace": 0}
    return {**grading, "expected": expected, "points": points, "max": sum(points.values())}


@pytest.fixture(scope="module")
def formgrader(graded, tmp_path_factory, browser):
    """JupyterLab started in the course, as an instructor does: formgrader reads the course's nbgrader_config.py."""
    with timed("instructor: start JupyterLab in the course"):
        server = LabServer(graded["course"].root, tmp_path_factory.mktemp("formgrader-jupyter")).start()
    yield server
    _stopped(server)


def _table(page) -> list[list[str]]:
    """The cells of formgrader's table (``#main-table``), once its data has loaded."""
    page.wait_for_function("() => { const b = document.querySelector('#main-table');"
                           " return b && b.rows.length && !/Loading/.test(b.innerText); }", timeout=60_000)
    return [[c.inner_text().strip() for c in row.locator("td").all()]
            for row in page.locator("#main-table tr").all()]


def _score(value: float, total: float) -> str:
    return f"{value:g} / {total:g}"  # formgrader's "3 / 4"


def test_formgrader_shows_the_assignment_and_the_class_with_their_scores(browser, formgrader, graded):
    expected, total = graded["expected"], graded["max"]
    with new_page(browser, "formgrader", formgrader.token) as page, timed("instructor: formgrader pages"):
        page.goto(formgrader.url("formgrader"))
        assignments = {r[0]: r for r in _table(page)}
        _shot(page, "instructor-1-manage-assignments")
        page.goto(formgrader.url("formgrader/gradebook"))
        gradebook = {r[0]: r for r in _table(page)}
        _shot(page, "instructor-2-gradebook")
        page.goto(formgrader.url("formgrader/manage_students"))
        students = {r[1]: r[3] for r in _table(page)}  # student id → overall score
        _shot(page, "instructor-3-students")
        page.goto(formgrader.url(f"formgrader/gradebook/{SUMS}/{SUMS}"))
        _table(page)
        page.get_by_text("Show All Names").click()
        submissions = {r[1]: r[2] for r in _table(page)}
        _shot(page, "instructor-4-submissions")
        # the instructor's view of alan's autograded notebook: the hidden test, why it failed, the scores
        page.get_by_role("link", name="alan", exact=True).click()
        page.wait_for_url("**/formgrader/submissions/**", wait_until="domcontentloaded")
        page.wait_for_function("() => !!document.querySelector('input.score#test_square')?.placeholder")
        alan = page.locator("body").inner_text()
        auto = {g: page.locator(f"input.score#{g}").get_attribute("placeholder") for g in ("test_add", "test_square")}
        _shot(page, "instructor-5-alan-autograded")
    assert SUMS in assignments, assignments
    # the average (its "Submissions" column counts nbgrader's submitted/ folder, which the run does not fill)
    assert gradebook[SUMS][3] == _score(round(sum(expected.values()) / len(expected), 2), total), gradebook[SUMS]
    scores = {s: _score(v, total) for s, v in expected.items()}
    assert students == scores, students
    assert submissions == scores, submissions
    assert "hidden check: add(-5, 5) should be 0: expected 0, got 3" in alan, alan[:3000]
    assert auto == {"test_add": "0", "test_square": f"{graded['points']['test_square']:g}"}, auto


def test_feedback_shows_the_hidden_message_and_never_its_source(browser, graded):
    course, expected, total = graded["course"], graded["expected"], graded["max"]
    feedback = course.work / "feedback" / "alan" / SUMS / f"{SUMS}.html"
    with new_page(browser, "feedback") as page:
        page.goto(feedback.as_uri(), wait_until="domcontentloaded")
        shown = page.locator("body").inner_text()
        everything = html.unescape(page.locator("html").text_content())  # hidden elements and scripts too
        _shot(page, "instructor-6-alan-feedback", full_page=True)
    assert f"{SUMS} (Score: {expected['alan']:.1f} / {total:.1f})" in shown
    assert "GradingError: hidden check: add(-5, 5) should be 0: expected 0, got 3" in shown
    assert 'check_value(add(1, 2), 3, "add(1, 2)"' in shown  # the visible test is there
    for secret in ("check_value(add(-5, 5)", "square(-4), 16", "BEGIN HIDDEN TESTS"):
        assert secret not in everything, f"the feedback page shows hidden-test source: {secret}"
    assert str(graded["tmp"]) not in everything  # no path of the grading machine
