# %% [markdown] nbgrader={"grade": false, "grade_id": "intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# # 07 · Depthwise separable convolutions: Xception and MobileNet
#
# **22 points · about 120 minutes, plus a few minutes of training · hand in: this notebook and
# `separable_cnn.keras`.**
#
# Xception and MobileNet replace most convolutions by *depthwise separable* ones: a spatial filter per
# channel, then a 1×1 convolution that mixes the channels. You will write that layer yourself (its
# depthwise stage too) and check it against Keras's `SeparableConv2D` number for number, work out what
# it saves in parameters and multiply-accumulates, scale a network with MobileNet's width multiplier,
# and train a small separable network on Fashion-MNIST next to its twin made of ordinary convolutions,
# to compare their accuracy per parameter and per computation.
#
# **How this notebook is graded.** Each question has a test cell: its visible checks run now and tell
# you what is wrong and why; hidden checks on other inputs run when the notebook is graded. Where a
# question asks you to write something yourself, an answer that takes it from Keras's separable or
# depthwise layers or ops, `cnnkit.layers`, `cnnkit.models`, `cnnkit.analysis` or `keras.applications`
# scores 0 for that question. Train where you have the compute (a few minutes on a laptop CPU): the
# training cell saves the trained separable network as `separable_cnn.keras` **next to this notebook —
# hand that file in together with the notebook.** The grader never retrains: it loads your
# `separable_cnn.keras`, checks that it is the network section 6 asks for, and measures its accuracy on
# the 10,000 Fashion-MNIST test images. The pass mark is **87.3%**, calibrated by training the
# reference solution with three seeds (their lowest accuracy minus a 3-point margin). The comparison
# with the Conv2D twin is not graded (it is skipped while grading); the last question, about it, is
# graded by a person.

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
import json
import os

import keras
import numpy as np
from keras import layers, ops

from cnnkit.analysis import same_padding  # Keras's padding="same": (zeros before, zeros after) along one axis
from cnnkit.checks import (GradingError, check_array, check_output_shape, check_param_count, check_value, config,
                           fit_or_load, handin_only, is_autograding, layer_specs, load_status,
                           seed)
from cnnkit.data import load
from cnnkit.viz import plot_history

cfg = config()  # assignment.toml beside this notebook: the training recipe and the file to hand in
MODEL_PATH = "separable_cnn.keras"  # saved beside this notebook: hand it in with the notebook

# %% nbgrader={"grade": false, "grade_id": "data", "locked": true, "schema_version": 3, "solution": false, "task": false}
(x_train, y_train), (x_test, y_test) = load("fashion_mnist")
x_train, x_test = x_train.astype("float32") / 255.0, x_test.astype("float32") / 255.0  # as in notebook 03
print("train:", x_train.shape, " test:", x_test.shape)

# %% [markdown] nbgrader={"grade": false, "grade_id": "depthwise-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 1. The depthwise stage (3 points)
#
# A regular convolution's filters "try to simultaneously capture spatial patterns and cross-channel
# patterns"; a separable convolution "makes the strong assumption that spatial patterns and
# cross-channel patterns can be modeled separately" (lecture on classic architectures, Xception). It
# has two stages:
#
# 1. **depthwise**: *a single spatial filter for each input feature map* — channel $c$ is filtered on
#    its own, never mixed with the others. With a **depth multiplier** $dm$, each channel gets $dm$
#    filters, giving $C_{in} \cdot dm$ maps;
# 2. **pointwise**: *a regular convolution with 1×1 filters*, mixing the $C_{in} \cdot dm$ maps into
#    $F$ output channels.
#
# Keras stores the depthwise kernel as an array of shape $(k_h, k_w, C_{in}, dm)$: `kernel[:, :, c, m]`
# is the $m$-th filter of channel $c$, and its map is output channel $c \cdot dm + m$ (channel 0's $dm$
# maps first, then channel 1's, ...). Like every Keras convolution it computes a cross-correlation
# (the kernel is not flipped): with stride $s$,
#
# $$D[n, i, j, c \cdot dm + m] = \sum_{u < k_h} \sum_{v < k_w} X[n,\ s\,i + u,\ s\,j + v,\ c]\ K[u, v, c, m].$$
#
# `padding="valid"` uses no zeros: $\lfloor (n - k)/s \rfloor + 1$ outputs per axis. `padding="same"`
# gives $\lceil n / s \rceil$ outputs by first adding zeros: `same_padding(n, k, s)` (imported above)
# returns the `(before, after)` counts Keras uses — with stride 2 and an even size that is one zero after
# and none before, so do not assume $\lfloor k/2 \rfloor$ on both sides.
#
# **Q1.** Write `depthwise_conv2d(x, kernel, strides=1, padding="valid")`: `x` of shape
# $(N, H, W, C_{in})$, `kernel` of shape $(k_h, k_w, C_{in}, dm)$ (not necessarily square) → shape
# $(N, H_{out}, W_{out}, C_{in} \cdot dm)$. Use `keras.ops` (imported as `ops`: `ops.pad`, slicing,
# `ops.reshape`, `ops.sum`, ... work like numpy's) so that the same function works inside a Keras layer in
# Q2; not `ops.depthwise_conv`, `ops.separable_conv`, `ops.conv` or any Keras layer. *Hint:* loop over
# the $k_h \cdot k_w$ kernel positions $(u, v)$, not over pixels or channels: at each, slice the input with
# the stride and multiply by `kernel[u, v]` (shape $(C_{in}, dm)$), broadcasting over the channels.

# %% nbgrader={"grade": false, "grade_id": "depthwise_conv2d", "locked": false, "schema_version": 3, "solution": true, "task": false}
def depthwise_conv2d(x, kernel, strides=1, padding="valid"):
    ### BEGIN SOLUTION
    kh, kw, c_in, dm = kernel.shape
    if padding == "same":
        (top, bottom), (left, right) = same_padding(x.shape[1], kh, strides), same_padding(x.shape[2], kw, strides)
        x = ops.pad(x, [[0, 0], [top, bottom], [left, right], [0, 0]])
    h_out = (x.shape[1] - kh) // strides + 1
    w_out = (x.shape[2] - kw) // strides + 1
    out = 0
    for u in range(kh):
        for v in range(kw):
            window = x[:, u:u + strides * (h_out - 1) + 1:strides, v:v + strides * (w_out - 1) + 1:strides, :]
            out = out + window[..., None] * kernel[u, v]          # (N, h, w, C_in, 1) · (C_in, dm)
    return ops.reshape(out, (-1, h_out, w_out, c_in * dm))     # channel c·dm + m
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_depthwise", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
rng = np.random.default_rng(7)


def keras_depthwise(x, kernel, strides, padding):
    """The reference: Keras's own DepthwiseConv2D with the same kernel."""
    layer = layers.DepthwiseConv2D(kernel.shape[:2], strides=strides, padding=padding,
                                   depth_multiplier=kernel.shape[3], use_bias=False)
    layer.build(x.shape)
    layer.set_weights([kernel])
    return keras.ops.convert_to_numpy(layer(x))


cases = [((2, 6, 6, 3), (3, 3, 3, 1), 1, "valid"), ((2, 5, 5, 3), (3, 3, 3, 2), 1, "valid"),
         ((1, 7, 7, 2), (3, 3, 2, 1), 2, "same")]
for x_shape, k_shape, s, pad in cases:
    x, kernel = rng.normal(size=x_shape).astype("float32"), rng.normal(size=k_shape).astype("float32")
    want = keras_depthwise(x, kernel, s, pad)
    what = f"depthwise_conv2d(x {x_shape}, kernel {k_shape}, strides={s}, padding={pad!r})"
    got = np.asarray(keras.ops.convert_to_numpy(depthwise_conv2d(x, kernel, s, pad)))
    n, h, w, c = want.shape
    check_value(got.shape, want.shape, f"{what}: shape", why="one map per input channel and multiplier: C_in·dm; "
                "valid: ⌊(n − k)/s⌋ + 1, same: ⌈n/s⌉", mistakes={
                    (n, h, w, k_shape[3]): "summing over the input channels (that is a regular convolution; the "
                                           "depthwise stage keeps every channel separate)",
                    (n, (x_shape[1] - 3) + 1, (x_shape[2] - 3) + 1, c): "ignoring the stride",
                    (n, x_shape[1], x_shape[2], c): "ignoring the stride",
                    (n, (x_shape[1] - 3) // s + 1, (x_shape[2] - 3) // s + 1, c): "ignoring padding='same'"})
    if k_shape[3] > 1:
        by_multiplier = want.reshape(n, h, w, k_shape[2], k_shape[3]).transpose(0, 1, 2, 4, 3).reshape(want.shape)
        if np.allclose(got, by_multiplier, atol=1e-4):
            raise GradingError(f"{what}: channel order", "map of channel c, multiplier m at index c·dm + m",
                               "index m·C_in + c", "Keras keeps each channel's dm maps together: reshape "
                               "(..., C_in, dm) → (..., C_in·dm), do not concatenate the multipliers")
    if np.allclose(got, keras_depthwise(x, kernel[::-1, ::-1], s, pad), atol=1e-4):
        raise GradingError(what, "cross-correlation (kernel as given)", "a flipped kernel",
                           "Keras's convolutions do not flip the kernel: use kernel[u, v] at offset (u, v)")
    check_array(got, want, f"{what} vs keras.layers.DepthwiseConv2D", atol=1e-4,
                why="D[n, i, j, c·dm + m] = Σ_u Σ_v X[n, s·i + u, s·j + v, c]·K[u, v, c, m]")
### BEGIN HIDDEN TESTS
hidden = [((2, 6, 9, 3), (3, 5, 3, 2), 1, "valid"),      # a 3×5 kernel, H ≠ W
          ((1, 8, 8, 2), (3, 3, 2, 1), 2, "same"),       # stride 2 on an even size: one zero after, none before
          ((2, 9, 7, 1), (2, 2, 1, 3), 2, "valid"),      # one channel, dm = 3, even kernel
          ((1, 6, 10, 4), (5, 3, 4, 1), 3, "same")]
for x_shape, k_shape, s, pad in hidden:
    x, kernel = rng.normal(size=x_shape).astype("float32"), rng.normal(size=k_shape).astype("float32")
    got = np.asarray(keras.ops.convert_to_numpy(depthwise_conv2d(x, kernel, s, pad)))
    check_array(got, keras_depthwise(x, kernel, s, pad), f"depthwise_conv2d(x {x_shape}, kernel {k_shape}, "
                f"strides={s}, padding={pad!r})", atol=1e-4)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "layer-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 2. Your own `SeparableConv2D` layer (3 points)
#
# Keras's `SeparableConv2D` "can be a drop-in replacement for `Conv2D`" (lecture on classic
# architectures). Its weights, in this order: `depthwise_kernel` $(k_h, k_w, C_{in}, dm)$,
# `pointwise_kernel` $(1, 1, C_{in} \cdot dm, F)$ and, with `use_bias=True`, `bias` $(F,)$ — one bias per
# output channel, none on the depthwise stage. The pointwise stage is a 1×1 convolution: at every pixel,
# the $C_{in} \cdot dm$ values times the matrix `pointwise_kernel[0, 0]`, plus the bias.
#
# **Q2.** Write a Keras layer `MySeparableConv2D(filters, kernel_size, strides=1, padding="valid",
# depth_multiplier=1, use_bias=True, **kwargs)` (`kernel_size` an int or a `(k_h, k_w)` pair): `build`
# creates the three weights with `self.add_weight` (shapes and order as above, any initialiser), `call`
# computes your `depthwise_conv2d`, then the pointwise stage, then adds the bias. The test copies the
# weights of a `keras.layers.SeparableConv2D` into yours and compares the outputs. Write it with
# `keras.ops` only — not with Keras's `SeparableConv2D`, `DepthwiseConv2D` or `Conv2D` layers.

# %% nbgrader={"grade": false, "grade_id": "separable_layer", "locked": false, "schema_version": 3, "solution": true, "task": false}
class MySeparableConv2D(keras.layers.Layer):
    ### BEGIN SOLUTION
    def __init__(self, filters, kernel_size, strides=1, padding="valid", depth_multiplier=1, use_bias=True, **kwargs):
        super().__init__(**kwargs)
        self.filters, self.strides, self.padding = filters, strides, padding
        self.kernel_size = tuple(kernel_size) if isinstance(kernel_size, (tuple, list)) else (kernel_size, kernel_size)
        self.depth_multiplier, self.use_bias = depth_multiplier, use_bias

    def build(self, input_shape):
        c_in = input_shape[-1]
        self.depthwise_kernel = self.add_weight(shape=(*self.kernel_size, c_in, self.depth_multiplier),
                                                initializer="glorot_uniform", name="depthwise_kernel")
        self.pointwise_kernel = self.add_weight(shape=(1, 1, c_in * self.depth_multiplier, self.filters),
                                                initializer="glorot_uniform", name="pointwise_kernel")
        self.bias = self.add_weight(shape=(self.filters,), initializer="zeros", name="bias") if self.use_bias else None

    def call(self, inputs):
        x = depthwise_conv2d(inputs, self.depthwise_kernel, self.strides, self.padding)
        x = ops.matmul(x, self.pointwise_kernel[0, 0])
        return x + self.bias if self.use_bias else x
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_separable_layer", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
rng = np.random.default_rng(11)
for kwargs, x_shape in [(dict(filters=4, kernel_size=3), (2, 6, 6, 3)),
                        (dict(filters=5, kernel_size=3, depth_multiplier=2, padding="same"), (2, 5, 5, 3))]:
    x = rng.normal(size=x_shape).astype("float32")
    reference = layers.SeparableConv2D(**kwargs, bias_initializer="random_normal")  # Keras's own layer
    want = keras.ops.convert_to_numpy(reference(x))
    what = f"MySeparableConv2D({', '.join(f'{k}={v!r}' for k, v in kwargs.items())})"
    mine = MySeparableConv2D(**kwargs)
    mine.build(x_shape)  # creates the weights
    if not mine.weights:
        mine(x)          # a layer whose weights appear on the first call
    c_in, dm, f = x_shape[-1], kwargs.get("depth_multiplier", 1), kwargs["filters"]
    check_value([tuple(w.shape) for w in mine.weights], [tuple(w.shape) for w in reference.weights],
                f"{what}: weight shapes", why="depthwise (k, k, C_in, dm), pointwise (1, 1, C_in·dm, F), bias (F,) — "
                "in this order", mistakes={
                    ((3, 3, c_in, dm), (1, 1, c_in, f), (f,)): "a pointwise kernel without the depth multiplier (it "
                                                               "mixes all C_in·dm depthwise maps)",
                    ((3, 3, c_in, dm), (1, 1, c_in * dm, f), (c_in * dm,)): "a bias on the depthwise maps (Keras "
                                                                            "adds one per output channel, at the end)",
                    ((1, 1, c_in * dm, f), (3, 3, c_in, dm), (f,)): "the pointwise kernel first (add the weights in "
                                                                    "Keras's order: depthwise, pointwise, bias)"})
    mine.set_weights(reference.get_weights())
    got = keras.ops.convert_to_numpy(mine(x))
    bias = reference.get_weights()[-1]
    if got.shape == want.shape and np.allclose(got, want - bias, atol=1e-4):
        raise GradingError(f"{what}: output", "depthwise → pointwise → + bias", "no bias added",
                           "add self.bias (one per output channel) after the pointwise stage")
    check_array(got, want, f"{what} vs keras.layers.SeparableConv2D (same weights)", atol=1e-4,
                why="your depthwise_conv2d, then x @ pointwise_kernel[0, 0], then + bias")
check_param_count(mine.count_params(), reference.count_params(), f"{what}: parameters")
try:
    symbolic = keras.Input((6, 6, 3))
    functional = keras.Model(symbolic, MySeparableConv2D(4, 3)(symbolic))
except Exception as exc:
    raise GradingError("MySeparableConv2D in a functional model", "a layer that works on symbolic Keras tensors",
                       f"{type(exc).__name__}: {str(exc)[:160]}", "keras.Input gives a symbolic tensor, not an array: "
                       "use keras.ops (ops.pad, ops.reshape, ops.matmul, ...) rather than numpy inside call") from None
check_output_shape(functional, (4, 4, 4), "MySeparableConv2D(4, 3) on 6×6×3 in a functional model")
### BEGIN HIDDEN TESTS
from cnnkit.checks import check_built_from

check_built_from(functional, forbid=("SeparableConv2D", "DepthwiseConv2D", "Conv2D", "cnnkit.layers", "cnnkit.models"),
                 what="MySeparableConv2D")
for kwargs, x_shape in [(dict(filters=3, kernel_size=(3, 5), depth_multiplier=2), (2, 7, 9, 2)),   # non-square
                        (dict(filters=6, kernel_size=3, strides=2, padding="same"), (1, 8, 8, 4)),
                        (dict(filters=2, kernel_size=(1, 3), use_bias=False), (2, 4, 6, 3))]:
    x = rng.normal(size=x_shape).astype("float32")
    reference = layers.SeparableConv2D(**kwargs, bias_initializer="random_normal")
    want = keras.ops.convert_to_numpy(reference(x))
    try:
        mine = MySeparableConv2D(**kwargs)
        mine.build(x_shape)
        if not mine.weights:
            mine(x)
    except Exception as exc:
        raise GradingError(f"MySeparableConv2D({kwargs})", "a layer built for these arguments",
                           f"{type(exc).__name__}: {str(exc)[:120]}",
                           "kernel_size may be an int or a (k_h, k_w) pair: turn an int k into (k, k)") from None
    check_value([tuple(w.shape) for w in mine.weights], [tuple(w.shape) for w in reference.weights],
                f"MySeparableConv2D({kwargs}): weight shapes", why="depthwise (k_h, k_w, C_in, dm), "
                "pointwise (1, 1, C_in·dm, F), bias (F,)")
    mine.set_weights(reference.get_weights())
    check_array(keras.ops.convert_to_numpy(mine(x)), want, f"MySeparableConv2D({kwargs})", atol=1e-4)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "cost-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 3. What it saves: parameters and multiply-accumulates (3 points)
#
# Count **weights only** (no biases: in Xception and MobileNet every convolution is followed by batch
# normalisation) and **multiply-accumulates** (MACs) for a layer with output size $H \times W$, kernel
# $k \times k$, $C_{in}$ input and $N$ output channels:
#
# | | weights | MACs |
# |---|---|---|
# | `Conv2D` | $k^2 C_{in} N$ | $H W \cdot k^2 C_{in} N$ |
# | depthwise stage | $k^2 C_{in}\, dm$ | $H W \cdot k^2 C_{in}\, dm$ |
# | pointwise stage | $C_{in}\, dm\, N$ | $H W \cdot C_{in}\, dm\, N$ |
#
# With $dm = 1$ the separable layer costs $H W C_{in} (k^2 + N)$ MACs instead of $H W C_{in} k^2 N$:
#
# $$\frac{\text{separable}}{\text{Conv2D}} = \frac{k^2 + N}{k^2 N} = \frac{1}{N} + \frac{1}{k^2}.$$
#
# With 3×3 kernels and many output channels, that is 8 to 9 times fewer MACs (Howard et al., *MobileNets*,
# 2017). Their Table 3 takes a 14×14×512 map and 512 filters of 3×3: 462 million MACs and 2.36 million
# weights as a `Conv2D`, 52.3 million and 0.27 million as a separable convolution.
#
# **Q3.** Write `conv_cost(h_out, w_out, k, c_in, c_out)` and
# `separable_cost(h_out, w_out, k, c_in, c_out, depth_multiplier=1)`, each returning `(weights, macs)`,
# and `cost_ratio(k, c_in, c_out)`: the separable layer's MACs divided by the `Conv2D`'s ($dm = 1$), a
# float.

# %% nbgrader={"grade": false, "grade_id": "costs", "locked": false, "schema_version": 3, "solution": true, "task": false}
def conv_cost(h_out, w_out, k, c_in, c_out):
    ### BEGIN SOLUTION
    weights = k * k * c_in * c_out
    return weights, h_out * w_out * weights
    ### END SOLUTION


def separable_cost(h_out, w_out, k, c_in, c_out, depth_multiplier=1):
    ### BEGIN SOLUTION
    weights = k * k * c_in * depth_multiplier + c_in * depth_multiplier * c_out
    return weights, h_out * w_out * weights
    ### END SOLUTION


def cost_ratio(k, c_in, c_out):
    ### BEGIN SOLUTION
    return separable_cost(1, 1, k, c_in, c_out)[1] / conv_cost(1, 1, k, c_in, c_out)[1]
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_costs", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from cnnkit import analysis  # the course's formulas: the reference for these checks

# Howard et al. 2017, Table 3: 14×14×512 → 512, 3×3 — Conv2D 462M MACs / 2.36M weights; separable 52.3M / 0.27M.
weights, macs = conv_cost(14, 14, 3, 512, 512)
check_value(weights, analysis.conv2d_params(3, 512, 512, bias=False), "Conv2D weights (Table 3)", why="k²·C_in·N, no bias",
            mistakes={analysis.conv2d_params(3, 512, 512): "counting the biases (the question counts weights only)",
                      3 * 512 * 512: "k·C_in·N (the kernel has k² taps)"})
check_value(macs, analysis.conv2d_macs(14, 14, 3, 512, 512), "Conv2D MACs (Table 3: 462 million)",
            why="every one of the H·W outputs positions costs k²·C_in·N", mistakes={weights: "the MACs of one position "
                                                                                              "(times H·W = 14·14)"})
weights, macs = separable_cost(14, 14, 3, 512, 512)
check_value(weights, analysis.separable_conv2d_params(3, 512, 512, bias=False), "separable weights (Table 3: 0.27 million)",
            why="depthwise k²·C_in + pointwise C_in·N")
check_value(macs, analysis.separable_conv2d_macs(14, 14, 3, 512, 512), "separable MACs (Table 3: 52.3 million)",
            why="H·W·(k²·C_in + C_in·N)", mistakes={analysis.conv2d_macs(14, 14, 1, 512, 512): "the pointwise stage only",
                                                    weights: "the MACs of one position (times H·W)"})
weights, macs = separable_cost(7, 7, 3, 16, 40, depth_multiplier=2)
check_value((weights, macs), (analysis.separable_conv2d_params(3, 16, 40, 2, bias=False),
                              analysis.separable_conv2d_macs(7, 7, 3, 16, 40, 2)),
            "separable_cost(7, 7, 3, 16, 40, depth_multiplier=2)", why="k²·C_in·dm + C_in·dm·N (the pointwise stage "
            "reads all C_in·dm maps), MACs = H·W × that", mistakes={
                (9 * 16 * 2 + 16 * 40, 49 * (9 * 16 * 2 + 16 * 40)): "a pointwise stage reading C_in maps instead of C_in·dm"})
for k, c_in, c_out in ((3, 512, 512), (3, 32, 64), (5, 64, 16)):
    exact = analysis.separable_conv2d_macs(1, 1, k, c_in, c_out) / analysis.conv2d_macs(1, 1, k, c_in, c_out)
    check_value(cost_ratio(k, c_in, c_out), exact, f"cost_ratio(k={k}, c_in={c_in}, c_out={c_out})", rel_tol=1e-9,
                why=f"separable / Conv2D = 1/N + 1/k² = 1/{c_out} + 1/{k * k}: C_in cancels out", mistakes={
                    1 / exact: "Conv2D / separable (the ratio upside down)",
                    1 / c_in + 1 / k ** 2: "1/C_in + 1/k² (N is the number of OUTPUT channels)",
                    1 / c_out + 1 / k: "1/N + 1/k (the kernel has k² taps)"})
### BEGIN HIDDEN TESTS
for h, w, k, c_in, c_out, dm in ((5, 9, 5, 7, 3, 1), (1, 1, 1, 10, 10, 4), (28, 28, 3, 1, 32, 3)):
    check_value(conv_cost(h, w, k, c_in, c_out), (analysis.conv2d_params(k, c_in, c_out, bias=False),
                                                  analysis.conv2d_macs(h, w, k, c_in, c_out)), f"conv_cost{(h, w, k, c_in, c_out)}")
    check_value(separable_cost(h, w, k, c_in, c_out, dm),
                (analysis.separable_conv2d_params(k, c_in, c_out, dm, bias=False),
                 analysis.separable_conv2d_macs(h, w, k, c_in, c_out, dm)), f"separable_cost{(h, w, k, c_in, c_out, dm)}")
check_value(cost_ratio(7, 3, 100), 1 / 100 + 1 / 49, "cost_ratio(7, 3, 100)", rel_tol=1e-9)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "width-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 4. MobileNet's width multiplier (2 points)
#
# MobileNet (Howard et al., 2017) is a stack of depthwise-separable blocks (depthwise 3×3 → batch norm →
# ReLU → pointwise 1×1 → batch norm → ReLU). To make it smaller it scales every layer's channels by a
# **width multiplier** $\alpha \in (0, 1]$: a layer with $C_{in}$ inputs and $N$ outputs gets
# $\lfloor \alpha C_{in} \rfloor$ and $\lfloor \alpha N \rfloor$ (Keras: `int(alpha * channels)`). The
# depthwise stage then costs about $\alpha$ times as much, the pointwise stage about $\alpha^2$ — and the
# pointwise stage is most of the cost, so the whole network shrinks by roughly $\alpha^2$. (A resolution
# multiplier $\rho$ shrinks the images instead: MACs scale by $\rho^2$, weights do not change.) Table 3's
# layer with $\alpha = 0.75$: 29.6 million MACs and 0.15 million weights.
#
# **Q4.** Write `width_multiplied_cost(h_out, w_out, k, c_in, c_out, alpha)`: `(weights, macs)` of the
# separable layer ($dm = 1$, no biases) after the width multiplier — use your `separable_cost`.

# %% nbgrader={"grade": false, "grade_id": "width_multiplier", "locked": false, "schema_version": 3, "solution": true, "task": false}
def width_multiplied_cost(h_out, w_out, k, c_in, c_out, alpha):
    ### BEGIN SOLUTION
    return separable_cost(h_out, w_out, k, int(alpha * c_in), int(alpha * c_out))
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_width_multiplier", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from cnnkit import analysis  # the course's formulas: the reference for these checks

weights, macs = width_multiplied_cost(14, 14, 3, 512, 512, 0.75)   # Table 3: 29.6M MACs, 0.15M weights
want = (analysis.separable_conv2d_params(3, 384, 384, bias=False), analysis.separable_conv2d_macs(14, 14, 3, 384, 384))
full = (analysis.separable_conv2d_params(3, 512, 512, bias=False), analysis.separable_conv2d_macs(14, 14, 3, 512, 512))
check_value((weights, macs), want, "width_multiplied_cost(14, 14, 3, 512, 512, alpha=0.75) (Table 3: 0.15M, 29.6M)",
            why="⌊0.75·512⌋ = 384 input AND output channels, then the separable cost", mistakes={
                (analysis.separable_conv2d_params(3, 512, 384, bias=False),
                 analysis.separable_conv2d_macs(14, 14, 3, 512, 384)): "scaling only the output channels (α thins every "
                                                                      "layer, so this layer's input too)",
                (analysis.separable_conv2d_params(3, 384, 512, bias=False),
                 analysis.separable_conv2d_macs(14, 14, 3, 384, 512)): "scaling only the input channels",
                (int(0.75 * full[0]), int(0.75 * full[1])): "multiplying the cost by α",
                (int(0.5625 * full[0]), int(0.5625 * full[1])): "multiplying the cost by α² (only approximately right: "
                                                                "compute the layer with the thinner channels)",
                (analysis.separable_conv2d_params(3, 384, 384, bias=False),
                 analysis.separable_conv2d_macs(10, 10, 3, 384, 384)): "shrinking the map too (that is ρ, not α)"})
weights, macs = width_multiplied_cost(7, 7, 3, 100, 100, 0.25)
check_value((weights, macs), (analysis.separable_conv2d_params(3, 25, 25, bias=False),
                              analysis.separable_conv2d_macs(7, 7, 3, 25, 25)),
            "width_multiplied_cost(7, 7, 3, 100, 100, alpha=0.25)", why="⌊0.25·100⌋ = 25 channels in and out")
### BEGIN HIDDEN TESTS
import math

# int() rounds down: 0.3·512 = 153.6 → 153, 0.3·1024 = 307.2 → 307.
check_value(width_multiplied_cost(7, 7, 3, 512, 1024, 0.3),
            (analysis.separable_conv2d_params(3, 153, 307, bias=False), analysis.separable_conv2d_macs(7, 7, 3, 153, 307)),
            "width_multiplied_cost(7, 7, 3, 512, 1024, alpha=0.3)", why="⌊α·C⌋, as keras.applications.MobileNet",
            mistakes={(analysis.separable_conv2d_params(3, 154, 308, bias=False),
                       analysis.separable_conv2d_macs(7, 7, 3, 154, 308)): "rounding up or to nearest"})
check_value(width_multiplied_cost(5, 3, 5, 40, 60, 1.0),
            (analysis.separable_conv2d_params(5, 40, 60, bias=False), analysis.separable_conv2d_macs(5, 3, 5, 40, 60)),
            "width_multiplied_cost(5, 3, 5, 40, 60, alpha=1.0)")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "macs-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 5. The MACs of a whole model (2 points)
#
# To compare networks by computation, add up their layers' MACs. Count `Conv2D`, `DepthwiseConv2D`,
# `SeparableConv2D` and `Dense` layers (a `Dense` layer costs one MAC per weight: $n_{in} \cdot n_{out}$);
# count every other layer (batch norm, activations, pooling, flatten) as 0 — they are cheap
# element-wise work next to the convolutions. Read what you need from each layer: `layer.kernel_size`
# (a pair: assume square kernels here), `layer.filters`, `layer.depth_multiplier`, `layer.units`,
# `layer.input.shape` and `layer.output.shape` (batch axis first). A `DepthwiseConv2D` alone is the
# depthwise stage of your table.
#
# **Q5.** Write `model_macs(model)` with your functions from Q3 (a `DepthwiseConv2D` is
# $H W k^2 C_{in}\, dm$, as its row in the table).

# %% nbgrader={"grade": false, "grade_id": "model_macs", "locked": false, "schema_version": 3, "solution": true, "task": false}
def model_macs(model):
    ### BEGIN SOLUTION
    total = 0
    for layer in model.layers:
        kind = type(layer).__name__
        if kind == "Dense":
            total += layer.input.shape[-1] * layer.units
            continue
        if kind not in ("Conv2D", "DepthwiseConv2D", "SeparableConv2D"):
            continue
        _, h, w, c_out = layer.output.shape
        k, c_in = layer.kernel_size[0], layer.input.shape[-1]
        if kind == "Conv2D":
            total += conv_cost(h, w, k, c_in, c_out)[1]
        elif kind == "DepthwiseConv2D":
            total += h * w * k * k * c_in * layer.depth_multiplier
        else:
            total += separable_cost(h, w, k, c_in, c_out, layer.depth_multiplier)[1]
    return total
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_model_macs", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from cnnkit import analysis  # the course's formulas: the reference for these checks

inputs = keras.Input((12, 12, 3))
x = layers.Conv2D(8, 3, strides=2, padding="same")(inputs)                  # 6×6×8
x = layers.BatchNormalization()(x)
x = layers.DepthwiseConv2D(3, depth_multiplier=2)(x)                       # 4×4×16
x = layers.SeparableConv2D(10, 3, padding="same")(x)                       # 4×4×10
x = layers.MaxPooling2D(2)(x)                                              # 2×2×10
outputs = layers.Dense(5)(layers.Flatten()(x))
probe_net = keras.Model(inputs, outputs)
parts = {"Conv2D": analysis.conv2d_macs(6, 6, 3, 3, 8), "DepthwiseConv2D": analysis.depthwise_conv2d_macs(4, 4, 3, 8, 2),
         "SeparableConv2D": analysis.separable_conv2d_macs(4, 4, 3, 16, 10), "Dense": analysis.dense_macs(40, 5)}
total = sum(parts.values())
check_value(model_macs(probe_net), total, "model_macs of a small model", why="the sum over its Conv2D, DepthwiseConv2D, "
            "SeparableConv2D and Dense layers, each at its OUTPUT size: " + " + ".join(f"{k} {v:,}" for k, v in parts.items()),
            mistakes={analysis.conv2d_macs(12, 12, 3, 3, 8) + analysis.depthwise_conv2d_macs(6, 6, 3, 8, 2)
                      + parts["SeparableConv2D"] + parts["Dense"]: "each layer's input size (a strided or 'valid' "
                                                                   "convolution computes fewer outputs: use the output's)",
                      total - parts["Conv2D"] + analysis.conv2d_macs(12, 12, 3, 3, 8): "the input size for the strided "
                                                                                      "Conv2D (use the output size, 6×6)",
                      total - parts["Dense"]: "leaving out the Dense layer",
                      total - parts["DepthwiseConv2D"]: "leaving out the DepthwiseConv2D layer",
                      total - parts["DepthwiseConv2D"] + analysis.depthwise_conv2d_macs(4, 4, 3, 8, 1):
                          "ignoring the depth multiplier",
                      total - parts["SeparableConv2D"] + analysis.conv2d_macs(4, 4, 3, 16, 10):
                          "costing the SeparableConv2D like a Conv2D"})
### BEGIN HIDDEN TESTS
inputs = keras.Input((9, 9, 2))
x = layers.SeparableConv2D(6, 3, strides=2, depth_multiplier=3, use_bias=False)(inputs)   # 4×4×6 (valid: ⌊6/2⌋ + 1)
x = layers.Conv2D(4, 1)(x)
x = layers.GlobalAveragePooling2D()(x)
probe_net = keras.Model(inputs, layers.Dense(7)(x))
want = (analysis.separable_conv2d_macs(4, 4, 3, 2, 6, 3) + analysis.conv2d_macs(4, 4, 1, 6, 4) + analysis.dense_macs(4, 7))
check_value(model_macs(probe_net), want, "model_macs of a second model (stride 2, dm = 3, 1×1 conv, global pooling)")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "model-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 6. A separable network and its Conv2D twin (3 points)
#
# Two networks for Fashion-MNIST, identical except that the separable one uses `SeparableConv2D` where
# the twin uses `Conv2D`. Like MobileNet, the first layer stays a regular convolution (with one input
# channel there is nothing to separate) and every convolution is followed by batch normalisation and
# ReLU, so the convolutions have no bias (`use_bias=False`: batch normalisation's β does that job). Each
# width is scaled by a width multiplier `alpha` as in Q4: `int(alpha * channels)`.
#
# | | separable network | Conv2D twin | output (α = 1) |
# |---|---|---|---|
# | input | | | 28×28×1 |
# | 1 | `Conv2D` ⌊32α⌋, 3×3, stride 2, same → BN → ReLU | the same | 14×14×32 |
# | 2 | `SeparableConv2D` ⌊64α⌋, 3×3, same → BN → ReLU | `Conv2D` ⌊64α⌋, 3×3, same → BN → ReLU | 14×14×64 |
# | | `MaxPooling2D` 2×2 | the same | 7×7×64 |
# | 3 | `SeparableConv2D` ⌊128α⌋, 3×3, same → BN → ReLU | `Conv2D` ⌊128α⌋ ... | 7×7×128 |
# | 4 | `SeparableConv2D` ⌊128α⌋, 3×3, same → BN → ReLU | `Conv2D` ⌊128α⌋ ... | 7×7×128 |
# | | `GlobalAveragePooling2D` | the same | 128 |
# | | `Dense` 10, softmax | the same | 10 |
#
# Use `layers.BatchNormalization(momentum=0.9)` and `layers.ReLU()` as separate layers. (At test time
# batch normalisation uses moving averages of the batch statistics: with momentum 0.9 they average the
# last ten or so batches and follow a short, fast training; Keras's default, 0.99, averages about a
# hundred and lags behind it.)
#
# **The trained network uses Keras's own `layers.SeparableConv2D`**, not your `MySeparableConv2D`: you
# have shown you can write it, and the grader loads your trained file with Keras's own layers only (a
# file holding a custom class cannot be loaded safely, so it would score 0).
#
# **Q6.** Write `build_network(conv, alpha=1.0)` with the functional API, from
# `keras.Input(shape=(28, 28, 1))`: `conv` is the layer class of rows 2–4 (`layers.SeparableConv2D` or
# `layers.Conv2D`; call it like either, e.g. `conv(64, 3, padding="same", use_bias=False)`). The cell after
# it defines the two networks from yours.

# %% nbgrader={"grade": false, "grade_id": "build_network", "locked": false, "schema_version": 3, "solution": true, "task": false}
def build_network(conv, alpha=1.0):
    ### BEGIN SOLUTION
    width = lambda channels: int(alpha * channels)
    inputs = keras.Input(shape=(28, 28, 1))
    x = layers.Conv2D(width(32), 3, strides=2, padding="same", use_bias=False, name="conv1")(inputs)
    x = layers.BatchNormalization(momentum=0.9, name="bn1")(x)
    x = layers.ReLU(name="relu1")(x)
    for i, channels in enumerate((64, 128, 128), start=2):
        x = conv(width(channels), 3, padding="same", use_bias=False, name=f"conv{i}")(x)
        x = layers.BatchNormalization(momentum=0.9, name=f"bn{i}")(x)
        x = layers.ReLU(name=f"relu{i}")(x)
        if i == 2:
            x = layers.MaxPooling2D(2, name="pool")(x)
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    outputs = layers.Dense(10, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, outputs)
    ### END SOLUTION

# %% nbgrader={"grade": false, "grade_id": "networks", "locked": true, "schema_version": 3, "solution": false, "task": false}
def build_separable_model(alpha=1.0):
    """The separable network: Keras's SeparableConv2D in rows 2–4."""
    return build_network(layers.SeparableConv2D, alpha)


def build_conv_model(alpha=1.0):
    """Its twin: Conv2D in rows 2–4."""
    return build_network(layers.Conv2D, alpha)


# %% nbgrader={"grade": true, "grade_id": "test_separable_model", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from cnnkit import analysis  # the course's formulas: the reference for these checks


def expected_params(separable, alpha, bias=False):
    """The table's network, counted with the course's formulas."""
    w = lambda c: int(alpha * c)
    conv = (lambda k, c_in, c_out: analysis.separable_conv2d_params(k, c_in, c_out, bias=bias)) if separable else \
        (lambda k, c_in, c_out: analysis.conv2d_params(k, c_in, c_out, bias=bias))
    total = analysis.conv2d_params(3, 1, w(32), bias=bias) + conv(3, w(32), w(64)) + conv(3, w(64), w(128)) \
        + conv(3, w(128), w(128))
    total += sum(analysis.batch_norm_params(w(c))["total"] for c in (32, 64, 128, 128))
    return total + analysis.dense_params(w(128), 10)


kinds = ["Conv2D", "BatchNormalization", "ReLU", "SeparableConv2D", "BatchNormalization", "ReLU", "MaxPooling2D",
         "SeparableConv2D", "BatchNormalization", "ReLU", "SeparableConv2D", "BatchNormalization", "ReLU",
         "GlobalAveragePooling2D", "Dense"]
for alpha in (1.0, 0.5):
    net = build_separable_model(alpha)
    specs = layer_specs(net)
    own = [s for s in net.layers if type(s).__name__ == "MySeparableConv2D"]
    if own:
        raise GradingError("the separable network's layers", "keras.layers.SeparableConv2D", "MySeparableConv2D",
                           "the grader loads the trained file with Keras's own layers only: use layers.SeparableConv2D")
    check_value([s.kind for s in specs], kinds, f"build_separable_model({alpha}): layer kinds in order",
                why="the table: conv → BN → ReLU, then three separable blocks (pooling after the first), global "
                "average pooling, dense")
    check_output_shape(net, (10,), f"build_separable_model({alpha}) output")
    check_param_count(net, expected_params(True, alpha), f"build_separable_model({alpha}): parameters", mistakes={
        expected_params(True, alpha, bias=True): "use_bias=True in the convolutions (batch norm follows: no bias)",
        expected_params(True, alpha) - analysis.conv2d_params(3, 1, int(32 * alpha), bias=False)
        + analysis.separable_conv2d_params(3, 1, int(32 * alpha), bias=False): "a separable first layer (it stays a Conv2D)"})
momenta = sorted({float(l.momentum) for l in build_separable_model().layers if type(l).__name__ == "BatchNormalization"})
check_value(momenta, [0.9], "the batch normalisations' momentum", why="BatchNormalization(momentum=0.9): its moving "
            "averages must keep up with a five-epoch training", mistakes={(0.99,): "Keras's default momentum, 0.99"})
check_value(layer_specs(build_separable_model())[0].output_shape, (14, 14, 32), "the first layer's output",
            why='3×3, stride 2, padding="same": ⌈28/2⌉ = 14', mistakes={(28, 28, 32): "stride 1 in the first layer",
                                                                      (13, 13, 32): 'padding="valid" in the first layer'})
### BEGIN HIDDEN TESTS
from cnnkit.checks import compare_architecture, compare_probes


def reference_network(conv, alpha):
    w = lambda c: int(alpha * c)
    inputs = keras.Input(shape=(28, 28, 1))
    x = layers.ReLU()(layers.BatchNormalization(momentum=0.9)(layers.Conv2D(w(32), 3, strides=2, padding="same", use_bias=False)(inputs)))
    x = layers.ReLU()(layers.BatchNormalization(momentum=0.9)(conv(w(64), 3, padding="same", use_bias=False)(x)))
    x = layers.MaxPooling2D(2)(x)
    for _ in range(2):
        x = layers.ReLU()(layers.BatchNormalization(momentum=0.9)(conv(w(128), 3, padding="same", use_bias=False)(x)))
    x = layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, layers.Dense(10, activation="softmax")(x))


for alpha in (1.0, 0.25):
    compare_architecture(build_separable_model(alpha), reference_network(layers.SeparableConv2D, alpha)).assert_ok()
compare_probes(build_separable_model(), reference_network(layers.SeparableConv2D, 1.0))
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_conv_twin", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from cnnkit import analysis  # the course's formulas: the reference for these checks


def twin_params(alpha, bias=False):
    """The Conv2D twin of the table, counted with the course's formulas."""
    w = lambda c: int(alpha * c)
    convs = [(1, w(32)), (w(32), w(64)), (w(64), w(128)), (w(128), w(128))]
    total = sum(analysis.conv2d_params(3, c_in, c_out, bias=bias) for c_in, c_out in convs)
    total += sum(analysis.batch_norm_params(c_out)["total"] for _, c_out in convs)
    return total + analysis.dense_params(w(128), 10)


twin_kinds = ["Conv2D", "BatchNormalization", "ReLU"] * 2 + ["MaxPooling2D"] + ["Conv2D", "BatchNormalization", "ReLU"] * 2 \
    + ["GlobalAveragePooling2D", "Dense"]
for alpha in (1.0, 0.5):
    twin = build_conv_model(alpha)
    check_value([s.kind for s in layer_specs(twin)], twin_kinds, f"build_conv_model({alpha}): layer kinds in order",
                why="the separable network with Conv2D in place of every SeparableConv2D")
    check_param_count(twin, twin_params(alpha), f"build_conv_model({alpha}): parameters", mistakes={
        twin_params(alpha, bias=True): "use_bias=True in the convolutions (batch norm follows: no bias)"})
### BEGIN HIDDEN TESTS
from cnnkit.checks import compare_architecture

inputs = keras.Input(shape=(28, 28, 1))
x = layers.ReLU()(layers.BatchNormalization(momentum=0.9)(layers.Conv2D(24, 3, strides=2, padding="same", use_bias=False)(inputs)))
x = layers.MaxPooling2D(2)(layers.ReLU()(layers.BatchNormalization(momentum=0.9)(layers.Conv2D(48, 3, padding="same", use_bias=False)(x))))
for _ in range(2):
    x = layers.ReLU()(layers.BatchNormalization(momentum=0.9)(layers.Conv2D(96, 3, padding="same", use_bias=False)(x)))
reference = keras.Model(inputs, layers.Dense(10, activation="softmax")(layers.GlobalAveragePooling2D()(x)))
compare_architecture(build_conv_model(0.75), reference).assert_ok()   # α = 0.75: 24, 48, 96 channels
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "train-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 7. Training the separable network (4 points)
#
# The cell below compiles the separable network (α = 1) with Adam and the sparse categorical
# cross-entropy, trains it with the course's recipe (epochs and batch size from `assignment.toml` beside
# this notebook), shows a progress bar, and **saves `separable_cnn.keras` next to this notebook**. While
# the notebook is graded, `fit_or_load` loads your handed-in file instead of training. Pass `reuse=True`
# to load a matching file you already trained.

# %% nbgrader={"grade": false, "grade_id": "compile", "locked": true, "schema_version": 3, "solution": false, "task": false}
def compile_model(net):
    net.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])

# %% nbgrader={"grade": false, "grade_id": "train", "locked": true, "schema_version": 3, "solution": false, "task": false} tags=["training"]
keras.utils.set_random_seed(seed())
model = build_separable_model()
compile_model(model)
model, history = fit_or_load(model, x_train, y_train, path=MODEL_PATH, recipe=cfg.training())

# %% nbgrader={"grade": false, "grade_id": "curves", "locked": true, "schema_version": 3, "solution": false, "task": false}
if is_autograding():
    print("(the curves are skipped while the notebook is graded)")
elif history:
    display(plot_history(history, title="separable network on Fashion-MNIST"))
else:
    print("no training history next to the model file; nothing to plot")

# %% [markdown] nbgrader={"grade": false, "grade_id": "grade-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# The test below checks that a trained model exists (trained in this session, or your handed-in
# `separable_cnn.keras` while the notebook is graded) and that it is the network
# `build_separable_model()` builds. The grader then measures it itself, on the 10,000 Fashion-MNIST
# test images divided by 255: the 4 points need an accuracy of at least **87.3%** (the reference
# solution reaches 90.3–90.5% with the recipe; an untrained network is at about 10%).

# %% nbgrader={"grade": true, "grade_id": "test_trained_model", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
status = load_status(model)
assert status is not None, "run the training cell first (fit_or_load)"
assert status.ok, status.reason
assert os.path.isfile(MODEL_PATH), f"{MODEL_PATH}: expected the saved model next to the notebook, found nothing"

# %% [markdown] nbgrader={"grade": false, "grade_id": "compare-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 8. Accuracy per parameter and per MAC (not graded; the grader skips it)
#
# The cell below trains the Conv2D twin and both networks at half width (α = 0.5) with the same recipe
# and seed (saved as `compare_*.keras` beside the notebook — you do not hand those in; `reuse=True` loads
# them when you run the cell again), measures each on the test set, and plots accuracy against
# parameters and against MACs (your `model_macs`). Add widths to `COMPARE_ALPHAS` (e.g. 0.25 or 2.0) if
# you have the time.

# %% nbgrader={"grade": false, "grade_id": "compare", "locked": true, "schema_version": 3, "solution": false, "task": false} tags=["training"]
COMPARE_ALPHAS = (1.0, 0.5)
if is_autograding() or handin_only():  # handin_only(): the course trains only the hand-in file (calibration)
    print("(the comparison trains three more networks: skipped while the notebook is graded)")
else:
    results = []
    for family, build in (("separable", build_separable_model), ("Conv2D", build_conv_model)):
        for alpha in COMPARE_ALPHAS:
            if family == "separable" and alpha == 1.0:
                net = model  # the graded network, trained above
            else:
                keras.utils.set_random_seed(seed())
                net = build(alpha)
                compile_model(net)
                net, _ = fit_or_load(net, x_train, y_train, path=f"compare_{family}_{alpha:g}.keras",
                                     recipe=cfg.training(), reuse=True)
            _, accuracy = net.evaluate(x_test, y_test, batch_size=1000, verbose=0)
            results.append({"family": family, "alpha": alpha, "params": int(net.count_params()),
                            "macs": int(model_macs(net)), "accuracy": float(accuracy)})
    with open("comparison.json", "w") as f:
        json.dump(results, f, indent=1)
    print(f"{'network':<12}{'α':>6}{'parameters':>12}{'MACs':>14}{'accuracy':>10}{'acc / M params':>16}")
    for r in results:
        print(f"{r['family']:<12}{r['alpha']:>6g}{r['params']:>12,}{r['macs']:>14,}{r['accuracy']:>10.4f}"
              f"{r['accuracy'] / (r['params'] / 1e6):>16.1f}")

    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 4), layout="constrained")
    for ax, key, label in zip(fig.subplots(1, 2), ("params", "macs"), ("parameters", "multiply-accumulates per image")):
        for family, marker in (("separable", "o"), ("Conv2D", "s")):
            rows = sorted((r for r in results if r["family"] == family), key=lambda r: r[key])
            ax.plot([r[key] for r in rows], [r["accuracy"] for r in rows], marker=marker, label=family)
            for r in rows:
                ax.annotate(f"α={r['alpha']:g}", (r[key], r["accuracy"]), textcoords="offset points", xytext=(4, -10))
        ax.set_xscale("log")
        ax.set_xlabel(label)
        ax.set_ylabel("test accuracy")
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle("Fashion-MNIST: separable network vs Conv2D twin")
    display(fig)

# %% [markdown] nbgrader={"grade": false, "grade_id": "discuss-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 9. What did the separation buy? (2 points, graded by a person)
#
# **Q7.** From your table and plots: how many times fewer parameters and MACs does the separable
# network need than its twin at the same width, and what does it cost in accuracy? At a fixed budget of
# parameters (or MACs), which family would you choose, and why? Does the ratio of MACs match
# $1/N + 1/k^2$ — and if not, why not (which layers are not separable)? Four to six sentences.

# %% [markdown] nbgrader={"grade": true, "grade_id": "discussion", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# At the same width the separable network needs about 8 times fewer parameters (31.6 thousand against
# 243 thousand at α = 1) and 8 times fewer MACs (1.8 million against 14.5 million per image) than its
# Conv2D twin, for one or two points of test accuracy. At a fixed budget the separable family wins: the
# twin at half width still costs about twice what the full-width separable network does, and is not
# more accurate, so per parameter and per MAC the separable points sit well to the left of the Conv2D
# ones at the same height. The whole network's MAC ratio (about 0.12) is close to, but not exactly,
# 1/N + 1/k² ≈ 0.12–0.13 for 3×3 kernels and 64–128 channels: the first layer is an ordinary convolution
# in both networks and the dense layer is shared. On a CPU the time saved is smaller than the MACs
# suggest, because a depthwise convolution does few operations per value it reads from memory.

# %% [markdown] nbgrader={"grade": false, "grade_id": "outro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Handing in
#
# Save this notebook, and hand it in **together with `separable_cnn.keras`** (the file the training cell
# saved next to it). Both files, same folder, nothing else needed.
