"""Turn a process forked inside the fork server's sandbox into a sandbox of its own (Linux syscalls).

What ``bwrap`` does for a fresh kernel, done in-process so the child keeps the imported TensorFlow:
new user, mount, PID and IPC namespaces; only this run's work folder and kernel folder visible
(fresh size-capped ``/tmp``, ``$HOME`` and ``/dev/shm``, the spool of runs covered); no further user
namespaces; every capability dropped; the file-size, core and data limits. The network namespace
is the fork server's own, which has no network and serves one run at a time.

The caller is a freshly forked child, single-threaded (``unshare`` of a user namespace requires it).
"""

from __future__ import annotations

import ctypes
import os
import resource
from dataclasses import dataclass

CLONE_NEWNS, CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID = 0x00020000, 0x08000000, 0x10000000, 0x20000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_BIND, MS_REC, MS_PRIVATE = 1, 2, 4, 4096, 16384, 1 << 18
PR_SET_DUMPABLE, PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS, PR_CAP_AMBIENT = 4, 24, 38, 47
PR_SET_PDEATHSIG, PR_CAP_AMBIENT_CLEAR_ALL = 1, 4
_LINUX_CAPABILITY_VERSION_3 = 0x20080522
#: highest capability number the bounding set is cleared up to (the kernel refuses numbers it lacks)
_LAST_CAP = 63

_libc = ctypes.CDLL(None, use_errno=True)


class NestError(OSError):
    """A step of building the nested sandbox failed; the run must not go on."""


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise NestError(errno, f"{what}: {os.strerror(errno)}")


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    enc = lambda s: None if s is None else s.encode()  # noqa: E731
    _check(_libc.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)), f"mount {target}")


def prctl(option: int, arg: int = 0) -> None:
    _check(_libc.prctl(option, ctypes.c_ulong(arg), 0, 0, 0), f"prctl({option})")


@dataclass(frozen=True)
class View:
    """What one run sees: the host folders bound in (as the fork server sees them) and the size caps."""

    work: str                 # bound read-write at ``home`` + "/work"
    kernel: str               # the kernel's sockets and connection file, bound read-write at ``kernel_at``
    spool: str                # covered once both are bound: the run never sees it
    home: str
    kernel_at: str = "/tmp/kernel"
    tmp_mb: int = 512
    home_mb: int = 64
    shm_mb: int = 64


@dataclass(frozen=True)
class Limits:
    """Per-process resource limits (MB; ``data_mb`` None: no data limit)."""

    file_mb: int = 256
    data_mb: int | None = None


def enter_namespaces() -> None:
    """New user (this uid/gid mapped to itself, no setgroups), mount, PID and IPC namespaces. The PID
    namespace takes effect for the next child, which becomes its init."""
    uid, gid = os.getuid(), os.getgid()
    _check(_libc.unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC), "unshare")
    for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
        with open(f"/proc/self/{name}", "w") as f:
            f.write(text)


def mount_view(view: View) -> None:
    """Private mounts: fresh tmpfs for /tmp, $HOME and /dev/shm, this run's two folders, the spool covered."""
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    flags = MS_NOSUID | MS_NODEV
    _mount("tmpfs", "/tmp", "tmpfs", flags, f"size={view.tmp_mb}m,mode=1777")
    _mount("tmpfs", "/dev/shm", "tmpfs", flags, f"size={view.shm_mb}m,mode=1777")
    _mount("tmpfs", view.home, "tmpfs", flags, f"size={view.home_mb}m,mode=755")
    work = f"{view.home}/work"
    os.mkdir(work)
    _mount(view.work, work, None, MS_BIND)
    os.mkdir(view.kernel_at)
    _mount(view.kernel, view.kernel_at, None, MS_BIND)
    # the spool (this run's log, the folders as the server sees them) disappears under an empty read-only tmpfs
    _mount("tmpfs", view.spool, "tmpfs", flags | MS_RDONLY, "size=4k,mode=555")


def forbid_user_namespaces() -> None:
    """No user namespace may be created below this one (bwrap's ``--disable-userns``): with one, code
    would get capabilities again, inside it."""
    with open("/proc/sys/user/max_user_namespaces", "w") as f:
        f.write("0")


def set_limits(limits: Limits) -> None:
    size = limits.file_mb * 2**20
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if limits.data_mb is not None:
        data = limits.data_mb * 2**20
        resource.setrlimit(resource.RLIMIT_DATA, (data, data))


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def drop_capabilities() -> None:
    """Clear the bounding and ambient sets, then every capability this process holds; no new privileges
    through exec (setuid binaries, file capabilities) from here on."""
    prctl(PR_SET_NO_NEW_PRIVS, 1)
    for cap in range(_LAST_CAP + 1):
        if _libc.prctl(PR_CAPBSET_DROP, ctypes.c_ulong(cap), 0, 0, 0) != 0:
            break  # past the last capability this kernel knows
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)
    data = (_CapData * 2)()
    _check(_libc.capset(ctypes.byref(_CapHeader(_LINUX_CAPABILITY_VERSION_3, 0)), data), "capset")


def capabilities() -> dict[str, int]:
    """This process's capability sets as /proc reports them (``CapEff``, ``CapPrm``, ``CapBnd``...)."""
    with open("/proc/self/status") as f:
        return {k: int(v, 16) for k, _, v in (line.partition(":\t") for line in f) if k.startswith("Cap")}


def isolate(view: View, limits: Limits) -> None:
    """All of it, in order: namespaces, mounts, no more user namespaces, limits, no capabilities."""
    enter_namespaces()
    mount_view(view)
    forbid_user_namespaces()
    set_limits(limits)
    drop_capabilities()
