"""ResidualBlock / BottleneckBlock: shapes and parameter counts from the lecture formulas,
the three shortcut options, both orderings, and the .keras round trip."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from cnnkit.analysis import batch_norm_params, conv2d_params, conv_output_size  # noqa: E402
from cnnkit.layers import BottleneckBlock, ResidualBlock  # noqa: E402
from cnnkit.layers.residual import ZeroPadShortcut  # noqa: E402


def _wrap(block, shape):
    inputs = keras.Input(shape)
    return keras.Model(inputs, block(inputs))


def _bn(c):
    return batch_norm_params(c)["total"]


@pytest.mark.parametrize("stride,shortcut", [(1, "auto"), (2, "auto"), (2, "A"), (2, "C"), (1, "C")])
@pytest.mark.parametrize("preactivation", [False, True])
def test_basic_block_shape_and_params(stride, shortcut, preactivation):
    c_in, f, n = 16, 32 if stride == 2 else 16, 9
    model = _wrap(ResidualBlock(f, stride, shortcut=shortcut, preactivation=preactivation), (n, n, c_in))
    out = conv_output_size(n, 3, stride, "same")
    assert tuple(model.output.shape) == (None, out, out, f)
    # F(x): two 3x3 convolutions without bias, each with its BN (v1: after, v2: before).
    expected = conv2d_params(3, c_in, f, bias=False) + conv2d_params(3, f, f, bias=False)
    expected += _bn(f) + (_bn(c_in) if preactivation else _bn(f))
    projected = shortcut == "C" or (shortcut == "auto" and (stride > 1 or c_in != f))
    if projected:  # 1x1 projection; its own BN only in the post-activation ordering
        expected += conv2d_params(1, c_in, f, bias=False) + (0 if preactivation else _bn(f))
    assert model.count_params() == expected


@pytest.mark.parametrize("preactivation", [False, True])
def test_bottleneck_block_params(preactivation):
    c_in, f, n = 64, 16, 8
    model = _wrap(BottleneckBlock(f, 2, preactivation=preactivation), (n, n, c_in))
    assert tuple(model.output.shape) == (None, 4, 4, 4 * f)
    expected = (conv2d_params(1, c_in, f, bias=False) + conv2d_params(3, f, f, bias=False)
                + conv2d_params(1, f, 4 * f, bias=False) + conv2d_params(1, c_in, 4 * f, bias=False))
    if preactivation:  # BN before each of the three convolutions
        expected += _bn(c_in) + 2 * _bn(f)
    else:  # BN after each convolution and after the projection
        expected += 2 * _bn(f) + 2 * _bn(4 * f)
    assert model.count_params() == expected


def test_zero_pad_shortcut_is_parameter_free_and_pads_channels():
    x = np.arange(2 * 4 * 4 * 3, dtype="float32").reshape(2, 4, 4, 3)
    y = np.asarray(ZeroPadShortcut(7, 2)(x))
    assert y.shape == (2, 2, 2, 7)
    # 4 extra channels split 2 before, 2 after; pixels (0,0), (0,2), (2,0), (2,2) kept.
    np.testing.assert_array_equal(y[..., 2:5], x[:, ::2, ::2, :])
    assert not y[..., :2].any() and not y[..., 5:].any()
    block = _wrap(ResidualBlock(8, 2, shortcut="A"), (6, 6, 4))
    assert not any("shortcut" in w.path for w in block.weights)


def test_identity_block_is_x_plus_f():
    """With F's last conv zeroed, the v2 block is exactly the identity: y = x + F(x) = x."""
    block = ResidualBlock(4, preactivation=True)
    x = np.random.default_rng(0).normal(size=(2, 5, 5, 4)).astype("float32")
    block(x)
    block.branch[-1].kernel.assign(np.zeros_like(block.branch[-1].kernel))
    np.testing.assert_allclose(np.asarray(block(x)), x, atol=1e-6)


def test_identity_shortcut_rejects_shape_change_with_a_fix():
    with pytest.raises(ValueError, match="projection"):
        _wrap(ResidualBlock(32, 2, shortcut="identity"), (8, 8, 16))
    with pytest.raises(ValueError, match="zero padding can only add channels"):
        _wrap(ResidualBlock(8, 1, shortcut="zero_pad"), (8, 8, 16))
    with pytest.raises(ValueError, match='"A", "B", "C"'):
        ResidualBlock(8, shortcut="D")


@pytest.mark.parametrize("block", [
    lambda: ResidualBlock(8, 2, shortcut="A"),
    lambda: ResidualBlock(8, 1, preactivation=True, dropout_rate=0.3),
    lambda: BottleneckBlock(4, 2),
    lambda: BottleneckBlock(4, 1, preactivation=True),
], ids=["basic-A", "basic-v2-dropout", "bottleneck", "bottleneck-v2"])
def test_round_trip(block, tmp_path):
    inputs = keras.Input((6, 6, 8))
    x = block()(inputs)
    model = keras.Model(inputs, block()(x))
    data = np.random.default_rng(1).normal(size=(3, 6, 6, 8)).astype("float32")
    path = tmp_path / "block.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert loaded.count_params() == model.count_params()
    np.testing.assert_allclose(loaded.predict(data, verbose=0), model.predict(data, verbose=0),
                               rtol=1e-6, atol=1e-6)
