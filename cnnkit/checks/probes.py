"""Value probes: run two models with identical fixed weights on a fixed input and compare outputs.

Catches what a config comparison cannot (BN before or after ReLU, a forgotten activation) in both
training mode (batch statistics) and inference mode (moving statistics). The models are cloned,
so the student's trained weights are never touched.
"""

from __future__ import annotations

import numpy as np

from cnnkit.checks.messages import GradingError, fmt_shape

__all__ = ["fixed_input", "fixed_weights", "probe", "compare_probes"]


def fixed_input(shape, batch: int = 4, seed: int = 0) -> np.ndarray:
    """A deterministic batch of inputs of ``shape`` (without the batch axis), values in [0, 1]."""
    n = batch * int(np.prod(shape))
    values = 0.5 + 0.5 * np.sin(0.37 * np.arange(n) + 0.11 * seed + 0.05 * np.arange(n) ** 0.5)
    return values.reshape((batch, *shape)).astype("float32")


def _pattern(shape, index: int, name: str) -> np.ndarray:
    n = int(np.prod(shape)) if shape else 1
    base = np.sin(0.91 * np.arange(n) + 1.7 * index + 0.3)
    if "variance" in name:
        base = 0.5 + np.abs(base)
    elif "gamma" in name:
        base = 1.0 + 0.2 * base
    else:
        fan_in = max(1, n // int(shape[-1])) if shape else 1
        base = base / np.sqrt(fan_in)
    return base.reshape(shape).astype("float32")


def fixed_weights(model):
    """A clone of ``model`` whose every weight is set from a fixed pattern (by position and role)."""
    import keras

    clone = keras.models.clone_model(model)
    for i, var in enumerate(clone.weights):
        name = getattr(var, "path", var.name)
        var.assign(_pattern(tuple(var.shape), i, name))
    return clone


def probe(model, x=None, training: bool = False, batch: int = 4) -> np.ndarray:
    """Output of ``model`` (with fixed weights) on the fixed input ``x`` (default: :func:`fixed_input`)."""
    import keras

    if x is None:
        x = fixed_input(tuple(model.input.shape[1:]), batch)
    keras.utils.set_random_seed(0)
    out = fixed_weights(model)(x, training=training)
    return np.asarray(out)


def _has_dropout(model) -> bool:
    from cnnkit.checks.compare import layer_specs

    return any("Dropout" in s.kind for s in layer_specs(model))


def compare_probes(model, reference, modes=(False, True), atol: float = 1e-4, x=None):
    """Raise a :class:`GradingError` unless ``model`` and ``reference`` compute the same function
    with the same fixed weights, in inference (``False``) and training (``True``) mode.

    Training mode is skipped for models with dropout (its masks are random).
    """
    got_w = [tuple(v.shape) for v in model.weights]
    ref_w = [tuple(v.shape) for v in reference.weights]
    if got_w != ref_w:
        raise GradingError("weights", ", ".join(fmt_shape(s) for s in ref_w),
                           ", ".join(fmt_shape(s) for s in got_w),
                           "the layers differ; run compare_architecture(model, reference) to see where")
    if x is None:
        x = fixed_input(tuple(reference.input.shape[1:]))
    for training in modes:
        if training and (_has_dropout(reference) or _has_dropout(model)):
            continue
        ref_out, got_out = probe(reference, x, training), probe(model, x, training)
        mode = "training mode" if training else "inference mode"
        if ref_out.shape != got_out.shape or not np.allclose(ref_out, got_out, atol=atol, rtol=1e-4):
            diff = (float(np.max(np.abs(ref_out - got_out))) if ref_out.shape == got_out.shape
                    else float("nan"))
            raise GradingError(f"output with fixed weights ({mode})",
                               np.array2string(ref_out[0].ravel()[:4], precision=4),
                               np.array2string(got_out[0].ravel()[:4], precision=4),
                               f"largest difference {diff:.3g}: the layers have the right shapes but compute "
                               "something else — check the order (convolution → batch norm → ReLU → pool) "
                               "and the activations")
    return None
