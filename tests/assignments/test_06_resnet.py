"""Notebook 06 (residual networks): the degradation the notebook shows is real (the plain network's
training loss stays above the residual network's on two seeds), every common mistake fails a visible test
with a message that names it, the hidden tests catch what the visible ones let through, answers taken from
the library are caught, ResNet-50 matches keras.applications block by block, and the calibrated pass mark
separates a trained ResNet-14 from an untrained one."""

from __future__ import annotations

import pytest

from assignment_kit import (Referee, assert_names_the_mistake, assert_the_solution_passes, config_fixture,
                            harness_fixture, library_findings, provided_fixture, save_untrained, variant)

NAME = "06-residual-networks"
pytestmark = pytest.mark.xdist_group("assignment-06")

# (test, answer cell, (text in the solution, the student's text instead), words the failure message must contain)
MISTAKES = [
    ("test_degradation_nets", "degradation_nets", ("use_bias=False", "use_bias=True"), "convolutions with biases"),
    ("test_degradation_nets", "degradation_nets", ("x = layers.ReLU()(layers.Add()([x, y]))", "x = layers.Add()([x, y])"),
     "no ReLU after the addition"),
    ("test_degradation_nets", "degradation_nets", ("        y = batch_norm()(y)\n", "        y = layers.ReLU()(batch_norm()(y))\n"),
     "AND after the addition"),
    ("test_degradation_nets", "degradation_nets",
     ("x = layers.ReLU()(layers.Add()([x, y]))",
      "x = layers.ReLU()(layers.Add()([layers.Conv2D(width, 1, use_bias=False)(x), y]))"), "1×1 projections on the skips"),
    ("test_degradation_nets", "degradation_nets",
     ("""    for _ in range(depth // 2):
        y = layers.Conv2D(width, 3, padding="same", use_bias=False)(x)
        y = layers.ReLU()(batch_norm()(y))
        y = layers.Conv2D(width, 3, padding="same", use_bias=False)(y)
        y = batch_norm()(y)""", """    for _ in range(depth):
        y = layers.Conv2D(width, 3, padding="same", use_bias=False)(x)
        y = batch_norm()(y)"""), "a skip around every single convolution"),
    ("test_shortcut", "shortcut", ("if stride != 1 or channels != filters:", "if False:"), "a ValueError"),
    ("test_shortcut", "shortcut", ("Conv2D(filters, 1, strides=stride, use_bias=use_bias)", "Conv2D(filters, 1, use_bias=use_bias)"),
     "without strides=stride"),
    ("test_shortcut", "shortcut", ("Conv2D(filters, 1, strides=stride, use_bias=use_bias)", "Conv2D(filters, 1, strides=stride)"),
     "use_bias=True"),
    ("test_shortcut", "shortcut", ("Conv2D(filters, 1, strides=stride, use_bias=use_bias)",
                                   'Conv2D(filters, 3, strides=stride, padding="same", use_bias=use_bias)'), "a 3×3 projection"),
    ("test_shortcut", "shortcut", ("return batch_norm()(x)", "return x"), "no batch normalisation after the projection"),
    ("test_shortcut", "shortcut", ("MaxPooling2D(pool_size=1, strides=stride)", "MaxPooling2D(pool_size=2, strides=stride)"),
     "max-pooling 2×2"),
    ("test_shortcut", "shortcut", ('if kind == "zero_pad":', 'if kind == "zero_pad":\n        return shortcut(x, filters, stride, "projection")\n    if False:'),
     "a projection instead of zero padding"),
    ("test_basic_block", "basic_block", ("use_bias=False", "use_bias=True"), "convolutions with biases"),
    ("test_basic_block", "basic_block", ('"identity" if keeps_shape else shortcut_kind', "shortcut_kind"),
     "a projection where the identity fits"),
    ("test_basic_block", "basic_block", ("return layers.ReLU()(layers.Add()([short, y]))",
                                         "return layers.Add()([short, layers.ReLU()(y)])"), "ReLU after the addition"),
    ("test_basic_block", "basic_block", ("return layers.ReLU()(layers.Add()([short, y]))", "return layers.ReLU()(y)"),
     "one addition"),
    ("test_basic_block", "basic_block",
     ('y = layers.Conv2D(filters, 3, strides=stride, padding="same", use_bias=False)(x)\n    y = layers.ReLU()(batch_norm()(y))\n'
      '    y = layers.Conv2D(filters, 3, padding="same", use_bias=False)(y)',
      'y = layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)\n    y = layers.ReLU()(batch_norm()(y))\n'
      '    y = layers.Conv2D(filters, 3, strides=stride, padding="same", use_bias=False)(y)'), "the stride on the second"),
    ("test_bottleneck_block", "bottleneck_block", ("y = layers.Conv2D(4 * filters, 1)(y)", "y = layers.Conv2D(filters, 1)(y)"),
     "4 × filters"),
    ("test_bottleneck_block", "bottleneck_block", [('"projection" if project else "identity", use_bias=True',
                                                    '"projection" if project else "identity", use_bias=False'),
                                                   ("strides=stride)(x)", "strides=stride, use_bias=False)(x)"),
                                                   ('padding="same")(y)', 'padding="same", use_bias=False)(y)'),
                                                   ("Conv2D(4 * filters, 1)(y)", "Conv2D(4 * filters, 1, use_bias=False)(y)")],
     "use_bias=False"),
    ("test_bottleneck_block", "bottleneck_block", [("y = layers.Conv2D(filters, 1, strides=stride)(x)", "y = layers.Conv2D(filters, 1)(x)"),
                                                   ('y = layers.Conv2D(filters, 3, padding="same")(y)',
                                                    'y = layers.Conv2D(filters, 3, strides=stride, padding="same")(y)')],
     "the stride on the 3×3"),
    ("test_bottleneck_block", "bottleneck_block", ('"projection" if project else "identity"', '"identity"'), "project=True"),
]

# ResNet-50 and ResNet-110 take seconds to build: marked slow.
BIG_MISTAKES = [
    ("test_resnet50", "resnet50", ("project=i == 0", "project=stage > 0 and i == 0"), "project=True"),
    ("test_resnet50", "resnet50", ("2 if stage > 0 and i == 0 else 1", "2 if i == 0 else 1"),
     "block 1 of 16 ('conv2_block1_add' in the reference) output"),
    ("test_resnet50", "resnet50", ("zip((3, 4, 6, 3),", "zip((3, 4, 5, 3),"), "number of blocks"),
    ("test_resnet50", "resnet50", ("layers.GlobalAveragePooling2D()(x)", "layers.Flatten()(x)"), "the head"),
    ("test_cifar_resnet", "cifar_resnet", ('shortcut_kind="zero_pad"', 'shortcut_kind="projection"'), "projection shortcuts"),
    ("test_cifar_resnet", "cifar_resnet", ("2 if stage > 0 and i == 0 else 1", "1"), "the stages run at 28, 14, 7"),
    ("test_cifar_resnet", "cifar_resnet", ("if not isinstance(depth, int) or depth < 8 or (depth - 2) % 6:", "if False:"),
     "a ValueError"),
]


harness = harness_fixture(NAME)
provided = provided_fixture(NAME)
config = config_fixture(NAME)


@pytest.mark.slow  # trains two 20-convolution networks per seed: minutes on 2 busy cores
@pytest.mark.parametrize("seed", [0, 1])
def test_the_plain_network_trains_worse_than_the_residual_one(harness, seed):
    """Section 1's claim, on the notebook's own networks and training helper: 20 convolutions, the same
    parameters, and the plain network's training loss stays above the residual network's in every
    25-step stretch after the first. (Narrower and on 14×14 images to stay quick; the notebook's own
    setting — width 16, 28×28, 300 steps — shows the same, by a wider margin.)"""
    import keras

    ns = harness.namespace
    x, y = ns["x_train"][:100 * 64, ::2, ::2, :], ns["y_train"][:100 * 64]
    curves = {}
    for build in ("plain_net", "residual_net"):
        keras.utils.set_random_seed(seed)
        model = ns[build](20, width=8, input_shape=(14, 14, 1))
        curves[build] = ns["training_curve"](model, x, y, steps=100)
    plain, residual = curves["plain_net"], curves["residual_net"]
    assert len(plain) == len(residual) == 4
    assert all(p > r for p, r in zip(plain[1:], residual[1:])), curves
    assert plain[-1] - residual[-1] > 0.1, curves


def test_the_solution_passes_every_test(harness):
    assert_the_solution_passes(harness, ("test_degradation_nets", "test_shortcut", "test_basic_block",
                                         "test_bottleneck_block"))


@pytest.mark.parametrize("test, cell, change, words", MISTAKES, ids=[f"{m[0]}:{m[3][:30]}" for m in MISTAKES])
def test_each_common_mistake_fails_visibly_with_its_name(harness, test, cell, change, words):
    message = harness.outcome(test, {cell: variant(harness, cell, change)})
    assert_names_the_mistake(message, test, words)


@pytest.mark.slow
@pytest.mark.parametrize("test, cell, change, words", BIG_MISTAKES, ids=[f"{m[0]}:{m[3][:30]}" for m in BIG_MISTAKES])
def test_mistakes_in_the_large_networks(harness, test, cell, change, words):
    message = harness.outcome(test, {cell: variant(harness, cell, change)})
    assert_names_the_mistake(message, test, words)


@pytest.mark.slow
def test_resnet50_matches_keras_block_by_block_however_the_blocks_are_written(harness):
    """The solution passes; so does a ResNet-50 whose blocks build the branch before the shortcut and use
    padding="same" in the stem instead of ZeroPadding2D (the layers come in another order)."""
    assert harness.outcome("test_resnet50", part="all") is None
    assert harness.outcome("test_cifar_resnet", part="all") is None
    block = variant(harness, "bottleneck_block", (
        '    short = shortcut(x, 4 * filters, stride, "projection" if project else "identity", use_bias=True)\n', ""))
    block = block.replace("return layers.ReLU()(layers.Add()([short, y]))",
                          'short = shortcut(x, 4 * filters, stride, "projection" if project else "identity", use_bias=True)\n'
                          "    return layers.ReLU()(layers.Add()([y, short]))")
    stem = variant(harness, "resnet50", ("x = layers.ZeroPadding2D(3)(inputs)\n    x = layers.Conv2D(64, 7, strides=2)(x)",
                                         'x = layers.Conv2D(64, 7, strides=2, padding="same")(inputs)'))
    stem = stem.replace("x = layers.ZeroPadding2D(1)(x)\n    x = layers.MaxPooling2D(3, strides=2)(x)",
                        'x = layers.MaxPooling2D(3, strides=2, padding="same")(x)')
    assert harness.outcome("test_resnet50", {"bottleneck_block": block, "resnet50": stem}, part="all") is None


def test_hidden_tests_catch_an_identity_that_ignores_the_stride(harness):
    """An identity check on the channels only: the visible test changes both; the hidden one keeps 16 channels, stride 2."""
    text = variant(harness, "shortcut", ("if stride != 1 or channels != filters:", "if channels != filters:"))
    assert harness.outcome("test_shortcut", {"shortcut": text}) is None
    assert "identity with stride 2" in harness.outcome("test_shortcut", {"shortcut": text}, part="all")


@pytest.mark.parametrize("cell, text, found", [
    ("basic_block", "from cnnkit.layers import ResidualBlock\n\n\ndef basic_block(x, filters, stride=1, "
                    "shortcut_kind='projection'):\n    return ResidualBlock(filters, stride)(x)", "cnnkit.layers.ResidualBlock"),
    ("bottleneck_block", "import cnnkit.layers as L\n\n\ndef bottleneck_block(x, filters, stride=1, project=False):\n"
                         "    return L.BottleneckBlock(filters, stride)(x)", "cnnkit.layers.BottleneckBlock"),
    ("resnet50", "def build_resnet50(input_shape=(224, 224, 3), classes=1000):\n"
                 "    return keras.applications.ResNet50(weights=None, input_shape=input_shape, classes=classes)",
     "keras.applications.ResNet50"),
    ("cifar_resnet", "from cnnkit.models import ResNetCIFAR as build_cifar_resnet", "cnnkit.models.ResNetCIFAR"),
])
def test_answers_taken_from_the_library_are_caught(provided, config, cell, text, found):
    findings = library_findings(config, provided, cell, text)
    assert any(f.what == found for f in findings), findings


def test_the_pass_mark_separates_trained_from_untrained(harness):
    """The referee's own measurement (safe loading, architecture against calibration seed 0): an untrained
    ResNet-14 is far below the pass mark, a calibration model above."""
    referee = Referee(NAME)
    mark = referee.threshold.value
    low = referee.measure(save_untrained(lambda: harness.namespace["build_cifar_resnet"](14)))
    assert low["architecture"] and not low["ok"] and low["accuracy"] < mark - 0.4, low
    high = referee.measure(referee.calibration_model(-1))
    assert high["ok"] and high["accuracy"] >= mark + referee.threshold.margin, high
