"""09 Training well: every listed common mistake fails a visible test with a message that names it; a few
half-right answers pass visibly and fail when graded; numpy-only answers that call Keras are caught.

The solution runs once in-process (small budget, training cells skipped); each case replays one test cell
with one answer replaced.
"""

import pytest

from assignment_kit import assert_names_the_mistake, harness_fixture, non_answer_cells

NAME = "09-training-well"


harness = harness_fixture(NAME)


BN_TRAIN = '''
def batch_norm_train(x, gamma, beta, moving_mean, moving_var, momentum=0.99, epsilon=1e-3):
    x = np.asarray(x, dtype=float)
    axes = {axes}
    mean, var = x.mean(axis=axes, keepdims={keep}), x.var(axis=axes, ddof={ddof}, keepdims={keep})
    y = {y}
    mean, var = np.squeeze(mean), np.squeeze(var)
    new_mean = {new_mean}
    new_var = {new_var}
    return y, new_mean, new_var
'''


def _bn_train(axes="tuple(range(x.ndim - 1))", keep="False", ddof=0,
              y="gamma * (x - mean) / np.sqrt(var + epsilon) + beta",
              new_mean="momentum * moving_mean + (1 - momentum) * mean",
              new_var="momentum * moving_var + (1 - momentum) * var"):
    return BN_TRAIN.format(axes=axes, keep=keep, ddof=ddof, y=y, new_mean=new_mean, new_var=new_var)


BN_INFERENCE = '''
def batch_norm_inference(x, gamma, beta, moving_mean, moving_var, epsilon=1e-3):
    x = np.asarray(x, dtype=float)
    return {y}
'''

DROPOUT = '''
def dropout(x, rate, training, rng):
    x = np.asarray(x, dtype=float)
    if not training:
        return {inference}
    keep = {keep}
    return np.where(keep, {kept}, 0.0)
'''


def _dropout(inference="x", keep="rng.random(x.shape) >= rate", kept="x / (1 - rate)"):
    return DROPOUT.format(inference=inference, keep=keep, kept=kept)


def _l2(body):
    return f"def l2_penalty(weights, strength):\n    return {body}\n"


AUGMENT = '''
def augmentation():
    return keras.Sequential([{layers}], name="augmentation")
'''
STANDARD = "layers.RandomTranslation(0.1, 0.1), layers.RandomRotation({rotation}), layers.RandomZoom(0.1)"

BUILD = '''
def build_model(dropout_rate=0.3, l2=1e-4, augment=True):
    reg = regularizers.L2(l2) if l2 else None
    inputs = keras.Input(shape=(28, 28, 1))
    x = augmentation()(inputs) if augment and {augment} else inputs
    for filters in (16, 32):
        x = layers.Conv2D(filters, 5, padding="same", use_bias={bias}, kernel_regularizer=reg)(x)
        x = layers.MaxPooling2D(2)(layers.ReLU()(layers.BatchNormalization({momentum})(x)))
    x = layers.Flatten()(x)
    if {dropout_first}:
        x = layers.Dropout(dropout_rate)(x)
    x = layers.Dense(10, activation="softmax", kernel_regularizer=reg)(x)
    if {dropout_last}:
        x = layers.Dropout(dropout_rate)(x)
    return keras.Model(inputs, x)
'''


def _build(augment="True", bias="True", momentum="momentum=0.9", dropout_first="dropout_rate", dropout_last="False"):
    return BUILD.format(augment=augment, bias=bias, momentum=momentum, dropout_first=dropout_first,
                        dropout_last=dropout_last)


INITIAL = '''
def initial_loss_ok(model, x, y, tolerance=0.2):
    {loss}
    classes = int(model.output.shape[-1])
    return loss, {ok}
'''
DATA_LOSS = ("probs = model.predict(x, verbose=0)\n"
             "    loss = float(np.mean(-np.log(probs[np.arange(len(y)), np.asarray(y).reshape(-1)])))")


def _initial(loss=DATA_LOSS, ok="abs(loss - math.log(classes)) <= tolerance"):
    return INITIAL.format(loss=loss, ok=ok)


OVERFIT = '''
def overfits_tiny_subset(build_fn, x, y, steps=100, learning_rate=1e-3):
    model = build_fn()
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    for _ in range({steps}):
        model.train_on_batch(x, y)
    {measure}
    accuracy = float(np.mean(model.predict(x, verbose=0).argmax(axis=-1) == np.asarray(y).reshape(-1)))
    return accuracy, {ok}
'''


def _overfit(steps="steps", measure="", ok="accuracy >= 0.99"):
    return OVERFIT.format(steps=steps, measure=measure, ok=ok)


SGD = '''
def sgd_momentum_step(w, grad, velocity, learning_rate=0.01, momentum=0.9):
    w, grad, velocity = (np.asarray(a, dtype=float) for a in (w, grad, velocity))
    {body}
'''

OPTIMIZERS = '''
_MADE = {{"sgd": keras.optimizers.SGD(learning_rate=0.01{momentum}), "rmsprop": keras.optimizers.RMSprop(learning_rate=0.001),
         "adam": keras.optimizers.Adam(learning_rate=0.001)}}
def make_optimizer(name):
    if name not in _MADE:
        raise ValueError(f"unknown optimizer {{name!r}}: expected one of {{sorted(_MADE)}}")
    return {made}
'''

# (test cell, answer cell, the student's text, a fragment the failure message must contain)
MISTAKES = [
    ("test_batch_norm_train", "batch_norm_train",
     _bn_train(y="gamma * (x - moving_mean) / np.sqrt(moving_var + epsilon) + beta"),
     "normalising with the moving statistics"),
    ("test_batch_norm_train", "batch_norm_train", _bn_train(ddof=1), "the unbiased variance (ddof=1; Keras divides by m)"),
    ("test_batch_norm_train", "batch_norm_train", _bn_train(y="gamma * (x - mean) / (np.sqrt(var) + epsilon) + beta"),
     "√σ² + ε"),
    ("test_batch_norm_train", "batch_norm_train",
     _bn_train(axes="-1", keep="True", new_mean="moving_mean", new_var="moving_var"),
     "normalising each example over its features"),
    ("test_batch_norm_train", "batch_norm_train", _bn_train(y="(x - mean) / np.sqrt(var + epsilon)"), "leaving out γ and β"),
    ("test_batch_norm_train", "batch_norm_train",
     _bn_train(new_mean="(1 - momentum) * moving_mean + momentum * mean",
               new_var="(1 - momentum) * moving_var + momentum * var"), "the weights swapped (PyTorch's convention"),
    ("test_batch_norm_train", "batch_norm_train", _bn_train(new_mean="mean", new_var="var"),
     "replacing the moving mean by the batch mean"),
    ("test_batch_norm_train", "batch_norm_train",
     _bn_train(new_var="momentum * moving_var + (1 - momentum) * var * x.shape[0] / (x.shape[0] - 1)"),
     "the unbiased variance (ddof=1)"),
    ("test_batch_norm_train", "batch_norm_train", _bn_train(axes="0"), "statistics over the batch axis only"),
    ("test_batch_norm_inference", "batch_norm_inference",
     BN_INFERENCE.format(y="gamma * (x - x.mean(0)) / np.sqrt(x.var(0) + epsilon) + beta"),
     "normalising with the batch's statistics"),
    ("test_batch_norm_inference", "batch_norm_inference",
     BN_INFERENCE.format(y="gamma * (x - moving_mean) / (np.sqrt(moving_var) + epsilon) + beta"), "√σ² + ε"),
    ("test_batch_norm_inference", "batch_norm_inference",
     BN_INFERENCE.format(y="gamma * (x - moving_mean) / np.sqrt(moving_var) + beta"), "leaving out ε"),
    ("test_batch_norm_inference", "batch_norm_inference",
     BN_INFERENCE.format(y="gamma * (x - moving_mean) / (moving_var + epsilon) + beta"), "dividing by the variance"),
    ("test_dropout", "dropout", _dropout(inference="x * (1 - rate)"), "scaling by (1 − p) at inference"),
    ("test_dropout", "dropout", _dropout(keep="rng.random(x.shape) < rate"), "keeping entries with probability `rate`"),
    ("test_dropout", "dropout", _dropout(kept="x"), "not scaling the kept entries"),
    ("test_dropout", "dropout", _dropout(kept="x * (1 - rate)"), "multiplying by (1 − p) instead of dividing"),
    ("test_dropout", "dropout", _dropout(keep="np.random.random(x.shape) >= rate"), "the same rng seed must give the same mask"),
    ("test_l2_penalty", "l2_penalty", _l2("0.5 * strength * sum(np.sum(np.square(w)) for w in weights)"), "the ½"),
    ("test_l2_penalty", "l2_penalty", _l2("strength * sum(np.sqrt(np.sum(np.square(w))) for w in weights)"), "the norm"),
    ("test_l2_penalty", "l2_penalty",
     _l2("strength * np.mean(np.concatenate([np.ravel(w) ** 2 for w in weights]))"), "a mean instead of a sum"),
    ("test_l2_penalty", "l2_penalty", _l2("strength * np.sum(np.square(weights[0]))"), "only the first array"),
    ("test_augmentation", "augmentation",
     AUGMENT.format(layers='layers.RandomFlip("horizontal"), ' + STANDARD.format(rotation="10 / 360")), "a flip"),
    ("test_augmentation", "augmentation", AUGMENT.format(layers=STANDARD.format(rotation="10")), "not 10 degrees"),
    ("test_augmentation", "augmentation", AUGMENT.format(layers=STANDARD.format(rotation="math.radians(10)")), "radians"),
    ("test_augmentation", "augmentation", AUGMENT.format(layers=STANDARD.format(rotation="20 / 360")), "±20°"),
    ("test_build_model", "build_model", _build(dropout_first="False", dropout_last="dropout_rate"),
     "dropout after the classifier"),
    ("test_build_model", "build_model", _build(momentum=""), "Keras's default 0.99"),
    ("test_build_model", "build_model", _build(augment="False"), "leaving out the augmentation"),
    ("test_build_model", "build_model", _build(bias="False"), "use_bias=False"),
    ("test_build_model", "build_model", _build(dropout_first="True"), "no dropout layer when the rate is 0"),
    ("test_build_model", "build_model", _build().replace("kernel_regularizer=reg)(x)\n    if", "kernel_regularizer=None)(x)\n    if"),
     "kernel_regularizer"),
    ("test_initial_loss", "initial_loss_ok",
     _initial(loss="loss = float(model.evaluate(x, y, verbose=0))"), "model.evaluate's loss"),
    ("test_initial_loss", "initial_loss_ok", _initial(loss=DATA_LOSS + "\n    loss = -loss"), "the wrong sign"),
    ("test_initial_loss", "initial_loss_ok", _initial(ok="True"), "far above ln 10"),
    ("test_overfit", "overfits_tiny_subset", _overfit(ok="True"), "ok must come from the measured accuracy"),
    ("test_overfit", "overfits_tiny_subset", _overfit(measure="model = build_fn()"), "build one fresh model"),
    ("test_sgd_momentum", "sgd_momentum_step",
     SGD.format(body="return w - learning_rate * grad, velocity"), "ignoring the momentum"),
    ("test_sgd_momentum", "sgd_momentum_step",
     SGD.format(body="velocity = momentum * velocity + learning_rate * grad\n    return w + velocity, velocity"),
     "adding the gradient"),
    ("test_sgd_momentum", "sgd_momentum_step",
     SGD.format(body="velocity = momentum * velocity + grad\n    return w - learning_rate * velocity, velocity"),
     "PyTorch's velocity"),
    ("test_make_optimizer", "make_optimizer", OPTIMIZERS.format(momentum="", made="type(_MADE[name]).from_config("
                                                                                  "_MADE[name].get_config())"),
     "Keras's default momentum=0"),
    ("test_make_optimizer", "make_optimizer", OPTIMIZERS.format(momentum=", momentum=0.9", made="_MADE[name]"),
     "the same optimizer object twice"),
]


SLOW_TESTS = {"test_overfit"}  # each replay trains two small networks for 100 steps


def _cases(cases, id_of):
    return [pytest.param(*c, id=id_of(i, c), marks=[pytest.mark.slow] if c[0] in SLOW_TESTS else [])
            for i, c in enumerate(cases)]


@pytest.mark.parametrize("test, cell, source, fragment", _cases(MISTAKES, lambda i, c: f"{c[0]}:{c[3][:40]}"))
def test_each_common_mistake_fails_a_visible_test_that_names_it(harness, test, cell, source, fragment):
    message = harness.outcome(test, {cell: source})
    assert_names_the_mistake(message, test, fragment)


HIDDEN_ONLY = [
    ("test_batch_norm_train", "batch_norm_train",
     _bn_train(y="gamma * (x - mean) / np.sqrt(var + 1e-3) + beta")),                       # ignores epsilon
    ("test_initial_loss", "initial_loss_ok", _initial(ok="abs(loss - math.log(10)) <= tolerance")),  # 10 hard-coded
    ("test_initial_loss", "initial_loss_ok", _initial(ok="loss <= math.log(classes) + tolerance")),  # one-sided
    ("test_overfit", "overfits_tiny_subset", _overfit(steps="100")),                                 # ignores steps
]


@pytest.mark.parametrize("test, cell, source", _cases(HIDDEN_ONLY, lambda i, c: f"{c[0]}-{i}"))
def test_half_right_answers_pass_visibly_and_fail_when_graded(harness, test, cell, source):
    assert harness.outcome(test, {cell: source}) is None
    assert harness.outcome(test, {cell: source}, part="all") is not None


def test_numpy_only_answers_that_call_keras_are_caught(harness):
    from cnnkit.grading.scan import from_scratch

    provided = non_answer_cells(harness)
    numpy_only, built = harness.assignment.config.from_scratch
    cheats = {
        "batch_norm_train": "def batch_norm_train(x, gamma, beta, moving_mean, moving_var, momentum=0.99, epsilon=1e-3):\n"
                            "    bn = layers.BatchNormalization(momentum=momentum, epsilon=epsilon)\n"
                            "    bn.build(x.shape)\n    bn.set_weights([gamma, beta, moving_mean, moving_var])\n"
                            "    return bn(x, training=True), bn.moving_mean, bn.moving_variance\n",
        "batch_norm_inference": "import tensorflow as tf\n"
                                "def batch_norm_inference(x, gamma, beta, moving_mean, moving_var, epsilon=1e-3):\n"
                                "    return tf.nn.batch_normalization(x, moving_mean, moving_var, beta, gamma, epsilon)\n",
        "dropout": "def dropout(x, rate, training, rng):\n    return keras.layers.Dropout(rate)(x, training=training)\n",
        "l2_penalty": "def l2_penalty(weights, strength):\n"
                      "    return sum(float(regularizers.L2(strength)(w)) for w in weights)\n",
        "sgd_momentum_step": "from keras import ops\n"
                             "def sgd_momentum_step(w, grad, velocity, learning_rate=0.01, momentum=0.9):\n"
                             "    v = ops.subtract(ops.multiply(velocity, momentum), ops.multiply(grad, learning_rate))\n"
                             "    return ops.add(w, v), v\n",
    }
    found = {}
    for finding in from_scratch(numpy_only, cheats, provided):
        found.setdefault(finding.cell, set()).add(finding.what)
    assert set(found) == set(cheats), found
    assert "keras.layers.BatchNormalization" in found["batch_norm_train"]
    assert "tensorflow.nn.batch_normalization" in found["batch_norm_inference"]
    assert "keras.regularizers.L2" in found["l2_penalty"]
    honest = {cell: harness.cells[cell].source for cell in numpy_only.answers + built.answers}
    assert from_scratch(numpy_only, honest, provided) == [] and from_scratch(built, honest, provided) == []


def test_the_graded_network_loads_safely_as_the_referee_loads_it(harness, tmp_path):
    from cnnkit.checks import compare_architecture
    from cnnkit.grading.referee.measure import Measurer

    model = harness.namespace["build_model"]()
    model.save(tmp_path / "regularised_cnn.keras")
    loaded = Measurer()._load(str(tmp_path / "regularised_cnn.keras"))  # Keras safe_mode, registered classes only
    assert compare_architecture(loaded, model).ok
    assert {type(layer).__module__.split(".")[0] for layer in loaded.layers} == {"keras"}
