"""Named, numpy-only preparations of an image set, so notebooks, calibration and the grader's referee
prepare held-out data the same way: scaling, resizing to a network's input, choosing classes."""

from __future__ import annotations

import numpy as np

__all__ = ["PREPROCESS", "RESIZE", "scale", "resize", "select_classes", "prepare"]

PREPROCESS = ("scale01", "none")
RESIZE = ("pad", "nearest")


def scale(images, preprocess: str = "scale01") -> np.ndarray:
    """uint8 images → float32: ``"scale01"`` divides by 255 (what the notebooks teach), ``"none"`` keeps 0–255."""
    if preprocess not in PREPROCESS:
        raise ValueError(f"preprocess {preprocess!r}: expected one of {PREPROCESS}")
    x = np.asarray(images, dtype="float32")
    if x.ndim == 3:
        x = x[..., None]
    return x / 255.0 if preprocess == "scale01" else x


def resize(images, size: int, mode: str = "pad") -> np.ndarray:
    """Square images to ``size``: ``"pad"`` adds zeros evenly (LeNet-5's 28 → 32, as in seed 002),
    ``"nearest"`` repeats pixels (integer factors, e.g. 28 → 56 for networks that downsample a lot)."""
    x = np.asarray(images)
    n = x.shape[1]
    if x.shape[1] != x.shape[2]:
        raise ValueError(f"resize: expected square images, got {x.shape[1]}x{x.shape[2]}")
    if size == n:
        return x
    if mode == "pad":
        extra = size - n
        if extra < 0 or extra % 2:
            raise ValueError(f"resize {n} → {size} by padding: the difference must be even and positive; "
                             "use mode='nearest' to grow by an integer factor")
        p = extra // 2
        return np.pad(x, ((0, 0), (p, p), (p, p), (0, 0))[: x.ndim])
    if mode == "nearest":
        if size % n:
            raise ValueError(f"resize {n} → {size} with 'nearest': {size} must be a multiple of {n}")
        k = size // n
        return x.repeat(k, axis=1).repeat(k, axis=2)
    raise ValueError(f"resize mode {mode!r}: expected one of {RESIZE}")


def select_classes(images, labels, classes):
    """The images of ``classes`` only, labels renumbered 0..len(classes)-1 in the order given
    (transfer learning: the five classes a backbone never saw become a five-way problem)."""
    labels = np.asarray(labels).reshape(-1)
    classes = [int(c) for c in classes]
    keep = np.isin(labels, classes)
    lookup = np.full(int(max(labels.max(), max(classes))) + 1, -1, dtype=np.int64)
    lookup[classes] = np.arange(len(classes))
    return np.asarray(images)[keep], lookup[labels[keep]].astype(labels.dtype)


def prepare(images, labels, *, preprocess: str = "scale01", image_size: int | None = None,
            resize_mode: str = "pad", classes=None):
    """``select_classes`` → ``resize`` → ``scale``: held-out data as a model expects it."""
    if classes is not None:
        images, labels = select_classes(images, labels, classes)
    if image_size is not None:
        images = resize(images, int(image_size), resize_mode)
    return scale(images, preprocess), np.asarray(labels)
