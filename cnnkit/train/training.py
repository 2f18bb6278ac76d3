"""compile/fit with course defaults: Adam, sparse cross-entropy, accuracy, Keras progress bar, JSON history."""

from __future__ import annotations

from pathlib import Path

import keras

from cnnkit.train.history import save_history


def outputs_probabilities(model) -> bool:
    """True when the last layer ends in softmax/sigmoid (so the loss must not expect logits)."""
    last = model.layers[-1]
    activation = getattr(last, "activation", None)
    name = getattr(activation, "__name__", str(activation or ""))
    return name in {"softmax", "sigmoid"} or type(last).__name__ == "Softmax"


def compile_classifier(model, learning_rate: float = 1e-3, optimizer="adam", metrics=("accuracy",),
                       from_logits: bool | None = None):
    """Compile for integer labels: ``optimizer`` (name or instance), sparse categorical cross-entropy.

    ``from_logits`` defaults to whether the model's head lacks a softmax
    (``classifier_activation=None`` in the keras.applications signature).
    """
    if isinstance(optimizer, str):
        optimizer = keras.optimizers.get({"class_name": optimizer, "config": {"learning_rate": learning_rate}})
    if from_logits is None:
        from_logits = not outputs_probabilities(model)
    model.compile(
        optimizer=optimizer,
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=from_logits),
        metrics=list(metrics),
    )
    return model


def as_dataset(data, batch_size: int, shuffle: bool, seed=None, augment=None, image_size=None):
    """Arrays ``(x, y)`` (uint8 or float) → normalised batched tf.data; a tf.data.Dataset passes through."""
    import tensorflow as tf

    if isinstance(data, tf.data.Dataset):
        return data
    from cnnkit.data.pipeline import make_dataset

    x, y = data
    return make_dataset(x, y, batch_size=batch_size, shuffle=shuffle, seed=seed, augment=augment,
                        normalize_images=x.dtype == "uint8", image_size=image_size)


def fit(model, train, val=None, epochs: int = 2, batch_size: int = 128, history_path=None,
        verbose="auto", callbacks=None, seed: int | None = 0, augment=None, image_size=None,
        learning_rate: float = 1e-3):
    """Train ``model`` on ``train`` (``(x, y)`` arrays or a batched tf.data.Dataset) with a progress bar.

    An uncompiled model gets ``compile_classifier(model, learning_rate)``. uint8 images are scaled
    to 0..1 here. The per-epoch history goes to ``history_path`` (JSON) when given.
    Returns the Keras ``History``.
    """
    if not getattr(model, "compiled", False):
        compile_classifier(model, learning_rate=learning_rate)
    train_ds = as_dataset(train, batch_size, shuffle=True, seed=seed, augment=augment, image_size=image_size)
    val_ds = None if val is None else as_dataset(val, batch_size, shuffle=False, image_size=image_size)
    history = model.fit(train_ds, validation_data=val_ds, epochs=int(epochs), verbose=verbose,
                        callbacks=list(callbacks or []), shuffle=False)  # the pipeline already shuffles
    if history_path is not None:
        save_history(history, Path(history_path))
    return history
