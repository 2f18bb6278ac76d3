"""Assignment 10 (transfer learning and visualisation): every common mistake fails a visible test with a
message that names it; the one left to the hidden tests is caught there; the online ImageNet path builds
offline (without weights); and, as the notebook claims, the fine-tuned network beats the same network
trained from scratch on the notebook's 250 labels, for two seeds."""

from __future__ import annotations

import numpy as np
import pytest

from assignment_kit import assert_names_the_mistake, assert_the_solution_passes, harness_fixture

NAME = "10-transfer-learning"


harness = harness_fixture(NAME)


FEW_LABELS = "def few_labels(labels, per_class, seed):\n{}"
CLASSIFIER = '''
def build_classifier(n_classes):
    from keras import layers
    inputs = keras.Input(shape=(28, 28, 1))
    x = layers.Conv2D(16, {k1}, padding="{pad}", activation="relu", name="conv1")(inputs)
    x = layers.MaxPooling2D(2, strides=2, name="pool1")(x)
    x = layers.Conv2D(32, 3, padding="{pad}", activation="relu", name="conv2")(x)
    x = layers.MaxPooling2D(2, strides=2, name="pool2")(x)
    x = layers.{flat}(name="{features}")(x)
    outputs = layers.Dense(n_classes, activation={act}, name="predictions")(x)
    return keras.Model(inputs, outputs)
'''
COMPILE = '''
FINETUNE_LR = {lr}
def compile_model(model, learning_rate):
    model.compile(optimizer={opt}, loss={loss}, metrics=["accuracy"])
'''
NEW_HEAD = '''
def new_head(pretrained, n_classes, freeze=True):
{body}
'''
FEATURE_MAPS = '''
def feature_maps(model, image, layer_name):
{body}
'''


def classifier(k1=5, pad="same", flat="Flatten", features="features", act='"softmax"'):
    return CLASSIFIER.format(k1=k1, pad=pad, flat=flat, features=features, act=act)


def compile_answer(lr="PRETRAIN_LR / 10", opt="keras.optimizers.Adam(learning_rate=learning_rate)",
                   loss='"sparse_categorical_crossentropy"'):
    return COMPILE.format(lr=lr, opt=opt, loss=loss)


def indent(text):
    return "\n".join("    " + line for line in text.strip("\n").splitlines())


HEAD_OK = '''
for layer in pretrained.layers:
    layer.trainable = not freeze
outputs = keras.layers.Dense(n_classes, activation="softmax", name="new_predictions")(pretrained.get_layer("features").output)
return keras.Model(pretrained.input, outputs)
'''

# (test, answer cell, the student's text, what the visible failure message must say)
VISIBLE = [
    ("test_few_labels", "few_labels", FEW_LABELS.format(indent('''
rng = np.random.default_rng(seed)
return np.sort(rng.choice(len(labels), per_class, replace=False))''')), "taking per_class images in all instead of per class"),
    ("test_few_labels", "few_labels", FEW_LABELS.format(indent('''
rng = np.random.default_rng(seed)
return np.sort(rng.choice(len(labels), per_class * len(np.unique(labels)), replace=False))''')),
     "pick within each class"),
    ("test_few_labels", "few_labels", FEW_LABELS.format(indent('''
rng = np.random.default_rng(seed)
return np.sort(np.concatenate([rng.choice(np.flatnonzero(labels == c), per_class) for c in np.unique(labels)]))''')),
     "replace=False"),
    ("test_few_labels", "few_labels", FEW_LABELS.format(indent('''
rng = np.random.default_rng()
return np.sort(np.concatenate([rng.choice(np.flatnonzero(labels == c), per_class, replace=False)
                               for c in np.unique(labels)]))''')), "never from an unseeded generator"),
    ("test_few_labels", "few_labels", FEW_LABELS.format(indent('''
return np.sort(np.concatenate([np.flatnonzero(labels == c)[:per_class] for c in np.unique(labels)]))''')),
     "the seed is ignored"),
    ("test_few_labels", "few_labels", FEW_LABELS.format(indent('''
rng = np.random.default_rng(seed)
return np.concatenate([rng.choice(np.flatnonzero(labels == c), per_class, replace=False) for c in np.unique(labels)])''')),
     "return them sorted"),
    ("test_classifier", "build_classifier", classifier(k1=3), "a 3×3 first kernel instead of 5×5"),
    ("test_classifier", "build_classifier", classifier(pad="valid"), "padding='valid'"),
    ("test_classifier", "build_classifier", classifier(flat="GlobalAveragePooling2D"),
     "global average pooling instead of Flatten"),
    ("test_classifier", "build_classifier", classifier(features="flatten"), "no layer named 'features'"),
    ("test_classifier", "build_classifier", classifier(act="None"), "softmax"),
    ("test_compile", "compile_model", compile_answer(lr="PRETRAIN_LR"), "keeping the pretraining rate"),
    ("test_compile", "compile_model", compile_answer(lr="PRETRAIN_LR * 10"), "multiplying by 10 instead of dividing"),
    ("test_compile", "compile_model", compile_answer(opt="keras.optimizers.Adam(learning_rate=0.001)"),
     "a fixed learning rate of 0.001 instead of the argument"),
    ("test_compile", "compile_model", compile_answer(loss="keras.losses.SparseCategoricalCrossentropy(from_logits=True)"),
     "from_logits=True on a model that already ends in softmax"),
    ("test_compile", "compile_model", compile_answer(loss='"categorical_crossentropy"'), "use the sparse version"),
    ("test_new_head", "new_head", NEW_HEAD.format(body=indent('''
for layer in pretrained.layers:
    layer.trainable = not freeze
outputs = keras.layers.Dense(n_classes, activation="softmax", name="new_predictions")(pretrained.output)
return keras.Model(pretrained.input, outputs)''')), "stacking the new head on the old 5-way softmax"),
    ("test_new_head", "new_head", NEW_HEAD.format(body=indent('''
model = build_classifier(n_classes)
for layer in model.layers[:-1]:
    layer.trainable = not freeze
return model''')), "do not build a new network"),
    ("test_new_head", "new_head", NEW_HEAD.format(body=indent('''
outputs = keras.layers.Dense(n_classes, activation="softmax", name="new_predictions")(pretrained.get_layer("features").output)
return keras.Model(pretrained.input, outputs)''')), "freezing nothing"),
    ("test_new_head", "new_head", NEW_HEAD.format(body=indent('''
outputs = keras.layers.Dense(n_classes, activation="softmax", name="new_predictions")(pretrained.get_layer("features").output)
model = keras.Model(pretrained.input, outputs)
model.trainable = not freeze
return model''')), "freezing the new head too"),
    ("test_new_head", "new_head", NEW_HEAD.format(body=indent('''
for layer in pretrained.layers:
    layer.trainable = False
outputs = keras.layers.Dense(n_classes, activation="softmax", name="new_predictions")(pretrained.get_layer("features").output)
return keras.Model(pretrained.input, outputs)''')), "ignoring freeze"),
    ("test_feature_maps", "feature_maps", FEATURE_MAPS.format(body=indent('''
probe = keras.Model(model.input, model.get_layer(layer_name).output)
return probe.predict(image[None], verbose=0)''')), "keeping the batch axis"),
    ("test_feature_maps", "feature_maps", FEATURE_MAPS.format(body=indent('''
return model.get_layer(layer_name).get_weights()[0]''')), "returning conv1's weights"),
    ("test_feature_maps", "feature_maps", FEATURE_MAPS.format(body=indent('''
return model.predict(image[None], verbose=0)[0]''')), "returning the network's prediction instead of the layer's output"),
    ("test_feature_maps", "feature_maps", FEATURE_MAPS.format(body=indent('''
probe = keras.Model(model.input, model.get_layer(layer_name).output)
return probe.predict(image[None] / 255.0, verbose=0)[0]''')), "do not divide by 255 again"),
]


def test_the_solution_passes_every_test_visible_and_hidden(harness):
    assert_the_solution_passes(harness, ("test_few_labels", "test_classifier", "test_compile", "test_new_head",
                                         "test_feature_maps"))


@pytest.mark.parametrize("test, cell, text, says", VISIBLE, ids=[f"{v[0]}-{i}" for i, v in enumerate(VISIBLE)])
def test_each_common_mistake_fails_a_visible_test_that_names_it(harness, test, cell, text, says):
    message = harness.outcome(test, {cell: text}, part="visible")
    assert_names_the_mistake(message, test, says)


def test_mistakes_left_to_the_hidden_tests_are_caught_there(harness):
    """What the sample student yoshua does: right for the notebook's own calls, wrong in general."""
    # few_labels over range(max + 1) works on the notebook's labels 0..4, fails on classes 3, 7, 9
    text = FEW_LABELS.format(indent('''
rng = np.random.default_rng(seed)
return np.sort(np.concatenate([rng.choice(np.flatnonzero(labels == c), per_class, replace=False)
                               for c in range(int(labels.max()) + 1)]))'''))
    assert harness.outcome("test_few_labels", {"few_labels": text}, part="visible") is None
    assert harness.outcome("test_few_labels", {"few_labels": text}, part="all") is not None
    five = classifier().replace("Dense(n_classes,", "Dense(5,")            # a head hard-coded to 5 classes
    assert harness.outcome("test_classifier", {"build_classifier": five}, part="visible") is None
    assert "Dense(n_classes), not a fixed number" in harness.outcome("test_classifier", {"build_classifier": five}, part="all")
    head = NEW_HEAD.format(body=indent(HEAD_OK.replace('activation="softmax", ', "")))
    assert harness.outcome("test_new_head", {"new_head": head}, part="visible") is None
    assert "softmax" in harness.outcome("test_new_head", {"new_head": head}, part="all")


def test_the_imagenet_path_builds_offline_without_weights(harness):
    """The online cell's model, built with weights=None: the same composition, nothing downloaded."""
    ns = harness.namespace
    assert ns["ONLINE"] is False, "the ImageNet cell must never download by default"
    model = ns["imagenet_transfer"](5, weights=None, size=32)
    probs = ns["keras"].ops.convert_to_numpy(model(ns["x_new_test_scaled"][:2]))
    assert probs.shape == (2, 5)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-4)
    assert not model.get_layer(index=-2).trainable or any(not l.trainable for l in model.layers)


PRETRAIN_EPOCHS = 2  # the notebook's recipe pretrains 3; 2 already give features that transfer
SEEDS = (0, 1)


@pytest.mark.slow
def test_transfer_beats_the_same_network_from_scratch_on_the_few_labels(harness):
    """The notebook's claim, on its own 250 labels: pretrain once, then for two seeds fine-tune (frozen, then
    unfrozen at a 10x lower rate) and train the same network from scratch for as many epochs."""
    ns = harness.namespace
    keras = ns["keras"]
    build, new_head, compile_model, copy_model = (ns[k] for k in ("build_classifier", "new_head", "compile_model",
                                                                   "copy_model"))
    x_few, y_few, x_test, y_test = ns["x_few"], ns["y_few"], ns["x_new_test_scaled"], ns["y_new_test"]
    fit = dict(batch_size=ns["FINETUNE"]["batch_size"], verbose=0)
    epochs = ns["FINETUNE"]["epochs"]

    def accuracy(model):
        return float(np.mean(model.predict(x_test, batch_size=1000, verbose=0).argmax(1) == y_test))

    keras.utils.set_random_seed(0)
    pretrained = build(5)
    compile_model(pretrained, ns["PRETRAIN_LR"])
    pretrained.fit(ns["x_old"], ns["y_old"], epochs=PRETRAIN_EPOCHS, batch_size=128, verbose=0)
    results = {}
    for seed in SEEDS:
        keras.utils.set_random_seed(seed)
        model = new_head(copy_model(pretrained), 5, freeze=True)
        compile_model(model, ns["PRETRAIN_LR"])
        model.fit(x_few, y_few, epochs=epochs, **fit)
        for layer in model.layers:
            layer.trainable = True
        compile_model(model, ns["FINETUNE_LR"])
        model.fit(x_few, y_few, epochs=epochs, **fit)
        keras.utils.set_random_seed(seed)
        scratch = build(5)
        compile_model(scratch, ns["PRETRAIN_LR"])
        scratch.fit(x_few, y_few, epochs=2 * epochs, **fit)
        results[seed] = accuracy(model), accuracy(scratch)
    assert len(y_few) == 250 and np.bincount(y_few).tolist() == [50] * 5
    for seed, (transfer, scratch) in results.items():
        assert transfer > scratch, f"seed {seed}: fine-tuned {transfer:.4f} vs from scratch {scratch:.4f} ({results})"
