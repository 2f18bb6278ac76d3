# %% [markdown] nbgrader={"grade": false, "grade_id": "intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# # 09 · Training well
#
# **25 points · about 150 minutes, plus about 10 minutes of training · hand in: this notebook and
# `regularised_cnn.keras`.**
#
# The lecture on training CNNs gives a toolbox: batch normalisation, dropout and L2 weight decay,
# optimizers beyond plain SGD, data augmentation, and two sanity checks to run before any long training.
# You will write batch normalisation, dropout, the L2 penalty and the SGD-with-momentum update yourself
# (numpy, checked against Keras), choose augmentations with Keras's preprocessing layers and look at
# them, build the lecture's Fashion-MNIST network with all of it, write the two sanity checks as
# functions, compare SGD with momentum, RMSprop and Adam on one model, train the regularised network, and
# measure what augmentation did.
#
# **How this notebook is graded.** Each question has a test cell: its visible checks run now and tell
# you what is wrong and why; hidden checks on other inputs run when the notebook is graded. Questions
# 1–4 and 9 ask for **numpy only**: answers that use Keras, TensorFlow or cnnkit there score zero for that
# question. The training cell saves the trained network as `regularised_cnn.keras` **next to this notebook
# — hand that file in together with the notebook.** The grader never retrains: it loads your
# `regularised_cnn.keras`, checks that it is the network this notebook builds, and measures its accuracy
# on the 10,000 Fashion-MNIST test images. The pass mark is **82.5%**, calibrated by training the
# reference solution with three seeds (their lowest accuracy minus a 3-point margin). The comparisons
# (optimizers, augmentation) train only in your own run and are skipped while grading. The last question
# is an explanation in your own words, graded by a person.

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
import logging
import math
import os

import keras
import numpy as np
from keras import layers, regularizers

from cnnkit import analysis
from cnnkit.checks import (GradingError, check_array, check_output_shape, check_param_count, check_value, config,
                           fit_or_load, handin_only, is_autograding, layer_specs, load_status, seed)
from cnnkit.data import class_names, load
from cnnkit.viz import plot_histories, show_images

cfg = config()  # assignment.toml beside this notebook: the training recipe and the file to hand in
MODEL_PATH = "regularised_cnn.keras"  # saved beside this notebook: hand it in with the notebook
# The sanity checks build and run many small models in a row: TensorFlow would warn (on stderr) that it
# traces each one's predict function anew, which is expected here.
logging.getLogger("tensorflow").setLevel(logging.ERROR)

# %% nbgrader={"grade": false, "grade_id": "data", "locked": true, "schema_version": 3, "solution": false, "task": false}
(x_train, y_train), (x_test, y_test) = load("fashion_mnist")
x_train, x_test = x_train.astype("float32") / 255, x_test.astype("float32") / 255  # (N, 28, 28, 1) in [0, 1]
CLASSES = class_names("fashion_mnist")
print("train:", x_train.shape, " test:", x_test.shape)

# %% [markdown] nbgrader={"grade": false, "grade_id": "bn-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 1. Batch normalisation, training mode (3 points)
#
# The lecture's recipe, for each activation over a mini-batch $x^{(1)}, \dots, x^{(m)}$:
#
# $$\mu = \frac{1}{m}\sum_i x^{(i)}, \qquad \sigma^2 = \frac{1}{m}\sum_i \big(x^{(i)} - \mu\big)^2, \qquad
# \hat x^{(i)} = \frac{x^{(i)} - \mu}{\sqrt{\sigma^2 + \epsilon}}, \qquad y^{(i)} = \gamma\,\hat x^{(i)} + \beta .$$
#
# - For convolutional features of shape $(N, H, W, C)$ "each activation" means **each channel**: the
#   statistics are taken over the batch *and* all positions, i.e. over every axis but the last, and
#   $\gamma, \beta$ have one value per channel. For dense features $(N, C)$ that is just the batch axis.
# - $\sigma^2$ divides by $m$ (the *biased* variance, numpy's default `ddof=0`), and $\epsilon$ goes
#   **inside** the square root (Keras's default $\epsilon = 0.001$).
# - During training the layer also keeps **moving statistics** for inference, updated after each batch:
#   $$\mu_{\text{moving}} \leftarrow \text{momentum}\cdot\mu_{\text{moving}} + (1 - \text{momentum})\cdot\mu,
#   \qquad \sigma^2_{\text{moving}} \leftarrow \text{momentum}\cdot\sigma^2_{\text{moving}} + (1 - \text{momentum})\cdot\sigma^2 .$$
#   In Keras `momentum` (default 0.99) is the weight of the **old** value — PyTorch's `momentum=0.1` is the
#   weight of the new one, the opposite convention — and the moving variance is updated with the same
#   biased $\sigma^2$.
#
# **Q1.** With **numpy only**, write `batch_norm_train(x, gamma, beta, moving_mean, moving_var,
# momentum=0.99, epsilon=1e-3)` returning `(y, new_moving_mean, new_moving_var)`, for `x` of shape
# `(N, C)` or `(N, H, W, C)`.

# %% nbgrader={"grade": false, "grade_id": "batch_norm_train", "locked": false, "schema_version": 3, "solution": true, "task": false}
def batch_norm_train(x, gamma, beta, moving_mean, moving_var, momentum=0.99, epsilon=1e-3):
    ### BEGIN SOLUTION
    x = np.asarray(x, dtype=float)
    axes = tuple(range(x.ndim - 1))
    mean, var = x.mean(axis=axes), x.var(axis=axes)
    y = gamma * (x - mean) / np.sqrt(var + epsilon) + beta
    new_mean = momentum * np.asarray(moving_mean) + (1 - momentum) * mean
    new_var = momentum * np.asarray(moving_var) + (1 - momentum) * var
    return y, new_mean, new_var
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_batch_norm_train", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
def _keras_bn(x, gamma, beta, mean, var, momentum=0.99, epsilon=1e-3, training=True):
    """keras.layers.BatchNormalization with these weights: (y, its moving mean, its moving variance) after the call."""
    bn = layers.BatchNormalization(momentum=momentum, epsilon=epsilon)
    bn.build(x.shape)
    bn.set_weights([np.asarray(w, "float32") for w in (gamma, beta, mean, var)])
    y = keras.ops.convert_to_numpy(bn(x, training=training))
    return y, keras.ops.convert_to_numpy(bn.moving_mean), keras.ops.convert_to_numpy(bn.moving_variance)


def _answer(result, what):
    if not (isinstance(result, (tuple, list)) and len(result) == 3):
        raise GradingError(what, "a tuple (y, new_moving_mean, new_moving_var)", type(result).__name__,
                           "return all three: the output and both updated moving statistics")
    return [np.asarray(r, dtype=float) for r in result]


rng = np.random.default_rng(4)
x = rng.normal(3.0, 2.0, size=(8, 5)).astype("float32")
gamma, beta = rng.uniform(0.5, 2.0, 5).astype("float32"), rng.normal(0.0, 1.0, 5).astype("float32")
mean0, var0 = rng.normal(0.0, 1.0, 5).astype("float32"), rng.uniform(0.5, 2.0, 5).astype("float32")
y, new_mean, new_var = _answer(batch_norm_train(x, gamma, beta, mean0, var0, momentum=0.9), "batch_norm_train(...)")
want_y, want_mean, want_var = _keras_bn(x, gamma, beta, mean0, var0, momentum=0.9)
# The usual mistakes, each computed with Keras too:
mu, var = (keras.ops.convert_to_numpy(t) for t in keras.ops.moments(x, axes=[0]))  # the batch statistics
m = x.shape[0]
as_layer_norm = layers.LayerNormalization(epsilon=1e-3)
as_layer_norm.build(x.shape)
as_layer_norm.set_weights([gamma, beta])
check_array(y, want_y, "batch_norm_train: y (dense features, 8 examples × 5)", atol=1e-4,
            why="normalise with the batch's own mean and biased variance: (x − μ)/√(σ² + ε), then γ·x̂ + β",
            mistakes=[(_keras_bn(x, gamma, beta, mean0, var0, training=False)[0],
                       "normalising with the moving statistics (that is inference mode)"),
                      (_keras_bn(x, gamma, beta, mu, var * m / (m - 1), training=False)[0],
                       "the unbiased variance (ddof=1; Keras divides by m)"),
                      (_keras_bn(x, gamma, beta, mu, (np.sqrt(var) + 1e-3) ** 2 - 1e-3, training=False)[0],
                       "√σ² + ε (ε belongs inside the square root)"),
                      (keras.ops.convert_to_numpy(as_layer_norm(x)),
                       "normalising each example over its features (that is layer normalisation: use the batch axis)"),
                      (_keras_bn(x, np.ones(5), np.zeros(5), mean0, var0)[0], "leaving out γ and β")])
check_array(new_mean, want_mean, "batch_norm_train: new moving mean (momentum 0.9)", atol=1e-5,
            why="momentum · old + (1 − momentum) · batch mean",
            mistakes=[(_keras_bn(x, gamma, beta, mean0, var0, momentum=0.1)[1],
                       "the weights swapped (PyTorch's convention: Keras's momentum weighs the OLD value)"),
                      (mu, "replacing the moving mean by the batch mean (no averaging)")])
check_array(new_var, want_var, "batch_norm_train: new moving variance (momentum 0.9)", atol=1e-5,
            why="momentum · old + (1 − momentum) · biased batch variance",
            mistakes=[(0.9 * var0 + 0.1 * var * m / (m - 1), "the unbiased variance (ddof=1)"),
                      (_keras_bn(x, gamma, beta, mean0, var0, momentum=0.1)[2], "the weights swapped")])
# Convolutional features: one mean and variance per channel, over the batch AND every position.
x4 = rng.normal(1.0, 3.0, size=(4, 3, 3, 2)).astype("float32")
g2, b2, m2, v2 = np.array([1.5, 0.5]), np.array([0.2, -0.3]), np.zeros(2), np.ones(2)
y4, mean4, var4 = _answer(batch_norm_train(x4, g2, b2, m2, v2), "batch_norm_train(x of shape (4, 3, 3, 2))")
per_position = _keras_bn(x4.reshape(4, -1), np.tile(g2, 9), np.tile(b2, 9), np.zeros(18), np.ones(18))[0].reshape(x4.shape)
check_array(y4, _keras_bn(x4, g2, b2, m2, v2)[0], "batch_norm_train: y for (N, H, W, C) features", atol=1e-4,
            why="statistics per channel over N, H and W (every axis but the last)",
            mistakes=[(per_position, "statistics over the batch axis only (each pixel position separately)")])
check_array(mean4, _keras_bn(x4, g2, b2, m2, v2)[1], "batch_norm_train: moving mean for (N, H, W, C) features",
            atol=1e-5, why="one value per channel: shape (C,)")
### BEGIN HIDDEN TESTS
# Other momentum and ε, more examples, a 4-d batch with 3 channels; the inputs must stay unchanged.
x = rng.normal(-2.0, 0.5, size=(32, 7)).astype("float32")
gamma, beta = rng.uniform(0.5, 2.0, 7), rng.normal(0.0, 1.0, 7)
mean0, var0 = rng.normal(0.0, 1.0, 7), rng.uniform(0.5, 2.0, 7)
kept = mean0.copy(), var0.copy()
got = _answer(batch_norm_train(x, gamma, beta, mean0, var0, momentum=0.95, epsilon=1e-5), "batch_norm_train")
for g, w, what in zip(got, _keras_bn(x, gamma, beta, mean0, var0, momentum=0.95, epsilon=1e-5),
                      ["y", "moving mean", "moving variance"]):
    check_array(g, w, f"batch_norm_train (32 × 7, momentum 0.95, ε = 1e-5): {what}", atol=1e-4)
x4 = rng.normal(0.5, 1.0, size=(2, 5, 4, 3)).astype("float32")
g3, b3, m3, v3 = rng.uniform(0.5, 2.0, 3), rng.normal(0.0, 1.0, 3), rng.normal(0.0, 1.0, 3), rng.uniform(0.5, 2.0, 3)
for g, w, what in zip(_answer(batch_norm_train(x4, g3, b3, m3, v3), "batch_norm_train"), _keras_bn(x4, g3, b3, m3, v3),
                      ["y", "moving mean", "moving variance"]):
    check_array(g, w, f"batch_norm_train (2 × 5 × 4 × 3): {what}", atol=1e-4)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "bn-inference-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 2. Batch normalisation, inference mode (2 points)
#
# At test time there is often just one image, so no batch statistics: the layer normalises with the
# moving statistics it estimated during training, and changes nothing else:
# $y = \gamma\,(x - \mu_{\text{moving}})/\sqrt{\sigma^2_{\text{moving}} + \epsilon} + \beta$.
# (This is why the lecture warns to take care of the mode: Keras switches with `training=True/False`,
# PyTorch with `model.train()`/`model.eval()`.)
#
# **Q2.** With **numpy only**, write `batch_norm_inference(x, gamma, beta, moving_mean, moving_var,
# epsilon=1e-3)` returning `y`.

# %% nbgrader={"grade": false, "grade_id": "batch_norm_inference", "locked": false, "schema_version": 3, "solution": true, "task": false}
def batch_norm_inference(x, gamma, beta, moving_mean, moving_var, epsilon=1e-3):
    ### BEGIN SOLUTION
    return gamma * (np.asarray(x, dtype=float) - moving_mean) / np.sqrt(moving_var + epsilon) + beta
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_batch_norm_inference", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
def _keras_bn_inference(x, gamma, beta, mean, var, epsilon=1e-3, training=False):
    bn = layers.BatchNormalization(epsilon=epsilon)
    bn.build(x.shape)
    bn.set_weights([np.asarray(w, "float32") for w in (gamma, beta, mean, var)])
    return keras.ops.convert_to_numpy(bn(x, training=training))


rng = np.random.default_rng(5)
gamma, beta = rng.uniform(0.5, 2.0, 4).astype("float32"), rng.normal(0.0, 1.0, 4).astype("float32")
mean0, var0 = rng.normal(0.0, 1.0, 4).astype("float32"), rng.uniform(0.01, 0.1, 4).astype("float32")
x = rng.normal(0.0, 1.0, size=(6, 4)).astype("float32")
mu, var = (keras.ops.convert_to_numpy(t) for t in keras.ops.moments(x, axes=[0]))
check_array(batch_norm_inference(x, gamma, beta, mean0, var0), _keras_bn_inference(x, gamma, beta, mean0, var0),
            "batch_norm_inference: y (6 × 4)", atol=1e-4,
            why="inference uses the moving statistics: γ·(x − μ_moving)/√(σ²_moving + ε) + β",
            mistakes=[(_keras_bn_inference(x, gamma, beta, mean0, var0, training=True),
                       "normalising with the batch's statistics (that is training mode)"),
                      (_keras_bn_inference(x, gamma, beta, mean0, (np.sqrt(var0) + 1e-3) ** 2 - 1e-3),
                       "√σ² + ε (ε belongs inside the square root)"),
                      (_keras_bn_inference(x, gamma, beta, mean0, var0, epsilon=1e-12), "leaving out ε"),
                      (_keras_bn_inference(x, gamma, beta, mean0, (var0 + 1e-3) ** 2 - 1e-3),
                       "dividing by the variance, not its square root")])
one = x[:1]  # a single image: its own "batch statistics" would make every output β
check_array(batch_norm_inference(one, gamma, beta, mean0, var0), _keras_bn_inference(one, gamma, beta, mean0, var0),
            "batch_norm_inference of a single example", atol=1e-4,
            why="one example has no batch statistics worth the name: inference must use the moving ones",
            mistakes=[(np.broadcast_to(beta, one.shape), "normalising with the batch's statistics (every output is β)")])
### BEGIN HIDDEN TESTS
x4 = rng.normal(0.0, 2.0, size=(3, 4, 4, 4)).astype("float32")
check_array(batch_norm_inference(x4, gamma, beta, mean0, var0, epsilon=1e-5),
            _keras_bn_inference(x4, gamma, beta, mean0, var0, epsilon=1e-5),
            "batch_norm_inference (3 × 4 × 4 × 4, ε = 1e-5)", atol=1e-3)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "dropout-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 3. Dropout (2 points)
#
# Dropout sets each activation to zero with probability $p$ (the `rate`), a new random choice at every
# training step, so that neurons cannot rely on specific other neurons. Keras (like PyTorch) implements
# **inverted dropout**: the activations it keeps are divided by $1 - p$ during training, so their expected
# value is unchanged and **inference does nothing at all** (no rescaling at test time).
#
# **Q3.** With **numpy only**, write `dropout(x, rate, training, rng)`: in training, zero each entry with
# probability `rate` (draw the mask with `rng.random(x.shape)`, `rng` is a `np.random.Generator`) and
# scale the others by $1/(1 - \text{rate})$; in inference return `x` unchanged.

# %% nbgrader={"grade": false, "grade_id": "dropout", "locked": false, "schema_version": 3, "solution": true, "task": false}
def dropout(x, rate, training, rng):
    ### BEGIN SOLUTION
    x = np.asarray(x, dtype=float)
    if not training or rate == 0:
        return x
    keep = rng.random(x.shape) >= rate
    return np.where(keep, x / (1.0 - rate), 0.0)
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_dropout", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
x = np.ones((200, 500))
check_array(dropout(x[:3], 0.5, False, np.random.default_rng(0)), x[:3], "dropout in inference mode",
            why="inverted dropout does nothing at inference",
            mistakes=[(x[:3] * 0.5, "scaling by (1 − p) at inference (old-style dropout; Keras scales during training)")])
out = np.asarray(dropout(x, 0.3, True, np.random.default_rng(1)), dtype=float)
check_output_shape(out, x.shape, "dropout(x, 0.3, training=True)")
check_value(round(float(np.mean(out == 0)), 2), 0.3, "fraction of entries dropped with rate 0.3", rel_tol=0.05,
            why="`rate` is the probability of DROPPING an entry (Keras's rate, the lecture's p)",
            mistakes={0.7: "keeping entries with probability `rate` instead of dropping them"})
keras_kept = float(np.max(keras.ops.convert_to_numpy(layers.Dropout(0.3)(x[:4], training=True))))  # Keras's scale
check_value(round(float(out.max()), 6), round(keras_kept, 6), "value of a kept entry of ones, rate 0.3",
            why="inverted dropout scales what it keeps by 1/(1 − p) = 1/0.7",
            mistakes={1.0: "not scaling the kept entries by 1/(1 − p)", 0.7: "multiplying by (1 − p) instead of dividing"})
again = np.asarray(dropout(x, 0.3, True, np.random.default_rng(1)), dtype=float)
assert np.array_equal(out, again), "dropout: the same rng seed must give the same mask — draw it with rng.random(x.shape)"
check_array(dropout(x[:3], 0.0, True, np.random.default_rng(0)), x[:3], "dropout with rate 0 in training",
            why="nothing dropped, nothing scaled")
### BEGIN HIDDEN TESTS
z = np.random.default_rng(7).normal(2.0, 1.0, size=(40, 30, 20))
d = np.asarray(dropout(z, 0.2, True, np.random.default_rng(3)), dtype=float)
check_value(round(float(np.mean(d == 0)), 2), 0.2, "fraction dropped (rate 0.2, 3-d input)", rel_tol=0.1)
kept_mask = d != 0
check_array(d[kept_mask], z[kept_mask] / 0.8, "kept entries (rate 0.2)", atol=1e-9)
check_value(round(float(d.mean()), 1), round(float(z.mean()), 1), "mean after dropout", rel_tol=0.05,
            why="inverted dropout keeps the expected value")
assert not np.array_equal(d, np.asarray(dropout(z, 0.2, True, np.random.default_rng(4)))), \
    "dropout: a different rng must give a different mask"
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "l2-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 4. The L2 penalty (1 point)
#
# L2 regularisation ("weight decay") adds to the loss a term that grows with the weights:
# $\mathcal{L} \leftarrow \mathcal{L} + a \sum_i w_i^2$, with a small strength $a$ (the lecture: of the order
# of $10^{-4}$). The lecture also writes the penalty per weight as $\frac12 a w^2$ — the same idea with $a$
# scaled by 2; Keras's `regularizers.L2(a)` adds $a \sum w^2$, without the ½, and in Keras it is attached to
# the layers whose weights it penalises (`kernel_regularizer=...`), which then appear in `model.losses`.
#
# **Q4.** With **numpy only**, write `l2_penalty(weights, strength)`: $a\sum w^2$ over every entry of every
# array in the list `weights`.

# %% nbgrader={"grade": false, "grade_id": "l2_penalty", "locked": false, "schema_version": 3, "solution": true, "task": false}
def l2_penalty(weights, strength):
    ### BEGIN SOLUTION
    return float(strength * sum(np.sum(np.square(np.asarray(w, dtype=float))) for w in weights))
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_l2_penalty", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
rng = np.random.default_rng(6)
kernels = [rng.normal(size=(5, 5, 1, 4)), rng.normal(size=(36, 10))]
want = float(sum(keras.ops.convert_to_numpy(regularizers.L2(1e-3)(k.astype("float32"))) for k in kernels))
check_value(l2_penalty(kernels, 1e-3), want, "l2_penalty(two kernels, 1e-3)", rel_tol=1e-5,
            why="a · Σ w² over every entry of every array — what keras.regularizers.L2(a) adds",
            mistakes={want / 2: "the ½ (Keras's L2(a) adds a·Σw²)",
                      1e-3 * sum(float(np.sqrt(np.sum(k ** 2))) for k in kernels): "the norm (square root) instead of the sum of squares",
                      1e-3 * float(np.mean(np.concatenate([k.ravel() ** 2 for k in kernels]))): "a mean instead of a sum",
                      1e-3 * float(np.sum(kernels[0] ** 2)): "only the first array"})
# The same number as the penalties Keras collects in model.losses:
inputs = keras.Input(shape=(6,))
net = keras.Model(inputs, layers.Dense(3, kernel_regularizer=regularizers.L2(0.01))(
    layers.Dense(4, kernel_regularizer=regularizers.L2(0.01))(inputs)))
check_value(l2_penalty([l.kernel for l in net.layers[1:]], 0.01),
            float(sum(keras.ops.convert_to_numpy(t) for t in net.losses)), "l2_penalty of a model's kernels",
            rel_tol=1e-5, why="model.losses holds a·Σw² for each regularised kernel")
### BEGIN HIDDEN TESTS
w = [np.arange(6.0).reshape(2, 3), np.array([-1.5, 2.0])]
check_value(l2_penalty(w, 0.5), 0.5 * (55.0 + 6.25), "l2_penalty([0..5, (-1.5, 2)], 0.5)", rel_tol=1e-9)
check_value(l2_penalty([], 0.1), 0.0, "l2_penalty of no weights", rel_tol=1e-9)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "augment-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 5. Data augmentation (2 points)
#
# The lecture's augmentations — random rotations (e.g. within ±20°), scaling, translations, colour and
# contrast changes — make new training images that keep their label; they are **just for training**.
# Keras has them as preprocessing layers that transform only when `training=True` and pass the images
# through unchanged otherwise, so they can sit at the front of the model.
#
# Choose augmentations that produce images the test set could contain. Fashion-MNIST images are grey,
# centred and upright, and all the footwear points the same way (toe to the left, see below) — so no flips
# here: a mirrored sneaker is an image the test set never shows. Use, in this order:
#
# - `layers.RandomTranslation(0.1, 0.1)` — shifts of up to ±10% of the height and width (±2.8 pixels);
# - `layers.RandomRotation(...)` for rotations of up to **±10°**: its `factor` is a fraction of a full
#   turn (2π), not degrees;
# - `layers.RandomZoom(0.1)` — zooms in or out by up to 10%.
#
# **Q5.** Write `augmentation()` returning a `keras.Sequential` of these three layers, named
# `"augmentation"`.

# %% nbgrader={"grade": false, "grade_id": "augmentation", "locked": false, "schema_version": 3, "solution": true, "task": false}
def augmentation():
    ### BEGIN SOLUTION
    return keras.Sequential([layers.RandomTranslation(0.1, 0.1), layers.RandomRotation(10 / 360),
                             layers.RandomZoom(0.1)], name="augmentation")
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_augmentation", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
try:
    aug = augmentation()
except ValueError as exc:
    if "factor" not in str(exc):
        raise
    raise GradingError("augmentation()", "a Sequential of three preprocessing layers", f"ValueError: {exc}",
                       "a factor outside [−1, 1]: RandomRotation's factor is a fraction of a full turn (10° = 10/360, "
                       "not 10 degrees) and RandomTranslation's a fraction of the size (0.1, not pixels)") from None
batch = x_train[:16]
check_array(aug(batch, training=False), batch, "augmentation(images, training=False)", atol=1e-6,
            why="augmentation is just for training: at inference the images pass through unchanged")
moved = keras.ops.convert_to_numpy(aug(batch, training=True))
check_output_shape(moved, batch.shape, "augmentation(images, training=True)", why="same size: 28×28×1")
assert not np.allclose(moved, batch, atol=1e-3), "augmentation(training=True) returned the images unchanged"
kinds = [type(l).__name__ for l in aug.layers]
check_value(kinds, ["RandomTranslation", "RandomRotation", "RandomZoom"], "augmentation's layers",
            why="translation, rotation, zoom — in this order (the grader compares the trained network layer by layer)",
            mistakes={("RandomFlip", "RandomTranslation", "RandomRotation", "RandomZoom"):
                      "a flip (Fashion-MNIST footwear always points left: a mirrored shoe never appears in the test set)"})
factor = aug.layers[1].get_config()["factor"]
factor = max(abs(float(f)) for f in factor) if isinstance(factor, (list, tuple)) else abs(float(factor))
check_value(factor, 10 / 360, "RandomRotation factor for ±10°", rel_tol=1e-6,
            why="Keras's factor is a fraction of a full turn: 10° = 10/360",
            mistakes={math.radians(10): "radians",
                      20 / 360: "±20° (the lecture's example range; use ±10° here)"})
config = aug.layers[0].get_config()
check_value((config["height_factor"], config["width_factor"]), (0.1, 0.1), "RandomTranslation factors",
            why="fractions of the height and width: ±10%")
check_value(aug.layers[2].get_config()["height_factor"], 0.1, "RandomZoom height_factor", why="±10%")
check_value(aug.name, "augmentation", "the Sequential's name", why='keras.Sequential([...], name="augmentation")')
### BEGIN HIDDEN TESTS
a, b = (keras.ops.convert_to_numpy(aug(batch, training=True)) for _ in range(2))
assert not np.allclose(a, b), "augmentation: two training calls gave the same images — it must be random each time"
check_value(float(np.round(a.min(), 3)) >= -1e-3 and float(a.max()) <= 1 + 1e-3, True,
            "augmented pixels stay in [0, 1]")
### END HIDDEN TESTS

# %% nbgrader={"grade": false, "grade_id": "augment-show", "locked": true, "schema_version": 3, "solution": false, "task": false}
# Footwear first (toe to the left in every image), then eight random augmentations of one ankle boot.
shoes = np.concatenate([np.where(y_train == c)[0][:4] for c in (5, 7, 9)])  # sandal, sneaker, ankle boot
display(show_images(x_train[shoes], y_train[shoes], CLASSES, n=12, cols=12))
boot = np.repeat(x_train[shoes[-1:]], 8, axis=0)
display(show_images(keras.ops.convert_to_numpy(augmentation()(boot, training=True)), n=8, cols=8))

# %% [markdown] nbgrader={"grade": false, "grade_id": "model-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 6. The regularised network (2 points)
#
# The lecture's Fashion-MNIST network (conv 16 5×5 "same" → BN → ReLU → max-pool 2; conv 32 5×5 "same" →
# BN → ReLU → max-pool 2; flatten; dense 10 softmax, 29,130 parameters), now with the toolbox:
#
# - your `augmentation()` first, right after the input (when `augment=True`);
# - L2 with strength `l2` on the kernels of both convolutions and of the dense layer
#   (`kernel_regularizer=regularizers.L2(l2)`; none when `l2=0`);
# - `layers.Dropout(dropout_rate)` between the flatten and the dense layer — the lecture: usually before the
#   last fully connected layer(s) (none when `dropout_rate=0`);
# - `layers.BatchNormalization(momentum=0.9)`. Why not Keras's default 0.99? After $n$ training steps the
#   moving statistics still carry $\text{momentum}^n$ of their starting values (mean 0, variance 1). The
#   first convolution's outputs here have variances of a few hundredths, so even $0.99^{300} \approx 0.05$
#   of the starting 1 swamps them and the network predicts nonsense in inference mode after a short
#   training; with 0.9 the start is forgotten within ~50 steps. The comparisons below train only a few
#   hundred steps.
#
# Build it with the functional API from `keras.Input(shape=(28, 28, 1))`, with `layers.ReLU()`,
# `layers.MaxPooling2D(2)`, `layers.Flatten()` and `layers.Dense(10, activation="softmax")`.
#
# **Q6.** Write `build_model(dropout_rate=0.3, l2=1e-4, augment=True)`.

# %% nbgrader={"grade": false, "grade_id": "build_model", "locked": false, "schema_version": 3, "solution": true, "task": false}
def build_model(dropout_rate=0.3, l2=1e-4, augment=True):
    ### BEGIN SOLUTION
    reg = regularizers.L2(l2) if l2 else None
    inputs = keras.Input(shape=(28, 28, 1))
    x = augmentation()(inputs) if augment else inputs
    for filters in (16, 32):
        x = layers.Conv2D(filters, 5, padding="same", kernel_regularizer=reg)(x)
        x = layers.BatchNormalization(momentum=0.9)(x)
        x = layers.ReLU()(x)
        x = layers.MaxPooling2D(2)(x)
    x = layers.Flatten()(x)
    if dropout_rate:
        x = layers.Dropout(dropout_rate)(x)
    outputs = layers.Dense(10, activation="softmax", kernel_regularizer=reg)(x)
    return keras.Model(inputs, outputs)
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_build_model", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
full = build_model()
lecture = (analysis.conv2d_params(5, 1, 16) + analysis.conv2d_params(5, 16, 32) + analysis.dense_params(7 * 7 * 32, 10)
           + analysis.batch_norm_params(16)["total"] + analysis.batch_norm_params(32)["total"])  # 29,130
check_param_count(full, lecture, "build_model() parameters",
                  mistakes={lecture - 16 - 32: "use_bias=False in the convolutions (this network keeps the biases)"})
check_output_shape(full, (10,), "build_model() output")
kinds = [s.kind for s in layer_specs(full)]
check_value(kinds, ["RandomTranslation", "RandomRotation", "RandomZoom", "Conv2D", "BatchNormalization", "ReLU",
                    "MaxPooling2D", "Conv2D", "BatchNormalization", "ReLU", "MaxPooling2D", "Flatten", "Dropout",
                    "Dense"], "build_model()'s layers",
            why="augmentation → (conv → BN → ReLU → pool) × 2 → flatten → dropout → dense",
            mistakes={("RandomTranslation", "RandomRotation", "RandomZoom", "Conv2D", "BatchNormalization", "ReLU",
                       "MaxPooling2D", "Conv2D", "BatchNormalization", "ReLU", "MaxPooling2D", "Flatten", "Dense",
                       "Dropout"): "dropout after the classifier (it goes before the last dense layer)",
                      ("Conv2D", "BatchNormalization", "ReLU", "MaxPooling2D", "Conv2D", "BatchNormalization", "ReLU",
                       "MaxPooling2D", "Flatten", "Dropout", "Dense"): "leaving out the augmentation"})
momenta = [l.momentum for l in full.layers if isinstance(l, layers.BatchNormalization)]
check_value(momenta, [0.9, 0.9], "the BatchNormalization momenta", mistakes={(0.99, 0.99): "Keras's default 0.99"},
            why="momentum=0.9: the moving statistics forget their start within ~50 steps")
penalised = [type(l).__name__ for l in full.layers if getattr(l, "kernel_regularizer", None) is not None]
check_value(penalised, ["Conv2D", "Conv2D", "Dense"], "layers with an L2 kernel_regularizer",
            why="both convolutions and the dense layer: kernel_regularizer=regularizers.L2(l2)")
check_value(float(sum(keras.ops.convert_to_numpy(t) for t in full.losses)),
            l2_penalty([l.kernel for l in full.layers if getattr(l, "kernel_regularizer", None) is not None], 1e-4),
            "the model's L2 penalty (l2 = 1e-4)", rel_tol=1e-4, why="a · Σ w² over the three kernels")
bare = build_model(dropout_rate=0.0, l2=0.0, augment=False)
check_value([s.kind for s in layer_specs(bare)], ["Conv2D", "BatchNormalization", "ReLU", "MaxPooling2D", "Conv2D",
                                                  "BatchNormalization", "ReLU", "MaxPooling2D", "Flatten", "Dense"],
            "build_model(dropout_rate=0, l2=0, augment=False)'s layers",
            why="no augmentation, no dropout layer when the rate is 0")
check_value(len(bare.losses), 0, "build_model(l2=0): number of penalties", why="no regulariser when l2 = 0")
### BEGIN HIDDEN TESTS
from cnnkit.checks import check_built_from, compare_architecture


def _reference(dropout_rate, l2, augment):
    reg = regularizers.L2(l2) if l2 else None
    inputs = keras.Input(shape=(28, 28, 1))
    x = inputs
    if augment:
        x = keras.Sequential([layers.RandomTranslation(0.1, 0.1), layers.RandomRotation(10 / 360),
                              layers.RandomZoom(0.1)])(x)
    for filters in (16, 32):
        x = layers.Conv2D(filters, 5, padding="same", kernel_regularizer=reg)(x)
        x = layers.MaxPooling2D(2)(layers.ReLU()(layers.BatchNormalization(momentum=0.9)(x)))
    x = layers.Flatten()(x)
    if dropout_rate:
        x = layers.Dropout(dropout_rate)(x)
    return keras.Model(inputs, layers.Dense(10, activation="softmax", kernel_regularizer=reg)(x))


for args in [(0.5, 1e-3, True), (0.2, 0.0, False)]:
    mine = build_model(*args)
    compare_architecture(mine, _reference(*args)).assert_ok()
    check_value([l.rate for l in mine.layers if isinstance(l, layers.Dropout)], [args[0]], f"build_model{args}: dropout rate")
    check_value([float(l.kernel_regularizer.l2) for l in mine.layers if getattr(l, "kernel_regularizer", None)],
                [args[1]] * 3 if args[1] else [], f"build_model{args}: L2 strengths", rel_tol=1e-6)
    check_built_from(mine, forbid=("cnnkit.layers", "cnnkit.models", "keras.applications"), what="build_model")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "initial-loss-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 7. Sanity check 1: the initial loss (2 points)
#
# From the lecture's best practices: *make sure the initial loss has a reasonable value.* An untrained
# network that has learnt nothing should give every one of the $C$ classes about the same probability
# $1/C$, so its cross-entropy $-\ln p_{\text{label}}$ should be about $-\ln(1/C) = \ln C$ — for 10 classes
# $\ln 10 \approx 2.303$. Much higher means over-confident wrong predictions from a bad initialisation;
# much lower before any training means something leaks the labels.
#
# Measure the **data loss only**: the mean sparse categorical cross-entropy of `model.predict(x)` (inference
# mode: no dropout, no augmentation) against `y`. Not `model.evaluate`: it adds the L2 penalties of
# `model.losses` and needs a compiled model. Take $C$ from the model's output size.
#
# **Q7.** Write `initial_loss_ok(model, x, y, tolerance=0.2)` returning `(loss, ok)`: the loss as a float,
# and whether it lies within `tolerance` of $\ln C$ (on either side).

# %% nbgrader={"grade": false, "grade_id": "initial_loss_ok", "locked": false, "schema_version": 3, "solution": true, "task": false}
def initial_loss_ok(model, x, y, tolerance=0.2):
    ### BEGIN SOLUTION
    probs = model.predict(x, verbose=0)
    y = np.asarray(y).reshape(-1)
    loss = float(np.mean(-np.log(np.clip(probs[np.arange(len(y)), y], 1e-12, None))))
    classes = int(model.output.shape[-1])
    return loss, abs(loss - math.log(classes)) <= tolerance
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_initial_loss", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
def _data_loss(model, x, y):
    probs = model.predict(x, verbose=0)
    return float(np.mean(keras.ops.convert_to_numpy(keras.losses.sparse_categorical_crossentropy(y, probs))))


keras.utils.set_random_seed(1)
fresh = build_model(l2=0.01)  # a strong L2 so that model.evaluate's loss differs visibly
fresh.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
xs, ys = x_train[:256], y_train[:256]
result = initial_loss_ok(fresh, xs, ys)
assert isinstance(result, tuple) and len(result) == 2, "initial_loss_ok must return (loss, ok)"
loss, ok = result
want = _data_loss(fresh, xs, ys)
penalty = float(sum(keras.ops.convert_to_numpy(t) for t in fresh.losses))
check_value(float(loss), want, "initial_loss_ok: the loss of an untrained network", rel_tol=1e-3,
            why="mean of −ln p[label] over the examples, from model.predict",
            mistakes={want + penalty: "model.evaluate's loss (it adds the L2 penalties of model.losses)",
                      -want: "the wrong sign (cross-entropy is −ln p, positive)"})
check_value(bool(ok), True, f"initial_loss_ok: ok for a loss of {want:.3f}",
            why=f"|{want:.3f} − ln 10| = {abs(want - math.log(10)):.3f} ≤ 0.2")
# A bad initialisation: the classifier's weights 30 times too large give confident, wrong predictions.
keras.utils.set_random_seed(1)
loud = build_model(augment=False)
dense = loud.layers[-1]
dense.kernel.assign(dense.kernel * 30.0)
loss, ok = initial_loss_ok(loud, xs, ys)
check_value(bool(ok), False, f"initial_loss_ok: ok for an over-confident network (loss {float(loss):.2f})",
            why=f"{float(loss):.2f} is far above ln 10 ≈ 2.303: this initialisation needs fixing before training")
### BEGIN HIDDEN TESTS
# Four classes: ln 4 ≈ 1.386, not ln 10 — and a loss far BELOW ln C before training is not ok either.
inputs = keras.Input(shape=(28, 28, 1))
four = keras.Model(inputs, layers.Dense(4, activation="softmax")(layers.Flatten()(inputs) * 0.0))
loss, ok = initial_loss_ok(four, xs, ys % 4)
check_value(float(loss), math.log(4), "initial_loss_ok: loss of a uniform 4-class model", rel_tol=1e-4)
check_value(bool(ok), True, "initial_loss_ok: ok for a uniform 4-class model", why="ln C with C = 4 outputs")
sure = keras.Model(inputs, layers.Dense(10, activation="softmax", kernel_initializer="zeros",
                                        bias_initializer=keras.initializers.Constant([20.0] + [0.0] * 9))(
    layers.Flatten()(inputs)))
loss, ok = initial_loss_ok(sure, xs, np.zeros(len(xs), dtype=int))
check_value(bool(ok), False, f"initial_loss_ok: ok for a loss of {float(loss):.4f} before training",
            why="the check is two-sided: |loss − ln C| ≤ tolerance (a near-zero start means leaked labels)")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "overfit-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 8. Sanity check 2: overfit a tiny subset (2 points)
#
# The lecture again: *overfit a small subset of data; turn off regularisation; achieve training error
# close to zero on a tiny set* — a network that cannot even learn 50 images by heart has a bug.
#
# **Q8.** Write `overfits_tiny_subset(build_fn, x, y, steps=100, learning_rate=1e-3)` returning
# `(accuracy, ok)`:
#
# 1. build a fresh model with `build_fn()` (the caller passes a builder with the regularisation turned off);
# 2. compile it with `keras.optimizers.Adam(learning_rate)`, the sparse categorical cross-entropy and the
#    accuracy metric;
# 3. take `steps` training steps on the whole tiny set — e.g. `model.train_on_batch(x, y)` in a loop (much
#    faster than `fit` with one epoch per step);
# 4. measure the accuracy on the same `x` with `model.predict` (inference mode — not the accuracy of the
#    last training step, which ran in training mode before the last update);
# 5. `ok` is whether that accuracy is at least 0.99 (all 50 of 50).
#
# It should take a few seconds.

# %% nbgrader={"grade": false, "grade_id": "overfits_tiny_subset", "locked": false, "schema_version": 3, "solution": true, "task": false}
def overfits_tiny_subset(build_fn, x, y, steps=100, learning_rate=1e-3):
    ### BEGIN SOLUTION
    model = build_fn()
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    for _ in range(steps):
        model.train_on_batch(x, y)
    accuracy = float(np.mean(model.predict(x, verbose=0).argmax(axis=-1) == np.asarray(y).reshape(-1)))
    return accuracy, accuracy >= 0.99
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_overfit", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
import warnings

built = []


def _plain_builder():
    built.append(build_model(dropout_rate=0.0, l2=0.0, augment=False))
    return built[-1]


keras.utils.set_random_seed(2)
tiny_x, tiny_y = x_train[:50], y_train[:50]
result = overfits_tiny_subset(_plain_builder, tiny_x, tiny_y)
assert isinstance(result, tuple) and len(result) == 2, "overfits_tiny_subset must return (accuracy, ok)"
accuracy, ok = result
check_value(len(built), 1, "models built by overfits_tiny_subset", why="build one fresh model with build_fn()")
measured = float(np.mean(built[0].predict(tiny_x, verbose=0).argmax(-1) == tiny_y))
check_value(round(float(accuracy), 4), round(measured, 4), "overfits_tiny_subset: accuracy on the 50 images",
            why="measure with model.predict on the tiny set after training (inference mode)")
check_value(bool(ok), True, f"overfits_tiny_subset: ok for the lecture's network (accuracy {measured:.2f})",
            why="100 Adam steps on 50 images learn them by heart; ok means accuracy ≥ 0.99")


def _frozen_builder():  # a "bug": nothing in this network can learn
    model = build_model(dropout_rate=0.0, l2=0.0, augment=False)
    model.trainable = False
    return model


with warnings.catch_warnings():  # Keras warns that the frozen network has no trainable weights: that is the point
    warnings.simplefilter("ignore")
    accuracy, ok = overfits_tiny_subset(_frozen_builder, tiny_x, tiny_y, steps=20)
check_value(bool(ok), False, f"overfits_tiny_subset: ok for a network that cannot learn (accuracy {float(accuracy):.2f})",
            why="ok must come from the measured accuracy (≥ 0.99), not be returned regardless")
### BEGIN HIDDEN TESTS
# Another network, other data and classes: 20 random points with 3 random labels, a small dense network.
rng = np.random.default_rng(9)
points, labels = rng.normal(size=(20, 8)).astype("float32"), rng.integers(0, 3, 20)


def _mlp():
    inputs = keras.Input(shape=(8,))
    return keras.Model(inputs, layers.Dense(3, activation="softmax")(layers.Dense(64, activation="relu")(inputs)))


accuracy, ok = overfits_tiny_subset(_mlp, points, labels, steps=300, learning_rate=1e-2)
check_value(bool(ok), True, f"overfits_tiny_subset(MLP, 20 points, 300 steps): ok (accuracy {float(accuracy):.2f})")
accuracy, ok = overfits_tiny_subset(_mlp, points, labels, steps=1, learning_rate=1e-2)
check_value(bool(ok), False, f"overfits_tiny_subset after 1 step: ok (accuracy {float(accuracy):.2f})",
            why="one step cannot learn 20 random labels: the steps argument must be used")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "sgd-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 9. SGD with momentum (2 points)
#
# Plain SGD follows the negative gradient $g_t$ of a mini-batch: $\Delta w_t = -\lambda g_t$. With
# **momentum** it keeps the previous update in memory (the lecture's formula):
#
# $$\Delta w_t = \rho\,\Delta w_{t-1} - \lambda\, g_t, \qquad w_{t+1} = w_t + \Delta w_t ,$$
#
# which accelerates progress along directions where the gradient keeps its sign and damps oscillations.
# The "velocity" here is $\Delta w$ itself — exactly what `keras.optimizers.SGD(momentum=ρ)` stores.
# (PyTorch stores $v = \rho v + g$ and steps $w \leftarrow w - \lambda v$: the same weights with a constant
# learning rate, a differently scaled velocity.)
#
# **Q9.** With **numpy only**, write `sgd_momentum_step(w, grad, velocity, learning_rate=0.01, momentum=0.9)`
# returning `(new_w, new_velocity)`.

# %% nbgrader={"grade": false, "grade_id": "sgd_momentum_step", "locked": false, "schema_version": 3, "solution": true, "task": false}
def sgd_momentum_step(w, grad, velocity, learning_rate=0.01, momentum=0.9):
    ### BEGIN SOLUTION
    velocity = momentum * np.asarray(velocity, dtype=float) - learning_rate * np.asarray(grad, dtype=float)
    return np.asarray(w, dtype=float) + velocity, velocity
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_sgd_momentum", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
def _keras_sgd(w0, grads, learning_rate, momentum):
    """Weights and velocity after keras.optimizers.SGD applies each gradient in turn."""
    var = keras.Variable(np.asarray(w0, "float32"))
    opt = keras.optimizers.SGD(learning_rate=learning_rate, momentum=momentum)
    for g in grads:
        opt.apply_gradients([(keras.ops.convert_to_tensor(np.asarray(g, "float32")), var)])
    velocity = keras.ops.convert_to_numpy(opt.momentums[0]) if momentum else None  # plain SGD keeps none
    return keras.ops.convert_to_numpy(var), velocity


def _run(step, w0, grads, **kwargs):
    w, v = np.asarray(w0, dtype=float), np.zeros(np.shape(w0))
    for g in grads:
        result = step(w, g, v, **kwargs)
        if not (isinstance(result, (tuple, list)) and len(result) == 2):
            raise GradingError("sgd_momentum_step(...)", "a tuple (new_w, new_velocity)", type(result).__name__,
                               "return the new weights and the new velocity")
        w, v = (np.asarray(r, dtype=float) for r in result)
    return w, v


w0 = np.array([1.0, -2.0, 0.5])
grads = [np.array([0.5, -1.0, 2.0]), np.array([0.4, -0.8, -1.0]), np.array([0.3, 0.2, -0.5])]
want_w, want_v = _keras_sgd(w0, grads, 0.1, 0.9)
w, v = _run(sgd_momentum_step, w0, grads, learning_rate=0.1, momentum=0.9)
check_array(w, want_w, "weights after 3 steps (λ = 0.1, ρ = 0.9)", atol=1e-5,
            why="Δw_t = ρ·Δw_{t−1} − λ·g_t, then w ← w + Δw_t (keras.optimizers.SGD(momentum=0.9))",
            mistakes=[(_keras_sgd(w0, grads, 0.1, 0.0)[0], "ignoring the momentum (plain SGD)"),
                      (2 * w0 - _keras_sgd(w0, grads, 0.1, 0.9)[0], "adding the gradient (ascent instead of descent)")])
torch_v = np.zeros(3)
for g in grads:
    torch_v = 0.9 * torch_v + g
check_array(v, want_v, "velocity after 3 steps", atol=1e-5,
            why="the velocity is the last update Δw = ρ·Δw − λ·g (what Keras stores)",
            mistakes=[(torch_v, "PyTorch's velocity v = ρ·v + g (this notebook's velocity is the update itself)")])
### BEGIN HIDDEN TESTS
w0 = np.random.default_rng(11).normal(size=(2, 3))
grads = [np.random.default_rng(12 + i).normal(size=(2, 3)) for i in range(5)]
for lr, rho in [(0.05, 0.5), (0.01, 0.99)]:
    w, v = _run(sgd_momentum_step, w0, grads, learning_rate=lr, momentum=rho)
    want_w, want_v = _keras_sgd(w0, grads, lr, rho)
    check_array(w, want_w, f"weights after 5 steps (λ = {lr}, ρ = {rho})", atol=1e-5)
    check_array(v, want_v, f"velocity after 5 steps (λ = {lr}, ρ = {rho})", atol=1e-5)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "optimizers-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 10. Three optimizers on one model (1 point)
#
# The lecture's summary: adaptive optimizers (RMSprop, Adam — "a safe option") depend less on the
# learning rate; SGD with momentum is often used and, well tuned, converges fast to good values, but needs
# its learning rate tuned and annealed. We compare them on the network without regularisation, all from the
# same initial weights, with their usual learning rates:
#
# - `"sgd"`: `keras.optimizers.SGD(learning_rate=0.01, momentum=0.9)` (Keras's SGD has no momentum unless
#   asked);
# - `"rmsprop"`: `keras.optimizers.RMSprop(learning_rate=0.001)`;
# - `"adam"`: `keras.optimizers.Adam(learning_rate=0.001)`.
#
# **Q10.** Write `make_optimizer(name)` returning a **new** optimizer for one of these names (a Keras
# optimizer belongs to the one model it trained: never hand the same instance to two models), and raising a
# `ValueError` that lists the valid names for any other name.

# %% nbgrader={"grade": false, "grade_id": "make_optimizer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def make_optimizer(name):
    ### BEGIN SOLUTION
    if name == "sgd":
        return keras.optimizers.SGD(learning_rate=0.01, momentum=0.9)
    if name == "rmsprop":
        return keras.optimizers.RMSprop(learning_rate=0.001)
    if name == "adam":
        return keras.optimizers.Adam(learning_rate=0.001)
    raise ValueError(f"unknown optimizer {name!r}: expected 'sgd', 'rmsprop' or 'adam'")
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_make_optimizer", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
for name, kind, lr in [("sgd", "SGD", 0.01), ("rmsprop", "RMSprop", 0.001), ("adam", "Adam", 0.001)]:
    opt = make_optimizer(name)
    check_value(type(opt).__name__, kind, f"make_optimizer({name!r}): type")
    check_value(float(opt.get_config()["learning_rate"]), lr, f"make_optimizer({name!r}): learning rate", rel_tol=1e-6)
check_value(float(make_optimizer("sgd").get_config()["momentum"]), 0.9, "make_optimizer('sgd'): momentum",
            mistakes={0.0: "Keras's default momentum=0 (plain SGD)"}, why="SGD with momentum 0.9")
assert make_optimizer("adam") is not make_optimizer("adam"), \
    "make_optimizer returned the same optimizer object twice: create a new one on every call"
### BEGIN HIDDEN TESTS
try:
    make_optimizer("adagrad")
except ValueError as exc:
    assert "adam" in str(exc), f"the ValueError should list the valid names, got: {exc}"
else:
    raise GradingError("make_optimizer('adagrad')", "a ValueError", "an optimizer", "only sgd, rmsprop and adam")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "compare-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# The comparison (skipped while grading): each optimizer trains the unregularised network from the **same**
# initial weights on a subset of the training images for the recipe's epochs; the curves show the training
# loss and the accuracy on 5,000 held-out training images (not the test set: that is for the end; the small
# budget the course's tests run with uses fewer images everywhere).

# %% nbgrader={"grade": false, "grade_id": "compare-optimizers", "locked": true, "schema_version": 3, "solution": false, "task": false} tags=["training"]
budget = cfg.training()
SUBSET = min(budget.get("train_subset", 12_000), 12_000)  # the small budget (tests) trains on fewer images
held_out = min(5000, SUBSET)                               # ... and measures on fewer
x_val, y_val = x_train[-held_out:], y_train[-held_out:]
if is_autograding() or handin_only():  # handin_only(): the course trains only the hand-in file (calibration, sample models)
    print("(the optimizer comparison trains three networks: skipped while the notebook is graded)")
else:
    keras.utils.set_random_seed(seed())
    start = build_model(dropout_rate=0.0, l2=0.0, augment=False).get_weights()
    runs = {}
    for name in ("sgd", "rmsprop", "adam"):
        keras.utils.set_random_seed(seed())
        net = build_model(dropout_rate=0.0, l2=0.0, augment=False)
        net.set_weights(start)
        net.compile(optimizer=make_optimizer(name), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        runs[name] = net.fit(x_train[:SUBSET], y_train[:SUBSET], epochs=budget["epochs"],
                             batch_size=budget["batch_size"], validation_data=(x_val, y_val), verbose=0).history
        print(f"{name:<8} final training loss {runs[name]['loss'][-1]:.3f}   "
              f"held-out accuracy {runs[name]['val_accuracy'][-1]:.4f}")
    display(plot_histories(runs, metrics=("loss", "val_accuracy"), title="SGD + momentum, RMSprop, Adam"))

# %% [markdown] nbgrader={"grade": false, "grade_id": "train-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 11. Training the regularised network
#
# Before a long training, the two sanity checks; then the training cell trains `build_model()` (augmentation,
# dropout 0.3, L2 $10^{-4}$) with Adam and the course's recipe (from `assignment.toml`: the epochs, the batch
# size, a validation split and a learning-rate schedule on top of *your* optimizer and loss) and **saves
# `regularised_cnn.keras` next to this notebook**. While the notebook is graded, `fit_or_load` loads your
# handed-in file instead of training. Pass `reuse=True` to load a matching file you already trained.

# %% nbgrader={"grade": false, "grade_id": "sanity", "locked": true, "schema_version": 3, "solution": false, "task": false}
keras.utils.set_random_seed(seed())
loss, ok = initial_loss_ok(build_model(), x_train[:512], y_train[:512])
print(f"initial loss {loss:.3f} (ln 10 = {math.log(10):.3f}): {'ok' if ok else 'CHECK THE INITIALISATION'}")
accuracy, ok = overfits_tiny_subset(lambda: build_model(dropout_rate=0.0, l2=0.0, augment=False),
                                    x_train[:50], y_train[:50])
print(f"tiny subset: {accuracy:.0%} of 50 images learnt: {'ok' if ok else 'THE NETWORK CANNOT LEARN: FIND THE BUG'}")

# %% nbgrader={"grade": false, "grade_id": "train", "locked": true, "schema_version": 3, "solution": false, "task": false} tags=["training"]
keras.utils.set_random_seed(seed())
model = build_model()
model.compile(optimizer=make_optimizer("adam"), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model, history = fit_or_load(model, x_train, y_train, path=MODEL_PATH, recipe=cfg.training())

# %% [markdown] nbgrader={"grade": false, "grade_id": "augment-effect-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 12. What did augmentation do?
#
# A fair comparison changes one thing: the cell below (skipped while grading) trains `build_model()` with and
# without augmentation, from the same seed, on the same subset of images for twice the recipe's epochs, and
# measures both on the clean test images and on the same test images **shifted by 2 pixels** right and down
# (a change a camera or a cropping could make; augmentation trained with such shifts).

# %% nbgrader={"grade": false, "grade_id": "augment-effect", "locked": true, "schema_version": 3, "solution": false, "task": false} tags=["training"]
if is_autograding() or handin_only():  # handin_only(): the course trains only the hand-in file (calibration, sample models)
    print("(the augmentation comparison trains two networks: skipped while the notebook is graded)")
else:
    x_eval, y_eval = x_test[:2 * held_out], y_test[:2 * held_out]  # all 10,000 with the full recipe
    shifted = np.roll(x_eval, shift=(2, 2), axis=(1, 2))
    half = SUBSET // 2
    effect = {}
    for augment in (False, True):
        keras.utils.set_random_seed(seed())
        net = build_model(augment=augment)
        net.compile(optimizer=make_optimizer("adam"), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        label = "with augmentation" if augment else "without"
        effect[label] = net.fit(x_train[:half], y_train[:half], epochs=2 * budget["epochs"],
                                batch_size=budget["batch_size"], validation_data=(x_val, y_val), verbose=0).history
        clean = net.evaluate(x_eval, y_eval, batch_size=1000, verbose=0)[1]
        moved = net.evaluate(shifted, y_eval, batch_size=1000, verbose=0)[1]
        print(f"{label:<18} training accuracy {effect[label]['accuracy'][-1]:.3f}   test {clean:.4f}   "
              f"test shifted by 2 px {moved:.4f}")
    display(plot_histories(effect, metrics=("accuracy", "val_accuracy"),
                           title=f"{half:,} training images, with and without augmentation"))

# %% [markdown] nbgrader={"grade": false, "grade_id": "grade-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 13. The graded model (4 points)
#
# The test below checks that a trained model exists (trained in this session, or your handed-in
# `regularised_cnn.keras` while the notebook is graded) and that it is the network `build_model()` builds.
# The grader then measures it itself, on the 10,000 test images: the 4 points need an accuracy of at least
# **82.5%**.

# %% nbgrader={"grade": true, "grade_id": "test_trained_model", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
status = load_status(model)
assert status is not None, "run the training cell first (fit_or_load)"
assert status.ok, status.reason
assert os.path.isfile(MODEL_PATH), f"{MODEL_PATH}: expected the saved model next to the notebook, found nothing"

# %% [markdown] nbgrader={"grade": false, "grade_id": "discuss-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 14. What did you see? (2 points, graded by a person)
#
# **Q11.** (a) Which optimizer reached the lowest training loss and which the best held-out accuracy in
# this short budget? Relate it to the lecture's summary of the three. (b) What did augmentation do to the
# training accuracy, to the clean test accuracy and to the accuracy on shifted images — and why? Four to
# six sentences.

# %% [markdown] nbgrader={"grade": true, "grade_id": "discussion", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# (a) In this budget Adam and SGD with momentum 0.9 end close together, Adam usually with the lowest training
# loss and the best held-out accuracy, RMSprop a little behind and noisier: with their default learning rates
# the adaptive methods need no tuning, and Adam adds momentum to RMSprop, as the lecture says; SGD with
# momentum is competitive here because 0.01 with momentum 0.9 happens to be a good learning rate for this
# network. (b) Augmentation lowers the training accuracy (every epoch shows harder, new versions of the
# images) and, with few images and epochs, it costs some clean test accuracy, but it raises the accuracy on
# the shifted test images by several points: the network has seen shifted clothes and became more invariant
# to position, whereas the other one learnt where things are in the centred images.

# %% [markdown] nbgrader={"grade": false, "grade_id": "outro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Handing in
#
# Save this notebook, and hand it in **together with `regularised_cnn.keras`** (the file the training cell
# saved next to it). Both files, same folder, nothing else needed.
