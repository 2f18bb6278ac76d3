"""summarize(model): rows checked against the seeds and against what Keras builds."""

import math

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from cnnkit.analysis import receptive_field, receptive_field_table, summarize  # noqa: E402
from cnnkit.analysis.summary import Summary, SummaryMismatchError  # noqa: E402

layers = keras.layers


def _weights(ws):
    return sum(math.prod(w.shape) for w in ws)


def seed001_model():
    """Seed 001's Fashion-MNIST CNN, written directly in Keras (conv 5x5 p=2 → padding="same")."""
    return keras.Sequential([
        keras.Input((28, 28, 1)),
        layers.Conv2D(16, 5, padding="same", name="conv1"),
        layers.BatchNormalization(name="bn1"),
        layers.ReLU(name="relu1"),
        layers.MaxPooling2D(2, 2, name="pool1"),
        layers.Conv2D(32, 5, padding="same", name="conv2"),
        layers.BatchNormalization(name="bn2"),
        layers.ReLU(name="relu2"),
        layers.MaxPooling2D(2, 2, name="pool2"),
        layers.Flatten(name="flatten"),
        layers.Dense(10, name="fc"),
    ], name="seed001")


@pytest.fixture(scope="module")
def seed001():
    model = seed001_model()
    return model, summarize(model)


def test_seed001_rows_layer_by_layer(seed001):
    model, s = seed001
    # Seed 001: 28x28x16 → 14x14x16 → 14x14x32 → 7x7x32 → 10.
    shapes = {r["name"]: r["output_shape"] for r in s.rows}
    assert shapes["conv1"] == (28, 28, 16)
    assert shapes["pool1"] == (14, 14, 16)
    assert shapes["conv2"] == (14, 14, 32)
    assert shapes["pool2"] == (7, 7, 32)
    assert shapes["fc"] == (10,)
    # ... and every shape is what Keras built.
    for layer in model.layers:
        assert s.row(layer.name)["output_shape"] == tuple(layer.output.shape)[1:]
        assert s.row(layer.name)["params"] == layer.count_params()
        assert s.row(layer.name)["source"] == "formula"
    assert s.row("pool1")["formula"] == "(28 - 2 + 2·0)/2 + 1 = 14"


def test_seed001_totals(seed001):
    model, s = seed001
    assert s.total_params == 29_130  # seed 001 / DESIGN.md
    assert s.trainable_params == _weights(model.trainable_weights)
    assert s.non_trainable_params == _weights(model.non_trainable_weights) == 2 * 16 + 2 * 32
    # conv1: 28·28 positions · 16 filters · 5·5·1 MACs each; conv2: 14·14·32·5·5·16; fc: 1568·10.
    assert s.row("conv1")["macs"] == 28 * 28 * 16 * 25
    assert s.row("conv2")["macs"] == 14 * 14 * 32 * 25 * 16
    assert s.total_macs == 28 * 28 * 16 * 25 + 14 * 14 * 32 * 25 * 16 + 7 * 7 * 32 * 10


def test_seed001_receptive_field(seed001):
    model, s = seed001
    # r = 1 + (5−1)·1 = 5; pool 2/2: 5 + 1·1 = 6 (jump 2); conv 5: 6 + 4·2 = 14; pool: 14 + 1·2 = 16.
    assert [s.row(n)["receptive_field"] for n in ("conv1", "pool1", "conv2", "pool2")] == [5, 6, 14, 16]
    assert s.row("pool2")["jump"] == 4
    table = dict(receptive_field_table(model))
    assert table["conv2"].size == 14
    # A Dense unit after Flatten reads every position: 16 + (7 − 1)·4 = 40.
    assert receptive_field(model).size == 40


def test_seed001_activation_memory(seed001):
    _, s = seed001
    # Seed 002: training keeps every output; inference two consecutive ones (float32, batch 1).
    sizes = [4 * math.prod(r["output_shape"]) for r in s.rows]
    assert s.activation_memory("training") == sum(sizes)
    assert s.activation_memory("inference") == max(a + b for a, b in zip(sizes, sizes[1:]))
    model = seed001_model()
    half = summarize(model, batch_size=8, dtype_bytes=2)
    assert half.activation_memory("training") == 4 * s.activation_memory("training")


def _branchy():
    """Inception-style branches joined by Concatenate, then a ResNet-style skip joined by Add."""
    inputs = keras.Input((16, 16, 8))
    b1 = layers.Conv2D(4, 1, name="b1_1x1")(inputs)
    b2 = layers.Conv2D(4, 1, name="b2_reduce")(inputs)
    b2 = layers.Conv2D(6, 3, padding="same", name="b2_3x3")(b2)
    b3 = layers.MaxPooling2D(3, strides=1, padding="same", name="b3_pool")(inputs)
    b3 = layers.Conv2D(6, 1, name="b3_proj")(b3)
    x = layers.Concatenate(name="concat")([b1, b2, b3])
    y = layers.Conv2D(16, 3, padding="same", use_bias=False, name="res_conv")(x)
    y = layers.BatchNormalization(name="res_bn")(y)
    x = layers.Add(name="add")([x, y])
    x = layers.ReLU(name="relu")(x)
    x = layers.Conv2D(8, 3, strides=2, name="down")(x)
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    outputs = layers.Dense(3, name="head")(x)
    return keras.Model(inputs, outputs, name="branchy")


def test_functional_branches_and_skip():
    model = _branchy()
    s = summarize(model)
    for layer in model.layers:
        assert s.row(layer.name)["output_shape"] == tuple(layer.output.shape)[1:], layer.name
    assert s.total_params == model.count_params()
    assert s.row("concat")["output_shape"] == (16, 16, 4 + 6 + 6)
    # Concatenate: the widest branch's field (1x1 → 3x3 gives 3; the 3x3 pool → 1x1 gives 3).
    assert s.row("b1_1x1")["receptive_field"] == 1
    assert s.row("concat")["receptive_field"] == 3
    # Add: the skip sees 3, the residual path 3 + 2 = 5 → 5.
    assert s.row("add")["receptive_field"] == 5
    assert s.row("down")["formula"] == "⌊(16 - 3 + 2·0)/2⌋ + 1 = 7"
    assert s.row("down")["receptive_field"] == 7
    assert s.row("b2_3x3")["macs"] == 16 * 16 * 6 * 9 * 4


def test_input_shape_reanalyses_without_touching_the_model():
    inputs = keras.Input((None, None, 3))
    x = layers.Conv2D(4, 3, strides=2, padding="same", name="c1")(inputs)
    x = layers.MaxPooling2D(name="p1")(x)
    model = keras.Model(inputs, x)
    s = summarize(model, input_shape=(33, 33, 3))
    assert s.row("c1")["output_shape"] == (17, 17, 4)          # ⌈33/2⌉
    assert s.row("p1")["output_shape"] == (8, 8, 4)            # ⌊(17 − 2)/2⌋ + 1
    assert s.row("c1")["macs"] == 17 * 17 * 4 * 9 * 3
    # The model is left as built: one graph node per layer, outputs still readable.
    assert all(len(layer._inbound_nodes) == 1 for layer in model.layers)
    assert tuple(model.get_layer("c1").output.shape) == (None, None, None, 4)


def test_unbuilt_sequential_needs_input_shape():
    model = keras.Sequential([layers.Conv2D(2, 3), layers.Flatten(), layers.Dense(2)])
    with pytest.raises(ValueError, match="input_shape"):
        summarize(model)
    s = summarize(model, input_shape=(6, 6, 1))
    assert s.total_params == model.count_params() == (9 * 2 + 2) + (4 * 4 * 2 * 2 + 2)
    # The build summarize did is kept: the model is usable as if built by hand.
    assert tuple(model.layers[0].output.shape) == (None, 4, 4, 2)
    assert model.predict(np.zeros((1, 6, 6, 1)), verbose=0).shape == (1, 2)


@keras.saving.register_keras_serializable(package="cnnkit_tests")
class TwoConvBlock(layers.Layer):
    """A composite layer: conv → BN → ReLU → conv, plus a projected skip, and its own scale weight."""

    def __init__(self, filters, **kwargs):
        super().__init__(**kwargs)
        self.filters = filters
        self.conv_a = layers.Conv2D(filters, 3, padding="same", use_bias=False)
        self.bn = layers.BatchNormalization()
        self.conv_b = layers.Conv2D(filters, 3, padding="same")
        self.proj = layers.Conv2D(filters, 1)

    def build(self, input_shape):
        self.scale = self.add_weight(shape=(), initializer="ones", name="scale")
        super().build(input_shape)

    def call(self, x, training=None):
        y = self.conv_b(keras.ops.relu(self.bn(self.conv_a(x), training=training)))
        return self.proj(x) + keras.ops.multiply(self.scale, y)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters}


def test_nested_composite_layer_is_expanded():
    inputs = keras.Input((12, 12, 3))
    x = TwoConvBlock(8, name="block")(inputs)
    inner = keras.Sequential([layers.Conv2D(4, 3, name="inner_conv"), layers.ReLU()], name="inner")
    x = inner(x)
    model = keras.Model(inputs, layers.GlobalMaxPooling2D(name="gmp")(x))
    s = summarize(model)
    block = s.row("block")
    assert block["expanded"] and block["source"] == "sublayers"
    assert block["params"] == model.get_layer("block").count_params()
    children = [r for r in s.rows if r["parent"] == "block"]
    assert {"Conv2D", "BatchNormalization"} <= {r["type"] for r in children}
    assert all(r["depth"] == 1 for r in children)
    # conv_a (3x3) → conv_b (3x3): the block sees 5x5; the nested model's 3x3 makes it 7.
    assert block["receptive_field"] == 5
    assert s.row("inner")["receptive_field"] == 7
    assert s.row("inner_conv")["output_shape"] == (10, 10, 4)
    assert s.total_params == model.count_params()
    assert s.total_macs == sum(r["macs"] for r in children) + s.row("inner")["macs"]
    assert s.row("inner")["macs"] == 10 * 10 * 4 * 9 * 8


class UntraceableBlock(TwoConvBlock):
    """``variable * tensor`` runs TensorFlow directly, which a symbolic trace cannot follow."""

    def call(self, x, training=None):
        return self.scale * self.conv_b(self.conv_a(x))


def test_untraceable_composite_still_counts_its_sublayers():
    inputs = keras.Input((6, 6, 2))
    model = keras.Model(inputs, UntraceableBlock(3, name="blocky")(inputs))
    s = summarize(model)
    row = s.row("blocky")
    assert row["params"] == model.count_params() and row["macs"] is None
    assert "could not be traced" in row["note"]
    # Its convolutions' counts still come from the formula: 3·3·2·3 (no bias) and 3·3·3·3 + 3.
    children = {r["type"]: r for r in s.rows if r["parent"] == "blocky" and r["source"] == "formula"}
    assert {r["params"] for r in s.rows if r["parent"] == "blocky"} >= {3 * 3 * 2 * 3, 3 * 3 * 3 * 3 + 3}
    assert "Conv2D" in children and row["receptive_field"] is None


class Scaled(layers.Layer):
    """An unknown leaf layer with one weight: summarize falls back to Keras's count."""

    def build(self, input_shape):
        self.gain = self.add_weight(shape=(input_shape[-1],), initializer="ones")

    def call(self, x):
        return x * self.gain


def test_unknown_leaf_layer_falls_back_to_keras():
    inputs = keras.Input((4, 4, 5))
    model = keras.Model(inputs, Scaled(name="scaled")(inputs))
    s = summarize(model)
    row = s.row("scaled")
    assert (row["params"], row["source"]) == (5, "keras")
    assert "*" in s.to_text()
    assert row["receptive_field"] == 1  # shape-preserving: the field is kept


class BiasedConv(layers.Conv2D):
    """A Conv2D that secretly adds a weight: not the layer its formula describes."""

    def build(self, input_shape):
        super().build(input_shape)
        self.extra = self.add_weight(shape=(3,), initializer="zeros", name="extra")


class CroppedConv(layers.Conv2D):
    """A Conv2D whose output loses a row and a column."""

    def call(self, x):
        return super().call(x)[:, 1:, 1:, :]

    def compute_output_shape(self, input_shape):
        b, h, w, c = super().compute_output_shape(input_shape)
        return (b, h - 1, w - 1, c)


def test_parameter_mismatch_names_the_layer():
    inputs = keras.Input((8, 8, 2))
    model = keras.Model(inputs, BiasedConv(4, 3, name="odd_conv")(inputs))
    with pytest.raises(SummaryMismatchError, match=r"odd_conv .*Conv.*expected 76 parameters.*Keras counts 79"):
        summarize(model)
    loose = summarize(model, strict=False)
    assert (loose.row("odd_conv")["params"], loose.row("odd_conv")["source"]) == (79, "keras")


def test_shape_mismatch_names_the_layer_and_formula():
    inputs = keras.Input((8, 8, 2))
    model = keras.Model(inputs, CroppedConv(4, 3, name="cropped")(inputs))
    assert tuple(model.output.shape) == (None, 5, 5, 4)
    with pytest.raises(SummaryMismatchError,
                       match=r"cropped .*6x6x4 — \(8 - 3 \+ 2·0\)/1 \+ 1 = 6.*Keras built 5x5x4"):
        summarize(model)


def test_text_markdown_html_rendering(seed001):
    _, s = seed001
    text = s.to_text()
    assert text == str(s)
    assert 'Model: "seed001"' in text and "Total params: 29,130" in text
    assert "conv1 (Conv2D)" in text and "28x28x16" in text and "313,600" in text
    md = s.to_markdown()
    table = [line for line in md.splitlines() if line.startswith("|")]
    assert len(table) == 2 + len(s.rows)
    assert table[0].startswith("| Layer (type) | Output shape | Params")
    html = s._repr_html_()
    assert html == s.to_html()
    assert html.count("<tr>") == 1 + len(s.rows) and "<table>" in html
    assert "29,130" in html and "<td>28x28x16</td>" in html
    assert "29,130 params" in repr(s)
    rows = s.to_dicts()
    assert rows[1]["name"] == "conv1" and isinstance(rows[1], dict) and rows[1] is not s.rows[1]


def test_summary_rejects_non_models():
    with pytest.raises(TypeError, match="keras.Model"):
        summarize([layers.Conv2D(1, 3)])
    assert isinstance(summarize(seed001_model()), Summary)


def test_mobilenet_mult_adds_match_the_paper():
    # Howard et al. 2017 (MobileNets), Table 8: 1.0 MobileNet-224 has 569 million mult-adds and
    # 4.2 million parameters (DESIGN.md: keras.applications.MobileNet = 4,253,864).
    model = keras.applications.MobileNet(weights=None)
    s = summarize(model)
    assert round(s.total_macs / 1e6) == 569
    assert s.total_params == 4_253_864
    assert {r["source"] for r in s.rows} == {"formula"}
    assert s.row("conv_dw_1")["macs"] == 112 * 112 * 32 * 9      # depthwise: one 3x3 per channel
