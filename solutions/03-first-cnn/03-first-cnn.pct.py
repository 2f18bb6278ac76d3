# %% [markdown] nbgrader={"grade": false, "grade_id": "intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# # 03 · A first CNN on Fashion-MNIST
#
# **14 points · about 90 minutes, plus a few minutes of training · hand in: this notebook and
# `fashion_cnn.keras`.**
#
# You will build the small network designed step by step in the lecture on convolutional networks,
# train it on Fashion-MNIST (60,000 training images of 28×28 clothes, 10 classes), evaluate it with
# accuracy, per-class precision / recall / F1 and a confusion matrix, and explain what it confuses.
#
# **How this notebook is graded.** Each question has a test cell: its visible checks run now and tell
# you what is wrong and why; hidden checks on other inputs run when the notebook is graded. Train
# where you have the compute (a GPU, Colab, or a few patient minutes on a laptop CPU): the training
# cell saves the trained model as `fashion_cnn.keras` **next to this notebook — hand that file in
# together with the notebook.** The grader never retrains: it loads your `fashion_cnn.keras`, checks
# that it is the network this notebook asks for, and measures its accuracy on the 10,000 held-out test
# images. The pass mark is **87.7%**, calibrated by training the reference solution with three seeds
# (their lowest accuracy minus a 3-point margin). The last question is an explanation in your own
# words, graded by a person.

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
from cnnkit.viz import plot_confusion_matrix, plot_history

cfg = config()  # assignment.toml beside this notebook: the training recipe and the file to hand in
MODEL_PATH = "fashion_cnn.keras"  # saved beside this notebook: hand it in with the notebook

# %% nbgrader={"grade": false, "grade_id": "data", "locked": true, "schema_version": 3, "solution": false, "task": false}
(x_train, y_train), (x_test, y_test) = load("fashion_mnist")
CLASSES = class_names("fashion_mnist")
print("train:", x_train.shape, x_train.dtype, " test:", x_test.shape, " classes:", CLASSES)

# %% [markdown] nbgrader={"grade": false, "grade_id": "preprocess-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 1. Preprocessing (1 point)
#
# The images are `uint8` arrays of shape `(N, 28, 28, 1)` with values 0–255. Networks train best on small
# floating-point inputs.
#
# **Q1.** Write `preprocess(images)`: return `float32` values in `[0, 1]` (divide by 255) of shape
# `(N, 28, 28, 1)`; accept `(N, 28, 28)` too by adding the channel axis.

# %% nbgrader={"grade": false, "grade_id": "preprocess", "locked": false, "schema_version": 3, "solution": true, "task": false}
def preprocess(images):
    ### BEGIN SOLUTION
    x = np.asarray(images, dtype="float32") / 255.0
    return x[..., None] if x.ndim == 3 else x
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_preprocess", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
x = preprocess(x_train[:8])
check_output_shape(x, (8, 28, 28, 1), "preprocess(x_train[:8])")
check_value(str(x.dtype), "float32", "preprocess: dtype",
            why="Keras trains in float32; numpy's default float64 doubles the memory — use .astype('float32')")
brightest = float(x_train[:8].max())
check_value(float(x.max()), brightest / 255, "the brightest value after preprocess", rel_tol=1e-6,
            why="scale 0..255 to [0, 1]: x / 255",
            mistakes={brightest: "leaving the pixels at 0..255", brightest / 256: "dividing by 256"})
check_array(x, x_train[:8] / 255.0, "preprocess(x_train[:8])", why="every pixel divided by 255")
check_output_shape(preprocess(x_train[:3, ..., 0]), (3, 28, 28, 1), "preprocess of (N, 28, 28) images")
### BEGIN HIDDEN TESTS
raw = np.array([[[0, 255], [51, 102]]] * 3, dtype=np.uint8)  # shape (3, 2, 2): no channel axis
check_array(preprocess(raw), (raw / 255.0)[..., None], "preprocess of (N, H, W) images", atol=1e-6,
            why="add the channel axis: (N, H, W) -> (N, H, W, 1)")
check_value(str(preprocess(raw.astype("float64")).dtype), "float32", "preprocess of float64 images: dtype",
            why="always return float32")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "model-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 2. The network (4 points)
#
# The lecture's network for 28×28 grey images:
#
# ```
# [INPUT 28×28×1]
# [CONV1 16 kernels 5×5, stride 1, padding 2] → [BATCH NORM] → [ReLU] → [POOL1 max 2×2, stride 2]
# [CONV2 32 kernels 5×5, stride 1, padding 2] → [BATCH NORM] → [ReLU] → [POOL2 max 2×2, stride 2]
# [FLATTEN] → [FC 10, softmax]
# ```
#
# Padding 2 with a 5×5 kernel and stride 1 keeps the size, $(28 - 5 + 2\cdot 2)/1 + 1 = 28$: in Keras that
# is `padding="same"`. Use exactly these layers, in this order (`Conv2D`, `BatchNormalization`, `ReLU`,
# `MaxPooling2D`, twice, then `Flatten` and `Dense`), keep the convolutions' biases, and build with the
# functional API starting from `keras.Input(shape=(28, 28, 1))`, from Keras layers (not from a ready-made
# model). Notebook 02 counts its parameters: 416 + 64 + 12,832 + 128 + 15,690 = **29,130**.
#
# **Q2.** Write `build_model()`.

# %% nbgrader={"grade": false, "grade_id": "build_model", "locked": false, "schema_version": 3, "solution": true, "task": false}
def build_model():
    ### BEGIN SOLUTION
    from keras import layers

    inputs = keras.Input(shape=(28, 28, 1))
    x = inputs
    for i, filters in enumerate((16, 32), start=1):
        x = layers.Conv2D(filters, 5, padding="same", name=f"conv{i}")(x)
        x = layers.BatchNormalization(name=f"bn{i}")(x)
        x = layers.ReLU(name=f"relu{i}")(x)
        x = layers.MaxPooling2D(2, strides=2, name=f"pool{i}")(x)
    x = layers.Flatten(name="flatten")(x)
    outputs = layers.Dense(10, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, outputs, name="fashion_cnn")
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_param_count", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# The lecture's count, layer by layer, with the formulas of cnnkit.analysis:
conv1, conv2 = analysis.conv2d_params(5, 1, 16), analysis.conv2d_params(5, 16, 32)
bn = analysis.batch_norm_params(16)["total"] + analysis.batch_norm_params(32)["total"]
fc = analysis.dense_params(7 * 7 * 32, 10)
student_model = build_model()
check_output_shape(student_model, (10,), "model output")
check_param_count(student_model, conv1 + conv2 + bn + fc, "parameters (the lecture's network)", mistakes={
    conv1 + conv2 + bn + fc - 16 - 32: "use_bias=False in the convolutions (this network keeps the biases)",
    conv1 + conv2 + fc: "leaving out batch normalisation",
    analysis.conv2d_params(3, 1, 16) + analysis.conv2d_params(3, 16, 32) + bn + fc: "3×3 kernels instead of 5×5",
    conv1 + conv2 + bn + analysis.dense_params(4 * 4 * 32, 10): "padding='valid' (28 → 24 → 12 → 8 → 4 instead of 28 → 14 → 7)",
})
### BEGIN HIDDEN TESTS
# conv1 5·5·1·16 + 16 and conv2 5·5·16·32 + 32; BN 4 numbers per channel (16 + 32 channels).
for kind, count in [("Conv2D", conv1 + conv2), ("BatchNormalization", bn)]:
    found = sum(l.count_params() for l in student_model.layers if type(l).__name__ == kind)
    check_value(found, count, f"{kind} parameters", why="conv: k·k·C_in·C_out + C_out; BN: 4 per channel")
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_architecture", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# Layer by layer: kind and output shape, each size from the output-size formula (n - k + 2p)/s + 1.
same = analysis.conv_output_size(28, 5, 1, 2)                      # 28: padding 2 keeps the size
half = analysis.pool_output_size(same, 2, 2)                      # 14
quarter = analysis.pool_output_size(analysis.conv_output_size(half, 5, 1, 2), 2, 2)  # 7
expected = [("Conv2D", (same, same, 16)), ("BatchNormalization", (same, same, 16)), ("ReLU", (same, same, 16)),
            ("MaxPooling2D", (half, half, 16)), ("Conv2D", (half, half, 32)), ("BatchNormalization", (half, half, 32)),
            ("ReLU", (half, half, 32)), ("MaxPooling2D", (quarter, quarter, 32)), ("Flatten", (quarter * quarter * 32,)),
            ("Dense", (10,))]
found = [(s.kind, tuple(s.output_shape)) for s in layer_specs(build_model()) if s.kind != "InputLayer"]
check_value(len(found), len(expected), "number of layers after the input",
            why="conv → BN → ReLU → pool, twice, then flatten and dense: 10 layers")
for i, ((kind, shape), (want_kind, want_shape)) in enumerate(zip(found, expected), start=1):
    check_value(kind, want_kind, f"layer {i}: kind", why="the lecture's order is conv → batch norm → ReLU → max-pool")
    check_value(shape, want_shape, f"layer {i} ({kind}): output shape",
                why="(n - k + 2p)/s + 1: 5×5 with padding 2 keeps 28 and 14; 2×2 pooling with stride 2 halves")
### BEGIN HIDDEN TESTS
from cnnkit.checks import compare_architecture, compare_probes
from cnnkit.models import SimpleCNN

# Against the reference network: every layer's type, shape, parameters, kernel, stride, padding,
# activation; then the same fixed weights and input must give the same outputs (BN statistics too).
compare_architecture(build_model(), SimpleCNN()).assert_ok()
compare_probes(build_model(), SimpleCNN())
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "compile-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 3. Loss and optimizer (1 point)
#
# The labels are integers 0–9 and the network already ends in a softmax, so its outputs are
# probabilities: the loss is the **sparse categorical cross-entropy** on probabilities (not on logits).
# Use the Adam optimizer with learning rate 0.001 and report the accuracy.
#
# **Q3.** Write `compile_model(model)` (it compiles the model in place).

# %% nbgrader={"grade": false, "grade_id": "compile_model", "locked": false, "schema_version": 3, "solution": true, "task": false}
def compile_model(model):
    ### BEGIN SOLUTION
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_compile", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
compiled = build_model()
compile_model(compiled)
assert compiled.get_compile_config() is not None, "compile_model: the model is not compiled — call model.compile(...)"
# The loss on a fixed batch of probabilities and integer labels, against -mean(log p[label]):
probs = np.array([[0.7, 0.2, 0.1] + [0.0] * 7, [0.1, 0.6, 0.3] + [0.0] * 7], dtype="float32")
labels = np.array([0, 2])
want = float(-np.mean(np.log(probs[np.arange(2), labels])))
as_logits = float(-np.mean([p[l] - np.log(np.exp(p).sum()) for p, l in zip(probs, labels)]))
try:
    got = float(np.mean(keras.ops.convert_to_numpy(keras.losses.get(compiled.loss)(labels, probs))))
except Exception as exc:
    raise GradingError("loss", "sparse categorical cross-entropy", f"a loss that fails on integer labels "
                       f"({type(exc).__name__})", "the labels are integers 0–9, not one-hot vectors: use the sparse "
                       "version") from None
check_value(got, want, "loss on a fixed batch", rel_tol=1e-4,
            why="sparse categorical cross-entropy of probabilities: -mean(log p[label])",
            mistakes={as_logits: "from_logits=True on a model that already ends in softmax"})
metrics = str(compiled.get_compile_config().get("metrics"))
assert "acc" in metrics, f"metrics: expected accuracy, got {metrics} — pass metrics=['accuracy']"
### BEGIN HIDDEN TESTS
check_value(type(compiled.optimizer).__name__, "Adam", "optimizer", why="the notebook asks for Adam")
lr = float(keras.ops.convert_to_numpy(compiled.optimizer.learning_rate))
check_value(lr, 1e-3, "learning rate", rel_tol=1e-6, why="Adam with learning rate 0.001")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "train-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 4. Training
#
# The cell below trains with the course's recipe (read from `assignment.toml` beside this notebook: the
# number of epochs, the batch size and a learning-rate schedule on top of *your* optimizer and loss),
# shows a progress bar, and **saves `fashion_cnn.keras` next to this notebook**. While the notebook is
# graded, `fit_or_load` loads your handed-in file instead of training. Pass `reuse=True` to load a
# matching file you already trained, after a kernel restart.

# %% nbgrader={"grade": false, "grade_id": "train", "locked": true, "schema_version": 3, "solution": false, "task": false} tags=["training"]
keras.utils.set_random_seed(seed())
model = build_model()
compile_model(model)
model, history = fit_or_load(model, preprocess(x_train), y_train, path=MODEL_PATH, recipe=cfg.training())

# %% nbgrader={"grade": false, "grade_id": "curves", "locked": true, "schema_version": 3, "solution": false, "task": false}
if history:
    display(plot_history(history, title="the lecture's network on Fashion-MNIST"))
else:
    print("no training history next to the model file; nothing to plot")

# %% [markdown] nbgrader={"grade": false, "grade_id": "metrics-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 5. Evaluation: accuracy, precision, recall, F1, confusion matrix (2 points)
#
# For each class $c$: **precision** = of the images predicted $c$, the fraction that are $c$;
# **recall** = of the images of class $c$, the fraction predicted $c$; **F1** = their harmonic mean
# $2PR/(P+R)$. The **confusion matrix** $M$ counts $M[\text{true}, \text{predicted}]$: rows are the true
# class, columns the prediction. A class never predicted has precision 0 (not NaN); likewise for recall
# and F1. Accuracy is a fraction between 0 and 1.
#
# **Q4.** Write `classification_metrics(y_true, y_pred, n_classes)` returning a dict with `"accuracy"`
# (a float), `"precision"`, `"recall"`, `"f1"` (arrays of length `n_classes`) and `"confusion"`
# (`n_classes × n_classes` integers) — **with numpy only** (no scikit-learn, TensorFlow or Keras).

# %% nbgrader={"grade": false, "grade_id": "classification_metrics", "locked": false, "schema_version": 3, "solution": true, "task": false}
def classification_metrics(y_true, y_pred, n_classes):
    ### BEGIN SOLUTION
    y_true, y_pred = np.asarray(y_true).ravel(), np.asarray(y_pred).ravel()
    confusion = np.zeros((n_classes, n_classes), dtype=int)
    np.add.at(confusion, (y_true, y_pred), 1)
    tp = np.diag(confusion).astype(float)
    predicted, actual = confusion.sum(axis=0), confusion.sum(axis=1)
    precision = np.divide(tp, predicted, out=np.zeros(n_classes), where=predicted > 0)
    recall = np.divide(tp, actual, out=np.zeros(n_classes), where=actual > 0)
    denom = precision + recall
    f1 = np.divide(2 * precision * recall, denom, out=np.zeros(n_classes), where=denom > 0)
    return {"accuracy": float(tp.sum() / len(y_true)), "precision": precision, "recall": recall,
            "f1": f1, "confusion": confusion}
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_classification_metrics", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from sklearn import metrics as skm  # the reference answers (your code must not use it)

# Class 0 is predicted 3 times, class 1 twice, class 2 never: precision of class 2 is 0/0 → 0.
y_true, y_pred = np.array([0, 0, 1, 1, 2, 2]), np.array([0, 1, 1, 0, 0, 1])
m = classification_metrics(y_true, y_pred, 3)
want = skm.confusion_matrix(y_true, y_pred, labels=range(3))
got = np.asarray(m["confusion"])
if got.shape == want.shape and np.array_equal(got.T, want) and not np.array_equal(got, want):
    raise GradingError("confusion matrix", "rows = true class", "rows = predicted class",
                       "it is transposed: M[true, predicted] counts images of class true predicted as predicted")
check_array(got, want, "confusion matrix", why="M[true, predicted]: rows are the true class")
acc = skm.accuracy_score(y_true, y_pred)
check_value(m["accuracy"], acc, "accuracy", rel_tol=1e-9, why="correct predictions / all predictions",
            mistakes={acc * 100: "a percentage instead of a fraction"})
p, r, f, _ = skm.precision_recall_fscore_support(y_true, y_pred, labels=range(3), zero_division=0)
if np.allclose(np.nan_to_num(np.asarray(m["precision"], float)), r) and not np.allclose(p, r):
    raise GradingError("precision", np.round(p, 3).tolist(), np.round(np.asarray(m["precision"], float), 3).tolist(),
                       "these are the recalls: precision divides by how often a class was PREDICTED (column sums)")
check_array(m["precision"], p, "precision per class",
            why="TP / times predicted; a class never predicted has precision 0, not NaN (0/0)")
check_array(m["recall"], r, "recall per class", why="TP / images of that class (row sums)")
check_array(m["f1"], f, "F1 per class", why="2PR / (P + R), and 0 when P + R = 0")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(3)
y_true = rng.integers(0, 10, 500)
y_pred = np.where(rng.random(500) < 0.7, y_true, rng.integers(0, 9, 500))  # class 9 is rarely predicted
y_pred[y_pred == 9] = 8                                                   # ... and never: precision 0, not NaN
m = classification_metrics(y_true, y_pred, 10)
check_array(m["confusion"], skm.confusion_matrix(y_true, y_pred, labels=range(10)), "confusion matrix (10 classes)")
p, r, f, _ = skm.precision_recall_fscore_support(y_true, y_pred, labels=range(10), zero_division=0)
check_array(m["precision"], p, "precision (a class never predicted)", atol=1e-9)
check_array(m["recall"], r, "recall", atol=1e-9)
check_array(m["f1"], f, "F1", atol=1e-9)
### END HIDDEN TESTS

# %% nbgrader={"grade": false, "grade_id": "evaluate", "locked": true, "schema_version": 3, "solution": false, "task": false}
if is_autograding():
    print("(the evaluation and its plot are skipped while the notebook is graded)")
else:
    y_prob = model.predict(preprocess(x_test), batch_size=1000, verbose=0)
    report = classification_metrics(y_test, y_prob.argmax(axis=1), len(CLASSES))
    print(f"test accuracy: {report['accuracy']:.4f}\n")
    print(f"{'class':<14}{'precision':>10}{'recall':>10}{'F1':>10}")
    for name, p, r, f in zip(CLASSES, report["precision"], report["recall"], report["f1"]):
        print(f"{name:<14}{p:>10.3f}{r:>10.3f}{f:>10.3f}")
    display(plot_confusion_matrix(report["confusion"], CLASSES, title="Fashion-MNIST test set"))

# %% [markdown] nbgrader={"grade": false, "grade_id": "grade-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 6. The graded model (4 points)
#
# The test below checks that a trained model exists (trained in this session, or your handed-in
# `fashion_cnn.keras` while the notebook is graded) and that it is the network `build_model()` builds.
# The grader then measures it itself, on the 10,000 test images: the 4 points need an accuracy of at
# least **87.7%** (the reference solution reaches about 91% with the recipe).

# %% nbgrader={"grade": true, "grade_id": "test_trained_model", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
status = load_status(model)
assert status is not None, "run the training cell first (fit_or_load)"
assert status.ok, status.reason
assert os.path.isfile(MODEL_PATH), f"{MODEL_PATH}: expected the saved model next to the notebook, found nothing"

# %% [markdown] nbgrader={"grade": false, "grade_id": "interpret-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 7. What does the network confuse? (2 points, graded by a person)
#
# **Q5.** Look at your confusion matrix (section 5). Which two classes does the network confuse most, and
# in which direction (which true class is predicted as which)? Give one reason, from what the images look
# like at 28×28 pixels, why these two are hard to tell apart, and one change that might help. Three to
# five sentences in the cell below.

# %% [markdown] nbgrader={"grade": true, "grade_id": "interpretation", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# Shirts are most often predicted as T-shirt/top (and T-shirts as shirts), with pullovers and coats
# close behind: at 28×28 pixels all four are a grey upper-body silhouette with sleeves, and the details
# that separate them (a collar, buttons, a zip, the fabric's texture) are only a few pixels wide or lost
# in the downsampling. Ankle boots, trousers and bags are almost never confused: their outlines are
# unique. More capacity in the early layers, or augmentation that keeps these details, could help.

# %% [markdown] nbgrader={"grade": false, "grade_id": "outro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Handing in
#
# Save this notebook, and hand it in **together with `fashion_cnn.keras`** (the file the training cell
# saved next to it). Both files, same folder, nothing else needed.
