# %% [markdown] nbgrader={"grade": false, "grade_id": "intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# # 04 · Classic architectures: LeNet-5, AlexNet, VGG-16
#
# **21 points · about 120 minutes, plus a few minutes of training · hand in: this notebook and
# `lenet5.keras`.**
#
# You will build LeNet-5 exactly as the lecture on classic architectures tabulates it and train it on
# MNIST digits (padded from 28×28 to LeNet's 32×32 input). Then you will build AlexNet and VGG-16 —
# without training them — to see where their parameters live and how much memory their activations
# need in training and at inference. Two shorter questions cover the tools later networks are made of:
# the 1×1 convolution as a channel mixer, and stacks of 3×3 convolutions in place of one large kernel.
#
# **How this notebook is graded.** Each question has a test cell: its visible checks run now and tell
# you what is wrong and why; hidden checks on other inputs run when the notebook is graded. Where a
# question asks you to build a network or compute something yourself, an answer that takes it from
# `cnnkit.models`, `cnnkit.analysis` or `keras.applications` scores 0 for that question. Train where you
# have the compute (a few minutes on a laptop CPU is enough): the training cell saves the trained
# LeNet-5 as `lenet5.keras` **next to this notebook — hand that file in together with the notebook.**
# The grader never retrains: it loads your `lenet5.keras`, checks that it is the network of Table 14-1,
# and measures its accuracy on the 10,000 MNIST test digits. The pass mark is **95.9%**, calibrated by
# training the reference solution with three seeds (their lowest accuracy minus a 3-point margin).
# The last question is an explanation in your own words, graded by a person.

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
import gc
import os

import keras
import numpy as np
from keras import layers

from cnnkit.checks import (GradingError, check_array, check_output_shape, check_param_count, check_value, config,
                           fit_or_load, is_autograding, layer_specs, load_status, seed)
from cnnkit.data import load
from cnnkit.viz import plot_history

cfg = config()  # assignment.toml beside this notebook: the training recipe and the file to hand in
MODEL_PATH = "lenet5.keras"  # saved beside this notebook: hand it in with the notebook

# %% nbgrader={"grade": false, "grade_id": "data", "locked": true, "schema_version": 3, "solution": false, "task": false}
(x_train, y_train), (x_test, y_test) = load("mnist")
print("train:", x_train.shape, x_train.dtype, " test:", x_test.shape, " labels:", sorted(set(y_train.tolist())))

# %% [markdown] nbgrader={"grade": false, "grade_id": "pad-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 1. LeNet-5's input: 32×32 (1 point)
#
# LeNet-5 (LeCun et al., 1998) reads a **32×32** image: its first convolution, 5×5 with no padding,
# gives 32 − 5 + 1 = 28×28 maps (Table 14-1 below). MNIST digits are 28×28, centred in their frame;
# LeNet-5 puts them in the middle of a 32×32 field — two rows/columns of zeros on every side — so
# C1's 5×5 kernels can centre on the strokes at the digit's edges.
#
# **Q1.** Write `pad_to_32(images)`: `uint8` images of shape `(N, 28, 28, 1)` (accept `(N, 28, 28)` too,
# adding the channel axis) → `float32` values in `[0, 1]` (divide by 255), shape `(N, 32, 32, 1)`, the
# digit unchanged in the middle and zeros around it. Pad, do not resize: resizing interpolates pixels.

# %% nbgrader={"grade": false, "grade_id": "pad_to_32", "locked": false, "schema_version": 3, "solution": true, "task": false}
def pad_to_32(images):
    ### BEGIN SOLUTION
    x = np.asarray(images, dtype="float32") / 255.0
    if x.ndim == 3:
        x = x[..., None]
    return np.pad(x, ((0, 0), (2, 2), (2, 2), (0, 0)))
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_pad_to_32", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
digits = x_train[:8]
x = pad_to_32(digits)
check_output_shape(x, (8, 32, 32, 1), "pad_to_32(x_train[:8])", why="28 + 2 + 2 = 32: two rows/columns of zeros on each side")
check_value(str(np.asarray(x).dtype), "float32", "pad_to_32: dtype",
            why="Keras trains in float32; numpy's default float64 doubles the memory — use .astype('float32')")
brightest = float(digits.max())
check_value(float(np.max(x)), brightest / 255, "the brightest value after pad_to_32", rel_tol=1e-6,
            why="scale 0..255 to [0, 1]: x / 255",
            mistakes={brightest: "leaving the pixels at 0..255", brightest / 256: "dividing by 256"})
centred = np.pad(digits / 255.0, ((0, 0), (2, 2), (2, 2), (0, 0)))
for before, after in ((0, 4), (4, 0), (1, 3), (3, 1)):
    if np.allclose(x, np.pad(digits / 255.0, ((0, 0), (before, after), (before, after), (0, 0))), atol=1e-6):
        raise GradingError("where the digit sits", "centred: 2 zeros before and 2 after, on both axes",
                           f"{before} zeros before and {after} after",
                           "pad ((2, 2), (2, 2)) on the two spatial axes, so the digit stays in the middle")
if not np.allclose(np.asarray(x)[:, 2:30, 2:30], digits / 255.0, atol=1e-6):
    raise GradingError("the 28×28 digit inside the 32×32 image", "the original pixels / 255, unchanged",
                       "different pixels", "pad with zeros, do not resize: interpolation changes the digit's pixels")
check_array(x, centred, "pad_to_32(x_train[:8])", why="the digit in the middle, zeros around it")
### BEGIN HIDDEN TESTS
raw = x_test[:5, ..., 0]                     # (N, 28, 28): no channel axis
try:
    padded = pad_to_32(raw)
except Exception as exc:
    raise GradingError("pad_to_32 of (N, 28, 28) images", "(N, 32, 32, 1)", f"{type(exc).__name__}: {str(exc)[:120]}",
                       "add the channel axis when it is missing (x[..., None]), then pad") from None
check_array(padded, np.pad(raw / 255.0, ((0, 0), (2, 2), (2, 2)))[..., None], "pad_to_32 of (N, 28, 28) images",
            why="add the channel axis, then pad")
check_value(str(np.asarray(pad_to_32(raw.astype("float64"))).dtype), "float32", "pad_to_32 of float64 images: dtype",
            why="always return float32")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "lenet-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 2. LeNet-5 (4 points)
#
# Table 14-1 of the lecture on classic architectures, read from the input up:
#
# | Layer | Type | Maps | Size | Kernel size | Stride | Activation |
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
# Every convolution is "valid" (no padding): $28 = (32-5)/1+1$, $10 = (14-5)/1+1$, and C5's 5×5 kernels
# cover S4's whole 5×5 map, leaving 1×1×120. The table puts tanh on the pooling layers too: in Keras a
# pooling layer has no activation, so add `layers.Activation("tanh")` right after S2 and after S4. Two
# deliberate changes from 1998: C3 is connected to all six S2 maps (the paper wired each C3 map to only
# some of them), and the output is a 10-way softmax instead of the paper's RBF units.
#
# **Q2.** Write `build_lenet5()` with the functional API, from `keras.Input(shape=(32, 32, 1))`, with
# exactly these layers in this order: `Conv2D` (C1), `AveragePooling2D` (S2), `Activation("tanh")`,
# `Conv2D` (C3), `AveragePooling2D` (S4), `Activation("tanh")`, `Conv2D` (C5), `Flatten`, `Dense` (F6),
# `Dense` (10, `activation="softmax"`) — with `activation="tanh"` on the three convolutions and F6.
# Biases on, default everything else.

# %% nbgrader={"grade": false, "grade_id": "build_lenet5", "locked": false, "schema_version": 3, "solution": true, "task": false}
def build_lenet5():
    ### BEGIN SOLUTION
    inputs = keras.Input(shape=(32, 32, 1))
    x = layers.Conv2D(6, 5, activation="tanh", name="C1")(inputs)
    x = layers.AveragePooling2D(2, strides=2, name="S2")(x)
    x = layers.Activation("tanh", name="S2_tanh")(x)
    x = layers.Conv2D(16, 5, activation="tanh", name="C3")(x)
    x = layers.AveragePooling2D(2, strides=2, name="S4")(x)
    x = layers.Activation("tanh", name="S4_tanh")(x)
    x = layers.Conv2D(120, 5, activation="tanh", name="C5")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(84, activation="tanh", name="F6")(x)
    outputs = layers.Dense(10, activation="softmax", name="OUT")(x)
    return keras.Model(inputs, outputs, name="lenet5")
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_lenet5_params", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from cnnkit import analysis  # the course's formulas: the reference for these checks

c1, c3, c5 = analysis.conv2d_params(5, 1, 6), analysis.conv2d_params(5, 6, 16), analysis.conv2d_params(5, 16, 120)
f6, out = analysis.dense_params(120, 84), analysis.dense_params(84, 10)
lenet = build_lenet5()
check_value(tuple(lenet.input.shape[1:]), (32, 32, 1), "LeNet-5 input shape",
            why="Table 14-1: the input is 32×32×1 — pad the digits (Q1) rather than change the network",
            mistakes={(28, 28, 1): "keras.Input(shape=(28, 28, 1)) (MNIST's size, not LeNet-5's)"})
check_output_shape(lenet, (10,), "LeNet-5 output")
check_param_count(lenet, c1 + c3 + c5 + f6 + out, "LeNet-5 parameters (Table 14-1)", mistakes={
    c1 + c3 + analysis.dense_params(400, 84) + out: "leaving out C5 (F6 then reads the 5·5·16 = 400 values of S4)",
    c1 + c3 + c5 + analysis.dense_params(120, 10): "leaving out F6 (84 tanh units between C5 and the output)",
    c1 + c3 + analysis.dense_params(16, 120) + analysis.dense_params(5 * 5 * 120, 84) + out:
        "a Dense layer as C5 before flattening (Dense acts on the last axis only): C5 is a 5×5 convolution",
    c1 + c3 + c5 + analysis.dense_params(2 * 2 * 120, 84) + out:
        "padding='same' in C1 (32 → 32 → 16 → 12 → 6 → 2 instead of 32 → 28 → 14 → 10 → 5 → 1)",
})
### BEGIN HIDDEN TESTS
from cnnkit.checks import check_built_from

for kind, count in [("Conv2D", c1 + c3 + c5), ("Dense", f6 + out)]:
    found = sum(l.count_params() for l in lenet.layers if type(l).__name__ == kind)
    check_value(found, count, f"{kind} parameters", why="conv: k·k·C_in·C_out + C_out; dense: n_in·n_out + n_out")
check_built_from(lenet, forbid=("cnnkit.layers", "cnnkit.models"), what="LeNet-5")
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_lenet5_architecture", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from cnnkit import analysis  # the course's formulas: the reference for these checks

# Layer by layer: kind, output shape and activation, the sizes from (n - k)/s + 1 with no padding.
n1 = analysis.conv_output_size(32, 5)      # C1: 28
n2 = analysis.pool_output_size(n1, 2, 2)   # S2: 14
n3 = analysis.conv_output_size(n2, 5)      # C3: 10
n4 = analysis.pool_output_size(n3, 2, 2)   # S4: 5
n5 = analysis.conv_output_size(n4, 5)      # C5: 1
pool_mistakes = {"MaxPooling2D": "max pooling — LeNet-5's S layers average (S is for 'subsampling')"}
act_mistakes = {"Conv2D": "no tanh after the pooling layer — Table 14-1 lists tanh on S2 and S4: add "
                          "layers.Activation('tanh') after each",
                "ReLU": "ReLU after the pooling layer — LeNet-5 uses tanh"}
expected = [("Conv2D", (n1, n1, 6), "tanh", {}), ("AveragePooling2D", (n2, n2, 6), None, pool_mistakes),
            ("Activation", (n2, n2, 6), "tanh", act_mistakes), ("Conv2D", (n3, n3, 16), "tanh", {}),
            ("AveragePooling2D", (n4, n4, 16), None, pool_mistakes), ("Activation", (n4, n4, 16), "tanh", act_mistakes),
            ("Conv2D", (n5, n5, 120), "tanh", {"Flatten": "flattening before C5 — C5 is a convolution over S4's 5×5 maps",
                                              "Dense": "a Dense layer as C5 — same weights count, but C5 is a 5×5 convolution"}),
            ("Flatten", (120,), None, {}), ("Dense", (84,), "tanh", {}), ("Dense", (10,), "softmax", {})]
found = [(s.kind, tuple(s.output_shape), s.config.get("activation")) for s in layer_specs(build_lenet5())]
for i, ((kind, shape, act), (want_kind, want_shape, want_act, mistakes)) in enumerate(zip(found, expected), start=1):
    check_value(kind, want_kind, f"layer {i}: kind", why="Table 14-1's order: C1, S2 + tanh, C3, S4 + tanh, C5, "
                "Flatten, F6, output", mistakes=mistakes)
    check_value(shape, want_shape, f"layer {i} ({kind}): output shape",
                why="(n − k)/s + 1 with no padding: 32 → 28 → 14 → 10 → 5 → 1")
    if want_act:
        check_value(act, want_act, f"layer {i} ({kind}): activation",
                    why="LeNet-5 (1998) uses tanh; ReLU came with AlexNet (2012); the output is a softmax",
                    mistakes={"relu": "ReLU instead of tanh", "linear": "no activation (activation=None)"})
check_value(len(found), len(expected), "number of layers after the input",
            why="C1, S2, tanh, C3, S4, tanh, C5, Flatten, F6, output: 10 layers")
### BEGIN HIDDEN TESTS
from cnnkit.checks import compare_architecture, compare_probes
from cnnkit.models import LeNet5

# Against the reference: every layer's type, shape, parameters, kernel, stride, padding and activation;
# then the same fixed weights on the same input must give the same outputs.
compare_architecture(build_lenet5(), LeNet5()).assert_ok()
compare_probes(build_lenet5(), LeNet5())
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "train-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 3. Training LeNet-5 on MNIST (4 points)
#
# The cell below compiles your network with stochastic gradient descent — LeNet-5 was trained with it;
# momentum 0.9 makes it faster — and the sparse categorical cross-entropy (the labels are integers
# 0–9, the output a softmax), trains it with the course's recipe (epochs and batch size
# from `assignment.toml` beside this notebook) on the padded digits, shows a progress bar, and **saves
# `lenet5.keras` next to this notebook**. While the notebook is graded, `fit_or_load` loads your
# handed-in file instead of training. Pass `reuse=True` to load a matching file you already trained.

# %% nbgrader={"grade": false, "grade_id": "train", "locked": true, "schema_version": 3, "solution": false, "task": false} tags=["training"]
keras.utils.set_random_seed(seed())
model = build_lenet5()
model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05, momentum=0.9), loss="sparse_categorical_crossentropy",
              metrics=["accuracy"])
model, history = fit_or_load(model, pad_to_32(x_train), y_train, path=MODEL_PATH, recipe=cfg.training())

# %% nbgrader={"grade": false, "grade_id": "curves", "locked": true, "schema_version": 3, "solution": false, "task": false}
if is_autograding():
    print("(the curves and the test accuracy are skipped while the notebook is graded)")
elif history:
    display(plot_history(history, title="LeNet-5 on MNIST"))
    _, test_accuracy = model.evaluate(pad_to_32(x_test), y_test, batch_size=1000, verbose=0)
    print(f"test accuracy: {test_accuracy:.4f}")
else:
    print("no training history next to the model file; nothing to plot")

# %% [markdown] nbgrader={"grade": false, "grade_id": "grade-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# The test below checks that a trained model exists (trained in this session, or your handed-in
# `lenet5.keras` while the notebook is graded) and that it is the network `build_lenet5()` builds. The
# grader then measures it itself on the 10,000 MNIST test digits, padded to 32×32 and divided by 255 as
# in Q1: the 4 points need an accuracy of at least **95.9%** (the reference solution reaches 99.0%
# with the recipe; an untrained network is at about 10%).

# %% nbgrader={"grade": true, "grade_id": "test_trained_model", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
status = load_status(model)
assert status is not None, "run the training cell first (fit_or_load)"
assert status.ok, status.reason
assert os.path.isfile(MODEL_PATH), f"{MODEL_PATH}: expected the saved model next to the notebook, found nothing"

# %% [markdown] nbgrader={"grade": false, "grade_id": "alexnet-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 4. AlexNet and VGG-16, built but not trained (4 points)
#
# **AlexNet** (2012), Table 14-2 of the lecture, from the input up. ReLU after every convolution and
# fully connected layer; the output is a 1,000-way softmax.
#
# | Layer | Type | Maps | Size | Kernel size | Stride | Padding |
# |---|---|---|---|---|---|---|
# | In | Input | 3 (RGB) | 227×227 | – | – | – |
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
# The table leaves out the paper's third max pooling after C7 (3×3, stride 2, valid: 13 → 6); add it
# as **S7**, then `Flatten` before F8. Leave out local response normalisation and dropout (neither has
# parameters, and Keras has no LRN layer).
#
# **VGG-16** (2014, configuration D of the table in the lecture on CNN training): input 224×224×3; five
# blocks of 3×3 convolutions with `padding="same"` and ReLU — 2 × 64, 2 × 128, 3 × 256, 3 × 512,
# 3 × 512 filters — each block closed by a 2×2 max pooling with stride 2; then `Flatten`, two fully
# connected layers of 4,096 (ReLU) and a 1,000-way softmax. No dropout.
#
# **Q3.** Write `build_alexnet()` and `build_vgg16()` from Keras layers (not `keras.applications`, not
# `cnnkit.models`): exactly the layers above, in order, biases on. They are large (about 62 and 138
# million parameters): build each once or twice, not in a loop.

# %% nbgrader={"grade": false, "grade_id": "build_alexnet", "locked": false, "schema_version": 3, "solution": true, "task": false}
def build_alexnet():
    ### BEGIN SOLUTION
    inputs = keras.Input(shape=(227, 227, 3))
    x = layers.Conv2D(96, 11, strides=4, activation="relu", name="C1")(inputs)
    x = layers.MaxPooling2D(3, strides=2, name="S2")(x)
    x = layers.Conv2D(256, 5, padding="same", activation="relu", name="C3")(x)
    x = layers.MaxPooling2D(3, strides=2, name="S4")(x)
    x = layers.Conv2D(384, 3, padding="same", activation="relu", name="C5")(x)
    x = layers.Conv2D(384, 3, padding="same", activation="relu", name="C6")(x)
    x = layers.Conv2D(256, 3, padding="same", activation="relu", name="C7")(x)
    x = layers.MaxPooling2D(3, strides=2, name="S7")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(4096, activation="relu", name="F8")(x)
    x = layers.Dense(4096, activation="relu", name="F9")(x)
    outputs = layers.Dense(1000, activation="softmax", name="OUT")(x)
    return keras.Model(inputs, outputs, name="alexnet")
    ### END SOLUTION

# %% nbgrader={"grade": false, "grade_id": "build_vgg16", "locked": false, "schema_version": 3, "solution": true, "task": false}
def build_vgg16():
    ### BEGIN SOLUTION
    inputs = keras.Input(shape=(224, 224, 3))
    x = inputs
    for block, (convs, filters) in enumerate(zip((2, 2, 3, 3, 3), (64, 128, 256, 512, 512)), start=1):
        for i in range(1, convs + 1):
            x = layers.Conv2D(filters, 3, padding="same", activation="relu", name=f"block{block}_conv{i}")(x)
        x = layers.MaxPooling2D(2, strides=2, name=f"block{block}_pool")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(4096, activation="relu", name="fc1")(x)
    x = layers.Dense(4096, activation="relu", name="fc2")(x)
    outputs = layers.Dense(1000, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, outputs, name="vgg16")
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_alexnet", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from cnnkit import analysis  # the course's formulas: the reference for these checks

# AlexNet's sizes from the table (and S7: (13 - 3)/2 + 1 = 6); its parameters from the formulas.
alex_convs = [(11, 3, 96), (5, 96, 256), (3, 256, 384), (3, 384, 384), (3, 384, 256)]
alex_conv_params = sum(analysis.conv2d_params(k, c_in, c_out) for k, c_in, c_out in alex_convs)
alex_fc = lambda n_in: (analysis.dense_params(n_in, 4096) + analysis.dense_params(4096, 4096)
                        + analysis.dense_params(4096, 1000))
alexnet = build_alexnet()
check_value(tuple(alexnet.input.shape[1:]), (227, 227, 3), "AlexNet input shape", why="Table 14-2: 227×227 RGB")
sizes = [(s.name, s.kind, s.output_shape[0]) for s in layer_specs(alexnet) if s.kind in ("Conv2D", "MaxPooling2D")]
table = [55, 27, 27, 13, 13, 13, 13, analysis.pool_output_size(13, 3, 2)]   # Table 14-2, then S7
check_value([n for _, _, n in sizes], table, "AlexNet's map sizes (C1, S2, C3, S4, C5, C6, C7, S7)",
            why="C1: (227 − 11)/4 + 1 = 55 (valid); 3×3/2 pools: (n − 3)/2 + 1; 'same' convolutions keep the size",
            mistakes={tuple(table[:-1]): "leaving out S7 (the paper's third pooling, 13 → 6)"})
check_param_count(alexnet, alex_conv_params + alex_fc(6 * 6 * 256), "AlexNet parameters", mistakes={
    alex_conv_params + alex_fc(13 * 13 * 256): "leaving out S7 (F8 then reads 13·13·256 values)",
})
del alexnet
_ = gc.collect()  # AlexNet's weights: 250 MB
### BEGIN HIDDEN TESTS
from cnnkit.checks import check_built_from, compare_architecture
from cnnkit.models import AlexNet

alexnet = build_alexnet()
check_built_from(alexnet, forbid=("cnnkit.layers", "cnnkit.models"), what="AlexNet")
compare_architecture(alexnet, AlexNet(lrn=False, dropout_rate=0)).assert_ok()
del alexnet
_ = gc.collect()  # AlexNet's weights: 250 MB
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_vgg16", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from cnnkit import analysis  # the course's formulas: the reference for these checks

# VGG-16 (configuration D): the convolutions' parameters from the formulas; 224 / 2^5 = 7 before Flatten.
vgg_blocks = [(2, 64), (2, 128), (3, 256), (3, 512), (3, 512)]
def vgg_conv_params(blocks):
    total, c_in = 0, 3
    for convs, filters in blocks:
        for _ in range(convs):
            total, c_in = total + analysis.conv2d_params(3, c_in, filters), filters
    return total
vgg_fc = analysis.dense_params(7 * 7 * 512, 4096) + analysis.dense_params(4096, 4096) + analysis.dense_params(4096, 1000)
vgg16 = build_vgg16()
check_value(tuple(vgg16.input.shape[1:]), (224, 224, 3), "VGG-16 input shape", why="224×224 RGB images")
convs = [s for s in layer_specs(vgg16) if s.kind == "Conv2D"]
check_value(len(convs), 13, "number of convolutions", why="16 weight layers = 13 convolutions + 3 fully connected",
            mistakes={10: "configuration B (VGG-13: 2 per block)", 16: "configuration E (VGG-19)"})
flat = [s.output_shape for s in layer_specs(vgg16) if s.kind == "Flatten"]
check_value(flat[:1], [(7 * 7 * 512,)], "the flattened features before the first FC",
            why="'same' 3×3 convolutions keep the size; five 2×2/2 pools: 224 / 2⁵ = 7, so 7·7·512 values",
            mistakes={((14 * 14 * 512,),): "a missing max pooling (4 pools: 224 / 2⁴ = 14)"})
check_param_count(vgg16, vgg_conv_params(vgg_blocks) + vgg_fc,
                  "VGG-16 parameters (keras.applications.VGG16 has 138,357,544)")
del vgg16
_ = gc.collect()  # VGG-16's weights: 553 MB
### BEGIN HIDDEN TESTS
from cnnkit.checks import check_built_from, compare_architecture
from cnnkit.models import VGG16

vgg16 = build_vgg16()
check_built_from(vgg16, forbid=("cnnkit.layers", "cnnkit.models"), what="VGG-16")
compare_architecture(vgg16, VGG16(dropout_rate=0)).assert_ok()
del vgg16
_ = gc.collect()  # VGG-16's weights: 553 MB
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "where-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 5. Where do the parameters live? (1 point)
#
# Convolutions share their kernels across every position, so their parameter count does not depend on
# the image size; a fully connected layer has one weight per input value and unit.
#
# **Q4.** Write `params_by_kind(model)`: a dict mapping each layer class name that appears in the model
# (`type(layer).__name__`, e.g. `"Conv2D"`, `"Dense"`, `"MaxPooling2D"`; skip the `InputLayer`) to the
# total parameters of that kind's layers (0 for layers without weights); and `fc_share(model)`: the
# fraction (between 0 and 1) of the model's parameters that sit in its `Dense` layers.

# %% nbgrader={"grade": false, "grade_id": "params_by_kind", "locked": false, "schema_version": 3, "solution": true, "task": false}
def params_by_kind(model):
    ### BEGIN SOLUTION
    totals = {}
    for layer in model.layers:
        kind = type(layer).__name__
        if kind != "InputLayer":
            totals[kind] = totals.get(kind, 0) + layer.count_params()
    return totals
    ### END SOLUTION


def fc_share(model):
    ### BEGIN SOLUTION
    return params_by_kind(model).get("Dense", 0) / model.count_params()
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_params_by_kind", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from cnnkit import analysis  # the course's formulas: the reference for these checks

small = keras.Sequential([keras.Input((12, 12, 3)), layers.Conv2D(8, 3), layers.MaxPooling2D(2), layers.Conv2D(4, 3),
                          layers.Flatten(), layers.Dense(6), layers.Dense(2)])
conv = analysis.conv2d_params(3, 3, 8) + analysis.conv2d_params(3, 8, 4)
dense = analysis.dense_params(3 * 3 * 4, 6) + analysis.dense_params(6, 2)
kinds = params_by_kind(small)
check_value(sorted(kinds), ["Conv2D", "Dense", "Flatten", "MaxPooling2D"], "the kinds params_by_kind reports",
            why="every layer class in the model, by type(layer).__name__, without the InputLayer")
check_value(kinds["Conv2D"], conv, "Conv2D parameters (two layers added up)", why="k·k·C_in·C_out + C_out per layer",
            mistakes={analysis.conv2d_params(3, 8, 4): "keeping only the last layer of each kind (add them up)"})
check_value(kinds["Dense"], dense, "Dense parameters (two layers added up)", why="n_in·n_out + n_out per layer")
check_value(kinds["MaxPooling2D"], 0, "MaxPooling2D parameters", why="pooling has no weights")
check_value(fc_share(small), dense / (conv + dense), "fc_share of a small model", rel_tol=1e-9,
            why="Dense parameters / all parameters, a fraction",
            mistakes={100 * dense / (conv + dense): "a percentage instead of a fraction", dense / conv: "dividing by the convolutions' parameters only"})
### BEGIN HIDDEN TESTS
from cnnkit.models import AlexNet, LeNet5

for reference in (LeNet5(), AlexNet(lrn=False, dropout_rate=0)):
    want = {}
    for layer in reference.layers[1:]:
        want[type(layer).__name__] = want.get(type(layer).__name__, 0) + layer.count_params()
    check_value(dict(sorted(params_by_kind(reference).items())), dict(sorted(want.items())),
                f"params_by_kind({reference.name})")
    check_value(fc_share(reference), want["Dense"] / reference.count_params(), f"fc_share({reference.name})", rel_tol=1e-9)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "where-show-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# Your functions on the three networks (the cell builds AlexNet and VGG-16 once more and keeps them for
# section 6):

# %% nbgrader={"grade": false, "grade_id": "where-show", "locked": true, "schema_version": 3, "solution": false, "task": false}
networks = {"LeNet-5": build_lenet5(), "AlexNet": build_alexnet(), "VGG-16": build_vgg16()}
print(f"{'network':<10}{'parameters':>14}{'in Conv2D':>14}{'in Dense':>14}{'FC share':>10}")
for name, net in networks.items():
    kinds = params_by_kind(net)
    print(f"{name:<10}{net.count_params():>14,}{kinds.get('Conv2D', 0):>14,}{kinds.get('Dense', 0):>14,}"
          f"{fc_share(net):>10.1%}")

# %% [markdown] nbgrader={"grade": false, "grade_id": "memory-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 6. Activation memory: training vs inference (2 points)
#
# Parameters are not the only memory a network needs: every layer's output (its activations) must be
# stored too. The lecture's rule: *during inference the memory occupied by one layer can be released as
# soon as the next layer has been computed, so you only need as much as two consecutive layers; during
# training everything computed in the forward pass is kept for the backward pass, so you need (at
# least) the total of all layers.*
#
# Count the input image and the output of every layer in `model.layers` except the `InputLayer`
# (`Flatten` and `Activation` outputs count too), each as `batch_size · (number of values) · dtype_bytes`
# bytes (4 bytes for float32). With sizes $b_0$ (the input), $b_1, \dots, b_L$:
# training needs $\sum_i b_i$; inference needs $\max_i (b_{i-1} + b_i)$.
#
# **Q5.** Write `activation_sizes(model, batch_size=1, dtype_bytes=4)` (the list $[b_0, b_1, \dots, b_L]$
# in bytes, input first) and `activation_memory(model, batch_size=1, mode="training", dtype_bytes=4)`
# (`mode` is `"training"` or `"inference"`), in plain Python (`layer.output.shape` gives a layer's
# output shape, batch axis first).

# %% nbgrader={"grade": false, "grade_id": "activation_memory", "locked": false, "schema_version": 3, "solution": true, "task": false}
def activation_sizes(model, batch_size=1, dtype_bytes=4):
    ### BEGIN SOLUTION
    shapes = [model.input.shape[1:]] + [layer.output.shape[1:] for layer in model.layers
                                        if not isinstance(layer, keras.layers.InputLayer)]
    return [batch_size * dtype_bytes * int(np.prod(shape)) for shape in shapes]
    ### END SOLUTION


def activation_memory(model, batch_size=1, mode="training", dtype_bytes=4):
    ### BEGIN SOLUTION
    sizes = activation_sizes(model, batch_size, dtype_bytes)
    if mode == "training":
        return sum(sizes)
    if mode == "inference":
        return max(a + b for a, b in zip(sizes, sizes[1:]))
    raise ValueError(f"mode must be 'training' or 'inference', got {mode!r}")
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_activation_memory", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from cnnkit import analysis  # the course's formulas: the reference for these checks

inputs = keras.Input((16, 16, 3))
x = layers.Conv2D(8, 3, padding="same")(inputs)
x = layers.MaxPooling2D(2)(x)
x = layers.Conv2D(4, 3)(x)
probe_net = keras.Model(inputs, layers.Dense(10)(layers.Flatten()(x)))
shapes = [(16, 16, 3), (16, 16, 8), (8, 8, 8), (6, 6, 4), (144,), (10,)]
want = [analysis.activation_bytes(s, 4, 8) for s in shapes]
got = activation_sizes(probe_net, batch_size=8)
check_value(len(got), len(want), "number of sizes", why="the input, then one per layer except the InputLayer",
            mistakes={len(want) - 1: "leaving out the input image"})
check_value(got, want, "activation_sizes(batch_size=8) in bytes", why="batch · values · 4 bytes (float32)", mistakes={
    tuple(w // 8 for w in want): "ignoring batch_size", tuple(w // 4 for w in want): "counting values, not bytes (× 4 for float32)"})
for mode, rule in (("training", "the sum over all layers"), ("inference", "the largest pair of consecutive layers")):
    expected = analysis.activation_memory(want, mode)
    check_value(activation_memory(probe_net, 8, mode), expected, f"activation_memory(mode={mode!r}, batch_size=8)",
                why=f"seed 002's rule for {mode}: {rule}", mistakes={
                    max(want): "the single largest layer",
                    sum(want) - want[0]: "the sum without the input image",
                    analysis.activation_memory(want, "training" if mode == "inference" else "inference"):
                        "the other mode's rule"})
### BEGIN HIDDEN TESTS
from cnnkit.models import LeNet5

lenet_ref = LeNet5()
sizes = [analysis.activation_bytes(lenet_ref.input.shape[1:], 2, 3)] + [
    analysis.activation_bytes(l.output.shape[1:], 2, 3) for l in lenet_ref.layers[1:]]
check_value(activation_sizes(lenet_ref, batch_size=3, dtype_bytes=2), sizes, "activation_sizes(LeNet-5, 3, float16)")
for mode in ("training", "inference"):
    check_value(activation_memory(lenet_ref, 3, mode, 2), analysis.activation_memory(sizes, mode),
                f"activation_memory(LeNet-5, 3, {mode!r}, float16)")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "memory-show-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# The three networks at a batch of 32 images, next to the memory their parameters take (4 bytes each):

# %% nbgrader={"grade": false, "grade_id": "memory-show", "locked": true, "schema_version": 3, "solution": false, "task": false}
MB = 1e6
print(f"{'network':<10}{'parameters':>12}{'training':>12}{'inference':>12}   (MB, batch 32, float32)")
for name, net in networks.items():
    print(f"{name:<10}{4 * net.count_params() / MB:>12,.1f}{activation_memory(net, 32, 'training') / MB:>12,.1f}"
          f"{activation_memory(net, 32, 'inference') / MB:>12,.1f}")
del networks  # AlexNet and VGG-16 hold about 800 MB of weights
_ = gc.collect()

# %% [markdown] nbgrader={"grade": false, "grade_id": "onebyone-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 7. The 1×1 convolution: a channel mixer (1 point)
#
# A 1×1 kernel cannot see spatial patterns, but it can "capture patterns along the depth dimension"
# (lecture on classic architectures, GoogLeNet): at every pixel it takes the $C_{in}$ values of that
# pixel and forms $C_{out}$ weighted sums — the same matrix at every pixel, i.e. a fully connected layer
# applied to each pixel's channel vector. GoogLeNet uses it to reduce 192 channels to 16 before a 5×5
# convolution (the lecture's 120M → 12.4M multiply-accumulates); ResNet's bottleneck blocks use it to
# shrink and restore the channel depth.
#
# **Q6.** Write `conv1x1(x, kernel, bias)` with numpy only: `x` of shape `(N, H, W, C_in)`, `kernel` in
# Keras's layout `(1, 1, C_in, C_out)`, `bias` of shape `(C_out,)` → `(N, H, W, C_out)`.

# %% nbgrader={"grade": false, "grade_id": "conv1x1", "locked": false, "schema_version": 3, "solution": true, "task": false}
def conv1x1(x, kernel, bias):
    ### BEGIN SOLUTION
    return np.asarray(x) @ np.asarray(kernel)[0, 0] + np.asarray(bias)
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_conv1x1", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
rng = np.random.default_rng(4)
x = rng.normal(size=(2, 5, 5, 6)).astype("float32")
keras_conv = layers.Conv2D(3, 1, bias_initializer="random_normal")   # the reference: Keras's own 1×1 convolution
want = keras.ops.convert_to_numpy(keras_conv(x))
kernel, bias = [keras.ops.convert_to_numpy(w) for w in keras_conv.weights]
got = conv1x1(x, kernel, bias)
check_output_shape(got, (2, 5, 5, 3), "conv1x1 output", why="the spatial size is kept; C_in = 6 channels become C_out = 3")
if np.allclose(got, want - bias, atol=1e-4):
    raise GradingError("conv1x1", "x · W + b", "x · W", "the bias is missing: add one bias per output channel")
check_array(got, want, "conv1x1 vs keras.layers.Conv2D(3, 1)", atol=1e-4,
            why="out[n, i, j, :] = x[n, i, j, :] @ kernel[0, 0] + bias at every pixel")
dense = layers.Dense(3)
dense.build((None, 6))
dense.set_weights([kernel[0, 0], bias])
check_array(got, keras.ops.convert_to_numpy(dense(x)), "conv1x1 vs a Dense layer applied to every pixel", atol=1e-4,
            why="a 1×1 convolution is a fully connected layer applied to each pixel's channel vector")
### BEGIN HIDDEN TESTS
x = rng.normal(size=(3, 4, 7, 1)).astype("float32")     # one input channel, H ≠ W
keras_conv = layers.Conv2D(5, 1, bias_initializer="random_normal")
want = keras.ops.convert_to_numpy(keras_conv(x))
check_array(conv1x1(x, *[keras.ops.convert_to_numpy(w) for w in keras_conv.weights]), want,
            "conv1x1 with 1 input channel, 4×7 images", atol=1e-4)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "stack-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 8. Stacked 3×3 convolutions vs one large kernel (2 points)
#
# The lecture's advice: *instead of a convolutional layer with a 5×5 kernel, stack two layers with 3×3
# kernels: it will use fewer parameters and require fewer computations, and it will usually perform
# better.* VGG is built on it: "repeating small (3×3) convolutions" gives fewer parameters per layer and
# more non-linearities. With stride 1 each extra $k \times k$ layer widens the receptive field by
# $k - 1$, so $n$ stacked layers see $n(k-1) + 1$ pixels — the same as one kernel of that size.
#
# **Q7.** Write `stack_vs_single(n_layers, channels, k=3)` for $n$ stacked $k \times k$ convolutions
# (stride 1, `channels` in and out of every layer, biases included) against one convolution with the
# same receptive field and the same channels. Return a dict with `"receptive_field"` (an int),
# `"stacked_params"` and `"single_params"` — with your own arithmetic (no `cnnkit.analysis`).

# %% nbgrader={"grade": false, "grade_id": "stack_vs_single", "locked": false, "schema_version": 3, "solution": true, "task": false}
def stack_vs_single(n_layers, channels, k=3):
    ### BEGIN SOLUTION
    rf = n_layers * (k - 1) + 1
    per_layer = k * k * channels * channels + channels
    return {"receptive_field": rf, "stacked_params": n_layers * per_layer,
            "single_params": rf * rf * channels * channels + channels}
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_stack_vs_single", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from cnnkit import analysis  # the course's formulas: the reference for these checks

for n, c in ((2, 64), (3, 256)):     # two 3×3 ≈ one 5×5 (the lecture); three 3×3 ≈ one 7×7 (VGG)
    got = stack_vs_single(n, c)
    rf = analysis.receptive_field([(3, 1)] * n).size
    check_value(got["receptive_field"], rf, f"receptive field of {n} stacked 3×3 convolutions",
                why="each stride-1 layer adds k − 1: n(k − 1) + 1", mistakes={3 * n: "n·k (the layers overlap by k − 1)"})
    per_layer = analysis.conv2d_params(3, c, c)
    check_value(got["stacked_params"], n * per_layer, f"parameters of {n} stacked 3×3 layers, {c} channels",
                why="n · (3·3·C·C + C)", mistakes={per_layer: "one layer only (multiply by n)",
                                                 n * (9 * c + c): "3·3·C per layer (each kernel spans all C input channels: 3·3·C·C)",
                                                 n * 9 * c * c: "leaving out the biases"})
    check_value(got["single_params"], analysis.conv2d_params(rf, c, c), f"parameters of one {rf}×{rf} layer, {c} channels",
                why=f"{rf}·{rf}·C·C + C", mistakes={analysis.conv2d_params(3 * n, c, c): f"a {3 * n}×{3 * n} kernel (n·k)",
                                                   rf * rf * c * c: "leaving out the biases"})
### BEGIN HIDDEN TESTS
for n, c, k in ((2, 1, 5), (4, 32, 3), (1, 16, 3)):
    got = stack_vs_single(n, c, k)
    rf = analysis.receptive_field([(k, 1)] * n).size
    check_value(got, {"receptive_field": rf, "stacked_params": n * analysis.conv2d_params(k, c, c),
                      "single_params": analysis.conv2d_params(rf, c, c)}, f"stack_vs_single({n}, {c}, k={k})")
### END HIDDEN TESTS

# %% nbgrader={"grade": false, "grade_id": "stack-show", "locked": true, "schema_version": 3, "solution": false, "task": false}
for n in (2, 3):
    r = stack_vs_single(n, 256)
    print(f"{n} × 3×3 vs one {r['receptive_field']}×{r['receptive_field']} (256 channels): {r['stacked_params']:,} vs "
          f"{r['single_params']:,} parameters ({1 - r['stacked_params'] / r['single_params']:.0%} fewer), "
          f"{n} ReLUs vs 1")

# %% [markdown] nbgrader={"grade": false, "grade_id": "discuss-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 9. Parameters, memory and what came next (2 points, graded by a person)
#
# **Q8.** From your tables in sections 5 and 6: where do most of AlexNet's and VGG-16's parameters live,
# and where does most of their activation memory come from? Why does training need so much more
# activation memory than inference? Name one change later networks (GoogLeNet, ResNet) made that removes
# most of those parameters. Four to six sentences in the cell below.

# %% [markdown] nbgrader={"grade": true, "grade_id": "discussion", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# About 94% of AlexNet's 62 million and 89% of VGG-16's 138 million parameters are in the fully connected
# layers — F8 alone reads 6·6·256 = 9,216 values into 4,096 units (37.7 million weights), VGG's first FC
# layer 7·7·512 = 25,088 (102.8 million). The activations are the other way round: they are largest in
# the first convolutions, at full resolution with many channels (VGG's 224×224×64 maps), while the FC
# layers produce only a few thousand values. Training keeps every layer's output for the backward pass,
# so it needs the sum over all layers; inference can free each output once the next layer is computed,
# so it needs only the largest pair of consecutive layers. GoogLeNet and ResNet end with global average
# pooling and a single classifier layer instead of large fully connected layers, which removes most of
# the parameters.

# %% [markdown] nbgrader={"grade": false, "grade_id": "outro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Handing in
#
# Save this notebook, and hand it in **together with `lenet5.keras`** (the file the training cell saved
# next to it). Both files, same folder, nothing else needed.
