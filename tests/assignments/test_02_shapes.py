"""Notebook 02 (shapes and parameters): each common mistake fails a VISIBLE test with a message naming
it, lists pass where tuples are expected, answers that look numbers up (cnnkit.analysis, cnnkit.models,
a built Keras layer) are caught, and the errata tests explain each slide's slip.

The solution runs once in-process (``Harness``); each case replays one test with one answer replaced.
"""

from __future__ import annotations

import pytest

from cnnkit.grading import scan

from assignment_kit import (assert_names_the_mistake, assert_the_solution_passes, graded_tests, harness_fixture,
                            setup_cells, variant)

NAME = "02-shapes-and-parameters"


harness = harness_fixture(NAME)


def out_size(body: str) -> str:
    return f"def out_size(n, k, s=1, p=0, d=1):\n    return {body}\n"


_PARAMS = '''
def conv_params(k, c_in, c_out, bias=True):
    return {conv}


def dense_params(n_in, n_out, bias=True):
    return {dense}


def separable_params(k, c_in, c_out, depth_multiplier=1, bias=True):
    m = depth_multiplier
    return {separable}
'''
_GOOD_PARAMS = dict(conv="k * k * c_in * c_out + (c_out if bias else 0)", dense="n_in * n_out + (n_out if bias else 0)",
                    separable="k * k * c_in * m + c_in * m * c_out + (c_out if bias else 0)")


def params(**change) -> str:
    return _PARAMS.format(**{**_GOOD_PARAMS, **change})


_MACS = '''
def conv_macs(h_out, w_out, k, c_in, c_out):
    return {conv}


def inception_5x5_macs(reduce_to=None):
    if reduce_to is None:
        return conv_macs(28, 28, 5, 192, 32)
    return {reduced}
'''
_GOOD_MACS = dict(conv="h_out * w_out * c_out * k * k * c_in",
                  reduced="conv_macs(28, 28, 1, 192, reduce_to) + conv_macs(28, 28, 5, reduce_to, 32)")


def macs(**change) -> str:
    return _MACS.format(**{**_GOOD_MACS, **change})


RECEPTIVE_NO_STRIDE = "def receptive_field_size(stack):\n    return 1 + sum(k - 1 for k, s in stack)\n"

# (answer cell, the student's text — or a (old, new) edit of the solution —, test, what the message must say)
MISTAKES = [
    ("out_size", out_size("(n + 2 * p - d * (k - 1) - 1) / s + 1"), "test_out_size", "true division `/`"),
    ("out_size", out_size("math.ceil((n + 2 * p - d * (k - 1) - 1) / s) + 1"), "test_out_size", "rounding up (ceil)"),
    ("out_size", out_size("(n + 2 * p - k) // s + 1"), "test_out_size", "ignoring the dilation"),
    ("out_size", out_size("(n + 2 * p - d * k) // s + 1"), "test_out_size", "d·k instead of d(k − 1) + 1"),
    ("out_size", out_size("(n + p - d * (k - 1) - 1) // s + 1"), "test_out_size", "counting the padding once"),
    ("params", params(conv="k * k * c_out + (c_out if bias else 0)"), "test_params", "leaving out C_in"),
    ("params", params(conv="k * c_in * c_out + (c_out if bias else 0)"), "test_params", "k instead of k·k"),
    ("params", params(conv="k * k * c_in * c_out"), "test_params", "forgetting the biases"),
    ("params", params(conv="k * k * c_in * c_out + c_out"), "test_params", "adding biases although bias=False"),
    ("params", params(dense="n_in * n_out"), "test_params", "forgetting the biases"),
    ("params", params(dense="n_in * n_out + n_in"), "test_params", "one bias per input"),
    ("params", params(separable="k * k * c_in + c_in * c_out + (c_out if bias else 0)"), "test_params",
     "ignoring the depth multiplier"),
    ("params", params(separable="k * k * c_in * m + c_in * c_out + (c_out if bias else 0)"), "test_params",
     "leaving the depth multiplier out of the 1×1 part"),
    ("params", params(separable="k * k * c_in * m + c_in * m * c_out + c_out + c_in * m"), "test_params",
     "a bias on the depthwise filters too"),
    ("macs", macs(conv="h_out * w_out * c_out * k * k"), "test_macs", "leaving out C_in"),
    ("macs", macs(reduced="conv_macs(28, 28, 5, reduce_to, 32)"), "test_macs",
     "leaving out the 1×1 convolution's own cost"),
    ("macs", macs(reduced="conv_macs(28, 28, 1, 192, reduce_to) + conv_macs(28, 28, 5, 192, 32)"), "test_macs",
     "the 5×5 still reading 192 channels"),
    ("receptive_field", RECEPTIVE_NO_STRIDE, "test_receptive_field", "ignoring the strides"),
    ("lenet5_table", ('"C3": ((c3, c3, 16), conv_params(5, 6, 16))', '"C3": ((c3, c3, 16), conv_params(5, 1, 16))'),
     "test_lenet5_table", "leaving out C_in"),
    ("lenet5_table", ('"S2": ((s2, s2, 6), 0)', '"S2": ((s2, s2, 6), 12)'), "test_lenet5_table",
     "the 1998 paper's trainable pooling"),
    ("lenet5_table", ("c1 = out_size(32, 5)", "c1 = out_size(32, 5, p=2)"), "test_lenet5_table", "padding 'same'"),
    ("lenet5", ('name="C1"', 'padding="same", name="C1"'), "test_lenet5", "padding='same'"),
    ("lenet5", ('name="C3"', 'name="c3"'), "test_lenet5", "name the layers as the table does"),
    ("alexnet", ('"S7": ((s7, s7, 256), 0),\n', ""), "test_alexnet", "leaving out S7"),
    ("alexnet", ('"F8": ((4096,), dense_params(s7 * s7 * 256, 4096))', '"F8": ((4096,), dense_params(s4 * s4 * 256, 4096))'),
     "test_alexnet", "F8 reading C7's 13×13×256"),
    ("alexnet", ('"C3": ((s2, s2, 256)', '"C3": ((out_size(s2, 5), out_size(s2, 5), 256)'), "test_alexnet",
     "padding 'valid' where the table says same"),
    ("alexnet", ("c1 = out_size(227, 11, 4)", "c1 = out_size(224, 11, 4)"), "test_alexnet", "a 224×224 input"),
    ("alexnet", ('"C5": ((s4, s4, 384), conv_params(3, 256, 384))', '"C5": ((s4, s4, 384), conv_params(3, 1, 384))'),
     "test_alexnet", "leaving out C_in"),
    ("fashion_cnn", ('"bn1": ((h1, h1, 16), 4 * 16)', '"bn1": ((h1, h1, 16), 2 * 16)'), "test_fashion_cnn",
     "γ and β only"),
    ("fashion_cnn", ('"fc": ((10,), dense_params(p2 * p2 * 32, 10))', '"fc": ((10,), dense_params(h2 * h2 * 32, 10))'),
     "test_fashion_cnn", "fc reading conv2's 14×14×32"),
    ("fully_connected", ("SINGLE_LAYER_224 = dense_params(224 * 224 * 3, 1000)",
                         "SINGLE_LAYER_224 = dense_params(224 * 224 * 3, 1000, bias=False)"),
     "test_fully_connected", "forgetting the 1,000 biases"),
    ("fully_connected", ("CONV_1000 = conv_params(5, 3, 1000)", "CONV_1000 = conv_params(5, 1, 1000)"),
     "test_fully_connected", "leaving out the 3 input channels"),
    # the errata: the slide's own numbers
    ("errata", ("FULL_HD_WEIGHTS = 6_000_000 * 4_000_000", "FULL_HD_WEIGHTS = 24_000_000"), "test_errata_counts",
     "copying the slide's 24 million"),
    ("errata", ("    return 2 * conv_params(3, c, 1, bias=False)", "    return 18"), "test_errata_counts",
     "copying the slide's 18 for every c"),
    ("errata", ("    return -math.log(1 / n_classes)", "    return math.log(1 / n_classes)"), "test_errata_counts",
     "copying the slide's ln(1/n), which is negative"),
    ("errata", ("    return -math.log(1 / n_classes)", "    return math.log10(n_classes)"), "test_errata_counts",
     "log base 10"),
    ("errata", ("OUT_003 = out_size(4, 2, s=2, p=1)", "OUT_003 = 2"), "test_errata_sizes", "copying the slide's 2×2"),
    ("errata", ("OUT_000 = out_size(6, 3, s=2, p=1)", "OUT_000 = 6"), "test_errata_sizes",
     "copying the slide's 6×6 (right only for stride 1)"),
]


@pytest.mark.parametrize("answer,text,test,says", MISTAKES, ids=[f"{m[2]}:{m[3][:40]}" for m in MISTAKES])
def test_each_common_mistake_fails_a_visible_test_that_names_it(harness, answer, text, test, says):
    source = variant(harness, answer, text) if isinstance(text, tuple) else text
    message = harness.outcome(test, {answer: source}, part="visible")
    assert_names_the_mistake(message, test, says)
    assert " — " in message and "expected" in message, f"no expected/why in: {message}"
    assert len(message) < 300, f"{len(message)} characters: {message}"


def test_the_solution_passes_every_test_visible_and_hidden(harness):
    tests = graded_tests(harness)
    assert len(tests) == 11
    assert_the_solution_passes(harness, tests)


def test_number_messages_give_the_formula_not_just_two_numbers(harness):
    message = harness.outcome("test_params", {"params": params(conv="k * k * c_in * c_out + c_in")})
    assert message == ("conv_params(5, 1, 16, bias=True) (seed 001: conv1): expected 416, got 401 — this is what "
                       "one bias per input channel (it is one per kernel) gives; k·k·C_in·C_out + C_out = 5·5·1·16 + 16")


def test_lists_are_as_good_as_tuples(harness):
    as_lists = variant(harness, "alexnet", ('"C1": ((c1, c1, 96)', '"C1": ([c1, c1, 96]'))
    as_lists = as_lists.replace('"S2": ((s2, s2, 96), 0)', '"S2": [[s2, s2, 96], 0]')
    assert harness.outcome("test_alexnet", {"alexnet": as_lists}, part="all") is None
    fashion = variant(harness, "fashion_cnn", ('"pool2": ((p2, p2, 32), 0)', '"pool2": [[p2, p2, 32], 0]'))
    assert harness.outcome("test_fashion_cnn", {"fashion_cnn": fashion}, part="all") is None
    lenet = variant(harness, "lenet5_table", ('"F6": ((84,), ', '"F6": ([84], '))
    assert harness.outcome("test_lenet5_table", {"lenet5_table": lenet}, part="all") is None


def test_answers_shaped_to_the_visible_cases_lose_hidden_points(harness):
    # margaret's answers in the sample class: they pass every visible check
    square = macs(conv="h_out * h_out * c_out * k * k * c_in").replace(
        "    if reduce_to is None:\n        return conv_macs(28, 28, 5, 192, 32)\n    return conv_macs(28, 28, 1, 192, reduce_to) "
        "+ conv_macs(28, 28, 5, reduce_to, 32)", "    return 120_422_400 if reduce_to is None else 12_443_648")
    no_bias_flag = params(separable="k * k * c_in * m + c_in * m * c_out + c_out")
    for test, answer, text in [("test_macs", "macs", square), ("test_params", "params", no_bias_flag)]:
        assert harness.outcome(test, {answer: text}, part="visible") is None
        assert harness.outcome(test, {answer: text}, part="all") is not None


def test_the_errata_tests_explain_each_correction(harness):
    wrong = variant(harness, "errata", ("FULL_HD_WEIGHTS = 6_000_000 * 4_000_000", "FULL_HD_WEIGHTS = 24_000_000"))
    assert "a million times a million is 10¹²" in harness.outcome("test_errata_counts", {"errata": wrong})
    wrong = variant(harness, "errata", ("    return 2 * conv_params(3, c, 1, bias=False)", "    return 18"))
    assert "the slide's 18 holds only for c = 1" in harness.outcome("test_errata_counts", {"errata": wrong})
    wrong = variant(harness, "errata", ("    return -math.log(1 / n_classes)", "    return math.log(1 / n_classes)"))
    assert "−ln(1/10) = ln 10 = 2.3026: positive" in harness.outcome("test_errata_counts", {"errata": wrong})
    wrong = variant(harness, "errata", ("OUT_003 = out_size(4, 2, s=2, p=1)", "OUT_003 = 2"))
    assert "⌊(4 + 2·1 − 2)/2⌋ + 1 = 3" in harness.outcome("test_errata_sizes", {"errata": wrong})
    wrong = variant(harness, "errata", ("OUT_000 = out_size(6, 3, s=2, p=1)", "OUT_000 = 6"))
    assert "⌊(6 + 2·1 − 3)/2⌋ + 1 = 3" in harness.outcome("test_errata_sizes", {"errata": wrong})
    # the exact full-HD count is accepted too: the slide's factors are rounded
    exact = variant(harness, "errata", ("FULL_HD_WEIGHTS = 6_000_000 * 4_000_000",
                                        "FULL_HD_WEIGHTS = 1920 * 1080 * 3 * 4_000_000"))
    assert harness.outcome("test_errata_counts", {"errata": exact}) is None


# Answers that look the numbers up instead of computing them.
LIBRARY_ANSWERS = [
    ("out_size", '''
from cnnkit.analysis import conv_output_size

def out_size(n, k, s=1, p=0, d=1):
    return conv_output_size(n, k, s, p, d)
''', "cnnkit.analysis.conv_output_size"),
    ("params", '''
def conv_params(k, c_in, c_out, bias=True):  # keras was imported by a test cell
    layer = keras.layers.Conv2D(c_out, k, use_bias=bias)
    layer.build((None, k, k, c_in))
    return layer.count_params()


def dense_params(n_in, n_out, bias=True):
    return n_in * n_out + (n_out if bias else 0)


def separable_params(k, c_in, c_out, depth_multiplier=1, bias=True):
    import cnnkit.analysis as A
    return A.separable_conv2d_params(k, c_in, c_out, depth_multiplier, bias)
''', "keras.layers.Conv2D"),
    ("receptive_field", '''
def receptive_field_size(stack):
    return int(cnnkit.analysis.receptive_field(stack).size)  # a test cell imported cnnkit.analysis
''', "cnnkit.analysis.receptive_field"),
    ("lenet5_table", '''
import tensorflow as tf

m = tf.keras.Sequential([tf.keras.Input((32, 32, 1)), tf.keras.layers.Conv2D(6, 5)])
LENET5 = {"C1": (tuple(m.output.shape[1:]), m.count_params())}
''', "tensorflow.keras"),
    ("lenet5", '''
from cnnkit.models import LeNet5

def build_lenet5():
    return LeNet5()
''', "cnnkit.models.LeNet5"),
    ("alexnet", '''
from cnnkit import models

net = models.AlexNet()
ALEXNET = {layer.name: (tuple(layer.output.shape[1:]), layer.count_params()) for layer in net.layers}
F8_WITHOUT_S7 = 0
''', "cnnkit.models"),
    ("fashion_cnn", '''
reference = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(16, 5, padding="same")])
FASHION_CNN = {"conv1": (reference.output.shape[1:], reference.count_params())}
FASHION_CNN_TOTAL = 0
''', "keras.Sequential"),
]


@pytest.mark.parametrize("answer,source,evidence", LIBRARY_ANSWERS, ids=[a[2] for a in LIBRARY_ANSWERS])
def test_looked_up_answers_lose_that_question(harness, answer, source, evidence):
    zeroed = set()
    for rule in harness.assignment.config.from_scratch:
        findings = scan.from_scratch(rule, {answer: source}, setup_cells(harness))
        if findings:
            zeroed |= set(rule.tests)
            assert any(f.what.startswith(evidence) for f in findings), findings
    assert zeroed == {"test_" + answer}, zeroed


def test_a_ready_made_lenet_also_fails_the_hidden_layer_check(harness):
    # the static rule reads the source; the hidden test checks the layer classes (here: the kit's own
    # layers inside a model it did not build from Keras layers)
    source = '''
import cnnkit.layers

def build_lenet5():
    inputs = keras.Input(shape=(32, 32, 1))
    x = keras.layers.Conv2D(6, 5, activation="tanh", name="C1")(inputs)
    x = cnnkit.layers.MinPooling2D(2, name="S2")(x)
    x = keras.layers.Conv2D(16, 5, activation="tanh", name="C3")(x)
    x = keras.layers.AveragePooling2D(2, name="S4")(x)
    x = keras.layers.Conv2D(120, 5, activation="tanh", name="C5")(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(84, activation="tanh", name="F6")(x)
    return keras.Model(inputs, keras.layers.Dense(10, activation="softmax", name="OUT")(x))
'''
    assert harness.outcome("test_lenet5", {"lenet5": source}, part="visible") is None
    message = harness.outcome("test_lenet5", {"lenet5": source}, part="all")
    assert "layer 'S2'" in message and "MinPooling2D from cnnkit.layers" in message, message


def test_the_solution_and_the_set_up_compute_without_the_kit(harness):
    answers = {g: c.source for g, c in harness.cells.items() if c.metadata["nbgrader"].get("solution")}
    for rule in harness.assignment.config.from_scratch:
        assert not scan.from_scratch(rule, answers, setup_cells(harness)), rule.answers
    setup = harness.cells["setup"].source
    for name in ("keras", "tensorflow", "cnnkit.analysis", "cnnkit.models", "cnnkit.layers", "def "):
        assert name not in setup, name
