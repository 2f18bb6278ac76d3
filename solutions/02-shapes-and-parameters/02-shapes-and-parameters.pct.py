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
# **18 points · about 120 minutes · hand in: this notebook (nothing else).**
#
# Before training a network you should be able to say, for every layer, **what shape comes out**, **how
# many parameters** it has and **how much compute** it costs — and to check the numbers you are given.
# You will write those formulas as functions, use them on LeNet-5, AlexNet and the lecture's
# Fashion-MNIST network, and at the end **correct five arithmetic slips** found in the lecture slides.
#
# **Compute, don't look up.** Every number here comes from your own functions. An answer that calls the
# course kit's `cnnkit.analysis`, `cnnkit.models` or `cnnkit.layers`, or builds a Keras/TensorFlow layer
# to read its shape or parameter count, scores 0 for that question whatever its tests say: the grader
# reads your code. Only Q5b asks you to build a model with Keras.
#
# **How this notebook is graded.** Run the test cell under each question: its visible checks compare
# your numbers with what Keras builds and with the lectures' tables, and a failing check says what was
# expected, what you gave, the formula, and often which mistake gives your number. Hidden checks on
# other numbers run when the notebook is graded, so an answer shaped to the visible cases loses points
# there. Lists and tuples are interchangeable wherever a shape is asked for.

# %% nbgrader={"grade": false, "grade_id": "setup-kit", "locked": true, "schema_version": 3, "solution": false, "task": false}
# Set-up: run this cell first. It checks that the course kit (cnnkit) and this assignment's data are
# installed, and says exactly how to fix anything missing. While the notebook is graded it only imports.
import importlib.util, os, subprocess, sys
from pathlib import Path

if importlib.util.find_spec("cnnkit") is None and not os.environ.get("NBGRADER_EXECUTION"):
    wheels = sorted(Path.cwd().glob("cnnkit-*.whl"))  # the assignment's zip has the kit's wheel beside the notebook
    if not wheels:
        raise ImportError("The course kit `cnnkit` is not installed. Put the cnnkit-*.whl from the assignment's "
                          "zip next to this notebook and run this cell again (or: pip install cnnkit-*.whl).")
    print(f"installing the course kit from {wheels[-1].name} ...")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", str(wheels[-1])], check=True)
from cnnkit.checks.setup import ready

ready()

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import math

import numpy as np

from cnnkit.checks import GradingError, check_value

# %% [markdown] nbgrader={"grade": false, "grade_id": "out-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 1. Output size (2 points)
#
# For an input of size $n$, kernel $k$, stride $s$, zero padding $p$ on each side and dilation $d$
# (a dilated kernel spans $d(k-1)+1$ pixels):
#
# $$n_{out} = \left\lfloor \frac{n + 2p - d(k-1) - 1}{s} \right\rfloor + 1$$
#
# With $d = 1$ this is the lectures' $\frac{n - k + 2p}{s} + 1$ (seeds 001 and 003), rounded **down**
# when the division is not exact: the last window must fit inside the padded input. Pooling uses the same
# formula with the window size as $k$ (and usually $s = k$).
#
# **Q1.** Write `out_size(n, k, s=1, p=0, d=1)`; it returns an integer.

# %% nbgrader={"grade": false, "grade_id": "out_size", "locked": false, "schema_version": 3, "solution": true, "task": false}
def out_size(n, k, s=1, p=0, d=1):
    # Spatial output size of a convolution or pooling along one axis.
    ### BEGIN SOLUTION
    return (n + 2 * p - d * (k - 1) - 1) // s + 1
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_out_size", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
import keras  # the reference: the output shapes Keras computes (never in your answers)

CASES = [(28, 5, 1, 2, 1, "seed 001: conv1, 5x5, padding 2"), (28, 2, 2, 0, 1, "seed 001: pool1, 2x2, stride 2"),
         (14, 5, 1, 2, 1, "seed 001: conv2"), (14, 2, 2, 0, 1, "seed 001: pool2"),
         (9, 3, 1, 1, 1, "seed 001: 9x9 image, 3x3 filter, 1 layer of padding"),
         (4, 2, 1, 0, 1, "seed 003: w = 4, k = 2, s = 1"), (4, 2, 2, 0, 1, "seed 003: w = 4, k = 2, s = 2"),
         (28, 5, 1, 0, 1, "seed 003: 28x28 image, 5x5 kernel"),
         (28, 3, 2, 0, 1, "the division is not exact"), (6, 3, 2, 1, 1, "not exact, with padding"),
         (32, 3, 1, 0, 2, "dilation 2"), (17, 3, 1, 2, 3, "dilation 3, padding 2")]
for n, k, s, p, d, what in CASES:
    want = keras.layers.Conv2D(1, k, strides=s, dilation_rate=d).compute_output_shape((1, n + 2 * p, n + 2 * p, 1))[1]
    span = d * (k - 1) + 1  # the pixels a dilated kernel spans
    mistakes = {}
    for value, mistake in [((n + 2 * p - span) / s + 1, "true division `/` instead of floor division `//`"),
                           (math.ceil((n + 2 * p - span) / s) + 1, "rounding up (ceil) instead of down (floor)"),
                           ((n + p - span) // s + 1, "counting the padding once (p instead of 2p)"),
                           ((n + 2 * p - k) // s + 1, "ignoring the dilation"),
                           ((n + 2 * p - d * k) // s + 1, "d·k instead of d(k − 1) + 1 for the dilated kernel")]:
        if value != want:
            mistakes.setdefault(value, mistake)
    check_value(out_size(n, k, s, p, d), want, f"out_size(n={n}, k={k}, s={s}, p={p}, d={d}) ({what})",
                why=f"⌊(n + 2p − d(k−1) − 1)/s⌋ + 1 = ⌊({n} + {2 * p} − {span - 1} − 1)/{s}⌋ + 1 = {want}",
                mistakes=mistakes)
### BEGIN HIDDEN TESTS
import cnnkit.analysis

for n, k, s, p, d in [(227, 11, 4, 0, 1), (13, 3, 2, 0, 1), (10, 4, 3, 1, 1), (299, 3, 2, 0, 1), (8, 2, 1, 0, 4),
                      (7, 3, 3, 2, 1), (20, 3, 2, 1, 2), (15, 5, 4, 3, 2)]:
    want = cnnkit.analysis.conv_output_size(n, k, s, p, d)
    check_value(out_size(n, k, s, p, d), want, f"out_size(n={n}, k={k}, s={s}, p={p}, d={d})",
                why="⌊(n + 2p − d(k−1) − 1)/s⌋ + 1")
    if s == 1 or d == 1:  # Keras allows stride > 1 only without dilation
        built = keras.layers.Conv2D(1, k, strides=s, dilation_rate=d).compute_output_shape((1, n + 2 * p, n + 2 * p, 1))[1]
        check_value(out_size(n, k, s, p, d), built, f"out_size(n={n}, k={k}, s={s}, p={p}, d={d}) as Keras builds it")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "params-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 2. Parameters (2 points)
#
# * A convolution with $C_{out}$ kernels of size $k \times k \times C_{in}$: $k^2 C_{in} C_{out}$ weights plus
#   $C_{out}$ biases (one per kernel). Every kernel spans **all** $C_{in}$ input channels.
# * A dense layer from $n_{in}$ to $n_{out}$ units: $n_{in} n_{out}$ weights plus $n_{out}$ biases.
# * A depthwise-separable convolution (Xception, in the lecture on classic architectures; Keras's
#   `SeparableConv2D`): $m$ spatial $k \times k$ filters per input channel (the depth multiplier $m$,
#   usually 1), then a $1\times1$ convolution from those $C_{in} m$ channels to $C_{out}$, with $C_{out}$
#   biases: $k^2 C_{in} m + C_{in} m C_{out} + C_{out}$.
#
# `bias=False` drops the biases.
#
# **Q2.** Write `conv_params`, `dense_params` and `separable_params`.

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
import keras  # the reference: the parameters of the layers Keras builds (never in your answers)

for k, c_in, c_out, bias, what in [(5, 1, 16, True, "seed 001: conv1"), (5, 16, 32, True, "seed 001: conv2"),
                                   (3, 64, 128, False, "no bias")]:
    layer = keras.layers.Conv2D(c_out, k, use_bias=bias)
    layer.build((None, 32, 32, c_in))
    want, b = layer.count_params(), (c_out if bias else 0)
    mistakes = {}
    for value, mistake in [(k * k * c_out + b, "leaving out C_in (a kernel spans all input channels)"),
                           (k * c_in * c_out + b, "k instead of k·k"), (k * k * c_in * c_out, "forgetting the biases"),
                           (k * k * c_in * c_out + c_out, "adding biases although bias=False"),
                           (k * k * c_in * c_out + c_in, "one bias per input channel (it is one per kernel)")]:
        if value != want:
            mistakes.setdefault(value, mistake)
    check_value(conv_params(k, c_in, c_out, bias), want, f"conv_params({k}, {c_in}, {c_out}, bias={bias}) ({what})",
                why=f"k·k·C_in·C_out + C_out = {k}·{k}·{c_in}·{c_out} + {b}", mistakes=mistakes)
for n_in, n_out, bias, what in [(7 * 7 * 32, 10, True, "seed 001: the FC layer"), (84, 10, False, "no bias")]:
    layer = keras.layers.Dense(n_out, use_bias=bias)
    layer.build((None, n_in))
    want, b = layer.count_params(), (n_out if bias else 0)
    mistakes = {}
    for value, mistake in [(n_in * n_out, "forgetting the biases"), (n_in * n_out + n_out, "adding biases although bias=False"),
                           (n_in * n_out + n_in, "one bias per input (it is one per unit)")]:
        if value != want:
            mistakes.setdefault(value, mistake)
    check_value(dense_params(n_in, n_out, bias), want, f"dense_params({n_in}, {n_out}, bias={bias}) ({what})",
                why=f"n_in·n_out + n_out = {n_in}·{n_out} + {b}", mistakes=mistakes)
for k, c_in, c_out, m in [(3, 64, 128, 1), (3, 32, 64, 2)]:
    layer = keras.layers.SeparableConv2D(c_out, k, depth_multiplier=m)
    layer.build((None, 16, 16, c_in))
    want = layer.count_params()
    mistakes = {}
    for value, mistake in [(k * k * c_in + c_in * c_out + c_out, "ignoring the depth multiplier"),
                           (k * k * c_in * m + c_in * c_out + c_out, "leaving the depth multiplier out of the 1×1 part "
                                                                     "(it reads C_in·m channels)"),
                           (k * k * c_in * m + c_in * m * c_out + c_out + c_in * m, "a bias on the depthwise filters too "
                                                                                    "(Keras has only the C_out biases)"),
                           (k * k * c_in * c_out + c_out, "counting a regular convolution")]:
        if value != want:
            mistakes.setdefault(value, mistake)
    check_value(separable_params(k, c_in, c_out, depth_multiplier=m), want,
                f"separable_params({k}, {c_in}, {c_out}, depth_multiplier={m})",
                why=f"k²·C_in·m + C_in·m·C_out + C_out = {k}²·{c_in}·{m} + {c_in}·{m}·{c_out} + {c_out}", mistakes=mistakes)
### BEGIN HIDDEN TESTS
for k, c_in, c_out, bias in [(3, 3, 64, True), (1, 192, 16, False), (11, 3, 96, True), (7, 5, 2, False)]:
    layer = keras.layers.Conv2D(c_out, k, use_bias=bias)
    layer.build((None, 12, 12, c_in))
    check_value(conv_params(k, c_in, c_out, bias), layer.count_params(), f"conv_params({k}, {c_in}, {c_out}, bias={bias})",
                why="k·k·C_in·C_out (+ C_out biases unless bias=False)")
for n_in, n_out, bias in [(9216, 4096, True), (84, 10, False), (3, 1, True)]:
    layer = keras.layers.Dense(n_out, use_bias=bias)
    layer.build((None, n_in))
    check_value(dense_params(n_in, n_out, bias), layer.count_params(), f"dense_params({n_in}, {n_out}, bias={bias})",
                why="n_in·n_out (+ n_out biases unless bias=False)")
for k, c_in, c_out, m, bias in [(5, 32, 64, 2, True), (3, 728, 728, 1, False), (3, 16, 8, 3, False)]:
    layer = keras.layers.SeparableConv2D(c_out, k, depth_multiplier=m, use_bias=bias)
    layer.build((None, 9, 9, c_in))
    check_value(separable_params(k, c_in, c_out, m, bias), layer.count_params(),
                f"separable_params({k}, {c_in}, {c_out}, depth_multiplier={m}, bias={bias})",
                why="k²·C_in·m + C_in·m·C_out (+ C_out biases unless bias=False)")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "macs-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 3. Compute: multiply-accumulates (2 points)
#
# Every output value of a convolution is a dot product of $k \cdot k \cdot C_{in}$ terms (one
# multiply-accumulate, MAC, each), and there are $H_{out} W_{out} C_{out}$ output values. The lecture on
# Inception (seed 000) prices the 5×5 branch of a naive Inception module on a 28×28×192 input with 32
# filters ("same" padding, so 28×28 out): $28 \cdot 28 \cdot 32 \cdot 5 \cdot 5 \cdot 192 =$ **120M**.
# It then puts a 1×1 convolution in front (filter dimension 1×1×192) and gets a total of **12.4M**; that
# is the count for a reduction to 16 channels: the 1×1 convolution's own MACs plus those of the 5×5
# convolution, which now reads 16 channels instead of 192.
#
# **Q3.** Write `conv_macs(h_out, w_out, k, c_in, c_out)` and `inception_5x5_macs(reduce_to=None)`: the
# MACs of that 5×5 branch, with an optional 1×1 reduction to `reduce_to` channels first.

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
import cnnkit.analysis  # the reference formulas (never in your answers)

for h, w, k, c_in, c_out, what in [(28, 28, 5, 192, 32, "seed 000: the naive 5x5 branch"), (14, 14, 3, 16, 8, "a small layer")]:
    want = cnnkit.analysis.conv2d_macs(h, w, k, c_in, c_out)
    check_value(conv_macs(h, w, k, c_in, c_out), want, f"conv_macs({h}, {w}, {k}, {c_in}, {c_out}) ({what})",
                why=f"H_out·W_out·C_out·k·k·C_in = {h}·{w}·{c_out}·{k}·{k}·{c_in}",
                mistakes={h * w * c_out * k * k: "leaving out C_in", h * w * k * k * c_in: "leaving out C_out",
                          h * w * c_out * k * c_in: "k instead of k·k"})
naive = cnnkit.analysis.conv2d_macs(28, 28, 5, 192, 32)
check_value(inception_5x5_macs(), naive, "inception_5x5_macs()", why="seed 000: 28·28·32·5·5·192 = 120M")
reduce, five = cnnkit.analysis.conv2d_macs(28, 28, 1, 192, 16), cnnkit.analysis.conv2d_macs(28, 28, 5, 16, 32)
check_value(inception_5x5_macs(16), reduce + five, "inception_5x5_macs(16)",
            why="1×1 192 → 16 (28·28·16·1·1·192) + 5×5 16 → 32 (28·28·32·5·5·16): seed 000's 12.4M",
            mistakes={five: "leaving out the 1×1 convolution's own cost", reduce + naive: "the 5×5 still reading 192 channels",
                      naive - five: "subtracting instead of adding"})
### BEGIN HIDDEN TESTS
for args in [(55, 27, 11, 3, 96), (13, 7, 3, 256, 384), (1, 1, 5, 16, 120), (30, 60, 1, 64, 32)]:
    check_value(conv_macs(*args), cnnkit.analysis.conv2d_macs(*args), f"conv_macs{args}",
                why="H_out·W_out·C_out·k·k·C_in (H_out and W_out can differ)")
for r in (32, 64, 8):
    want = cnnkit.analysis.conv2d_macs(28, 28, 1, 192, r) + cnnkit.analysis.conv2d_macs(28, 28, 5, r, 32)
    check_value(inception_5x5_macs(r), want, f"inception_5x5_macs({r})",
                why=f"1×1 192 → {r}, then 5×5 {r} → 32, both on 28×28")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "rf-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 4. Receptive field (1 point)
#
# The receptive field of a unit is the patch of the input it can see. Each layer with kernel $k$ adds
# $(k-1)$ times the product of the strides of **all earlier** layers (the "jump" $j$, the distance in
# input pixels between neighbouring units of its input):
#
# $$r_{out} = r_{in} + (k-1)\, j_{in}, \qquad j_{out} = j_{in}\, s, \qquad r = j = 1 \text{ at the input}.$$
#
# Two stacked 3×3 convolutions see 5×5: the lecture on classic architectures recommends them instead of
# one 5×5 kernel (fewer parameters and computations for the same view).
#
# **Q4.** Write `receptive_field_size(stack)`, where `stack` is a list of `(kernel, stride)` pairs (pooling
# layers too: a 2×2 pooling with stride 2 is `(2, 2)`).

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
import cnnkit.analysis  # the reference (never in your answers)

for stack, what in [([(3, 1), (3, 1)], "two 3x3 convolutions"), ([(3, 1)] * 3, "three 3x3 convolutions"),
                    ([(3, 2), (3, 1)], "a 3x3 stride-2 convolution, then a 3x3"),
                    ([(5, 1), (2, 2), (5, 1), (2, 2)], "seed 001's network: conv 5x5, pool 2/2, conv 5x5, pool 2/2")]:
    want = int(cnnkit.analysis.receptive_field(stack).size)
    check_value(receptive_field_size(stack), want, f"receptive_field_size({stack}) ({what})",
                why="r = 1 + Σ (k − 1) × (product of the strides of the layers before)",
                mistakes={1 + sum(k - 1 for k, _ in stack): "ignoring the strides (each layer's k − 1 counts "
                                                             "in input pixels: times the earlier strides)"})
### BEGIN HIDDEN TESTS
for stack in [[(11, 4), (3, 2), (5, 1), (3, 2), (3, 1), (3, 1), (3, 1), (3, 2)],   # AlexNet
              [(7, 2), (3, 2), (3, 1), (3, 1)], [(2, 2)] * 4, [(1, 1), (5, 3), (3, 1)]]:
    check_value(receptive_field_size(stack), int(cnnkit.analysis.receptive_field(stack).size),
                f"receptive_field_size({stack})", why="r = 1 + Σ (k − 1) × (product of the earlier strides)")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "lenet-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 5. LeNet-5 (2 points)
#
# The lecture on classic architectures (seed 002) gives LeNet-5 as table 14-1:
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
# | Out | Fully connected | – | 10 | – | – | RBF |
#
# Build it as Keras does today: every convolution sees all the maps of the layer before (the 1998 paper
# connected C3 to only some of S2's maps), the pooling layers have no parameters (the paper's had a
# trainable scale and bias), and the output is a softmax (the paper's was RBF).
#
# **Q5a.** Without building anything, fill `LENET5` with `(output shape, parameters)` for `"C1"`, `"S2"`,
# `"C3"`, `"S4"`, `"C5"`, `"F6"` and `"OUT"`, from your `out_size`, `conv_params` and `dense_params`. Shapes
# are `(height, width, maps)` or `(units,)`.

# %% nbgrader={"grade": false, "grade_id": "lenet5_table", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
c1 = out_size(32, 5)
s2 = out_size(c1, 2, 2)
c3 = out_size(s2, 5)
s4 = out_size(c3, 2, 2)
c5 = out_size(s4, 5)
LENET5 = {
    "C1": ((c1, c1, 6), conv_params(5, 1, 6)),
    "S2": ((s2, s2, 6), 0),
    "C3": ((c3, c3, 16), conv_params(5, 6, 16)),
    "S4": ((s4, s4, 16), 0),
    "C5": ((c5, c5, 120), conv_params(5, 16, 120)),
    "F6": ((84,), dense_params(c5 * c5 * 120, 84)),
    "OUT": ((10,), dense_params(84, 10)),
}
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_lenet5_table", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
import cnnkit.analysis  # the reference formulas (never in your answers)

TABLE_14_1 = {"C1": (28, 28, 6), "S2": (14, 14, 6), "C3": (10, 10, 16), "S4": (5, 5, 16), "C5": (1, 1, 120),
              "F6": (84,), "OUT": (10,)}  # seed 002, table 14-1 (sizes and maps)
PARAMS = {"C1": cnnkit.analysis.conv2d_params(5, 1, 6), "S2": 0, "C3": cnnkit.analysis.conv2d_params(5, 6, 16), "S4": 0,
          "C5": cnnkit.analysis.conv2d_params(5, 16, 120), "F6": cnnkit.analysis.dense_params(120, 84),
          "OUT": cnnkit.analysis.dense_params(84, 10)}
WHY = {"C1": "5·5·1·6 + 6", "S2": "pooling has no parameters", "C3": "5·5·6·16 + 16: each kernel spans S2's 6 maps",
       "S4": "pooling has no parameters", "C5": "5·5·16·120 + 120", "F6": "120·84 + 84 (C5's 1×1×120 output)",
       "OUT": "84·10 + 10"}
check_value(sorted(LENET5), sorted(TABLE_14_1), "the layers in LENET5", why="C1, S2, C3, S4, C5, F6 and OUT")
WRONG = {"C3": {5 * 5 * 16 + 16: "leaving out C_in"}, "C5": {5 * 5 * 120 + 120: "leaving out C_in"},
         "S2": {2 * 6: "the 1998 paper's trainable pooling (Keras's has none)"},
         "S4": {2 * 16: "the 1998 paper's trainable pooling (Keras's has none)"},
         "F6": {5 * 5 * 16 * 84 + 84: "F6 reading S4's 5×5×16 (C5 comes first)"}}
for name, shape in TABLE_14_1.items():
    found_shape, found_params = LENET5[name]
    check_value(found_shape, shape, f"LENET5[{name!r}] shape", why="seed 002's table 14-1: size × size × maps",
                mistakes={(32, 32, 6): "padding 'same' (the table's C1 takes 32×32 to 28×28)"} if name == "C1" else None)
    check_value(found_params, PARAMS[name], f"LENET5[{name!r}] parameters", why=WHY[name], mistakes=WRONG.get(name))
### BEGIN HIDDEN TESTS
import keras

reference = [("C1", keras.layers.Conv2D(6, 5)), ("S2", keras.layers.AveragePooling2D(2)), ("C3", keras.layers.Conv2D(16, 5)),
             ("S4", keras.layers.AveragePooling2D(2)), ("C5", keras.layers.Conv2D(120, 5)), ("flat", keras.layers.Flatten()),
             ("F6", keras.layers.Dense(84)), ("OUT", keras.layers.Dense(10))]
shape = (None, 32, 32, 1)
for name, layer in reference:
    layer.build(shape)
    shape = layer.compute_output_shape(shape)
    if name in LENET5:
        check_value(LENET5[name][0], shape[1:], f"LENET5[{name!r}] shape, as Keras builds it")
        check_value(LENET5[name][1], layer.count_params(), f"LENET5[{name!r}] parameters, as Keras builds it")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "lenet-build-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Q5b.** Now build it with Keras's functional API: `build_lenet5()` returns a `keras.Model` on
# 32×32×1 inputs, built from Keras layers (`Conv2D`, `AveragePooling2D`, `Flatten`, `Dense`; not a
# ready-made model), whose layers are named `"C1"`, `"S2"`, `"C3"`, `"S4"`, `"C5"`, `"F6"` and `"OUT"` (a
# `Flatten` between C5 and F6 is fine). Its shapes and parameter counts must agree with your `LENET5`.

# %% nbgrader={"grade": false, "grade_id": "keras-import", "locked": true, "schema_version": 3, "solution": false, "task": false}
import keras

# %% nbgrader={"grade": false, "grade_id": "lenet5", "locked": false, "schema_version": 3, "solution": true, "task": false}
def build_lenet5():
    ### BEGIN SOLUTION
    inputs = keras.Input(shape=(32, 32, 1))
    x = keras.layers.Conv2D(6, 5, activation="tanh", name="C1")(inputs)
    x = keras.layers.AveragePooling2D(2, name="S2")(x)
    x = keras.layers.Conv2D(16, 5, activation="tanh", name="C3")(x)
    x = keras.layers.AveragePooling2D(2, name="S4")(x)
    x = keras.layers.Conv2D(120, 5, activation="tanh", name="C5")(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(84, activation="tanh", name="F6")(x)
    outputs = keras.layers.Dense(10, activation="softmax", name="OUT")(x)
    return keras.Model(inputs, outputs, name="lenet5")
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_lenet5", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
lenet = build_lenet5()
names = [layer.name for layer in lenet.layers]
for name, shape in {"C1": (28, 28, 6), "S2": (14, 14, 6), "C3": (10, 10, 16), "S4": (5, 5, 16), "C5": (1, 1, 120),
                    "F6": (84,), "OUT": (10,)}.items():  # seed 002, table 14-1
    if name not in names:
        raise GradingError(f"layer {name!r}", "a layer with that name", f"layers named {names}",
                           "name the layers as the table does: layers.Conv2D(6, 5, name='C1'), ...")
    layer = lenet.get_layer(name)
    check_value(tuple(layer.output.shape[1:]), shape, f"build_lenet5(): {name} output shape",
                why="seed 002's table 14-1; the convolutions use no padding ('valid')",
                mistakes={(32, 32, 6): "padding='same'"} if name == "C1" else None)
    check_value(layer.count_params(), LENET5[name][1], f"build_lenet5(): {name} parameters",
                why="your LENET5 table says so: the model and the table must agree")
### BEGIN HIDDEN TESTS
import cnnkit.models
from cnnkit.checks import check_built_from

check_built_from(lenet, forbid=("cnnkit.layers", "cnnkit.models", "keras.applications"), what="build_lenet5()")
check_value(lenet.count_params(), cnnkit.models.LeNet5().count_params(), "build_lenet5(): total parameters",
            why="the same network as the course's LeNet5: 61,706 parameters with C3 fully connected to S2")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "alexnet-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 6. AlexNet (2 points)
#
# Seed 002's table 14-2:
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
# The table leaves out the third max pooling of the AlexNet paper (3×3, stride 2) after C7: call it
# **S7**. F8 reads S7's output, flattened. ("same" padding keeps the size with stride 1: for a $k \times k$
# kernel, $p = (k - 1)/2$.)
#
# **Q6.** Without building anything, fill `ALEXNET` with `(output shape, parameters)` for every layer of
# the table plus S7, from your functions, and answer: how many parameters would F8 have if it read C7's
# output directly, without S7 (`F8_WITHOUT_S7`)?

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
import cnnkit.analysis  # the reference formulas (never in your answers)
import keras  # ... and the output shapes Keras computes

TABLE_14_2 = [("C1", keras.layers.Conv2D(96, 11, strides=4)), ("S2", keras.layers.MaxPooling2D(3, 2)),
              ("C3", keras.layers.Conv2D(256, 5, padding="same")), ("S4", keras.layers.MaxPooling2D(3, 2)),
              ("C5", keras.layers.Conv2D(384, 3, padding="same")), ("C6", keras.layers.Conv2D(384, 3, padding="same")),
              ("C7", keras.layers.Conv2D(256, 3, padding="same")), ("S7", keras.layers.MaxPooling2D(3, 2)),
              ("F8", keras.layers.Dense(4096)), ("F9", keras.layers.Dense(4096)), ("OUT", keras.layers.Dense(1000))]
check_value(sorted(ALEXNET), sorted(name for name, _ in TABLE_14_2), "the layers in ALEXNET",
            why="C1, S2, C3, S4, C5, C6, C7, S7 (the pooling after C7), F8, F9, OUT",
            mistakes={tuple(sorted(name for name, _ in TABLE_14_2 if name != "S7")): "leaving out S7"})
shape = (None, 227, 227, 3)
for name, layer in TABLE_14_2:
    if isinstance(layer, keras.layers.Dense) and len(shape) > 2:
        shape = (None, math.prod(shape[1:]))  # F8 reads the flattened S7
    n_in = shape[-1] if len(shape) == 2 else None
    c_in = shape[-1]
    shape = layer.compute_output_shape(shape)
    if isinstance(layer, keras.layers.Conv2D):
        k = layer.kernel_size[0]
        want = cnnkit.analysis.conv2d_params(k, c_in, layer.filters)
        why, wrong = f"{k}·{k}·{c_in}·{layer.filters} + {layer.filters}", {k * k * layer.filters + layer.filters: "leaving out C_in"}
    elif isinstance(layer, keras.layers.Dense):
        want = cnnkit.analysis.dense_params(n_in, layer.units)
        why, wrong = f"{n_in:,}·{layer.units} + {layer.units}", {n_in * layer.units: "forgetting the biases"}
        if name == "F8":
            wrong[cnnkit.analysis.dense_params(13 * 13 * 256, 4096)] = "F8 reading C7's 13×13×256 (S7 pools it to 6×6×256 first)"
    else:
        want, why, wrong = 0, "pooling has no parameters", {}
    found_shape, found_params = ALEXNET[name]
    mistakes = {"C1": {(54, 54, 96): "a 224×224 input (the table's is 227×227: (227 − 11)/4 + 1 = 55)"},
                "C3": {(23, 23, 256): "padding 'valid' where the table says same"}}.get(name)
    check_value(found_shape, shape[1:], f"ALEXNET[{name!r}] shape",
                why="⌊(n + 2p − k)/s⌋ + 1, with 'same' keeping the size", mistakes=mistakes)
    check_value(found_params, want, f"ALEXNET[{name!r}] parameters", why=why, mistakes=wrong)
want = cnnkit.analysis.dense_params(13 * 13 * 256, 4096)
check_value(F8_WITHOUT_S7, want, "F8_WITHOUT_S7", why="C7's 13·13·256 = 43,264 inputs × 4,096 units + 4,096 biases",
            mistakes={13 * 13 * 256 * 4096: "forgetting the biases", ALEXNET["F8"][1]: "F8 with S7 (the question is without)"})
### BEGIN HIDDEN TESTS
# The whole network, as Keras builds it: every layer's shape and count, and the total (seed 001: "over 60 million").
inputs = keras.Input(shape=(227, 227, 3))
x = inputs
for name, layer in TABLE_14_2:
    if name == "F8":
        x = keras.layers.Flatten()(x)
    x = type(layer).from_config({**layer.get_config(), "name": name})(x)
alexnet = keras.Model(inputs, x)
for name, (shape, params) in ALEXNET.items():
    check_value(shape, alexnet.get_layer(name).output.shape[1:], f"ALEXNET[{name!r}] shape, as Keras builds it")
    check_value(params, alexnet.get_layer(name).count_params(), f"ALEXNET[{name!r}] parameters, as Keras builds it")
check_value(sum(p for _, p in ALEXNET.values()), alexnet.count_params(), "AlexNet total",
            why="seed 001: over 60 million parameters")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "fashion-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 7. The Fashion-MNIST network of seed 001 (2 points)
#
# `[CONV1 16@5×5, p=2] → [BN] → [ReLU] → [POOL1 2×2/2] → [CONV2 32@5×5, p=2] → [BN] → [ReLU] → [POOL2 2×2/2] → [FC 10]`
# on 28×28×1 images; the lecture works out the sizes (28×28×16 after conv1, 14×14×16, 14×14×32, 7×7×32)
# but not the parameters: you count them. The convolutions keep their biases. Batch normalization keeps
# 4 numbers per channel: γ and β (trained) and the moving mean and variance (not trained) — all four count
# in Keras's parameter total.
#
# **Q7.** Fill `FASHION_CNN` with `(output shape, parameters)` for `conv1`, `bn1`, `pool1`, `conv2`, `bn2`,
# `pool2` and `fc`, and `FASHION_CNN_TOTAL` (ReLU has no parameters and keeps the shape; leave it out).

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
import cnnkit.analysis  # the reference formulas (never in your answers)

SIZES = {"conv1": (28, 28, 16), "bn1": (28, 28, 16), "pool1": (14, 14, 16), "conv2": (14, 14, 32), "bn2": (14, 14, 32),
         "pool2": (7, 7, 32), "fc": (10,)}  # seed 001's worked sizes
PARAMS = {"conv1": cnnkit.analysis.conv2d_params(5, 1, 16), "bn1": cnnkit.analysis.batch_norm_params(16)["total"],
          "pool1": 0, "conv2": cnnkit.analysis.conv2d_params(5, 16, 32), "bn2": cnnkit.analysis.batch_norm_params(32)["total"],
          "pool2": 0, "fc": cnnkit.analysis.dense_params(7 * 7 * 32, 10)}
WHY = {"conv1": "5·5·1·16 + 16", "bn1": "4 per channel (γ, β, moving mean, moving variance) × 16", "pool1": "no parameters",
       "conv2": "5·5·16·32 + 32", "bn2": "4 per channel × 32", "pool2": "no parameters", "fc": "7·7·32·10 + 10 (pool2 flattened)"}
WRONG = {"bn1": {2 * 16: "γ and β only (the moving statistics count too)"},
         "bn2": {2 * 32: "γ and β only (the moving statistics count too)"},
         "conv1": {5 * 5 * 16: "forgetting the biases"}, "conv2": {5 * 5 * 32 + 32: "leaving out C_in", 5 * 5 * 16 * 32: "forgetting the biases"},
         "fc": {14 * 14 * 32 * 10 + 10: "fc reading conv2's 14×14×32 (pool2 halves it first)"}}
check_value(sorted(FASHION_CNN), sorted(SIZES), "the layers in FASHION_CNN", why="conv1, bn1, pool1, conv2, bn2, pool2, fc")
for name in SIZES:
    found_shape, found_params = FASHION_CNN[name]
    check_value(found_shape, SIZES[name], f"FASHION_CNN[{name!r}] shape",
                why="(28 − 5 + 2·2)/1 + 1 = 28; 2×2 pooling with stride 2 halves; BN keeps the shape")
    check_value(found_params, PARAMS[name], f"FASHION_CNN[{name!r}] parameters", why=WHY[name], mistakes=WRONG.get(name))
total = sum(PARAMS.values())
check_value(FASHION_CNN_TOTAL, total, "FASHION_CNN_TOTAL", why="the sum of the seven rows",
            mistakes={total - 2 * (16 + 32): "counting only γ and β in batch normalization"})
### BEGIN HIDDEN TESTS
import cnnkit.models

reference = cnnkit.models.SimpleCNN()
for name, (shape, params) in FASHION_CNN.items():
    layer = reference.get_layer("predictions" if name == "fc" else name)
    check_value(shape, layer.output.shape[1:], f"FASHION_CNN[{name!r}] shape, as Keras builds it")
    check_value(params, layer.count_params(), f"FASHION_CNN[{name!r}] parameters, as Keras builds it")
check_value(FASHION_CNN_TOTAL, reference.count_params(), "FASHION_CNN_TOTAL, as Keras builds it")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "fc-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 8. Why not a fully connected network? (2 points)
#
# A neuron of a fully connected first layer has one weight per input value. Seed 001: with a 28×28×3
# image "the number of weights in the first hidden layer will be 2352" (per neuron), with a 200×200×3
# image 120,000. Seed 003: classifying 224×224×3 images into 1,000 classes with a single layer means "more
# than 150M parameters".
#
# **Q8.** Compute, with your functions: `W_28` and `W_200` (the weights of **one** neuron, no bias),
# `SINGLE_LAYER_224` (all parameters, biases included, of that 224×224×3 → 1,000 layer) and, for comparison,
# `CONV_1000`: the parameters of a convolution with 1,000 kernels of 5×5 on the same 224×224×3 image.

# %% nbgrader={"grade": false, "grade_id": "fully_connected", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
W_28 = dense_params(28 * 28 * 3, 1, bias=False)
W_200 = dense_params(200 * 200 * 3, 1, bias=False)
SINGLE_LAYER_224 = dense_params(224 * 224 * 3, 1000)
CONV_1000 = conv_params(5, 3, 1000)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_fully_connected", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
import cnnkit.analysis  # the reference formulas (never in your answers)

check_value(W_28, 2_352, "W_28", why="seed 001: 28·28·3 weights per neuron", mistakes={2_353: "counting the bias"})
check_value(W_200, 120_000, "W_200", why="seed 001: 200·200·3 weights per neuron", mistakes={120_001: "counting the bias"})
want = cnnkit.analysis.dense_params(224 * 224 * 3, 1000)
check_value(SINGLE_LAYER_224, want, "SINGLE_LAYER_224", why="224·224·3·1,000 weights + 1,000 biases (seed 003: more than 150M)",
            mistakes={224 * 224 * 3 * 1000: "forgetting the 1,000 biases", 224 * 224 * 3 + 1000: "one weight per input"})
want = cnnkit.analysis.conv2d_params(5, 3, 1000)
check_value(CONV_1000, want, "CONV_1000", why="5·5·3·1,000 + 1,000: a kernel's weights do not depend on the image size",
            mistakes={5 * 5 * 1000 + 1000: "leaving out the 3 input channels", 5 * 5 * 3 * 1000: "forgetting the biases"})

# %% [markdown] nbgrader={"grade": false, "grade_id": "errata-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 9. Errata: five slips in the slides (3 points)
#
# Slides are typed by people. Each line below quotes a slide; each has an arithmetic slip. Work out the
# right number, with your functions where they apply.
#
# | | lecture | the slide says | you give |
# |---|---|---|---|
# | a | seed 001, "Why Convolutional Neural Networks?" | image 1920×1080×3 ≈ 6 million inputs, a hidden layer of ≈ 4 million neurons: "weights between input and hidden layer = 6 mil × 4 mil = 24 million" | `FULL_HD_WEIGHTS`: 6 million × 4 million, computed |
# | b | seed 001, InceptionNet | "Whereas a 5×5×c filter requires 25c parameters, two 3×3×c filters only require 18 parameters" | `two_3x3_params(c)`: the weights of two 3×3×c filters, for any c |
# | c | seed 004, sanity checks | "a 10-class classification problem should yield a starting softmax cross entropy loss of approximately ~ln(1/10) = 2.302" | `initial_loss(n_classes)`: the cross-entropy of an untrained network that gives every class the same probability |
# | d | seed 003, kernel size, stride and padding | "Input 4×4 … Kernel 2×2 … Output 2×2 … w = 4, k = 2, s = 2, p = 1" | `OUT_003`: the output size |
# | e | seed 000, "Convolution with stride of 2" | a 6×6 image padded to 8×8 (p = 1), a 3×3 filter, stride 2: the result is labelled 6×6 | `OUT_000`: the output size |
#
# **Q9.** Fill in the five answers (a number, two small functions, two numbers).

# %% nbgrader={"grade": false, "grade_id": "errata", "locked": false, "schema_version": 3, "solution": true, "task": false}
# (a) the weights between 6 million inputs and 4 million neurons
### BEGIN SOLUTION
FULL_HD_WEIGHTS = 6_000_000 * 4_000_000
### END SOLUTION


def two_3x3_params(c):
    # (b) the weights of two 3x3xc filters
    ### BEGIN SOLUTION
    return 2 * conv_params(3, c, 1, bias=False)
    ### END SOLUTION


def initial_loss(n_classes):
    # (c) the cross-entropy when every one of the n_classes classes gets the same probability
    ### BEGIN SOLUTION
    return -math.log(1 / n_classes)
    ### END SOLUTION


# (d) and (e): the output sizes
### BEGIN SOLUTION
OUT_003 = out_size(4, 2, s=2, p=1)
OUT_000 = out_size(6, 3, s=2, p=1)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_errata_counts", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
import cnnkit.analysis  # the reference formulas (never in your answers)
import keras  # ... and Keras's cross-entropy

want = 6_000_000 * 4_000_000  # the slide's own factors
check_value(FULL_HD_WEIGHTS, want, "(a) FULL_HD_WEIGHTS", rel_tol=0.05,
            why="6·10⁶ × 4·10⁶ = 24·10¹² (24 trillion): a million times a million is 10¹², not 10⁶",
            mistakes={24_000_000: "copying the slide's 24 million", 24_000_000_000: "24 billion (10⁹)"})
for c in (1, 3, 64):
    want = 2 * cnnkit.analysis.conv2d_params(3, c, 1, bias=False)
    check_value(two_3x3_params(c), want, f"(b) two_3x3_params({c})",
                why=f"a 3×3×c filter has 9c weights, two have 18c = {want}: the slide's 18 holds only for c = 1 (25c vs 18c)",
                mistakes={18: "copying the slide's 18 for every c", 9 * c: "one filter", 18 * c + 2: "counting two biases (the slide "
                                                                                           "compares weights: 25c)"})
for n in (10, 3):
    uniform = np.full((1, n), 1 / n, dtype="float32")
    want = float(keras.ops.convert_to_numpy(keras.losses.sparse_categorical_crossentropy(np.array([0]), uniform))[0])
    check_value(initial_loss(n), want, f"(c) initial_loss({n})", rel_tol=1e-5,
                why=f"cross-entropy = −ln(p of the true class) = −ln(1/{n}) = ln {n} = {want:.4f}: positive",
                mistakes={math.log(1 / n): "copying the slide's ln(1/n), which is negative", math.log10(n): "log base 10",
                          math.log2(n): "log base 2", 1 / n: "the probability itself"})
print("(a) 6 million × 4 million = 24·10¹², not 24 million")
print(f"(b) two 3×3×c filters: 18c weights (for c = 3: {two_3x3_params(3)}), against 25c for one 5×5×c")
print(f"(c) initial loss for 10 classes: −ln(1/10) = {initial_loss(10):.3f}")
### BEGIN HIDDEN TESTS
for c in (7, 512):
    check_value(two_3x3_params(c), 2 * cnnkit.analysis.conv2d_params(3, c, 1, bias=False), f"(b) two_3x3_params({c})",
                why="18c")
for n in (2, 1000):
    check_value(initial_loss(n), math.log(n), f"(c) initial_loss({n})", rel_tol=1e-6, why="−ln(1/n) = ln n")
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_errata_sizes", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
import keras  # the reference: the output shapes Keras computes (never in your answers)

want = keras.layers.Conv2D(1, 2, strides=2).compute_output_shape((1, 4 + 2, 4 + 2, 1))[1]
check_value(OUT_003, want, "(d) OUT_003", why=f"⌊(4 + 2·1 − 2)/2⌋ + 1 = {want}: on the padded 6×6 input the 2×2 window "
                                              "starts at columns 0, 2 and 4",
            mistakes={2: "copying the slide's 2×2 (right only without padding)"})
want = keras.layers.Conv2D(1, 3, strides=2).compute_output_shape((1, 6 + 2, 6 + 2, 1))[1]
check_value(OUT_000, want, "(e) OUT_000", why=f"⌊(6 + 2·1 − 3)/2⌋ + 1 = {want}: stride 2 roughly halves",
            mistakes={6: "copying the slide's 6×6 (right only for stride 1)", 4: "rounding up (ceil)"})
print(f"(d) seed 003: w = 4, k = 2, s = 2, p = 1 gives {OUT_003}×{OUT_003}, not 2×2")
print(f"(e) seed 000: 6×6, p = 1, 3×3, stride 2 gives {OUT_000}×{OUT_000}, not 6×6")

# %% [markdown] nbgrader={"grade": false, "grade_id": "outro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Summary
#
# The output-size formula, the parameter formulas and the MAC count are all you need to read an
# architecture table — and to catch a slide's slip. Next (03): train seed 001's network on Fashion-MNIST.
#
# **Hand in** this notebook (saved, with your answers). Nothing else.
