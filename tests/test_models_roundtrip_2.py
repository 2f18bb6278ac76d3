"""Every model and custom layer of this part survives ``model.save("x.keras")`` / ``load_model``.

Small inputs and configurations keep it quick; every weight is first set to a random value so a
weight that failed to load (left at its initial value) would change the predictions.
"""

import keras
import numpy as np
import pytest

from cnnkit import models
from cnnkit.layers import (AuxiliaryClassifier, DenseBlock, InceptionModule, SeparableConv2D,
                           TransitionLayer)
from cnnkit.models.googlenet import inference_model


def _randomize(model, seed=0):
    rng = np.random.default_rng(seed)
    for w in model.weights:  # positive values keep BN variances valid
        w.assign(rng.uniform(0.5, 1.5, w.shape).astype(w.dtype) / np.sqrt(max(1, np.prod(w.shape[:-1]))))
    return model


def _round_trip(model, tmp_path):
    x = np.random.default_rng(1).random((2, *model.input.shape[1:])).astype("float32")
    _randomize(model)
    before = model(x, training=False)
    path = tmp_path / "x.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    after = loaded(x, training=False)
    for a, b in zip(keras.tree.flatten(before), keras.tree.flatten(after)):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-6, atol=1e-7)
    assert loaded.count_params() == model.count_params()
    return loaded


MODELS = {
    "GoogLeNet": lambda: models.GoogLeNet(input_shape=(32, 32, 3), classes=4, aux_classifiers=True),
    "GoogLeNet_bn": lambda: models.GoogLeNet(input_shape=(28, 28, 1), classes=4, batch_norm=True,
                                             local_response_norm=False),
    "InceptionV3": lambda: models.InceptionV3(input_shape=(75, 75, 3), classes=3),
    "Xception": lambda: models.Xception(input_shape=(28, 28, 1), classes=3),
    "MobileNet": lambda: models.MobileNet(input_shape=(32, 32, 3), classes=3, alpha=0.25),
    "DenseNet121": lambda: models.DenseNet121(input_shape=(32, 32, 3), classes=3),
    "DenseNet169": lambda: models.DenseNet169(input_shape=(29, 29, 3), include_top=False, pooling="avg"),
    "DenseNet201": lambda: models.DenseNet201(input_shape=(29, 29, 3), include_top=False, pooling="max"),
    "DenseNetCIFAR_BC": lambda: models.DenseNetCIFAR(depth=10, growth_rate=4, dropout_rate=0.2),
    "DenseNetCIFAR": lambda: models.DenseNetCIFAR(depth=7, growth_rate=4, bottleneck=False,
                                                  compression=1.0, input_shape=(28, 28, 1)),
}


@pytest.mark.parametrize("name", list(MODELS))
def test_model_round_trip(name, tmp_path):
    keras.backend.clear_session()
    _round_trip(MODELS[name](), tmp_path)
    keras.backend.clear_session()


def test_googlenet_inference_model_round_trip(tmp_path):
    keras.backend.clear_session()
    model = models.GoogLeNet(input_shape=(32, 32, 3), classes=4, aux_classifiers=True)
    loaded = _round_trip(inference_model(model), tmp_path)
    assert loaded.output_names == ["main"]


def test_custom_layers_round_trip_with_their_configs(tmp_path):
    keras.backend.clear_session()
    inp = keras.Input((9, 9, 4))
    x = SeparableConv2D(8, 3, padding="same", depth_multiplier=2, activation="relu", name="sep")(inp)
    naive = InceptionModule(4, filters_3x3=4, filters_5x5=2, naive=True, name="naive")(x)
    v2 = InceptionModule(4, 3, 4, 2, 4, 2, factorization="3x3", pool="avg", batch_norm=True, name="v2")(naive)
    v3 = InceptionModule(4, 3, 4, 2, 4, 2, factorization="asymmetric", n=3, name="v3")(v2)
    dense = DenseBlock(2, 3, bottleneck=True, dropout_rate=0.1, name="dense_block")(v3)
    trans = TransitionLayer(0.5, name="trans")(dense)
    aux = AuxiliaryClassifier(3, filters=8, units=16, batch_norm=True, name="aux")(v3)
    out = keras.layers.Dense(3)(keras.layers.GlobalAveragePooling2D()(trans))
    model = keras.Model(inp, [out, aux])
    loaded = _round_trip(model, tmp_path)
    for name in ("sep", "naive", "v2", "v3", "dense_block", "trans", "aux"):
        assert type(loaded.get_layer(name)) is type(model.get_layer(name))
        assert loaded.get_layer(name).get_config() == model.get_layer(name).get_config()
