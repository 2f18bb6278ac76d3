"""Every zoo builder of part 1 survives model.save("x.keras") / keras.models.load_model with
identical predictions (custom layers included: LRN in AlexNet, option-A shortcuts in ResNetCIFAR)."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from cnnkit import models  # noqa: E402

CASES = [
    ("SimpleCNN", {}, (28, 28, 1)),
    ("LeNet5", {}, (32, 32, 1)),
    ("AlexNet", {}, (67, 67, 3)),
    ("VGG11", {"batch_norm": True}, (32, 32, 3)),
    ("ResNet18", {}, (28, 28, 1)),
    ("ResNet18V2", {}, (28, 28, 1)),
    ("ResNet50", {}, (32, 32, 3)),
    ("ResNet50V2", {}, (32, 32, 3)),
    ("ResNetCIFAR", {"depth": 8, "shortcut": "A"}, (16, 16, 3)),
    ("ResNetCIFAR", {"depth": 8, "shortcut": "B", "preactivation": True}, (16, 16, 3)),
    ("WideResNet", {"depth": 10, "width": 2, "dropout_rate": 0.3}, (16, 16, 3)),
]


@pytest.mark.parametrize("name,kwargs,shape", CASES,
                         ids=[f"{n}-{'-'.join(f'{k}={v}' for k, v in kw.items())}" for n, kw, _ in CASES])
def test_save_load_gives_identical_predictions(name, kwargs, shape, tmp_path):
    keras.backend.clear_session()
    keras.utils.set_random_seed(0)
    model = models.get(name, input_shape=shape, classes=3, **kwargs)
    x = np.random.default_rng(0).random((2, *shape), dtype=np.float32)
    before = np.asarray(model(x, training=False))
    path = tmp_path / "x.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]
    assert loaded.count_params() == model.count_params()
    np.testing.assert_allclose(np.asarray(loaded(x, training=False)), before, rtol=1e-5, atol=1e-6)
    keras.backend.clear_session()
