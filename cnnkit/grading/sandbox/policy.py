"""What a sandboxed process may see and do, and the ``bwrap`` command line that enforces it.

The sandbox sees: the system's ``/usr`` (read-only), a few ``/etc`` files, the Python environment
and the ``cnnkit`` package folder (read-only, never the repository around them), the policy's
read-only paths, one read-write work folder at a neutral path, size-capped private ``/tmp`` and
``$HOME``, an explicit minimal environment, no network, its own PID namespace, no capabilities and
a non-root uid. Nothing else of the host exists inside it.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Mapping, Sequence

#: the neutral paths inside the sandbox
HOME = "/home/student"
WORKDIR = f"{HOME}/work"
INBOX = f"{HOME}/inbox"
#: where a fork server sees the folders of the runs it forks (``cnnkit.grading.sandbox.zygote``)
SPOOL = "/spool"
UID = GID = 1000
USER = "student"

#: the synthetic passwd / group / hosts shipped next to this module
_ETC = Path(__file__).with_name("etc")

#: /etc files a Python + numpy + matplotlib + TensorFlow kernel reads (all harmless, none secret)
SYSTEM_ETC = ("ld.so.cache", "localtime", "fonts")
#: what name resolution needs, bound only when the policy allows the network
NETWORK_ETC = ("resolv.conf", "nsswitch.conf", "ssl", "ca-certificates", "gai.conf")


@dataclass(frozen=True)
class SandboxPolicy:
    """One sandbox's view of the host.

    ``workdir``: host folder bound read-write at ``/home/student/work`` (also the cwd), or None;
    ``readonly``: host paths bound read-only at the same path (the dataset cache, ...);
    ``inbox``: host folder bound read-only at ``/home/student/inbox`` (files handed to a service);
    ``runtime_dir``: host folder bound read-write at the same path, after ``/tmp`` is mounted
    (the kernel's connection file and IPC sockets); ``env``: extra environment variables;
    ``max_file_mb``: RLIMIT_FSIZE of every sandboxed process; ``max_data_mb``: its RLIMIT_DATA
    (a huge allocation then fails with MemoryError instead of growing until the watchdog kills
    the kernel; None: no per-process cap); ``threads``: BLAS/TF thread counts.
    ``spool``: host folder bound read-write at ``/spool`` and ``nested``: the process may build
    sandboxes of its own (user namespaces allowed) — both for the fork server only, which never
    runs student code and makes each run it forks a sandbox of its own before its code runs.
    """

    workdir: Path | None = None
    readonly: tuple[Path, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    tmp_size_mb: int = 512
    home_size_mb: int = 64
    shm_size_mb: int = 64
    network: bool = False
    max_file_mb: int = 256
    max_data_mb: int | None = None
    threads: int = 1
    inbox: Path | None = None
    runtime_dir: Path | None = None
    spool: Path | None = None
    nested: bool = False

    def __post_init__(self):
        norm = lambda p: None if p is None else Path(os.path.abspath(p))  # noqa: E731
        object.__setattr__(self, "workdir", norm(self.workdir))
        object.__setattr__(self, "inbox", norm(self.inbox))
        object.__setattr__(self, "runtime_dir", norm(self.runtime_dir))
        object.__setattr__(self, "spool", norm(self.spool))
        object.__setattr__(self, "readonly", tuple(norm(p) for p in self.readonly))
        object.__setattr__(self, "env", MappingProxyType({str(k): str(v) for k, v in dict(self.env).items()}))
        for name in ("tmp_size_mb", "home_size_mb", "shm_size_mb", "max_file_mb", "threads", "max_data_mb"):
            value = getattr(self, name)
            if name == "max_data_mb" and value is None:
                continue
            if not isinstance(value, int) or value <= 0:
                raise ValueError(f"SandboxPolicy.{name}: expected a positive whole number, got {value!r}")
        for key in self.env:
            if not key.isidentifier():
                raise ValueError(f"SandboxPolicy.env: {key!r} is not a valid environment variable name")
        for label, path in (("workdir", self.workdir), ("inbox", self.inbox), ("runtime_dir", self.runtime_dir),
                            ("spool", self.spool), *(("readonly", p) for p in self.readonly)):
            if path is not None and not path.exists():
                raise FileNotFoundError(f"SandboxPolicy.{label}: {path} does not exist — create it first")
        for path in self.readonly:
            _refuse_broad(path, "readonly")
            for label, inner in (("workdir", self.workdir), ("inbox", self.inbox), ("spool", self.spool)):
                if inner is not None and (inner == path or path in inner.parents):
                    raise ValueError(
                        f"SandboxPolicy.readonly: {path} contains the {label} {inner} — binding it would show "
                        f"the sandbox the folders next to it (other students); bind only what it needs")


def _refuse_broad(path: Path, label: str) -> None:
    """Never bind the whole filesystem or the grader's home (solutions, keys, other courses)."""
    home = Path(os.path.expanduser("~")).resolve()
    real = path.resolve()
    if real == Path("/") or real == home or real in home.parents:
        raise ValueError(f"SandboxPolicy.{label}: refusing to bind {path} — it would expose the grader's "
                         "files; bind a narrower folder")


def python_paths() -> list[Path]:
    """The Python installation this process runs on: the venv and the interpreter it links to."""
    paths: list[Path] = []
    for prefix in (sys.prefix, sys.exec_prefix, sys.base_prefix, sys.base_exec_prefix):
        path = Path(prefix)
        if path not in paths:
            paths.append(path)
    for path in paths:
        _refuse_broad(path, "python prefix")
    return paths


def cnnkit_package() -> Path:
    """The ``cnnkit`` package folder alone — with an editable install its parent is the repository."""
    import cnnkit

    return Path(cnnkit.__file__).resolve().parent


def sandbox_env(policy: SandboxPolicy) -> dict[str, str]:
    """The whole environment inside: nothing inherited from the grader."""
    threads = str(policy.threads)
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": HOME, "USER": USER, "LOGNAME": USER, "LANG": "C.UTF-8", "TMPDIR": "/tmp",
        "PYTHONNOUSERSITE": "1", "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONPATH": str(cnnkit_package().parent),
        "MPLBACKEND": "Agg", "MPLCONFIGDIR": "/tmp/matplotlib", "TF_CPP_MIN_LOG_LEVEL": "2",
        "OMP_NUM_THREADS": threads, "OPENBLAS_NUM_THREADS": threads, "MKL_NUM_THREADS": threads,
        "TF_NUM_INTRAOP_THREADS": threads, "TF_NUM_INTEROP_THREADS": "1",
    }
    env.update(policy.env)
    return env


def _mb(n: int) -> str:
    return str(n * 1024 * 1024)


def bwrap_argv(policy: SandboxPolicy, argv: Sequence[str], *, bwrap: str | None = None,
               files: Mapping[str, os.PathLike | str] | None = None) -> list[str]:
    """``bwrap [options] -- prlimit ... -- argv``: ``argv`` run under ``policy``.

    ``files``: extra host files bound read-only at the given paths inside (e.g. a prepared cache
    in the sandbox's /tmp), after the writable tmpfs mounts.

    Mount order matters: later mounts cover earlier ones, so the tmpfs for /tmp and $HOME come
    before anything bound below them (the runtime folder under /tmp, the work folder under $HOME).
    """
    bwrap = bwrap or shutil.which("bwrap") or "bwrap"
    prlimit = shutil.which("prlimit", path="/usr/bin:/bin")
    if prlimit is None:
        raise FileNotFoundError("prlimit (util-linux) is missing — `sudo apt-get install util-linux`")
    args = [bwrap,
            # new user, mount, PID, IPC, UTS, cgroup and network namespaces; the new network
            # namespace has only a loopback device, so nothing leaves the machine
            "--unshare-all", "--unshare-user", *(() if policy.nested else ("--disable-userns",)),
            "--uid", str(UID), "--gid", str(GID), "--cap-drop", "ALL", "--hostname", "sandbox",
            # SIGKILL everything when the grader goes; no controlling terminal to inject input into
            "--die-with-parent", "--new-session"]
    if policy.network:
        args.append("--share-net")
    args += ["--clearenv"]
    for key, value in sandbox_env(policy).items():
        args += ["--setenv", key, value]
    # the system: programs and shared libraries, read-only; /bin, /lib... as on the host
    args += ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = Path("/") / name
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    for name in SYSTEM_ETC + (NETWORK_ETC if policy.network else ()):
        args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    for name in ("passwd", "group") + (() if policy.network else ("hosts",)):
        args += ["--ro-bind", str(_ETC / name), f"/etc/{name}"]
    if policy.network:
        args += ["--ro-bind-try", "/etc/hosts", "/etc/hosts"]
    # fresh /proc of the new PID namespace (no host process in it) and a minimal /dev
    args += ["--proc", "/proc", "--dev", "/dev"]
    # private, size-capped writable places (tmpfs lives in RAM: the caps bound it)
    args += ["--size", _mb(policy.shm_size_mb), "--tmpfs", "/dev/shm",
             "--size", _mb(policy.tmp_size_mb), "--tmpfs", "/tmp",
             "--size", _mb(policy.home_size_mb), "--tmpfs", HOME]
    # the Python environment and cnnkit itself, read-only, at their host paths
    for path in python_paths():
        args += ["--ro-bind", str(path), str(path)]
    package = cnnkit_package()
    args += ["--ro-bind", str(package), str(package)]
    for path in policy.readonly:
        args += ["--ro-bind", str(path), str(path)]
    if policy.inbox is not None:
        args += ["--ro-bind", str(policy.inbox), INBOX]
    if policy.workdir is not None:
        args += ["--bind", str(policy.workdir), WORKDIR]
    if policy.spool is not None:
        args += ["--bind", str(policy.spool), SPOOL]
    if policy.runtime_dir is not None:  # after the /tmp tmpfs, which would hide it
        args += ["--bind", str(policy.runtime_dir), str(policy.runtime_dir)]
    for dest, source in (files or {}).items():
        args += ["--ro-bind", str(source), str(dest)]
    # bwrap's root and /dev are uncapped tmpfs (RAM): freeze them once every mount point exists
    args += ["--remount-ro", "/dev", "--remount-ro", "/"]
    args += ["--chdir", WORKDIR if policy.workdir is not None else HOME]
    # RLIMIT_FSIZE caps each file any process inside writes; no core dumps into the work folder
    args += ["--", prlimit, *_rlimits(policy), "--", *argv]
    return args


def _rlimits(policy: SandboxPolicy) -> list[str]:
    limit = _mb(policy.max_file_mb)
    limits = [f"--fsize={limit}:{limit}", "--core=0:0"]
    if policy.max_data_mb is not None:
        data = _mb(policy.max_data_mb)
        limits.append(f"--data={data}:{data}")
    return limits


def unsandboxed(policy: SandboxPolicy, argv: Sequence[str], run_as=None) -> tuple[list[str], dict[str, str], str]:
    """(argv, env, cwd) to run ``argv`` WITHOUT the sandbox (``--no-sandbox``): the same file-size cap,
    thread counts and extra variables, the grader's environment, the work folder as cwd.

    With ``run_as`` (a :class:`~cnnkit.grading.sandbox.identity.RunAs`) the process runs as that
    unprivileged user instead, with the sandbox's own environment (nothing inherited from the grader)
    and the work folder (or the inbox) as its home; the caller hands those folders over first.
    """
    prlimit = shutil.which("prlimit", path="/usr/bin:/bin") or "prlimit"
    if run_as is not None:
        from cnnkit.grading.sandbox.identity import setpriv_argv, user_env

        home = policy.workdir or policy.inbox
        if home is None:
            raise ValueError("running as another user needs a folder of its own: give the policy a workdir or an inbox")
        env = user_env(sandbox_env(policy), run_as, home)
        return [prlimit, *_rlimits(policy), "--", *setpriv_argv(run_as, argv)], env, str(home)
    env = dict(os.environ)
    env.update({k: v for k, v in sandbox_env(policy).items()
                if k.endswith("_THREADS") or k in ("MPLBACKEND", "TF_CPP_MIN_LOG_LEVEL", "PYTHONNOUSERSITE")})
    env.update(policy.env)
    cwd = str(policy.workdir) if policy.workdir is not None else os.getcwd()
    return [prlimit, *_rlimits(policy), "--", *argv], env, cwd


def inside(policy: SandboxPolicy, host_path: os.PathLike | str) -> str:
    """Where a host path under the work folder or the inbox appears inside the sandbox."""
    path = Path(os.path.abspath(host_path))
    for root, mount in ((policy.workdir, WORKDIR), (policy.inbox, INBOX)):
        if root is not None and (path == root or root in path.parents):
            return str(Path(mount) / path.relative_to(root))
    raise ValueError(f"{path} is neither in the work folder ({policy.workdir}) nor the inbox ({policy.inbox})")
