"""``tf.data`` pipelines for image classification: normalise, shuffle, batch, cache, prefetch, augment."""

from __future__ import annotations

import numpy as np
import tensorflow as tf
import keras


def normalize(images):
    """uint8 0..255 → float32 0..1 (the input scale every cnnkit model is trained on)."""
    return tf.cast(images, tf.float32) / 255.0


def augmentation(flip: bool = False, translate: float = 0.1, rotate: float = 0.0,
                 zoom: float = 0.0, seed: int | None = None) -> keras.Sequential:
    """Keras preprocessing layers for training-time augmentation (no flips by default: digits)."""
    steps = []
    if flip:
        steps.append(keras.layers.RandomFlip("horizontal", seed=seed))
    if translate:
        steps.append(keras.layers.RandomTranslation(translate, translate, fill_mode="constant", seed=seed))
    if rotate:
        steps.append(keras.layers.RandomRotation(rotate, fill_mode="constant", seed=seed))
    if zoom:
        steps.append(keras.layers.RandomZoom(zoom, fill_mode="constant", seed=seed))
    return keras.Sequential(steps, name="augmentation")


def train_val_split(x, y, val_fraction: float = 0.1, seed: int = 0):
    """Deterministic shuffled split of arrays: ``(x_train, y_train), (x_val, y_val)``."""
    if not 0 < val_fraction < 1:
        raise ValueError(f"val_fraction must be between 0 and 1, got {val_fraction}")
    order = np.random.default_rng(seed).permutation(len(x))
    n_val = max(1, int(round(len(x) * val_fraction)))
    val, train = order[:n_val], order[n_val:]
    return (x[train], y[train]), (x[val], y[val])


def make_dataset(data, y=None, batch_size: int = 128, shuffle: bool = False, seed: int | None = None,
                 augment=None, cache: bool = True, prefetch: bool = True,
                 normalize_images: bool = True, image_size=None) -> tf.data.Dataset:
    """Batched ``(image, label)`` dataset from arrays ``(x, y)`` or an unbatched ``tf.data.Dataset``.

    Order: cache (raw uint8, small) → shuffle → batch → normalise/resize → augment → prefetch.
    ``augment`` is a Keras layer/Sequential (e.g. ``augmentation()``), run with ``training=True``.
    """
    if isinstance(data, tf.data.Dataset):
        ds = data
    else:
        x = np.asarray(data)
        if x.ndim == 3:  # (N, H, W) → (N, H, W, 1)
            x = x[..., None]
        ds = tf.data.Dataset.from_tensor_slices(x if y is None else (x, np.asarray(y)))
    if cache:
        ds = ds.cache()
    if shuffle:
        ds = ds.shuffle(int(ds.cardinality()) if ds.cardinality() > 0 else 10_000, seed=seed,
                        reshuffle_each_iteration=True)
    ds = ds.batch(batch_size)

    def prepare(images, *labels):
        images = normalize(images) if normalize_images else tf.cast(images, tf.float32)
        if image_size is not None:
            size = (image_size, image_size) if isinstance(image_size, int) else tuple(image_size)
            images = tf.image.resize(images, size)
        if augment is not None:
            images = augment(images, training=True)
        return (images, *labels) if labels else images

    ds = ds.map(prepare, num_parallel_calls=tf.data.AUTOTUNE)
    return ds.prefetch(tf.data.AUTOTUNE) if prefetch else ds
