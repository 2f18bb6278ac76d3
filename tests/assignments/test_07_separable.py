"""Notebook 07 (depthwise separable convolutions): every common mistake fails a visible test with a
message that names it, the hidden tests catch what the visible ones let through (non-square kernels,
Keras's asymmetric "same" padding, rounding the width multiplier), a separable layer borrowed from
Keras or cnnkit is caught in the source and in the built layer, and the calibrated pass mark
separates a trained separable network from an untrained one."""

from __future__ import annotations

import pytest

from cnnkit.grading import scan

from assignment_kit import (Referee, assert_names_the_mistake, assert_the_solution_passes, config_fixture,
                            harness_fixture, library_findings, provided_fixture, save_untrained)

NAME = "07-separable-convolutions"

DEPTHWISE = '''
def depthwise_conv2d(x, kernel, strides=1, padding="valid"):
    kh, kw, c_in, dm = kernel.shape
    if padding == "same"{ignore_same}:
        {pads}
        x = ops.pad(x, [[0, 0], [top, bottom], [left, right], [0, 0]])
    s = {stride}
    h_out, w_out = (x.shape[1] - kh) // s + 1, (x.shape[2] - {kw}) // s + 1
    out = 0
    for u in range(kh):
        for v in range({kw}):
            window = x[:, u:u + s * (h_out - 1) + 1:s, v:v + s * (w_out - 1) + 1:s, :]
            out = out + {product}
    return {result}
'''
SAME_PADS = "(top, bottom), (left, right) = same_padding(x.shape[1], kh, strides), same_padding(x.shape[2], kw, strides)"


def depthwise(ignore_same="", pads=SAME_PADS, stride="strides", kw="kw",
              product="window[..., None] * kernel[{u}, {v}]", result="ops.reshape(out, (-1, h_out, w_out, c_in * dm))"):
    return DEPTHWISE.format(ignore_same=ignore_same, pads=pads, stride=stride, kw=kw,
                            product=product.format(u="u", v="v"), result=result)


LAYER = '''
class MySeparableConv2D(keras.layers.Layer):
    def __init__(self, filters, kernel_size, strides=1, padding="valid", depth_multiplier=1, use_bias=True, **kwargs):
        super().__init__(**kwargs)
        self.filters, self.strides, self.padding = filters, strides, padding
        self.kernel_size = {kernel_size}
        self.depth_multiplier, self.use_bias = depth_multiplier, use_bias

    def build(self, input_shape):
        c_in, dm = input_shape[-1], self.depth_multiplier
        self.depthwise_kernel = self.add_weight(shape=(*self.kernel_size, c_in, dm), name="depthwise_kernel")
        self.pointwise_kernel = self.add_weight(shape={pointwise}, name="pointwise_kernel")
        if self.use_bias:
            self.bias = self.add_weight(shape={bias}, initializer="zeros", name="bias")

    def call(self, inputs):
        x = depthwise_conv2d({inputs}, self.depthwise_kernel, self.strides, self.padding)
        x = {matmul}(x, self.pointwise_kernel[0, 0])
        return {result}
'''
PAIR = "tuple(kernel_size) if isinstance(kernel_size, (tuple, list)) else (kernel_size, kernel_size)"


def layer(kernel_size=PAIR, pointwise="(1, 1, c_in * dm, self.filters)", bias="(self.filters,)", inputs="inputs",
          matmul="ops.matmul", result="x + self.bias if self.use_bias else x"):
    return LAYER.format(kernel_size=kernel_size, pointwise=pointwise, bias=bias, inputs=inputs, matmul=matmul,
                        result=result)


COSTS = '''
def conv_cost(h_out, w_out, k, c_in, c_out):
    weights = {conv}
    return weights, {conv_macs}


def separable_cost(h_out, w_out, k, c_in, c_out, depth_multiplier=1):
    weights = {separable}
    return weights, h_out * w_out * weights


def cost_ratio(k, c_in, c_out):
    return {ratio}
'''


def costs(conv="k * k * c_in * c_out", conv_macs="h_out * w_out * weights",
          separable="k * k * c_in * depth_multiplier + c_in * depth_multiplier * c_out", ratio="1 / c_out + 1 / k ** 2"):
    return COSTS.format(conv=conv, conv_macs=conv_macs, separable=separable, ratio=ratio)


def width(body):
    return f"def width_multiplied_cost(h_out, w_out, k, c_in, c_out, alpha):\n    {body}"


MACS = '''
def model_macs(model):
    total = 0
    for layer in model.layers:
        kind = type(layer).__name__
        if kind == "Dense":
            total += {dense}
            continue
        if kind not in ("Conv2D", "DepthwiseConv2D", "SeparableConv2D"):
            continue
        _, h, w, c_out = layer.{where}.shape
        k, c_in = layer.kernel_size[0], layer.input.shape[-1]
        if kind == "Conv2D":
            total += conv_cost(h, w, k, c_in, c_out)[1]
        elif kind == "DepthwiseConv2D":
            total += h * w * k * k * c_in * {dm}
        else:
            total += separable_cost(h, w, k, c_in, c_out, layer.depth_multiplier)[1]
    return total
'''


def macs(dense="layer.input.shape[-1] * layer.units", where="output", dm="layer.depth_multiplier"):
    if where == "input":  # the input's channels are not the output's: keep c_out from the output
        return MACS.format(dense=dense, where="input", dm=dm).replace(
            "_, h, w, c_out = layer.input.shape", "_, h, w, _ = layer.input.shape\n        c_out = layer.output.shape[-1]")
    return MACS.format(dense=dense, where=where, dm=dm)


NETWORK = '''
def build_network(conv, alpha=1.0):
    width = lambda channels: int(alpha * channels)
    inputs = keras.Input(shape=(28, 28, 1))
    x = layers.Conv2D(width(32), 3, strides={stride}, padding="same", use_bias={bias})(inputs)
    x = layers.ReLU()(layers.BatchNormalization(momentum={momentum})(x))
    for i, channels in enumerate((64, 128, 128)):
        x = {conv}(width(channels), 3, padding="same", use_bias={bias})(x)
        x = layers.ReLU()(layers.BatchNormalization(momentum={momentum})(x))
        if i == 0:
            x = layers.MaxPooling2D(2)(x)
    x = layers.{head}()(x)
    return keras.Model(inputs, layers.Dense(10, activation="softmax")(x))
'''


def network(stride=2, bias=False, conv="conv", head="GlobalAveragePooling2D", momentum=0.9):
    return NETWORK.format(stride=stride, bias=bias, conv=conv, head=head, momentum=momentum)


# (test, answer cell, the student's text, words the failure message must contain)
MISTAKES = [
    ("test_depthwise", "depthwise_conv2d", depthwise(product="ops.sum(window[..., None] * kernel[{u}, {v}], axis=-2)",
                                                     result="out"), "summing over the input channels"),
    ("test_depthwise", "depthwise_conv2d", depthwise(stride="1"), "ignoring the stride"),
    ("test_depthwise", "depthwise_conv2d", depthwise(ignore_same=" and False"), "ignoring padding='same'"),
    ("test_depthwise", "depthwise_conv2d",
     depthwise(result="ops.concatenate([out[..., m] for m in range(dm)], axis=-1)"), "index m·C_in + c"),
    ("test_depthwise", "depthwise_conv2d", depthwise(product="window[..., None] * kernel[kh - 1 - {u}, kw - 1 - {v}]"),
     "a flipped kernel"),
    ("test_separable_layer", "separable_layer", layer(pointwise="(1, 1, c_in, self.filters)"),
     "without the depth multiplier"),
    ("test_separable_layer", "separable_layer", layer(bias="(c_in * dm,)", result="x"), "a bias on the depthwise maps"),
    ("test_separable_layer", "separable_layer", layer(result="x"), "no bias added"),
    ("test_separable_layer", "separable_layer",
     layer(inputs="np.asarray(inputs)", matmul="np.matmul", result="x + np.asarray(self.bias) if self.use_bias else x"),
     "use keras.ops"),
    ("test_costs", "costs", costs(conv="k * k * c_in * c_out + c_out"), "counting the biases"),
    ("test_costs", "costs", costs(conv_macs="weights"), "the MACs of one position"),
    ("test_costs", "costs", costs(separable="k * k * c_in * depth_multiplier + c_in * c_out"),
     "a pointwise stage reading C_in maps"),
    ("test_costs", "costs", costs(ratio="1 / (1 / c_out + 1 / k ** 2)"), "upside down"),
    ("test_costs", "costs", costs(ratio="1 / c_in + 1 / k ** 2"), "1/C_in + 1/k²"),
    ("test_width_multiplier", "width_multiplier",
     width("return separable_cost(h_out, w_out, k, c_in, int(alpha * c_out))"), "scaling only the output channels"),
    ("test_width_multiplier", "width_multiplier",
     width("w, m = separable_cost(h_out, w_out, k, c_in, c_out)\n    return int(alpha ** 2 * w), int(alpha ** 2 * m)"),
     "multiplying the cost by α²"),
    ("test_model_macs", "model_macs", macs(where="input"), "each layer's input size"),
    ("test_model_macs", "model_macs", macs(dense="0"), "leaving out the Dense layer"),
    ("test_model_macs", "model_macs", macs(dm="1"), "ignoring the depth multiplier"),
    ("test_separable_model", "build_network", network(bias=True), "use_bias=True"),
    ("test_separable_model", "build_network", network(stride=1), "stride 1 in the first layer"),
    ("test_separable_model", "build_network", network(conv="MySeparableConv2D"), "Keras's own layers only"),
    ("test_separable_model", "build_network", network(head="Flatten"), "GlobalAveragePooling2D"),
    ("test_separable_model", "build_network", network(momentum=0.99), "Keras's default momentum"),
    ("test_conv_twin", "build_network", network(bias=True), "use_bias=True"),
]


harness = harness_fixture(NAME)
provided = provided_fixture(NAME)
config = config_fixture(NAME)


def test_the_solution_passes_every_test(harness):
    assert_the_solution_passes(harness, ("test_depthwise", "test_separable_layer", "test_costs", "test_width_multiplier",
                                         "test_model_macs", "test_separable_model", "test_conv_twin"))


def test_the_mistake_templates_are_right_when_unchanged(harness):
    """Each template above, filled with the right pieces, passes: the mistakes below differ in one thing."""
    for test, cell, text in [("test_depthwise", "depthwise_conv2d", depthwise()),
                             ("test_separable_layer", "separable_layer", layer()),
                             ("test_costs", "costs", costs()), ("test_model_macs", "model_macs", macs()),
                             ("test_separable_model", "build_network", network())]:
        assert replay(harness, test, {cell: text}, part="all") is None, test


def replay(harness, test, answers, part="visible"):
    """``harness.outcome``, re-defining the provided wrappers around ``build_network`` so they call the
    replaced answer (a function keeps the namespace it was defined in)."""
    extra = harness.cells["networks"].source if "build_network" in answers else ""
    return harness.outcome(test, answers, part=part, extra=extra)


@pytest.mark.parametrize("test, cell, text, words", MISTAKES, ids=[f"{m[0]}:{m[3][:30]}" for m in MISTAKES])
def test_each_common_mistake_fails_visibly_with_its_name(harness, test, cell, text, words):
    message = replay(harness, test, {cell: text})
    assert_names_the_mistake(message, test, words)


@pytest.mark.parametrize("test, cell, text", [
    # a square kernel assumed: kernel.shape[0] for both axes
    ("test_depthwise", "depthwise_conv2d", depthwise(kw="kh")),
    # "same" as ⌊k/2⌋ zeros on each side: right for odd sizes or stride 1, wrong for stride 2 on an even size
    ("test_depthwise", "depthwise_conv2d", depthwise(pads="top = bottom = kh // 2; left = right = kw // 2")),
    # kernel_size taken as an int: fails only on the hidden (3, 5) kernel
    ("test_separable_layer", "separable_layer", layer(kernel_size="(kernel_size, kernel_size)")),
    # rounding α·C to the nearest channel instead of down
    ("test_width_multiplier", "width_multiplier",
     width("return separable_cost(h_out, w_out, k, round(alpha * c_in), round(alpha * c_out))")),
])
def test_hidden_tests_catch_what_the_visible_ones_let_through(harness, test, cell, text):
    assert harness.outcome(test, {cell: text}) is None
    assert harness.outcome(test, {cell: text}, part="all") is not None


WRAPPED = '''
class MySeparableConv2D(keras.layers.Layer):
    def __init__(self, filters, kernel_size, strides=1, padding="valid", depth_multiplier=1, use_bias=True, **kwargs):
        super().__init__(**kwargs)
        self.inner = keras.layers.SeparableConv2D(filters, kernel_size, strides=strides, padding=padding,
                                                  depth_multiplier=depth_multiplier, use_bias=use_bias)

    def call(self, inputs):
        return self.inner(inputs)
'''


def test_a_wrapped_keras_layer_is_caught_in_the_source_and_in_the_built_layer(harness, config, provided):
    rule = next(r for r in config.from_scratch if "separable_layer" in r.answers)
    findings = scan.from_scratch(rule, {"separable_layer": WRAPPED}, provided)
    assert [f.what for f in findings] == ["keras.layers.SeparableConv2D"], findings
    # its weights have Keras's shapes and values, so the visible test passes; the hidden check_built_from does not
    assert harness.outcome("test_separable_layer", {"separable_layer": WRAPPED}) is None
    message = harness.outcome("test_separable_layer", {"separable_layer": WRAPPED}, part="all")
    assert message is not None and "SeparableConv2D" in message, message


@pytest.mark.parametrize("cell, text, found", [
    ("depthwise_conv2d", "def depthwise_conv2d(x, kernel, strides=1, padding='valid'):\n"
                         "    return ops.depthwise_conv(x, kernel, strides, padding)", "keras.ops.depthwise_conv"),
    ("depthwise_conv2d", "import tensorflow as tf\n\n\ndef depthwise_conv2d(x, kernel, strides=1, padding='valid'):\n"
                         "    return tf.nn.depthwise_conv2d(x, kernel, [1, strides, strides, 1], padding.upper())",
     "tensorflow.nn.depthwise_conv2d"),
    ("separable_layer", "from cnnkit.layers import SeparableConv2D as MySeparableConv2D", "cnnkit.layers.SeparableConv2D"),
    ("costs", "from cnnkit.analysis import separable_conv2d_macs", "cnnkit.analysis.separable_conv2d_macs"),
    ("build_network", "def build_network(conv, alpha=1.0):\n    return keras.applications.MobileNet(alpha=alpha)",
     "keras.applications.MobileNet"),
    ("model_macs", "def model_macs(model):\n    return sum(analysis.conv2d_macs(*l.output.shape[1:3], 3, 1, 1) "
                   "for l in model.layers)", "cnnkit.analysis.conv2d_macs"),   # `analysis` from a test cell's import
])
def test_answers_taken_from_the_library_are_caught(provided, config, cell, text, found):
    findings = library_findings(config, provided, cell, text)
    assert any(f.what == found for f in findings), findings


def test_the_pass_mark_separates_trained_from_untrained(harness):
    """The referee's own measurement: the solution's network untrained is far below the pass mark; the
    sample class's trained ones (radia's and whitfield's, each from their own notebook and seed) above it."""
    referee = Referee(NAME)
    mark = referee.threshold.value
    with harness.inside():
        untrained = save_untrained(harness.namespace["build_separable_model"])
    low = referee.measure(untrained)
    assert low["architecture"] and not low["ok"] and low["accuracy"] < mark - 0.3, low
    for student in ("radia", "whitfield"):
        high = referee.measure(referee.sample_model(student, "separable_cnn.keras"))
        assert high["ok"] and high["accuracy"] >= mark, (student, high)
