"""What students download: one zip per assignment with the release notebook, its declared files, the
cnnkit wheel and a short README — never a solution, hidden test, sample submission or reference model.

Everything in the zip comes from the committed release folder (what ``nbgrader generate_assignment``
wrote, after ``cnnkit grade release``) plus the wheel; the list is checked before writing, so a file
that must not leave the course (a ``.pct.py`` source, an ``instructor/`` file, a ``.keras`` model
nobody declared) stops the bundle with its name.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from cnnkit.grading.course import Assignment, Course

__all__ = ["BundleError", "build_wheel", "bundle", "student_readme"]


class BundleError(RuntimeError):
    """A bundle would carry something students must not get, or the wheel cannot be built."""


def build_wheel(out: Path, source: Path | None = None) -> Path:
    """Build the cnnkit wheel (from the checkout this package lives in, or ``source``) into ``out``."""
    from cnnkit.data.paths import repo_root

    source = Path(source) if source else repo_root()
    if source is None:
        raise BundleError("cnnkit is installed, not checked out: pass --wheel PATH (a cnnkit-*.whl) to bundle it")
    out.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                           "-w", str(out), str(source)], capture_output=True, text=True)
    wheels = sorted(out.glob("cnnkit-*.whl"))
    if done.returncode != 0 or not wheels:
        raise BundleError(f"building the cnnkit wheel failed: {done.stderr.strip()[-500:]}")
    return wheels[-1]


def student_readme(a: Assignment, wheel_name: str) -> str:
    cfg = a.config
    handin = ", ".join([f"{a.name}.ipynb", *cfg.handin.files])
    return f"""{cfg.title} ({a.name}, release {cfg.release})
{'=' * (len(cfg.title) + len(a.name) + 15)}

About {cfg.minutes} minutes of work. Hand in: {handin}.

In JupyterLab (your own machine):
  1. python -m venv cnnkit-env && source cnnkit-env/bin/activate     (Windows: cnnkit-env\\Scripts\\activate)
  2. pip install "{wheel_name}[cpu]" jupyterlab      (with a GPU on Linux: "{wheel_name}[gpu]")
  3. jupyter lab {a.name}.ipynb
  4. Run the first cell: it checks the kit and the data and says how to fix anything missing.

On Colab: upload {a.name}.ipynb, then upload {wheel_name} and assignment.toml into the session's files
(the folder icon) and run the first cell: it installs the kit from the wheel and keeps Colab's TensorFlow.

Fill in the cells marked YOUR CODE HERE and run each test cell: a failing test says what it expected,
what it got and why. Hidden tests on other inputs run when the notebook is graded.

JupyterLab's Validate button (when your course's JupyterLab has nbgrader) runs the whole notebook,
training cell included, under a time limit: on a slow laptop it may time out. Train first, then run
the notebook again with reuse=True in the training cell's fit_or_load(...) call: it loads your saved
model instead of training twice.
""" + (f"""
The training cell saves {', '.join(cfg.handin.files)} next to the notebook: hand it in with the notebook.
The grader never retrains; it measures your file on held-out data.
""" if cfg.handin.files else "")


def _allowed(a: Assignment, name: str) -> bool:
    cfg = a.config
    if name.endswith(".pct.py") or name.split("/")[0] == "instructor":
        return False
    if name.endswith((".keras", ".h5")) and name not in cfg.handin.files:
        return False
    return True


def bundle(course: Course, names=None, *, out, wheel: Path | None = None) -> list[Path]:
    """Write ``out/<assignment>.zip`` for each assignment (release it first with ``cnnkit grade release``)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="cnnkit-wheel-") as tmp:
        wheel = Path(wheel) if wheel else build_wheel(Path(tmp))
        written = []
        for a in course.assignments(names):
            folder = a.release_folder
            if not (folder / f"{a.name}.ipynb").is_file():
                raise BundleError(f"{folder}: no released notebook — run `cnnkit grade release {a.name}` first")
            files = sorted(p for p in folder.rglob("*") if p.is_file())
            names_in = [str(p.relative_to(folder)) for p in files]
            refused = [n for n in names_in if not _allowed(a, n)]
            if refused:
                raise BundleError(f"{a.name}: the release folder holds {refused}, which students must not get "
                                  "— remove them from solutions/ (or move them into instructor/) and release again")
            target = out / f"{a.name}.zip"
            with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
                for path, name in zip(files, names_in):
                    zf.write(path, f"{a.name}/{name}")
                zf.write(wheel, f"{a.name}/{wheel.name}")
                zf.writestr(f"{a.name}/README.txt", student_readme(a, wheel.name))
            written.append(target)
    return written
