"""Reproducibility: one call seeds Python, NumPy and the backend (``keras.utils.set_random_seed``)."""

from __future__ import annotations


def set_seed(seed: int = 0, deterministic_ops: bool = False) -> int:
    """Seed every generator Keras uses; ``deterministic_ops`` also makes TF kernels deterministic (slower)."""
    import keras

    keras.utils.set_random_seed(int(seed))
    if deterministic_ops:
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()
    return int(seed)
