"""DenseNet121/169/201, InceptionV3, Xception and MobileNet against keras.applications (weights=None),
and DenseNet-CIFAR against Huang et al. 2017, Table 2.

Each pair is built once at the paper's input with include_top=True and 1000 classes; the test
compares total / trainable / non-trainable counts, every weight shape, and the output shape
after every stage (and, where the layer names match, after every layer).
"""

import keras
import numpy as np
import pytest

from cnnkit import models
from cnnkit.models._common import registered_min_input
from cnnkit.models.densenet_cifar import DenseNetCIFAR


def _counts(model):
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    non_trainable = sum(int(np.prod(w.shape)) for w in model.non_trainable_weights)
    return {"total": model.count_params(), "trainable": trainable, "non_trainable": non_trainable}


def _shape(layer):
    return tuple(layer.output.shape)


def _weight_shapes(model):
    return sorted(tuple(w.shape) for w in model.weights)


def _densenet_stages(ours, theirs, blocks):
    """(our stage layer, keras's last layer of that stage) for stem, blocks and transitions."""
    pairs = [("conv1_relu", "conv1_relu"), ("pool1", "pool1")]
    for stage, n in enumerate(blocks, start=2):
        pairs.append((f"conv{stage}", f"conv{stage}_block{n}_concat"))
        if stage < len(blocks) + 1:
            pairs.append((f"pool{stage}", f"pool{stage}_pool"))
    pairs += [("bn", "bn"), ("relu", "relu"), ("avg_pool", "avg_pool"), ("predictions", "predictions")]
    for mine, keras_name in pairs:
        assert _shape(ours.get_layer(mine)) == _shape(theirs.get_layer(keras_name)), mine
        # A stage holds exactly the weights keras spreads over its conv{s}_block{i}_* layers.
        prefix = f"{keras_name.split('_')[0]}_"
        if mine.startswith(("conv2", "conv3", "conv4", "conv5", "pool2", "pool3", "pool4")):
            keras_stage = sum(l.count_params() for l in theirs.layers if l.name.startswith(prefix))
            assert ours.get_layer(mine).count_params() == keras_stage, mine


def _inception_v3_stages(ours, theirs):
    keras_pools = [l for l in theirs.layers if isinstance(l, keras.layers.MaxPooling2D)][:2]
    ours_pools = [ours.get_layer(n) for n in ("stem_pool1", "stem_pool2")]
    assert [_shape(l) for l in keras_pools] == [_shape(l) for l in ours_pools]
    for name in [f"mixed{i}" for i in range(11)] + ["mixed9_0", "mixed9_1", "avg_pool", "predictions"]:
        assert _shape(ours.get_layer(name)) == _shape(theirs.get_layer(name)), name


def _same_named_layers(ours, theirs, expected_at_least):
    """Layers both models name alike (keras names these explicitly): same shape and parameters."""
    ours_by_name = {l.name: l for l in ours.layers}
    common = [l for l in theirs.layers if l.name in ours_by_name]
    assert len(common) >= expected_at_least
    for layer in common:
        mine = ours_by_name[layer.name]
        assert _shape(mine) == _shape(layer), layer.name
        assert mine.count_params() == layer.count_params(), layer.name


CASES = {
    # name: (input, stage check); the counts are DESIGN.md's keras.applications numbers.
    "DenseNet121": (224, lambda o, t: _densenet_stages(o, t, (6, 12, 24, 16))),
    "DenseNet169": (224, lambda o, t: _densenet_stages(o, t, (6, 12, 32, 32))),
    "DenseNet201": (224, lambda o, t: _densenet_stages(o, t, (6, 12, 48, 32))),
    "InceptionV3": (299, _inception_v3_stages),
    # Xception: all 34 separable convs, their BNs/ReLUs, pools and the head are named in keras.
    "Xception": (299, lambda o, t: _same_named_layers(o, t, 100)),
    # MobileNet: every keras layer but the global pool has an explicit name.
    "MobileNet": (224, lambda o, t: _same_named_layers(o, t, len(t.layers) - 2)),
}
DESIGN_PARAMS = {"DenseNet121": 8_062_504, "DenseNet169": 14_307_880, "DenseNet201": 20_242_984,
                 "InceptionV3": 23_851_784, "Xception": 22_910_480, "MobileNet": 4_253_864}


@pytest.mark.parametrize("name", list(CASES))
def test_matches_keras_applications(name):
    size, stage_check = CASES[name]
    keras.backend.clear_session()
    theirs = getattr(keras.applications, name)(weights=None, input_shape=(size, size, 3))
    ours = getattr(models, name)(input_shape=(size, size, 3))
    assert _counts(ours) == _counts(theirs)
    assert ours.count_params() == DESIGN_PARAMS[name] == models.info(name).facts["params"]
    assert _weight_shapes(ours) == _weight_shapes(theirs)
    assert tuple(ours.output.shape) == tuple(theirs.output.shape) == (None, 1000)
    stage_check(ours, theirs)
    keras.backend.clear_session()


def test_xception_uses_cnnkits_separable_conv():
    from cnnkit.layers import SeparableConv2D

    keras.backend.clear_session()
    model = models.Xception(include_top=False, input_shape=(71, 71, 3))
    seps = [l for l in model.layers if isinstance(l, SeparableConv2D)]
    assert len(seps) == 34 and not [l for l in model.layers if type(l) is keras.layers.SeparableConv2D]


def test_mobilenet_width_multiplier_matches_keras():
    keras.backend.clear_session()
    kwargs = dict(input_shape=(128, 128, 3), alpha=0.5, depth_multiplier=2, classes=17)
    ours, theirs = models.MobileNet(**kwargs), keras.applications.MobileNet(weights=None, **kwargs)
    assert _counts(ours) == _counts(theirs)
    assert tuple(ours.get_layer("conv_pw_13_relu").output.shape) == (None, 4, 4, 512)


def _smallest_map(model):
    return min(min(l.output.shape[1:3]) for l in model.layers
               if len(l.output.shape) == 4 and l.output.shape[1] is not None)


@pytest.mark.parametrize("name, channels", [("DenseNet121", 3), ("InceptionV3", 3),
                                            ("Xception", 1), ("MobileNet", 3), ("DenseNetCIFAR", 1)])
def test_min_input_is_the_architectures_floor(name, channels):
    """At the catalogue's min_input some stage is down to 1x1; one pixel less is refused clearly,
    and Keras itself cannot build it (input_tensor skips cnnkit's check)."""
    keras.backend.clear_session()
    h, w = registered_min_input(name)
    kwargs = dict(include_top=False, input_shape=(h, w, channels))
    if name == "DenseNetCIFAR":
        kwargs.update(depth=10, growth_rate=4)
    assert _smallest_map(models.get(name, **kwargs)) == 1
    with pytest.raises(ValueError, match=f"{name}: input {h - 1}x{w - 1} is too small"):
        models.get(name, **{**kwargs, "input_shape": (h - 1, w - 1, channels)})
    del kwargs["input_shape"]
    with pytest.raises(ValueError, match="zero or negative"):
        models.get(name, input_tensor=keras.Input((h - 1, w - 1, channels)), **kwargs)


def test_xception_builds_for_fashion_mnist_size():
    keras.backend.clear_session()
    assert models.Xception(input_shape=(28, 28, 1), classes=10).output.shape == (None, 10)


# Huang et al. 2017, Table 2 ("# Params" column, C10): (L, k, bottleneck+compression) → millions.
# The paper's Torch counts are the trainable parameters (BN's γ and β, not its running statistics).
TABLE2 = [(40, 12, False, 1.0), (100, 12, False, 7.0), (100, 12, True, 0.8), (190, 40, True, 25.6)]
# Left out to keep this file's time down: (100, 24, False, 27.2) has the same layers as
# (100, 12), and (250, 24, True, 15.3) would be a second very deep build.


@pytest.mark.parametrize("depth, k, bc, millions", TABLE2)
def test_densenet_cifar_matches_table2(depth, k, bc, millions):
    keras.backend.clear_session()
    # Parameters do not depend on H x W (global average pooling), so a small input builds faster.
    model = DenseNetCIFAR(input_shape=(8, 8, 3), classes=10, depth=depth, growth_rate=k,
                          bottleneck=bc, compression=0.5 if bc else 1.0)
    assert round(_counts(model)["trainable"] / 1e6, 1) == millions
    keras.backend.clear_session()


def test_densenet_cifar_layout_and_depth_errors():
    keras.backend.clear_session()
    model = DenseNetCIFAR(depth=40, growth_rate=12, bottleneck=False, compression=1.0)
    # §3: 16 initial channels, then 12 layers of k=12 per block, transitions keep m (θ = 1).
    assert [tuple(model.get_layer(n).output.shape) for n in ("conv1", "dense1", "transition1",
                                                             "dense2", "transition2", "dense3")] == [
        (None, 32, 32, 16), (None, 32, 32, 160), (None, 16, 16, 160), (None, 16, 16, 304),
        (None, 8, 8, 304), (None, 8, 8, 448)]
    bc = DenseNetCIFAR(depth=16, growth_rate=12)
    assert tuple(bc.get_layer("conv1").output.shape) == (None, 32, 32, 24)  # 2k for DenseNet-BC
    assert tuple(bc.get_layer("transition1").output.shape) == (None, 16, 16, (24 + 2 * 12) // 2)
    with pytest.raises(ValueError, match=r"depth L = 6·n \+ 4, got L=42"):
        DenseNetCIFAR(depth=42, bottleneck=True)
