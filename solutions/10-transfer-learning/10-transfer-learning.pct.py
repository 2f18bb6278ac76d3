# %% [markdown] nbgrader={"grade": false, "grade_id": "intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# # 10 · Transfer learning and visualisation
#
# **18 points · about 120 minutes, plus a few minutes of training · hand in: this notebook and
# `transfer.keras`.**
#
# A modern CNN needs a lot of labelled data; when the task you care about has only a few hundred labels,
# you *transfer*: train a network on a large related dataset, chop off its last layer, put a new one for
# your classes in its place and fine-tune (the lectures on transfer learning). Without internet there are
# no ImageNet weights here, so you will do the whole thing yourself on Fashion-MNIST: **pretrain** a small
# CNN on five classes (T-shirt/top, trouser, pullover, dress, coat — 30,000 images), then **fine-tune** it
# on the *other* five classes (sandal, shirt, sneaker, bag, ankle boot) from only **250 labelled images**,
# first with the pretrained layers frozen, then unfrozen with a 10× lower learning rate — and check that it
# beats the same network trained from scratch on those 250 images. Finally you will look inside your own
# network: its first-layer filters and the feature maps it computes.
#
# **How this notebook is graded.** Each question has a test cell: its visible checks run now and tell
# you what is wrong and why; hidden checks on other inputs run when the notebook is graded. Train where
# you have the compute (a laptop CPU takes a few minutes): the fine-tuning cell saves your fine-tuned
# network as `transfer.keras` **next to this notebook — hand that file in together with the notebook.**
# The grader never retrains: it loads your `transfer.keras`, checks that it is the network this notebook
# builds, and measures its accuracy on the 5,000 held-out test images of the five new classes. The pass
# mark is **89.7%**, calibrated by running the reference solution with three seeds (their lowest accuracy
# minus a 3-point margin). The last question, about what your network's filters and feature maps show,
# is graded by a person.

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

from cnnkit import analysis
from cnnkit.checks import (GradingError, check_array, check_output_shape, check_param_count, check_value, config,
                           fit_or_load, is_autograding, layer_specs, load_status, seed)
from cnnkit.data import class_names, load
from cnnkit.data.transforms import scale, select_classes
from cnnkit.viz import plot_feature_maps, plot_filters, plot_history

cfg = config()  # assignment.toml beside this notebook: the pretraining recipe and the file to hand in
MODEL_PATH = "transfer.keras"          # the fine-tuned network: hand it in with the notebook
PRETRAINED_PATH = "pretrained.keras"   # the network pretrained on the old classes (yours to keep)
PRETRAIN_LR = 1e-3                     # Adam's usual learning rate, for pretraining and for a new head
FINETUNE = {"epochs": 20, "batch_size": 32}   # 250 images are 8 batches: many short epochs
LABEL_SEED = 10                        # the few labelled images are the same for everyone


def copy_model(model):
    """An independent copy (new layers, same weights), so two experiments never share layers."""
    clone = keras.models.clone_model(model)
    clone.set_weights(model.get_weights())
    return clone

# %% nbgrader={"grade": false, "grade_id": "data", "locked": true, "schema_version": 3, "solution": false, "task": false}
(x_train, y_train), (x_test, y_test) = load("fashion_mnist")
NAMES = class_names("fashion_mnist")
OLD, NEW = [0, 1, 2, 3, 4], [5, 6, 7, 8, 9]   # pretrain on OLD; the task we care about is NEW
# select_classes keeps those classes and renumbers them 0..4 in the order given
x_old, y_old = select_classes(x_train, y_train, OLD)
x_pool, y_pool = select_classes(x_train, y_train, NEW)      # 30,000 images of the new classes...
x_new_test, y_new_test = select_classes(x_test, y_test, NEW)  # ...and their 5,000 test images (graded on these)
x_old, x_new_test_scaled = scale(x_old), scale(x_new_test)  # float32 in [0, 1], as in notebook 03
print("pretraining classes:", [NAMES[c] for c in OLD], x_old.shape)
print("new classes:        ", [NAMES[c] for c in NEW], "test", x_new_test.shape)

# %% [markdown] nbgrader={"grade": false, "grade_id": "transfer-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 1. Transfer learning, and a few labels (2 points)
#
# The lowest-level features — edges, blobs, simple textures — are much the same for every image task, so
# the weights a network learned for them on one task can be reused on another; only the problem-specific
# layers need training (lecture 000). The recipe of lecture 003:
#
# 1. train a model on a large dataset (there: ImageNet's 1000 classes; here: 30,000 images of five classes);
# 2. remove the last fully connected layer;
# 3. add a new fully connected layer with the number of classes of the target task;
# 4. fine-tune: only the new layer, or the whole network — usually with a **learning rate 10× lower**.
#
# It pays when the source task has a lot of data and the target task little (lecture 004), and it works
# better the closer the source domain is to the target (lecture 003). "Don't be a hero": start from a
# network that is proven to work.
#
# Our target task has 30,000 images, but we pretend only **50 per class** are labelled. Which 50 must be
# reproducible: the same seed must give the same images, on any computer.
#
# **Q1.** Write `few_labels(labels, per_class, seed)`: the indices of `per_class` images of **each**
# class in `labels` (a 1-D array of class numbers), chosen at random *without replacement* with
# `np.random.default_rng(seed)`, returned as one sorted integer array.

# %% nbgrader={"grade": false, "grade_id": "few_labels", "locked": false, "schema_version": 3, "solution": true, "task": false}
def few_labels(labels, per_class, seed):
    ### BEGIN SOLUTION
    labels = np.asarray(labels).reshape(-1)
    rng = np.random.default_rng(seed)
    chosen = [rng.choice(np.flatnonzero(labels == c), per_class, replace=False) for c in np.unique(labels)]
    return np.sort(np.concatenate(chosen))
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_few_labels", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
demo = np.repeat(np.arange(5), 40)[np.random.default_rng(0).permutation(200)]  # 5 classes, 40 of each, shuffled
idx = np.asarray(few_labels(demo, 6, seed=1))
check_value(len(idx), 5 * 6, "few_labels(demo, 6, seed=1): how many indices",
            why="per_class of EACH class: 5 classes × 6", mistakes={6: "taking per_class images in all instead of per class"})
counts = np.bincount(demo[idx], minlength=5).tolist()
check_value(counts, [6] * 5, "images per class",
            why="pick within each class (np.flatnonzero(labels == c)): a random draw from all labels is unbalanced")
full = np.asarray(few_labels(demo, 40, seed=0))   # every image of every class
if len(set(full.tolist())) < len(full):
    raise GradingError("few_labels(demo, 40, seed=0)", "all 200 images, each once",
                       f"{len(full) - len(set(full.tolist()))} images drawn twice",
                       "rng.choice draws WITH replacement unless told otherwise: pass replace=False")
check_value(idx.tolist(), sorted(idx.tolist()), "the indices' order", why="return them sorted (np.sort)")
again = np.asarray(few_labels(demo, 6, seed=1))
check_value(again.tolist(), idx.tolist(), "few_labels with the same seed, twice",
            why="the same seed must give the same images: draw from np.random.default_rng(seed), never from an "
                "unseeded generator")
other = np.asarray(few_labels(demo, 6, seed=2))
if other.tolist() == idx.tolist():
    raise GradingError("few_labels with seeds 1 and 2", "different images", "the same images",
                       "the seed is ignored — e.g. the first per_class of each class; choose at random with "
                       "np.random.default_rng(seed)")
### BEGIN HIDDEN TESTS
labels = np.array([7, 3, 3, 9, 7, 3, 9, 9, 7, 3, 7, 9, 3, 7, 9])  # classes 3, 7, 9 (not 0..k-1), 5 of each
for s in (0, 5):
    try:
        got = np.asarray(few_labels(labels, 2, seed=s))
    except ValueError as exc:
        raise GradingError(f"few_labels on classes 3, 7, 9 (seed {s})", "2 images of each class",
                           f"an error ({exc})", "use the classes present in labels (np.unique(labels)), not "
                           "range(...): here class 0 has no images") from None
    check_value(np.bincount(labels[got], minlength=10).tolist(), [0, 0, 0, 2, 0, 0, 0, 2, 0, 2],
                f"few_labels on classes 3, 7, 9 (seed {s}): images per class",
                why="use the classes present in labels (np.unique), not range(n)")
    assert np.issubdtype(got.dtype, np.integer), f"few_labels: expected integer indices, got dtype {got.dtype}"
everything = np.asarray(few_labels(labels, 5, seed=3))
check_value(sorted(everything.tolist()), list(range(15)), "few_labels(labels, 5): every image once",
            why="5 of each of 3 classes is all 15 images, each exactly once")
### END HIDDEN TESTS

# %% nbgrader={"grade": false, "grade_id": "split", "locked": true, "schema_version": 3, "solution": false, "task": false}
labelled = few_labels(y_pool, 50, seed=LABEL_SEED)
x_few, y_few = scale(x_pool[labelled]), y_pool[labelled]
print(f"{len(y_few)} labelled images of the new classes, per class:", np.bincount(y_few).tolist())

# %% [markdown] nbgrader={"grade": false, "grade_id": "backbone-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 2. The network (3 points)
#
# A small CNN for 28×28 grey images, in the pattern of the lectures — convolution + ReLU + max-pooling
# blocks with more channels as the maps shrink, then flatten and a fully connected classifier:
#
# ```
# [INPUT 28×28×1]
# [conv1: 16 kernels 5×5, padding "same", ReLU] → [pool1: max 2×2, stride 2]      28×28×16 → 14×14×16
# [conv2: 32 kernels 3×3, padding "same", ReLU] → [pool2: max 2×2, stride 2]      14×14×32 → 7×7×32
# [features: Flatten]                                                             1,568
# [predictions: Dense(n_classes), softmax]
# ```
#
# Everything up to `features` is the **backbone**, the part that is transferred; `predictions` is the
# head that is thrown away. The lecture on CNN architectures contrasts the two ways of turning maps into a
# vector: **flatten** keeps every value (and where it was), but its size depends on the image size;
# **global average pooling** keeps one number per channel, independent of the image size, and loses the
# positions. With 250 labels, the head on top of the backbone is all a frozen network can learn: the
# flattened 1,568 values give it more to work with than 32 averages.
#
# **Q2.** Write `build_classifier(n_classes)` with the functional API from `keras.Input(shape=(28, 28, 1))`,
# using Keras layers (`Conv2D` with `activation="relu"`, `MaxPooling2D`, `Flatten`, `Dense`) and **the
# layer names above** (`conv1`, `pool1`, `conv2`, `pool2`, `features`, `predictions`): the next questions
# find the layers by name.

# %% nbgrader={"grade": false, "grade_id": "build_classifier", "locked": false, "schema_version": 3, "solution": true, "task": false}
def build_classifier(n_classes):
    ### BEGIN SOLUTION
    from keras import layers

    inputs = keras.Input(shape=(28, 28, 1))
    x = layers.Conv2D(16, 5, padding="same", activation="relu", name="conv1")(inputs)
    x = layers.MaxPooling2D(2, strides=2, name="pool1")(x)
    x = layers.Conv2D(32, 3, padding="same", activation="relu", name="conv2")(x)
    x = layers.MaxPooling2D(2, strides=2, name="pool2")(x)
    x = layers.Flatten(name="features")(x)
    outputs = layers.Dense(n_classes, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, outputs, name="classifier")
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_classifier", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
# Each layer's count from the formulas of cnnkit.analysis (k·k·C_in·C_out + C_out; n_in·n_out + n_out).
conv1, conv2 = analysis.conv2d_params(5, 1, 16), analysis.conv2d_params(3, 16, 32)
side = analysis.pool_output_size(analysis.pool_output_size(28, 2, 2), 2, 2)   # 28 → 14 → 7
head = analysis.dense_params(side * side * 32, 5)
net = build_classifier(5)
check_output_shape(net, (5,), "build_classifier(5): output")
check_param_count(net, conv1 + conv2 + head, "parameters of build_classifier(5)", mistakes={
    analysis.conv2d_params(3, 1, 16) + conv2 + head: "a 3×3 first kernel instead of 5×5",
    conv1 + analysis.conv2d_params(5, 16, 32) + head: "a 5×5 kernel in conv2 instead of 3×3",
    conv1 + conv2 + analysis.dense_params(32, 5): "global average pooling instead of Flatten",
    conv1 + conv2 + analysis.dense_params(5 * 5 * 32, 5): "padding='valid' (28 → 24 → 12 → 10 → 5 instead of 28 → 14 → 7)",
    conv1 + conv2 + analysis.dense_params(14 * 14 * 32, 5): "a missing pooling layer (7×7 needs two halvings)",
})
names = [layer.name for layer in net.layers]
for name in ("conv1", "pool1", "conv2", "pool2", "features", "predictions"):
    assert name in names, (f"build_classifier: no layer named '{name}' (layers: {names}) — pass name='{name}' "
                           f"to that layer: the next questions look the layers up by name")
check_value(type(net.get_layer("features")).__name__, "Flatten", "the layer named 'features'",
            why="'features' is the backbone's output: the flattened 7×7×32 maps")
check_value(tuple(net.get_layer("features").output.shape[1:]), (side * side * 32,), "features: output shape",
            why="7·7·32 = 1,568 values after two 2×2 poolings of 28×28")
probs = keras.ops.convert_to_numpy(net(np.zeros((2, 28, 28, 1), "float32")))
check_array(probs.sum(axis=1), np.ones(2), "the outputs of one image, summed", atol=1e-4,
            why="the head ends in a softmax (activation='softmax'): probabilities that sum to 1")
### BEGIN HIDDEN TESTS
from cnnkit.checks import check_built_from, compare_architecture

other = build_classifier(3)
check_output_shape(other, (3,), "build_classifier(3): output",
                   why="the head must follow n_classes: Dense(n_classes), not a fixed number")
check_value(other.get_layer("predictions").count_params(), analysis.dense_params(1568, 3), "predictions (3 classes)",
            why="1,568 inputs × 3 + 3 biases: the head must follow n_classes")
check_built_from(net, forbid=("cnnkit.layers", "cnnkit.models", "keras.applications"), what="build_classifier")


def _reference(n):
    layers = keras.layers
    inputs = keras.Input(shape=(28, 28, 1))
    x = layers.MaxPooling2D(2, strides=2)(layers.Conv2D(16, 5, padding="same", activation="relu")(inputs))
    x = layers.MaxPooling2D(2, strides=2)(layers.Conv2D(32, 3, padding="same", activation="relu")(x))
    return keras.Model(inputs, layers.Dense(n, activation="softmax")(layers.Flatten()(x)))


compare_architecture(net, _reference(5)).assert_ok()
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "compile-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 3. Learning rates for fine-tuning (2 points)
#
# Fine-tuning starts from weights that already work; large steps would wreck them before the new head has
# learned anything useful. Lecture 003 offers two options — fine-tune only the new layer, or the whole network
# with a 10× lower learning rate; the Keras guide to transfer learning does one after the other:
#
# * **frozen**: only the new head learns, at the usual rate `PRETRAIN_LR` (a new layer starts from random
#   weights and needs normal steps);
# * **unfrozen**: then every layer learns, with a learning rate **10× lower** than the pretraining's.
#
# A frozen layer (`layer.trainable = False`) keeps its weights. Keras reads the `trainable` flags when the
# model is compiled: **compile again after freezing or unfreezing**.
#
# **Q3.** Set `FINETUNE_LR` (from `PRETRAIN_LR`), and write `compile_model(model, learning_rate)`: Adam with
# that learning rate, the sparse categorical cross-entropy of probabilities (the head ends in a softmax;
# the labels are integers) and the accuracy metric.

# %% nbgrader={"grade": false, "grade_id": "compile_model", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
FINETUNE_LR = PRETRAIN_LR / 10


def compile_model(model, learning_rate):
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_compile", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
check_value(FINETUNE_LR, PRETRAIN_LR / 10, "FINETUNE_LR", rel_tol=1e-9,
            why="lecture 003: fine-tune with a learning rate 10× lower than the pretraining's", mistakes={
                PRETRAIN_LR: "keeping the pretraining rate (large steps wreck the pretrained weights)",
                PRETRAIN_LR * 10: "multiplying by 10 instead of dividing",
                PRETRAIN_LR / 100: "dividing by 100 (the rule of thumb is 10)"})
compiled = build_classifier(5)
for rate in (0.02, FINETUNE_LR):
    compile_model(compiled, rate)
    assert compiled.get_compile_config() is not None, "compile_model: the model is not compiled — call model.compile(...)"
    got = float(keras.ops.convert_to_numpy(compiled.optimizer.learning_rate))
    check_value(got, rate, f"compile_model(model, {rate}): the optimizer's learning rate", rel_tol=1e-6,
                why="use the learning_rate argument: Adam(learning_rate=learning_rate)",
                mistakes={1e-3: "a fixed learning rate of 0.001 instead of the argument"})
probs = np.array([[0.7, 0.2, 0.1, 0.0, 0.0], [0.1, 0.6, 0.3, 0.0, 0.0]], dtype="float32")
labels = np.array([0, 2])
want = float(-np.mean(np.log(probs[np.arange(2), labels])))
as_logits = float(-np.mean([p[l] - np.log(np.exp(p).sum()) for p, l in zip(probs, labels)]))
try:
    loss = float(np.mean(keras.ops.convert_to_numpy(keras.losses.get(compiled.loss)(labels, probs))))
except Exception as exc:
    raise GradingError("loss", "sparse categorical cross-entropy", f"a loss that fails on integer labels "
                       f"({type(exc).__name__})", "the labels are integers 0–4, not one-hot vectors: use the sparse "
                       "version") from None
check_value(loss, want, "loss on a fixed batch", rel_tol=1e-4,
            why="sparse categorical cross-entropy of probabilities: -mean(log p[label])",
            mistakes={as_logits: "from_logits=True on a model that already ends in softmax"})
assert "acc" in str(compiled.get_compile_config().get("metrics")), "compile_model: pass metrics=['accuracy']"
### BEGIN HIDDEN TESTS
check_value(type(compiled.optimizer).__name__, "Adam", "optimizer", why="the notebook asks for Adam")
compile_model(compiled, 3e-5)
check_value(float(keras.ops.convert_to_numpy(compiled.optimizer.learning_rate)), 3e-5, "learning rate 3e-5",
            rel_tol=1e-6, why="Adam(learning_rate=learning_rate)")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "pretrain-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 4. Pretraining on the five old classes
#
# The cell below trains `build_classifier(5)` on the 30,000 images of the old classes with the course's
# recipe (read from `assignment.toml`: epochs and batch size), Adam at `PRETRAIN_LR`, and saves it as
# `pretrained.keras`. This file is **not** handed in: the
# grader needs only the fine-tuned network. While the notebook is graded nothing here is trained. Pass
# `reuse=True` to `fit_or_load` to load a matching `pretrained.keras` after a kernel restart.

# %% nbgrader={"grade": false, "grade_id": "pretrain", "locked": true, "schema_version": 3, "solution": false, "task": false} tags=["training"]
keras.utils.set_random_seed(seed())
pretrained = build_classifier(len(OLD))
compile_model(pretrained, PRETRAIN_LR)
pretrained, pretrain_history = fit_or_load(pretrained, x_old, y_old, path=PRETRAINED_PATH, recipe=cfg.training())

# %% [markdown] nbgrader={"grade": false, "grade_id": "head-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 5. A new head on the pretrained backbone (3 points)
#
# Lecture 004's recipe: *chop off the prediction layer, replace it with a new layer of the right size,
# re-initialise only the new layer*. In the functional API, the backbone's output is a tensor you can
# build on: `pretrained.get_layer("features").output`. A new `Dense` layer on it, and
# `keras.Model(pretrained.input, new_outputs)`, give a network whose layers up to `features` **are** the
# pretrained ones (the same objects, with their weights) and whose head is new and random.
#
# **Q4.** Write `new_head(pretrained, n_classes, freeze)`: that network, with a new softmax head of
# `n_classes` named `new_predictions`, and — when `freeze` is true — every pretrained layer frozen
# (`layer.trainable = False`), so that only the new head has trainable weights; when `freeze` is false,
# every layer trainable.

# %% nbgrader={"grade": false, "grade_id": "new_head", "locked": false, "schema_version": 3, "solution": true, "task": false}
def new_head(pretrained, n_classes, freeze=True):
    ### BEGIN SOLUTION
    for layer in pretrained.layers:
        layer.trainable = not freeze
    features = pretrained.get_layer("features").output
    outputs = keras.layers.Dense(n_classes, activation="softmax", name="new_predictions")(features)
    return keras.Model(pretrained.input, outputs, name="transfer")
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_new_head", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
def trainable_count(model):
    return int(sum(np.prod(w.shape) for w in model.trainable_weights))


keras.utils.set_random_seed(1)
source = build_classifier(5)                      # stands in for the pretrained network
n_features = int(source.get_layer("features").output.shape[-1])
kernel = keras.ops.convert_to_numpy(source.get_layer("conv1").kernel)
model3 = new_head(copy_model(source), 3, freeze=True)
check_output_shape(model3, (3,), "new_head(pretrained, 3): output",
                   why="the new head has one output per NEW class")
check_value(int(model3.layers[-1].input.shape[-1]), n_features, "the new head's input size",
            why="the new head sits on the backbone's output, pretrained.get_layer('features').output", mistakes={
                5: "stacking the new head on the old 5-way softmax (chop the old head off first)"})
convs = [layer for layer in model3.layers if isinstance(layer, keras.layers.Conv2D)]
assert convs, "new_head: the model has no Conv2D layer — build on pretrained.get_layer('features').output"
check_array(keras.ops.convert_to_numpy(convs[0].kernel), kernel, "conv1's kernel in the new network", atol=0,
            why="transfer keeps the pretrained weights: build on the pretrained layers, do not build a new network")
head = analysis.dense_params(n_features, 3)
check_value(trainable_count(model3), head, "trainable weights with freeze=True", why=(
    f"only the new head learns: {n_features}·3 + 3 = {head:,}; set layer.trainable = False on every pretrained "
    "layer"), mistakes={
    int(model3.count_params()): "freezing nothing (set layer.trainable = False on the pretrained layers)",
    0: "freezing the new head too (freeze only the pretrained layers, before adding the head)"})
model7 = new_head(copy_model(source), 7, freeze=False)
check_value(trainable_count(model7), int(model7.count_params()), "trainable weights with freeze=False",
            why="freeze=False fine-tunes the whole network: every layer trainable",
            mistakes={analysis.dense_params(n_features, 7): "ignoring freeze (the backbone stays frozen)"})
### BEGIN HIDDEN TESTS
probs = keras.ops.convert_to_numpy(model7(x_new_test_scaled[:4]))
check_array(probs.sum(axis=1), np.ones(4), "new head outputs summed", atol=1e-4,
            why="the new head is a softmax: activation='softmax'")
check_value([type(l).__name__ for l in model7.layers].count("Dense"), 1, "Dense layers in the new network",
            why="the old head is gone, only the new one remains")
check_value(model7.layers[-1].name, "new_predictions", "the new head's name", why="name='new_predictions'")
again = new_head(copy_model(source), 3, freeze=True)
changed = [l.name for l in again.layers if l.weights and l.name != again.layers[-1].name and l.trainable]
check_value(changed, [], "pretrained layers left trainable with freeze=True", why="freeze every pretrained layer")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "finetune-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 6. Fine-tuning on 250 labels
#
# The cell below fine-tunes a copy of your pretrained network in the two steps of section 3: frozen, with
# `PRETRAIN_LR` (saved as `transfer_frozen.keras`, for the comparison); then unfrozen and compiled again
# with `FINETUNE_LR`, and **saved as `transfer.keras` — the file you hand in**. While the notebook is
# graded, `fit_or_load` loads your handed-in `transfer.keras` instead of training.

# %% nbgrader={"grade": false, "grade_id": "finetune", "locked": true, "schema_version": 3, "solution": false, "task": false} tags=["training"]
keras.utils.set_random_seed(seed())
model = new_head(copy_model(pretrained), len(NEW), freeze=True)
compile_model(model, PRETRAIN_LR)                       # step 1: only the new head learns
model, frozen_history = fit_or_load(model, x_few, y_few, path="transfer_frozen.keras", recipe=FINETUNE)
for layer in model.layers:                              # step 2: everything learns, 10x more gently
    layer.trainable = True
compile_model(model, FINETUNE_LR)                       # compile again: the trainable flags changed
model, history = fit_or_load(model, x_few, y_few, path=MODEL_PATH, recipe=FINETUNE)

# %% [markdown] nbgrader={"grade": false, "grade_id": "scratch-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 7. Did it help? The same network from scratch
#
# The baseline: `build_classifier(5)` with random weights, trained on the same 250 images for as many
# epochs as both fine-tuning steps together. Then the three are measured on the 5,000 test images of the
# new classes. (Skipped while the notebook is graded: the grader never trains.)
#
# Expect all three to be good — sandals, bags and boots are easy to tell apart even from 250 images — and
# the pretrained network to be ahead by about a point: it starts from filters learned on 30,000 images.
# The margin grows as the labels get fewer (try 10 per class), and shrinks with source classes further
# from the target (lecture 003): T-shirts and coats teach edges and textures, but no shoes.

# %% nbgrader={"grade": false, "grade_id": "scratch", "locked": true, "schema_version": 3, "solution": false, "task": false} tags=["training"]
if is_autograding():
    print("(the from-scratch baseline is skipped while the notebook is graded)")
else:
    keras.utils.set_random_seed(seed())
    scratch = build_classifier(len(NEW))
    compile_model(scratch, PRETRAIN_LR)
    scratch, scratch_history = fit_or_load(scratch, x_few, y_few, path="scratch.keras",
                                           recipe={**FINETUNE, "epochs": 2 * FINETUNE["epochs"]})

# %% nbgrader={"grade": false, "grade_id": "compare", "locked": true, "schema_version": 3, "solution": false, "task": false}
if is_autograding():
    print("(the comparison is skipped while the notebook is graded)")
else:
    runs = {"from scratch": scratch, "pretrained, then unfrozen": model}   # trained above
    runs["pretrained, frozen (new head only)"] = keras.models.load_model("transfer_frozen.keras")
    for name in ("pretrained, frozen (new head only)", "pretrained, then unfrozen", "from scratch"):
        net = runs[name]
        acc = float(np.mean(net.predict(x_new_test_scaled, batch_size=1000, verbose=0).argmax(1) == y_new_test))
        print(f"{name:<36} test accuracy on the new classes: {acc:.4f}")
    display(plot_history(history, title="fine-tuning, unfrozen (training accuracy on the 250 images)"))

# %% [markdown] nbgrader={"grade": false, "grade_id": "grade-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 8. The graded model (4 points)
#
# The test below checks that a fine-tuned model exists (trained in this session, or your handed-in
# `transfer.keras` while the notebook is graded) and that it is the network `new_head` builds. The grader
# then measures it itself on the 5,000 test images of the new classes (sandal, shirt, sneaker, bag, ankle
# boot, numbered 0–4 in that order): the 4 points need an accuracy of at least **89.7%** (the reference
# solution reaches about 93% with the recipe).

# %% nbgrader={"grade": true, "grade_id": "test_trained_model", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
status = load_status(model)
assert status is not None, "run the fine-tuning cell first (fit_or_load)"
assert status.ok, status.reason
assert os.path.isfile(MODEL_PATH), f"{MODEL_PATH}: expected the saved model next to the notebook, found nothing"

# %% [markdown] nbgrader={"grade": false, "grade_id": "online-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 9. With internet: ImageNet weights from `keras.applications`
#
# Outside this course's offline machines, you would not pretrain yourself: `keras.applications` downloads
# networks trained on ImageNet's 1.2 million photos (lecture 002 shows a ResNet-50 trained there
# classifying photographs). `MobileNetV2(weights="imagenet", include_top=False)` is the backbone without
# its 1000-class head (steps 1–2 of the recipe). It expects colour images of at least 32×32 scaled to
# [-1, 1], so the grey 28×28 images are resized, repeated on three channels and rescaled first. The cell
# downloads about 9 MB **only if you set `ONLINE = True`**; otherwise, and while the notebook is graded,
# it does nothing.

# %% nbgrader={"grade": false, "grade_id": "online", "locked": true, "schema_version": 3, "solution": false, "task": false}
ONLINE = False  # set to True on a computer with internet to try ImageNet weights (downloads about 9 MB)


def imagenet_transfer(n_classes, weights="imagenet", size=96):
    """A frozen ImageNet MobileNetV2 backbone with a new softmax head, for 28×28×1 images in [0, 1]."""
    layers = keras.layers
    backbone = keras.applications.MobileNetV2(weights=weights, include_top=False, pooling="avg",
                                              input_shape=(size, size, 3))
    backbone.trainable = False
    inputs = keras.Input(shape=(28, 28, 1))
    x = layers.Resizing(size, size)(inputs)
    x = layers.Concatenate()([x, x, x])          # grey → the three colour channels ImageNet networks expect
    x = layers.Rescaling(2.0, offset=-1.0)(x)    # [0, 1] → [-1, 1], MobileNetV2's input range
    x = backbone(x, training=False)              # keep its batch normalisation in inference mode
    outputs = layers.Dense(n_classes, activation="softmax", name="new_predictions")(x)
    return keras.Model(inputs, outputs, name="imagenet_transfer")


if ONLINE and not is_autograding():
    try:
        online = imagenet_transfer(len(NEW))
    except Exception as exc:  # no network, a proxy, a firewall: say so instead of a long traceback
        raise RuntimeError(f"could not download the ImageNet weights ({type(exc).__name__}: {exc}); this computer "
                           "seems to be offline — set ONLINE = False") from None
    compile_model(online, PRETRAIN_LR)
    online.fit(x_few, y_few, epochs=10, batch_size=32, verbose=2)
    acc = float(np.mean(online.predict(x_new_test_scaled, batch_size=500, verbose=0).argmax(1) == y_new_test))
    print(f"ImageNet MobileNetV2, frozen, new head: test accuracy on the new classes {acc:.4f}")
else:
    print("offline: the ImageNet path is skipped (set ONLINE = True on a computer with internet)")

# %% [markdown] nbgrader={"grade": false, "grade_id": "viz-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 10. Inside your network: filters and feature maps (2 points)
#
# A convolution kernel is a learned weight (lecture 003), and a first-layer kernel sees the image directly:
# drawn as a small picture it shows what the layer responds to. AlexNet's 96 first-layer filters are edges,
# blobs and colours (lecture 004) — much like the receptive fields of neurons in a monkey's visual cortex
# (lecture 000). A **feature map** is the output of one kernel over the whole image: bright where the pattern
# is found. Deeper layers respond to more complex patterns over a larger part of the image, since their
# receptive field grows (lectures 000 and 004).
#
# To see a feature map you need the output of an inner layer: a `keras.Model` from the network's input to
# that layer's output computes it (this is what `cnnkit.viz.plot_feature_maps` does).
#
# **Q5.** Write `feature_maps(model, image, layer_name)`: the output of the layer `layer_name` for one
# image of shape `(28, 28, 1)` (float, already scaled), as a numpy array of shape `(height, width,
# channels)` — without the batch axis.

# %% nbgrader={"grade": false, "grade_id": "feature_maps", "locked": false, "schema_version": 3, "solution": true, "task": false}
def feature_maps(model, image, layer_name):
    ### BEGIN SOLUTION
    probe = keras.Model(model.input, model.get_layer(layer_name).output)
    return keras.ops.convert_to_numpy(probe(np.asarray(image, "float32")[None]))[0]
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_feature_maps", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
keras.utils.set_random_seed(2)
probe_net = build_classifier(5)
image = x_new_test_scaled[0]


def layer_output(net, x, name):
    """The reference: the layers applied one after the other up to `name`."""
    out = x[None]
    for layer in net.layers[1:]:
        out = layer(out)
        if layer.name == name:
            return keras.ops.convert_to_numpy(out)[0]


maps = np.asarray(feature_maps(probe_net, image, "conv1"))
check_value(maps.shape, (28, 28, 16), "feature_maps(model, image, 'conv1'): shape",
            why="one 28×28 map per kernel of conv1 ('same' padding keeps 28)", mistakes={
                (1, 28, 28, 16): "keeping the batch axis (return the first and only image, [0])",
                (5, 5, 1, 16): "returning conv1's weights (its filters) instead of its output for the image",
                (5,): "returning the network's prediction instead of the layer's output (build "
                      "keras.Model(model.input, model.get_layer(layer_name).output))"})
check_array(maps, layer_output(probe_net, image, "conv1"), "conv1's feature maps", atol=1e-4,
            why="the layer's output for THIS image (already scaled to [0, 1]: do not divide by 255 again)")
### BEGIN HIDDEN TESTS
for name in ("pool1", "conv2", "pool2"):
    want = layer_output(probe_net, x_new_test_scaled[7], name)
    got = np.asarray(feature_maps(probe_net, x_new_test_scaled[7], name))
    check_value(got.shape, want.shape, f"feature maps of {name}: shape", why="the named layer's output, no batch axis")
    check_array(got, want, f"feature maps of {name}", atol=1e-4, why="the output of the layer named layer_name")
### END HIDDEN TESTS

# %% nbgrader={"grade": false, "grade_id": "plot-filters", "locked": true, "schema_version": 3, "solution": false, "task": false}
if is_autograding():
    print("(the pictures are skipped while the notebook is graded)")
else:
    example = x_new_test[np.flatnonzero(y_new_test == 4)[0]]   # an ankle boot, as uint8 (the plots scale it)
    display(plot_filters(model.get_layer("conv1")))
    display(plot_feature_maps(model, example, layer_names=["conv1", "pool1", "conv2", "pool2"]))
    display(plot_filters(scratch.get_layer("conv1")))          # the same layer, learned from 250 images only
    first = feature_maps(model, scale(example[None])[0], "conv1")
    print("conv1 maps: strongest response per kernel:", np.round(first.max(axis=(0, 1))[:8], 2), "...")

# %% [markdown] nbgrader={"grade": false, "grade_id": "interpret-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 11. What do the filters and feature maps show? (2 points, graded by a person)
#
# **Q6.** Describe, from *your* pictures above: (a) what kinds of patterns the first-layer filters of your
# fine-tuned network look for (give an example or two: which filter, what orientation or shape), and how they
# compare with the filters of the network trained from scratch on 250 images; (b) how the feature maps change
# from `conv1` to `pool2` (size, what they highlight on the ankle boot, how recognisable the boot stays), and
# why. Four to six sentences in the cell below.

# %% [markdown] nbgrader={"grade": true, "grade_id": "interpretation", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# (a) Most first-layer filters of the fine-tuned network are smooth edge detectors — a bright band next to
# a dark one, at various orientations (e.g. a horizontal edge detector that lights up on the sole, a vertical
# one on the boot's back) — and a few are blob or "brightness" detectors; they came from pretraining on
# 30,000 images and barely changed in fine-tuning. The filters learned from scratch on 250 images are noisier
# and less structured. (b) conv1's maps are 28×28 and still look like the boot, each highlighting its edges
# in one direction or its bright areas; after pooling and conv2 they are 14×14 then 7×7, coarser and more
# abstract (parts such as the sole or the shaft, combinations of edges), because each unit of a deeper layer
# combines many first-layer responses over a larger receptive field, and pooling keeps the strongest response
# of each 2×2 window.

# %% [markdown] nbgrader={"grade": false, "grade_id": "outro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Handing in
#
# Save this notebook, and hand it in **together with `transfer.keras`** (the file the fine-tuning cell
# saved next to it). `pretrained.keras`, `transfer_frozen.keras` and `scratch.keras` are yours to keep.
