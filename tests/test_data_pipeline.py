"""cnnkit.data pipelines: normalise, shuffle (seeded), batch, augment, resize; deterministic splits."""

import numpy as np
import pytest

import cnnkit.data as cdata


@pytest.fixture(scope="module")
def digits():
    return cdata.load("digits")


def test_make_dataset_normalises_and_batches(digits):
    (x, y), _ = digits
    batches = list(cdata.make_dataset(x[:100], y[:100], batch_size=32).as_numpy_iterator())
    assert [len(b[1]) for b in batches] == [32, 32, 32, 4]
    images, labels = batches[0]
    assert images.dtype == np.float32 and images.shape == (32, 8, 8, 1)
    assert np.allclose(images, x[:32] / 255.0) and np.array_equal(labels, y[:32])


def test_shuffle_is_seeded_and_keeps_pairs(digits):
    (x, y), _ = digits
    def first_epoch(seed):
        return next(cdata.make_dataset(x[:64], y[:64], batch_size=64, shuffle=True, seed=seed).as_numpy_iterator())
    a, b, c = first_epoch(3), first_epoch(3), first_epoch(4)
    assert np.array_equal(a[1], b[1]) and not np.array_equal(a[1], c[1])
    assert not np.array_equal(a[1], y[:64]) and sorted(a[1]) == sorted(y[:64])
    lookup = {(x[i] / 255.0).astype(np.float32).tobytes(): y[i] for i in range(64)}
    assert all(lookup[image.tobytes()] == label for image, label in zip(*a))


def test_augmentation_and_resize(digits):
    (x, y), _ = digits
    augment = cdata.augmentation(flip=True, translate=0.2, seed=1)
    images, _ = next(cdata.make_dataset(x[:16], y[:16], batch_size=16, augment=augment).as_numpy_iterator())
    assert images.shape == (16, 8, 8, 1) and not np.allclose(images, x[:16] / 255.0)
    assert 0.0 <= images.min() and images.max() <= 1.0
    resized = next(cdata.make_dataset(x[:4], batch_size=4, image_size=32).as_numpy_iterator())
    assert resized.shape == (4, 32, 32, 1)


def test_train_val_split_is_deterministic_and_disjoint():
    x = np.arange(100)
    (a, _), (va, _) = cdata.train_val_split(x, x, 0.2, seed=5)
    (b, _), (vb, _) = cdata.train_val_split(x, x, 0.2, seed=5)
    assert len(va) == 20 and np.array_equal(va, vb) and np.array_equal(a, b)
    assert sorted(np.concatenate([a, va]).tolist()) == list(range(100))
    with pytest.raises(ValueError, match="between 0 and 1"):
        cdata.train_val_split(x, x, 1.5)
