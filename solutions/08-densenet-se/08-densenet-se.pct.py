# %% [markdown] nbgrader={"grade": false, "grade_id": "intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# # 08 · DenseNet and squeeze-and-excitation
#
# **23 points · about 120 minutes, plus about 10 minutes of training · hand in: this notebook and
# `se_resnet.keras`.**
#
# Two ideas from the lectures on modern architectures. **DenseNet** (Huang et al. 2017) connects every
# layer of a block to every later one by *concatenating* feature maps, keeps the layers narrow, and so
# needs few parameters; the lecture shows its CIFAR results table. **Squeeze-and-excitation** (SE, Hu et
# al. 2018; the lecture's "attention per channel") lets a network re-weight its channels with a tiny
# gate computed from their global averages.
#
# You will write dense blocks, transition layers, growth rate, bottleneck (the "B" of DenseNet-BC) and
# compression (the "C") yourself, build CIFAR DenseNets and check their parameter counts against the
# paper's table, build DenseNet-121 and check it against `keras.applications.DenseNet121`; then write an
# SE block, work out its cost, add it to a small ResNet, train the ResNet on Fashion-MNIST with and
# without SE, and compare.
#
# **How this notebook is graded.** Each question has a test cell: its visible checks run now and tell
# you what is wrong and why; hidden checks on other inputs run when the notebook is graded. Build
# everything from Keras layers (`keras.layers`): answers that use `cnnkit.layers`, `cnnkit.models` or
# `keras.applications` score zero for that question. The training cell saves the trained SE-ResNet as
# `se_resnet.keras` **next to this notebook — hand that file in together with the notebook.** The grader
# never retrains: it loads your `se_resnet.keras`, checks that it is the network this notebook builds, and
# measures its accuracy on the 10,000 Fashion-MNIST test images. The pass mark is **87.7%**, calibrated by
# training the reference solution with three seeds (their lowest accuracy minus a 3-point margin). The
# last question is an explanation in your own words, graded by a person.

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
import numpy as np
from keras import layers

from cnnkit import analysis
from cnnkit.checks import (GradingError, check_array, check_output_shape, check_param_count, check_value, config,
                           fit_or_load, handin_only, is_autograding, layer_specs, load_status, seed)
from cnnkit.data import load
from cnnkit.viz import plot_histories

cfg = config()  # assignment.toml beside this notebook: the training recipe and the file to hand in
MODEL_PATH = "se_resnet.keras"  # saved beside this notebook: hand it in with the notebook

# %% [markdown] nbgrader={"grade": false, "grade_id": "dense-block-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 1. Dense blocks (3 points)
#
# Inside a **dense block**, layer $\ell$ receives the concatenation of the block's input and the outputs
# of all layers before it, and adds $k$ new feature maps — $k$ is the **growth rate**:
#
# $$x_\ell = H_\ell([x_0, x_1, \dots, x_{\ell-1}]), \qquad \text{channels after } L \text{ layers} = C_0 + L\cdot k .$$
#
# $H_\ell$ is "pre-activation": **BN → ReLU → 3×3 convolution** with $k$ filters. With the **bottleneck**
# of DenseNet-B, a 1×1 convolution first reduces the (ever wider) input to $4k$ maps:
# **BN → ReLU → 1×1 conv ($4k$) → BN → ReLU → 3×3 conv ($k$)**. Every layer is narrow (small $k$), which is
# why DenseNets need few parameters although every layer sees everything before it.
#
# Write it with these Keras layers, in this order, so that the tests (and the grader) can compare yours
# layer by layer: `layers.BatchNormalization()`, `layers.ReLU()`, `layers.Conv2D(..., use_bias=False)` (a
# convolution whose output is normalised needs no bias; the 3×3 ones with `padding="same"` so that the new
# maps keep the size of the ones they are concatenated to), and after each dense layer
# `x = layers.Concatenate()([x, y])` — the running tensor first, the new maps last.
#
# **Q1.** Write `dense_block(x, num_layers, growth_rate, bottleneck=False)`: it takes a Keras tensor `x`
# and returns the block's output tensor.

# %% nbgrader={"grade": false, "grade_id": "dense_block", "locked": false, "schema_version": 3, "solution": true, "task": false}
def dense_block(x, num_layers, growth_rate, bottleneck=False):
    ### BEGIN SOLUTION
    for _ in range(num_layers):
        y = layers.BatchNormalization()(x)
        y = layers.ReLU()(y)
        if bottleneck:
            y = layers.Conv2D(4 * growth_rate, 1, use_bias=False)(y)
            y = layers.BatchNormalization()(y)
            y = layers.ReLU()(y)
        y = layers.Conv2D(growth_rate, 3, padding="same", use_bias=False)(y)
        x = layers.Concatenate()([x, y])
    return x
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_dense_block", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
def _block_model(c_in, num_layers, k, bottleneck, size=8):
    inputs = keras.Input(shape=(size, size, c_in))
    return keras.Model(inputs, dense_block(inputs, num_layers, k, bottleneck=bottleneck))


def _block_params(c_in, num_layers, k, bottleneck, bias=False, width=4, bn=True):
    """Parameters of a dense block, layer by layer, with the formulas of cnnkit.analysis."""
    total = 0
    for i in range(num_layers):
        c = c_in + i * k  # what dense layer i+1 sees: the input and the k maps of every earlier layer
        norm = analysis.batch_norm_params(c)["total"] if bn else 0
        if bottleneck:
            norm += analysis.batch_norm_params(width * k)["total"] if bn else 0
            total += norm + analysis.conv2d_params(1, c, width * k, bias) + analysis.conv2d_params(3, width * k, k, bias)
        else:
            total += norm + analysis.conv2d_params(3, c, k, bias)
    return total


plain = _block_model(6, 3, 4, bottleneck=False)
check_output_shape(plain, (8, 8, 6 + 3 * 4), "dense_block(6 channels in, 3 layers, k=4)",
                   why="C0 + L·k = 6 + 3·4 = 18: every layer's k new maps are concatenated to what came before")
check_param_count(plain, _block_params(6, 3, 4, False), "dense_block parameters (3 layers, k=4)", mistakes={
    _block_params(6, 3, 4, False, bias=True): "use_bias=True in the convolutions (BN follows them: no bias)",
    _block_params(6, 3, 4, False, bn=False): "leaving out the batch normalisation",
    sum(analysis.conv2d_params(3, 6 + i * 4, 4, False) + analysis.batch_norm_params(4)["total"] for i in range(3)):
        "conv → BN → ReLU (ResNet's order; DenseNet normalises the layer's input: BN → ReLU → conv)",
    3 * (analysis.batch_norm_params(6)["total"] + analysis.conv2d_params(3, 6, 4, False)):
        "every layer reading only the block's input (layer ℓ must see the concatenation of everything before it)",
})
kinds = [s.kind for s in layer_specs(plain)][:4]
check_value(kinds, ["BatchNormalization", "ReLU", "Conv2D", "Concatenate"], "the first dense layer's layers",
            why="pre-activation: BN → ReLU → 3×3 conv, then concatenate the k new maps to the running tensor")
bc = _block_model(6, 2, 4, bottleneck=True)
check_output_shape(bc, (8, 8, 6 + 2 * 4), "dense_block(6 channels in, 2 layers, k=4, bottleneck=True)",
                   why="the bottleneck changes what a layer computes, not how many maps it adds: still C0 + L·k")
check_param_count(bc, _block_params(6, 2, 4, True), "dense_block parameters with the bottleneck (2 layers, k=4)",
                  mistakes={_block_params(6, 2, 4, True, width=1): "a bottleneck of k maps instead of 4k",
                            _block_params(6, 2, 4, True, bias=True): "use_bias=True in the convolutions",
                            _block_params(6, 2, 4, False): "ignoring bottleneck=True"})
### BEGIN HIDDEN TESTS
from cnnkit.checks import check_built_from, compare_probes
from cnnkit.layers import DenseBlock

# Same fixed weights and inputs through yours and the library's block (Keras's default BN epsilon):
# equal outputs in inference and training mode, with and without the bottleneck, other sizes.
for c_in, n, k, b in [(5, 3, 3, True), (7, 4, 2, False)]:
    mine = _block_model(c_in, n, k, b, size=6)
    inputs = keras.Input(shape=(6, 6, c_in))
    reference = keras.Model(inputs, DenseBlock(n, k, bottleneck=b, epsilon=1e-3)(inputs))
    check_param_count(mine, reference.count_params(), f"dense_block({c_in} in, {n} layers, k={k}, bottleneck={b})")
    compare_probes(mine, reference)
    check_built_from(mine, forbid=("cnnkit.layers", "cnnkit.models", "keras.applications"), what="dense_block")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "transition-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 2. Transition layers and compression (2 points)
#
# Concatenation cannot change the height and width, so the down-sampling happens *between* dense blocks,
# in a **transition layer**: **BN → ReLU → 1×1 conv → 2×2 average pooling with stride 2**. The 1×1
# convolution can also shrink the channels: with **compression** $\theta \in (0, 1]$ a transition that
# receives $m$ maps outputs $\lfloor \theta m \rfloor$ (DenseNet-C, and with the bottleneck DenseNet-BC,
# use $\theta = 0.5$; $\theta = 1$ keeps them all).
#
# Use `layers.BatchNormalization()`, `layers.ReLU()`, `layers.Conv2D(..., use_bias=False)` and
# `layers.AveragePooling2D(2, strides=2)`.
#
# **Q2.** Write `transition_layer(x, compression=0.5)`.

# %% nbgrader={"grade": false, "grade_id": "transition_layer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def transition_layer(x, compression=0.5):
    ### BEGIN SOLUTION
    filters = int(x.shape[-1] * compression)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    x = layers.Conv2D(filters, 1, use_bias=False)(x)
    return layers.AveragePooling2D(2, strides=2)(x)
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_transition", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
def _transition_model(shape, compression):
    inputs = keras.Input(shape=shape)
    return keras.Model(inputs, transition_layer(inputs, compression))


half = analysis.pool_output_size(8, 2, 2)  # 2×2 pooling, stride 2: 8 → 4
t = _transition_model((8, 8, 47), 0.5)
found = tuple(int(d) for d in t.output.shape[1:])
check_value(found, (half, half, 23), "transition_layer(8×8×47, θ=0.5) output shape",
            why="⌊θ·m⌋ = ⌊0.5·47⌋ = ⌊23.5⌋ = 23 channels; 2×2 average pooling halves 8 → 4",
            mistakes={(half, half, 24): "rounding θ·m up (ceil or round) — the paper takes the floor ⌊θ·m⌋",
                      (8, 8, 23): "forgetting the 2×2 average pooling",
                      (half, half, 47): "ignoring the compression θ"})
check_value([s.kind for s in layer_specs(t)], ["BatchNormalization", "ReLU", "Conv2D", "AveragePooling2D"],
            "the transition's layers", why="BN → ReLU → 1×1 conv → 2×2 average pooling",
            mistakes={("BatchNormalization", "ReLU", "Conv2D", "MaxPooling2D"): "max pooling instead of average pooling"})
check_param_count(t, analysis.batch_norm_params(47)["total"] + analysis.conv2d_params(1, 47, 23, bias=False),
                  "transition parameters (47 channels in, θ=0.5)",
                  mistakes={analysis.batch_norm_params(47)["total"] + analysis.conv2d_params(3, 47, 23, bias=False):
                            "a 3×3 convolution instead of 1×1",
                            analysis.batch_norm_params(47)["total"] + analysis.conv2d_params(1, 47, 23):
                            "use_bias=True"})
keep = tuple(int(d) for d in _transition_model((8, 8, 47), 1.0).output.shape[1:])
check_value(keep, (half, half, 47), "transition_layer(θ=1) output shape", why="θ = 1 keeps every channel")
### BEGIN HIDDEN TESTS
from cnnkit.checks import check_built_from, compare_probes
from cnnkit.layers import TransitionLayer

# Odd size (7 → 3) and θ = 0.25 (⌊11.25⌋ = 11), against the library's transition with the same weights.
mine = _transition_model((7, 7, 45), 0.25)
inputs = keras.Input(shape=(7, 7, 45))
reference = keras.Model(inputs, TransitionLayer(0.25, epsilon=1e-3)(inputs))
check_output_shape(mine, tuple(reference.output.shape[1:]), "transition_layer(7×7×45, θ=0.25)")
compare_probes(mine, reference)
check_built_from(mine, forbid=("cnnkit.layers", "cnnkit.models", "keras.applications"), what="transition_layer")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "cifar-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 3. DenseNets for CIFAR, against the paper's table (3 points)
#
# The paper's CIFAR networks (§3, "Implementation details"), for 32×32×3 images:
#
# - a 3×3 convolution (padding "same", no bias) with **16** output channels — **2k** for DenseNet-BC;
# - **three dense blocks** with the same number of layers $n$ each, feature maps 32×32, 16×16 and 8×8;
# - a transition layer (compression θ) **between** blocks (two in all, none after the last block);
# - after the last block BN → ReLU → `GlobalAveragePooling2D` → `Dense(classes, activation="softmax")`.
#
# The depth $L$ counts the layers with weights (convolutions and the classifier): the first convolution,
# the two transitions and the classifier make 4, and each dense layer has one 3×3 convolution (two
# convolutions with the bottleneck), so $L = 3n + 4$ without and $L = 6n + 4$ with the bottleneck.
# Here "DenseNet-BC" means `bottleneck=True` and `compression < 1`. Raise a `ValueError` when $L$ does not
# fit the formula.
#
# The lecture's table (Huang et al., Table 2) lists, among others:
#
# | network | $L$ | $k$ | parameters |
# | --- | --- | --- | --- |
# | DenseNet | 40 | 12 | 1.0M |
# | DenseNet | 100 | 12 | 7.0M |
# | DenseNet-BC | 100 | 12 | 0.8M |
# | DenseNet-BC | 250 | 24 | 15.3M |
#
# (Keras's `count_params()` also counts batch normalisation's moving mean and variance, which the paper's
# counts leave out; at one decimal in millions it makes no difference for these.)
#
# **Q3.** Write `densenet_cifar(depth, growth_rate, bottleneck=False, compression=1.0,
# input_shape=(32, 32, 3), classes=10)` with your `dense_block` and `transition_layer`.

# %% nbgrader={"grade": false, "grade_id": "densenet_cifar", "locked": false, "schema_version": 3, "solution": true, "task": false}
def densenet_cifar(depth, growth_rate, bottleneck=False, compression=1.0, input_shape=(32, 32, 3), classes=10):
    ### BEGIN SOLUTION
    per_layer = 6 if bottleneck else 3
    if (depth - 4) % per_layer or depth < per_layer + 4:
        raise ValueError(f"depth {depth}: DenseNet{'-B' if bottleneck else ''} needs L = {per_layer}·n + 4")
    n = (depth - 4) // per_layer
    inputs = keras.Input(shape=input_shape)
    stem = 2 * growth_rate if bottleneck and compression < 1 else 16
    x = layers.Conv2D(stem, 3, padding="same", use_bias=False)(inputs)
    for block in range(3):
        x = dense_block(x, n, growth_rate, bottleneck=bottleneck)
        if block < 2:
            x = transition_layer(x, compression)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Dense(classes, activation="softmax")(x)
    return keras.Model(inputs, outputs)
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_densenet_cifar", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
def _cifar_params(depth, k, bottleneck, compression, stem=None, width=4, classes=10, transitions=2, final_bn=True):
    """The count of a CIFAR DenseNet, stage by stage, with the formulas of cnnkit.analysis."""
    bn = lambda c: analysis.batch_norm_params(c)["total"]
    n = (depth - 4) // (6 if bottleneck else 3)
    c = stem if stem is not None else (2 * k if bottleneck and compression < 1 else 16)
    total = analysis.conv2d_params(3, 3, c, bias=False)
    for block in range(3):
        for i in range(n):
            m = c + i * k
            total += bn(m) + (analysis.conv2d_params(1, m, width * k, False) + bn(width * k)
                              + analysis.conv2d_params(3, width * k, k, False) if bottleneck
                              else analysis.conv2d_params(3, m, k, False))
        c += n * k
        if block < transitions:
            total += bn(c) + analysis.conv2d_params(1, c, int(c * compression), False)
            c = int(c * compression)
    return total + (bn(c) if final_bn else 0) + analysis.dense_params(c, classes)


def _weight_layers(model):
    return sum(s.kind in ("Conv2D", "Dense") for s in layer_specs(model))


for depth, k, b, theta, table in [(40, 12, False, 1.0, 1.0), (100, 12, True, 0.5, 0.8)]:
    name = f"DenseNet{'-BC' if b else ''} (L={depth}, k={k})"
    net = densenet_cifar(depth, k, bottleneck=b, compression=theta)
    check_output_shape(net, (10,), f"{name} output")
    check_value(_weight_layers(net), depth, f"{name}: convolutions + dense layers",
                why=f"L counts the layers with weights: 4 + {'6' if b else '3'}·n, so n = {(depth - 4) // (6 if b else 3)} "
                    "dense layers per block",
                mistakes={2 * depth - 4: "n = (L − 4)/3 with the bottleneck (each dense layer then has two convolutions)"})
    sizes = sorted({s.output_shape[0] for s in layer_specs(net) if s.kind == "Concatenate"}, reverse=True)
    check_value(sizes, [32, 16, 8], f"{name}: feature-map sizes in the three dense blocks",
                why="each transition's 2×2 average pooling halves 32 → 16 → 8")
    mistakes = {_cifar_params(depth, k, b, theta, final_bn=False): "leaving out the BN → ReLU after the last block",
                _cifar_params(depth, k, b, theta, transitions=3): "a transition after the last block too"}
    if b:
        mistakes[_cifar_params(depth, k, b, 1.0, stem=2 * k)] = "no compression (θ = 1) in DenseNet-BC"
    if b:
        mistakes[_cifar_params(depth, k, b, theta, stem=16)] = "a 16-channel first convolution (DenseNet-BC starts with 2k)"
        mistakes[_cifar_params(depth, k, b, theta, width=1)] = "a bottleneck of k maps instead of 4k"
    check_param_count(net.count_params(), _cifar_params(depth, k, b, theta), f"{name} parameters", mistakes=mistakes)
    check_value(round(net.count_params() / 1e6, 1), table, f"{name} parameters in millions, as in the paper's table",
                why="Huang et al., Table 2 (the lecture's table)")
### BEGIN HIDDEN TESTS
from cnnkit.checks import check_built_from, compare_probes
from cnnkit.models import DenseNetCIFAR

for bad, b in [(41, False), (42, True)]:
    try:
        densenet_cifar(bad, 12, bottleneck=b, compression=0.5 if b else 1.0)
    except ValueError:
        pass
    else:
        raise GradingError(f"densenet_cifar(depth={bad}, bottleneck={b})", "a ValueError",
                           "a network", f"L − 4 = {bad - 4} is not a multiple of {6 if b else 3}")
# A growth rate other than 12, and a small DenseNet-BC computing the same function as the library's
# (same fixed weights; the library uses keras.applications' BN epsilon, so we set yours to it).
check_param_count(densenet_cifar(40, 24).count_params(),
                  DenseNetCIFAR(depth=40, growth_rate=24, bottleneck=False, compression=1.0).count_params(),
                  "DenseNet (L=40, k=24) parameters")
mine = densenet_cifar(16, 4, bottleneck=True, compression=0.5, input_shape=(16, 16, 3), classes=5)
for layer in mine.layers:
    if isinstance(layer, layers.BatchNormalization):
        layer.epsilon = 1.001e-5
reference = DenseNetCIFAR(depth=16, growth_rate=4, bottleneck=True, compression=0.5, input_shape=(16, 16, 3), classes=5)
compare_probes(mine, reference)
check_built_from(mine, forbid=("cnnkit.layers", "cnnkit.models", "keras.applications"), what="densenet_cifar")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "densenet121-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 4. DenseNet-121, against `keras.applications` (2 points)
#
# The ImageNet DenseNets are DenseNet-BC with $k = 32$, $\theta = 0.5$ and **four** dense blocks; DenseNet-121
# has 6, 12, 24 and 16 dense layers in them. For 224×224×3 images they start like `keras.applications`
# writes it:
#
# ```
# ZeroPadding2D(3) → Conv2D(64, 7, strides=2, use_bias=False) → BatchNormalization → ReLU
# → ZeroPadding2D(1) → MaxPooling2D(3, strides=2)                                     (224 → 112 → 56)
# dense block (6) → transition → dense block (12) → transition → dense block (24) → transition → dense block (16)
# → BatchNormalization → ReLU → GlobalAveragePooling2D → Dense(classes, activation="softmax")
# ```
#
# Why "121"? Count the layers with weights: $1 + 2\cdot(6 + 12 + 24 + 16) + 3 + 1 = 121$ (the first
# convolution, two convolutions per bottleneck layer, three transitions, the classifier).
#
# **Q4.** Write `densenet121(input_shape=(224, 224, 3), classes=1000)` with your blocks. Its parameter
# count must be `keras.applications.DenseNet121`'s, 8,062,504 — and the test compares the two layer by layer.

# %% nbgrader={"grade": false, "grade_id": "densenet121", "locked": false, "schema_version": 3, "solution": true, "task": false}
def densenet121(input_shape=(224, 224, 3), classes=1000):
    ### BEGIN SOLUTION
    inputs = keras.Input(shape=input_shape)
    x = layers.ZeroPadding2D(3)(inputs)
    x = layers.Conv2D(64, 7, strides=2, use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    x = layers.ZeroPadding2D(1)(x)
    x = layers.MaxPooling2D(3, strides=2)(x)
    for i, n in enumerate((6, 12, 24, 16)):
        x = dense_block(x, n, 32, bottleneck=True)
        if i < 3:
            x = transition_layer(x, 0.5)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Dense(classes, activation="softmax")(x)
    return keras.Model(inputs, outputs)
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_densenet121", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from cnnkit.checks import compare_architecture

mine = densenet121()
reference = keras.applications.DenseNet121(weights=None)  # 8,062,504 parameters
check_value(sum(s.kind in ("Conv2D", "Dense") for s in layer_specs(mine)), 121, "DenseNet-121: layers with weights",
            why="1 + 2·(6 + 12 + 24 + 16) + 3 + 1 = 121: first conv, two per bottleneck layer, three transitions, classifier")
compare_architecture(mine, reference).assert_ok()  # layer by layer: kind, output shape, parameters, kernel, stride
check_param_count(mine.count_params(), reference.count_params(), "DenseNet-121 parameters (keras.applications)")
### BEGIN HIDDEN TESTS
from cnnkit.checks import check_built_from

# Another input size and class count: only the classifier changes (1024 features after the last block).
small = densenet121(input_shape=(64, 64, 3), classes=7)
check_output_shape(small, (7,), "densenet121(classes=7) output")
check_param_count(small.count_params(),
                  reference.count_params() - analysis.dense_params(1024, 1000) + analysis.dense_params(1024, 7),
                  "densenet121(input_shape=(64, 64, 3), classes=7) parameters")
check_built_from(small, forbid=("cnnkit.layers", "cnnkit.models", "keras.applications"), what="densenet121")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "se-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 5. Squeeze-and-excitation (3 points)
#
# An SE block re-weights the $C$ channels of a feature map $x$ (Hu et al. 2018):
#
# 1. **squeeze** — global average pooling: $z_c = \frac{1}{HW}\sum_{i,j} x_{ijc}$ (one number per channel);
# 2. **excitation** — a two-layer gate: $s = \sigma\big(W_2\,\mathrm{ReLU}(W_1 z + b_1) + b_2\big)$, with
#    $W_1$ from $C$ down to $C/r$ units and $W_2$ back up to $C$ ($r$ is the **reduction ratio**, 16 in the
#    paper); the sigmoid gives each channel its own weight between 0 and 1 (channels do not compete, so not
#    a softmax);
# 3. **scale** — $y_{ijc} = s_c\, x_{ijc}$.
#
# Use exactly these layers, in this order: `layers.GlobalAveragePooling2D()`, `layers.Dense(C // r,
# activation="relu")` (at least 1 unit), `layers.Dense(C, activation="sigmoid")`, `layers.Reshape((1, 1,
# C))` and `layers.Multiply()([x, s])`. The grader loads your trained model with Keras's *safe mode*, which
# refuses `Lambda` layers and home-made layer classes, and compares it with the reference layer by layer.
#
# **Q5.** Write `squeeze_excite(x, ratio=16)`, returning a tensor of the same shape as `x`.

# %% nbgrader={"grade": false, "grade_id": "squeeze_excite", "locked": false, "schema_version": 3, "solution": true, "task": false}
def squeeze_excite(x, ratio=16):
    ### BEGIN SOLUTION
    channels = x.shape[-1]
    s = layers.GlobalAveragePooling2D()(x)
    s = layers.Dense(max(1, channels // ratio), activation="relu")(s)
    s = layers.Dense(channels, activation="sigmoid")(s)
    s = layers.Reshape((1, 1, channels))(s)
    return layers.Multiply()([x, s])
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_squeeze_excite", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
inputs = keras.Input(shape=(6, 6, 32))
se_block = keras.Model(inputs, squeeze_excite(inputs, ratio=4))
check_output_shape(se_block, (6, 6, 32), "squeeze_excite(6×6×32) output", why="SE rescales channels: the shape is kept")
odd = [f"{type(l).__name__} ({type(l).__module__})" for l in se_block.layers if not type(l).__module__.startswith("keras.")
       or type(l).__name__ == "Lambda"]
assert not odd, (f"squeeze_excite uses {odd}: the grader's safe loading refuses Lambda layers and classes that are "
                 "not Keras's — use GlobalAveragePooling2D, Dense, Dense, Reshape and Multiply")
ops_note = "keras.ops or `*` on tensors (not a layer: the grader compares layers, so use Reshape and Multiply)"
check_value([s.kind for s in layer_specs(se_block)],
            ["GlobalAveragePooling2D", "Dense", "Dense", "Reshape", "Multiply"], "squeeze_excite's layers",
            why="squeeze (global average) → Dense C/r ReLU → Dense C sigmoid → Reshape to 1×1×C → Multiply with x; "
                "the grader compares your trained network layer by layer with the reference",
            mistakes={("GlobalMaxPooling2D", "Dense", "Dense", "Reshape", "Multiply"): "global max pooling (the squeeze "
                                                                                       "is the mean)",
                      ("GlobalAveragePooling2D", "Dense", "Dense", "Reshape", "Add"): "adding the gate instead of "
                                                                                      "multiplying",
                      ("GlobalAveragePooling2D", "Dense", "Dense"): ops_note,
                      ("GlobalAveragePooling2D", "Dense", "Dense", "Reshape"): ops_note})
dense = analysis.dense_params
check_param_count(se_block, dense(32, 32 // 4) + dense(32 // 4, 32), "squeeze_excite(C=32, r=4) parameters", mistakes={
    2 * dense(32, 32): "no reduction (the first Dense must have C/r units)",
    dense(32, 32 * 4) + dense(32 * 4, 32): "C·r units instead of C/r",
    dense(32, 8, bias=False) + dense(8, 32, bias=False): "Dense layers without bias",
})
# The same numbers through your block and through the paper's formulas, in numpy:
rng = np.random.default_rng(8)
x = rng.normal(size=(2, 6, 6, 32)).astype("float32")
weights = [rng.normal(0, 0.3, (32, 8)), rng.normal(0, 0.1, 8), rng.normal(0, 0.3, (8, 32)), rng.normal(0, 0.1, 32)]
first, second = [l for l in se_block.layers if isinstance(l, layers.Dense)]
first.set_weights(weights[:2])
second.set_weights(weights[2:])
got = np.asarray(se_block(x))
gate = lambda z: np.maximum(z @ weights[0] + weights[1], 0) @ weights[2] + weights[3]
sigmoid = lambda a: 1 / (1 + np.exp(-a))
softmax = lambda a: np.exp(a) / np.exp(a).sum(-1, keepdims=True)
want = x * sigmoid(gate(x.mean(axis=(1, 2))))[:, None, None, :]
for wrong, mistake in [(x * softmax(gate(x.mean(axis=(1, 2))))[:, None, None, :], "a softmax gate instead of a sigmoid"),
                       (x * sigmoid(gate(x.max(axis=(1, 2))))[:, None, None, :], "global max pooling instead of average"),
                       (x + sigmoid(gate(x.mean(axis=(1, 2))))[:, None, None, :], "adding the gate instead of multiplying")]:
    if np.allclose(got, wrong, atol=1e-4) and not np.allclose(got, want, atol=1e-4):
        raise GradingError("squeeze_excite output", "x · σ(W2·ReLU(W1·mean(x) + b1) + b2)", "something else",
                           f"this is what {mistake} gives")
check_array(got, want, "squeeze_excite output (fixed weights)", atol=1e-4,
            why="y = x · s with s = σ(W2·ReLU(W1·z + b1) + b2) and z the per-channel mean")
### BEGIN HIDDEN TESTS
from cnnkit.checks import check_built_from
from cnnkit.layers import SqueezeExcitation

# C = 20 with r = 16: ⌊20/16⌋ = 1 unit; the same weights in the library's SE layer give the same output.
inputs = keras.Input(shape=(5, 5, 20))
mine = keras.Model(inputs, squeeze_excite(inputs, ratio=16))
check_param_count(mine, dense(20, 1) + dense(1, 20), "squeeze_excite(C=20, r=16) parameters")
ref_layer = SqueezeExcitation(ratio=16)
ref_inputs = keras.Input(shape=(5, 5, 20))
reference = keras.Model(ref_inputs, ref_layer(ref_inputs))
first, second = [l for l in mine.layers if isinstance(l, layers.Dense)]
first.set_weights([rng.normal(0, 0.5, (20, 1)), rng.normal(0, 0.1, 1)])
second.set_weights([rng.normal(0, 0.5, (1, 20)), rng.normal(0, 0.1, 20)])
ref_layer.squeeze.set_weights(first.get_weights())
ref_layer.excite.set_weights(second.get_weights())
x = rng.normal(size=(3, 5, 5, 20)).astype("float32")
check_array(mine(x), reference(x), "squeeze_excite(C=20, r=16) output", atol=1e-5)
check_built_from(mine, forbid=("cnnkit.layers", "cnnkit.models", "keras.applications"), what="squeeze_excite")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "se-cost-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 6. What SE costs (1 point)
#
# The SE block's only weights are its two Dense layers. With $u = \max(1, \lfloor C/r \rfloor)$ units:
# $(C\cdot u + u) + (u\cdot C + C)$ parameters — about $2C^2/r$, small next to a 3×3 convolution's $9C^2$.
#
# **Q6.** Write `se_params(channels, ratio)`: the number of parameters of your SE block, as a formula (no
# Keras, no cnnkit).

# %% nbgrader={"grade": false, "grade_id": "se_params", "locked": false, "schema_version": 3, "solution": true, "task": false}
def se_params(channels, ratio):
    ### BEGIN SOLUTION
    units = max(1, channels // ratio)
    return channels * units + units + units * channels + channels
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_se_params", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
dense = analysis.dense_params
check_value(se_params(64, 16), dense(64, 4) + dense(4, 64), "se_params(64, 16)",
            why="Dense C → C/r and Dense C/r → C, each with its bias: 64·4 + 4 + 4·64 + 64",
            mistakes={2 * 64 * 4: "leaving out the biases", dense(64, 64 * 16) + dense(64 * 16, 64): "C·r units instead of C/r",
                      dense(64, 64) * 2: "no reduction"})
check_value(se_params(256, 16), dense(256, 16) + dense(16, 256), "se_params(256, 16)")
### BEGIN HIDDEN TESTS
check_value(se_params(48, 16), dense(48, 3) + dense(3, 48), "se_params(48, 16)")
check_value(se_params(8, 16), dense(8, 1) + dense(1, 8), "se_params(8, 16)", why="at least one unit: max(1, ⌊8/16⌋) = 1")
check_value(se_params(50, 4), dense(50, 12) + dense(12, 50), "se_params(50, 4)", why="⌊50/4⌋ = 12 units")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "resnet-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 7. SE in a small ResNet (3 points)
#
# The residual block of the lectures (the basic block of ResNet-18/34), and where SE-ResNet puts the SE
# block — on the residual branch, **after its last batch normalisation and before the addition** (Hu et
# al., Fig. 3), so it re-weights what the block adds to the shortcut:
#
# ```
# main:      Conv2D(filters, 3, strides=stride) → BN → ReLU → Conv2D(filters, 3) → BN → [SE, if se_ratio]
# shortcut:  x itself when the shape is kept (stride 1, same channels); otherwise
#            Conv2D(filters, 1, strides=stride) → BN   (a projection)
# output:    Add()([main, shortcut]) → ReLU
# ```
#
# All convolutions `padding="same"`, `use_bias=False`; use `layers.Add()` and `layers.ReLU()`.
# `small_resnet` below (given) stacks three of your blocks for 28×28 Fashion-MNIST images.
#
# **Q7.** Write `residual_block(x, filters, stride=1, se_ratio=None)`: with `se_ratio=None` no SE block.

# %% nbgrader={"grade": false, "grade_id": "residual_block", "locked": false, "schema_version": 3, "solution": true, "task": false}
def residual_block(x, filters, stride=1, se_ratio=None):
    ### BEGIN SOLUTION
    shortcut = x
    y = layers.Conv2D(filters, 3, strides=stride, padding="same", use_bias=False)(x)
    y = layers.BatchNormalization()(y)
    y = layers.ReLU()(y)
    y = layers.Conv2D(filters, 3, padding="same", use_bias=False)(y)
    y = layers.BatchNormalization()(y)
    if se_ratio:
        y = squeeze_excite(y, se_ratio)
    if stride != 1 or x.shape[-1] != filters:
        shortcut = layers.Conv2D(filters, 1, strides=stride, padding="same", use_bias=False)(x)
        shortcut = layers.BatchNormalization()(shortcut)
    y = layers.Add()([y, shortcut])
    return layers.ReLU()(y)
    ### END SOLUTION

# %% nbgrader={"grade": false, "grade_id": "small-resnet", "locked": true, "schema_version": 3, "solution": false, "task": false}
def small_resnet(se_ratio=None, input_shape=(28, 28, 1), classes=10):
    """A 3×3 stem and three residual blocks (16, 32, 64 channels; 14×14 → 7×7 → 4×4), SE on every block when asked."""
    inputs = keras.Input(shape=input_shape)
    x = layers.Conv2D(16, 3, padding="same", use_bias=False)(inputs)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    x = layers.MaxPooling2D(2)(x)
    for filters, stride in [(16, 1), (32, 2), (64, 2)]:
        x = residual_block(x, filters, stride, se_ratio=se_ratio)
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Dense(classes, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="se_resnet" if se_ratio else "resnet")

# %% nbgrader={"grade": true, "grade_id": "test_residual_block", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
def _res_model(shape, filters, stride, se_ratio=None):
    inputs = keras.Input(shape=shape)
    try:
        return keras.Model(inputs, residual_block(inputs, filters, stride, se_ratio=se_ratio))
    except ValueError as exc:
        if "Add" in str(exc) or "shape" in str(exc):
            raise GradingError(f"residual_block({shape} → {filters} filters, stride {stride})", "a block",
                               f"ValueError: {str(exc)[:160]}",
                               "Add needs equal shapes: when the stride or the channels change, project the "
                               "shortcut with Conv2D(filters, 1, strides=stride) + BN") from None
        raise


conv, bn = analysis.conv2d_params, lambda c: analysis.batch_norm_params(c)["total"]
se_formula = lambda c, r: analysis.dense_params(c, max(1, c // r)) + analysis.dense_params(max(1, c // r), c)
same = _res_model((14, 14, 16), 16, 1)
check_output_shape(same, (14, 14, 16), "residual_block(14×14×16, 16 filters, stride 1)")
check_param_count(same, 2 * (conv(3, 16, 16, False) + bn(16)), "residual_block(16 → 16, stride 1) parameters", mistakes={
    2 * (conv(3, 16, 16) + bn(16)): "use_bias=True in the convolutions",
    2 * (conv(3, 16, 16, False) + bn(16)) + conv(1, 16, 16, False) + bn(16):
        "a projection shortcut although the shape is kept (use x itself)"})
down = _res_model((14, 14, 16), 32, 2)
half = analysis.conv_output_size(14, 3, 2, "same")  # ⌈14/2⌉ = 7
check_output_shape(down, (half, half, 32), "residual_block(14×14×16, 32 filters, stride 2)",
                   why="the first 3×3 convolution has the stride: 14 → 7")
projected = conv(3, 16, 32, False) + bn(32) + conv(3, 32, 32, False) + bn(32) + conv(1, 16, 32, False) + bn(32)
check_param_count(down, projected, "residual_block(16 → 32, stride 2) parameters",
                  mistakes={projected - bn(32): "a projection without its batch normalisation"})
with_se = _res_model((14, 14, 16), 32, 2, se_ratio=4)
check_param_count(with_se, projected + se_formula(32, 4), "residual_block(16 → 32, stride 2, se_ratio=4) parameters",
                  mistakes={projected: "leaving out the SE block when se_ratio is given"})
add = next(l for l in with_se.layers if isinstance(l, layers.Add))
feeding = sorted(type(t._keras_history.operation).__name__ for t in add.input)
check_value(feeding, ["BatchNormalization", "Multiply"], "what the addition adds (with SE)",
            why="SE re-weights the residual branch before the addition: Add()([SE output, projected shortcut])",
            mistakes={("BatchNormalization", "BatchNormalization"): "SE not on the residual branch (after the "
                                                                    "addition, or left out)"})
gain = small_resnet(se_ratio=4).count_params() - small_resnet().count_params()
check_value(gain, se_formula(16, 4) + se_formula(32, 4) + se_formula(64, 4), "SE's extra parameters in small_resnet",
            why="one SE block (r = 4) per residual block, on 16, 32 and 64 channels")
### BEGIN HIDDEN TESTS
from cnnkit.checks import check_built_from, compare_probes


def _reference_block(x, filters, stride, se_ratio):
    y = layers.Conv2D(filters, 3, strides=stride, padding="same", use_bias=False)(x)
    y = layers.ReLU()(layers.BatchNormalization()(y))
    y = layers.BatchNormalization()(layers.Conv2D(filters, 3, padding="same", use_bias=False)(y))
    if se_ratio:
        c = filters
        s = layers.GlobalAveragePooling2D()(y)
        s = layers.Dense(max(1, c // se_ratio), activation="relu")(s)
        s = layers.Reshape((1, 1, c))(layers.Dense(c, activation="sigmoid")(s))
        y = layers.Multiply()([y, s])
    shortcut = x
    if stride != 1 or x.shape[-1] != filters:
        shortcut = layers.BatchNormalization()(layers.Conv2D(filters, 1, strides=stride, use_bias=False)(x))
    return layers.ReLU()(layers.Add()([y, shortcut]))


# Same fixed weights through yours and the reference block: the stride in the first convolution, ReLU
# after the addition, SE on the branch; an odd size (9 → 5) and other widths.
for shape, filters, stride, r in [((9, 9, 8), 12, 2, 4), ((6, 6, 12), 12, 1, 3), ((6, 6, 12), 12, 1, None)]:
    inputs = keras.Input(shape=shape)
    reference = keras.Model(inputs, _reference_block(inputs, filters, stride, r))
    mine = _res_model(shape, filters, stride, se_ratio=r)
    compare_probes(mine, reference)
    check_built_from(mine, forbid=("cnnkit.layers", "cnnkit.models", "keras.applications", "Lambda"),
                     what="residual_block")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "cost-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# The cell below prints what SE costs in this network: parameters with your `se_params`, and the
# multiply-adds of the two Dense layers per image next to those of the convolutions.

# %% nbgrader={"grade": false, "grade_id": "cost", "locked": true, "schema_version": 3, "solution": false, "task": false}
plain_net, se_net = small_resnet(), small_resnet(se_ratio=4)
extra = sum(se_params(c, 4) for c in (16, 32, 64))
print(f"small ResNet: {plain_net.count_params():,} parameters; with SE (r = 4): {se_net.count_params():,} "
      f"(+{extra:,} = +{100 * extra / plain_net.count_params():.1f}%)")
conv_macs = sum(analysis.conv2d_macs(s.output_shape[0], s.output_shape[1], s.config["kernel_size"], s.input_shape[-1],
                                     s.config["filters"]) for s in layer_specs(plain_net) if s.kind == "Conv2D")
se_macs = sum(2 * analysis.dense_macs(c, max(1, c // 4)) for c in (16, 32, 64))
print(f"multiply-adds per image: convolutions {conv_macs:,}; SE's Dense layers {se_macs:,} "
      f"(+{100 * se_macs / conv_macs:.2f}%), plus one multiplication per activation for the scaling")

# %% [markdown] nbgrader={"grade": false, "grade_id": "train-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 8. Training with and without SE
#
# The first cell trains the SE-ResNet (r = 4: with 16 channels, r = 16 would leave a single unit) with the
# course's recipe (from `assignment.toml`: the epochs, the batch size, a validation split and a learning-rate
# schedule on top of *your* optimizer and loss) and **saves `se_resnet.keras` next to this notebook**. While
# the notebook is graded, `fit_or_load` loads your handed-in file instead of training. Pass `reuse=True` to
# load a matching file you already trained.
#
# The second cell trains the same network without SE, with the same seed and recipe, and plots the two
# side by side (it is skipped while the notebook is graded).

# %% nbgrader={"grade": false, "grade_id": "data", "locked": true, "schema_version": 3, "solution": false, "task": false}
(x_train, y_train), (x_test, y_test) = load("fashion_mnist")
x_train, x_test = x_train.astype("float32") / 255, x_test.astype("float32") / 255  # (N, 28, 28, 1) in [0, 1]
print("train:", x_train.shape, " test:", x_test.shape)

# %% nbgrader={"grade": false, "grade_id": "train", "locked": true, "schema_version": 3, "solution": false, "task": false} tags=["training"]
keras.utils.set_random_seed(seed())
model = small_resnet(se_ratio=4)
model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model, history = fit_or_load(model, x_train, y_train, path=MODEL_PATH, recipe=cfg.training())

# %% nbgrader={"grade": false, "grade_id": "compare", "locked": true, "schema_version": 3, "solution": false, "task": false} tags=["training"]
if is_autograding() or handin_only():  # handin_only(): the course trains only the hand-in file (calibration, sample models)
    print("(the comparison trains a second network: skipped while the notebook is graded)")
else:
    keras.utils.set_random_seed(seed())
    plain = small_resnet()
    plain.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    plain, plain_history = fit_or_load(plain, x_train, y_train, path="resnet_plain.keras", recipe=cfg.training())
    for name, net in [("without SE", plain), ("with SE", model)]:
        loss, acc = net.evaluate(x_test, y_test, batch_size=1000, verbose=0)
        print(f"{name:<11} {net.count_params():>7,} parameters   test accuracy {acc:.4f}")
    display(plot_histories({"ResNet": plain_history, "SE-ResNet": history}, metrics=("loss", "val_accuracy"),
                           title="small ResNet on Fashion-MNIST, with and without SE"))

# %% [markdown] nbgrader={"grade": false, "grade_id": "grade-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 9. The graded model (4 points)
#
# The test below checks that a trained SE-ResNet exists (trained in this session, or your handed-in
# `se_resnet.keras` while the notebook is graded) and that it is the network `small_resnet(se_ratio=4)`
# builds. The grader then measures it itself, on the 10,000 test images: the 4 points need an accuracy of
# at least **87.7%**.

# %% nbgrader={"grade": true, "grade_id": "test_trained_model", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
status = load_status(model)
assert status is not None, "run the training cell first (fit_or_load)"
assert status.ok, status.reason
assert os.path.isfile(MODEL_PATH), f"{MODEL_PATH}: expected the saved model next to the notebook, found nothing"

# %% [markdown] nbgrader={"grade": false, "grade_id": "discuss-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 10. Did SE help? (2 points, graded by a person)
#
# **Q8.** From your two runs: how much did SE change the test accuracy, and what did it cost (parameters
# and multiply-adds, from the cost cell)? Is the difference larger than what changing the seed alone could
# cause — how would you find out? Give one reason why SE might help little on 28×28 grey images with a
# network this small. Three to six sentences.

# %% [markdown] nbgrader={"grade": true, "grade_id": "discussion", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# With the recipe's two epochs both networks reach about 90–91% test accuracy, and the SE-ResNet is within a
# few tenths of a point of the plain one — sometimes above, sometimes below — for about 3.6% more parameters
# and well under 1% more multiply-adds. That difference is of the same size as the spread between seeds of
# the same network, so one run each proves nothing: train both with several seeds (as the calibration does)
# and compare the means against the spread. SE helps when channels carry features whose usefulness depends on
# the whole image; with 16–64 channels on small grey images, after two epochs, there is little for a
# channel gate to learn that the convolutions and batch normalisation do not already do.

# %% [markdown] nbgrader={"grade": false, "grade_id": "outro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Handing in
#
# Save this notebook, and hand it in **together with `se_resnet.keras`** (the file the training cell saved
# next to it). Both files, same folder, nothing else needed.
