"""``cnnkit grade export gradescope ASSIGNMENT``: the autograder zip Gradescope expects.

At the zip's root: ``setup.sh`` and ``run_autograder`` (executable, as Gradescope's specification
asks), the cnnkit wheel that ``setup.sh`` installs, and ``cnnkit-gradescope.json`` (what the export
knew). Under ``course/``: that one assignment's source folder (the notebook with its hidden tests,
``assignment.toml``, ``instructor/`` with the reference models; never the ``.pct.py`` twin), the
release made now by ``nbgrader generate_assignment`` and the gradebook it recorded — so the
container grades against exactly what was exported, with no release step of its own.
"""

from __future__ import annotations

import datetime
import fnmatch
import json
import shutil
import tempfile
import zipfile
from pathlib import Path

from cnnkit.grading.authoring.pairing import TEXT_SUFFIX
from cnnkit.grading.course import Course, release, sqlite_url
from cnnkit.grading.gradescope.layout import MANIFEST
from cnnkit.grading.gradescope.results import VISIBILITIES
from cnnkit.grading.prepare import TrustedAssignment

__all__ = ["ExportError", "export", "SCRIPTS", "EXTRAS"]

#: the scripts Gradescope runs, shipped inside this package and copied to the zip's root
SCRIPTS = ("setup.sh", "run_autograder")
#: what setup.sh installs: TensorFlow for the CPU and the grading engine
EXTRAS = "cpu,instructor"
_SKIP = (".ipynb_checkpoints", "__pycache__", ".*", f"*{TEXT_SUFFIX}")


class ExportError(RuntimeError):
    """The autograder cannot be built; the message says why and what to do."""


def _copy_source(folder: Path, dest: Path) -> None:
    """The assignment folder, minus checkpoints, caches, hidden files and the text twin of the notebook."""
    def ignore(_, names):
        return [n for n in names if any(fnmatch.fnmatch(n, pattern) for pattern in _SKIP)]

    shutil.copytree(folder, dest, ignore=ignore, symlinks=False)


def _manifest(trusted: TrustedAssignment, wheel: Path, hidden_visibility: str) -> dict:
    a = trusted.assignment
    config = a.config
    manual = set(trusted.manual)
    graded = trusted.graded
    import cnnkit

    return {
        "format": 1, "assignment": a.name, "title": config.title, "release": config.release,
        "cnnkit": cnnkit.__version__, "wheel": wheel.name, "extras": EXTRAS,
        "hidden_visibility": hidden_visibility,
        "autograder_points": sum(p for g, p in graded.items() if g not in manual),
        "manual": {g: p for g, p in graded.items() if g in manual},
        "datasets": list(config.datasets), "tensorflow": bool(config.tensorflow),
        "exported": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }


def export(course: Course, name: str, out, *, wheel: Path | None = None,
           hidden_visibility: str = "after_published") -> Path:
    """Write ``out/<name>-gradescope.zip``; returns its path (the manifest is inside, and beside it as
    ``<name>-gradescope.json`` for the instructor to read)."""
    from cnnkit.grading.bundle import BundleError, build_wheel

    if hidden_visibility not in VISIBILITIES:
        raise ExportError(f"hidden tests' visibility: expected one of {', '.join(VISIBILITIES)}, "
                          f"got {hidden_visibility!r}")
    a = course.assignment(name)
    a.config  # a broken assignment.toml stops here, naming the problem
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    package = Path(__file__).parent
    missing = [s for s in SCRIPTS if not (package / s).is_file()]
    if missing:
        raise ExportError(f"{package} lacks {missing}: this cnnkit installation is incomplete — reinstall it")
    with tempfile.TemporaryDirectory(prefix="cnnkit-gradescope-") as tmp:
        tmp = Path(tmp)
        stage = tmp / "zip"
        course_dir = stage / "course"
        release(course, [a.name], release_dir=course_dir / "release", db_url=sqlite_url(course_dir / "gradebook.db"))
        _copy_source(a.folder, course_dir / "solutions" / a.name)
        trusted = TrustedAssignment.build(Course(course_dir).assignment(a.name), course_dir / "release" / a.name)
        if wheel is None:
            try:
                wheel = build_wheel(tmp / "wheel")
            except BundleError as exc:
                raise ExportError(f"{exc} (or pass --wheel PATH)") from None
        wheel = Path(wheel)
        if not wheel.is_file() or not wheel.name.startswith("cnnkit-") or wheel.suffix != ".whl":
            raise ExportError(f"{wheel}: expected a cnnkit wheel (cnnkit-*.whl)")
        manifest = _manifest(trusted, wheel, hidden_visibility)
        target = out / f"{a.name}-gradescope.zip"
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
            for script in SCRIPTS:
                _write(zf, package / script, script, 0o755)
            _write(zf, wheel, wheel.name, 0o644)
            zf.writestr(_info(MANIFEST, 0o644), json.dumps(manifest, indent=1) + "\n")
            for path in sorted(stage.rglob("*")):
                if path.is_file():
                    _write(zf, path, str(path.relative_to(stage)), 0o644)
        (out / f"{a.name}-gradescope.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return target


def _info(name: str, mode: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=datetime.datetime.now().timetuple()[:6])
    info.external_attr = (0o100000 | mode) << 16  # a regular file with these permissions, for unzip
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _write(zf: zipfile.ZipFile, path: Path, name: str, mode: int) -> None:
    zf.writestr(_info(name, mode), Path(path).read_bytes())
