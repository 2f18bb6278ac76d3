"""``load(name)`` → ``(x_train, y_train), (x_test, y_test)``: uint8 images HxWxC, uint8 labels.

Like ``keras.datasets.<name>.load_data()`` but offline-first and verified (see ``fetch``).
"""

from __future__ import annotations

import numpy as np

from cnnkit.data import manifest
from cnnkit.data.cache import _stderr, fetch_arrays


def load(name: str, verbose: bool = True):
    """Verified ``(x_train, y_train), (x_test, y_test)`` of ``"fashion_mnist"``, ``"mnist"`` or ``"digits"``.

    Images are uint8 with a channel axis, ``(N, H, W, 1)``; a missing cache is filled from the
    offline sources first (messages go to stderr when ``verbose``).
    """
    name = manifest.canonical(name)
    if name == "digits":
        return _load_digits()
    arrays = fetch_arrays(name, log=_stderr if verbose else (lambda message: None), report_cached=False)
    return (
        (arrays["train-images-idx3-ubyte"][..., None], arrays["train-labels-idx1-ubyte"]),
        (arrays["t10k-images-idx3-ubyte"][..., None], arrays["t10k-labels-idx1-ubyte"]),
    )


def _load_digits():
    """scikit-learn's 8x8 digits, scaled 0..16 → 0..255 and split 1437/360 (stratified, fixed seed)."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    facts = manifest.entry("digits")["sklearn"]
    bunch = load_digits()
    # Pixels are ink counts 0..16 (8x8 blocks of the 32x32 originals); rescale to the 0..255 of the
    # 28x28 sets so one pipeline (x / 255) serves all datasets.
    x = np.round(bunch.images * (255.0 / 16.0)).astype(np.uint8)[..., None]
    y = bunch.target.astype(np.uint8)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=facts["test_size"], stratify=y, random_state=facts["seed"])
    return (x_train, y_train), (x_test, y_test)
