"""Can bubblewrap sandbox a kernel here? ``probe()`` runs a trivial sandbox once and says why not.

The decision comes from a real ``bwrap ... true`` run (cached per process); ``classify`` turns the
facts gathered around it into a case name and the fix, and is pure so each case can be tested.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

#: the oldest bubblewrap with ``--size`` (capped tmpfs) and ``--disable-userns``, which the policy needs
MIN_VERSION = (0, 8, 0)

NO_SANDBOX = "or grade without the sandbox (--no-sandbox; only for notebooks you trust)"


@dataclass(frozen=True)
class Support:
    """Whether the sandbox runs here; if not, which ``case`` it is and the ``fix``."""

    ok: bool
    case: str  # "ok", "not-linux", "no-bwrap", "old-bwrap", "docker", "apparmor", "userns-disabled", "other"
    fix: str = ""
    detail: str = ""  # bwrap's stderr or the probed facts
    bwrap: str | None = None
    version: tuple[int, ...] | None = None

    def message(self) -> str:
        """One paragraph for a refusal: what is wrong, and the fix."""
        if self.ok:
            return f"bubblewrap {_fmt(self.version)} sandbox available ({self.bwrap})"
        text = f"The grading sandbox cannot run here ({self.case}): {self.fix}"
        return text + (f"\nbwrap said: {self.detail.strip()}" if self.detail.strip() else "")


def _fmt(version) -> str:
    return ".".join(map(str, version)) if version else "?"


def classify(platform: str, bwrap_path: str | None, returncode: int | None, stderr: str,
             dockerenv: bool, apparmor_flag: int | None, *, version: tuple[int, ...] | None = None,
             userns_clone: int | None = None, max_user_namespaces: int | None = None) -> Support:
    """Name the case from the facts: the OS, where bwrap is, how the probe run ended, the hints.

    ``dockerenv``: a container was detected (/.dockerenv, /run/.containerenv, a container cgroup);
    ``apparmor_flag``: /proc/sys/kernel/apparmor_restrict_unprivileged_userns (None if absent);
    ``userns_clone`` / ``max_user_namespaces``: the Debian and generic user-namespace switches.
    """
    if not platform.startswith("linux"):
        name = {"darwin": "macOS", "win32": "Windows", "cygwin": "Windows"}.get(platform, platform)
        return Support(False, "not-linux",
                       f"bubblewrap needs Linux namespaces and this is {name} — grade on a Linux machine "
                       f"(a Linux VM, WSL 2 or a Linux CI runner), {NO_SANDBOX}")
    if not bwrap_path:
        return Support(False, "no-bwrap",
                       "bubblewrap is not installed — `sudo apt-get install bubblewrap` (Debian/Ubuntu), "
                       f"`sudo dnf install bubblewrap` (Fedora), {NO_SANDBOX}")
    if version is not None and version < MIN_VERSION:
        return Support(False, "old-bwrap",
                       f"bubblewrap {_fmt(version)} at {bwrap_path} is older than {_fmt(MIN_VERSION)} (needed "
                       "for size-capped /tmp and --disable-userns) — install a newer bubblewrap (Debian 12, "
                       f"Ubuntu 24.04 or backports), {NO_SANDBOX}", bwrap=bwrap_path, version=version)
    if returncode == 0:
        return Support(True, "ok", bwrap=bwrap_path, version=version)
    detail = (stderr or "").strip()
    if apparmor_flag == 1:
        return Support(False, "apparmor",
                       "Ubuntu 24.04's AppArmor forbids unprivileged user namespaces — give bwrap an AppArmor "
                       "profile that allows them (/etc/apparmor.d/bwrap: `abi <abi/4.0>, include <tunables/global> "
                       "profile bwrap /usr/bin/bwrap flags=(unconfined) { userns, }` then "
                       "`sudo apparmor_parser -r /etc/apparmor.d/bwrap`), or "
                       "`sudo sysctl kernel.apparmor_restrict_unprivileged_userns=0`, " + NO_SANDBOX,
                       detail, bwrap_path, version)
    if dockerenv:
        return Support(False, "docker",
                       "this is a container that may not create namespaces (Docker without CAP_SYS_ADMIN and "
                       "with its default seccomp profile) — start it with `--cap-add SYS_ADMIN --security-opt "
                       "seccomp=unconfined --security-opt apparmor=unconfined`, or run the grader on the host, "
                       + NO_SANDBOX, detail, bwrap_path, version)
    if userns_clone == 0 or max_user_namespaces == 0:
        knob = ("kernel.unprivileged_userns_clone=1" if userns_clone == 0 else "user.max_user_namespaces=15000")
        return Support(False, "userns-disabled",
                       f"user namespaces are switched off on this kernel — `sudo sysctl {knob}`, " + NO_SANDBOX,
                       detail, bwrap_path, version)
    return Support(False, "other",
                   f"bubblewrap failed (exit {returncode}) for a reason not recognised — see its message below; "
                   "check that `bwrap --unshare-all --ro-bind / / true` works for this user, " + NO_SANDBOX,
                   detail, bwrap_path, version)


class SandboxUnavailable(RuntimeError):
    """bubblewrap cannot run here; the message names the case and the fix (``.support`` has both)."""

    def __init__(self, support: Support):
        super().__init__(support.message())
        self.support = support


def require(bwrap: str | None = None) -> Support:
    """``probe()``, raising SandboxUnavailable when the sandbox cannot run."""
    support = probe(bwrap)
    if not support.ok:
        raise SandboxUnavailable(support)
    return support


def probe_argv(bwrap: str) -> list[str]:
    """A trivial sandbox using every namespace and mount kind the real policy uses."""
    return [bwrap, "--unshare-all", "--unshare-user", "--disable-userns", "--uid", "1000", "--gid", "1000",
            "--cap-drop", "ALL", "--die-with-parent", "--new-session", "--ro-bind", "/", "/",
            "--proc", "/proc", "--dev", "/dev", "--size", str(1 << 20), "--tmpfs", "/tmp", "true"]


@functools.lru_cache(maxsize=None)
def probe(bwrap: str | None = None) -> Support:
    """Run ``bwrap ... true`` once (cached per process) and classify the outcome."""
    if not sys.platform.startswith("linux"):
        return classify(sys.platform, None, None, "", False, None)
    path = bwrap or shutil.which("bwrap")
    if not path or not os.access(path, os.X_OK):
        return classify(sys.platform, None, None, "", False, None)
    version = _version(path)
    if version is not None and version < MIN_VERSION:
        return classify(sys.platform, path, None, "", False, None, version=version)
    try:
        run = subprocess.run(probe_argv(path), capture_output=True, text=True, timeout=30,
                             env={"PATH": "/usr/bin:/bin"})
        returncode, stderr = run.returncode, run.stderr
    except (OSError, subprocess.TimeoutExpired) as error:
        returncode, stderr = -1, str(error)
    return classify(sys.platform, path, returncode, stderr, in_container(), _read_int(APPARMOR_FLAG),
                    version=version, userns_clone=_read_int("/proc/sys/kernel/unprivileged_userns_clone"),
                    max_user_namespaces=_read_int("/proc/sys/user/max_user_namespaces"))


APPARMOR_FLAG = "/proc/sys/kernel/apparmor_restrict_unprivileged_userns"


def _version(path: str) -> tuple[int, ...] | None:
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", out)
    return tuple(int(g or 0) for g in match.groups()) if match else None


def _read_int(path: str) -> int | None:
    try:
        return int(Path(path).read_text().strip())
    except (OSError, ValueError):
        return None


def in_container() -> bool:
    """Docker / Podman / Kubernetes hints: marker files or a container cgroup path."""
    if os.path.exists("/.dockerenv") or os.path.exists("/run/.containerenv"):
        return True
    try:
        cgroup = Path("/proc/1/cgroup").read_text()
    except OSError:
        return False
    return any(word in cgroup for word in ("docker", "kubepods", "containerd", "libpod"))
