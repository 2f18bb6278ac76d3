# %% [markdown] nbgrader={"grade": false, "grade_id": "intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# # 05 · Inception and GoogLeNet with auxiliary losses
#
# **21 points · about 120 minutes, plus about ten minutes of training · hand in: this notebook and
# `googlenet_aux.keras`.**
#
# The lecture on vision backbones builds GoogLeNet from one idea: run 1×1, 3×3 and 5×5 convolutions and a
# max-pool side by side and concatenate what they find, with 1×1 convolutions in front to keep the cost
# down. You will write the inception module (naive and with reductions) and count what it costs, stack
# nine of them into GoogLeNet following the paper's table, add the two auxiliary classifiers and train
# with the lecture's loss `total = main + 0.3·aux1 + 0.3·aux2`, strip the heads for inference, train a
# small GoogLeNet-style network on Fashion-MNIST with and without the heads, and finish with the
# factorised convolutions of Inception v2/v3.
#
# **How this notebook is graded.** Each question has a test cell: its visible checks run now and tell you
# what is wrong and why; hidden checks on other inputs run when the notebook is graded. Build everything
# yourself from Keras layers (`keras.layers`, functional API): answers built from `cnnkit.models`,
# `cnnkit.layers` or `keras.applications` score zero for that question. The training cell saves the
# trained network as `googlenet_aux.keras` **next to this notebook — hand that file in together with the
# notebook.** The grader never retrains: it loads your file, checks that it is the network this notebook
# builds, and measures the accuracy of its first output (the main classifier) on the 10,000 held-out
# test images. The pass mark is **77.9%**, calibrated by training the reference solution with three
# seeds (their lowest accuracy minus a 3-point margin). The last question is graded by a person.

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
MODEL_PATH = "googlenet_aux.keras"  # saved beside this notebook: hand it in with the notebook

# %% nbgrader={"grade": false, "grade_id": "data", "locked": true, "schema_version": 3, "solution": false, "task": false}
(x_train, y_train), (x_test, y_test) = load("fashion_mnist")
# GoogLeNet halves its feature maps again and again; 28×28 is padded with zeros to 32×32 (32 → 16 → 8 → 4),
# exactly as the grader prepares the held-out images. Values are scaled to [0, 1].
x_train32, y_train = prepare(x_train, y_train, image_size=32, resize_mode="pad")
x_test32, y_test = prepare(x_test, y_test, image_size=32, resize_mode="pad")
print("train:", x_train32.shape, x_train32.dtype, " test:", x_test32.shape)

# %% [markdown] nbgrader={"grade": false, "grade_id": "module-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 1. The inception module (2 points)
#
# Salient parts of an image vary a lot in size: a large kernel sees global information, a small one local
# detail. Instead of choosing, an inception module runs several filter sizes **on the same level** and
# stacks their outputs (lecture 000):
#
# ```
#                   ┌─ 1×1 conv ─────────────────┐
# input (H×W×C) ────┼─ 1×1 conv ─ 3×3 conv ──────┼── concatenate along the channels → H×W×(f1 + f3 + f5 + pool proj)
#                   ├─ 1×1 conv ─ 5×5 conv ──────┤
#                   └─ 3×3 max-pool ─ 1×1 conv ──┘
# ```
#
# Every branch keeps H×W (stride 1, `padding="same"`, also for the max-pool) so that the outputs can be
# concatenated, and every convolution — the 1×1 reductions too — is followed by a ReLU
# (`activation="relu"`, with a bias). The **naive** module (the paper's Figure 2a) has no 1×1 reductions
# and no pool projection: its pool branch passes all C input channels through.
#
# The six numbers of a module are the columns of the paper's Table 1: `#1×1, #3×3 reduce, #3×3, #5×5 reduce,
# #5×5, pool proj`. Inception (3a) is `64, 96, 128, 16, 32, 32` on a 28×28×192 input.
#
# **Q1.** Write `inception_module(x, f1, f3r, f3, f5r, f5, pool_proj, naive=False, name=None)`: it takes a
# Keras tensor `x` and returns the concatenated tensor. Concatenate in the order **1×1, 3×3, 5×5, pool** and
# give the `Concatenate` layer the `name` passed in (GoogLeNet below names its modules `inception_3a`, ...).
# With `naive=True`, ignore `f3r`, `f5r` and `pool_proj` (they are passed as `None`).

# %% nbgrader={"grade": false, "grade_id": "inception_module", "locked": false, "schema_version": 3, "solution": true, "task": false}
def inception_module(x, f1, f3r, f3, f5r, f5, pool_proj, naive=False, name=None):
    ### BEGIN SOLUTION
    def conv(t, filters, kernel):
        return layers.Conv2D(filters, kernel, padding="same", activation="relu")(t)

    pooled = layers.MaxPooling2D(3, strides=1, padding="same")(x)
    if naive:
        b3, b5, bp = conv(x, f3, 3), conv(x, f5, 5), pooled
    else:
        b3 = conv(conv(x, f3r, 1), f3, 3)
        b5 = conv(conv(x, f5r, 1), f5, 5)
        bp = conv(pooled, pool_proj, 1)
    return layers.Concatenate(name=name)([conv(x, f1, 1), b3, b5, bp])
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_inception_module", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from cnnkit import analysis


def module_model(shape, *numbers, naive=False):
    inputs = keras.Input(shape=shape)
    try:
        out = inception_module(inputs, *numbers, naive=naive, name="inception_test")
    except ValueError as exc:
        raise GradingError("inception module", "branches that can be concatenated", f"Keras refused: {str(exc)[:160]}",
                           "every branch must keep H×W: stride 1 and padding='same' in every convolution AND in the "
                           "3×3 max-pool (padding='valid' shrinks 28 to 26 or 24)") from None
    return keras.Model(inputs, out)


# Inception (3a) on 28×28×192 (Table 1): 64 + 128 + 32 + 32 = 256 channels.
m3a = module_model((28, 28, 192), 64, 96, 128, 16, 32, 32)
check_value(tuple(m3a.output.shape[1:]), (28, 28, 64 + 128 + 32 + 32), "inception (3a) output shape",
            why="stride 1 and 'same' padding keep 28×28; channels add up: 64 + 128 + 32 + 32 = 256",
            mistakes={(28, 28, 64 + 128 + 32 + 192): "leaving out the pool projection (the pool branch then keeps "
                                                     "all 192 input channels)"})
concat = m3a.layers[-1]
check_value(type(concat).__name__, "Concatenate", "the module's last layer",
            why="the four branches are stacked along the channel axis with layers.Concatenate")
check_value(tuple(t.shape[-1] for t in concat.input), (64, 128, 32, 32), "channels entering the concatenation, in order",
            why="the paper's order is 1×1, 3×3, 5×5, pool projection — the order of the list given to Concatenate")
p = analysis.conv2d_params
want = p(1, 192, 64) + p(1, 192, 96) + p(3, 96, 128) + p(1, 192, 16) + p(5, 16, 32) + p(1, 192, 32)
check_param_count(m3a, want, "inception (3a) parameters", mistakes={
    want - (64 + 96 + 128 + 16 + 32 + 32): "use_bias=False (GoogLeNet's convolutions keep their biases)",
    p(1, 192, 64) + p(3, 192, 128) + p(5, 192, 32) + p(1, 192, 32): "3×3 and 5×5 convolutions without the 1×1 "
                                                                    "reductions in front of them",
})
no_relu = [l.name for l in m3a.layers if isinstance(l, layers.Conv2D) and l.get_config()["activation"] != "relu"]
check_value(no_relu, [], "convolutions without a ReLU",
            why="every convolution of the module, the 1×1 reductions included, is followed by a ReLU: activation='relu'")
pools = [l for l in m3a.layers if isinstance(l, layers.MaxPooling2D)]
check_value([(tuple(l.pool_size), tuple(l.strides)) for l in pools], [((3, 3), (1, 1))], "the pool branch (pool size, strides)",
            why="one 3×3 max-pool with stride 1 (and padding='same'), so the map stays H×W")

# The naive module (Figure 2a) on the same input: the pool branch passes 192 channels through.
naive = module_model((28, 28, 192), 64, None, 128, None, 32, None, naive=True)
check_value(tuple(naive.output.shape[1:]), (28, 28, 64 + 128 + 32 + 192), "naive module output shape",
            why="no pool projection: 64 + 128 + 32 + 192 = 416 channels (lecture 000's naive version)",
            mistakes={(28, 28, 64 + 128 + 32 + 32): "a pool projection in the naive module (it has none)"})
check_param_count(naive, p(1, 192, 64) + p(3, 192, 128) + p(5, 192, 32), "naive module parameters", mistakes={
    p(1, 192, 64) + p(3, 192, 128) + p(5, 192, 32) + p(1, 192, 32): "a pool projection in the naive module"})
### BEGIN HIDDEN TESTS
from cnnkit.checks import check_built_from
from cnnkit.layers import InceptionModule

check_built_from(m3a, forbid=("cnnkit.layers", "cnnkit.models", "keras.applications"), what="inception_module")
# Inception (4e) of Table 1 on 14×14×528 and a non-square map: against the library's module.
for shape, numbers in [((14, 14, 528), (256, 160, 320, 32, 128, 128)), ((6, 10, 40), (8, 6, 12, 3, 5, 7))]:
    m = module_model(shape, *numbers)
    ref = InceptionModule(*numbers)
    ref_out = ref(keras.Input(shape=shape))
    check_value(tuple(m.output.shape[1:]), tuple(ref_out.shape[1:]), f"inception module {numbers} on {shape}: shape")
    check_param_count(m, ref.count_params(), f"inception module {numbers} on {shape}: parameters")
naive = module_model((9, 9, 20), 4, None, 6, None, 3, None, naive=True)
ref = InceptionModule(4, None, 6, None, 3, naive=True)
ref(keras.Input(shape=(9, 9, 20)))
check_param_count(naive, ref.count_params(), "naive module (4, 6, 3) on 9×9×20: parameters")
check_value(tuple(naive.output.shape[1:]), (9, 9, 4 + 6 + 3 + 20), "naive module (4, 6, 3) on 9×9×20: shape")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "cost-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 2. What a module costs (2 points)
#
# A convolution with a k_h×k_w kernel over C_in channels computes each of its H_out × W_out × C_out outputs
# with k_h·k_w·C_in multiplications:
#
# $$\text{multiplications} = H_{out}\cdot W_{out}\cdot C_{out}\cdot k_h\cdot k_w\cdot C_{in}$$
#
# Lecture 000 counts the naive 5×5 branch of inception (3a): 32 filters of 5×5×192 on 28×28,
# $28\cdot 28\cdot 32\cdot 5\cdot 5\cdot 192 \approx$ **120M** — "high computation cost". A 1×1 convolution to
# 16 channels first (itself 28·28·16·1·1·192 multiplications) cuts the branch to a total of **12.4M**.
# (Biases add, they do not multiply: leave them out.)
#
# **Q2.** Write `conv_mults(h_out, w_out, kernel, c_in, c_out)` (`kernel` is an int or a `(k_h, k_w)` pair)
# and `model_mults(model)`: the multiplications of all the `Conv2D` layers of a Keras model (read each
# layer's output size, kernel size and input channels from the built layer; ignore other layers). Then
# set `NAIVE_5X5` and `REDUCED_5X5` to the lecture's two branch costs, computed with `conv_mults`. Do not
# use `cnnkit.analysis` here: this question is the formula.

# %% nbgrader={"grade": false, "grade_id": "costs", "locked": false, "schema_version": 3, "solution": true, "task": false}
def conv_mults(h_out, w_out, kernel, c_in, c_out):
    ### BEGIN SOLUTION
    kh, kw = (kernel, kernel) if isinstance(kernel, int) else tuple(kernel)
    return h_out * w_out * c_out * kh * kw * c_in
    ### END SOLUTION


def model_mults(model):
    ### BEGIN SOLUTION
    total = 0
    for layer in model.layers:
        if isinstance(layer, layers.Conv2D):
            _, h, w, c_out = layer.output.shape
            total += conv_mults(h, w, layer.kernel_size, layer.input.shape[-1], c_out)
    return total
    ### END SOLUTION


### BEGIN SOLUTION
NAIVE_5X5 = conv_mults(28, 28, 5, 192, 32)
REDUCED_5X5 = conv_mults(28, 28, 1, 192, 16) + conv_mults(28, 28, 5, 16, 32)
### END SOLUTION
print(f"5×5 branch of inception (3a): naive {NAIVE_5X5:,} multiplications, with the 1×1 reduction {REDUCED_5X5:,}")

# %% nbgrader={"grade": true, "grade_id": "test_costs", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# Lecture 000: 28 × 28 × 32 × 5 × 5 × 192 = 120,422,400 ("120M").
check_value(conv_mults(28, 28, 5, 192, 32), 120_422_400, "conv_mults(28, 28, 5, 192, 32)",
            why="H_out·W_out·C_out·k·k·C_in = 28·28·32·5·5·192", mistakes={
                28 * 28 * 32 * 5 * 5: "leaving out C_in (each output sums over all 192 input channels)",
                28 * 28 * 32 * 5 * 192: "k instead of k·k (the kernel is 5×5)",
                24 * 24 * 32 * 5 * 5 * 192: "the 'valid' output size 24 (the module keeps 28 with 'same' padding)"})
check_value(NAIVE_5X5, 120_422_400, "NAIVE_5X5", why="lecture 000: 28·28·32·5·5·192 ≈ 120M")
# Lecture 000: 12.4M with 16 1×1 filters first.
check_value(REDUCED_5X5, 12_443_648, "REDUCED_5X5", why="the 1×1 reduction (28·28·16·1·1·192) plus the 5×5 on 16 "
            "channels (28·28·32·5·5·16): 2,408,448 + 10,035,200", mistakes={
                10_035_200: "counting only the 5×5 after the reduction (the 1×1 convolution costs 2,408,448 too)",
                2_408_448: "counting only the 1×1 reduction"})
check_value(conv_mults(4, 3, (1, 7), 5, 6), 4 * 3 * 6 * 1 * 7 * 5, "conv_mults(4, 3, (1, 7), 5, 6)",
            why="a 1×7 kernel has 1·7 weights per input channel (k_h·k_w)")
# A stride-2 convolution: 9×9 in, 5×5 out — count the outputs that exist.
inputs = keras.Input(shape=(9, 9, 3))
strided = keras.Model(inputs, layers.Conv2D(4, 3, strides=2, padding="same")(inputs))
check_value(model_mults(strided), 5 * 5 * 4 * 3 * 3 * 3, "model_mults of a 3×3 stride-2 convolution on 9×9×3 → 5×5×4",
            why="H_out and W_out are the OUTPUT size (5×5 here)", mistakes={
                9 * 9 * 4 * 3 * 3 * 3: "the input size 9×9 instead of the output size 5×5"})
inputs = keras.Input(shape=(28, 28, 192))
reduced = keras.Model(inputs, layers.Conv2D(32, 5, padding="same")(layers.Conv2D(16, 1)(inputs)))
check_value(model_mults(reduced), 12_443_648, "model_mults of the reduced 5×5 branch (1×1 → 5×5)",
            why="every Conv2D layer counts, the 1×1 too", mistakes={
                10_035_200: "skipping the 1×1 convolution"})
### BEGIN HIDDEN TESTS
from cnnkit import analysis

check_value(conv_mults(17, 17, (7, 1), 160, 192), analysis.conv2d_macs(17, 17, (7, 1), 160, 192),
            "conv_mults(17, 17, (7, 1), 160, 192)")
check_value(conv_mults(7, 5, 3, 11, 13), analysis.conv2d_macs(7, 5, 3, 11, 13), "conv_mults(7, 5, 3, 11, 13)")
# Non-square input, a (1, 3) kernel with stride (2, 1), and a Dense layer that does not count.
inputs = keras.Input(shape=(10, 7, 5))
x = layers.Conv2D(6, (1, 3), strides=(2, 1), padding="valid")(inputs)
x = layers.Conv2D(4, 3, padding="same", activation="relu")(x)
hidden = keras.Model(inputs, layers.Dense(3)(layers.Flatten()(x)))
want = analysis.conv2d_macs(5, 5, (1, 3), 5, 6) + analysis.conv2d_macs(5, 5, 3, 6, 4)
check_value(model_mults(hidden), want, "model_mults: (1, 3) kernel, stride (2, 1), non-square input, a Dense layer",
            why="only Conv2D layers; output size per layer")
### END HIDDEN TESTS

# %% nbgrader={"grade": false, "grade_id": "module-costs", "locked": true, "schema_version": 3, "solution": false, "task": false}
# The whole of inception (3a), naive (with the 5×5 reduction's filters) against the module with reductions:
inputs = keras.Input(shape=(28, 28, 192))
naive_3a = keras.Model(inputs, inception_module(inputs, 64, None, 128, None, 32, None, naive=True))
reduced_3a = keras.Model(inputs, inception_module(inputs, 64, 96, 128, 16, 32, 32))
print(f"inception (3a): naive {model_mults(naive_3a):,} multiplications, "
      f"with reductions {model_mults(reduced_3a):,} ({model_mults(naive_3a) / model_mults(reduced_3a):.1f}× fewer)")

# %% [markdown] nbgrader={"grade": false, "grade_id": "googlenet-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 3. GoogLeNet, stage by stage (3 points)
#
# GoogLeNet stacks 9 inception modules in 5 stages; it is 22 layers deep (27 with the pooling layers) and
# ends with global average pooling into a 1024-dimensional feature for the classifier (lecture 000). The
# paper's Table 1, for a 224×224×3 image:
#
# | stage | layers | output size |
# | --- | --- | --- |
# | 1 | conv 7×7/2, 64 filters → max-pool 3×3/2 | 112×112×64 → 56×56×64 |
# | 2 | conv 1×1, 64 → conv 3×3, 192 → max-pool 3×3/2 | 56×56×192 → 28×28×192 |
# | 3 | inception (3a), (3b) → max-pool 3×3/2 | 28×28×256, 28×28×480 → 14×14×480 |
# | 4 | inception (4a) … (4e) → max-pool 3×3/2 | 14×14×512, 512, 512, 528, 832 → 7×7×832 |
# | 5 | inception (5a), (5b) → global average pool | 7×7×832, 7×7×1024 → 1×1×1024 |
# | head | dropout 40% → linear 1000 → softmax | 1000 |
#
# Every convolution has a ReLU; every stride-2 layer uses `padding="same"` (224 → 112 → 56 → 28 → 14 → 7).
# The paper also has local response normalisation after the first max-pool and after conv 3×3 (stage 2);
# it has no parameters, and we leave it out. `TABLE1` (next cell) holds each module's six numbers.
#
# **Q3.** Write `googlenet_body(x, table, aux_classes=None, aux_filters=128, aux_units=1024)`: stages 3–5
# as above — modules named `inception_3a` … `inception_5b`, max-pool 3×3/2 (`"same"`) after stages 3 and 4,
# nothing after 5b — returning `(x, aux_outputs)`. While `aux_classes` is `None`, `aux_outputs` is `[]`;
# section 4 adds the auxiliary heads here. Then write `build_googlenet(input_shape=(224, 224, 3),
# classes=1000, aux=False)`: stages 1–2, the body, global average pooling, `Dropout(0.4)`, and
# `Dense(classes, activation="softmax", name="main")`. Leave `aux=True` for section 4.

# %% nbgrader={"grade": false, "grade_id": "table1", "locked": true, "schema_version": 3, "solution": false, "task": false}
# Szegedy et al. 2015, Table 1: #1×1, #3×3 reduce, #3×3, #5×5 reduce, #5×5, pool proj
TABLE1 = {
    "3a": (64, 96, 128, 16, 32, 32), "3b": (128, 128, 192, 32, 96, 64),
    "4a": (192, 96, 208, 16, 48, 64), "4b": (160, 112, 224, 24, 64, 64), "4c": (128, 128, 256, 24, 64, 64),
    "4d": (112, 144, 288, 32, 64, 64), "4e": (256, 160, 320, 32, 128, 128),
    "5a": (256, 160, 320, 32, 128, 128), "5b": (384, 192, 384, 48, 128, 128),
}

# %% nbgrader={"grade": false, "grade_id": "googlenet", "locked": false, "schema_version": 3, "solution": true, "task": false}
def googlenet_body(x, table, aux_classes=None, aux_filters=128, aux_units=1024):
    ### BEGIN SOLUTION
    aux_outputs = []
    for stage, modules in ((3, "ab"), (4, "abcde"), (5, "ab")):
        for m in modules:
            key = f"{stage}{m}"
            x = inception_module(x, *table[key], name=f"inception_{key}")
            if aux_classes and key in ("4a", "4d"):
                aux_outputs.append(aux_head(x, aux_classes, f"aux{len(aux_outputs) + 1}", aux_filters, aux_units))
        if stage < 5:
            x = layers.MaxPooling2D(3, strides=2, padding="same", name=f"pool{stage}")(x)
    return x, aux_outputs
    ### END SOLUTION


def build_googlenet(input_shape=(224, 224, 3), classes=1000, aux=False):
    ### BEGIN SOLUTION
    inputs = keras.Input(shape=input_shape)
    x = layers.Conv2D(64, 7, strides=2, padding="same", activation="relu", name="conv1")(inputs)
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool1")(x)
    x = layers.Conv2D(64, 1, activation="relu", name="conv2_reduce")(x)
    x = layers.Conv2D(192, 3, padding="same", activation="relu", name="conv2")(x)
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool2")(x)
    x, aux_outputs = googlenet_body(x, TABLE1, classes if aux else None)
    x = layers.GlobalAveragePooling2D(name="avgpool")(x)
    x = layers.Dropout(0.4, name="main_dropout")(x)
    main = layers.Dense(classes, activation="softmax", name="main")(x)
    return keras.Model(inputs, [main, *aux_outputs] if aux else main, name="googlenet")
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_googlenet", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from cnnkit import analysis

googlenet = build_googlenet()
check_output_shape(googlenet, (1000,), "GoogLeNet output")
# The spatial sizes of Table 1, from the output-size formula with "same" padding (⌈n/s⌉):
s1 = analysis.pool_output_size(analysis.conv_output_size(224, 7, 2, "same"), 3, 2, "same")   # 56
s3 = analysis.pool_output_size(s1, 3, 2, "same")                                               # 28
s4 = analysis.pool_output_size(s3, 3, 2, "same")                                               # 14
s5 = analysis.pool_output_size(s4, 3, 2, "same")                                               # 7
v1 = analysis.pool_output_size(analysis.conv_output_size(224, 7, 2, "same"), 3, 2, "valid")
valid3 = analysis.pool_output_size(v1, 3, 2, "valid")
size = {"3": s3, "4": s4, "5": s5}
names = [l.name for l in googlenet.layers]
for key, numbers in TABLE1.items():
    name = f"inception_{key}"
    if name not in names:
        raise GradingError(f"layer '{name}'", "a module named after its row of Table 1", "no such layer",
                           "pass name=f'inception_{key}' to inception_module (it names the Concatenate layer)")
    f1, _, f3, _, f5, pp = numbers
    n = size[key[0]]
    check_value(tuple(googlenet.get_layer(name).output.shape[1:]), (n, n, f1 + f3 + f5 + pp), f"{name} output shape",
                why=f"Table 1: stage {key[0]} runs at {n}×{n}; channels {f1} + {f3} + {f5} + {pp}", mistakes={
                    (valid3, valid3, f1 + f3 + f5 + pp): "padding='valid' in the stride-2 layers (the paper's sizes "
                                                         "halve exactly: 224 → 112 → 56 → 28, i.e. 'same')",
                    (2 * n, 2 * n, f1 + f3 + f5 + pp): "a missing max-pool 3×3/2 before this stage",
                    (n // 2 + n % 2, n // 2 + n % 2, f1 + f3 + f5 + pp): "an extra max-pool before this stage"})
p, pc = analysis.conv2d_params, {}
channels, body = 192, 0
for key, (f1, f3r, f3, f5r, f5, pp) in TABLE1.items():
    body += p(1, channels, f1) + p(1, channels, f3r) + p(3, f3r, f3) + p(1, channels, f5r) + p(5, f5r, f5) + p(1, channels, pp)
    channels = f1 + f3 + f5 + pp
stem = p(7, 3, 64) + p(1, 64, 64) + p(3, 64, 192)
want = stem + body + analysis.dense_params(1024, 1000)
check_value(googlenet.count_params(), want, "GoogLeNet parameters",
            why="stem + the 9 modules of Table 1 + the 1024 → 1000 classifier; a convolution has k·k·C_in·C_out + C_out",
            mistakes={
    stem + body + analysis.dense_params(s5 * s5 * 1024, 1000): "Flatten instead of global average pooling "
                                                               "(the head sees a 1024-dimensional feature)",
    want - p(1, 64, 64): "leaving out stage 2's 1×1 convolution (64 filters) before the 3×3"})
rates = [l.rate for l in googlenet.layers if isinstance(l, layers.Dropout)]
check_value(rates, [0.4], "dropout rates in GoogLeNet (without auxiliary heads)",
            why="the main classifier has dropout 40% before the linear layer; nothing else drops out")
### BEGIN HIDDEN TESTS
from cnnkit.checks import check_built_from
from cnnkit.models import GoogLeNet

check_built_from(googlenet, forbid=("cnnkit.layers", "cnnkit.models", "keras.applications"), what="build_googlenet")
check_value(googlenet.count_params(), GoogLeNet(local_response_norm=False).count_params(), "GoogLeNet against the reference")
small = build_googlenet(input_shape=(64, 64, 3), classes=10)
check_output_shape(small, (10,), "build_googlenet(input_shape=(64, 64, 3), classes=10)")
check_value(small.count_params(), GoogLeNet(input_shape=(64, 64, 3), classes=10, local_response_norm=False).count_params(),
            "build_googlenet(input_shape=(64, 64, 3), classes=10) against the reference")
check_value(tuple(small.get_layer("inception_5b").output.shape[1:]), (2, 2, 1024), "inception_5b on a 64×64 input")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "aux-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 4. Auxiliary classifiers on 4a and 4d (2 points)
#
# A 22-layer network is deep for 2014: the gradient reaching the early layers is weak. GoogLeNet adds two
# small classifiers on intermediate layers — on the outputs of inception (4a) and (4d) — whose losses
# are added to the main loss during training, with weight 0.3 each (lecture 000):
#
# ```
# total_loss = real_loss + 0.3 * aux_loss_1 + 0.3 * aux_loss_2
# ```
#
# Each head (the paper, section 5): average pooling 5×5 with stride 3 (14×14 → 4×4 at 224 input) → 1×1
# convolution with 128 filters + ReLU → flatten → fully connected 1024 + ReLU → dropout 70% → fully connected
# to the classes, softmax. At inference time the heads are discarded.
#
# **Q4.** Write `aux_head(x, classes, name, filters=128, units=1024)` (the last `Dense` layer gets `name`),
# then complete `googlenet_body` so that with `aux_classes` it attaches `aux_head(x, aux_classes, "aux1",
# aux_filters, aux_units)` to the output of inception (4a) and `"aux2"` to (4d), and `build_googlenet(aux=True)`
# so that the model's outputs are **`[main, aux1, aux2]` in that order** — the grader measures the first
# output, which must be the main classifier.

# %% nbgrader={"grade": false, "grade_id": "aux_head", "locked": false, "schema_version": 3, "solution": true, "task": false}
def aux_head(x, classes, name, filters=128, units=1024):
    ### BEGIN SOLUTION
    x = layers.AveragePooling2D(5, strides=3)(x)
    x = layers.Conv2D(filters, 1, activation="relu")(x)
    x = layers.Flatten()(x)
    x = layers.Dense(units, activation="relu")(x)
    x = layers.Dropout(0.7)(x)
    return layers.Dense(classes, activation="softmax", name=name)(x)
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_aux_head", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from cnnkit import analysis

inputs = keras.Input(shape=(14, 14, 512))  # the output of inception (4a) at 224×224
head = keras.Model(inputs, aux_head(inputs, 1000, "aux_test"))
check_output_shape(head, (1000,), "aux_head output")
pooled = analysis.pool_output_size(14, 5, 3)  # (14 - 5)/3 + 1 = 4
p, d = analysis.conv2d_params, analysis.dense_params
want = p(1, 512, 128) + d(pooled * pooled * 128, 1024) + d(1024, 1000)
check_param_count(head, want, "auxiliary head on 14×14×512", mistakes={
    p(1, 512, 128) + d(10 * 10 * 128, 1024) + d(1024, 1000): "an average pool with stride 1 (the paper's is 5×5 "
                                                             "with stride 3: 14 → 4)",
    p(1, 512, 128) + d(5 * 5 * 128, 1024) + d(1024, 1000): "padding='same' in the average pool (⌈14/3⌉ = 5; the "
                                                           "paper's valid pool gives (14 - 5)/3 + 1 = 4)",
    d(pooled * pooled * 512, 1024) + d(1024, 1000): "leaving out the 1×1 convolution with 128 filters",
    p(1, 512, 128) + d(128, 1024) + d(1024, 1000): "global average pooling instead of the 5×5/3 average pool",
    p(1, 512, 128) + d(pooled * pooled * 128, 1000): "leaving out the fully connected layer with 1024 units"})
rates = [l.rate for l in head.layers if isinstance(l, layers.Dropout)]
check_value(rates, [0.7], "dropout rate in the auxiliary head", why="the paper drops 70% of the 1024 units")
check_value(head.layers[-1].name, "aux_test", "the name of the head's last layer",
            why="name the final Dense layer with `name`: it names the model's output ('aux1', 'aux2')")

with_heads = build_googlenet(aux=True)
check_value(list(with_heads.output_names), ["main", "aux1", "aux2"], "outputs of build_googlenet(aux=True)",
            why="the main classifier first — the grader measures output 0 — then the heads on 4a and 4d",
            mistakes={("aux1", "aux2", "main"): "the heads before the main classifier"})
sources = [l.input._keras_history.operation.name for l in with_heads.layers if isinstance(l, layers.AveragePooling2D)]
check_value(sources, ["inception_4a", "inception_4d"], "the layers the auxiliary heads read",
            why="the paper attaches them to the outputs of inception (4a) and (4d)")
# the two heads: 4a has 512 channels, 4d has 528
heads = (p(1, 512, 128) + p(1, 528, 128) + 2 * (d(pooled * pooled * 128, 1024) + d(1024, 1000)))
check_value(with_heads.count_params(), build_googlenet().count_params() + heads, "GoogLeNet with auxiliary heads: parameters",
            why="the network without heads plus two heads (on 4a's 512 and 4d's 528 channels)",
            mistakes={build_googlenet().count_params(): "no auxiliary heads (pass aux_classes to googlenet_body)"})
### BEGIN HIDDEN TESTS
from cnnkit.checks import check_built_from
from cnnkit.layers import AuxiliaryClassifier
from cnnkit.models import GoogLeNet

check_built_from(head, forbid=("cnnkit.layers", "cnnkit.models", "keras.applications"), what="aux_head")
check_value(with_heads.count_params(), GoogLeNet(aux_classifiers=True, local_response_norm=False).count_params(),
            "GoogLeNet with auxiliary heads against the reference")
inputs = keras.Input(shape=(8, 8, 64))
small = keras.Model(inputs, aux_head(inputs, 10, "aux_small", 16, 128))
reference = AuxiliaryClassifier(10, filters=16, units=128)
reference(keras.Input(shape=(8, 8, 64)))
check_param_count(small, reference.count_params(), "aux_head(x, 10, ..., filters=16, units=128) on 8×8×64")
check_value(small.layers[-1].get_config()["activation"], "softmax", "the head's last activation")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "small-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 5. A small GoogLeNet for Fashion-MNIST (1 point)
#
# The full network has 7 million parameters and needs 224×224 images. To train on a laptop CPU, keep the
# layout — the same 9 modules, the pools between the stages, the heads on 4a and 4d — and shrink the rest:
#
# - input **32×32×1** (Fashion-MNIST padded to 32), so the stages run at 16×16, 8×8 and 4×4;
# - a one-layer stem: `Conv2D(24, 3, padding="same", activation="relu")` → max-pool 3×3/2 (`"same"`) → 16×16×24;
# - the widths of Table 1 divided by 8 (`SMALL_TABLE`, next cell; at least 2 filters per convolution);
# - auxiliary heads with 16 filters and 128 units (`aux_filters=16, aux_units=128`), 10 classes:
#   the 5×5/3 pool turns 8×8 into 2×2, as the paper's turns 14×14 into 4×4;
# - global average pooling → `Dropout(0.4)` → `Dense(10, activation="softmax", name="main")`.
#
# **Q5.** Write `build_small_googlenet(aux=True)` with `googlenet_body` (outputs `[main, aux1, aux2]`; a single
# output `main` when `aux=False`).

# %% nbgrader={"grade": false, "grade_id": "small_table", "locked": true, "schema_version": 3, "solution": false, "task": false}
SMALL_TABLE = {key: tuple(max(2, n // 8) for n in numbers) for key, numbers in TABLE1.items()}
print(SMALL_TABLE)

# %% nbgrader={"grade": false, "grade_id": "small_googlenet", "locked": false, "schema_version": 3, "solution": true, "task": false}
def build_small_googlenet(aux=True):
    ### BEGIN SOLUTION
    inputs = keras.Input(shape=(32, 32, 1))
    x = layers.Conv2D(24, 3, padding="same", activation="relu", name="stem_conv")(inputs)
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="stem_pool")(x)
    x, aux_outputs = googlenet_body(x, SMALL_TABLE, 10 if aux else None, aux_filters=16, aux_units=128)
    x = layers.GlobalAveragePooling2D(name="avgpool")(x)
    x = layers.Dropout(0.4, name="main_dropout")(x)
    main = layers.Dense(10, activation="softmax", name="main")(x)
    return keras.Model(inputs, [main, *aux_outputs] if aux else main, name="small_googlenet")
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_small_googlenet", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from cnnkit import analysis

small = build_small_googlenet()
check_value(list(small.output_names), ["main", "aux1", "aux2"], "outputs of build_small_googlenet()",
            why="the main classifier first (the grader measures output 0), then the heads on 4a and 4d")
check_value([tuple(t.shape[1:]) for t in small.outputs], [(10,)] * 3, "output shapes", why="10 classes each")
check_value(tuple(small.input.shape[1:]), (32, 32, 1), "input shape", why="Fashion-MNIST padded to 32×32, one channel")
for key, n in (("3a", 16), ("4a", 8), ("4d", 8), ("5b", 4)):
    f1, _, f3, _, f5, pp = SMALL_TABLE[key]
    check_value(tuple(small.get_layer(f"inception_{key}").output.shape[1:]), (n, n, f1 + f3 + f5 + pp),
                f"inception_{key} output shape", why="32 → stem pool 16 → 8 → 4, with SMALL_TABLE's widths")
p, d = analysis.conv2d_params, analysis.dense_params
c4a, c4d = sum(SMALL_TABLE["4a"][i] for i in (0, 2, 4, 5)), sum(SMALL_TABLE["4d"][i] for i in (0, 2, 4, 5))
pooled = analysis.pool_output_size(8, 5, 3)
heads = p(1, c4a, 16) + p(1, c4d, 16) + 2 * (d(pooled * pooled * 16, 128) + d(128, 10))
plain = build_small_googlenet(aux=False)
check_value(len(plain.outputs), 1, "outputs of build_small_googlenet(aux=False)", why="no heads: only `main`")
check_value(isinstance(plain.output, list), False, "build_small_googlenet(aux=False) returns a list of outputs",
            why="no heads: the model's output is `main` itself (keras.Model(inputs, main)), not a list of one",
            mistakes={True: "returning [main, *aux_outputs] also without the heads: a list of one output"})
check_value(small.count_params(), plain.count_params() + heads, "small GoogLeNet with heads: parameters",
            why="the network without heads plus two heads with 16 filters and 128 units",
            mistakes={plain.count_params() + p(1, c4a, 128) + p(1, c4d, 128) + 2 * (d(pooled * pooled * 128, 1024) + d(1024, 10)):
                      "the full-size heads (128 filters, 1024 units) instead of 16 and 128"})
### BEGIN HIDDEN TESTS
from cnnkit.checks import check_built_from
from cnnkit.layers import AuxiliaryClassifier, InceptionModule

check_built_from(small, forbid=("cnnkit.layers", "cnnkit.models", "keras.applications"), what="build_small_googlenet")
# The same network composed from the library's layers.
inputs = keras.Input(shape=(32, 32, 1))
x = layers.MaxPooling2D(3, strides=2, padding="same")(layers.Conv2D(24, 3, padding="same", activation="relu")(inputs))
aux = []
for stage, modules in ((3, "ab"), (4, "abcde"), (5, "ab")):
    for m in modules:
        x = InceptionModule(*SMALL_TABLE[f"{stage}{m}"])(x)
        if f"{stage}{m}" in ("4a", "4d"):
            aux.append(AuxiliaryClassifier(10, filters=16, units=128)(x))
    if stage < 5:
        x = layers.MaxPooling2D(3, strides=2, padding="same")(x)
main = layers.Dense(10, activation="softmax")(layers.Dropout(0.4)(layers.GlobalAveragePooling2D()(x)))
check_value(small.count_params(), keras.Model(inputs, [main, *aux]).count_params(), "small GoogLeNet against the reference")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "compile-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 6. Training with the auxiliary losses (2 points)
#
# Keras trains a model with several outputs on a weighted sum of their losses: give one loss per output
# and `loss_weights` — a dict keyed by the output names is the safest (a single loss string with three
# weights is refused). Keras then reports `loss` (the weighted total) and `main_loss`, `aux1_loss`,
# `aux2_loss`. The labels are given once per output: `{"main": y, "aux1": y, "aux2": y}`.
#
# **Q6.** Write `compile_with_heads(model)`: Adam with learning rate 0.001, sparse categorical
# cross-entropy on each of the three softmax outputs, weights 1 for `main` and 0.3 for each head (so that
# `loss = main_loss + 0.3·aux1_loss + 0.3·aux2_loss`), and the accuracy metric on `main`. Write
# `targets(y)`, the labels for the three outputs. The test checks the identity on a real training step.

# %% nbgrader={"grade": false, "grade_id": "compile_with_heads", "locked": false, "schema_version": 3, "solution": true, "task": false}
def compile_with_heads(model):
    ### BEGIN SOLUTION
    loss = "sparse_categorical_crossentropy"
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3),
                  loss={"main": loss, "aux1": loss, "aux2": loss},
                  loss_weights={"main": 1.0, "aux1": 0.3, "aux2": 0.3},
                  metrics={"main": ["accuracy"]})
    ### END SOLUTION


def targets(y):
    ### BEGIN SOLUTION
    return {"main": y, "aux1": y, "aux2": y}
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_compile_with_heads", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# A small three-output model (the heads' names and order are GoogLeNet's) on fixed data.
keras.utils.set_random_seed(5)
inputs = keras.Input(shape=(6,))
hidden = layers.Dense(16, activation="relu")(inputs)
three = keras.Model(inputs, [layers.Dense(4, activation="softmax", name=n)(hidden) for n in ("main", "aux1", "aux2")])
compile_with_heads(three)
assert three.get_compile_config() is not None, "compile_with_heads: the model is not compiled — call model.compile(...)"
x = np.random.default_rng(0).random((32, 6)).astype("float32")
y = np.arange(32) % 4
t = targets(y)
if not isinstance(t, (dict, list, tuple)) or len(t) != 3:
    raise GradingError("targets(y)", "one label array per output, {'main': y, 'aux1': y, 'aux2': y}",
                       f"a {type(t).__name__}", "a model with three outputs needs three label arrays, one per output")
if isinstance(t, dict):
    check_value(sorted(t), sorted(three.output_names), "the keys of targets(y)", why="one label array per output name")
    for name, labels in t.items():
        check_value(np.asarray(labels).tolist(), y.tolist(), f"targets(y)['{name}']", why="every head predicts the same labels")
# The weighted total on fixed data, against -mean(log p[label]) of each output computed here:
p_main, p_aux1, p_aux2 = (np.asarray(p) for p in three.predict(x, verbose=0))
ce = [float(-np.mean(np.log(p[np.arange(32), y]))) for p in (p_main, p_aux1, p_aux2)]
try:
    got = three.evaluate(x, targets(y), verbose=0, return_dict=True)["loss"]
except (ValueError, TypeError, KeyError) as exc:
    raise GradingError("evaluating the compiled model", "one loss per output and its weight",
                       f"Keras refused: {str(exc).splitlines()[0][:160]}",
                       "give loss as a dict {'main': ..., 'aux1': ..., 'aux2': ...} with loss_weights keyed the same "
                       "way (a single loss with three weights is refused)") from None
check_value(got, ce[0] + 0.3 * ce[1] + 0.3 * ce[2], "total loss on a fixed batch", rel_tol=1e-4,
            why="total = main + 0.3·aux1 + 0.3·aux2 with sparse categorical cross-entropy on the softmax outputs",
            mistakes={ce[0] + ce[1] + ce[2]: "equal weights (1, 1, 1): the heads would count as much as the real output",
                      ce[0]: "weight 0 on the heads (they are then never trained)",
                      0.3 * ce[0] + 0.3 * ce[1] + ce[2]: "the weights in the wrong order (main gets 1, the heads 0.3)",
                      (ce[0] + 0.3 * ce[1] + 0.3 * ce[2]) / 1.6: "weights that add up to 1 (main 1, heads 0.3: they "
                                                                "are not normalised)"})
# One real training step: Keras's reported total equals the weighted sum of the reported parts, and the heads learn.
before = [w.copy() for w in three.get_layer("aux1").get_weights()]
logs = three.train_on_batch(x, targets(y), return_dict=True)
parts = {k: logs.get(k) for k in ("main_loss", "aux1_loss", "aux2_loss")}
missing = [k for k, v in parts.items() if v is None]
check_value(missing, [], "per-output losses reported by a training step",
            why="give one loss per output (a dict keyed 'main', 'aux1', 'aux2') so Keras reports each")
check_value(logs["loss"], parts["main_loss"] + 0.3 * parts["aux1_loss"] + 0.3 * parts["aux2_loss"],
            "loss of a training step", rel_tol=1e-4, why="loss = main_loss + 0.3·aux1_loss + 0.3·aux2_loss")
changed = any(not np.allclose(a, b) for a, b in zip(before, three.get_layer("aux1").get_weights()))
check_value(changed, True, "aux1's weights changed by the training step", why="the heads are trained by their own loss")
check_value("main_accuracy" in logs, True, "accuracy reported on the main output",
            why="metrics={'main': ['accuracy']}: the accuracy that matters is the main classifier's")
### BEGIN HIDDEN TESTS
check_value(type(three.optimizer).__name__, "Adam", "optimizer", why="the notebook asks for Adam")
check_value(float(keras.ops.convert_to_numpy(three.optimizer.learning_rate)), 1e-3, "learning rate", rel_tol=1e-6)
# Other data: the identity again, in evaluation.
x2 = np.random.default_rng(7).random((20, 6)).astype("float32")
y2 = (np.arange(20) * 3) % 4
probs = [np.asarray(p) for p in three.predict(x2, verbose=0)]
ce2 = [float(-np.mean(np.log(p[np.arange(20), y2]))) for p in probs]
check_value(three.evaluate(x2, targets(y2), verbose=0, return_dict=True)["loss"], ce2[0] + 0.3 * (ce2[1] + ce2[2]),
            "total loss on other data", rel_tol=1e-4)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "inference-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 7. The inference model (1 point)
#
# After training, the heads are dropped: predictions come from the main classifier only. A second Keras
# model from the same input to the `main` output **shares** the trained layers — no copying, no retraining.
#
# **Q7.** Write `inference_model(model)`: a `keras.Model` from `model`'s input to its `main` output,
# using the same layers (and so the same weights).

# %% nbgrader={"grade": false, "grade_id": "inference", "locked": false, "schema_version": 3, "solution": true, "task": false}
def inference_model(model):
    ### BEGIN SOLUTION
    return keras.Model(model.input, model.get_layer("main").output, name=f"{model.name}_inference")
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_inference", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
full = build_small_googlenet()
infer = inference_model(full)
check_value(len(infer.outputs), 1, "outputs of the inference model", why="only the main classifier")
sample = x_test32[:8]
want = np.asarray(full.predict(sample, verbose=0)[0])
got = np.asarray(infer.predict(sample, verbose=0))
aux1 = np.asarray(full.predict(sample, verbose=0)[1])
if got.shape == want.shape and np.allclose(got, aux1, atol=1e-6) and not np.allclose(got, want, atol=1e-6):
    raise GradingError("inference model", "the main output", "the output of an auxiliary head",
                       "take model.get_layer('main').output (the first output), not a head")
if got.shape != want.shape or not np.allclose(got, want, atol=1e-5):
    raise GradingError("inference model predictions", "the main output of the model with heads", "other predictions",
                       "build keras.Model(model.input, model.get_layer('main').output) from the SAME model — a newly "
                       "built network has fresh random weights")
check_param_count(infer, build_small_googlenet(aux=False).count_params(), "inference model parameters",
                  mistakes={full.count_params(): "the heads are still part of the model"})
# Shared, not copied: a change to the trained model shows in the inference model.
kernel = full.get_layer("main").kernel
kernel.assign(np.zeros(kernel.shape, "float32"))
check_value(np.allclose(np.asarray(infer.predict(sample, verbose=0)), 0.1, atol=1e-5), True,
            "inference model after zeroing the main layer's kernel in the trained model",
            why="the inference model must share the trained layers (with zero weights the softmax gives 0.1 per class)")
### BEGIN HIDDEN TESTS
other = build_small_googlenet()
check_value(inference_model(other).get_layer("main") is other.get_layer("main"), True,
            "the inference model's main layer is the trained model's")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "train-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 8. Training with and without the heads
#
# The first cell trains the small GoogLeNet **with** its heads on the loss of section 6, with the course's
# recipe (read from `assignment.toml` beside this notebook: epochs, batch size and the part of the training
# set used; your optimizer and loss), shows a progress bar and **saves `googlenet_aux.keras` next to this
# notebook** — the file to hand in. While the notebook is graded, `fit_or_load` loads your handed-in file
# instead of training. The second cell trains the same network **without** heads for comparison (it is
# skipped while grading; `reuse=True` loads a matching file after a kernel restart).

# %% nbgrader={"grade": false, "grade_id": "train", "locked": true, "schema_version": 3, "solution": false, "task": false} tags=["training"]
keras.utils.set_random_seed(seed())
model = build_small_googlenet(aux=True)
compile_with_heads(model)
model, history = fit_or_load(model, x_train32, targets(y_train), path=MODEL_PATH, recipe=cfg.training())

# %% nbgrader={"grade": false, "grade_id": "train-no-heads", "locked": true, "schema_version": 3, "solution": false, "task": false} tags=["training"]
if is_autograding() or handin_only():
    history_no_heads = None
    print("(the comparison without heads is skipped while the notebook is graded)")
else:
    keras.utils.set_random_seed(seed())
    no_heads = build_small_googlenet(aux=False)
    no_heads.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3), loss="sparse_categorical_crossentropy",
                     metrics=["accuracy"])
    no_heads, history_no_heads = fit_or_load(no_heads, x_train32, y_train, path="googlenet_no_heads.keras",
                                             recipe=cfg.training())
    print("(googlenet_no_heads.keras is only for this comparison: you need not hand it in)")

# %% nbgrader={"grade": false, "grade_id": "curves", "locked": true, "schema_version": 3, "solution": false, "task": false}
if history and history_no_heads:
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 3.6))
    for hist, prefix, label in ((history, "main_", "with heads"), (history_no_heads, "", "without heads")):
        epochs = range(1, len(hist[f"{prefix}loss"]) + 1)
        ax_loss.plot(epochs, hist[f"{prefix}loss"], "o-", label=f"{label}: training")
        ax_acc.plot(epochs, hist[f"val_{prefix}accuracy"], "s--", label=f"{label}: validation")
    ax_loss.set(title="main classifier's training loss", xlabel="epoch", ylabel="loss")
    ax_acc.set(title="main classifier's validation accuracy", xlabel="epoch", ylabel="accuracy")
    for ax in (ax_loss, ax_acc):
        ax.grid(alpha=0.3)
        ax.legend()
    plt.show()
else:
    print("no histories to compare (the comparison is skipped while grading)")

# %% nbgrader={"grade": false, "grade_id": "evaluate", "locked": true, "schema_version": 3, "solution": false, "task": false}
if is_autograding():
    print("(the test accuracy is measured by the grader, on your handed-in file)")
else:
    n = len(x_test32) if budget_name() == "full" else 1000  # the test suite's small budget: a quick look only
    probs = inference_model(model).predict(x_test32[:n], batch_size=1000, verbose=0)
    print(f"accuracy of the main classifier on {n:,} test images: {np.mean(probs.argmax(axis=1) == y_test[:n]):.4f}")

# %% [markdown] nbgrader={"grade": false, "grade_id": "grade-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 9. The graded model (4 points)
#
# The test below checks that a trained model exists (trained in this session, or your handed-in
# `googlenet_aux.keras` while the notebook is graded) and that it is the network `build_small_googlenet()`
# builds. The grader then measures its **first output** on the 10,000 test images (padded to 32×32 as
# above): the 4 points need an accuracy of at least **77.9%**.

# %% nbgrader={"grade": true, "grade_id": "test_trained_model", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
status = load_status(model)
assert status is not None, "run the training cell first (fit_or_load)"
assert status.ok, status.reason
assert os.path.isfile(MODEL_PATH), f"{MODEL_PATH}: expected the saved model next to the notebook, found nothing"
check_value(list(model.output_names), ["main", "aux1", "aux2"], "outputs of the trained model",
            why="hand in the model WITH its heads, main first: the grader measures output 0")

# %% [markdown] nbgrader={"grade": false, "grade_id": "factor-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 10. Factorising convolutions: Inception v2/v3 (2 points)
#
# Lecture 000: a 5×5 convolution is **2.78 times more expensive** than a 3×3 one (same number of filters and
# channels), so Inception v2 replaces the 5×5 by **two 3×3** convolutions (same 5×5 receptive field). Going
# further, an n×n convolution becomes a **1×n followed by an n×1**: for 3×3, a 3×1 and a 1×3 together are
# **33% cheaper** than the single 3×3.
#
# **Q8.** Write `asymmetric_conv(x, filters, n)`: a `Conv2D(filters, (1, n))` followed by a `Conv2D(filters, (n, 1))`,
# both `padding="same"` with ReLU. Then build small models on a 28×28×64 input with 64 filters everywhere and
# use `model_mults` to set:
# `RATIO_5X5_TO_3X3` (one 5×5 over one 3×3), `SAVING_TWO_3X3` (the fraction of a 5×5's multiplications saved by
# two stacked 3×3) and `SAVING_ASYMMETRIC` (the fraction of a 3×3's multiplications saved by 1×3 + 3×1) —
# fractions between 0 and 1.

# %% nbgrader={"grade": false, "grade_id": "factorisation", "locked": false, "schema_version": 3, "solution": true, "task": false}
def asymmetric_conv(x, filters, n):
    ### BEGIN SOLUTION
    x = layers.Conv2D(filters, (1, n), padding="same", activation="relu")(x)
    return layers.Conv2D(filters, (n, 1), padding="same", activation="relu")(x)
    ### END SOLUTION


### BEGIN SOLUTION
def cost_of(*kernels):
    inputs = keras.Input(shape=(28, 28, 64))
    x = inputs
    for k in kernels:
        x = layers.Conv2D(64, k, padding="same", activation="relu")(x)
    return model_mults(keras.Model(inputs, x))


RATIO_5X5_TO_3X3 = cost_of(5) / cost_of(3)
SAVING_TWO_3X3 = 1 - cost_of(3, 3) / cost_of(5)
SAVING_ASYMMETRIC = 1 - cost_of((1, 3), (3, 1)) / cost_of(3)
### END SOLUTION
print(f"5×5 / 3×3 = {RATIO_5X5_TO_3X3:.2f}; two 3×3 save {SAVING_TWO_3X3:.0%} of a 5×5; "
      f"1×3 + 3×1 save {SAVING_ASYMMETRIC:.0%} of a 3×3")

# %% nbgrader={"grade": true, "grade_id": "test_factorisation", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from cnnkit import analysis

# Lecture 000: "5 x 5 convolution is 2.78 times more expensive than a 3 x 3" (25/9).
check_value(round(RATIO_5X5_TO_3X3, 2), 2.78, "RATIO_5X5_TO_3X3 (rounded to 2 decimals)",
            why="the cost grows with the kernel's AREA: 5·5 / 3·3 = 25/9", mistakes={
                round(5 / 3, 2): "comparing kernel widths (5/3) instead of areas",
                round(9 / 25, 2): "the inverse ratio (3×3 over 5×5)"})
check_value(SAVING_TWO_3X3, 1 - 2 * 9 / 25, "SAVING_TWO_3X3", rel_tol=1e-6,
            why="two 3×3 cost 2·9 = 18 against 25 for one 5×5: 1 - 18/25 = 0.28 saved", mistakes={
                2 * 9 / 25: "the fraction KEPT (18/25) instead of the fraction saved",
                1 - 9 / 25: "counting only one of the two 3×3 convolutions"})
# Lecture 000: 3×1 and 1×3 are "33% cheaper" than the 3×3.
check_value(SAVING_ASYMMETRIC, 1 - 6 / 9, "SAVING_ASYMMETRIC", rel_tol=1e-6,
            why="1×3 + 3×1 cost 3 + 3 = 6 against 9: 1 - 6/9 = 1/3 saved (lecture 000: 33%)", mistakes={
                6 / 9: "the fraction KEPT (6/9) instead of the fraction saved",
                1 - 3 / 9: "counting only one of the two convolutions"})
inputs = keras.Input(shape=(10, 10, 4))
asym = keras.Model(inputs, asymmetric_conv(inputs, 8, 3))
check_value(tuple(asym.output.shape[1:]), (10, 10, 8), "asymmetric_conv(x, 8, 3) on 10×10×4: output shape",
            why="padding='same' keeps 10×10")
kernels = [tuple(l.kernel_size) for l in asym.layers if isinstance(l, layers.Conv2D)]
check_value(kernels, [(1, 3), (3, 1)], "asymmetric_conv(x, 8, 3): kernel sizes, in order",
            why="1×n first, then n×1", mistakes={((3, 1), (1, 3)): "n×1 before 1×n (the notebook asks for 1×n first)",
                                                ((3, 3),): "a single 3×3 convolution"})
check_param_count(asym, analysis.conv2d_params((1, 3), 4, 8) + analysis.conv2d_params((3, 1), 8, 8),
                  "asymmetric_conv(x, 8, 3) parameters")
### BEGIN HIDDEN TESTS
# Inception v3's 17×17 grid with n = 7: 1×7 + 7×1 instead of 7×7.
inputs = keras.Input(shape=(17, 17, 160))
seven = keras.Model(inputs, asymmetric_conv(inputs, 160, 7))
check_value(model_mults(seven), analysis.conv2d_macs(17, 17, (1, 7), 160, 160) + analysis.conv2d_macs(17, 17, (7, 1), 160, 160),
            "asymmetric_conv(x, 160, 7) on 17×17×160: multiplications")
check_value([l.get_config()["activation"] for l in seven.layers if isinstance(l, layers.Conv2D)], ["relu", "relu"],
            "asymmetric_conv activations", why="ReLU after each (lecture 001: linear activations were always inferior)")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "heads-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 11. Did the heads help? (2 points, graded by a person)
#
# **Q9.** Look at the two curves of section 8. Did the auxiliary heads change the main classifier's training
# loss or validation accuracy, early or late in training, and by how much? The lecture reports that the
# heads helped little until near the end of training and act mostly as regularisers (Inception v3), and
# that GoogLeNet uses them because its depth makes the gradient reaching early layers weak. Relate your
# curves to these claims, and say why the small network here (no batch normalisation, few epochs) might
# or might not show the effect. Three to six sentences.

# %% [markdown] nbgrader={"grade": true, "grade_id": "heads_interpretation", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# With the recipe's three epochs the two curves stay close: the main classifier's loss falls slightly faster
# with the heads in the first epoch (the heads add gradient straight into 4a and 4d, half-way down a
# network without batch normalisation), and the validation accuracies end within about a point of each
# other. That matches the lecture: the heads changed little until late in training and their effect is
# mostly regularisation, which three epochs on part of Fashion-MNIST cannot show. The network is also small
# and shallow compared with the 22-layer GoogLeNet, so the gradient reaching its early layers is not as
# weak as the paper's motivation assumes; with batch normalisation the difference would shrink further.

# %% [markdown] nbgrader={"grade": false, "grade_id": "outro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Handing in
#
# Save this notebook, and hand it in **together with `googlenet_aux.keras`** (the file the training cell
# saved next to it). Both files, same folder, nothing else needed (`googlenet_no_heads.keras` is not graded).
