"""08 DenseNet and squeeze-and-excitation: every listed common mistake fails a visible test with a message
that names it; answers built from the library are caught; the graded network is one the referee can load.

The solution runs once in-process (small budget, training cells skipped); each case replays one test cell
with one answer replaced. The DenseNet-size cases build two networks each and are marked slow.
"""

import pytest

from assignment_kit import assert_names_the_mistake, harness_fixture, non_answer_cells

NAME = "08-densenet-se"


harness = harness_fixture(NAME)


def _dense_block(body_per_layer: str, concat: str = "layers.Concatenate()([x, y])", source: str = "x") -> str:
    return f'''
def dense_block(x, num_layers, growth_rate, bottleneck=False):
    inputs = x
    for _ in range(num_layers):
        y = {source}
{body_per_layer}
        x = {concat}
    return x
'''


PRE = '''        y = layers.ReLU()(layers.BatchNormalization()(y))
        if bottleneck:
            y = layers.Conv2D({width} * growth_rate, 1, use_bias={bias})(y)
            y = layers.ReLU()(layers.BatchNormalization()(y))
        y = layers.Conv2D(growth_rate, 3, padding="same", use_bias={bias})(y)'''

TRANSITION = '''
import math
def transition_layer(x, compression=0.5):
    filters = {filters}
    x = layers.ReLU()(layers.BatchNormalization()(x))
    x = layers.Conv2D(filters, {kernel}, padding="same", use_bias=False)(x)
    return {pool}
'''

SE = '''
def squeeze_excite(x, ratio=16):
    c = x.shape[-1]
    s = layers.{pool}()(x)
    s = layers.Dense({units}, activation="relu")(s)
    s = layers.Dense(c, activation="{gate}")(s)
    {scale}
'''
MULTIPLY = "return layers.Multiply()([x, layers.Reshape((1, 1, c))(s)])"

RESIDUAL = '''
def residual_block(x, filters, stride=1, se_ratio=None):
    y = layers.Conv2D(filters, 3, strides=stride, padding="same", use_bias={bias})(x)
    y = layers.ReLU()(layers.BatchNormalization()(y))
    y = layers.BatchNormalization()(layers.Conv2D(filters, 3, padding="same", use_bias={bias})(y))
    if se_ratio and {se_before}:
        y = squeeze_excite(y, se_ratio)
    shortcut = x
    if {project}:
        shortcut = layers.Conv2D(filters, 1, strides=stride, use_bias=False)(x)
        shortcut = {shortcut_bn}
    out = layers.ReLU()(layers.Add()([y, shortcut]))
    if se_ratio and {se_after}:
        out = squeeze_excite(out, se_ratio)
    return out
'''


def _residual(bias="False", se_before="True", se_after="False", project="stride != 1 or x.shape[-1] != filters",
              shortcut_bn="layers.BatchNormalization()(shortcut)"):
    return RESIDUAL.format(bias=bias, se_before=se_before, se_after=se_after, project=project, shortcut_bn=shortcut_bn)


CIFAR = '''
def densenet_cifar(depth, growth_rate, bottleneck=False, compression=1.0, input_shape=(32, 32, 3), classes=10):
    n = (depth - 4) // {per_layer}
    inputs = keras.Input(shape=input_shape)
    x = layers.Conv2D({stem}, 3, padding="same", use_bias=False)(inputs)
    for block in range(3):
        x = dense_block(x, n, growth_rate, bottleneck=bottleneck)
        if block < 2:
            x = transition_layer(x, compression)
    x = layers.ReLU()(layers.BatchNormalization()(x)) if {final_bn} else x
    return keras.Model(inputs, layers.Dense(classes, activation="softmax")(layers.GlobalAveragePooling2D()(x)))
'''


def _cifar(per_layer="(6 if bottleneck else 3)", stem="2 * growth_rate if bottleneck and compression < 1 else 16",
           final_bn="True"):
    return CIFAR.format(per_layer=per_layer, stem=stem, final_bn=final_bn)


DENSENET121 = '''
def densenet121(input_shape=(224, 224, 3), classes=1000):
    inputs = keras.Input(shape=input_shape)
    {stem}
    for i, n in enumerate({blocks}):
        x = dense_block(x, n, {k}, bottleneck=True)
        if i < 3:
            x = transition_layer(x, 0.5)
    x = layers.GlobalAveragePooling2D()(layers.ReLU()(layers.BatchNormalization()(x)))
    return keras.Model(inputs, layers.Dense(classes, activation="softmax")(x))
'''
STEM = ("x = layers.Conv2D(64, 7, strides=2, use_bias=False)(layers.ZeroPadding2D(3)(inputs))\n"
        "    x = layers.MaxPooling2D(3, strides=2)(layers.ZeroPadding2D(1)(layers.ReLU()("
        "layers.BatchNormalization()(x))))")
SAME_STEM = ("x = layers.Conv2D(64, 7, strides=2, padding='same', use_bias=False)(inputs)\n"
             "    x = layers.MaxPooling2D(3, strides=2, padding='same')(layers.ReLU()(layers.BatchNormalization()(x)))")

# (test cell, answer cell, the student's text, a fragment the failure message must contain)
MISTAKES = [
    ("test_dense_block", "dense_block",
     _dense_block('''        y = layers.Conv2D(growth_rate, 3, padding="same", use_bias=False)(y)
        y = layers.ReLU()(layers.BatchNormalization()(y))'''), "conv → BN → ReLU (ResNet's order"),
    ("test_dense_block", "dense_block", _dense_block(PRE.format(width=4, bias=True)), "use_bias=True"),
    ("test_dense_block", "dense_block", _dense_block(PRE.format(width=4, bias=False), concat="y"), "C0 + L·k"),
    ("test_dense_block", "dense_block", _dense_block(PRE.format(width=4, bias=False), source="inputs"),
     "every layer reading only the block's input"),
    ("test_dense_block", "dense_block", _dense_block(PRE.format(width=1, bias=False)), "a bottleneck of k maps instead of 4k"),
    ("test_dense_block", "dense_block", _dense_block(PRE.format(width=4, bias=False).replace("if bottleneck", "if False")),
     "ignoring bottleneck=True"),
    ("test_transition", "transition_layer",
     TRANSITION.format(filters="math.ceil(x.shape[-1] * compression)", kernel=1,
                       pool="layers.AveragePooling2D(2, strides=2)(x)"), "rounding θ·m up"),
    ("test_transition", "transition_layer",
     TRANSITION.format(filters="round(x.shape[-1] * compression)", kernel=1,
                       pool="layers.AveragePooling2D(2, strides=2)(x)"), "rounding θ·m up"),
    ("test_transition", "transition_layer",
     TRANSITION.format(filters="int(x.shape[-1] * compression)", kernel=1, pool="x"), "forgetting the 2×2 average pooling"),
    ("test_transition", "transition_layer",
     TRANSITION.format(filters="x.shape[-1]", kernel=1, pool="layers.AveragePooling2D(2, strides=2)(x)"),
     "ignoring the compression θ"),
    ("test_transition", "transition_layer",
     TRANSITION.format(filters="int(x.shape[-1] * compression)", kernel=1, pool="layers.MaxPooling2D(2, strides=2)(x)"),
     "max pooling instead of average pooling"),
    ("test_transition", "transition_layer",
     TRANSITION.format(filters="int(x.shape[-1] * compression)", kernel=3,
                       pool="layers.AveragePooling2D(2, strides=2)(x)"), "a 3×3 convolution instead of 1×1"),
    ("test_squeeze_excite", "squeeze_excite",
     SE.format(pool="GlobalAveragePooling2D", units="max(1, c // ratio)", gate="softmax", scale=MULTIPLY),
     "a softmax gate instead of a sigmoid"),
    ("test_squeeze_excite", "squeeze_excite",
     SE.format(pool="GlobalMaxPooling2D", units="max(1, c // ratio)", gate="sigmoid", scale=MULTIPLY),
     "global max pooling"),
    ("test_squeeze_excite", "squeeze_excite",
     SE.format(pool="GlobalAveragePooling2D", units="max(1, c // ratio)", gate="sigmoid",
               scale="return layers.Add()([x, layers.Reshape((1, 1, c))(s)])"), "adding the gate instead of multiplying"),
    ("test_squeeze_excite", "squeeze_excite",
     SE.format(pool="GlobalAveragePooling2D", units="max(1, c // ratio)", gate="sigmoid",
               scale="return x * s[:, None, None, :]"), "keras.ops or `*`"),
    ("test_squeeze_excite", "squeeze_excite",
     SE.format(pool="GlobalAveragePooling2D", units="max(1, c // ratio)", gate="sigmoid",
               scale="return layers.Lambda(lambda t: t[0] * t[1])([x, layers.Reshape((1, 1, c))(s)])"),
     "refuses Lambda layers"),
    ("test_squeeze_excite", "squeeze_excite",
     SE.format(pool="GlobalAveragePooling2D", units="c", gate="sigmoid", scale=MULTIPLY), "no reduction"),
    ("test_squeeze_excite", "squeeze_excite",
     SE.format(pool="GlobalAveragePooling2D", units="c * ratio", gate="sigmoid", scale=MULTIPLY), "C·r units instead of C/r"),
    ("test_se_params", "se_params", "def se_params(channels, ratio):\n    return 2 * channels * (channels // ratio)\n",
     "leaving out the biases"),
    ("test_se_params", "se_params",
     "def se_params(channels, ratio):\n    return 2 * channels * channels + 2 * channels\n", "no reduction"),
    ("test_residual_block", "residual_block", _residual(bias="True"), "use_bias=True"),
    ("test_residual_block", "residual_block", _residual(project="True"), "a projection shortcut although the shape is kept"),
    ("test_residual_block", "residual_block", _residual(project="False"), "Add needs equal shapes"),
    ("test_residual_block", "residual_block", _residual(shortcut_bn="shortcut"), "a projection without its batch normalisation"),
    ("test_residual_block", "residual_block", _residual(se_before="False", se_after="True"), "SE not on the residual branch"),
    ("test_residual_block", "residual_block", _residual(se_before="False"), "leaving out the SE block"),
]

SLOW_MISTAKES = [
    ("test_densenet_cifar", "densenet_cifar", _cifar(per_layer="3"), "n = (L − 4)/3 with the bottleneck"),
    ("test_densenet_cifar", "densenet_cifar", _cifar(final_bn="False"), "leaving out the BN → ReLU after the last block"),
    ("test_densenet_cifar", "densenet_cifar", _cifar(stem="16"), "a 16-channel first convolution"),
    ("test_densenet_cifar", "densenet_cifar", _cifar(stem="2 * growth_rate if bottleneck else 16").replace(
        "transition_layer(x, compression)", "transition_layer(x, 1.0)"), "no compression (θ = 1) in DenseNet-BC"),
    ("test_densenet121", "densenet121", DENSENET121.format(stem=STEM, blocks=(6, 12, 24, 16), k=12),
     "the reference has filters=128"),
    ("test_densenet121", "densenet121", DENSENET121.format(stem=STEM, blocks=(6, 12, 32, 32), k=32),
     "DenseNet-121: layers with weights"),
    ("test_densenet121", "densenet121", DENSENET121.format(stem=SAME_STEM, blocks=(6, 12, 24, 16), k=32),
     "expected ZeroPadding2D"),
]


def _case_id(case):
    return f"{case[0]}:{case[3][:40]}"


@pytest.mark.parametrize("test, cell, source, fragment", MISTAKES, ids=[_case_id(c) for c in MISTAKES])
def test_each_common_mistake_fails_a_visible_test_that_names_it(harness, test, cell, source, fragment):
    message = harness.outcome(test, {cell: source})
    assert_names_the_mistake(message, test, fragment)


@pytest.mark.slow
@pytest.mark.parametrize("test, cell, source, fragment", SLOW_MISTAKES, ids=[_case_id(c) for c in SLOW_MISTAKES])
def test_densenet_size_mistakes_fail_visibly(harness, test, cell, source, fragment):
    message = harness.outcome(test, {cell: source})
    assert_names_the_mistake(message, test, fragment)


# Half-right answers that pass the visible checks and only the hidden ones catch (the partial sample
# student shows one of them).
HIDDEN_ONLY = [
    ("test_dense_block", "dense_block", _dense_block(PRE.format(width=4, bias=False), concat="layers.Concatenate()([y, x])")),
    ("test_se_params", "se_params",
     "def se_params(channels, ratio):\n    units = channels / ratio\n    return 2 * channels * units + units + channels\n"),
    # no ReLU after the addition: same shapes and parameters, a different function
    ("test_residual_block", "residual_block",
     _residual().replace("out = layers.ReLU()(layers.Add()([y, shortcut]))", "out = layers.Add()([y, shortcut])")),
]


@pytest.mark.parametrize("test, cell, source", HIDDEN_ONLY, ids=[c[0] for c in HIDDEN_ONLY])
def test_half_right_answers_pass_visibly_and_fail_when_graded(harness, test, cell, source):
    assert harness.outcome(test, {cell: source}) is None
    assert harness.outcome(test, {cell: source}, part="all") is not None


@pytest.mark.slow
def test_a_half_right_dense_block_also_costs_the_cifar_densenet(harness):
    """The sample student seymour: [y, x] passes every visible check, and the hidden probes of both the block
    and the CIFAR network (which calls it) fail."""
    swapped = {"dense_block": HIDDEN_ONLY[0][2]}
    assert harness.outcome("test_densenet_cifar", swapped) is None
    assert "fixed weights" in harness.outcome("test_densenet_cifar", swapped, part="all")


def test_library_answers_are_caught_by_the_from_scratch_rule(harness):
    from cnnkit.grading.scan import from_scratch

    config = harness.assignment.config
    provided = non_answer_cells(harness)
    blocks, formula = config.from_scratch
    cheats = {
        "dense_block": "from cnnkit.layers import DenseBlock\n"
                       "def dense_block(x, num_layers, growth_rate, bottleneck=False):\n"
                       "    return DenseBlock(num_layers, growth_rate, bottleneck=bottleneck)(x)\n",
        "densenet121": "def densenet121(input_shape=(224, 224, 3), classes=1000):\n"
                       "    return keras.applications.DenseNet121(weights=None, input_shape=input_shape, classes=classes)\n",
        "squeeze_excite": "import cnnkit.layers as cl\n"
                          "def squeeze_excite(x, ratio=16):\n    return cl.SqueezeExcitation(ratio)(x)\n",
    }
    found = {}
    for finding in from_scratch(blocks, cheats, provided):
        found.setdefault(finding.cell, set()).add(finding.what)
    assert set(found) == set(cheats)
    assert "cnnkit.layers.DenseBlock" in found["dense_block"]
    assert "keras.applications.DenseNet121" in found["densenet121"]
    assert "cnnkit.layers.SqueezeExcitation" in found["squeeze_excite"]
    counted = "def se_params(channels, ratio):\n    return layers.Dense(channels // ratio).count_params()\n"
    assert "keras.layers.Dense" in {f.what for f in from_scratch(formula, {"se_params": counted}, provided)}
    honest = {cell: harness.cells[cell].source for cell in blocks.answers}
    assert from_scratch(blocks, honest, provided) == []


def test_the_graded_network_loads_safely_as_the_referee_loads_it(harness, tmp_path):
    from cnnkit.checks import compare_architecture
    from cnnkit.grading.referee.measure import Measurer

    model = harness.namespace["small_resnet"](se_ratio=4)
    model.save(tmp_path / "se_resnet.keras")
    loaded = Measurer()._load(str(tmp_path / "se_resnet.keras"))  # Keras safe_mode, Keras's and cnnkit's classes only
    assert compare_architecture(loaded, model).ok
    assert {type(layer).__module__.split(".")[0] for layer in loaded.layers} == {"keras"}
