"""Real JupyterLab servers and headless Chromium for the browser tests (tests/test_browser.py).

``LabServer`` starts ``jupyter lab`` on a free loopback port with a token and private config, runtime,
settings and workspace folders (so nothing from ``~/.jupyter`` leaks in and no old tabs reopen), and
stops it and every kernel it started by PID. ``launch_chromium`` drives the system Chromium through
Playwright (no browser download); both skip locally and FAIL when ``CI`` is set if missing.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

import psutil
import pytest

#: Debian's `chromium` package; CHROMIUM overrides
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
#: headless and quiet: the machine's network is closed, and Chromium would keep trying it otherwise
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-default-apps",
                 "--disable-extensions", "--metrics-recording-only", "--mute-audio"]
#: set by tests/conftest.py for the test process; a student's JupyterLab has none of them
TEST_ONLY_ENV = ("MPLBACKEND", "TF_CPP_MIN_LOG_LEVEL", "KERAS_BACKEND")
#: JupyterLab settings of the private user-settings folder: no "news" question, no update check
LAB_SETTINGS = {"@jupyterlab/apputils-extension/notification.jupyterlab-settings":
                {"fetchNews": "false", "checkForUpdates": False}}


def missing(what: str):
    """A component the browser tests need is absent: FAIL under CI, skip elsewhere."""
    if os.environ.get("CI"):
        pytest.fail(what)
    pytest.skip(what)


def launch_chromium():
    """(playwright, browser) — the system Chromium, headless."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("Playwright for Python is not installed: pip install playwright (in the `dev` extra; "
                "never `playwright install` — the tests use the system Chromium)")
    if not Path(CHROMIUM).is_file():
        missing(f"no Chromium at {CHROMIUM}: apt-get install chromium (or set CHROMIUM to its path)")
    pw = sync_playwright().start()
    try:
        return pw, pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, timeout=60_000)
    except Exception as exc:
        pw.stop()
        missing(f"Chromium at {CHROMIUM} does not start under Playwright: {exc}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LabServer:
    """``jupyter lab`` serving ``root`` (started in ``cwd``, where nbgrader reads its config)."""

    def __init__(self, root: Path, private: Path, *, cwd: Path | None = None, env: dict | None = None,
                 nbgrader_config: str = ""):
        self.root, self.private, self.cwd = Path(root), Path(private), Path(cwd or root)
        self.token = secrets.token_hex(16)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.extra_env = env or {}
        self.nbgrader_config = nbgrader_config
        self.proc: subprocess.Popen | None = None
        self.log = self.private / "server.log"

    def start(self, timeout: float = 180) -> "LabServer":
        config, runtime, settings, workspaces = (self.private / d for d in ("config", "runtime", "settings", "workspaces"))
        for folder in (config, runtime, settings, workspaces):
            folder.mkdir(parents=True, exist_ok=True)
        for name, values in LAB_SETTINGS.items():
            path = settings / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values))
        if self.nbgrader_config:  # the user's own nbgrader config (JUPYTER_CONFIG_DIR is on nbgrader's path)
            (config / "nbgrader_config.py").write_text(self.nbgrader_config)
        env = {k: v for k, v in os.environ.items() if k not in TEST_ONLY_ENV}
        env.update(JUPYTER_CONFIG_DIR=str(config), JUPYTER_RUNTIME_DIR=str(runtime), **self.extra_env)
        cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={self.port}",
               "--ServerApp.port_retries=0", f"--IdentityProvider.token={self.token}",
               f"--ServerApp.root_dir={self.root}", "--ServerApp.open_browser=False",
               f"--LabApp.workspaces_dir={workspaces}", f"--LabApp.user_settings_dir={settings}"]
        if os.geteuid() == 0:
            cmd.append("--allow-root")
        with open(self.log, "wb") as log:
            # its own session: a Ctrl-C in the terminal running pytest does not reach it half-way
            self.proc = subprocess.Popen(cmd, cwd=self.cwd, env=env, stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                self.api("status")
                return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.5)
        raise TimeoutError(f"jupyter lab did not answer on {self.base} within {timeout:.0f} s:\n{self.log_tail()}")

    def url(self, path: str, **query) -> str:
        params = "&".join([f"{k}={v}" if v is not None else k for k, v in query.items()] + [f"token={self.token}"])
        return f"{self.base}/{path.lstrip('/')}?{params}"

    def api(self, path: str, method: str = "GET"):
        request = urllib.request.Request(f"{self.base}/api/{path}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=10) as reply:
            body = reply.read()
        return json.loads(body) if body else None

    def kernels(self) -> dict[str, dict]:
        """notebook path (under root) → its kernel's model (execution_state, last_activity, ...)."""
        return {session["path"]: session["kernel"] for session in self.api("sessions")}

    def wait_for_kernel(self, notebook: str, timeout: float = 180) -> None:
        """Wait until ``notebook`` has an idle kernel (started, and its start-up code run)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.kernels().get(notebook, {}).get("execution_state") == "idle":
                return
            time.sleep(0.5)
        raise TimeoutError(f"{notebook}: no idle kernel after {timeout:.0f} s:\n{self.log_tail()}")

    def wait_until_done(self, notebooks, since: datetime, *, quiet: float = 4.0, timeout: float = 400) -> dict:
        """Wait until each of ``notebooks`` has run something after ``since`` and then been idle for ``quiet``
        seconds; returns notebook → seconds from ``since`` to its last activity.

        JupyterLab renders only the cells in view, so the page cannot tell when Run All is done; the server's
        sessions API can (a kernel's last message and its state). Cells queued by Run All leave no gap.
        """
        pending, done = set(notebooks), {}
        deadline = time.monotonic() + timeout
        while pending and time.monotonic() < deadline:
            kernels, now = self.kernels(), datetime.now(timezone.utc)
            for notebook in list(pending):
                kernel = kernels.get(notebook)
                if kernel is None or kernel["execution_state"] in ("dead", "restarting"):
                    raise RuntimeError(f"{notebook}: its kernel is gone ({kernel}):\n{self.log_tail()}")
                last = datetime.fromisoformat(kernel["last_activity"])
                if kernel["execution_state"] == "idle" and last > since and (now - last).total_seconds() >= quiet:
                    done[notebook] = (last - since).total_seconds()
                    pending.discard(notebook)
            time.sleep(0.5)
        if pending:
            raise TimeoutError(f"still running after {timeout:.0f} s: {sorted(pending)} "
                               f"({ {n: self.kernels().get(n) for n in pending} })")
        return done

    def shutdown_kernels(self) -> None:
        """Close every session (as a student closing their notebooks), ending its kernel."""
        for session in self.api("sessions"):
            self.api(f"sessions/{session['id']}", method="DELETE")

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def stop(self) -> list[str]:
        """Stop the server and every process it started (kernels, nbgrader's validation kernels) by PID;
        returns a description of any that survived."""
        return stop_family(self.proc) if self.proc is not None else []


def stop_family(proc: subprocess.Popen) -> list[str]:
    """Terminate ``proc`` and all its descendants (by PID, children first found), kill what lingers;
    returns a description of any that survived. Kernels run in sessions of their own, so a process group
    would miss them."""
    try:
        top = psutil.Process(proc.pid)
        family = top.children(recursive=True) + [top]
    except psutil.NoSuchProcess:
        family = []
    for p in family:
        try:
            p.terminate()
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(family, timeout=15)
    for p in alive:
        try:
            p.kill()
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(alive, timeout=5)
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass
    return [f"{p.pid} {p.name()}" for p in alive if p.is_running()]


def descendants() -> set[int]:
    """PIDs of this process's living descendants."""
    return {p.pid for p in psutil.Process().children(recursive=True) if p.is_running()
            and p.status() != psutil.STATUS_ZOMBIE}
