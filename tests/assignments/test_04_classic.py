"""Notebook 04 (classic architectures): every common mistake fails a visible test with a message that
names it, the hidden tests catch what the visible ones let through, answers taken from the library
are caught, and the calibrated pass mark separates a trained LeNet-5 from an untrained one."""

from __future__ import annotations

import pytest

from assignment_kit import (Referee, assert_names_the_mistake, assert_the_solution_passes, config_fixture,
                            harness_fixture, library_findings, provided_fixture, save_untrained)

NAME = "04-classic-architectures"

LENET = '''
def build_lenet5():
    inputs = keras.Input(shape={input})
    x = layers.Conv2D(6, 5, activation="{act}", padding="{pad}")(inputs)
    x = layers.{pool}(2, strides=2)(x)
    {s2_tanh}
    x = layers.Conv2D(16, 5, activation="{act}")(x)
    x = layers.{pool}(2, strides=2)(x)
    {s4_tanh}
    {c5}
    x = layers.Dense(84, activation="{act}")(x)
    outputs = layers.Dense(10, activation="softmax")(x)
    return keras.Model(inputs, outputs)
'''
C5 = 'x = layers.Conv2D(120, 5, activation="{act}")(x)\n    x = layers.Flatten()(x)'


def lenet(input="(32, 32, 1)", act="tanh", pad="valid", pool="AveragePooling2D", tanh_after_pool=True, c5=C5):
    tanh = 'x = layers.Activation("tanh")(x)' if tanh_after_pool else ""
    return LENET.format(input=input, act=act, pad=pad, pool=pool, s2_tanh=tanh, s4_tanh=tanh,
                        c5=c5.format(act=act))


def pad(body):
    return f"def pad_to_32(images):\n{body}"


VGG = '''
def build_vgg16():
    inputs = keras.Input(shape=(224, 224, 3))
    x = inputs
    for convs, filters, pool in zip({convs}, (64, 128, 256, 512, 512), {pools}):
        for _ in range(convs):
            x = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
        if pool:
            x = layers.MaxPooling2D(2, strides=2)(x)
    x = layers.Flatten()(x)
    x = layers.Dense(4096, activation="relu")(x)
    x = layers.Dense(4096, activation="relu")(x)
    return keras.Model(inputs, layers.Dense(1000, activation="softmax")(x))
'''

ACTIVATION = '''
def activation_sizes(model, batch_size=1, dtype_bytes=4):
    shapes = {shapes}
    return [{size} for shape in shapes]


def activation_memory(model, batch_size=1, mode="training", dtype_bytes=4):
    sizes = activation_sizes(model, batch_size, dtype_bytes)
    return sum(sizes) if mode == "training" else {inference}
'''
ALL_SHAPES = "[model.input.shape[1:]] + [l.output.shape[1:] for l in model.layers[1:]]"


def activation(shapes=ALL_SHAPES, size="batch_size * dtype_bytes * int(np.prod(shape))",
               inference="max(a + b for a, b in zip(sizes, sizes[1:]))"):
    return ACTIVATION.format(shapes=shapes, size=size, inference=inference)


STACK = '''
def stack_vs_single(n_layers, channels, k=3):
    rf = {rf}
    return {{"receptive_field": rf, "stacked_params": {stacked}, "single_params": {single}}}
'''


def stack(rf="n_layers * (k - 1) + 1", stacked="n_layers * (k * k * channels * channels + channels)",
          single="rf * rf * channels * channels + channels"):
    return STACK.format(rf=rf, stacked=stacked, single=single)


# (test, answer cell, the student's text, words the failure message must contain)
MISTAKES = [
    ("test_pad_to_32", "pad_to_32", pad("    x = np.asarray(images, dtype='float32')\n"
                                        "    return np.pad(x, ((0, 0), (2, 2), (2, 2), (0, 0)))"),
     "leaving the pixels at 0..255"),
    ("test_pad_to_32", "pad_to_32", pad("    x = np.asarray(images, dtype='float32') / 256\n"
                                        "    return np.pad(x, ((0, 0), (2, 2), (2, 2), (0, 0)))"),
     "dividing by 256"),
    ("test_pad_to_32", "pad_to_32", pad("    x = np.asarray(images, dtype='float32') / 255\n"
                                        "    return np.pad(x, ((0, 0), (0, 4), (0, 4), (0, 0)))"),
     "0 zeros before and 4 after"),
    ("test_pad_to_32", "pad_to_32", pad("    idx = np.arange(32) * 28 // 32  # nearest-neighbour resize\n"
                                        "    return (np.asarray(images, dtype='float32') / 255)[:, idx][:, :, idx]"),
     "do not resize"),
    ("test_pad_to_32", "pad_to_32", pad("    x = np.asarray(images) / 255\n"
                                        "    return np.pad(x, ((0, 0), (2, 2), (2, 2), (0, 0)))"),
     "float32"),
    ("test_lenet5_params", "build_lenet5", lenet(input="(28, 28, 1)", pad="same"), "keras.Input(shape=(28, 28, 1))"),
    ("test_lenet5_params", "build_lenet5", lenet(c5="x = layers.Flatten()(x)"), "leaving out C5"),
    ("test_lenet5_params", "build_lenet5",
     lenet(c5='x = layers.Dense(120, activation="tanh")(x)\n    x = layers.Flatten()(x)'),
     "a Dense layer as C5 before flattening"),
    ("test_lenet5_params", "build_lenet5", lenet(pad="same"), "padding='same' in C1"),
    ("test_lenet5_architecture", "build_lenet5", lenet(pool="MaxPooling2D"), "max pooling"),
    ("test_lenet5_architecture", "build_lenet5", lenet(act="relu"), "ReLU instead of tanh"),
    ("test_lenet5_architecture", "build_lenet5", lenet(tanh_after_pool=False), "no tanh after the pooling layer"),
    ("test_lenet5_architecture", "build_lenet5",
     lenet(c5='x = layers.Flatten()(x)\n    x = layers.Dense(120, activation="tanh")(x)'), "flattening before C5"),
    ("test_params_by_kind", "params_by_kind",
     "def params_by_kind(model):\n    return {type(l).__name__: l.count_params() for l in model.layers}\n\n\n"
     "def fc_share(model):\n    return params_by_kind(model)['Dense'] / model.count_params()",
     "keeping only the last layer of each kind"),
    ("test_params_by_kind", "params_by_kind",
     "def params_by_kind(model):\n    out = {}\n    for l in model.layers:\n"
     "        out[type(l).__name__] = out.get(type(l).__name__, 0) + l.count_params()\n    return out\n\n\n"
     "def fc_share(model):\n    return 100 * params_by_kind(model)['Dense'] / model.count_params()",
     "a percentage instead of a fraction"),
    ("test_activation_memory", "activation_memory", activation(size="dtype_bytes * int(np.prod(shape))"),
     "ignoring batch_size"),
    ("test_activation_memory", "activation_memory", activation(size="batch_size * int(np.prod(shape))"),
     "counting values, not bytes"),
    ("test_activation_memory", "activation_memory",
     activation(shapes="[l.output.shape[1:] for l in model.layers[1:]]"), "leaving out the input image"),
    ("test_activation_memory", "activation_memory", activation(inference="max(sizes)"), "the single largest layer"),
    ("test_conv1x1", "conv1x1", "def conv1x1(x, kernel, bias):\n    return np.asarray(x) @ np.asarray(kernel)[0, 0]",
     "the bias is missing"),
    ("test_stack_vs_single", "stack_vs_single", stack(rf="n_layers * k"), "n·k (the layers overlap"),
    ("test_stack_vs_single", "stack_vs_single", stack(stacked="n_layers * (k * k * channels + channels)"),
     "each kernel spans all C input channels"),
    ("test_stack_vs_single", "stack_vs_single", stack(stacked="k * k * channels * channels + channels"),
     "one layer only"),
    ("test_stack_vs_single", "stack_vs_single", stack(single="(n_layers * k) ** 2 * channels * channels + channels"),
     "a 6×6 kernel"),
]

# The large networks take seconds per build: one mistake each, marked slow.
BIG_MISTAKES = [
    ("test_alexnet", "build_alexnet", '''
def build_alexnet():
    inputs = keras.Input(shape=(227, 227, 3))
    x = layers.Conv2D(96, 11, strides=4, activation="relu")(inputs)
    x = layers.MaxPooling2D(3, strides=2)(x)
    x = layers.Conv2D(256, 5, padding="same", activation="relu")(x)
    x = layers.MaxPooling2D(3, strides=2)(x)
    for filters in (384, 384, 256):
        x = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
    x = layers.Flatten()(x)
    x = layers.Dense(4096, activation="relu")(x)
    x = layers.Dense(4096, activation="relu")(x)
    return keras.Model(inputs, layers.Dense(1000, activation="softmax")(x))
''', "leaving out S7"),
    # (a missing pool is caught by the same test, but its first FC layer alone has 411 million weights)
    ("test_vgg16", "build_vgg16", VGG.format(convs="(2, 2, 2, 2, 2)", pools="(1, 1, 1, 1, 1)"), "configuration B"),
]


# the two cells that build AlexNet and VGG-16 only to print tables: skipped (seconds and 800 MB)
harness = harness_fixture(NAME, skip=("setup-kit", "where-show", "memory-show"))
provided = provided_fixture(NAME)
config = config_fixture(NAME)


def test_the_solution_passes_every_test(harness):
    assert_the_solution_passes(harness, ("test_pad_to_32", "test_lenet5_params", "test_lenet5_architecture",
                                         "test_params_by_kind", "test_activation_memory", "test_conv1x1",
                                         "test_stack_vs_single"))


@pytest.mark.parametrize("test, cell, text, words", MISTAKES, ids=[f"{m[0]}:{m[3][:30]}" for m in MISTAKES])
def test_each_common_mistake_fails_visibly_with_its_name(harness, test, cell, text, words):
    message = harness.outcome(test, {cell: text})
    assert_names_the_mistake(message, test, words)


@pytest.mark.slow
@pytest.mark.parametrize("test, cell, text, words", BIG_MISTAKES, ids=[f"{m[0]}:{m[3][:30]}" for m in BIG_MISTAKES])
def test_mistakes_in_the_large_networks(harness, test, cell, text, words):
    message = harness.outcome(test, {cell: text})
    assert_names_the_mistake(message, test, words)


def test_hidden_tests_catch_a_pad_that_needs_the_channel_axis(harness):
    """The visible test feeds (N, 28, 28, 1); only the hidden one feeds (N, 28, 28)."""
    text = pad("    x = np.asarray(images, dtype='float32') / 255\n"
               "    return np.pad(x, ((0, 0), (2, 2), (2, 2), (0, 0)))")
    assert harness.outcome("test_pad_to_32", {"pad_to_32": text}) is None
    assert harness.outcome("test_pad_to_32", {"pad_to_32": text}, part="all") is not None


def test_hidden_tests_compare_lenet_with_the_reference(harness):
    """Named layers or not, the reference comparison and the probes pass for the solution's network only."""
    text = lenet().replace('layers.Dense(84, activation="tanh")', 'layers.Dense(84, activation="tanh", use_bias=False)')
    assert harness.outcome("test_lenet5_architecture", {"build_lenet5": text}) is None   # shapes/kinds/activations agree
    assert harness.outcome("test_lenet5_architecture", {"build_lenet5": text}, part="all") is not None


@pytest.mark.parametrize("cell, text, found", [
    ("build_lenet5", "def build_lenet5():\n    from cnnkit.models import LeNet5\n    return LeNet5()", "cnnkit.models.LeNet5"),
    ("build_vgg16", "def build_vgg16():\n    return keras.applications.VGG16(weights=None)", "keras.applications.VGG16"),
    ("activation_memory", "from cnnkit import analysis\n\n\ndef activation_memory(model, batch_size=1, mode='training', "
                          "dtype_bytes=4):\n    return analysis.activation_memory(activation_sizes(model, batch_size, "
                          "dtype_bytes), mode)", "cnnkit.analysis.activation_memory"),
    ("conv1x1", "def conv1x1(x, kernel, bias):\n    return keras.ops.conv(x, kernel) + bias", "keras.ops.conv"),
    ("activation_memory", "def activation_memory(model, batch_size=1, mode='training', dtype_bytes=4):\n"
                          "    return analysis.activation_memory(activation_sizes(model, batch_size, dtype_bytes), mode)",
     "cnnkit.analysis.activation_memory"),   # no import: `analysis` is there from a test cell's import
])
def test_answers_taken_from_the_library_are_caught(provided, config, cell, text, found):
    findings = library_findings(config, provided, cell, text)
    assert any(f.what == found for f in findings), findings


def test_the_pass_mark_separates_trained_from_untrained():
    """The referee's own measurement: an untrained LeNet-5 is far below the pass mark, the sample class's
    trained one (sophie, her own seed) above it; kurt's ReLU network is refused for its architecture."""
    from cnnkit.models import LeNet5

    referee = Referee(NAME)
    mark = referee.threshold.value
    low = referee.measure(save_untrained(LeNet5))
    assert low["architecture"] and not low["ok"] and low["accuracy"] < mark - 0.5, low
    high = referee.measure(referee.sample_model("sophie", "lenet5.keras"))
    assert high["ok"] and high["accuracy"] >= mark, high
    relu = referee.measure(referee.sample_model("kurt", "lenet5.keras"))
    assert not relu["ok"] and relu["architecture"] is False and "activation" in relu["message"], relu
