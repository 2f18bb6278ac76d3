# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown] nbgrader={"grade": false, "grade_id": "intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# # 02 · Shapes and parameters
#
# Before training a network you should be able to say, for every layer, **what shape comes out**, **how
# many parameters** it has and **how much compute** it costs. You will write those formulas, then work
# through LeNet-5 and AlexNet (seed 002's tables), the Fashion-MNIST network of seed 001, the "why not a
# fully connected network" numbers and the Inception cost example of seed 000.
# Every answer is checked against what Keras actually builds.

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import math

import keras
import numpy as np
from keras import layers

from cnnkit.grading import GradingError, check_output_shape, check_param_count


def expect(found, expected, what, why=""):
    # Fail with "what: expected ..., got ... — why" (the test cells use it).
    if found != expected:
        raise GradingError(what, expected, found, why)


def keras_stack(layer_list, input_shape):
    # Build layer_list on keras.Input(input_shape): Keras then knows every shape and parameter.
    inputs = keras.Input(shape=input_shape)
    x = inputs
    for layer in layer_list:
        x = layer(x)
    return keras.Model(inputs, x)


# %% [markdown] nbgrader={"grade": false, "grade_id": "out-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 1. Output size
#
# For an input of size $n$, kernel $k$, stride $s$, zero padding $p$ on each side and dilation $d$
# (a dilated kernel spans $d(k-1)+1$ pixels):
#
# $$n_{out} = \left\lfloor \frac{n + 2p - d(k-1) - 1}{s} \right\rfloor + 1$$
#
# With $d = 1$ this is the lectures' $\frac{n - k + 2p}{s} + 1$ (seeds 001, 003). Pooling uses the same
# formula with the window size as $k$ (and usually $s = k$).
#
# **Q1.** Write `out_size(n, k, s=1, p=0, d=1)`.

# %% nbgrader={"grade": false, "grade_id": "out_size", "locked": false, "schema_version": 3, "solution": true, "task": false}
def out_size(n, k, s=1, p=0, d=1):
    # Spatial output size of a convolution or pooling along one axis.
    ### BEGIN SOLUTION
    return (n + 2 * p - d * (k - 1) - 1) // s + 1
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_out_size", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# Seed 001, the Fashion-MNIST network: (28 - 5 + 2·2)/1 + 1 = 28, (28 - 2)/2 + 1 = 14, then 14 and 7.
expect(out_size(28, 5, 1, 2), 28, "conv1 on 28x28 (5x5, stride 1, padding 2)")
expect(out_size(28, 2, 2), 14, "pool1 on 28x28 (2x2, stride 2)")
expect(out_size(14, 5, 1, 2), 14, "conv2 on 14x14")
expect(out_size(14, 2, 2), 7, "pool2 on 14x14")
# Seed 001: a 9x9 image, 3x3 filter and one layer of padding keeps 9x9.
expect(out_size(9, 3, 1, 1), 9, "9x9 image, 3x3 kernel, padding 1")
# Seed 003: w = 4, k = 2 gives 3 with stride 1 and 2 with stride 2; 28x28 with 5x5 gives 24x24.
expect(out_size(4, 2, 1), 3, "4x4 input, 2x2 kernel, stride 1")
expect(out_size(4, 2, 2), 2, "4x4 input, 2x2 kernel, stride 2")
expect(out_size(28, 5), 24, "28x28 input, 5x5 kernel")
### BEGIN HIDDEN TESTS
for n, k, s, p, d in [(227, 11, 4, 0, 1), (13, 3, 2, 0, 1), (32, 3, 1, 0, 2), (17, 3, 1, 2, 3),
                      (10, 4, 3, 1, 1), (299, 3, 2, 0, 1), (8, 2, 1, 0, 4)]:
    model = keras_stack([layers.ZeroPadding2D(p), layers.Conv2D(1, k, strides=s, dilation_rate=d)], (n, n, 1))
    expect(out_size(n, k, s, p, d), int(model.output.shape[1]), f"out_size(n={n}, k={k}, s={s}, p={p}, d={d})",
           "Keras builds this size: floor((n + 2p - d(k-1) - 1)/s) + 1")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "params-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 2. Parameters
#
# * A convolution with `C_out` kernels of size $k_h \times k_w \times C_{in}$: $k_h k_w C_{in} C_{out}$
#   weights plus $C_{out}$ biases.
# * A dense layer from $n_{in}$ to $n_{out}$: $n_{in} n_{out} + n_{out}$.
# * A depthwise-separable convolution (Xception, MobileNet; seed 002): one $k \times k$ filter per input
#   channel (times the depth multiplier $m$), then a $1\times1$ convolution:
#   $k^2 C_{in} m + C_{in} m C_{out} + C_{out}$.
#
# **Q2.** Write `conv_params`, `dense_params` and `separable_params` (`bias=False` drops the biases).

# %% nbgrader={"grade": false, "grade_id": "params", "locked": false, "schema_version": 3, "solution": true, "task": false}
def conv_params(k, c_in, c_out, bias=True):
    ### BEGIN SOLUTION
    return k * k * c_in * c_out + (c_out if bias else 0)
    ### END SOLUTION


def dense_params(n_in, n_out, bias=True):
    ### BEGIN SOLUTION
    return n_in * n_out + (n_out if bias else 0)
    ### END SOLUTION


def separable_params(k, c_in, c_out, depth_multiplier=1, bias=True):
    ### BEGIN SOLUTION
    return k * k * c_in * depth_multiplier + c_in * depth_multiplier * c_out + (c_out if bias else 0)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_params", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# Seed 001's conv1 (16 kernels 5x5 on 1 channel) and its FC layer (7·7·32 -> 10), as Keras builds them.
check_param_count(conv_params(5, 1, 16), keras_stack([layers.Conv2D(16, 5)], (28, 28, 1)).count_params(), "conv_params(5, 1, 16)")
check_param_count(dense_params(7 * 7 * 32, 10), keras_stack([layers.Dense(10)], (1568,)).count_params(), "dense_params(1568, 10)")
check_param_count(separable_params(3, 64, 128), keras_stack([layers.SeparableConv2D(128, 3)], (8, 8, 64)).count_params(),
                  "separable_params(3, 64, 128)")
### BEGIN HIDDEN TESTS
for k, c_in, c_out, bias in [(3, 3, 64, True), (1, 192, 16, False), (11, 3, 96, True), (7, 5, 2, False)]:
    check_param_count(conv_params(k, c_in, c_out, bias),
                      keras_stack([layers.Conv2D(c_out, k, use_bias=bias)], (12, 12, c_in)).count_params(),
                      f"conv_params({k}, {c_in}, {c_out}, bias={bias})")
for n_in, n_out, bias in [(9216, 4096, True), (84, 10, False), (3, 1, True)]:
    check_param_count(dense_params(n_in, n_out, bias), keras_stack([layers.Dense(n_out, use_bias=bias)], (n_in,)).count_params(),
                      f"dense_params({n_in}, {n_out}, bias={bias})")
for k, c_in, c_out, m, bias in [(5, 32, 64, 2, True), (3, 728, 728, 1, False)]:
    layer = layers.SeparableConv2D(c_out, k, depth_multiplier=m, use_bias=bias)
    check_param_count(separable_params(k, c_in, c_out, m, bias), keras_stack([layer], (9, 9, c_in)).count_params(),
                      f"separable_params({k}, {c_in}, {c_out}, depth_multiplier={m}, bias={bias})")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "macs-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 3. Compute: multiply-accumulates (MACs)
#
# Every output value of a convolution is a dot product of $k \cdot k \cdot C_{in}$ terms, and there are
# $H_{out} W_{out} C_{out}$ output values. Seed 000 prices the 5×5 branch of a naive Inception module on a
# 28×28×192 input with 32 filters: $28 \cdot 28 \cdot 32 \cdot 5 \cdot 5 \cdot 192 \approx$ **120M**, and
# shows that a 1×1 convolution down to 16 channels first brings it to **12.4M**.
#
# **Q3.** Write `conv_macs(h_out, w_out, k, c_in, c_out)` and `inception_5x5_macs(reduce_to=None)`: the MACs
# of that 5×5 branch ("same" padding, so 28×28 out), with an optional 1×1 reduction to `reduce_to` channels first.

# %% nbgrader={"grade": false, "grade_id": "macs", "locked": false, "schema_version": 3, "solution": true, "task": false}
def conv_macs(h_out, w_out, k, c_in, c_out):
    ### BEGIN SOLUTION
    return h_out * w_out * c_out * k * k * c_in
    ### END SOLUTION


def inception_5x5_macs(reduce_to=None):
    ### BEGIN SOLUTION
    if reduce_to is None:
        return conv_macs(28, 28, 5, 192, 32)
    return conv_macs(28, 28, 1, 192, reduce_to) + conv_macs(28, 28, 5, reduce_to, 32)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_macs", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# Seed 000 (exact values in DESIGN.md): 120,422,400 ("120M") and 12,443,648 ("12.4M").
expect(inception_5x5_macs(), 120_422_400, "naive 5x5 branch on 28x28x192 -> 32", "28·28·32·5·5·192")
expect(inception_5x5_macs(16), 12_443_648, "5x5 branch after a 1x1 reduction to 16",
       "28·28·16·1·1·192 + 28·28·32·5·5·16")
### BEGIN HIDDEN TESTS
from cnnkit.analysis import conv2d_macs

for args in [(55, 55, 11, 3, 96), (13, 13, 3, 256, 384), (1, 1, 5, 16, 120)]:
    expect(conv_macs(*args), conv2d_macs(args[0], args[1], args[2], args[3], args[4]), f"conv_macs{args}")
expect(inception_5x5_macs(32), conv2d_macs(28, 28, 1, 192, 32) + conv2d_macs(28, 28, 5, 32, 32),
       "5x5 branch after a 1x1 reduction to 32")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "rf-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 4. Receptive field
#
# The receptive field of a unit is the patch of the input it can see. Each layer with kernel $k$ adds
# $(k-1)$ times the product of all earlier strides ("jump"):
# $r_{out} = r_{in} + (k-1)\, j_{in}$, $j_{out} = j_{in}\, s$, starting from $r = j = 1$.
# Two stacked 3×3 convolutions see 5×5 — the reason seed 002 recommends them instead of one 5×5 kernel.
#
# **Q4.** Write `receptive_field_size(stack)`, where `stack` is a list of `(kernel, stride)` pairs.

# %% nbgrader={"grade": false, "grade_id": "receptive_field", "locked": false, "schema_version": 3, "solution": true, "task": false}
def receptive_field_size(stack):
    ### BEGIN SOLUTION
    r, j = 1, 1
    for k, s in stack:
        r += (k - 1) * j
        j *= s
    return r
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_receptive_field", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
# Seed 002: two 3x3 convolutions cover what one 5x5 covers; three cover 7x7.
expect(receptive_field_size([(3, 1), (3, 1)]), 5, "two 3x3 convolutions")
expect(receptive_field_size([(3, 1)] * 3), 7, "three 3x3 convolutions")
### BEGIN HIDDEN TESTS
from cnnkit.analysis import receptive_field

for stack in [[(5, 1), (2, 2), (5, 1), (2, 2)],                       # seed 001's network
              [(11, 4), (3, 2), (5, 1), (3, 2), (3, 1), (3, 1), (3, 1), (3, 2)],  # AlexNet
              [(7, 2), (3, 2), (3, 1), (3, 1)]]:
    expect(receptive_field_size(stack), int(np.max(receptive_field(stack).size)), f"receptive_field_size({stack})")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "lenet-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 5. LeNet-5 (seed 002, table 14-1)
#
# | Layer | Type | Maps | Size | Kernel | Stride | Activation |
# |---|---|---|---|---|---|---|
# | In | Input | 1 | 32×32 | – | – | – |
# | C1 | Convolution | 6 | 28×28 | 5×5 | 1 | tanh |
# | S2 | Avg pooling | 6 | 14×14 | 2×2 | 2 | tanh |
# | C3 | Convolution | 16 | 10×10 | 5×5 | 1 | tanh |
# | S4 | Avg pooling | 16 | 5×5 | 2×2 | 2 | tanh |
# | C5 | Convolution | 120 | 1×1 | 5×5 | 1 | tanh |
# | F6 | Fully connected | – | 84 | – | – | tanh |
# | Out | Fully connected | – | 10 | – | – | softmax (the paper: RBF) |
#
# **Q5.** Build it with the functional API: `build_lenet5()` returns a `keras.Model` whose layers are named
# `"C1"`, `"S2"`, `"C3"`, `"S4"`, `"C5"`, `"F6"`, `"OUT"` (a `Flatten` between C5 and F6 is fine), and fill
# `LENET5_PARAMS` with each layer's parameter count **using your formula functions**.

# %% nbgrader={"grade": false, "grade_id": "lenet5", "locked": false, "schema_version": 3, "solution": true, "task": false}
def build_lenet5():
    ### BEGIN SOLUTION
    inputs = keras.Input(shape=(32, 32, 1))
    x = layers.Conv2D(6, 5, activation="tanh", name="C1")(inputs)
    x = layers.AveragePooling2D(2, name="S2")(x)
    x = layers.Conv2D(16, 5, activation="tanh", name="C3")(x)
    x = layers.AveragePooling2D(2, name="S4")(x)
    x = layers.Conv2D(120, 5, activation="tanh", name="C5")(x)
    x = layers.Flatten()(x)
    x = layers.Dense(84, activation="tanh", name="F6")(x)
    outputs = layers.Dense(10, activation="softmax", name="OUT")(x)
    return keras.Model(inputs, outputs, name="lenet5")
    ### END SOLUTION


### BEGIN SOLUTION
LENET5_PARAMS = {
    "C1": conv_params(5, 1, 6),
    "S2": 0,
    "C3": conv_params(5, 6, 16),
    "S4": 0,
    "C5": conv_params(5, 16, 120),
    "F6": dense_params(120, 84),
    "OUT": dense_params(84, 10),
}
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_lenet5", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
lenet = build_lenet5()
# Sizes and maps of seed 002's table 14-1.
TABLE_14_1 = {"C1": (28, 28, 6), "S2": (14, 14, 6), "C3": (10, 10, 16), "S4": (5, 5, 16), "C5": (1, 1, 120),
              "F6": (84,), "OUT": (10,)}
for name, shape in TABLE_14_1.items():
    check_output_shape(keras.Model(lenet.inputs, lenet.get_layer(name).output), shape, f"LeNet-5 {name}")
### BEGIN HIDDEN TESTS
for name in TABLE_14_1:
    check_param_count(LENET5_PARAMS[name], lenet.get_layer(name).count_params(), f"LENET5_PARAMS[{name!r}]")
from cnnkit.models import LeNet5
check_param_count(lenet, LeNet5().count_params(), "LeNet-5 total (as cnnkit.models.LeNet5 builds it; C3 fully connected to S2)")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "alexnet-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 6. AlexNet (seed 002, table 14-2)
#
# | Layer | Type | Maps | Size | Kernel | Stride | Padding |
# |---|---|---|---|---|---|---|
# | In | Input | 3 | 227×227 | – | – | – |
# | C1 | Convolution | 96 | 55×55 | 11×11 | 4 | valid |
# | S2 | Max pooling | 96 | 27×27 | 3×3 | 2 | valid |
# | C3 | Convolution | 256 | 27×27 | 5×5 | 1 | same |
# | S4 | Max pooling | 256 | 13×13 | 3×3 | 2 | valid |
# | C5 | Convolution | 384 | 13×13 | 3×3 | 1 | same |
# | C6 | Convolution | 384 | 13×13 | 3×3 | 1 | same |
# | C7 | Convolution | 256 | 13×13 | 3×3 | 1 | same |
# | F8 | Fully connected | – | 4,096 | – | – | – |
# | F9 | Fully connected | – | 4,096 | – | – | – |
# | Out | Fully connected | – | 1,000 | – | – | – |
#
# The table leaves out the paper's third max pooling (3×3, stride 2) after C7, call it **S7**; F8 reads
# S7's output flattened.
#
# **Q6.** Without building the model, fill `ALEXNET` with `(height, width, channels)` (or `(units,)`) and the
# parameter count of each layer, from your functions. Then answer: how many parameters would F8 have if
# it read C7's output directly, without S7 (`F8_WITHOUT_S7`)?

# %% nbgrader={"grade": false, "grade_id": "alexnet", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
c1 = out_size(227, 11, 4)
s2 = out_size(c1, 3, 2)
s4 = out_size(s2, 3, 2)
s7 = out_size(s4, 3, 2)
ALEXNET = {
    "C1": ((c1, c1, 96), conv_params(11, 3, 96)),
    "S2": ((s2, s2, 96), 0),
    "C3": ((s2, s2, 256), conv_params(5, 96, 256)),
    "S4": ((s4, s4, 256), 0),
    "C5": ((s4, s4, 384), conv_params(3, 256, 384)),
    "C6": ((s4, s4, 384), conv_params(3, 384, 384)),
    "C7": ((s4, s4, 256), conv_params(3, 384, 256)),
    "S7": ((s7, s7, 256), 0),
    "F8": ((4096,), dense_params(s7 * s7 * 256, 4096)),
    "F9": ((4096,), dense_params(4096, 4096)),
    "OUT": ((1000,), dense_params(4096, 1000)),
}
F8_WITHOUT_S7 = dense_params(s4 * s4 * 256, 4096)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_alexnet", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# Seed 002's sizes for the convolutional part.
for name, size in {"C1": 55, "S2": 27, "C3": 27, "S4": 13, "C5": 13, "C6": 13, "C7": 13}.items():
    expect(ALEXNET[name][0][:2], (size, size), f"AlexNet {name} size", "seed 002, table 14-2")
### BEGIN HIDDEN TESTS
# What Keras builds from the table (plus S7).
stack = [layers.Conv2D(96, 11, strides=4, name="C1"), layers.MaxPooling2D(3, 2, name="S2"),
         layers.Conv2D(256, 5, padding="same", name="C3"), layers.MaxPooling2D(3, 2, name="S4"),
         layers.Conv2D(384, 3, padding="same", name="C5"), layers.Conv2D(384, 3, padding="same", name="C6"),
         layers.Conv2D(256, 3, padding="same", name="C7"), layers.MaxPooling2D(3, 2, name="S7"),
         layers.Flatten(), layers.Dense(4096, name="F8"), layers.Dense(4096, name="F9"), layers.Dense(1000, name="OUT")]
alexnet = keras_stack(stack, (227, 227, 3))
for name, (shape, params) in ALEXNET.items():
    layer = alexnet.get_layer(name)
    expect(tuple(shape), tuple(layer.output.shape[1:]), f"ALEXNET[{name!r}] shape")
    check_param_count(params, layer.count_params(), f"ALEXNET[{name!r}] parameters")
check_param_count(sum(p for _, p in ALEXNET.values()), alexnet.count_params(), "AlexNet total (seed 001: over 60 million)")
expect(F8_WITHOUT_S7, 13 * 13 * 256 * 4096 + 4096, "F8_WITHOUT_S7", "13·13·256 inputs, each to 4,096 units, plus biases")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "fashion-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 7. The Fashion-MNIST network of seed 001
#
# `[CONV1 16@5×5, p=2] → [BN] → [ReLU] → [POOL1 2×2/2] → [CONV2 32@5×5, p=2] → [BN] → [ReLU] → [POOL2 2×2/2] → [FC 10]`
# on 28×28×1 images. Batch normalization keeps 4 numbers per channel: γ and β (trained) and the moving
# mean and variance (not trained) — all four count in Keras's parameter total.
#
# **Q7.** Fill `FASHION_CNN` with `(output shape, parameters)` for `conv1`, `bn1`, `pool1`, `conv2`, `bn2`,
# `pool2` and `fc`, and `FASHION_CNN_TOTAL`.

# %% nbgrader={"grade": false, "grade_id": "fashion_cnn", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
h1 = out_size(28, 5, 1, 2)
p1 = out_size(h1, 2, 2)
h2 = out_size(p1, 5, 1, 2)
p2 = out_size(h2, 2, 2)
FASHION_CNN = {
    "conv1": ((h1, h1, 16), conv_params(5, 1, 16)),
    "bn1": ((h1, h1, 16), 4 * 16),
    "pool1": ((p1, p1, 16), 0),
    "conv2": ((h2, h2, 32), conv_params(5, 16, 32)),
    "bn2": ((h2, h2, 32), 4 * 32),
    "pool2": ((p2, p2, 32), 0),
    "fc": ((10,), dense_params(p2 * p2 * 32, 10)),
}
FASHION_CNN_TOTAL = sum(p for _, p in FASHION_CNN.values())
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_fashion_cnn", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# Seed 001: 28x28x16 after conv1, 14x14x16, 14x14x32, 7x7x32; 29,130 parameters (DESIGN.md).
for name, shape in {"conv1": (28, 28, 16), "pool1": (14, 14, 16), "conv2": (14, 14, 32), "pool2": (7, 7, 32)}.items():
    expect(tuple(FASHION_CNN[name][0]), shape, f"FASHION_CNN[{name!r}] shape", "seed 001's worked sizes")
expect(FASHION_CNN_TOTAL, 29_130, "FASHION_CNN_TOTAL")
### BEGIN HIDDEN TESTS
from cnnkit.models import SimpleCNN

reference = SimpleCNN()
for name, (shape, params) in FASHION_CNN.items():
    layer = reference.get_layer("predictions" if name == "fc" else name)
    expect(tuple(shape), tuple(layer.output.shape[1:]), f"FASHION_CNN[{name!r}] shape")
    check_param_count(params, layer.count_params(), f"FASHION_CNN[{name!r}] parameters")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "fc-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 8. Why not a fully connected network?
#
# A neuron of a fully connected first layer has one weight per input value. Seed 001: a 28×28×3 image
# gives 2,352 weights per neuron, a 200×200×3 image 120,000. Seed 003: classifying 224×224×3 images into
# 1,000 classes with a single dense layer needs more than 150M parameters. Seed 001 also estimates a
# 1920×1080×3 input (about 6 million values) into a hidden layer of 4 million neurons.
#
# **Q8.** Compute, with your functions: `W_28` and `W_200` (weights of **one** neuron, no bias),
# `SINGLE_LAYER_224` (all parameters, with biases, of that 224×224×3 → 1000 layer),
# `FULL_HD_WEIGHTS` (weights from 1920×1080×3 inputs to exactly 4,000,000 neurons) and, for comparison,
# `CONV_1000` — the parameters of a convolution with 1,000 kernels of 5×5 on the same 224×224×3 image.

# %% nbgrader={"grade": false, "grade_id": "fully_connected", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
W_28 = dense_params(28 * 28 * 3, 1, bias=False)
W_200 = dense_params(200 * 200 * 3, 1, bias=False)
SINGLE_LAYER_224 = dense_params(224 * 224 * 3, 1000)
FULL_HD_WEIGHTS = dense_params(1920 * 1080 * 3, 4_000_000, bias=False)
CONV_1000 = conv_params(5, 3, 1000)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_fully_connected", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
expect(W_28, 2_352, "W_28", "seed 001: 28·28·3 weights per neuron")
expect(W_200, 120_000, "W_200", "seed 001: 200·200·3 weights per neuron")
assert SINGLE_LAYER_224 > 150_000_000, f"SINGLE_LAYER_224: seed 003 says more than 150M, got {SINGLE_LAYER_224:,}"
### BEGIN HIDDEN TESTS
from cnnkit.analysis import conv2d_params, dense_params as dense_formula

expect(SINGLE_LAYER_224, dense_formula(224 * 224 * 3, 1000), "SINGLE_LAYER_224")
expect(FULL_HD_WEIGHTS, 1920 * 1080 * 3 * 4_000_000, "FULL_HD_WEIGHTS",
       "6,220,800 inputs × 4,000,000 neurons ≈ 2.5·10^13 — trillions, not the slide's '24 million'")
expect(CONV_1000, conv2d_params(5, 3, 1000), "CONV_1000", "a kernel's weights do not depend on the image size")
expect(keras_stack([layers.Dense(1, use_bias=False)], (28 * 28 * 3,)).count_params(), W_28, "W_28 vs Keras")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "outro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Summary
#
# The output-size formula, the parameter formulas and the MAC count are all you need to read an
# architecture table — and `cnnkit.analysis.summarize(model)` prints them for any Keras model.
# Next (03): train the seed 001 network on Fashion-MNIST.
