"""The set-up step in Gradescope's container: ``setup.sh`` runs it once, as root, when the image is built.

``python -m cnnkit.grading.gradescope.provision [--root DIR] [--users-only]``: creates the two
unprivileged users (one runs the student's notebook, the other the referee; names from
``CNNKIT_STUDENT_USER`` / ``CNNKIT_REFEREE_USER``), fills the dataset cache the assignment declares
into a world-readable folder (``CNNKIT_DATA_DIR``, default ``/opt/cnnkit-data``), and makes the
autograder's source readable by root alone. ``--users-only`` skips the datasets (nothing that
needs the network), which is what the tests run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

from cnnkit.grading.gradescope.layout import DATA_DIR, Layout, referee_user, student_user
from cnnkit.grading.sandbox.identity import RunAs, RunAsError

__all__ = ["ProvisionError", "ensure_user", "fetch_datasets", "main"]


class ProvisionError(RuntimeError):
    """The container cannot be set up; the message names what is missing."""


def ensure_user(name: str) -> RunAs:
    """The unprivileged system user ``name``, created (no home, no login shell, its own group) if absent."""
    try:
        return RunAs.lookup(name)
    except RunAsError:
        pass
    useradd = shutil.which("useradd", path="/usr/sbin:/usr/bin:/sbin:/bin")
    if useradd is None:
        raise ProvisionError(f"cannot create the user {name}: useradd is missing — `apt-get install passwd`")
    done = subprocess.run([useradd, "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
                           "--shell", "/usr/sbin/nologin", name], capture_output=True, text=True)
    if done.returncode != 0:
        raise ProvisionError(f"useradd {name} failed: {done.stderr.strip()}")
    return RunAs.lookup(name)


def fetch_datasets(names, data_dir: Path) -> None:
    """Fill ``data_dir`` with the verified datasets ``names`` and make it readable by every user."""
    names = [n for n in names if n]
    data_dir.mkdir(parents=True, exist_ok=True)
    if names:
        env = {**os.environ, "CNNKIT_DATA_DIR": str(data_dir)}
        done = subprocess.run([sys.executable, "-m", "cnnkit", "data", "fetch", *names], env=env)
        if done.returncode != 0:
            raise ProvisionError(f"fetching the datasets {names} into {data_dir} failed (see above)")
    for folder, dirs, files in os.walk(data_dir):
        os.chmod(folder, 0o755)
        for name in files:
            os.chmod(Path(folder) / name, 0o644)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cnnkit.grading.gradescope.provision", description=__doc__)
    parser.add_argument("--root", default=None, help="the autograder tree (default $AUTOGRADER_ROOT or /autograder)")
    parser.add_argument("--users-only", action="store_true", help="only the users and the permissions")
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        print("provision: must run as root (Gradescope runs setup.sh as root)", file=sys.stderr)
        return 2
    layout = Layout.find(args.root)
    try:
        users = [ensure_user(student_user()), ensure_user(referee_user())]
        if users[0].uid == users[1].uid:
            raise ProvisionError("the notebook user and the referee user must differ")
        if not args.users_only:
            data_dir = Path(os.environ.get("CNNKIT_DATA_DIR") or DATA_DIR)
            fetch_datasets(layout.manifest().get("datasets", []), data_dir)
            print(f"datasets ready in {data_dir}")
        layout.lock_down()
    except (ProvisionError, RunAsError, FileNotFoundError) as exc:
        print(f"provision: {exc}", file=sys.stderr)
        return 1
    print("users: " + ", ".join(f"{u.name} (uid {u.uid})" for u in users) + f"; {layout.source} is root-only")
    return 0


if __name__ == "__main__":
    sys.exit(main())
