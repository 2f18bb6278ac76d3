"""The lecture decks' worked numbers, reproduced by cnnkit.analysis (seeds in ../shared/seeds/).

Each expected value is copied from a seed (or DESIGN.md's reference table) and cited; a few
are also checked against a real Keras layer.
"""

import numpy as np
import pytest

from cnnkit.analysis import (
    activation_bytes,
    activation_memory,
    batch_norm_params,
    conv2d_macs,
    conv2d_params,
    conv_output_formula,
    conv_output_size,
    dense_params,
    pool_output_size,
    receptive_field,
    receptive_field_table,
    same_padding,
)


# ------------------------------------------------------------------ seed 001: Fashion-MNIST CNN

def test_seed001_fashion_mnist_network_layer_by_layer():
    # Seed 001, "Designing a Convolutional Neural Network": conv 5x5, stride 1, padding 2;
    # pool 2, stride 2.  W2 = (28 - 5 + 2(2))/1 + 1 = 28 ... W5 = (14 - 2)/2 + 1 = 7.
    assert conv_output_size(28, 5, 1, 2) == 28            # CONV 1 → 28x28x16
    assert pool_output_size(28, 2, 2) == 14                # POOL 1 → 14x14x16
    assert conv_output_size(14, 5, 1, 2) == 14            # CONV 2 → 14x14x32
    assert pool_output_size(14, 2, 2) == 7                 # POOL 2 → 7x7x32
    # The seed's p = 2 is Keras's padding="same" for a 5x5 kernel at stride 1.
    assert same_padding(28, 5, 1) == (2, 2)
    assert conv_output_size(28, 5, 1, "same") == 28


def test_seed001_fashion_mnist_parameter_count():
    # DESIGN.md reference table: seed 001 CNN (conv16-5x5-p2, BN, ReLU, pool; conv32; FC10) = 29,130.
    conv1 = conv2d_params(5, 1, 16)
    bn1 = batch_norm_params(16)["total"]
    conv2 = conv2d_params(5, 16, 32)
    bn2 = batch_norm_params(32)["total"]
    fc = dense_params(7 * 7 * 32, 10)                      # seed 001: FC input 7x7x32, 10 classes
    assert conv1 + bn1 + conv2 + bn2 + fc == 29_130
    # Batch norm: γ, β trained; the moving mean and variance are not (2 each per channel).
    assert batch_norm_params(16) == {"trainable": 32, "non_trainable": 32, "total": 64}


def test_seed001_padding_and_pooling_examples():
    # Seed 001: "6×6 input, 3×3 kernel → feature map 4×4"; "(n-m+1) x (n-m+1)".
    assert conv_output_size(6, 3) == 4
    # Seed 001: "image 9×9, filter 3×3, 1 layer of padding → 9×9".
    assert conv_output_size(9, 3, 1, 1) == 9
    # Seed 001: max pooling with stride 2 and a 2x2 window on a 6x6 map (and the 4x4 → 2x2 example).
    assert pool_output_size(6, 2, 2) == 3
    assert pool_output_size(4, 2, 2) == 2
    # Seed 001 pooling formula W_out = (W - F)/S + 1; the stride defaults to the window as in Keras.
    assert pool_output_size(28, 2) == (28 - 2) // 2 + 1


def test_seed001_five_by_five_versus_two_three_by_three():
    # Seed 001: "a 5x5xc filter requires 25c parameters, two 3x3xc filters only require 18".
    for c in (1, 3, 64):
        assert conv2d_params(5, c, 1, bias=False) == 25 * c
        assert 2 * conv2d_params(3, c, 1, bias=False) == 18 * c
    # Both see a 5x5 window (seed 001/002: "stack two layers with 3×3 kernels" instead of one 5x5).
    assert receptive_field([(3, 1), (3, 1)]).size == receptive_field([(5, 1)]).size == 5


# ------------------------------------------------------------------ seed 000: Inception cost

def test_seed000_naive_inception_5x5_cost():
    # Seed 000: "Number of computations = 28 × 28 × 32 × 5 × 5 × 192 = 120M";
    # DESIGN.md: 120,422,400 MACs.
    assert conv2d_macs(28, 28, 5, 192, 32) == 120_422_400


def test_seed000_inception_with_1x1_reduction_cost():
    # Seed 000: 1x1 → 16 first, then the 5x5 → 32: "Total = 12.4M"; DESIGN.md: 12,443,648.
    reduce = conv2d_macs(28, 28, 1, 192, 16)
    conv5 = conv2d_macs(28, 28, 5, 16, 32)
    assert reduce + conv5 == 12_443_648
    assert round((reduce + conv5) / 1e6, 1) == 12.4
    assert round(conv2d_macs(28, 28, 5, 192, 32) / 1e6) == 120


def test_seed000_factorisation_claims():
    # Seed 000 (Inception v2): "5 x 5 convolution is 2.78 times more expensive than a 3 x 3".
    ratio = conv2d_macs(35, 35, 5, 64, 64) / conv2d_macs(35, 35, 3, 64, 64)
    assert round(ratio, 2) == 2.78
    # Seed 000: 3x3 replaced by 3x1 and 1x3: "33% cheaper than the single 3 × 3 convolution".
    single = conv2d_params((3, 3), 64, 64, bias=False)
    factorised = conv2d_params((3, 1), 64, 64, bias=False) + conv2d_params((1, 3), 64, 64, bias=False)
    assert round(1 - factorised / single, 2) == 0.33
    single_macs = conv2d_macs(17, 17, (3, 3), 64, 64)
    factorised_macs = conv2d_macs(17, 17, (3, 1), 64, 64) + conv2d_macs(17, 17, (1, 3), 64, 64)
    assert round(1 - factorised_macs / single_macs, 2) == 0.33


def test_seed000_inception_v2_table_grid_sizes():
    # Seed 000 Inception-v2 table: 299 -conv 3x3/2-> 149 -3x3/1-> 147 -padded 3x3/1-> 147
    # -pool 3x3/2-> 73 ... -conv 3x3/2-> 35 (the "71 → 35" row).
    assert conv_output_size(299, 3, 2) == 149
    assert conv_output_size(149, 3, 1) == 147
    assert conv_output_size(147, 3, 1, 1) == 147
    assert pool_output_size(147, 3, 2) == 73
    assert conv_output_size(71, 3, 2) == 35


# ------------------------------------------------------------------ seed 002: AlexNet / LeNet tables, memory

def test_seed002_alexnet_and_lenet_tables():
    # Seed 002 Table 14-2 (AlexNet): 227 -C1 11x11/4 VALID-> 55 -S2 3x3/2-> 27 -C3 5x5 SAME-> 27
    # -S4 3x3/2-> 13 -C5..C7 3x3 SAME-> 13.
    assert conv_output_size(227, 11, 4, "valid") == 55
    assert pool_output_size(55, 3, 2, "valid") == 27
    assert conv_output_size(27, 5, 1, "same") == 27
    assert pool_output_size(27, 3, 2, "valid") == 13
    assert conv_output_size(13, 3, 1, "same") == 13
    # Seed 002 Table 14-1 (LeNet-5): 32 -C1 5x5-> 28 -S2 2x2/2-> 14 -C3 5x5-> 10 -S4-> 5 -C5 5x5-> 1.
    sizes = [32]
    for op, k, s in [("c", 5, 1), ("p", 2, 2), ("c", 5, 1), ("p", 2, 2), ("c", 5, 1)]:
        sizes.append(conv_output_size(sizes[-1], k, s) if op == "c" else pool_output_size(sizes[-1], k, s))
    assert sizes == [32, 28, 14, 10, 5, 1]


def test_seed002_activation_memory_training_vs_inference():
    # Seed 002 "Memory Requirements": during inference only two consecutive layers are needed;
    # during training everything computed in the forward pass is kept (the total).
    # Seed 001's network, float32: 28x28x1, 28x28x16, 14x14x16, 14x14x32, 7x7x32, 10.
    shapes = [(28, 28, 1), (28, 28, 16), (14, 14, 16), (14, 14, 32), (7, 7, 32), (10,)]
    sizes = [activation_bytes(s) for s in shapes]
    assert sizes == [3136, 50176, 12544, 25088, 6272, 40]     # 4 bytes · H·W·C
    assert activation_memory(sizes, "training") == 97_256
    # The largest consecutive pair: conv 1's 28x28x16 output and pool 1's 14x14x16.
    assert activation_memory(sizes, "inference") == 50176 + 12544
    # Seed 002's remedies: a smaller mini-batch or 16-bit floats shrink it proportionally.
    assert activation_bytes((28, 28, 16), dtype_bytes=2, batch_size=32) == 28 * 28 * 16 * 2 * 32
    with pytest.raises(ValueError, match="training"):
        activation_memory(sizes, "eval")


# ------------------------------------------------------------------ seed 003: 4x4 / 2x2 tables

@pytest.mark.parametrize("w,k,s,p,out", [
    (4, 2, 1, 0, 3),   # seed 003: "w = 4, k = 2, s = 1, p = 0" → Output 3×3
    (4, 2, 2, 0, 2),   # seed 003: "Stride equal to 2" → Output 2×2
    # Seed 003: "Padding equal to 1 ... w = 4, k = 2, s = 2, p = 1": the slide's own formula
    # (w - k + 2p)/s + 1 gives (4 - 2 + 2)/2 + 1 = 3 (its "Output 2×2" caption is carried over
    # from the previous slide; Keras agrees with 3 in test_seed003_padding_example_in_keras).
    (4, 2, 2, 1, 3),
    (28, 5, 1, 0, 24),  # seed 003: RGB 3x28x28 with a 3x5x5 kernel → features 1x24x24
])
def test_seed003_kernel_stride_padding_table(w, k, s, p, out):
    assert conv_output_size(w, k, s, p) == out
    assert (w - k + 2 * p) // s + 1 == out  # the slide's formula, as written


def test_seed003_padding_example_in_keras():
    keras = pytest.importorskip("keras")
    x = np.arange(1, 17, dtype="float32").reshape(1, 4, 4, 1)   # seed 003's 4x4 input 1..16
    padded = keras.layers.ZeroPadding2D(1)(x)
    y = keras.layers.Conv2D(1, 2, strides=2, padding="valid")(padded)
    assert tuple(y.shape[1:3]) == (conv_output_size(4, 2, 2, 1),) * 2 == (3, 3)


def test_seed003_pooling_values_in_keras():
    keras = pytest.importorskip("keras")
    # Seed 003: "Pooling with a 2x2 kernel and stride 2" on the 4x4 input 1..16.
    x = np.arange(1, 17, dtype="float32").reshape(1, 4, 4, 1)
    avg = np.asarray(keras.layers.AveragePooling2D(2, 2)(x))[0, :, :, 0]
    mx = np.asarray(keras.layers.MaxPooling2D(2, 2)(x))[0, :, :, 0]
    np.testing.assert_allclose(avg, [[3.5, 5.5], [11.5, 13.5]])
    np.testing.assert_allclose(mx, [[6, 8], [14, 16]])
    assert avg.shape == (pool_output_size(4, 2, 2),) * 2


def test_seed003_convolution_example_in_keras():
    keras = pytest.importorskip("keras")
    # Seed 003's animated example: 5x5 input, 3x3 kernel (the subscripts), output 3x3.
    image = np.array([[3, 3, 2, 1, 0], [0, 0, 1, 3, 1], [3, 1, 2, 2, 3], [2, 0, 0, 2, 2], [2, 0, 0, 0, 1]],
                     dtype="float32")
    kernel = np.array([[0, 1, 2], [2, 2, 0], [0, 1, 2]], dtype="float32")
    conv = keras.layers.Conv2D(1, 3, use_bias=False)
    conv.build((None, 5, 5, 1))
    conv.set_weights([kernel.reshape(3, 3, 1, 1)])
    out = np.asarray(conv(image.reshape(1, 5, 5, 1)))[0, :, :, 0]
    np.testing.assert_allclose(out, [[12, 12, 17], [10, 17, 19], [9, 6, 14]])
    assert out.shape == (conv_output_size(5, 3),) * 2


# ------------------------------------------------------------------ seed 004

def test_seed004_volume_times_filter():
    # Seed 004: input 10x10x3 * filter 3x3x3 → output (feature map) 8x8x1.
    assert conv_output_size(10, 3) == 8
    assert conv2d_params(3, 3, 1, bias=False) == 3 * 3 * 3     # one 3x3x3 filter's weights
    assert conv2d_macs(8, 8, 3, 3, 1) == 8 * 8 * 27            # a dot product of 27 per position


def test_seed004_pooling_formula():
    # Seed 004: h_out = (h_in - h)/s + 1, w_out = (w_in - w)/s + 1 ("window 2×2, stride 2").
    for h_in, h, s in [(8, 2, 2), (24, 2, 2), (13, 3, 2), (7, 3, 1)]:
        assert pool_output_size(h_in, h, s) == (h_in - h) // s + 1


# ------------------------------------------------------------------ receptive field

def test_receptive_field_of_stacked_3x3_convolutions():
    # Seed 000: "Increases linearly as number of convolutional layers increases";
    # seed 002/001: two 3x3 see what one 5x5 sees; seed 004 (VGG): three 3x3 see a 7x7.
    for n in range(1, 8):
        rf = receptive_field([(3, 1)] * n)
        assert (rf.size, rf.jump) == (2 * n + 1, 1)
    assert receptive_field([(3, 1)] * 3).size == receptive_field([(7, 1)]).size == 7


def test_receptive_field_with_pooling_and_dilation():
    # r_out = r_in + (k_eff - 1)·j_in, j_out = j_in·s: 3 → 5, pool 2/2: 6 (jump 2), 3x3: 6 + 2·2 = 10.
    table = receptive_field_table([(3, 1), (3, 1), ("pool", 2, 2), (3, 1)])
    assert [(rf.size, rf.jump) for _, rf in table] == [(3, 1), (5, 1), (6, 2), (10, 2)]
    # A 3x3 kernel with dilation 2 spans 5x5 (d·(k − 1) + 1).
    assert receptive_field([{"kernel": 3, "stride": 1, "dilation": 2}]).size == 5
    # Valid padding moves the first unit's centre: after one 3x3 it sits on input pixel 1.
    assert receptive_field([(3, 1)]).start == 1
    assert receptive_field([(3, 1, 1)]).start == 0


def test_receptive_field_same_padding_needs_size_for_strides():
    with pytest.raises(ValueError, match="input_size"):
        receptive_field([(3, 2, "same")])
    # With the size known: 8 → same padding (0, 1) for a 3x3 stride 2 (TensorFlow pads after).
    assert same_padding(8, 3, 2) == (0, 1)
    assert receptive_field([(3, 2, "same")], input_size=8).start == 1


def test_receptive_field_spec_errors():
    with pytest.raises(TypeError, match="spec"):
        receptive_field(["conv3x3"])
    with pytest.raises(ValueError, match="empty"):
        receptive_field([])


def test_conv_output_formula_text():
    # DESIGN.md's error example: "(14 - 5 + 2·0)/1 + 1 = 10".
    assert conv_output_formula(14, 5, 1, 0) == "(14 - 5 + 2·0)/1 + 1 = 10"
    assert conv_output_formula(28, 5, 1, "same") == '⌈28/1⌉ = 28 (padding="same")'


def test_parameter_formulas_written_out_for_students():
    from cnnkit.analysis import (batch_norm_params_formula, conv2d_params_formula, dense_params_formula,
                                 depthwise_conv2d_params_formula, separable_conv2d_params_formula)

    # Seed 001's network: conv1 5x5, 1 → 16 channels; FC 7·7·32 = 1568 → 10; BN on 16 channels.
    assert conv2d_params_formula(5, 1, 16) == "5·5·1·16 + 16"
    assert dense_params_formula(1568, 10) == "1568·10 + 10"
    assert batch_norm_params_formula(16) == "2·16 trainable (γ, β) + 2·16 non-trainable (moving mean, variance)"
    assert batch_norm_params_formula(16, center=False) == "1·16 trainable (γ) + 2·16 non-trainable (moving mean, variance)"
    # DESIGN.md: separable = k·k·C_in·dm + C_in·dm·F (+F); the multiplier is written only when it is not 1.
    assert separable_conv2d_params_formula(3, 32, 64) == "3·3·32 + 32·64 + 64"
    assert separable_conv2d_params_formula(3, 32, 64, depth_multiplier=2, bias=False) == "3·3·32·2 + 32·2·64"
    assert depthwise_conv2d_params_formula(3, 32, depth_multiplier=2) == "3·3·32·2 + 64"
    assert conv2d_params_formula((3, 3), 64, 64, bias=False, groups=2) == "3·3·(64/2)·64"
