"""``cnnkit train --strategy mirrored|multi-worker``: the training steps under a ``tf.distribute`` strategy.

The strategy starts first (``MultiWorkerMirroredStrategy`` must exist before TensorFlow runs anything),
the model is built in its scope, and evaluation and saving use a strategy-free copy of the trained
weights (Keras 3's ``predict`` fails under multi-worker, keras-team/keras#20585). Every worker runs
these steps; worker 0 writes to ``--out``, worker *i* to ``--out/worker-i``, each with its weights.
"""

from __future__ import annotations

import json
from functools import partial

import numpy as np

from cnnkit.train.run import Step, TrainRun, _input_shape, evaluate, load_data, print_summary, save


def start_strategy(run: TrainRun) -> None:
    """``make_strategy(run.strategy)``; non-chief workers write under ``out/worker-<index>``."""
    from cnnkit.train.distribute import DistributedFit, is_chief, make_strategy, strategy_name, task_index

    if run.strategy == "multi-worker":
        from cnnkit.train.distribute import read_tf_config

        config = read_tf_config()
        if config:
            limit = f"up to {run.peer_timeout:g} s" if run.peer_timeout else "without a time limit"
            run.log(f"worker {config['task']['index']} of {', '.join(config['cluster']['worker'])}: waiting {limit} "
                    "for every worker to start (kill -9 stops a waiting worker; Ctrl-C does not)")
    strategy = make_strategy(run.strategy, peer_timeout=run.peer_timeout)
    run.distributed = DistributedFit(model=None, history={}, strategy=strategy, build_model=None)
    where = ""
    if not is_chief(strategy):
        run.out = run.out / f"worker-{task_index(strategy)}"
        where = f"; this worker writes to {run.out}"
    run.log(f"{strategy_name(strategy)}: {strategy.num_replicas_in_sync} replicas in sync{where}")


def build_in_strategy(run: TrainRun) -> None:
    """``cnnkit.models.get(model_name)`` built inside the strategy's scope (mirrored variables)."""
    from cnnkit.models import get
    from cnnkit.train.distribute import build_in_scope
    from cnnkit.train.seed import set_seed

    set_seed(run.seed)
    dist = run.distributed
    dist.build_model = partial(get, run.model_name, input_shape=_input_shape(run), classes=len(run.class_names))
    run.model = dist.model = build_in_scope(dist.build_model, dist.strategy)
    run.log(f"{run.model.name}: {run.model.count_params():,} parameters, built in the strategy's scope")


def train_distributed(run: TrainRun) -> None:
    """``fit`` (mirrored) or the ``strategy.run`` loop (multi-worker); history, per-step losses and weights saved."""
    from cnnkit.train.distribute import train_in_strategy
    from cnnkit.train.history import save_history

    dist = run.distributed
    dist.history, dist.steps, dist.loop = train_in_strategy(
        run.model, dist.strategy, run.train, val=run.val, epochs=run.epochs, batch_size=run.batch_size,
        steps_per_epoch=run.steps_per_epoch, learning_rate=run.learning_rate, seed=run.seed,
        verbose=run.verbose, image_size=run.image_size)
    run.history = dist.history
    out = run.out
    out.mkdir(parents=True, exist_ok=True)
    run.artifacts["history"] = save_history(run.history, out / "history.json")
    if dist.steps:
        run.artifacts["steps"] = out / "steps.json"
        run.artifacts["steps"].write_text(json.dumps(dist.steps, indent=2) + "\n", encoding="utf-8")
    # Every worker's copy of the weights, to check they agree (they should, bit for bit).
    run.artifacts["weights"] = out / "weights.npz"
    np.savez(run.artifacts["weights"], **{v.path: np.asarray(v.numpy()) for v in run.model.weights})
    run.log(f"trained with {'Keras fit' if dist.loop == 'fit' else 'the strategy.run loop'} on "
            f"{dist.replicas} replicas")
    run.model = dist.plain_model()  # evaluate and save without the strategy


DISTRIBUTED_STEPS = [
    Step("start the tf.distribute strategy", start_strategy),
    Step("load data", load_data),
    Step("build the model in the strategy's scope", build_in_strategy),
    Step("analysis table", print_summary),
    Step("train on every replica", train_distributed),
    Step("evaluate on the test set", evaluate),
    Step("save results", save),
]
