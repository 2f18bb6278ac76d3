"""The referee measures with oneDNN on, on every CPU (TensorFlow turns it on by default only on
AVX-512-class CPUs; without it ``predict`` on the held-out images is several times slower)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cnnkit.grading.executor import Executor


def _environ(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(item.decode().split("=", 1) for item in raw if b"=" in item)


@pytest.mark.slow
@pytest.mark.parametrize("env, expected", [({}, "1"), ({"TF_ENABLE_ONEDNN_OPTS": "0"}, "0")],
                         ids=["default", "instructor-override"])
def test_the_referee_process_runs_with_onednn_on_unless_told_otherwise(tmp_path, env, expected):
    # without the sandbox the referee is the process itself, so its environment can be read from /proc
    with Executor(sandbox=False, env=env).start_service(tmp_path) as referee:
        assert referee.request({"kind": "ping"}, timeout=120) == {"ok": True}
        assert _environ(referee.pid)["TF_ENABLE_ONEDNN_OPTS"] == expected
