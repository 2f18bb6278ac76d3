"""Gradescope's autograder, simulated: the zip exported from a clean copy of the repository is unpacked
into a temporary folder standing for ``/autograder`` (``AUTOGRADER_ROOT``; the real path is never
touched), its ``setup.sh --users-only`` creates two real unprivileged users, and ``run_autograder``
grades sample submissions of the fixture course as root — with this environment's Python and the
zip's own wheel. Each ``results.json`` must match the points written below by hand, test by test
(tests/fixtures/course: fixture-sums' test_add is worth 2, test_square 1, the manual ``explain`` 1;
fixture-model's test_build 1 and the referee-graded test_trained_model 2).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import uuid
import zipfile
from pathlib import Path

import nbformat
import psutil
import pytest

from cnnkit.grading.course import Course
from cnnkit.grading.samples import Work, notebook_for

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "course"
SUMS, MODEL = "fixture-sums", "fixture-model"
HONEST_MODEL = ROOT / "tests" / "fixtures" / "models" / "honest-fixture-model.keras"
REVIEW = "Instructor review (no points; never shown to students)"
MARK = f"cnnkit-gs-{uuid.uuid4().hex[:10]}"  # on a helper a submission starts: it must not outlive the run

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("gradescope")]


def _need(what: str, ok: bool) -> None:
    """A real component this test needs: missing fails under CI, skips elsewhere."""
    if ok:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{what} is required here (CI is set)")
    pytest.skip(f"{what} is not available")


# --- the submissions, and what each results.json must say (by hand) ------------------------------------

SNOOP = textwrap.dedent("""
    import os, subprocess

    def _snoop(root):
        read = wrote = 0
        for folder, dirs, files in os.walk(root + '/source'):
            for name in files:
                try:
                    open(os.path.join(folder, name), 'rb').read(10)
                    read += 1
                except OSError:
                    pass
        for name in ('source/course/gradebook.db', 'source/course/solutions/fixture-sums/fixture-sums.ipynb'):
            try:
                open(os.path.join(root, name), 'rb').read(10)
                read += 1
            except OSError:
                pass
        for name in ('results/results.json', 'source/course/gradebook.db', 'hack.txt'):
            try:
                open(os.path.join(root, name), 'w').write('{"score": 100}')
                wrote += 1
            except OSError:
                pass
        try:
            os.setuid(0)
            root_again = 'yes'
        except OSError:
            root_again = 'no'
        subprocess.Popen(['setsid', 'sh', '-c', 'sleep 120 # MARK'], start_new_session=True)
        print(f'snoop: read {read}, wrote {wrote}, root again {root_again}, uid {os.getuid()}')
    """)


def _submissions(course: Course, root: Path) -> dict:
    """student → (assignment, {file name: bytes})."""
    def nb(student, work):
        made = notebook_for(course, student, work)
        return made.encode() if isinstance(made, str) else nbformat.writes(made).encode()

    answer = {"answer.txt": b"42"}
    hardcoded = Work(SUMS, answers={"add": "def add(a, b):\n    return 3"})
    snoop = Work(SUMS, answers={"add": f"def add(a, b):\n    _snoop({str(root)!r})\n    return a + b"},
                 extra_cells=(SNOOP.replace("MARK", MARK),))
    return {
        "honest": (SUMS, {f"{SUMS}.ipynb": nb("honest", Work(SUMS)), **answer}),
        "hardcoded": (SUMS, {f"{SUMS}.ipynb": nb("hardcoded", hardcoded), **answer}),
        "cutoff": (SUMS, {f"{SUMS}.ipynb": nb("cutoff", Work(SUMS, corrupt="truncate")), **answer}),
        "snoop": (SUMS, {f"{SUMS}.ipynb": nb("snoop", snoop), **answer}),
        "modeler": (MODEL, {f"{MODEL}.ipynb": nb("modeler", Work(MODEL)), "model.keras": HONEST_MODEL.read_bytes()}),
    }


MANUAL = "explain — graded by hand"
#: student → test name → (score, max_score), written from the fixture notebooks' points
EXPECTED = {
    "honest": {"test_add": (2, 2), "test_square": (1, 1), MANUAL: (0, 0), REVIEW: (0, 0)},
    "hardcoded": {"test_add": (0, 2), "test_square": (1, 1), MANUAL: (0, 0), REVIEW: (0, 0)},
    "cutoff": {"test_add": (0, 2), "test_square": (0, 1), MANUAL: (0, 0), REVIEW: (0, 0)},
    "snoop": {"test_add": (2, 2), "test_square": (1, 1), MANUAL: (0, 0), REVIEW: (0, 0)},
    "modeler": {"test_build": (1, 1), "test_trained_model": (2, 2), REVIEW: (0, 0)},
}
TOTAL = {"honest": 3, "hardcoded": 1, "cutoff": 0, "snoop": 3, "modeler": 3}


# --- the container ------------------------------------------------------------------------------------


def _clean_copy(dest: Path) -> Path:
    """The repository as a fresh clone would have it once committed: the files git tracks or would track."""
    _need("git", shutil.which("git") is not None and (ROOT / ".git").exists())
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for rel in filter(None, listed):
        src = ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    return dest


def _unzip(archive: Path, dest: Path) -> None:
    """Like Gradescope's unzip: every file, with the permissions the zip records."""
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            path = Path(zf.extract(info, dest))
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                path.chmod(mode)


class Container:
    """A stand-in for Gradescope's ``/autograder`` (a world-traversable temporary folder, like the real one)."""

    def __init__(self, archive: Path, env: dict):
        self.root = Path(tempfile.mkdtemp(prefix="cnkgs-root-", dir="/tmp"))
        self.root.chmod(0o755)
        _unzip(archive, self.root / "source")
        shutil.copy2(self.root / "source" / "run_autograder", self.root / "run_autograder")
        self.env = {**env, "AUTOGRADER_ROOT": str(self.root)}

    def setup_users(self) -> subprocess.CompletedProcess:
        return subprocess.run([str(self.root / "source" / "setup.sh"), "--users-only"], env=self.env,
                              capture_output=True, text=True, timeout=120)

    def run(self, files: dict) -> tuple[dict, str]:
        for name in ("submission", "results"):
            shutil.rmtree(self.root / name, ignore_errors=True)
            (self.root / name).mkdir()
        for name, data in files.items():
            (self.root / "submission" / name).write_bytes(data)
        done = subprocess.run([str(self.root / "run_autograder")], env=self.env, cwd=self.root, capture_output=True,
                              text=True, timeout=600)
        assert done.returncode == 0, done.stdout + done.stderr
        return json.loads((self.root / "results" / "results.json").read_text()), done.stdout

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def _export(clone: Path, name: str, out: Path, wheel: Path | None = None) -> Path:
    cmd = [sys.executable, "-m", "cnnkit", "grade", "--course", str(clone / "tests" / "fixtures" / "course"),
           "export", "gradescope", name, "--out", str(out)] + (["--wheel", str(wheel)] if wheel else [])
    done = subprocess.run(cmd, cwd=clone, env={**os.environ, "PYTHONPATH": str(clone)}, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "autograder points: 3" in done.stdout, done.stdout
    return out / f"{name}-gradescope.zip"


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    _need("root (to create users and switch to them)", os.geteuid() == 0)
    _need("setpriv, useradd and userdel", all(shutil.which(t, path="/usr/sbin:/usr/bin:/sbin:/bin")
                                              for t in ("setpriv", "useradd", "userdel")))
    tmp = tmp_path_factory.mktemp("gradescope")
    clone = _clean_copy(tmp / "clone")
    sums_zip = _export(clone, SUMS, tmp / "dist")
    with zipfile.ZipFile(sums_zip) as zf:
        wheel_name = next(n for n in zf.namelist() if n.endswith(".whl"))
        zf.extract(wheel_name, tmp)
    model_zip = _export(clone, MODEL, tmp / "dist", wheel=tmp / wheel_name)
    # the zip's own cnnkit, installed where the unprivileged users can read it (as setup.sh's venv is)
    site = Path(tempfile.mkdtemp(prefix="cnkgs-site-", dir="/tmp"))
    site.chmod(0o755)
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-compile", "--target", str(site),
                    str(tmp / wheel_name)], check=True, timeout=300)
    suffix = uuid.uuid4().hex[:6]
    users = {"CNNKIT_STUDENT_USER": f"cnkgs-s-{suffix}", "CNNKIT_REFEREE_USER": f"cnkgs-r-{suffix}"}
    from cnnkit.data.paths import data_root

    env = {**os.environ, "CNNKIT_PYTHON": sys.executable, "PYTHONPATH": str(site), "CNNKIT_DATA_DIR": str(data_root()),
           **users}
    containers = {SUMS: Container(sums_zip, env), MODEL: Container(model_zip, env)}
    try:
        setups = {a: c.setup_users() for a, c in containers.items()}
        course = Course(clone / "tests" / "fixtures" / "course")
        results = {student: containers[assignment].run(files)
                   for student, (assignment, files) in _submissions(course, containers[SUMS].root).items()}
        leftovers = [p.pid for p in psutil.process_iter(["cmdline"]) if MARK in " ".join(p.info["cmdline"] or [])]
        yield {"results": results, "setups": setups, "users": users, "containers": containers, "zips":
               {SUMS: sums_zip, MODEL: model_zip}, "site": site, "leftovers": leftovers, "clone": clone}
    finally:
        for c in containers.values():
            c.close()
        shutil.rmtree(site, ignore_errors=True)
        from cnnkit.grading.sandbox.identity import RunAs, RunAsError, sweep

        for name in users.values():
            try:
                sweep(RunAs.lookup(name))
            except RunAsError:
                continue  # never created
            subprocess.run(["userdel", name], capture_output=True)


# --- the tests ----------------------------------------------------------------------------------------


def test_the_zip_has_what_gradescope_runs_and_only_this_assignment(graded):
    with zipfile.ZipFile(graded["zips"][SUMS]) as zf:
        names = set(zf.namelist())
        modes = {i.filename: (i.external_attr >> 16) & 0o777 for i in zf.infolist()}
    assert {"setup.sh", "run_autograder", "cnnkit-gradescope.json"} <= names
    assert modes["setup.sh"] == modes["run_autograder"] == 0o755
    assert any(n.startswith("cnnkit-") and n.endswith(".whl") and "/" not in n for n in names)
    assert f"course/solutions/{SUMS}/{SUMS}.ipynb" in names and "course/gradebook.db" in names
    assert f"course/release/{SUMS}/{SUMS}.ipynb" in names
    assert not any(MODEL in n or n.endswith(".pct.py") for n in names), sorted(names)


def test_setup_creates_two_unprivileged_users(graded):
    import pwd

    for setup in graded["setups"].values():
        assert setup.returncode == 0, setup.stdout + setup.stderr
    uids = {pwd.getpwnam(name).pw_uid for name in graded["users"].values()}
    assert len(uids) == 2 and 0 not in uids


@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_each_results_json_matches_the_expected_scores_per_test(graded, student):
    results, _ = graded["results"][student]
    got = {t["name"]: (t["score"], t["max_score"]) for t in results["tests"]}
    assert got == EXPECTED[student], results
    assert results["score"] == TOTAL[student]
    assert results["stdout_visibility"] == "hidden"
    assert isinstance(results["execution_time"], int)
    for t in results["tests"]:
        assert t["visibility"] in ("visible", "after_published", "after_due_date", "hidden")
        assert isinstance(t["output"], str) and t["output"]


def test_visibility_hidden_checks_after_publishing_review_hidden(graded):
    tests = {t["name"]: t for t in graded["results"]["hardcoded"][0]["tests"]}
    assert tests["test_add"]["visibility"] == "after_published"  # it has hidden checks
    assert tests["test_add"]["status"] == "failed" and tests["test_square"]["status"] == "passed"
    assert "hidden check: add(-5, 5) should be 0" in tests["test_add"]["output"]
    top = graded["results"]["hardcoded"][0]["output"]  # always visible: never a hidden check's outcome
    assert "add(-5, 5)" not in top and "gives 1 of 3 points" in top
    assert tests[MANUAL]["visibility"] == "visible" and "graded by hand" in tests[MANUAL]["output"]
    assert tests[REVIEW]["visibility"] == "hidden"
    model = {t["name"]: t for t in graded["results"]["modeler"][0]["tests"]}
    assert model["test_build"]["visibility"] == "visible"  # no hidden checks
    assert "[referee]" in model["test_trained_model"]["output"]


def test_a_broken_upload_says_why_at_the_top(graded):
    results, stdout = graded["results"]["cutoff"]
    assert "not a valid notebook" in results["output"]
    assert "invalid-notebook" in stdout


def test_nothing_secret_reaches_the_results(graded):
    forbidden = ["BEGIN HIDDEN TESTS", "### BEGIN SOLUTION", "check_value(add(-5, 5), 0", str(graded["site"]),
                 sys.prefix, *(str(c.root) for c in graded["containers"].values())]
    for student, (results, _) in graded["results"].items():
        text = json.dumps(results)
        leaks = [f for f in forbidden if f in text]
        assert not leaks, f"{student}: {leaks}"


def test_the_notebook_runs_unprivileged_and_cannot_reach_the_course(graded):
    results, stdout = graded["results"]["snoop"]
    add = next(t for t in results["tests"] if t["name"] == "test_add")
    assert "snoop: read 0, wrote 0, root again no" in add["output"], add["output"]
    assert "uid 0" not in add["output"]
    assert not graded["leftovers"], "a process the submission started outlived the run"
    root = graded["containers"][SUMS].root
    assert (root / "source").stat().st_mode & 0o077 == 0
    assert not (root / "hack.txt").exists()
    review = next(t for t in results["tests"] if t["name"] == REVIEW)["output"]
    assert "graded without bubblewrap" in review and "starts processes" in review  # the static scan's flag
    assert "review:" in stdout and "starts processes" in stdout  # and the instructor's stdout lists it


def test_cli_names_an_unknown_assignment(capsys):
    from cnnkit.cli import main

    assert main(["grade", "--course", str(FIXTURE), "export", "gradescope", "nope", "--out", "/nonexistent"]) == 2
    err = capsys.readouterr().err
    assert "nope" in err and SUMS in err



def test_run_as_refuses_root_unknown_users_and_the_sandbox():
    from cnnkit.grading.executor import Executor
    from cnnkit.grading.sandbox.identity import RunAs, RunAsError

    with pytest.raises(RunAsError, match="uid/gid 0"):
        RunAs.lookup("root")
    with pytest.raises(RunAsError, match="useradd"):
        RunAs.lookup(f"no-such-user-{uuid.uuid4().hex[:6]}")
    nobody = RunAs("nobody", 65534, 65534)
    with pytest.raises(ValueError, match="without the sandbox"):
        Executor(sandbox=True, run_as=nobody)
    with pytest.raises(ValueError, match="two different users"):
        Executor(sandbox=False, run_as=nobody, service_as=nobody)
