"""LocalResponseNormalization, MinPooling2D and SqueezeExcitation against TensorFlow / NumPy
references and their formulas, plus the .keras round trip."""

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")

from cnnkit.analysis import dense_params, pool_output_size  # noqa: E402
from cnnkit.layers import LocalResponseNormalization, MinPooling2D, SqueezeExcitation  # noqa: E402

RNG = np.random.default_rng(0)


@pytest.mark.parametrize("size,k,alpha,beta", [(5, 2.0, 1e-4, 0.75), (3, 1.0, 0.5, 0.5), (1, 2.0, 1.0, 1.0)])
def test_lrn_matches_tensorflow(size, k, alpha, beta):
    x = RNG.normal(scale=3.0, size=(2, 6, 6, 11)).astype("float32")
    ours = np.asarray(LocalResponseNormalization(size, k, alpha, beta)(x))
    ref = tf.nn.local_response_normalization(x, depth_radius=size // 2, bias=k, alpha=alpha, beta=beta)
    np.testing.assert_allclose(ours, ref.numpy(), rtol=1e-5, atol=1e-6)


def test_lrn_formula_on_one_pixel():
    """b_i = a_i / (k + α Σ_{|j−i|≤n/2} a_j²)^β, written out for 4 channels and n = 3."""
    a = np.array([1.0, 2.0, 3.0, 4.0], dtype="float32").reshape(1, 1, 1, 4)
    b = np.asarray(LocalResponseNormalization(size=3, k=1.0, alpha=0.1, beta=1.0)(a)).ravel()
    sums = [1 + 4, 1 + 4 + 9, 4 + 9 + 16, 9 + 16]
    np.testing.assert_allclose(b, [a_i / (1 + 0.1 * s) for a_i, s in zip([1, 2, 3, 4], sums)], rtol=1e-6)


def test_lrn_rejects_even_window():
    with pytest.raises(ValueError, match="odd"):
        LocalResponseNormalization(size=4)


@pytest.mark.parametrize("pool,stride,padding", [(2, None, "valid"), (3, 2, "valid"), (3, 2, "same"), (2, 1, "same")])
def test_min_pooling_is_minus_max_pooling_of_minus_x(pool, stride, padding):
    x = RNG.normal(size=(2, 7, 7, 3)).astype("float32")
    ours = np.asarray(MinPooling2D(pool, stride, padding)(x))
    ref = -tf.nn.max_pool2d(-x, pool, stride or pool, padding.upper()).numpy()
    np.testing.assert_array_equal(ours, ref)
    n = pool_output_size(7, pool, stride, padding)
    assert ours.shape == (2, n, n, 3) == MinPooling2D(pool, stride, padding).compute_output_shape((2, 7, 7, 3))


def test_min_pooling_on_the_seed_002_example():
    """Seed 002's 4x4 max-pool example; each 2x2 block's minimum instead of its maximum."""
    x = np.array([[1, 2, 5, 3], [3, 0, 1, 2], [2, 1, 3, 4], [1, 1, 2, 0]], "float32").reshape(1, 4, 4, 1)
    np.testing.assert_array_equal(np.asarray(MinPooling2D(2)(x))[0, :, :, 0], [[0, 1], [1, 0]])


def test_min_pooling_brute_force():
    x = RNG.normal(size=(1, 6, 6, 2)).astype("float32")
    ours = np.asarray(MinPooling2D(3, 1)(x))
    ref = np.array([[[x[0, i:i + 3, j:j + 3, c].min() for c in range(2)] for j in range(4)] for i in range(4)])
    np.testing.assert_array_equal(ours[0], ref)


def test_squeeze_excitation_params_and_gate():
    channels, ratio = 32, 8
    inputs = keras.Input((5, 5, channels))
    layer = SqueezeExcitation(ratio)
    model = keras.Model(inputs, layer(inputs))
    assert model.count_params() == dense_params(channels, channels // ratio) + dense_params(channels // ratio, channels)
    x = RNG.normal(size=(2, 5, 5, channels)).astype("float32")
    # The gate, recomputed with NumPy from the layer's own weights: s = σ(W₂ ReLU(W₁ z + b₁) + b₂).
    w1, b1 = (np.asarray(v) for v in layer.squeeze.weights)
    w2, b2 = (np.asarray(v) for v in layer.excite.weights)
    z = x.mean(axis=(1, 2))
    s = 1 / (1 + np.exp(-(np.maximum(z @ w1 + b1, 0) @ w2 + b2)))
    np.testing.assert_allclose(model.predict(x, verbose=0), x * s[:, None, None, :], rtol=1e-5, atol=1e-6)


def test_round_trip_of_all_three(tmp_path):
    inputs = keras.Input((8, 8, 16))
    x = LocalResponseNormalization(name="lrn")(inputs)
    x = MinPooling2D(2, name="minpool")(x)
    x = SqueezeExcitation(4, name="se")(x)
    model = keras.Model(inputs, x)
    data = RNG.normal(size=(2, 8, 8, 16)).astype("float32")
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert [type(layer).__name__ for layer in loaded.layers[1:]] == [
        "LocalResponseNormalization", "MinPooling2D", "SqueezeExcitation"]
    np.testing.assert_allclose(loaded.predict(data, verbose=0), model.predict(data, verbose=0), rtol=1e-6)
