"""Cross-check an answer key against Keras: build the question's layers on a ``keras.Input``
(symbolic, fast) and compare output shapes, ``count_params()`` and the shapes behind MACs.

The receptive field is checked empirically: a stack of all-ones convolutions (average pooling for
pooling) is differentiated and the extent of the input pixels one output unit depends on is counted.
"""

from __future__ import annotations

import math

from cnnkit.quiz import layers as L
from cnnkit.quiz.errors import QuizError
from cnnkit.quiz.question import Question

__all__ = ["verify", "build"]


def build(input_shape, specs):
    """Call each spec's Keras layers in turn; returns [(keras layers, in shape, out shape)] per spec."""
    import keras

    x = keras.Input(tuple(input_shape))
    built = []
    for spec in specs:
        ks = L.keras_layers(spec)
        shape_in = tuple(x.shape[1:])
        for layer in ks:
            x = layer(x)
        built.append((ks, shape_in, tuple(x.shape[1:])))
    return built


def _mismatch(q: Question, what: str, ours, keras_value) -> QuizError:
    return QuizError(f"{q.family} ({q.level}) key mismatch: cnnkit.analysis gives {what} {ours}, "
                     f"Keras builds {keras_value} — {q.plain_text()}")


def _check_shapes(q, built, specs):
    shape = q.input_shape
    for spec, (_, k_in, k_out) in zip(specs, built):
        ours = L.output_shape(spec, shape)
        if ours != k_out:
            raise _mismatch(q, f"{L.describe(spec)} → shape", L.fmt_shape(ours), L.fmt_shape(k_out))
        shape = ours


def _verify_shape(q):
    built = build(q.input_shape, q.layers)
    _check_shapes(q, built, q.layers)
    if built[-1][2] != q.answer:
        raise _mismatch(q, "shape", L.fmt_shape(q.answer), L.fmt_shape(built[-1][2]))


def _verify_params(q):
    built = build(q.input_shape, q.layers)
    if q.meta.get("ask") == "trainable":
        n = sum(math.prod(w.shape) for ks, _, _ in built[-1:] for layer in ks for w in layer.trainable_weights)
    else:
        n = sum(layer.count_params() for ks, _, _ in built for layer in ks)
    if n != q.answer:
        raise _mismatch(q, "parameters", q.answer, n)


def _keras_macs(q, specs):
    """MACs from cnnkit.analysis applied to the shapes Keras built (after checking those shapes)."""
    built = build(q.input_shape, specs)
    _check_shapes(q, built, specs)
    return sum(L.macs(spec, k_in, k_out) for spec, (_, k_in, k_out) in zip(specs, built))


def _verify_macs(q):
    n = _keras_macs(q, q.layers)
    if n != q.answer:
        raise _mismatch(q, "MACs", q.answer, n)


def _verify_inception(q):
    from cnnkit.quiz.families.inception_cost import paths

    branch = paths(q.meta["kernel"], q.meta["filters"], q.meta["reduce"])
    naive, reduced = _keras_macs(q, branch["naive"]), _keras_macs(q, branch["reduced"])
    n = {"naive": naive, "reduced": reduced, "saving": naive - reduced}[q.meta["ask"]]
    if n != q.answer:
        raise _mismatch(q, "MACs", q.answer, n)


def _verify_receptive(q):
    import keras
    import numpy as np
    import tensorflow as tf

    n = 2 * int(q.answer) + 1  # large enough for one "valid" unit whatever the stride
    x = keras.Input((n, n, 1))
    y = x
    for spec in q.layers:
        spec = L.normalize(spec)
        if spec["type"] == "conv":
            y = keras.layers.Conv2D(1, spec["kernel"], spec["stride"], "valid", dilation_rate=spec["dilation"],
                                    use_bias=False, kernel_initializer="ones")(y)
        else:  # max and average pooling share a field; average pooling passes gradient to all of it
            y = keras.layers.AveragePooling2D(spec["pool"], spec["stride"], "valid")(y)
    model = keras.Model(x, y)
    image = tf.ones((1, n, n, 1))
    with tf.GradientTape() as tape:
        tape.watch(image)
        unit = model(image)[0, 0, 0, 0]
    grad = tape.gradient(unit, image).numpy()[0, :, :, 0]
    rows = np.flatnonzero(np.abs(grad).sum(axis=1))
    extent = int(rows[-1] - rows[0] + 1)
    if extent != q.answer:
        raise _mismatch(q, "receptive field", q.answer, f"a gradient extent of {extent} pixels")


def _verify_no_params(q):
    built = build(q.input_shape, q.layers)
    free = tuple(i for i, (ks, _, _) in enumerate(built, 1) if sum(layer.count_params() for layer in ks) == 0)
    if free != q.answer:
        raise _mismatch(q, "parameter-free layers", q.answer, free)


_CHECKS = {"shape": _verify_shape, "params": _verify_params, "macs": _verify_macs,
           "inception": _verify_inception, "receptive": _verify_receptive, "no_params": _verify_no_params}


def verify(question: Question) -> None:
    """Raise QuizError when Keras disagrees with the key."""
    try:
        check = _CHECKS[question.check]
    except KeyError:
        raise QuizError(f"{question.family}: no Keras cross-check named {question.check!r}") from None
    check(question)
