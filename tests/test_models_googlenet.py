"""GoogLeNet against Szegedy et al. 2015 (Table 1) and seed 000's auxiliary loss."""

import keras
import numpy as np
import pytest

from cnnkit.analysis import conv2d_macs, conv2d_params, dense_params
from cnnkit.layers import InceptionModule
from cnnkit.models.googlenet import GoogLeNet, aux_targets, compile_with_aux, inference_model

# Szegedy et al., "Going deeper with convolutions", CVPR 2015, Table 1, transcribed by hand:
# name: (output size, depth, #1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool proj, params, ops).
# params are in K = 1024 weights (biases not counted: 3a's 163,328 weights = 159.5K); ops in M MACs.
TABLE1 = {
    "conv1_7x7": ((112, 112, 64), None, None, None, None, None, None, None, 2.7, 34),
    "pool1": ((56, 56, 64),) + (None,) * 9,
    "conv2_3x3": ((56, 56, 192), None, None, 64, 192, None, None, None, 112, 360),
    "pool2": ((28, 28, 192),) + (None,) * 9,
    "inception_3a": ((28, 28, 256), 2, 64, 96, 128, 16, 32, 32, 159, 128),
    "inception_3b": ((28, 28, 480), 2, 128, 128, 192, 32, 96, 64, 380, 304),
    "pool3": ((14, 14, 480),) + (None,) * 9,
    "inception_4a": ((14, 14, 512), 2, 192, 96, 208, 16, 48, 64, 364, 73),
    "inception_4b": ((14, 14, 512), 2, 160, 112, 224, 24, 64, 64, 437, 88),
    "inception_4c": ((14, 14, 512), 2, 128, 128, 256, 24, 64, 64, 463, 100),
    "inception_4d": ((14, 14, 528), 2, 112, 144, 288, 32, 64, 64, 580, 119),
    "inception_4e": ((14, 14, 832), 2, 256, 160, 320, 32, 128, 128, 840, 170),
    "pool4": ((7, 7, 832),) + (None,) * 9,
    "inception_5a": ((7, 7, 832), 2, 256, 160, 320, 32, 128, 128, 1072, 54),
    "inception_5b": ((7, 7, 1024), 2, 384, 192, 384, 48, 128, 128, 1388, 71),
    "avg_pool": ((1024,),) + (None,) * 9,
    "main": ((1000,), 1) + (None,) * 6 + (1000, 1),
}
# Rows whose params/ops agree with the table's own channel tuples to its rounding (1K, 1M).
# The others are inconsistent inside the paper: conv1 (9,408 weights, 118M MACs for a 7x7x3x64
# conv, printed 2.7K/34M), and the params of 4a, 4c, 4d, 4e, 5a, 5b (e.g. 4c's tuple gives
# 497.5K, printed 463K) and the ops of 5a (51.1M, printed 54M).
PARAMS_EXACT = ["conv2_3x3", "inception_3a", "inception_3b", "inception_4b", "main"]
OPS_EXACT = ["conv2_3x3", "inception_3a", "inception_3b", "inception_4a", "inception_4b",
             "inception_4c", "inception_4d", "inception_4e", "inception_5b", "main"]


@pytest.fixture(scope="module")
def googlenet():
    keras.backend.clear_session()
    return GoogLeNet()


def _convs(model, name):
    if name == "conv2_3x3":  # Table 1 folds the 1x1 reduction into the conv2 row
        return [model.get_layer("conv2_3x3_reduce"), model.get_layer("conv2_3x3")]
    layer = model.get_layer(name)
    return layer.convolutions() if isinstance(layer, InceptionModule) else [layer]


def _weights_and_macs(model, name):
    if name == "main":
        dense = model.get_layer("main")
        return dense.kernel.shape[0] * dense.units, dense.kernel.shape[0] * dense.units
    weights = macs = 0
    h, w = model.get_layer(name).output.shape[1:3]  # inception branches are stride 1, "same"
    for conv in _convs(model, name):
        c_in = conv.kernel.shape[2]
        weights += conv2d_params(conv.kernel_size, c_in, conv.filters, bias=False)
        macs += conv2d_macs(h, w, conv.kernel_size, c_in, conv.filters)
    return weights, macs


def test_output_size_after_every_row_of_table1(googlenet):
    for name, row in TABLE1.items():
        assert tuple(googlenet.get_layer(name).output.shape[1:]) == row[0], name


def test_parameter_count_is_table1s_layout():
    """Every weight layer of Table 1 (with biases) and nothing else: the exact total."""
    expected = conv2d_params(7, 3, 64) + conv2d_params(1, 64, 64) + conv2d_params(3, 64, 192)
    c_in = 192
    for name, row in TABLE1.items():
        if name.startswith("inception"):
            f1, r3, f3, r5, f5, pp = row[2:8]
            expected += (conv2d_params(1, c_in, f1) + conv2d_params(1, c_in, r3) + conv2d_params(3, r3, f3)
                         + conv2d_params(1, c_in, r5) + conv2d_params(5, r5, f5) + conv2d_params(1, c_in, pp))
            c_in = f1 + f3 + f5 + pp
    expected += dense_params(1024, 1000)
    keras.backend.clear_session()
    assert GoogLeNet(local_response_norm=False).count_params() == expected
    # Table 1's channel tuples are what cnnkit's TABLE1 holds.
    from cnnkit.models.googlenet import TABLE1 as BUILT

    assert {f"inception_{k}": v for k, v in BUILT.items()} == {
        n: r[2:8] for n, r in TABLE1.items() if n.startswith("inception")}


def test_params_and_ops_columns_of_table1(googlenet):
    for name in PARAMS_EXACT:
        weights, _ = _weights_and_macs(googlenet, name)
        assert abs(weights / 1024 - TABLE1[name][8]) <= 1, name
    for name in OPS_EXACT:
        _, macs = _weights_and_macs(googlenet, name)
        assert abs(macs / 1e6 - TABLE1[name][9]) < 1, name
    # The params column sums to 6,797.7K — the "≈ 6.8M" usually quoted for GoogLeNet; the
    # channel tuples give 6,826.4K: within 0.5% despite the inconsistent rows.
    table_total = sum(r[8] for r in TABLE1.values() if r[8] is not None)
    built_total = sum(_weights_and_macs(googlenet, n)[0] for n, r in TABLE1.items() if r[8] is not None)
    assert abs(built_total / 1024 - table_total) / table_total < 0.005
    assert round(table_total / 1000, 1) == 6.8


def test_aux_heads_follow_design_spec_at_224():
    keras.backend.clear_session()
    model = GoogLeNet(aux_classifiers=True)
    assert model.output_names == ["main", "aux1", "aux2"]
    aux1, aux2 = model.get_layer("aux1"), model.get_layer("aux2")
    # DESIGN.md: avg-pool 5x5/3 turns the 14x14 maps of 4a (512) and 4d (528) into 4x4.
    assert aux1.pooled_size((None, 14, 14, 512)) == aux2.pooled_size((None, 14, 14, 528)) == (4, 4)
    head = lambda c: conv2d_params(1, c, 128) + dense_params(4 * 4 * 128, 1024) + dense_params(1024, 1000)
    assert aux1.count_params() == head(512) and aux2.count_params() == head(528)
    no_aux = inference_model(model)
    assert no_aux.count_params() == model.count_params() - head(512) - head(528)


@pytest.mark.parametrize("shape", [(32, 32, 3), (28, 28, 1)])
def test_small_inputs_with_aux(shape):
    keras.backend.clear_session()
    model = GoogLeNet(input_shape=shape, classes=10, aux_classifiers=True)
    assert [tuple(o.shape) for o in model.outputs] == [(None, 10)] * 3
    assert tuple(model.get_layer("inception_4a").output.shape[1:3]) == (2, 2)
    assert model.get_layer("aux1").pooled_size((None, 2, 2, 512)) == (1, 1)


def _cross_entropy(probs, y):
    probs = np.asarray(probs, dtype="float64")
    return float(np.mean(-np.log(probs[np.arange(len(y)), y])))


@pytest.fixture(scope="module")
def tiny_batch():
    rng = np.random.default_rng(0)
    return rng.random((4, 32, 32, 3)).astype("float32"), np.array([0, 1, 2, 1])


def test_training_step_total_loss_is_main_plus_point3_aux(tiny_batch):
    """seed 000: total_loss = real_loss + 0.3 * aux_loss_1 + 0.3 * aux_loss_2."""
    x, y = tiny_batch
    keras.backend.clear_session()
    # Dropout off so the training-mode forward pass equals the one computed here beforehand.
    model = GoogLeNet(input_shape=(32, 32, 3), classes=3, aux_classifiers=True, dropout_rate=0.0,
                      aux_dropout_rate=0.0)
    compile_with_aux(model, optimizer=keras.optimizers.SGD(0.01), run_eagerly=True)
    main, aux1, aux2 = (_cross_entropy(p, y) for p in model(x, training=False))
    logs = model.train_on_batch(x, aux_targets(y), return_dict=True)
    np.testing.assert_allclose(logs["loss"], main + 0.3 * aux1 + 0.3 * aux2, rtol=1e-5)
    np.testing.assert_allclose([logs["main_loss"], logs["aux1_loss"], logs["aux2_loss"]],
                               [main, aux1, aux2], rtol=1e-5)
    after = [_cross_entropy(p, y) for p in model(x, training=False)]
    assert after != [main, aux1, aux2]  # the step updated the weights


def test_inference_model_shares_weights_and_predicts_main(tiny_batch):
    x, y = tiny_batch
    keras.backend.clear_session()
    model = GoogLeNet(input_shape=(32, 32, 3), classes=3, aux_classifiers=True)
    compile_with_aux(model, run_eagerly=True)
    infer = inference_model(model)
    assert infer.output_names == ["main"] and len(infer.outputs) == 1
    np.testing.assert_allclose(infer.predict(x, verbose=0), model.predict(x, verbose=0)[0], rtol=1e-6)
    assert all(a is b for a, b in zip(infer.get_layer("main").weights, model.get_layer("main").weights))
    # The default (dropout on) model: evaluate runs in inference mode, so the total is exact too.
    logs = model.test_on_batch(x, aux_targets(y), return_dict=True)
    main, aux1, aux2 = (_cross_entropy(p, y) for p in model.predict(x, verbose=0))
    np.testing.assert_allclose(logs["loss"], main + 0.3 * aux1 + 0.3 * aux2, rtol=1e-5)


def test_errors_say_how_to_fix():
    keras.backend.clear_session()
    with pytest.raises(ValueError, match="aux_classifiers=True needs include_top=True"):
        GoogLeNet(include_top=False, aux_classifiers=True)
    with pytest.raises(ValueError, match="build it with aux_classifiers=True"):
        compile_with_aux(GoogLeNet(input_shape=(32, 32, 3), classes=3))
    with pytest.raises(ValueError, match="weights='imagenet' is not supported"):
        GoogLeNet(weights="imagenet")
