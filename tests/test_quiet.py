"""cnnkit.quiet: real Jupyter kernels start TensorFlow without its C++ log lines, and nothing else changes.

Each kernel test executes a small notebook with nbclient (ipykernel forwards the process's fd 2 into
the cell outputs, which is how the C++ lines reach students) and scans every output line.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from unittest import mock

import nbformat
import pytest
from nbclient import NotebookClient

from cnnkit.grading.executor import Executor, RunLimits

from cnnkit.quiet import STARTUP_MARKERS, filter_startup_lines, quiet_environment

#: what a student's notebook does after set-up: imports, a tiny fit, predict, XLA, a TF error
STUDENT_CELLS = [
    "import tensorflow as tf",
    "import keras\nimport numpy as np",
    textwrap.dedent("""\
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input((6, 6, 1)), keras.layers.Conv2D(2, 3),
                                  keras.layers.Flatten(), keras.layers.Dense(3, activation="softmax")])
        model.compile("sgd", "sparse_categorical_crossentropy")
        model.fit(np.zeros((8, 6, 6, 1), "float32"), np.zeros(8, "int32"), batch_size=8, epochs=1,
                  verbose=0)
        print("predicted", model.predict(np.zeros((2, 6, 6, 1), "float32"), verbose=0).shape)"""),
    "tf.function(lambda x: x * 2, jit_compile=True)(tf.ones(3)).numpy()",
    "tf.constant([1, 2]) + tf.constant([1, 2, 3])",
    "import sys\nprint('student print')\nprint('student stderr', file=sys.stderr)",
    "raise ValueError('student error')",
]


def _kernel_env(**extra):
    """The environment of a student's Jupyter: no TF_CPP_MIN_LOG_LEVEL (conftest sets one here), and
    no PYTEST_CURRENT_TEST, under which ipykernel stops forwarding fd 1/2 into the notebook.

    oneDNN is forced on: TensorFlow turns it on by default (and prints its notice) only on CPUs with
    AVX-512-class features, and the quiet tests must see the notice on every machine they run on."""
    env = {k: v for k, v in os.environ.items() if k not in ("TF_CPP_MIN_LOG_LEVEL", "PYTEST_CURRENT_TEST")}
    return {**env, "KERAS_BACKEND": "tensorflow", "TF_ENABLE_ONEDNN_OPTS": "1", **extra}


def _run_notebook(cells, env, grading=False):
    """Execute ``cells`` in a fresh python3 kernel; return one text line per output line, per cell.

    ``grading``: on the autograder's own kernel (``cnnkit.grading.kernel``, Keras preloaded as for an
    assignment that uses TensorFlow), outside the sandbox so the test needs no bubblewrap.
    """
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    if grading:
        with mock.patch.dict(os.environ, env, clear=True):  # the kernel inherits it, as in the grader
            nb = Executor(sandbox=False).run(nb, {}, RunLimits(), preload=("keras",)).nb
    else:
        NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True).execute(env=env)
    outputs = []
    for cell in nb.cells:
        lines = []
        for out in cell.outputs:
            if out.output_type == "stream":
                lines += [f"{out.name}: {line}" for line in out.text.splitlines()]
            elif out.output_type == "error":
                lines.append(f"error: {out.ename}: {out.evalue}")
            elif "text/plain" in out.get("data", {}):
                lines.append(f"result: {out.data['text/plain']}")
        outputs.append(lines)
    return outputs


def _startup_lines(outputs):
    return [line for cell in outputs for line in cell if any(m in line for m in STARTUP_MARKERS)]


def _assert_student_output_intact(outputs, first):
    """Student prints, stderr writes and exceptions still show (cells from ``first`` on)."""
    cells = outputs[first:]
    assert "stdout: predicted (2, 3)" in cells[2]
    assert cells[4][-1].startswith("error: InvalidArgumentError"), cells[4]
    assert cells[5] == ["stdout: student print", "stderr: student stderr"]
    assert cells[6] == ["error: ValueError: student error"]


@pytest.mark.slow
def test_control_kernel_shows_tensorflow_startup_lines():
    outputs = _run_notebook(STUDENT_CELLS, _kernel_env())
    seen = _startup_lines(outputs)
    assert any("absl::InitializeLog" in line for line in outputs[0]), outputs[0]
    assert any("oneDNN custom operations" in line for line in outputs[0]), outputs[0]
    assert seen, "the control kernel printed no TensorFlow C++ line: the quiet tests could not fail"
    _assert_student_output_intact(outputs, 0)


@pytest.mark.slow
def test_first_cell_quiet_tensorflow_silences_the_kernel():
    cells = ["from cnnkit.quiet import quiet_tensorflow\nquiet_tensorflow()", *STUDENT_CELLS]
    outputs = _run_notebook(cells, _kernel_env())
    assert _startup_lines(outputs) == []
    assert outputs[0] == [] and outputs[1] == []  # no Out[] value, and the later import prints nothing
    _assert_student_output_intact(outputs, 1)


@pytest.mark.slow
def test_grading_kernel_is_quiet_before_the_first_cell():
    """The grading kernel preloads Keras quietly (and quiet_environment() is its environment), so it is
    quiet even for a submission that never calls quiet_tensorflow()."""
    cells = ["import sys\nprint('tensorflow' in sys.modules, [n for n in dir() if 'quiet' in n])",
             *STUDENT_CELLS]
    outputs = _run_notebook(cells, _kernel_env(**quiet_environment()), grading=True)
    assert outputs[0] == ["stdout: True []"]  # imported at kernel start, nothing left in the namespace
    assert _startup_lines(outputs) == []
    _assert_student_output_intact(outputs, 1)


TRAIN = textwrap.dedent("""\
    import hashlib, sys, warnings
    from cnnkit.quiet import quiet_tensorflow
    if sys.argv[1] == "quiet":
        quiet_tensorflow()
    import keras
    if sys.argv[1] == "plain":  # too late: it must only warn, and change nothing
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            quiet_tensorflow()
        assert "restart the kernel and call quiet_tensorflow()" in str(caught[0].message), caught
    import numpy as np
    from tensorflow.python.util import _pywrap_util_port

    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x, y = rng.random((32, 12, 12, 1), dtype=np.float32), rng.integers(0, 3, 32)
    model = keras.Sequential([keras.Input((12, 12, 1)), keras.layers.Conv2D(4, 3),
                              keras.layers.BatchNormalization(), keras.layers.ReLU(),
                              keras.layers.MaxPooling2D(), keras.layers.Flatten(),
                              keras.layers.Dense(3, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(x, y, batch_size=16, epochs=1, verbose=0, shuffle=False)
    blob = b"".join(w.tobytes() for w in model.get_weights()) + model.predict(x[:8], verbose=0).tobytes()
    print(_pywrap_util_port.IsMklEnabled(), hashlib.sha256(blob).hexdigest())
""")


def _train(mode, **env):
    out = subprocess.run([sys.executable, "-c", TRAIN, mode], env=_kernel_env(**env), capture_output=True,
                         text=True, timeout=120, check=True)
    return out.stdout.split()


@pytest.mark.slow
def test_same_seed_same_weights_with_and_without_quiet():
    plain_onednn, plain = _train("plain")
    quiet_onednn, quiet = _train("quiet")
    assert (quiet_onednn, quiet) == (plain_onednn, plain) == ("True", plain)  # oneDNN untouched, bit-identical
    # control: the comparison does see the change the quiet set-up avoids (turning oneDNN off)
    assert _train("plain", TF_ENABLE_ONEDNN_OPTS="0") != [plain_onednn, plain]


def test_python_c_run_is_quiet_and_replays_other_fd2_lines():
    """A plain process: start-up lines gone; another fd-2 write made during the import still shows."""
    code = textwrap.dedent("""\
        import os, sys
        from cnnkit import quiet
        with quiet._fd2_captured(captured := quiet._Captured()):
            os.write(2, b"W0000 00:00:1795410171.811262    8736 port.cc:153] chatter\\nreal problem\\n")
        quiet._replay(captured.text)
        assert "tensorflow" not in sys.modules  # importing cnnkit.quiet does not load TensorFlow
        quiet.quiet_tensorflow()
        import tensorflow as tf
        tf.function(lambda x: x * 2, jit_compile=True)(tf.ones(3))
        print("done")
    """)
    out = subprocess.run([sys.executable, "-c", code], env=_kernel_env(), capture_output=True, text=True,
                         timeout=120, check=True)
    assert out.stdout == "done\n"
    assert out.stderr == "real problem\n"


# Lines TensorFlow 2.21 wrote to fd 2 in a kernel (recorded), and what else must pass through.
RECORDED = """\
WARNING: All log messages before absl::InitializeLog() is called are written to STDERR
I0000 00:00:1795410169.967920    8736 port.cc:153] oneDNN custom operations are on. You may see slightly different numerical results due to floating-point round-off errors from different computation orders. To turn them off, set the environment variable `TF_ENABLE_ONEDNN_OPTS=0`.
I0000 00:00:1795410170.001394    8736 cpu_feature_guard.cc:227] This TensorFlow binary is optimized to use available CPU instructions in performance-critical operations.
To enable the following instructions: AVX2 AVX512F AVX512_VNNI AVX512_BF16 AVX_VNNI FMA, in other operations, rebuild TensorFlow with the appropriate compiler flags.
W0000 00:00:1795410173.429345    8736 local_rendezvous.cc:412] Local rendezvous is aborting with status: INVALID_ARGUMENT
E0000 00:00:1721000000.000000    1234 cuda_dnn.cc:8310] Unable to register cuDNN factory: Attempting to register factory for plugin cuDNN when one has already been registered
"""


def test_filter_hides_startup_chatter_and_keeps_everything_else():
    kept, dropped = filter_startup_lines(RECORDED)
    assert kept == [] and len(dropped) == len(RECORDED.splitlines())
    real = ["E0000 00:00:1795410173.1    8736 op_kernel.cc:1818] OOM when allocating tensor",
            "Traceback (most recent call last):", "UserWarning: something the student should see",
            "F0000 00:00:1795410173.1    8736 check.cc:1] Check failed"]
    kept, dropped = filter_startup_lines("\n".join(real) + "\n\n")
    assert kept == real and dropped == []


def test_quiet_environment_never_lowers_a_stricter_level(monkeypatch):
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "3")
    assert quiet_environment() == {"TF_CPP_MIN_LOG_LEVEL": "3"}
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "0")
    assert quiet_environment() == {"TF_CPP_MIN_LOG_LEVEL": "2"}
    assert "TF_ENABLE_ONEDNN_OPTS" not in quiet_environment()
