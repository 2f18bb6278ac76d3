"""tf.distribute training (cnnkit.train.distribute): MirroredStrategy through fit on two logical CPUs, and
two real MultiWorkerMirroredStrategy workers on loopback running the strategy.run loop via ``cnnkit train``.

Every TensorFlow run happens in a fresh subprocess: logical devices and the multi-worker runtime must be
set up before TensorFlow initialises, which the pytest process (shared with other tests) may already have done.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time

import numpy as np
import pytest

from cnnkit.cli import main
from cnnkit.train.distribute import read_tf_config

pytestmark = pytest.mark.slow

DEADLINE_S = 150  # hard bound on a multi-worker run; a worker whose peer is gone hangs and ignores SIGTERM

MIRRORED_SCRIPT = r"""
import json, sys
from cnnkit.train.distribute import split_cpu, fit_distributed
devices = split_cpu(2)  # before TensorFlow initialises its devices
from cnnkit.data import load
from cnnkit.models import SimpleCNN
(x, y), _ = load("digits")
result = {"devices": devices}
for loop in ("fit", "custom"):
    run = fit_distributed(lambda: SimpleCNN(input_shape=x.shape[1:], classes=10, filters=(8, 16)), (x, y),
                          strategy="mirrored", loop=loop, epochs=3, batch_size=64, steps_per_epoch=5,
                          learning_rate=3e-3, verbose=0)
    variables = []
    for v in run.model.weights:
        copies = [c.numpy() for c in v.value.values]
        variables.append({"path": v.path, "type": type(v.value).__name__, "trainable": v.trainable,
                          "devices": [c.device for c in v.value.values],
                          "copies_equal": all(c.tobytes() == copies[0].tobytes() for c in copies)})
    result[loop] = {"replicas": run.replicas, "loop": run.loop, "history": run.history, "variables": variables}
json.dump(result, sys.stdout)
"""


def _env(**extra):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", KERAS_BACKEND="tensorflow")
    env.pop("TF_CONFIG", None)
    return {**env, **extra}


def test_mirrored_strategy_fit_on_two_logical_cpus():
    proc = subprocess.run([sys.executable, "-c", MIRRORED_SCRIPT], env=_env(), capture_output=True, text=True,
                          timeout=DEADLINE_S)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout)
    assert [d.rsplit(":", 2)[-2:] for d in result["devices"]] == [["CPU", "0"], ["CPU", "1"]]
    for loop in ("fit", "custom"):
        run = result[loop]
        assert run["replicas"] == 2 and run["loop"] == loop
        loss = run["history"]["loss"]
        assert len(loss) == 3 and loss[-1] < 0.8 * loss[0], (loop, loss)
        # Every variable (BatchNorm moving statistics included) has one copy per logical CPU, all equal.
        assert run["variables"] and all(v["type"] == "MirroredVariable" for v in run["variables"])
        assert all([d[-5:] for d in v["devices"]] == ["CPU:0", "CPU:1"] for v in run["variables"])
        unequal = [v["path"] for v in run["variables"] if not v["copies_equal"]]
        assert not unequal, f"{loop}: replicas disagree on {unequal}"
        assert any("moving_mean" in v["path"] and not v["trainable"] for v in run["variables"])


def _free_ports(n):
    sockets = [socket.socket() for _ in range(n)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def _group_alive(pgid):
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _run_workers(commands, envs, deadline_s):
    """Start every worker at once, each in its own session; SIGKILL all groups at the deadline or on error."""
    procs = []
    try:
        for cmd, env in zip(commands, envs):
            procs.append(subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                          text=True, start_new_session=True))
        end = time.monotonic() + deadline_s
        outputs = []
        for proc in procs:
            try:
                outputs.append(proc.communicate(timeout=max(1.0, end - time.monotonic()))[0])
            except subprocess.TimeoutExpired:
                pytest.fail(f"multi-worker run passed its {deadline_s} s deadline; workers killed")
        return [p.returncode for p in procs], outputs
    finally:
        for proc in procs:
            if proc.poll() is None or _group_alive(proc.pid):
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            proc.wait()
            if proc.stdout:
                proc.stdout.close()
        assert not any(_group_alive(p.pid) for p in procs), "a worker process survived"


def test_two_workers_on_loopback_end_with_identical_weights(tmp_path):
    ports = _free_ports(2)
    cluster = {"worker": [f"localhost:{p}" for p in ports]}
    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "cnnkit", "train", "SimpleCNN", "--dataset", "digits", "--strategy",
           "multi-worker", "--epochs", "3", "--steps-per-epoch", "4", "--batch-size", "64",
           "--learning-rate", "3e-3", "--peer-timeout", str(DEADLINE_S - 30), "--out", str(out)]
    envs = [_env(TF_CONFIG=json.dumps({"cluster": cluster, "task": {"type": "worker", "index": i}}))
            for i in range(2)]
    codes, outputs = _run_workers([cmd, cmd], envs, DEADLINE_S)
    assert codes == [0, 0], "\n\n".join(o[-3000:] for o in outputs)
    assert "MultiWorkerMirroredStrategy: 2 replicas in sync" in outputs[0]
    assert "the strategy.run loop on 2 replicas" in outputs[1]

    dirs = [out, out / "worker-1"]  # worker 0 (chief) writes --out, worker 1 its own sub-folder
    weights = [np.load(d / "weights.npz") for d in dirs]
    assert sorted(weights[0].files) == sorted(weights[1].files) and "bn1/moving_mean" in weights[0].files
    for name in weights[0].files:
        a, b = weights[0][name], weights[1][name]
        assert a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes(), f"{name} differs"

    steps = [json.loads((d / "steps.json").read_text()) for d in dirs]
    assert steps[0]["loss"] == steps[1]["loss"] and len(steps[0]["loss"]) == 12
    # Each worker trained on its own shard of every batch; the global loss is the mean of the two.
    assert steps[0]["worker_loss"] != steps[1]["worker_loss"]
    mean = (np.array(steps[0]["worker_loss"]) + np.array(steps[1]["worker_loss"])) / 2
    np.testing.assert_allclose(steps[0]["loss"], mean, rtol=1e-5)

    loss = json.loads((out / "history.json").read_text())["loss"]
    assert len(loss) == 3 and loss[0] > loss[1] > loss[2] and loss[2] < 0.75 * loss[0], loss
    metrics = [json.loads((d / "metrics.json").read_text()) for d in dirs]
    assert metrics[0]["accuracy"] == metrics[1]["accuracy"]


def test_worker_whose_peer_never_starts_ends_at_the_peer_timeout(tmp_path):
    # Without --peer-timeout this worker would wait forever, ignoring SIGTERM; SIGALRM ends it.
    ports = _free_ports(2)
    config = {"cluster": {"worker": [f"localhost:{p}" for p in ports]}, "task": {"type": "worker", "index": 1}}
    cmd = [sys.executable, "-m", "cnnkit", "train", "SimpleCNN", "--dataset", "digits", "--strategy",
           "multi-worker", "--peer-timeout", "2", "--out", str(tmp_path / "run")]
    codes, outputs = _run_workers([cmd], [_env(TF_CONFIG=json.dumps(config))], DEADLINE_S)
    assert codes == [-signal.SIGALRM], outputs[0][-3000:]  # the shell reports status 142, "Alarm clock"
    assert "waiting up to 2 s for every worker to start" in outputs[0]
    assert not (tmp_path / "run").exists()


def test_tf_config_is_checked_before_tensorflow_starts(tmp_path, capsys, monkeypatch):
    assert read_tf_config({}) is None
    good = {"cluster": {"worker": ["a:1", "b:2"]}, "task": {"type": "worker", "index": 1}}
    assert read_tf_config({"TF_CONFIG": json.dumps(good)}) == good
    bad = {
        "{oops": "not valid JSON",
        json.dumps({"task": {"type": "worker", "index": 0}}): '"cluster": {"worker"',
        json.dumps({"cluster": {"worker": ["a:1"]}}): '"task": {"type": "worker"',
        json.dumps({**good, "task": {"type": "worker", "index": 2}}): "task index 2 is not one of the 2",
    }
    for raw, message in bad.items():
        with pytest.raises(ValueError, match="TF_CONFIG") as info:
            read_tf_config({"TF_CONFIG": raw})
        assert message in str(info.value)
    monkeypatch.setenv("TF_CONFIG", "{oops")
    assert main(["train", "SimpleCNN", "--strategy", "multi-worker", "--out", str(tmp_path)]) == 2
    assert "TF_CONFIG is not valid JSON" in capsys.readouterr().err
