"""Run a process as another, unprivileged user when there is no sandbox (``run_as``).

Where bubblewrap cannot run (a Gradescope container, a Docker image without user namespaces), a root
grader can still keep student code away from the course: the kernel is started through ``setpriv``
as a dedicated user (its uid and gid, no supplementary groups, no capabilities, no way back up
through set-uid programs, killed if the grader dies) with an environment of its own. Only the folders
it needs are handed over (``hand_over``); everything the grader keeps private stays unreadable to it.
The user must be dedicated to grading: ``sweep`` kills every process it owns once a run ends (what the
sandbox's PID namespace does), so nothing a submission started outlives its run.
"""

from __future__ import annotations

import os
import pwd
import shutil
from dataclasses import dataclass
from pathlib import Path

import psutil

from cnnkit.grading.sandbox.procs import kill_tree

__all__ = ["RunAs", "RunAsError", "setpriv_argv", "hand_over", "user_env", "sweep"]


class RunAsError(RuntimeError):
    """Switching to the unprivileged user cannot work here; the message names the fix."""


@dataclass(frozen=True)
class RunAs:
    """An unprivileged user to run untrusted code as: its name, uid and primary gid."""

    name: str
    uid: int
    gid: int

    @classmethod
    def lookup(cls, user: str | int) -> "RunAs":
        """The user named (or numbered) ``user``; refuses root and users that do not exist."""
        try:
            entry = pwd.getpwuid(user) if isinstance(user, int) or str(user).isdigit() else pwd.getpwnam(str(user))
        except (KeyError, ValueError):
            raise RunAsError(f"run as {user!r}: no such user here — create a dedicated one first "
                             f"(e.g. `useradd --system --user-group --no-create-home {user}`)") from None
        if entry.pw_uid == 0 or entry.pw_gid == 0:
            raise RunAsError(f"run as {user!r}: that user has uid/gid 0 — pick an unprivileged, dedicated user")
        return cls(entry.pw_name, entry.pw_uid, entry.pw_gid)

    def require(self) -> None:
        """Raise unless this process can switch to the user (it must be root, with ``setpriv``)."""
        if os.geteuid() != 0:
            raise RunAsError(f"running notebooks as {self.name} needs a grader running as root (this one is uid "
                             f"{os.geteuid()}) — run it as root, or grade in the sandbox instead")
        if _setpriv() is None:
            raise RunAsError("setpriv (util-linux) is missing — `apt-get install util-linux`")


def _setpriv() -> str | None:
    return shutil.which("setpriv", path="/usr/bin:/bin:/usr/sbin:/sbin")


def setpriv_argv(run_as: RunAs, argv) -> list[str]:
    """``argv`` run as ``run_as``: its uid and gid, no other group, no capabilities, no new privileges
    (a set-uid ``sudo`` or ``su`` cannot raise them again), SIGKILLed when its parent (the grader) dies."""
    return [_setpriv() or "setpriv", "--reuid", str(run_as.uid), "--regid", str(run_as.gid), "--clear-groups",
            "--no-new-privs", "--inh-caps=-all", "--pdeathsig", "KILL", "--", *argv]


def hand_over(run_as: RunAs, *paths: os.PathLike | str) -> None:
    """Give ``paths`` (and, for folders, what is inside) to the user, owner-only: the folders it works in."""
    for path in paths:
        path = Path(path)
        todo = [path] + ([p for p in path.rglob("*") if not p.is_symlink()] if path.is_dir() else [])
        for each in todo:
            os.chown(each, run_as.uid, run_as.gid, follow_symlinks=False)
        os.chmod(path, 0o700 if path.is_dir() else 0o600)


def user_env(base: dict[str, str], run_as: RunAs, home: os.PathLike | str) -> dict[str, str]:
    """The process's whole environment: ``base`` (built by the caller, nothing inherited from the grader)
    with the user's own name, home and temp folder."""
    env = dict(base)
    env.update({"HOME": str(home), "USER": run_as.name, "LOGNAME": run_as.name, "TMPDIR": str(home),
                "MPLCONFIGDIR": str(Path(home) / ".matplotlib")})
    return env


def sweep(run_as: RunAs, rounds: int = 20) -> list[int]:
    """Kill every process the user owns (a run's leftovers: double-forked or ``setsid`` helpers), round
    after round until none is left (one forking while we look is caught by the next round); the pids."""
    killed: list[int] = []
    for _ in range(rounds):
        found = []
        for proc in psutil.process_iter(["uids", "status"]):
            try:
                uids = proc.info["uids"]
                if proc.info["status"] == psutil.STATUS_ZOMBIE:  # already dead, waiting for its parent
                    continue
                if uids is not None and run_as.uid in (uids.real, uids.effective, uids.saved):
                    found.append(proc)
            except psutil.Error:
                pass
        if not found:
            break
        for proc in found:
            kill_tree(proc, timeout=1.0)
        killed += [p.pid for p in found]
    return killed
