# %% [markdown] nbgrader={"grade": false, "grade_id": "intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# # 06 · Residual networks
#
# **19 points · about 120 minutes, plus about ten minutes of training · hand in: this notebook and
# `resnet_fashion.keras`.**
#
# Deeper networks should never be worse than shallower ones — yet a plain stack of more layers trains to a
# *higher* training error: the degradation problem. ResNet's answer is the skip connection, y = F(x) + x.
# You will see the problem on your own CPU (a plain deep network against the same network with skips),
# write the three kinds of shortcut (identity, 1×1 projection and the parameter-free zero-padding "option
# A"), the basic and the bottleneck blocks, build ResNet-50 and match it block by block against Keras's own
# `keras.applications.ResNet50` (25,636,712 parameters), and train a small CIFAR-style ResNet (depth 6n + 2)
# on Fashion-MNIST.
#
# **How this notebook is graded.** Each question has a test cell: its visible checks run now and tell you
# what is wrong and why; hidden checks on other inputs run when the notebook is graded. Build everything
# yourself from Keras layers (functional API): answers built from `cnnkit.models`, `cnnkit.layers` or
# `keras.applications` score zero for that question (`keras.applications` appears only inside the tests,
# as the reference). The training cell saves your ResNet as `resnet_fashion.keras` **next to this notebook — hand that
# file in together with the notebook.** The grader never retrains: it loads your file (Keras's safe mode:
# built-in layers only, no `Lambda`), checks that it is the network this notebook builds and measures its
# accuracy on the 10,000 held-out test images. The pass mark is **85.4%**, calibrated by training the
# reference solution with three seeds (their lowest accuracy minus a 3-point margin). The last question is
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
import os

import keras
import matplotlib.pyplot as plt
import numpy as np
from keras import layers

from cnnkit.checks import (GradingError, check_output_shape, check_param_count, check_value, config, fit_or_load,
                           handin_only, is_autograding, load_status, seed)
from cnnkit.checks.assignment import budget_name
from cnnkit.data import load
from cnnkit.data.transforms import prepare

cfg = config()  # assignment.toml beside this notebook: the training recipe and the file to hand in
MODEL_PATH = "resnet_fashion.keras"  # saved beside this notebook: hand it in with the notebook


def batch_norm(**kwargs):
    """BatchNormalization with momentum 0.9 (PyTorch's default): its moving averages, used at test time, then
    follow a training of a few hundred steps (Keras's default 0.99 needs many more). Use it for every BN here."""
    return layers.BatchNormalization(momentum=0.9, **kwargs)

# %% nbgrader={"grade": false, "grade_id": "data", "locked": true, "schema_version": 3, "solution": false, "task": false}
(x_train, y_train), (x_test, y_test) = load("fashion_mnist")
x_train, y_train = prepare(x_train, y_train)  # float32 in [0, 1], shape (N, 28, 28, 1)
x_test, y_test = prepare(x_test, y_test)
print("train:", x_train.shape, x_train.dtype, " test:", x_test.shape)

# %% [markdown] nbgrader={"grade": false, "grade_id": "degradation-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 1. The degradation problem (2 points)
#
# Take a network and stack more layers on it. The deeper network can do at least as well *by construction*:
# let the added layers be identity mappings and copy the rest (lecture 001). Yet experiments show the deeper
# "plain" network reaching a **higher training error** — not overfitting (the *training* error is higher),
# but an optimisation problem: the solver does not find that constructed solution (lectures 001, 003, 004;
# He et al.'s Figure 1, 20 vs 56 layers on CIFAR-10).
#
# ResNet lets a block learn a *residual* F(x) and outputs F(x) + x through a **skip connection**: if the
# identity is what is needed, F only has to go to zero. The gradient flows through the skip untouched
# (lecture 002): with $x_{l+1} = x_l + F(x_l)$,
#
# $$\frac{\partial E}{\partial x_l} = \frac{\partial E}{\partial x_L}\left(1 + \frac{\partial}{\partial x_l}\sum_{i=l}^{L-1} F(x_i)\right).$$
#
# Both networks below start with a stem `Conv2D(width, 3, strides=2, padding="same", use_bias=False)` →
# `batch_norm()` → ReLU (28×28 → 14×14), then have `depth` 3×3 convolutions (`width` filters, `"same"`, no bias,
# each followed by `batch_norm()`), then global average pooling and `Dense(classes, activation="softmax")`:
#
# - `plain_net`: every convolution is conv → BN → ReLU;
# - `residual_net`: the convolutions go in pairs, conv → BN → ReLU → conv → BN, then **add the pair's input**
#   (`layers.Add()`) and apply the ReLU after the addition — `depth // 2` identity skips, no extra parameters.
#
# **Q1.** Write `plain_net(depth, width=16, input_shape=(28, 28, 1), classes=10)` and
# `residual_net(depth, width=16, input_shape=(28, 28, 1), classes=10)` (`depth` is even).

# %% nbgrader={"grade": false, "grade_id": "degradation_nets", "locked": false, "schema_version": 3, "solution": true, "task": false}
def plain_net(depth, width=16, input_shape=(28, 28, 1), classes=10):
    ### BEGIN SOLUTION
    inputs = keras.Input(shape=input_shape)
    x = layers.Conv2D(width, 3, strides=2, padding="same", use_bias=False)(inputs)
    x = layers.ReLU()(batch_norm()(x))
    for _ in range(depth):
        x = layers.Conv2D(width, 3, padding="same", use_bias=False)(x)
        x = layers.ReLU()(batch_norm()(x))
    x = layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, layers.Dense(classes, activation="softmax")(x), name=f"plain{depth}")
    ### END SOLUTION


def residual_net(depth, width=16, input_shape=(28, 28, 1), classes=10):
    ### BEGIN SOLUTION
    inputs = keras.Input(shape=input_shape)
    x = layers.Conv2D(width, 3, strides=2, padding="same", use_bias=False)(inputs)
    x = layers.ReLU()(batch_norm()(x))
    for _ in range(depth // 2):
        y = layers.Conv2D(width, 3, padding="same", use_bias=False)(x)
        y = layers.ReLU()(batch_norm()(y))
        y = layers.Conv2D(width, 3, padding="same", use_bias=False)(y)
        y = batch_norm()(y)
        x = layers.ReLU()(layers.Add()([x, y]))
    x = layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, layers.Dense(classes, activation="softmax")(x), name=f"residual{depth}")
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_degradation_nets", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from cnnkit import analysis


def kinds(model):
    out = {}
    for layer in model.layers:
        kind = type(layer).__name__
        if kind == "Activation" and layer.get_config().get("activation") == "relu":
            kind = "ReLU"
        out[kind] = out.get(kind, 0) + 1
    return out


plain, residual = plain_net(20), residual_net(20)
for model in (plain, residual):
    check_output_shape(model, (10,), f"{model.name} output")
p, bn = analysis.conv2d_params, analysis.batch_norm_params(16)["total"]
want = p(3, 1, 16, bias=False) + bn + 20 * (p(3, 16, 16, bias=False) + bn) + analysis.dense_params(16, 10)
check_value(plain.count_params(), want, "plain_net(20) parameters",
            why="stem 3·3·1·16 + BN, 20 × (3·3·16·16 + BN), classifier 16·10 + 10; no conv biases", mistakes={
                want + 21 * 16: "convolutions with biases (use_bias=False: the BN after each has its own shift)",
                want - 20 * bn: "no batch normalisation after the 3×3 convolutions"})
check_value(residual.count_params(), plain.count_params(), "residual_net(20) parameters (the same as plain_net(20))",
            why="identity skips add no parameters", mistakes={
                want + 10 * (p(1, 16, 16, bias=False) + bn): "1×1 projections on the skips (the shapes match: an "
                                                             "identity skip has no parameters)",
                want + 10 * p(1, 16, 16, bias=False): "1×1 projections on the skips (the shapes match: an identity "
                                                      "skip has no parameters)"})
k_plain, k_res = kinds(plain), kinds(residual)
check_value(k_plain.get("Conv2D", 0), 21, "Conv2D layers in plain_net(20)", why="the stem plus depth = 20 convolutions")
check_value(k_res.get("Add", 0), 10, "Add layers in residual_net(20)", why="one skip per pair of convolutions: 20 // 2",
            mistakes={20: "a skip around every single convolution (the blocks are pairs)"})
check_value(k_plain.get("Add", 0), 0, "Add layers in plain_net(20)", why="the plain network has no skips")
check_value(k_res.get("ReLU", 0), 21, "ReLU layers in residual_net(20)",
            why="the stem's, one inside each pair, and one AFTER each addition: 1 + 10 + 10", mistakes={
                11: "no ReLU after the addition", 31: "a ReLU after the pair's second BN AND after the addition"})
### BEGIN HIDDEN TESTS
from cnnkit.checks import check_built_from
from cnnkit.layers import ResidualBlock

for model in (plain, residual):
    check_built_from(model, forbid=("cnnkit.layers", "cnnkit.models", "keras.applications"), what=model.name)
other_plain, other_res = plain_net(6, width=8, input_shape=(12, 10, 3), classes=4), residual_net(6, 8, (12, 10, 3), 4)
check_output_shape(other_res, (4,), "residual_net(6, 8, (12, 10, 3), 4) output")
inputs = keras.Input(shape=(12, 10, 3))
x = layers.ReLU()(layers.BatchNormalization()(layers.Conv2D(8, 3, strides=2, padding="same", use_bias=False)(inputs)))
for _ in range(3):
    x = ResidualBlock(8, shortcut="identity")(x)
reference = keras.Model(inputs, layers.Dense(4, activation="softmax")(layers.GlobalAveragePooling2D()(x)))
check_value(other_res.count_params(), reference.count_params(), "residual_net(6, 8, (12, 10, 3), 4) against the reference")
check_value(other_plain.count_params(), reference.count_params(), "plain_net(6, 8, (12, 10, 3), 4) against the reference")
check_value(kinds(other_res).get("Add", 0), 3, "Add layers in residual_net(6, ...)")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "curves-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# Now train both, 20 convolutions deep, for a few hundred steps of Adam on the same images, and look at the
# **training** loss (averaged over every 25 steps). The helper below does the training; the next cell runs
# it for both networks (it is skipped while the notebook is graded). The course's test suite checks on two
# seeds that the plain network's training loss stays above the residual network's — so the claim you are
# about to see is checked, not only plotted.

# %% nbgrader={"grade": false, "grade_id": "training_curve", "locked": true, "schema_version": 3, "solution": false, "task": false}
def training_curve(model, x, y, steps, chunk=25, batch_size=64):
    """Train `model` for `steps` steps of Adam (learning rate 0.001) on the first steps·batch_size images;
    return the training loss averaged over every `chunk` steps."""
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3), loss="sparse_categorical_crossentropy")
    curve = []
    for start in range(0, steps, chunk):
        part = slice(start * batch_size, min(start + chunk, steps) * batch_size)
        history = model.fit(x[part], y[part], batch_size=batch_size, epochs=1, shuffle=False, verbose=0)
        curve.append(history.history["loss"][0])
    return curve


# The test suite runs this notebook on a small budget: then only a quick smoke run of shallow networks.
DEPTH, STEPS = (20, 300) if budget_name() == "full" else (4, 10)

# %% nbgrader={"grade": false, "grade_id": "degradation", "locked": true, "schema_version": 3, "solution": false, "task": false} tags=["training"]
if is_autograding() or handin_only():
    curves = None
    print("(the degradation experiment is skipped while the notebook is graded)")
else:
    curves = {}
    for build in (plain_net, residual_net):
        keras.utils.set_random_seed(seed())
        curves[build.__name__] = training_curve(build(DEPTH), x_train, y_train, STEPS)
        print(f"{build.__name__}({DEPTH}): training loss {curves[build.__name__][0]:.3f} → {curves[build.__name__][-1]:.3f}")
    steps = [min(25 * (i + 1), STEPS) for i in range(len(curves["plain_net"]))]
    plt.figure(figsize=(5.5, 3.6))
    for name, curve in curves.items():
        plt.plot(steps, curve, "o-", label=f"{name.replace('_net', '')}, {DEPTH} layers + stem")
    plt.xlabel("training step")
    plt.ylabel("training loss (mean of 25 steps)")
    plt.title("the same depth, with and without skips")
    plt.grid(alpha=0.3)
    plt.legend()
    plt.show()

# %% [markdown] nbgrader={"grade": false, "grade_id": "shortcut-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 2. Three shortcuts (3 points)
#
# Where a block changes the shape (a stride of 2 halves H×W, the channels double), x cannot be added to F(x)
# as it is. He et al. compare three shortcuts (lectures 002 and 004):
#
# - **identity** (no parameters) — only when the shape is kept;
# - **projection** (option B): a 1×1 convolution with the block's stride to the new number of channels,
#   followed by batch normalisation — "when the size is different ... use 1×1 convolution with strides";
# - **zero padding** (option A, the paper's CIFAR networks): keep every `stride`-th pixel and append zero
#   channels up to the new width. No parameters at all.
#
# In Keras, option A needs no custom code: `layers.MaxPooling2D(pool_size=1, strides=stride)` keeps every
# stride-th pixel (a 1×1 "pool" is just the pixel), and zero channels can be appended by viewing the map as a
# 3-D volume with one channel, `layers.Reshape((h, w, c, 1))`, padding its third axis with
# `layers.ZeroPadding3D(((0, 0), (0, 0), (before, after)))` and reshaping back to `(h, w, c + before + after)`.
# Do not use `Lambda` layers: the grader loads models in Keras's safe mode, which refuses them.
#
# **Q2.** Write `shortcut(x, filters, stride=1, kind="identity", use_bias=False)`, returning the shortcut
# tensor for a block with `filters` output channels: `kind` is `"identity"` (raise a `ValueError` that says
# why if the shape changes), `"projection"` (`Conv2D(filters, 1, strides=stride, use_bias=use_bias)` →
# `batch_norm()`) or `"zero_pad"`.

# %% nbgrader={"grade": false, "grade_id": "shortcut", "locked": false, "schema_version": 3, "solution": true, "task": false}
def shortcut(x, filters, stride=1, kind="identity", use_bias=False):
    ### BEGIN SOLUTION
    channels = x.shape[-1]
    if kind == "identity":
        if stride != 1 or channels != filters:
            raise ValueError(f"an identity shortcut keeps the shape, but this block maps {channels} channels to "
                             f"{filters} with stride {stride}: use kind='projection' or kind='zero_pad'")
        return x
    if kind == "projection":
        x = layers.Conv2D(filters, 1, strides=stride, use_bias=use_bias)(x)
        return batch_norm()(x)
    if kind == "zero_pad":
        if stride > 1:
            x = layers.MaxPooling2D(pool_size=1, strides=stride)(x)
        _, h, w, c = x.shape
        x = layers.Reshape((h, w, c, 1))(x)
        x = layers.ZeroPadding3D(((0, 0), (0, 0), (0, filters - c)))(x)
        return layers.Reshape((h, w, filters))(x)
    raise ValueError(f"kind must be 'identity', 'projection' or 'zero_pad', got {kind!r}")
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_shortcut", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from cnnkit import analysis

x8 = keras.Input(shape=(8, 8, 16))
# identity: the tensor itself, no parameters
ident = keras.Model(x8, shortcut(x8, 16, 1, "identity"))
check_value(tuple(ident.output.shape[1:]), (8, 8, 16), "identity shortcut shape")
check_param_count(ident, 0, "identity shortcut parameters")
try:
    shortcut(x8, 32, 2, "identity")
except ValueError:
    pass
else:
    raise GradingError("shortcut(x, 32, stride=2, kind='identity') on 8×8×16", "a ValueError", "no error",
                       "an identity cannot join 8×8×16 to 4×4×32: raise ValueError('...') saying to use a projection "
                       "or zero padding, instead of failing later inside layers.Add")
# projection (option B): 1×1 convolution with the stride, then BN
proj = keras.Model(x8, shortcut(x8, 32, 2, "projection"))
check_value(tuple(proj.output.shape[1:]), (4, 4, 32), "projection shortcut shape (16 → 32 channels, stride 2)",
            why="the 1×1 convolution takes the block's stride: 8 → 4", mistakes={
                (8, 8, 32): "a projection without strides=stride"})
bn32 = analysis.batch_norm_params(32)["total"]
want = analysis.conv2d_params(1, 16, 32, bias=False) + bn32
check_param_count(proj, want, "projection shortcut parameters", mistakes={
    want + 32: "use_bias=True (leave the bias to the BN that follows)",
    analysis.conv2d_params(3, 16, 32, bias=False) + bn32: "a 3×3 projection (the paper's is 1×1)",
    want - bn32: "no batch normalisation after the projection"})
# zero padding (option A): no parameters; the kept pixels are x[:, ::2, ::2, :], the new channels are 0
zero = keras.Model(x8, shortcut(x8, 32, 2, "zero_pad"))
check_value(tuple(zero.output.shape[1:]), (4, 4, 32), "zero-padding shortcut shape (16 → 32 channels, stride 2)")
check_param_count(zero, 0, "zero-padding shortcut parameters", mistakes={
    analysis.conv2d_params(1, 16, 32, bias=False) + bn32: "a projection instead of zero padding"})
lambdas = [l.name for l in zero.layers if type(l).__name__ == "Lambda"]
check_value(lambdas, [], "Lambda layers in the zero-padding shortcut",
            why="the grader loads models in safe mode, which refuses Lambda layers: use MaxPooling2D, Reshape and "
                "ZeroPadding3D")
x = np.random.default_rng(1).normal(size=(2, 8, 8, 16)).astype("float32")
out = np.asarray(zero(x))
kept = x[:, ::2, ::2, :]
blocks = [i for i in range(0, 32 - 16 + 1) if np.allclose(out[..., i:i + 16], kept)]
if not blocks:
    pooled = x.reshape(2, 4, 2, 4, 2, 16).max(axis=(2, 4))
    likely = ("max-pooling 2×2 keeps the largest of each window; option A keeps every second pixel: "
              "MaxPooling2D(pool_size=1, strides=2)" if any(np.allclose(out[..., i:i + 16], pooled) for i in range(17))
              else "keep every stride-th pixel, x[:, ::2, ::2, :], unchanged")
    raise GradingError("zero-padding shortcut values", "the input's 16 channels at every second pixel, plus 16 zero "
                       "channels", "other values", likely)
rest = np.delete(out, np.s_[blocks[0]:blocks[0] + 16], axis=-1)
check_value(float(np.abs(rest).max()), 0.0, "the largest value in the appended channels", why="option A appends ZEROS")
### BEGIN HIDDEN TESTS
from cnnkit.checks import check_built_from

for model in (proj, zero):
    check_built_from(model, forbid=("cnnkit.layers", "cnnkit.models", "keras.applications", "Lambda"), what="shortcut")
xr = keras.Input(shape=(7, 9, 12))
proj1 = keras.Model(xr, shortcut(xr, 20, 1, "projection", use_bias=True))
check_value(tuple(proj1.output.shape[1:]), (7, 9, 20), "projection 12 → 20 channels, stride 1, on 7×9")
check_param_count(proj1, analysis.conv2d_params(1, 12, 20) + analysis.batch_norm_params(20)["total"],
                  "projection with use_bias=True")
zero2 = keras.Model(xr, shortcut(xr, 24, 2, "zero_pad"))
check_value(tuple(zero2.output.shape[1:]), (4, 5, 24), "zero padding 12 → 24 channels, stride 2, on 7×9",
            why="⌈7/2⌉ = 4, ⌈9/2⌉ = 5")
xv = np.random.default_rng(2).normal(size=(1, 7, 9, 12)).astype("float32")
outv = np.asarray(zero2(xv))
check_value(any(np.allclose(outv[..., i:i + 12], xv[:, ::2, ::2, :]) for i in range(13)), True,
            "zero padding on 7×9: the kept pixels")
zero3 = keras.Model(x8, shortcut(x8, 24, 1, "zero_pad"))
check_value(tuple(zero3.output.shape[1:]), (8, 8, 24), "zero padding 16 → 24 channels, stride 1")
try:
    shortcut(x8, 16, 2, "identity")
except ValueError:
    pass
else:
    raise GradingError("identity with stride 2 and the same channels", "a ValueError", "no error")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "basic-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 3. The basic block (2 points)
#
# ResNet-18/34 and the CIFAR ResNets use the two-layer **basic block** (He et al. 2015, lecture 001's
# "ResNet 34 residual block"):
#
# ```
# x ──► conv 3×3 (stride s) ─► BN ─► ReLU ─► conv 3×3 ─► BN ─►(+)─► ReLU ─►
#  └────────────────────── shortcut(x) ───────────────────────┘
# ```
#
# The stride sits on the **first** convolution; the convolutions have no bias (each is followed by BN); the
# ReLU comes **after** the addition. The shortcut is the identity when the block keeps the shape, and
# otherwise the `shortcut_kind` given ("projection" or "zero_pad").
#
# **Q3.** Write `basic_block(x, filters, stride=1, shortcut_kind="projection")` with your `shortcut` and
# `batch_norm()`.

# %% nbgrader={"grade": false, "grade_id": "basic_block", "locked": false, "schema_version": 3, "solution": true, "task": false}
def basic_block(x, filters, stride=1, shortcut_kind="projection"):
    ### BEGIN SOLUTION
    keeps_shape = stride == 1 and x.shape[-1] == filters
    short = shortcut(x, filters, stride, "identity" if keeps_shape else shortcut_kind)
    y = layers.Conv2D(filters, 3, strides=stride, padding="same", use_bias=False)(x)
    y = layers.ReLU()(batch_norm()(y))
    y = layers.Conv2D(filters, 3, padding="same", use_bias=False)(y)
    y = batch_norm()(y)
    return layers.ReLU()(layers.Add()([short, y]))
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_basic_block", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from cnnkit import analysis

p = analysis.conv2d_params
bn16, bn32 = analysis.batch_norm_params(16)["total"], analysis.batch_norm_params(32)["total"]
x8 = keras.Input(shape=(8, 8, 16))
same = keras.Model(x8, basic_block(x8, 16))
check_value(tuple(same.output.shape[1:]), (8, 8, 16), "basic_block(x, 16) on 8×8×16: output shape")
want = 2 * (p(3, 16, 16, bias=False) + bn16)
check_param_count(same, want, "basic_block(x, 16) parameters (identity shortcut)", mistakes={
    want + 32: "convolutions with biases (use_bias=False before BN)",
    want + p(1, 16, 16, bias=False) + bn16: "a projection where the identity fits (the shape is kept)"})
adds = [l for l in same.layers if isinstance(l, layers.Add)]
check_value(len(adds), 1, "Add layers in a basic block", why="y = F(x) + shortcut(x): one addition")
# The ReLU comes after the addition: on inputs with negative values, the block's output is never negative.
x = np.random.default_rng(0).normal(size=(2, 8, 8, 16)).astype("float32")
check_value(bool(np.asarray(same(x)).min() >= 0), True, "the block's output is ≥ 0 (ReLU after the addition)",
            why="F(x) + x, then ReLU: without the final ReLU, negative inputs come through the skip")
down = keras.Model(x8, basic_block(x8, 32, stride=2))
check_value(tuple(down.output.shape[1:]), (4, 4, 32), "basic_block(x, 32, stride=2): output shape",
            why="stride 2 halves 8 → 4 in both the branch and the shortcut")
want = p(3, 16, 32, bias=False) + p(3, 32, 32, bias=False) + 2 * bn32 + p(1, 16, 32, bias=False) + bn32
check_param_count(down, want, "basic_block(x, 32, stride=2) parameters (projection shortcut)")
strides = [tuple(l.strides) for l in down.layers if isinstance(l, layers.Conv2D) and tuple(l.kernel_size) == (3, 3)]
check_value(strides, [(2, 2), (1, 1)], "strides of the two 3×3 convolutions, in order",
            why="the first convolution down-samples", mistakes={((1, 1), (2, 2)): "the stride on the second convolution"})
### BEGIN HIDDEN TESTS
from cnnkit.checks import check_built_from
from cnnkit.layers import ResidualBlock

check_built_from(down, forbid=("cnnkit.layers", "cnnkit.models", "keras.applications"), what="basic_block")
for shape, filters, stride, kind in [((8, 8, 16), 32, 2, "zero_pad"), ((9, 7, 8), 8, 1, "projection"),
                                     ((9, 7, 8), 24, 2, "projection"), ((6, 6, 4), 12, 1, "zero_pad")]:
    xi = keras.Input(shape=shape)
    mine = keras.Model(xi, basic_block(xi, filters, stride, kind))
    ref = ResidualBlock(filters, stride=stride, shortcut={"projection": "auto", "zero_pad": "A"}[kind]
                        if not (kind == "zero_pad" and stride == 1 and shape[-1] == filters) else "identity")
    ref_out = ref(keras.Input(shape=shape))
    what = f"basic_block(x, {filters}, {stride}, {kind!r}) on {shape}"
    check_value(tuple(mine.output.shape[1:]), tuple(ref_out.shape[1:]), f"{what}: shape")
    check_param_count(mine, ref.count_params(), f"{what}: parameters")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "bottleneck-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 4. The bottleneck block (2 points)
#
# ResNet-50/101/152 replace each two-layer block with a three-layer **bottleneck** (lectures 001 and 004): a
# 1×1 convolution reduces the channels to `filters`, the 3×3 works on that thin map, and a second 1×1
# restores **4 × `filters`** channels; each convolution is followed by BN, the ReLU follows the sum. This
# makes the 3×3 convolutions less heavy on resources.
#
# ```
# x ─► conv 1×1, filters (stride s) ─► BN ─► ReLU ─► conv 3×3, filters ─► BN ─► ReLU ─► conv 1×1, 4·filters ─► BN ─►(+)─► ReLU
#  └───────────────────────────── projection: conv 1×1, 4·filters (stride s) ─► BN, or the identity ─────────────┘
# ```
#
# We match **Keras's own implementation**, `keras.applications.ResNet50`: its stride sits on the *first* 1×1
# convolution (as the original Caffe models), and its convolutions **keep their biases** (unlike the basic
# block above — harmless, and part of the 25,636,712 parameters you will match). The shortcut is a projection
# in the first block of each stage (`project=True`), the identity elsewhere.
#
# **Q4.** Write `bottleneck_block(x, filters, stride=1, project=False)` (use `batch_norm()`; Keras's uses
# `epsilon=1.001e-5`, which you may pass too).

# %% nbgrader={"grade": false, "grade_id": "bottleneck_block", "locked": false, "schema_version": 3, "solution": true, "task": false}
def bottleneck_block(x, filters, stride=1, project=False):
    ### BEGIN SOLUTION
    short = shortcut(x, 4 * filters, stride, "projection" if project else "identity", use_bias=True)
    y = layers.Conv2D(filters, 1, strides=stride)(x)
    y = layers.ReLU()(batch_norm(epsilon=1.001e-5)(y))
    y = layers.Conv2D(filters, 3, padding="same")(y)
    y = layers.ReLU()(batch_norm(epsilon=1.001e-5)(y))
    y = layers.Conv2D(4 * filters, 1)(y)
    y = batch_norm(epsilon=1.001e-5)(y)
    return layers.ReLU()(layers.Add()([short, y]))
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_bottleneck_block", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from cnnkit import analysis

p = analysis.conv2d_params
bn = lambda c: analysis.batch_norm_params(c)["total"]
x56 = keras.Input(shape=(56, 56, 64))  # conv2_block1 of ResNet-50: 64 → 256 channels, stride 1, projection
try:
    first = keras.Model(x56, bottleneck_block(x56, 64, 1, project=True))
except ValueError as exc:
    raise GradingError("bottleneck_block(x, 64, project=True) on 56×56×64", "a block",
                       f"Keras refused: {str(exc).splitlines()[0][:160]}",
                       "the branch and the shortcut are added, so they need the same shape: the last 1×1 gives "
                       "4 × filters channels, and so must the projection (project=True)") from None
check_value(tuple(first.output.shape[1:]), (56, 56, 256), "bottleneck_block(x, 64, project=True) on 56×56×64",
            why="the last 1×1 restores 4 × filters = 256 channels", mistakes={
                (56, 56, 64): "forgetting the expansion to 4 × filters"})
want = p(1, 64, 64) + p(3, 64, 64) + p(1, 64, 256) + p(1, 64, 256) + 2 * bn(64) + 2 * bn(256)
check_param_count(first, want, "conv2_block1 parameters (with its projection)", mistakes={
    want - (64 + 64 + 256 + 256): "use_bias=False (Keras's ResNet50 keeps the biases)",
    want - p(1, 64, 256) - bn(256): "no projection on the first block's shortcut"})
x28 = keras.Input(shape=(56, 56, 256))  # conv3_block1: 256 → 512, stride 2
down = keras.Model(x28, bottleneck_block(x28, 128, 2, project=True))
check_value(tuple(down.output.shape[1:]), (28, 28, 512), "bottleneck_block(x, 128, 2, project=True) on 56×56×256")
main_path = [l for l in down.layers if isinstance(l, layers.Conv2D) and l.input is not x28 or
             isinstance(l, layers.Conv2D) and l.filters == 128]
check_value([(tuple(l.kernel_size), tuple(l.strides)) for l in main_path], [((1, 1), (2, 2)), ((3, 3), (1, 1)), ((1, 1), (1, 1))],
            "the branch's convolutions (kernel, strides), in order",
            why="keras.applications strides the first 1×1 convolution", mistakes={
                (((1, 1), (1, 1)), ((3, 3), (2, 2)), ((1, 1), (1, 1))): "the stride on the 3×3 (ResNet v1.5 / "
                                                                        "torchvision; Keras's ResNet50 strides the first 1×1)"})
x14 = keras.Input(shape=(14, 14, 1024))
ident = keras.Model(x14, bottleneck_block(x14, 256))
check_param_count(ident, p(1, 1024, 256) + p(3, 256, 256) + p(1, 256, 1024) + 2 * bn(256) + bn(1024),
                  "bottleneck_block(x, 256) on 14×14×1024 (identity shortcut)")
x = np.random.default_rng(0).normal(size=(1, 14, 14, 1024)).astype("float32")
check_value(bool(np.asarray(ident(x)).min() >= 0), True, "the block's output is ≥ 0 (ReLU after the addition)")
### BEGIN HIDDEN TESTS
from cnnkit.checks import check_built_from
from cnnkit.layers import BottleneckBlock

check_built_from(down, forbid=("cnnkit.layers", "cnnkit.models", "keras.applications"), what="bottleneck_block")
for shape, filters, stride in [((10, 10, 32), 16, 2), ((7, 9, 12), 8, 1)]:
    xi = keras.Input(shape=shape)
    mine = keras.Model(xi, bottleneck_block(xi, filters, stride, project=True))
    ref = BottleneckBlock(filters, stride=stride, shortcut="projection", use_bias=True)
    ref_out = ref(keras.Input(shape=shape))
    check_value(tuple(mine.output.shape[1:]), tuple(ref_out.shape[1:]), f"bottleneck {filters}/{stride} on {shape}: shape")
    check_param_count(mine, ref.count_params(), f"bottleneck {filters}/{stride} on {shape}: parameters")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "resnet50-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 5. ResNet-50, matched against Keras (2 points)
#
# ResNet-50, as `keras.applications.ResNet50` builds it for a 224×224×3 image:
#
# | stage | layers | output |
# | --- | --- | --- |
# | stem | `ZeroPadding2D(3)` → conv 7×7/2, 64 → BN → ReLU → `ZeroPadding2D(1)` → max-pool 3×3/2 | 56×56×64 |
# | conv2 | 3 bottleneck blocks, 64 filters (stride 1: the pool already halved) | 56×56×256 |
# | conv3 | 4 blocks, 128 filters, the first with stride 2 | 28×28×512 |
# | conv4 | 6 blocks, 256 filters, the first with stride 2 | 14×14×1024 |
# | conv5 | 3 blocks, 512 filters, the first with stride 2 | 7×7×2048 |
# | head | global average pooling → `Dense(1000, activation="softmax")` | 1000 |
#
# The first block of every stage has a projection shortcut (its channels change), the others the identity;
# the stem's convolution keeps its bias, like the blocks'. (`padding="same"` on the stem's convolution and
# pool gives the same shapes as the explicit zero padding; either is accepted.) The test builds Keras's
# model and compares yours **block by block** — each block's output, its parameters and its layers (kind,
# filters, kernel, stride, output shape), in any order inside the block — and the total: 25,636,712.
#
# **Q5.** Write `build_resnet50(input_shape=(224, 224, 3), classes=1000)` from `bottleneck_block`.

# %% nbgrader={"grade": false, "grade_id": "resnet50", "locked": false, "schema_version": 3, "solution": true, "task": false}
def build_resnet50(input_shape=(224, 224, 3), classes=1000):
    ### BEGIN SOLUTION
    inputs = keras.Input(shape=input_shape)
    x = layers.ZeroPadding2D(3)(inputs)
    x = layers.Conv2D(64, 7, strides=2)(x)
    x = layers.ReLU()(batch_norm(epsilon=1.001e-5)(x))
    x = layers.ZeroPadding2D(1)(x)
    x = layers.MaxPooling2D(3, strides=2)(x)
    for stage, (blocks, filters) in enumerate(zip((3, 4, 6, 3), (64, 128, 256, 512))):
        for i in range(blocks):
            stride = 2 if stage > 0 and i == 0 else 1
            x = bottleneck_block(x, filters, stride, project=i == 0)
    x = layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, layers.Dense(classes, activation="softmax")(x), name="resnet50")
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_resnet50", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from cnnkit.checks import compare_blocks

try:
    mine = build_resnet50()
except ValueError as exc:
    raise GradingError("build_resnet50()", "a model", f"Keras refused: {str(exc)[:200]}",
                       "an Add needs both inputs of the same shape: the first block of every stage changes the "
                       "channels (64 → 256 in conv2 too), so it needs project=True") from None
keras_resnet50 = keras.applications.ResNet50(weights=None)  # the reference (25,636,712 parameters)
check_output_shape(mine, (1000,), "ResNet-50 output")
compare_blocks(mine, keras_resnet50).assert_ok()
check_param_count(mine, keras_resnet50.count_params(), "ResNet-50 parameters (keras.applications.ResNet50)")
check_value(sum(isinstance(l, layers.Add) for l in mine.layers), 16, "residual blocks (Add layers)",
            why="3 + 4 + 6 + 3 = 16 bottleneck blocks")
### BEGIN HIDDEN TESTS
from cnnkit.checks import check_built_from
from cnnkit.models import ResNet50

check_built_from(mine, forbid=("cnnkit.layers", "cnnkit.models", "keras.applications"), what="build_resnet50")
small = build_resnet50(input_shape=(64, 64, 3), classes=10)
compare_blocks(small, ResNet50(input_shape=(64, 64, 3), classes=10)).assert_ok()
check_output_shape(small, (10,), "build_resnet50(input_shape=(64, 64, 3), classes=10)")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "cifar-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 6. A CIFAR-style ResNet for Fashion-MNIST (2 points)
#
# For 32×32 CIFAR-10 images He et al. use a thin ResNet of depth **6n + 2** (section 4.2): a 3×3
# convolution with 16 filters (BN, ReLU), then three stages of **n basic blocks** with 16, 32 and 64 filters
# — the first block of the second and third stage has stride 2 — then global average pooling and the
# classifier. That is 1 + 3·n·2 + 1 = 6n + 2 weighted layers; the shortcuts are option A (zero padding), so
# all its parameters sit in the convolutions, the BNs and the classifier. ResNet-110 (n = 18) has **1.7M**
# parameters (lecture 003's table). On Fashion-MNIST's 28×28×1 images the stages run at 28, 14 and 7.
#
# **Q6.** Write `build_cifar_resnet(depth=20, shortcut_kind="zero_pad", input_shape=(28, 28, 1), classes=10)`
# from `basic_block`: raise a `ValueError` when `depth` is not 6n + 2 (n ≥ 1); the stem convolution has no
# bias; the classifier is `Dense(classes, activation="softmax")`.

# %% nbgrader={"grade": false, "grade_id": "cifar_resnet", "locked": false, "schema_version": 3, "solution": true, "task": false}
def build_cifar_resnet(depth=20, shortcut_kind="zero_pad", input_shape=(28, 28, 1), classes=10):
    ### BEGIN SOLUTION
    if not isinstance(depth, int) or depth < 8 or (depth - 2) % 6:
        raise ValueError(f"depth must be 6n + 2 with n ≥ 1 (8, 14, 20, 32, 44, 56, 110, ...), got {depth!r}")
    n = (depth - 2) // 6
    inputs = keras.Input(shape=input_shape)
    x = layers.Conv2D(16, 3, padding="same", use_bias=False)(inputs)
    x = layers.ReLU()(batch_norm()(x))
    for stage, filters in enumerate((16, 32, 64)):
        for i in range(n):
            x = basic_block(x, filters, 2 if stage > 0 and i == 0 else 1, shortcut_kind)
    x = layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, layers.Dense(classes, activation="softmax")(x), name=f"resnet{depth}")
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_cifar_resnet", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from cnnkit import analysis


def cifar_params(n, c_in, classes=10, projections=False):
    """6n + 2 with option A: stem, 3 stages of n basic blocks (16, 32, 64), classifier — from the formulas."""
    p, bn = analysis.conv2d_params, lambda c: analysis.batch_norm_params(c)["total"]
    total, channels = p(3, c_in, 16, bias=False) + bn(16), 16
    for filters in (16, 32, 64):
        for i in range(n):
            total += p(3, channels, filters, bias=False) + p(3, filters, filters, bias=False) + 2 * bn(filters)
            if projections and channels != filters:
                total += p(1, channels, filters, bias=False) + bn(filters)
            channels = filters
    return total + analysis.dense_params(64, classes)


r110 = build_cifar_resnet(110, input_shape=(32, 32, 3))
check_value(r110.count_params(), cifar_params(18, 3), "ResNet-110 (option A) on 32×32×3: parameters",
            why="stem, 54 basic blocks (two 3×3 convolutions without bias and two BNs each), classifier 64·10 + 10",
            mistakes={cifar_params(18, 3, projections=True): "projection shortcuts (option A, zero padding, has no "
                                                             "parameters)"})
check_value(round(r110.count_params() / 1e6, 1), 1.7, "ResNet-110 parameters, in millions", why="lecture 003's table: 1.7M")
r20 = build_cifar_resnet(20)
check_output_shape(r20, (10,), "ResNet-20 output on 28×28×1")
check_value(sum(isinstance(l, layers.Add) for l in r20.layers), 9, "basic blocks in ResNet-20",
            why="depth = 6n + 2: n = 3 blocks in each of the 3 stages", mistakes={
                3: "n blocks in total instead of n per stage"})
maps = sorted({tuple(l.output.shape[1:]) for l in r20.layers if isinstance(l, layers.Add)}, reverse=True)
check_value(maps, [(28, 28, 16), (14, 14, 32), (7, 7, 64)], "the blocks' output shapes",
            why="the stages run at 28, 14, 7 with 16, 32, 64 filters (stride 2 in the first block of stages 2 and 3)")
for bad in (21, 6):
    try:
        build_cifar_resnet(bad)
    except ValueError:
        continue
    raise GradingError(f"build_cifar_resnet({bad})", "a ValueError", "a model",
                       f"{bad} is not 6n + 2 with n ≥ 1: say so instead of building something else")
### BEGIN HIDDEN TESTS
from cnnkit.checks import check_built_from, compare_blocks
from cnnkit.models import ResNetCIFAR

check_built_from(r20, forbid=("cnnkit.layers", "cnnkit.models", "keras.applications", "Lambda"), what="build_cifar_resnet")
for depth, kind, shape in ((20, "zero_pad", (28, 28, 1)), (14, "projection", (32, 32, 3)), (8, "zero_pad", (28, 28, 1))):
    mine = build_cifar_resnet(depth, kind, input_shape=shape)
    ref = ResNetCIFAR(depth, input_shape=shape, shortcut="A" if kind == "zero_pad" else "B")
    check_value(mine.count_params(), ref.count_params(), f"ResNet-{depth} ({kind}) on {shape} against the reference")
    compare_blocks(mine, ref).assert_ok()
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "train-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 7. Training ResNet-14 on Fashion-MNIST
#
# The cell below builds ResNet-14 (n = 2: two basic blocks per stage, option A shortcuts), compiles it with
# Adam (learning rate 0.001) and trains it with the course's recipe (read from `assignment.toml` beside this
# notebook: epochs, batch size and the part of the training set used), shows a progress bar and **saves
# `resnet_fashion.keras` next to this notebook**. While the notebook is graded, `fit_or_load` loads your
# handed-in file instead of training (`reuse=True` loads a matching file after a kernel restart).

# %% nbgrader={"grade": false, "grade_id": "train", "locked": true, "schema_version": 3, "solution": false, "task": false} tags=["training"]
RESNET_DEPTH = 14
keras.utils.set_random_seed(seed())
model = build_cifar_resnet(RESNET_DEPTH)
model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3), loss="sparse_categorical_crossentropy",
              metrics=["accuracy"])
model, history = fit_or_load(model, x_train, y_train, path=MODEL_PATH, recipe=cfg.training())

# %% nbgrader={"grade": false, "grade_id": "evaluate", "locked": true, "schema_version": 3, "solution": false, "task": false}
if is_autograding():
    print("(the test accuracy is measured by the grader, on your handed-in file)")
else:
    n = len(x_test) if budget_name() == "full" else 1000  # the test suite's small budget: a quick look only
    probs = model.predict(x_test[:n], batch_size=1000, verbose=0)
    print(f"ResNet-{RESNET_DEPTH} accuracy on {n:,} test images: {np.mean(probs.argmax(axis=1) == y_test[:n]):.4f}")

# %% [markdown] nbgrader={"grade": false, "grade_id": "grade-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 8. The graded model (4 points)
#
# The test below checks that a trained model exists (trained in this session, or your handed-in
# `resnet_fashion.keras` while the notebook is graded) and that it is the network `build_cifar_resnet(14)`
# builds. The grader then measures it on the 10,000 test images: the 4 points need an accuracy of at least
# **85.4%**.

# %% nbgrader={"grade": true, "grade_id": "test_trained_model", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
status = load_status(model)
assert status is not None, "run the training cell first (fit_or_load)"
assert status.ok, status.reason
assert os.path.isfile(MODEL_PATH), f"{MODEL_PATH}: expected the saved model next to the notebook, found nothing"
lambdas = [l.name for l in model.layers if type(l).__name__ == "Lambda"]
assert not lambdas, f"Lambda layers {lambdas}: the grader's safe loading refuses them — use built-in layers"

# %% [markdown] nbgrader={"grade": false, "grade_id": "explain-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 9. Why did the plain network fall behind? (2 points, graded by a person)
#
# **Q7.** Look at the curves of section 1. Both networks have the same layers and the same parameters.
# Explain in your own words why the plain network's *training* loss stays higher — why this is not
# overfitting, what the skip connections change for the gradient and for what a block has to learn — and
# what you would expect with 8 layers instead of 20. Three to six sentences.

# %% [markdown] nbgrader={"grade": true, "grade_id": "degradation_explanation", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# The plain network's training loss stays higher although it has exactly the same parameters, so it is not
# overfitting: overfitting would show a low training loss and a high validation loss, while here the
# optimiser simply fails to fit the training data as quickly. In the plain stack every layer must pass the
# signal and the gradient through a product of 20 transformations, and the gradient reaching the early
# layers is weak and noisy; with skips, each block adds F(x) to x, so the gradient has a direct path
# (1 + ∂F/∂x) and a block that should do nothing only needs F → 0 instead of learning the identity. With 8
# layers the two curves should be much closer: a shallow plain network trains well, and the degradation only
# appears as depth grows.

# %% [markdown] nbgrader={"grade": false, "grade_id": "outro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Handing in
#
# Save this notebook, and hand it in **together with `resnet_fashion.keras`** (the file the training cell
# saved next to it). Both files, same folder, nothing else needed.
