"""``run_autograder``'s body: grade ``/autograder/submission``, write ``/autograder/results/results.json``.

``python -m cnnkit.grading.gradescope.run [--root DIR]``, as root, in Gradescope's container. First
the source (hidden tests, solutions, reference models, gradebook) and the upload become readable by
root alone; the upload is copied (regular files only: a symbolic link could point at the course)
into a private folder with a private copy of the exported gradebook; then the engine grades it
(``cnnkit.grading.single.grade_folder``) without bubblewrap, the notebook running as the unprivileged
notebook user and the referee as the referee user. The results follow ``results.results_json``; what
only instructors see (every reason, review flags, timings) goes to stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

from cnnkit.grading.gradescope.layout import DATA_DIR, Layout, referee_user, student_user

__all__ = ["main", "snapshot", "grade"]

FAILED = ("The autograder could not grade this submission: a problem in the grader, not in your notebook. "
          "Your instructor sees the details.")


def snapshot(upload: Path, dest: Path, notebook: str) -> tuple[Path, list[str]]:
    """Copy the regular files of the upload folder holding ``notebook`` (the top, else the shallowest
    folder that has it: a zip or repository upload nests it) into ``dest``; (dest, what was skipped)."""
    base = upload
    if not (upload / notebook).is_file():
        found = sorted((p for p in upload.rglob(notebook) if p.is_file() and not p.is_symlink()),
                       key=lambda p: (len(p.parts), str(p)))
        if found:
            base = found[0].parent
    dest.mkdir(parents=True)
    skipped = []
    for folder, dirs, files in os.walk(base):
        dirs[:] = [d for d in dirs if d != "__MACOSX" and not Path(folder, d).is_symlink()]
        for name in files:
            path = Path(folder, name)
            rel = path.relative_to(base)
            if path.is_symlink() or not path.is_file():
                skipped.append(str(rel))
                continue
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, dest / rel, follow_symlinks=False)
    return dest, skipped


def grade(layout: Layout, manifest: dict):
    """The graded submission and a note for the instructor."""
    from cnnkit.grading.course import Course, sqlite_url
    from cnnkit.grading.sandbox.identity import RunAs
    from cnnkit.grading.single import grade_folder

    name = manifest["assignment"]
    run_as, referee_as = RunAs.lookup(student_user()), RunAs.lookup(referee_user())
    with tempfile.TemporaryDirectory(prefix="cnnkit-gradescope-") as tmp:  # 0700, root's
        tmp = Path(tmp)
        folder, skipped = snapshot(layout.submission, tmp / "submission", f"{name}.ipynb")
        shutil.copyfile(layout.gradebook, tmp / "gradebook.db")
        graded = grade_folder(Course(layout.course), name, folder, out=tmp / "out", release_dir=layout.release_dir,
                              db_url=sqlite_url(tmp / "gradebook.db"), sandbox=False, run_as=run_as,
                              referee_as=referee_as, paths={str(layout.root): "<autograder>"})
    note = (f"graded without bubblewrap (Gradescope container): the notebook ran as {run_as.name} "
            f"(uid {run_as.uid}), the referee as {referee_as.name} (uid {referee_as.uid})")
    if skipped:
        note += "; not graded (not regular files): " + ", ".join(skipped)
    return graded, note


def _write(layout: Layout, results: dict) -> None:
    layout.results.mkdir(exist_ok=True)
    part = layout.results / ".results.json.part"
    part.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    os.replace(part, layout.results_json)


def _print_summary(graded, results: dict, note: str) -> None:
    r = graded.result
    print(f"{graded.title} (release {graded.release}) — {r.assignment}: {r.status}, "
          f"{results['score']:g} of {graded.auto_max:g} autograded points in {r.seconds:.1f} s")
    for o in graded.outcomes:
        kind = "by hand" if o.kind == "manual" else ("hidden checks" if o.hidden else "visible")
        print(f"  {o.grade_id:<28} {o.score:>5g} / {o.points:<5g} {kind}")
    for title, lines in (("reasons", r.reasons), ("review", r.review)):
        if lines:
            print(f"{title}:")
            print("\n".join(f"  - {line}" for line in lines))
    print(note)
    print("phases: " + ", ".join(f"{k} {v:.1f} s" for k, v in r.phases.items()))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cnnkit.grading.gradescope.run", description=__doc__)
    parser.add_argument("--root", default=None, help="the autograder tree (default $AUTOGRADER_ROOT or /autograder)")
    args = parser.parse_args(argv)
    layout = Layout.find(args.root)
    start = time.monotonic()
    if not os.environ.get("CNNKIT_DATA_DIR") and Path(DATA_DIR).is_dir():
        os.environ["CNNKIT_DATA_DIR"] = DATA_DIR
    try:
        manifest = layout.manifest()
        layout.lock_down()
        graded, note = grade(layout, manifest)
        from cnnkit.grading.gradescope.results import results_json

        results = results_json(graded, hidden_visibility=manifest.get("hidden_visibility", "after_published"),
                               grader_note=note)
    except Exception:  # the grader's own failure: Gradescope still gets a results.json that says so
        traceback.print_exc(file=sys.stdout)
        _write(layout, {"score": 0.0, "output": FAILED, "stdout_visibility": "hidden", "tests": [],
                        "execution_time": int(time.monotonic() - start)})
        return 1
    _write(layout, results)
    _print_summary(graded, results, note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
