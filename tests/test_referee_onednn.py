"""The referee and the notebooks' kernels run with oneDNN on, on every CPU (TensorFlow turns it on by
default only on AVX-512-class CPUs; without it the referee's ``predict`` on the held-out images is several
times slower and the notebooks' tests about 10% slower). An instructor's ``env`` still wins."""

from __future__ import annotations

from pathlib import Path

import pytest
from nbformat.v4 import new_code_cell, new_notebook

from cnnkit.grading.executor import Executor, RunLimits


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


@pytest.mark.slow
@pytest.mark.parametrize("env, expected", [({}, "1"), ({"TF_ENABLE_ONEDNN_OPTS": "0"}, "0")],
                         ids=["default", "instructor-override"])
def test_a_notebook_kernel_runs_with_onednn_on_unless_told_otherwise(env, expected):
    nb = new_notebook(cells=[new_code_cell("import os; print(os.environ.get('TF_ENABLE_ONEDNN_OPTS'))")])
    done = Executor(sandbox=False, env=env).run(nb, {}, RunLimits(cell_timeout=60))
    assert "".join(o.get("text", "") for o in done.nb.cells[0].outputs).strip() == expected
