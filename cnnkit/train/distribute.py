"""Training under ``tf.distribute`` (TensorFlow backend only): one machine with several devices, or several machines.

``fit_distributed(build_model, (x, y), strategy="mirrored")`` builds the model inside the strategy's
scope and trains it:

* ``MirroredStrategy`` (one machine, every GPU, or the logical CPUs made by ``split_cpu``) goes
  through Keras ``model.fit``.
* ``MultiWorkerMirroredStrategy`` (machines listed in ``TF_CONFIG``) goes through the custom loop in
  ``cnnkit.train.custom_loop``: Keras 3's ``fit`` fails there with "Attempt to convert a value
  (PerReplica...) to a Tensor" (keras-team/keras#20585, open; ``fit`` tries to reduce an input batch
  with ``strategy.reduce`` to build the model, which the collective ops reject), and so do
  ``evaluate`` and ``predict``. ``DistributedFit.plain_model()`` gives a strategy-free copy for those.

Keras 3 creates BatchNormalization's moving statistics with ``aggregation="none"``, so each replica
keeps the statistics of its own share of the batch; ``replica_state_sync`` averages them (once per
epoch; the moving averages are linear, so this equals averaging every step).
"""

from __future__ import annotations

import json
import logging
import math
import os
import signal
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable

logger = logging.getLogger(__name__)

STRATEGIES = ("default", "mirrored", "multi-worker")

TF_CONFIG_EXAMPLE = ('{"cluster": {"worker": ["host1:12345", "host2:12345"]}, '
                     '"task": {"type": "worker", "index": 0}}')


def _tf():
    import tensorflow as tf

    import keras

    if keras.backend.backend() != "tensorflow":
        raise RuntimeError(f"cnnkit.train.distribute uses tf.distribute and needs KERAS_BACKEND=tensorflow "
                           f"(this process runs Keras on {keras.backend.backend()!r}); set the variable "
                           "before Python starts")
    return tf


def split_cpu(replicas: int = 2) -> list[str]:
    """Expose the CPU as ``replicas`` logical devices, so ``MirroredStrategy`` has replicas without GPUs.

    Must run before TensorFlow initialises its devices (first thing in a fresh process).
    Returns the logical CPU device names.
    """
    tf = _tf()
    if int(replicas) < 1:
        raise ValueError(f"replicas must be at least 1, got {replicas}")
    cpu = tf.config.list_physical_devices("CPU")[0]
    try:
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * int(replicas))
    except RuntimeError as exc:
        raise RuntimeError("split_cpu must run before TensorFlow initialises its devices (before any model, "
                           "tensor or strategy is created): call it first thing in a fresh process") from exc
    return [d.name for d in tf.config.list_logical_devices("CPU")]


def read_tf_config(environ=None) -> dict | None:
    """The parsed ``TF_CONFIG`` (cluster and this task), checked; ``None`` when the variable is unset."""
    raw = (os.environ if environ is None else environ).get("TF_CONFIG", "").strip()
    if not raw:
        return None
    try:
        config = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ValueError(f"TF_CONFIG is not valid JSON ({exc}); expected e.g. {TF_CONFIG_EXAMPLE}") from None
    workers = (config.get("cluster") or {}).get("worker") if isinstance(config, dict) else None
    task = config.get("task") if isinstance(config, dict) else None
    if not isinstance(workers, list) or not workers or not all(isinstance(w, str) and ":" in w for w in workers):
        raise ValueError(f'TF_CONFIG needs "cluster": {{"worker": ["host:port", ...]}}; expected e.g. {TF_CONFIG_EXAMPLE}')
    if not isinstance(task, dict) or task.get("type") not in ("worker", "chief"):
        raise ValueError(f'TF_CONFIG needs "task": {{"type": "worker", "index": i}}; expected e.g. {TF_CONFIG_EXAMPLE}')
    index = task.get("index")
    size = len(workers) if task["type"] == "worker" else len((config["cluster"].get("chief") or []))
    if not isinstance(index, int) or not 0 <= index < size:
        raise ValueError(f"TF_CONFIG task index {index!r} is not one of the {size} {task['type']} addresses "
                         f"in the cluster (0..{size - 1})")
    return config


@contextmanager
def _alarm_after(seconds: float | None):
    """Let the kernel end the process (SIGALRM, status 142) if the block runs longer than ``seconds``.

    A worker waiting for a peer that never starts blocks inside TensorFlow's C++ runtime: it ignores
    SIGTERM and Ctrl-C, runs no Python signal handler or thread, and TensorFlow's own cluster timeout
    is not reached there. SIGALRM's default action needs none of them. Main thread, POSIX only.
    """
    if not seconds or not hasattr(signal, "alarm") or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGALRM, signal.SIG_DFL)
    signal.alarm(max(1, math.ceil(seconds)))
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def make_strategy(strategy=None, peer_timeout: float | None = None):
    """A ``tf.distribute.Strategy`` from ``None``/``"default"``, ``"mirrored"``, ``"multi-worker"`` or an instance.

    ``"mirrored"`` uses every GPU, or every logical CPU when there is no GPU (see ``split_cpu``).
    ``"multi-worker"`` reads the cluster from ``TF_CONFIG`` (checked first) and waits for every worker
    to start: with ``peer_timeout`` seconds the process ends (SIGALRM, exit status 142) if they do not,
    instead of hanging. Create it before TensorFlow runs anything else in the process.
    """
    tf = _tf()
    if isinstance(strategy, tf.distribute.Strategy):
        return strategy
    name = "default" if strategy is None else str(strategy).strip().lower().replace("_", "-")
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        devices = tf.config.list_logical_devices("GPU") or tf.config.list_logical_devices("CPU")
        return tf.distribute.MirroredStrategy([d.name for d in devices])
    if name in ("multi-worker", "multiworker"):
        config = read_tf_config()
        if config is None:
            logger.warning("TF_CONFIG is not set: MultiWorkerMirroredStrategy runs as a single worker")
        else:
            task = config["task"]
            logger.info("worker %s of %s: waiting %s for the others", task["index"], config["cluster"]["worker"],
                        f"up to {peer_timeout:g} s" if peer_timeout else "without a time limit")
        with _alarm_after(peer_timeout):
            return tf.distribute.MultiWorkerMirroredStrategy()
    raise ValueError(f"unknown strategy {strategy!r}; use one of {', '.join(STRATEGIES)} "
                     "or pass a tf.distribute.Strategy")


def strategy_name(strategy) -> str:
    """The public class name (TensorFlow calls MultiWorkerMirroredStrategy ``CollectiveAllReduceStrategy``)."""
    return "MultiWorkerMirroredStrategy" if is_multi_worker(strategy) else type(strategy).__name__


def is_multi_worker(strategy) -> bool:
    """True for ``MultiWorkerMirroredStrategy`` (where Keras 3's ``fit`` does not work across workers)."""
    return isinstance(strategy, _tf().distribute.MultiWorkerMirroredStrategy)


def is_chief(strategy) -> bool:
    """True on the worker that should write results (worker 0, or the only process)."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not resolver.cluster_spec().as_dict():
        return True
    return resolver.task_type == "chief" or (resolver.task_type == "worker" and resolver.task_id == 0
                                              and "chief" not in resolver.cluster_spec().as_dict())


def worker_count(strategy) -> int:
    """How many worker processes train together (1 without a ``TF_CONFIG`` cluster)."""
    resolver = getattr(strategy, "cluster_resolver", None)
    spec = resolver.cluster_spec().as_dict() if resolver is not None else {}
    return max(1, sum(len(spec.get(job, ())) for job in ("chief", "worker")))


def task_index(strategy) -> int:
    """This worker's index in ``TF_CONFIG`` (0 without a cluster)."""
    resolver = getattr(strategy, "cluster_resolver", None)
    return int(resolver.task_id or 0) if resolver is not None and resolver.task_id is not None else 0


def build_in_scope(build_model: Callable, strategy):
    """Call ``build_model()`` inside ``strategy.scope()`` and check the variables really are distributed."""
    tf = _tf()
    if not callable(build_model) or hasattr(build_model, "weights"):
        raise TypeError("build_model must be a function that creates the model (e.g. lambda: SimpleCNN()), "
                        "not a model: the variables must be created inside the strategy's scope")
    with strategy.scope():
        model = build_model()
    if strategy is not tf.distribute.get_strategy() and model.weights:
        if not isinstance(model.weights[0].value, tf.distribute.DistributedValues):
            raise ValueError("build_model returned a model whose variables were created outside the strategy's "
                             "scope; create the model inside build_model instead of returning an existing one")
    return model


def replica_state_sync(model, strategy) -> Callable[[], None]:
    """A function averaging the floating non-trainable variables (BatchNorm moving statistics) over all replicas.

    Trainable variables stay identical through the all-reduced gradients; these are updated by each
    replica from its own share of the batch and would otherwise drift apart. Build it once, call it
    at the end of every epoch (on every worker: it is a collective).
    """
    tf = _tf()
    variables = [v for v in model.non_trainable_variables
                 if isinstance(v.value, tf.distribute.DistributedValues) and v.value.dtype.is_floating]
    if not variables or strategy.num_replicas_in_sync == 1:
        return lambda: None

    def average():
        context = tf.distribute.get_replica_context()
        means = context.all_reduce(tf.distribute.ReduceOp.MEAN, [tf.identity(v.value) for v in variables])
        for variable, mean in zip(variables, means):
            variable.value.assign(mean)

    @tf.function
    def sync():
        strategy.run(average)

    return sync


def make_optimizer(optimizer, learning_rate: float, strategy):
    """A Keras optimizer created inside ``strategy.scope()`` from a name or a zero-argument function."""
    import keras

    with strategy.scope():
        if isinstance(optimizer, str):
            return keras.optimizers.get({"class_name": optimizer, "config": {"learning_rate": learning_rate}})
        if isinstance(optimizer, keras.optimizers.Optimizer):
            if getattr(optimizer, "_distribution_strategy", strategy) is not strategy:
                raise ValueError("the optimizer was created outside the strategy's scope; pass its name "
                                 "(e.g. 'adam') or a function that creates it (e.g. lambda: keras.optimizers.SGD(0.1))")
            return optimizer
        if callable(optimizer):
            return optimizer()
    raise TypeError(f"optimizer must be a Keras optimizer name or a function returning one, got {optimizer!r}")


def _sync_callback(strategy):
    import keras

    class SyncReplicaState(keras.callbacks.Callback):
        """Keras callback: ``replica_state_sync`` at the end of every epoch."""

        def on_train_begin(self, logs=None):
            self.sync = replica_state_sync(self.model, strategy)

        def on_epoch_end(self, epoch, logs=None):
            self.sync()

    return SyncReplicaState()


@dataclass
class DistributedFit:
    """What ``fit_distributed`` returns: the model, per-epoch history, per-step losses and the strategy."""

    model: object
    history: dict[str, list[float]]
    strategy: object
    build_model: Callable
    steps: dict[str, list[float]] = field(default_factory=dict)
    loop: str = "fit"

    @property
    def replicas(self) -> int:
        return int(self.strategy.num_replicas_in_sync)

    @property
    def is_chief(self) -> bool:
        return is_chief(self.strategy)

    def plain_model(self):
        """A copy built outside any strategy with the trained weights (``predict``/``evaluate``/``save`` anywhere)."""
        copy = self.build_model()
        copy.set_weights(self.model.get_weights())
        return copy


def train_in_strategy(model, strategy, train, *, val=None, epochs: int = 2, batch_size: int = 128,
                      steps_per_epoch: int | None = None, learning_rate: float = 1e-3, optimizer="adam",
                      loop: str = "auto", seed: int | None = 0, verbose="auto", image_size=None, callbacks=()):
    """Train ``model`` (built by ``build_in_scope``) on ``(x, y)``; returns ``(history, steps, loop)``.

    ``batch_size`` is the global batch, split across the replicas. ``loop="auto"`` picks Keras
    ``fit`` except under ``MultiWorkerMirroredStrategy``, which needs ``"custom"`` (strategy.run).
    ``val`` and ``callbacks`` apply to the ``fit`` path only.
    """
    from cnnkit.train.history import history_dict

    if loop == "auto":
        loop = "custom" if is_multi_worker(strategy) else "fit"
    if loop not in ("fit", "custom"):
        raise ValueError(f"loop must be 'auto', 'fit' or 'custom', got {loop!r}")
    if loop == "fit" and is_multi_worker(strategy) and worker_count(strategy) > 1:
        raise ValueError("Keras 3's fit does not work under MultiWorkerMirroredStrategy (keras-team/keras#20585: "
                         "'Attempt to convert a value (PerReplica...) to a Tensor'); use loop='custom'")
    if loop == "custom":
        from cnnkit.train.custom_loop import train_custom_loop

        history, steps = train_custom_loop(model, strategy, train, epochs=epochs, batch_size=batch_size,
                                           steps_per_epoch=steps_per_epoch, learning_rate=learning_rate,
                                           optimizer=optimizer, seed=seed, verbose=verbose, image_size=image_size)
        return history, steps, loop

    from cnnkit.train.training import as_dataset, compile_classifier

    if not getattr(model, "compiled", False):
        with strategy.scope():  # the optimizer's variables must be mirrored too
            compile_classifier(model, optimizer=make_optimizer(optimizer, learning_rate, strategy))
    train_ds = as_dataset(train, batch_size, shuffle=True, seed=seed, image_size=image_size)
    val_ds = None if val is None else as_dataset(val, batch_size, shuffle=False, image_size=image_size)
    result = model.fit(train_ds, validation_data=val_ds, epochs=int(epochs), steps_per_epoch=steps_per_epoch,
                       verbose=verbose, callbacks=[_sync_callback(strategy), *(callbacks or ())], shuffle=False)
    return history_dict(result), {}, loop


def fit_distributed(build_model: Callable, train, *, strategy=None, val=None, epochs: int = 2,
                    batch_size: int = 128, steps_per_epoch: int | None = None, learning_rate: float = 1e-3,
                    optimizer="adam", loop: str = "auto", seed: int | None = 0, verbose="auto",
                    image_size=None, history_path=None, callbacks=(), peer_timeout: float | None = None,
                    ) -> DistributedFit:
    """Build ``build_model()`` in ``strategy``'s scope and train it on ``train`` (``(x, y)`` arrays).

    ``strategy``: ``None``, ``"mirrored"``, ``"multi-worker"`` (``TF_CONFIG``) or a ``tf.distribute.Strategy``.
    ``batch_size`` is global. Integer labels, sparse categorical cross-entropy; ``optimizer`` is a Keras
    name or a function returning an optimizer (called in the scope). A model compiled inside
    ``build_model`` keeps its compile settings on the ``fit`` path. ``peer_timeout``: see ``make_strategy``.
    Every worker of a multi-worker run calls this with the same arguments. TensorFlow backend only.
    """
    from cnnkit.train.history import save_history
    from cnnkit.train.seed import set_seed

    strategy = make_strategy(strategy, peer_timeout=peer_timeout)
    if seed is not None:
        set_seed(seed)
    model = build_in_scope(build_model, strategy)
    history, steps, used = train_in_strategy(model, strategy, train, val=val, epochs=epochs, batch_size=batch_size,
                                             steps_per_epoch=steps_per_epoch, learning_rate=learning_rate,
                                             optimizer=optimizer, loop=loop, seed=seed, verbose=verbose,
                                             image_size=image_size, callbacks=callbacks)
    if history_path is not None:
        save_history(history, history_path)
    return DistributedFit(model=model, history=history, strategy=strategy, build_model=build_model,
                          steps=steps, loop=used)
