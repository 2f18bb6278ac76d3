"""The student kit: the wheel's requirements on each platform, the bundles, and a fresh install running a notebook.

The fresh-install test makes a new virtual environment that shares no file of this repository: the
cnnkit wheel is installed into it by the notebook's own set-up cell (from the unzipped bundle), and
only the third-party libraries (TensorFlow, Keras, Jupyter) are borrowed from this environment through
a ``.pth`` line, so the test needs no download.
"""

from __future__ import annotations

import json
import os
import site
import subprocess
import sys
import sysconfig
import textwrap
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement

import nbformat

from cnnkit.grading.bundle import build_wheel, bundle
from cnnkit.grading.course import Course
from cnnkit.grading.feedback import secret_lines

ROOT = Path(__file__).resolve().parents[1]
COURSE = Course(ROOT)
pytestmark = pytest.mark.xdist_group("student-kit")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    return build_wheel(tmp_path_factory.mktemp("wheel"))


def _requirements(wheel: Path) -> list[Requirement]:
    with zipfile.ZipFile(wheel) as zf:
        meta = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        message = Parser().parsestr(zf.read(meta).decode())
    return [Requirement(r) for r in message.get_all("Requires-Dist")]


ENVIRONMENTS = {  # what pip evaluates markers with, on each platform
    "linux": {"sys_platform": "linux", "platform_system": "Linux", "platform_machine": "x86_64"},
    "win32": {"sys_platform": "win32", "platform_system": "Windows", "platform_machine": "AMD64"},
    "darwin": {"sys_platform": "darwin", "platform_system": "Darwin", "platform_machine": "arm64"},
}


def _resolved(reqs, platform: str, extra: str | None) -> set[str]:
    env = {**ENVIRONMENTS[platform], "python_version": "3.12", "extra": extra or ""}
    out = set()
    for r in reqs:
        if r.marker is None or r.marker.evaluate(env):
            if r.marker is not None and "extra" in str(r.marker) and not extra:
                continue
            out.add(r.name.lower())
    return out


@pytest.mark.parametrize("platform, tensorflow", [("linux", "tensorflow-cpu"), ("win32", "tensorflow-cpu"),
                                                  ("darwin", "tensorflow")])
def test_the_cpu_extra_resolves_to_a_tensorflow_that_has_wheels_there(wheel, platform, tensorflow):
    reqs = _requirements(wheel)
    cpu = _resolved(reqs, platform, "cpu")
    assert {d for d in cpu if d.startswith("tensorflow")} == {tensorflow}
    # tensorflow-cpu publishes no macOS wheels: it must never be asked for there
    assert not (platform == "darwin" and "tensorflow-cpu" in cpu)


def test_the_plain_install_keeps_a_preinstalled_tensorflow_and_pulls_no_nbgrader(wheel):
    reqs = _requirements(wheel)
    for platform in ENVIRONMENTS:
        base = _resolved(reqs, platform, None)
        assert not {d for d in base if d.startswith("tensorflow")}, base  # Colab's own TensorFlow stays
        assert "keras" in base and "nbgrader" not in base and "notebook" not in base
    assert {"nbgrader", "jupytext"} <= _resolved(reqs, "linux", "instructor")


@pytest.fixture(scope="module")
def bundles(tmp_path_factory, wheel) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("bundles")
    return {p.stem: p for p in bundle(COURSE, out=out, wheel=wheel)}


def test_each_bundle_holds_the_release_the_wheel_and_a_readme_only(bundles):
    assert set(bundles) == set(COURSE.names())
    for name, path in bundles.items():
        a = COURSE.assignment(name)
        with zipfile.ZipFile(path) as zf:
            names = sorted(zf.namelist())
            notebook = zf.read(f"{name}/{name}.ipynb").decode()
        released = sorted(f"{name}/{p.relative_to(a.release_folder)}" for p in a.release_folder.rglob("*") if p.is_file())
        extra = [n for n in names if n not in released]
        assert sorted(extra) == sorted([f"{name}/README.txt", f"{name}/{next(Path(n).name for n in names if n.endswith('.whl'))}"])
        assert not [n for n in names if n.endswith((".pct.py", ".keras", ".h5")) or "/instructor/" in n], names
        assert "BEGIN HIDDEN TESTS" not in notebook and "BEGIN SOLUTION" not in notebook
        released = "\n".join(c.source for c in nbformat.reads(notebook, as_version=4).cells)
        leaked = [line for line in secret_lines(nbformat.read(a.notebook, as_version=4)) if line in released]
        assert not leaked, f"{name}: hidden-test or solution lines in the bundle: {leaked[:3]}"


def test_bundle_refuses_a_file_students_must_not_get(tmp_path, wheel):
    import shutil

    from cnnkit.grading.bundle import BundleError

    root = tmp_path / "course"
    shutil.copytree(ROOT / "solutions", root / "solutions")
    shutil.copytree(ROOT / "assignments", root / "assignments")
    (root / "nbgrader_config.py").write_text("")
    (root / "assignments" / "03-first-cnn" / "reference.keras").write_bytes(b"not for students")
    with pytest.raises(BundleError, match="reference.keras"):
        bundle(Course(root), ["03-first-cnn"], out=tmp_path / "out", wheel=wheel)


@pytest.mark.slow
def test_a_fresh_environment_runs_the_setup_cell_and_the_visible_tests(tmp_path, bundles):
    """Unzip 03's bundle into a new venv's world; its set-up cell installs the wheel; the visible tests pass."""
    from cnnkit.grading.samples import Work, notebook_for

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                  capture_output=True, text=True, check=True).stdout.strip())
    # third-party libraries only: this environment's site-packages, whose editable cnnkit finder is not
    # activated by a plain path line (only .pth files in a site directory run)
    (purelib / "borrowed.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    work = tmp_path / "student"
    with zipfile.ZipFile(bundles["03-first-cnn"]) as zf:
        zf.extractall(work)
    folder = work / "03-first-cnn"
    probe = subprocess.run([str(python), "-c", "import importlib.util; print(importlib.util.find_spec('cnnkit'))"],
                           capture_output=True, text=True, cwd=folder)
    assert probe.stdout.strip() == "None", "the fresh environment must not see this checkout's cnnkit"
    # the student's notebook: the release with the solution's answers typed in, hidden tests absent
    nb = notebook_for(COURSE, "student", Work("03-first-cnn"), release_dir=work)
    nbformat.write(nb, folder / "03-first-cnn.ipynb")
    runner = textwrap.dedent(f"""
        import nbformat, sys
        from jupyter_client.manager import KernelManager
        from nbclient import NotebookClient
        nb = nbformat.read("03-first-cnn.ipynb", as_version=4)
        km = KernelManager(kernel_cmd=[sys.executable, "-m", "ipykernel_launcher", "-f", "{{connection_file}}"])
        NotebookClient(nb, km=km, timeout=600, allow_errors=True).execute()
        nbformat.write(nb, "executed.ipynb")
    """)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHONPATH", "PYTEST", "VIRTUAL_ENV"))}
    env.update(CNNKIT_BUDGET="small", CNNKIT_DATA_DIR=str(ROOT / "data"), PIP_NO_INDEX="1",
               PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}")
    done = subprocess.run([str(python), "-c", runner], cwd=folder, env=env, capture_output=True, text=True,
                          timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    executed = nbformat.read(folder / "executed.ipynb", as_version=4)
    outputs = {c.metadata.get("nbgrader", {}).get("grade_id"): c.get("outputs", []) for c in executed.cells}
    setup_text = "".join(o.get("text", "") for o in outputs["setup-kit"] if o.get("output_type") == "stream")
    assert "installing the course kit from cnnkit-" in setup_text and "ready." in setup_text, setup_text
    errors = {gid: [o.get("evalue") for o in outs if o.get("output_type") == "error"] for gid, outs in outputs.items()}
    assert not any(errors.values()), {g: e for g, e in errors.items() if e}
    installed = subprocess.run([str(python), "-c", "import cnnkit; print(cnnkit.__file__)"], capture_output=True,
                               text=True, cwd=tmp_path).stdout
    assert str(venv) in installed and str(ROOT) not in installed
