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
# # 03 · A first CNN on Fashion-MNIST
#
# You will build the network designed step by step in seed 001, train it on Fashion-MNIST (60,000
# training images of 28×28 clothes, 10 classes), evaluate it with accuracy, per-class precision / recall /
# F1 and a confusion matrix, and save it.
#
# **How this notebook is graded.** Train where you have the compute (a GPU, Colab, or patience on a
# laptop: 5 epochs take a few minutes on a CPU). The training cell saves the trained model as
# `fashion_cnn.keras` **next to this notebook — hand that file in together with the notebook.** The
# autograder does not retrain: it loads your `fashion_cnn.keras`, checks that it has the architecture your
# `build_model()` builds, and measures its accuracy on the 10,000 test images against a threshold
# calibrated on the reference solution. No file, or a file from a different architecture, scores zero
# on that test (and only that test).

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import os

import keras
import numpy as np

from cnnkit.data import class_names, load
from cnnkit.grading import (check_architecture, check_array, check_output_shape, check_param_count,
                            fit_or_load, load_status)
from cnnkit.models import SimpleCNN
from cnnkit.viz import plot_confusion_matrix, plot_history

MODEL_PATH = "fashion_cnn.keras"  # saved beside this notebook: submit it with the notebook
EPOCHS = 5
BATCH_SIZE = 128

# %% nbgrader={"grade": false, "grade_id": "data", "locked": true, "schema_version": 3, "solution": false, "task": false}
(x_train, y_train), (x_test, y_test) = load("fashion_mnist")
CLASSES = class_names("fashion_mnist")
print("train:", x_train.shape, x_train.dtype, " test:", x_test.shape, " classes:", CLASSES)


# %% [markdown] nbgrader={"grade": false, "grade_id": "preprocess-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 1. Preprocessing
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
assert x.dtype == np.float32, f"preprocess: expected dtype float32, got {x.dtype} — use .astype('float32')"
check_array(x, x_train[:8] / 255.0, "preprocess(x_train[:8])", atol=1e-6, why="divide by 255")
### BEGIN HIDDEN TESTS
raw = np.array([[[0, 255], [51, 102]]] * 3, dtype=np.uint8)  # shape (3, 2, 2): no channel axis
check_array(preprocess(raw), (raw / 255.0)[..., None], "preprocess of (N, H, W) images", atol=1e-6,
            why="add the channel axis: (N, H, W) -> (N, H, W, 1)")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "model-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 2. The network (seed 001)
#
# ```
# [INPUT 28×28×1]
# [CONV1 16 kernels 5×5, stride 1, padding 2] → [BATCH NORM] → [ReLU] → [POOL1 max 2×2, stride 2]
# [CONV2 32 kernels 5×5, stride 1, padding 2] → [BATCH NORM] → [ReLU] → [POOL2 max 2×2, stride 2]
# [FLATTEN] → [FC 10, softmax]
# ```
#
# Padding 2 with a 5×5 kernel and stride 1 keeps the size: in Keras that is `padding="same"`. Use exactly
# these layers, in this order (`Conv2D`, `BatchNormalization`, `ReLU`, `MaxPooling2D`, twice, then `Flatten`
# and `Dense`), keep the convolutions' biases, and build with the functional API starting from
# `keras.Input(shape=(28, 28, 1))`. Seed 001 (and notebook 02) count **29,130** parameters.
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
student_model = build_model()
check_output_shape(student_model, (10,), "model output")
check_param_count(student_model, 29_130, "parameters (seed 001)")
### BEGIN HIDDEN TESTS
for name, params in [("conv", 416 + 12_832), ("bn", 64 + 128)]:
    # Seed 001: conv1 5·5·1·16 + 16, conv2 5·5·16·32 + 32; BN 4 numbers per channel (16 + 32 channels).
    layers_of_kind = [l for l in student_model.layers if type(l).__name__ == ("Conv2D" if name == "conv" else "BatchNormalization")]
    check_param_count(sum(l.count_params() for l in layers_of_kind), params, f"{name} parameters")
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_architecture", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# Layer by layer against the reference (cnnkit.models.SimpleCNN): type, output shape, parameters,
# kernel, stride, padding, activation.
check_architecture(build_model(), SimpleCNN())
### BEGIN HIDDEN TESTS
from cnnkit.grading import compare_probes

# Same fixed weights, same fixed input: same outputs in inference and in training mode (BN statistics).
compare_probes(build_model(), SimpleCNN())
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "compile-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 3. Loss and optimizer
#
# The labels are integers 0–9 and the network ends in a softmax, so the loss is the **sparse categorical
# cross-entropy**. Use the Adam optimizer with learning rate 0.001 and report the accuracy.
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
config = compiled.get_compile_config()
assert config is not None, "compile_model: the model is not compiled — call model.compile(...)"
loss = config["loss"] if isinstance(config["loss"], str) else keras.saving.serialize_keras_object(config["loss"])
assert "sparse_categorical_crossentropy" in str(loss).lower() or "SparseCategoricalCrossentropy" in str(loss), \
    f"loss: expected sparse categorical cross-entropy (integer labels + softmax), got {loss}"
### BEGIN HIDDEN TESTS
assert isinstance(compiled.optimizer, keras.optimizers.Adam), \
    f"optimizer: expected Adam, got {type(compiled.optimizer).__name__}"
lr = float(keras.ops.convert_to_numpy(compiled.optimizer.learning_rate))
assert abs(lr - 1e-3) < 1e-9, f"learning rate: expected 0.001, got {lr}"
assert "accuracy" in str(config.get("metrics")), f"metrics: expected accuracy, got {config.get('metrics')}"
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "train-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 4. Training
#
# The cell below trains with a progress bar (5 epochs, batches of 128, 10% of the training images held
# out for validation) and **saves `fashion_cnn.keras` next to this notebook**. `fit_or_load` trains in your
# session; while the autograder runs it loads your submitted file instead (it never retrains).
# Pass `reuse=True` to load an existing matching file instead of training again after a kernel restart.

# %% nbgrader={"grade": false, "grade_id": "train", "locked": true, "schema_version": 3, "solution": false, "task": false} tags=["training"]
keras.utils.set_random_seed(0)
model = build_model()
compile_model(model)
model, history = fit_or_load(model, preprocess(x_train), y_train, path=MODEL_PATH, epochs=EPOCHS,
                             batch_size=BATCH_SIZE, validation_split=0.1, verbose=1)

# %% nbgrader={"grade": false, "grade_id": "curves", "locked": true, "schema_version": 3, "solution": false, "task": false}
if history:
    display(plot_history(history, title="seed 001 network on Fashion-MNIST"))
else:
    print("no training history next to the model file; nothing to plot")


# %% [markdown] nbgrader={"grade": false, "grade_id": "metrics-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 5. Evaluation: accuracy, precision, recall, F1, confusion matrix
#
# For each class $c$ (seed 001): **precision** = of the images predicted $c$, the fraction that are $c$;
# **recall** = of the images of class $c$, the fraction predicted $c$; **F1** = their harmonic mean
# $2PR/(P+R)$. The **confusion matrix** $M$ counts $M[\text{true}, \text{predicted}]$.
# A class never predicted has precision 0 (not NaN); likewise for recall and F1.
#
# **Q4.** Write `classification_metrics(y_true, y_pred, n_classes)` returning a dict with `"accuracy"`
# (a float), `"precision"`, `"recall"`, `"f1"` (arrays of length `n_classes`) and `"confusion"`
# (`n_classes × n_classes` integers) — with numpy only.

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
from sklearn import metrics as skm

y_true, y_pred = np.array([0, 0, 1, 1, 2, 2, 2]), np.array([0, 1, 1, 1, 2, 0, 2])
m = classification_metrics(y_true, y_pred, 3)
check_array(m["confusion"], skm.confusion_matrix(y_true, y_pred, labels=range(3)), "confusion matrix (rows: true)")
assert abs(m["accuracy"] - skm.accuracy_score(y_true, y_pred)) < 1e-9, f"accuracy: expected {skm.accuracy_score(y_true, y_pred)}, got {m['accuracy']}"
p, r, f, _ = skm.precision_recall_fscore_support(y_true, y_pred, labels=range(3), zero_division=0)
check_array(m["precision"], p, "precision per class")
check_array(m["recall"], r, "recall per class")
check_array(m["f1"], f, "F1 per class")
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
y_prob = model.predict(preprocess(x_test), batch_size=1000, verbose=0)
report = classification_metrics(y_test, y_prob.argmax(axis=1), len(CLASSES))
print(f"test accuracy: {report['accuracy']:.4f}\n")
print(f"{'class':<14}{'precision':>10}{'recall':>10}{'F1':>10}")
for name, p, r, f in zip(CLASSES, report["precision"], report["recall"], report["f1"]):
    print(f"{name:<14}{p:>10.3f}{r:>10.3f}{f:>10.3f}")
display(plot_confusion_matrix(report["confusion"], CLASSES, title="Fashion-MNIST test set"))

# %% [markdown] nbgrader={"grade": false, "grade_id": "grade-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 6. The graded model
#
# The test below checks that a trained model exists (trained in this session, or your submitted
# `fashion_cnn.keras` when autograding); the autograder then measures its accuracy on the 10,000 test
# images against the calibrated threshold (the reference solution reaches about 89–90% after 5 epochs).

# %% nbgrader={"grade": true, "grade_id": "test_trained_model", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
status = load_status(model)
assert status is not None, "run the training cell (fit_or_load) first"
assert status.ok, status.reason
assert os.path.isfile(MODEL_PATH), f"{MODEL_PATH}: expected the saved model next to the notebook, found nothing"
### BEGIN HIDDEN TESTS
from cnnkit.grading import check_accuracy
from cnnkit.grading.thresholds import threshold

_, (x_held, y_held) = load("fashion_mnist")  # a fresh copy of the held-out test split
pass_mark = threshold("03-first-cnn")
accuracy = check_accuracy(model, (x_held.astype("float32") / 255.0, y_held), pass_mark)
print(f"test accuracy {accuracy:.4f} >= calibrated threshold {pass_mark:.3f}")
### END HIDDEN TESTS
