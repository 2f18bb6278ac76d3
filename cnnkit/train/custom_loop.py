"""A ``strategy.run`` training loop (TensorFlow only), the path that works under ``MultiWorkerMirroredStrategy``.

Keras 3's ``fit`` fails across workers (keras-team/keras#20585), so each step here runs the forward
and backward pass per replica, scales the loss by the *global* batch (``tf.nn.compute_average_loss``)
and lets the Keras optimizer all-reduce the gradients in ``apply_gradients``; every worker ends each
step with the same weights.
"""

from __future__ import annotations

import logging

import numpy as np

logger = logging.getLogger(__name__)


def distributed_dataset(train, strategy, batch_size: int, seed, image_size=None):
    """``(x, y)`` → endless stream of full global batches, sharded by batch across workers.

    Returns ``(distributed dataset, full batches per pass)``; the second is ``None`` for a
    ``tf.data.Dataset`` input (its length is unknown). Every worker must shuffle alike (same seed),
    because each keeps only its share of the same sequence of batches.
    """
    import tensorflow as tf

    from cnnkit.train.training import as_dataset

    replicas = strategy.num_replicas_in_sync
    if batch_size % replicas:
        raise ValueError(f"the global batch size {batch_size} does not split evenly across {replicas} replicas; "
                         f"use a multiple of {replicas}")
    if seed is None and replicas > 1:
        raise ValueError("distributed training needs a seed (e.g. seed=0): every worker must shuffle the data "
                         "in the same order, since each keeps only its share of the batches")
    per_pass = None
    if not isinstance(train, tf.data.Dataset):
        per_pass = len(train[0]) // batch_size
        if per_pass == 0:
            raise ValueError(f"{len(train[0])} training examples are fewer than one global batch of {batch_size}; "
                             "lower the batch size")
    ds = as_dataset(train, batch_size, shuffle=True, seed=seed, image_size=image_size)
    # Full batches only, so every replica gets batch_size / replicas examples and the loss scale is exact.
    ds = ds.unbatch().batch(batch_size, drop_remainder=True).repeat().prefetch(tf.data.AUTOTUNE)
    options = tf.data.Options()
    # Array data has no files to split: shard the batches (each worker reads all, keeps its share).
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return strategy.experimental_distribute_dataset(ds.with_options(options)), per_pass


def train_custom_loop(model, strategy, train, *, epochs: int = 2, batch_size: int = 128,
                      steps_per_epoch: int | None = None, learning_rate: float = 1e-3, optimizer="adam",
                      seed: int | None = 0, verbose="auto", image_size=None):
    """Train ``model`` (built in ``strategy.scope()``) with sparse cross-entropy; returns ``(history, steps)``.

    ``history``: per-epoch ``loss`` and ``accuracy`` (global, identical on every worker).
    ``steps``: per-step ``loss`` (global) and ``worker_loss`` (mean over this worker's share of each
    batch, which differs between workers because each reads different examples).
    """
    import tensorflow as tf

    import keras

    from cnnkit.train.distribute import is_chief, make_optimizer, replica_state_sync
    from cnnkit.train.training import outputs_probabilities

    dataset, per_pass = distributed_dataset(train, strategy, int(batch_size), seed, image_size)
    steps_per_epoch = int(steps_per_epoch or per_pass or 0)
    if steps_per_epoch < 1:
        raise ValueError("steps_per_epoch is required (a positive number) when the data is a tf.data.Dataset")
    optimizer = model.optimizer if getattr(model, "optimizer", None) is not None else \
        make_optimizer(optimizer, learning_rate, strategy)
    if not optimizer.built:  # its slots must exist before tracing: creating them inside strategy.run fails
        with strategy.scope():
            optimizer.build(model.trainable_variables)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=not outputs_probabilities(model),
                                                         reduction=None)
    global_batch = int(batch_size)

    def replica_step(images, labels):
        labels = tf.cast(labels, tf.int32)
        with tf.GradientTape() as tape:
            outputs = model(images, training=True)
            per_example = loss_fn(labels, outputs)
            loss = tf.nn.compute_average_loss(per_example, global_batch_size=global_batch)
            if model.losses:  # weight regularisers: counted once over all replicas
                loss += tf.nn.scale_regularization_loss(tf.add_n(model.losses))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))  # all-reduces the gradients
        correct = tf.reduce_sum(tf.cast(tf.equal(tf.argmax(outputs, -1, output_type=tf.int32), labels), tf.float32))
        return loss, correct, tf.reduce_mean(per_example)

    @tf.function
    def train_step(iterator):
        images, labels = next(iterator)
        loss, correct, local = strategy.run(replica_step, args=(images, labels))
        total = tf.distribute.ReduceOp.SUM
        worker = tf.reduce_mean(tf.stack(strategy.experimental_local_results(local)))
        return strategy.reduce(total, loss, axis=None), strategy.reduce(total, correct, axis=None), worker

    sync_state = replica_state_sync(model, strategy)
    chief = is_chief(strategy)
    show = bool(chief and (verbose == "auto" or verbose))
    iterator = iter(dataset)
    history: dict[str, list[float]] = {"loss": [], "accuracy": []}
    steps: dict[str, list[float]] = {"loss": [], "worker_loss": []}
    for epoch in range(int(epochs)):
        if show:  # the same progress display as Keras fit (verbose=0 turns it off)
            print(f"Epoch {epoch + 1}/{epochs}")
        bar = keras.utils.Progbar(steps_per_epoch, stateful_metrics=["loss", "accuracy"]) if show else None
        losses, correct = [], 0.0
        for step in range(steps_per_epoch):
            loss, right, worker = (float(t) for t in train_step(iterator))
            losses.append(loss)
            correct += right
            steps["loss"].append(loss)
            steps["worker_loss"].append(worker)
            if bar is not None:
                bar.update(step + 1, [("loss", float(np.mean(losses))),
                                      ("accuracy", correct / ((step + 1) * global_batch))])
        sync_state()  # a collective: every worker calls it at the same point
        history["loss"].append(float(np.mean(losses)))
        history["accuracy"].append(correct / (steps_per_epoch * global_batch))
        logger.info("epoch %d/%d: loss %.4f, accuracy %.4f", epoch + 1, epochs, history["loss"][-1],
                    history["accuracy"][-1])
    return history, steps
