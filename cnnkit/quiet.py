"""Start TensorFlow without its C++ start-up log lines, in notebooks and grading kernels.

``import tensorflow`` (2.16+) writes "WARNING: All log messages before absl::InitializeLog() is
called are written to STDERR" and the oneDNN notice straight to file descriptor 2, twice (when
libtensorflow_framework loads and again when _pywrap_profiler_plugin.so, with its own copy of absl,
loads), before TensorFlow's logging honours ``TF_CPP_MIN_LOG_LEVEL``. In Jupyter, ipykernel forwards fd 2 into the running cell, so the lines land
in the notebook. :func:`quiet_tensorflow` sets the log level for everything later (XLA notices,
``W0000 ... local_rendezvous`` warnings), then imports TensorFlow with fd 2 pointed at a temporary
file and replays whatever in it is not start-up chatter. The student's own ``import tensorflow``
afterwards is a no-op. oneDNN stays on (``TF_ENABLE_ONEDNN_OPTS=0`` would hide the notice too, but
makes training 1.2-1.9x and prediction 1.5-3x slower: benchmarks/quiet_speed.py), and no device is initialised here, so numerics,
speed and GPU memory are as without it.

This module does not import TensorFlow at import time.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib.util
import logging
import os
import re
import sys
import tempfile
import warnings

log = logging.getLogger(__name__)

#: TensorFlow's C++ messages below this level (0 INFO, 1 WARNING, 2 ERROR) are dropped after import
MIN_LOG_LEVEL = 2
LOG_LEVEL_ENV = "TF_CPP_MIN_LOG_LEVEL"

#: the line absl writes before the first message logged ahead of its initialisation
_ABSL_NOTICE = re.compile(r"^WARNING: All log messages before absl::InitializeLog\(\) is called")
#: an absl/glog line: severity, MMDD, time (TensorFlow's is 00:00:<epoch seconds>), thread id, file:line]
_ABSL_LINE = re.compile(r"^(?P<severity>[IWEF])\d{4} \d\d:\d\d:\d+\.\d+\s+\d+ [^\s:\]]+:\d+\] ")
#: the second line of cpu_feature_guard's message (shown only below level 1)
_CONTINUATION = re.compile(r"^To enable the following instructions: .*rebuild TensorFlow")
#: ERROR lines that GPU builds print at import although nothing is wrong (duplicate CUDA plugins)
_BENIGN_ERRORS = re.compile(r"Unable to register cu\w+ factory|already been registered|"
                            r"computation placer already registered")

#: substrings of the start-up lines, for tests and scans of executed notebooks
STARTUP_MARKERS = ("absl::InitializeLog", "oneDNN custom operations", "cpu_feature_guard",
                   "I0000 00:00:", "W0000 00:00:", "E0000 00:00:")

_quieted = False


def quiet_environment(min_log_level: int = MIN_LOG_LEVEL) -> dict[str, str]:
    """Environment variables for a process that will import TensorFlow (e.g. a grading kernel).

    They hide TensorFlow's later C++ INFO/WARNING lines but not the import-time ones, which only
    :func:`quiet_tensorflow` removes.
    """
    current = os.environ.get(LOG_LEVEL_ENV, "")
    level = max(min_log_level, int(current)) if current.isdigit() else min_log_level
    return {LOG_LEVEL_ENV: str(level)}


def quiet_tensorflow(min_log_level: int = MIN_LOG_LEVEL) -> None:
    """Import TensorFlow without its C++ start-up lines; keep later C++ messages below ERROR hidden.

    Call it before anything imports TensorFlow (``keras`` with its TensorFlow backend does): the
    notebooks' first cell. Lines written to fd 2 during the import that are not start-up chatter
    (an error, a Python warning) are written again to ``sys.stderr``. Calling it again is a no-op;
    calling it after TensorFlow was imported elsewhere only warns. Without TensorFlow installed (a
    JAX-only machine) it sets the environment and returns.
    """
    global _quieted
    if _quieted:
        return
    if "tensorflow" in sys.modules:
        warnings.warn("TensorFlow was imported before quiet_tensorflow(), so its start-up lines were "
                      "already printed: restart the kernel and call quiet_tensorflow() in the first cell",
                      RuntimeWarning, stacklevel=2)
        return
    os.environ.update(quiet_environment(min_log_level))
    if importlib.util.find_spec("tensorflow") is None:
        return
    captured = _Captured()
    try:
        with _fd2_captured(captured):
            import tensorflow  # noqa: F401  (the import is the point: its C++ start-up runs here)
    finally:  # also when the import fails: its C++ reason must reach the student
        _replay(captured.text)
    _quieted = True


def _replay(text: str) -> None:
    kept, dropped = filter_startup_lines(text)
    for line in dropped:
        log.debug("hidden TensorFlow start-up line: %s", line)
    if kept and sys.stderr is not None:
        sys.stderr.write("\n".join(kept) + "\n")
        sys.stderr.flush()


def filter_startup_lines(text: str) -> tuple[list[str], list[str]]:
    """Split what TensorFlow's import wrote to fd 2 into (lines to show, start-up lines to hide).

    Hidden: absl's "before absl::InitializeLog()" notice, INFO and WARNING lines (the level the
    environment asks for would drop them had logging been initialised), their known continuation
    line, and the duplicate-CUDA-plugin ERROR lines of GPU builds. Everything else is shown.
    """
    kept, dropped = [], []
    for line in text.splitlines():
        match = _ABSL_LINE.match(line)
        hide = bool(_ABSL_NOTICE.match(line) or _CONTINUATION.match(line)
                    or (match and (match["severity"] in "IW" or _BENIGN_ERRORS.search(line))))
        if line.strip():
            (dropped if hide else kept).append(line)
    return kept, dropped


class _Captured:
    text = ""


@contextlib.contextmanager
def _fd2_captured(captured: _Captured):
    """Point file descriptor 2 at a temporary file for the block; its text goes to ``captured.text``."""
    try:
        saved = os.dup(2)
    except OSError:  # no fd 2 (a detached process): nothing can reach a notebook anyway
        yield
        return
    with tempfile.TemporaryFile() as sink:
        _flush_stderr()
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            _flush_stderr()
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            captured.text = sink.read().decode("utf-8", errors="replace")


def _flush_stderr() -> None:
    """Flush Python's and C's stderr buffers so each write lands on the side of the switch it was made."""
    with contextlib.suppress(Exception):
        sys.stderr.flush()
    with contextlib.suppress(Exception):
        ctypes.CDLL(None).fflush(None)
