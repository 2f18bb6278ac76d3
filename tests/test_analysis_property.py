"""Property tests: the formulas of cnnkit.analysis agree with real Keras layers, executed on data.

Random kernel / stride / padding / dilation / input sizes; shapes come from running the layer,
parameter counts from ``count_params()``. 365 cases in all (derandomized, so CI repeats them).
"""

import numpy as np
import pytest

keras = pytest.importorskip("keras")
hypothesis = pytest.importorskip("hypothesis")

from hypothesis import HealthCheck, assume, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from cnnkit.analysis import (  # noqa: E402
    conv2d_params,
    conv_output_size,
    depthwise_conv2d_params,
    pool_output_size,
    receptive_field,
    same_padding,
    separable_conv2d_params,
)

layers = keras.layers
RNG = np.random.default_rng(0)


def _settings(n):
    return settings(max_examples=n, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def _run(layer, h, w, c):
    x = RNG.standard_normal((1, h, w, c)).astype("float32")
    return tuple(np.asarray(layer(x)).shape[1:])


def _fits(n, k, d, p):
    return n + 2 * p >= d * (k - 1) + 1


paddings = st.one_of(st.sampled_from(["valid", "same"]), st.integers(0, 2))


@_settings(100)
@given(h=st.integers(1, 20), w=st.integers(1, 20), kh=st.integers(1, 5), kw=st.integers(1, 5),
       stride=st.integers(1, 3), dilation=st.integers(1, 3), padding=paddings,
       c_in=st.integers(1, 3), filters=st.integers(1, 3), bias=st.booleans())
def test_conv2d_matches_keras(h, w, kh, kw, stride, dilation, padding, c_in, filters, bias):
    assume(stride == 1 or dilation == 1)  # TensorFlow's conv rejects both > 1 together
    p = padding if isinstance(padding, int) else 0
    if padding != "same":
        assume(_fits(h, kh, dilation, p) and _fits(w, kw, dilation, p))
    conv = layers.Conv2D(filters, (kh, kw), strides=stride, dilation_rate=dilation, use_bias=bias,
                         padding="same" if padding == "same" else "valid")
    # Integer padding (the slides' p) is ZeroPadding2D(p) before a valid convolution.
    layer = keras.Sequential([layers.ZeroPadding2D(p), conv]) if isinstance(padding, int) else conv
    got = _run(layer, h, w, c_in)
    expected = (conv_output_size(h, kh, stride, padding, dilation),
                conv_output_size(w, kw, stride, padding, dilation), filters)
    assert got == expected
    assert conv.count_params() == conv2d_params((kh, kw), c_in, filters, bias)


@_settings(90)
@given(h=st.integers(1, 20), w=st.integers(1, 20), pool=st.integers(1, 4),
       stride=st.one_of(st.none(), st.integers(1, 4)), padding=st.sampled_from(["valid", "same"]),
       kind=st.sampled_from(["max", "avg"]))
def test_pooling_matches_keras(h, w, pool, stride, padding, kind):
    if padding == "valid":
        assume(h >= pool and w >= pool)
    cls = layers.MaxPooling2D if kind == "max" else layers.AveragePooling2D
    layer = cls(pool, strides=stride, padding=padding)
    got = _run(layer, h, w, 2)
    assert got == (pool_output_size(h, pool, stride, padding), pool_output_size(w, pool, stride, padding), 2)
    assert layer.count_params() == 0  # seed 000/004: pooling has no learnable parameters


@_settings(55)
@given(n=st.integers(1, 16), k=st.integers(1, 5), stride=st.integers(1, 3), dilation=st.integers(1, 2),
       padding=st.sampled_from(["valid", "same"]), c_in=st.integers(1, 4), dm=st.integers(1, 3),
       bias=st.booleans())
def test_depthwise_conv2d_matches_keras(n, k, stride, dilation, padding, c_in, dm, bias):
    assume(stride == 1 or dilation == 1)
    if padding == "valid":
        assume(_fits(n, k, dilation, 0))
    layer = layers.DepthwiseConv2D(k, strides=stride, dilation_rate=dilation, padding=padding,
                                   depth_multiplier=dm, use_bias=bias)
    out = conv_output_size(n, k, stride, padding, dilation)
    assert _run(layer, n, n, c_in) == (out, out, c_in * dm)
    assert layer.count_params() == depthwise_conv2d_params(k, c_in, dm, bias)


@_settings(55)
@given(n=st.integers(1, 16), k=st.integers(1, 5), stride=st.integers(1, 3), dilation=st.integers(1, 2),
       padding=st.sampled_from(["valid", "same"]), c_in=st.integers(1, 4), dm=st.integers(1, 2),
       filters=st.integers(1, 4), bias=st.booleans())
def test_separable_conv2d_matches_keras(n, k, stride, dilation, padding, c_in, dm, filters, bias):
    assume(stride == 1 or dilation == 1)
    if padding == "valid":
        assume(_fits(n, k, dilation, 0))
    layer = layers.SeparableConv2D(filters, k, strides=stride, dilation_rate=dilation, padding=padding,
                                   depth_multiplier=dm, use_bias=bias)
    out = conv_output_size(n, k, stride, padding, dilation)
    assert _run(layer, n, n, c_in) == (out, out, filters)
    assert layer.count_params() == separable_conv2d_params(k, c_in, filters, dm, bias)


@_settings(30)
@given(n=st.integers(1, 14), k=st.integers(1, 5), stride=st.integers(1, 3), dilation=st.integers(1, 2))
def test_same_padding_is_what_keras_pads(n, k, stride, dilation):
    """padding="same" equals ZeroPadding2D(same_padding(...)) + a valid conv, value for value."""
    assume(stride == 1 or dilation == 1)
    before, after = same_padding(n, k, stride, dilation)
    x = RNG.standard_normal((1, n, n, 2)).astype("float32")
    same = layers.Conv2D(3, k, strides=stride, dilation_rate=dilation, padding="same")
    y_same = np.asarray(same(x))
    valid = layers.Conv2D(3, k, strides=stride, dilation_rate=dilation, padding="valid")
    padded = layers.ZeroPadding2D(((before, after), (before, after)))(x)
    valid.build(padded.shape)
    valid.set_weights(same.get_weights())
    np.testing.assert_allclose(np.asarray(valid(padded)), y_same, rtol=1e-5, atol=1e-5)


stack_items = st.tuples(st.sampled_from(["conv", "pool"]), st.integers(1, 4), st.integers(1, 3),
                        st.integers(1, 2))


@_settings(35)
@given(stack=st.lists(stack_items, min_size=1, max_size=4))
def test_receptive_field_matches_gradient_support(stack):
    """The input pixels that move the first output unit span exactly the computed field.

    All-ones kernels and average pooling make every path positive, so the gradient of output
    (0, 0) is non-zero exactly on its receptive field (valid padding: pixels 0 … size − 1), and
    the next unit's field starts one jump later.
    """
    specs, model_layers = [], []
    for kind, k, s, d in stack:
        if kind == "conv":
            if s > 1:
                d = 1
            specs.append({"kernel": k, "stride": s, "dilation": d})
            model_layers.append(layers.Conv2D(1, k, strides=s, dilation_rate=d, use_bias=False,
                                              kernel_initializer="ones"))
        else:
            specs.append(("pool", k, s))
            model_layers.append(layers.AveragePooling2D(k, strides=s))
    rf = receptive_field(specs)
    n = rf.size + rf.jump  # room for two output units along each axis
    import tensorflow as tf

    x = tf.Variable(np.ones((1, n, n, 1), dtype="float32"))
    model = keras.Sequential(model_layers)
    with tf.GradientTape(persistent=True) as tape:
        y = model(x)
        first, second = y[0, 0, 0, 0], y[0, 0, 1, 0]
    assert tuple(y.shape[1:3]) == (2, 2) or rf.jump == 0
    support = np.nonzero(np.asarray(tape.gradient(first, x))[0, 0, :, 0])[0]
    assert (support.min(), support.max()) == (0, rf.size - 1)
    assert rf.start == (rf.size - 1) / 2
    support2 = np.nonzero(np.asarray(tape.gradient(second, x))[0, 0, :, 0])[0]
    assert (support2.min(), support2.max()) == (rf.jump, rf.jump + rf.size - 1)
    # The same field when the walk reads the Keras layers instead of the specs.
    assert receptive_field(model_layers).size == rf.size
