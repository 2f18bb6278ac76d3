"""Notebook 05 (Inception and GoogLeNet with auxiliary losses): every common mistake fails a visible test
with a message that names it, the hidden tests catch what the visible ones let through (a cost formula
that assumes square kernels), answers taken from the library are caught, and the calibrated pass mark
separates a trained small GoogLeNet from an untrained one — measured, like the grader, on output 0."""

from __future__ import annotations

import pytest

from assignment_kit import (Referee, assert_names_the_mistake, assert_the_solution_passes, config_fixture,
                            harness_fixture, library_findings, provided_fixture, save_untrained, variant)

NAME = "05-inception-googlenet"
pytestmark = pytest.mark.xdist_group("assignment-05")

# (test, answer cell, (text in the solution, the student's text instead), words the failure message must contain)
MISTAKES = [
    ("test_inception_module", "inception_module", ("bp = conv(pooled, pool_proj, 1)", "bp = pooled"),
     "leaving out the pool projection"),
    ("test_inception_module", "inception_module", ('padding="same", activation="relu"', 'padding="valid", activation="relu"'),
     "padding='same'"),
    ("test_inception_module", "inception_module", ("MaxPooling2D(3, strides=1,", "MaxPooling2D(3, strides=2,"), "stride 1"),
    ("test_inception_module", "inception_module", (', activation="relu")', ")"), "without a ReLU"),
    ("test_inception_module", "inception_module", ("[conv(x, f1, 1), b3, b5, bp]", "[b3, conv(x, f1, 1), b5, bp]"),
     "1×1, 3×3, 5×5, pool projection"),
    ("test_inception_module", "inception_module", ('activation="relu")', 'activation="relu", use_bias=False)'),
     "use_bias=False"),
    ("test_inception_module", "inception_module",
     ("b3 = conv(conv(x, f3r, 1), f3, 3)\n        b5 = conv(conv(x, f5r, 1), f5, 5)",
      "b3 = conv(x, f3, 3)\n        b5 = conv(x, f5, 5)"), "without the 1×1 reductions"),
    ("test_costs", "costs", ("* kh * kw * c_in", "* kh * kw"), "leaving out C_in"),
    ("test_costs", "costs", ("* kh * kw * c_in", "* kh * c_in"), "k instead of k·k"),
    ("test_costs", "costs", ("REDUCED_5X5 = conv_mults(28, 28, 1, 192, 16) + ", "REDUCED_5X5 = "),
     "counting only the 5×5"),
    ("test_costs", "costs", ("_, h, w, c_out = layer.output.shape", "_, h, w, _ = layer.input.shape\n"
                                                                    "            c_out = layer.filters"),
     "the input size"),
    ("test_costs", "costs", ("if isinstance(layer, layers.Conv2D):",
                             "if isinstance(layer, layers.Conv2D) and layer.kernel_size != (1, 1):"),
     "skipping the 1×1"),
    ("test_aux_head", "aux_head", ("AveragePooling2D(5, strides=3)", "AveragePooling2D(5, strides=1)"), "stride 1"),
    ("test_aux_head", "aux_head", ("AveragePooling2D(5, strides=3)", 'AveragePooling2D(5, strides=3, padding="same")'),
     "padding='same' in the average pool"),
    ("test_aux_head", "aux_head", ('    x = layers.Conv2D(filters, 1, activation="relu")(x)\n', ""),
     "leaving out the 1×1 convolution"),
    ("test_aux_head", "aux_head", ("layers.AveragePooling2D(5, strides=3)(x)", "layers.GlobalAveragePooling2D(keepdims=True)(x)"),
     "global average pooling instead"),
    ("test_aux_head", "aux_head", ("Dropout(0.7)", "Dropout(0.5)"), "drops 70%"),
    ("test_aux_head", "googlenet", ("[main, *aux_outputs] if aux", "[*aux_outputs, main] if aux"),
     "the heads before the main classifier"),
    ("test_aux_head", "googlenet", ('key in ("4a", "4d")', 'key in ("4b", "4e")'), "(4a) and (4d)"),
    ("test_small_googlenet", "small_googlenet", (", aux_filters=16, aux_units=128", ""), "the full-size heads"),
    ("test_small_googlenet", "small_googlenet", ("[main, *aux_outputs] if aux else main", "[main, *aux_outputs]"),
     "no heads"),
    ("test_compile_with_heads", "compile_with_heads", ('"aux1": 0.3, "aux2": 0.3}', '"aux1": 1.0, "aux2": 1.0}'),
     "equal weights"),
    ("test_compile_with_heads", "compile_with_heads", ('"aux1": 0.3, "aux2": 0.3}', '"aux1": 0.0, "aux2": 0.0}'),
     "weight 0 on the heads"),
    ("test_compile_with_heads", "compile_with_heads", ('{"main": 1.0, "aux1": 0.3, "aux2": 0.3}',
                                                       '{"main": 0.3, "aux1": 0.3, "aux2": 1.0}'),
     "the weights in the wrong order"),
    ("test_compile_with_heads", "compile_with_heads", ('{"main": 1.0, "aux1": 0.3, "aux2": 0.3}',
                                                       '{"main": 1 / 1.6, "aux1": 0.3 / 1.6, "aux2": 0.3 / 1.6}'),
     "not normalised"),
    ("test_compile_with_heads", "compile_with_heads", ('loss={"main": loss, "aux1": loss, "aux2": loss}', "loss=loss"),
     "one loss per output"),
    ("test_compile_with_heads", "compile_with_heads", ('return {"main": y, "aux1": y, "aux2": y}', "return y"),
     "one label array per output"),
    ("test_compile_with_heads", "compile_with_heads", ('metrics={"main": ["accuracy"]}', "metrics=None"),
     "accuracy reported on the main output"),
    ("test_inference", "inference", ('model.get_layer("main").output', "model.outputs[1]"), "not a head"),
    ("test_inference", "inference", ('keras.Model(model.input, model.get_layer("main").output, name=f"{model.name}_inference")',
                                     "build_small_googlenet(aux=False)"), "fresh random weights"),
    ("test_inference", "inference", ('keras.Model(model.input, model.get_layer("main").output, name=f"{model.name}_inference")',
                                     "model"), "only the main classifier"),
    ("test_factorisation", "factorisation", ("RATIO_5X5_TO_3X3 = cost_of(5) / cost_of(3)", "RATIO_5X5_TO_3X3 = 5 / 3"),
     "comparing kernel widths"),
    ("test_factorisation", "factorisation", ("SAVING_TWO_3X3 = 1 - cost_of(3, 3) / cost_of(5)",
                                             "SAVING_TWO_3X3 = cost_of(3, 3) / cost_of(5)"), "the fraction KEPT"),
    ("test_factorisation", "factorisation", ("SAVING_ASYMMETRIC = 1 - cost_of((1, 3), (3, 1)) / cost_of(3)",
                                             "SAVING_ASYMMETRIC = cost_of((1, 3), (3, 1)) / cost_of(3)"),
     "the fraction KEPT"),
    ("test_factorisation", "factorisation", ("layers.Conv2D(filters, (1, n), padding", "layers.Conv2D(filters, (n, 1), padding"),
     "kernel sizes"),
]

# GoogLeNet itself is built at 224×224 (7M parameters): seconds per variant, marked slow.
BIG_MISTAKES = [
    ("test_googlenet", "googlenet", ('MaxPooling2D(3, strides=2, padding="same"', 'MaxPooling2D(3, strides=2, padding="valid"'),
     "padding='valid' in the stride-2 layers"),
    ("test_googlenet", "googlenet", ("if stage < 5:", "if stage < 4:"), "a missing max-pool"),
    ("test_googlenet", "googlenet", ('layers.GlobalAveragePooling2D(name="avgpool")(x)\n    x = layers.Dropout(0.4, name="main_dropout")',
                                     'layers.Flatten(name="avgpool")(x)\n    x = layers.Dropout(0.4, name="main_dropout")'),
     "Flatten instead of global average pooling"),
    ("test_googlenet", "googlenet", ('name=f"inception_{key}"', 'name=f"module_{key}"'), "name=f'inception_{key}'"),
    ("test_googlenet", "googlenet", ('    x = layers.Dropout(0.4, name="main_dropout")(x)\n', ""), "dropout 40%"),
]


harness = harness_fixture(NAME, skip=("setup-kit", "module-costs"))
provided = provided_fixture(NAME)
config = config_fixture(NAME)


def test_the_solution_passes_every_test(harness):
    assert_the_solution_passes(harness, ("test_inception_module", "test_costs", "test_aux_head", "test_small_googlenet",
                                         "test_compile_with_heads", "test_inference", "test_factorisation"))


@pytest.mark.parametrize("test, cell, change, words", MISTAKES, ids=[f"{m[0]}:{m[3][:30]}" for m in MISTAKES])
def test_each_common_mistake_fails_visibly_with_its_name(harness, test, cell, change, words):
    message = harness.outcome(test, {cell: variant(harness, cell, change)})
    assert_names_the_mistake(message, test, words)


@pytest.mark.slow
@pytest.mark.parametrize("test, cell, change, words", BIG_MISTAKES, ids=[f"{m[0]}:{m[3][:30]}" for m in BIG_MISTAKES])
def test_mistakes_in_googlenet(harness, test, cell, change, words):
    assert harness.outcome(test, part="all") is None
    message = harness.outcome(test, {cell: variant(harness, cell, change)})
    assert_names_the_mistake(message, test, words)


def test_hidden_tests_catch_a_cost_that_assumes_square_kernels(harness):
    """model_mults reading only kernel_size[0]: every visible model has square kernels, the hidden one has 1×3."""
    text = variant(harness, "costs", ("conv_mults(h, w, layer.kernel_size,", "conv_mults(h, w, layer.kernel_size[0],"))
    assert harness.outcome("test_costs", {"costs": text}) is None
    assert "(1, 3) kernel" in harness.outcome("test_costs", {"costs": text}, part="all")


def test_hidden_tests_catch_sgd(harness):
    text = variant(harness, "compile_with_heads", ("keras.optimizers.Adam(learning_rate=1e-3)", '"sgd"'))
    assert harness.outcome("test_compile_with_heads", {"compile_with_heads": text}) is None
    assert "Adam" in harness.outcome("test_compile_with_heads", {"compile_with_heads": text}, part="all")


@pytest.mark.parametrize("cell, text, found", [
    ("inception_module", "def inception_module(x, f1, f3r, f3, f5r, f5, pool_proj, naive=False, name=None):\n"
                         "    from cnnkit.layers import InceptionModule\n"
                         "    return InceptionModule(f1, f3r, f3, f5r, f5, pool_proj, naive=naive, name=name)(x)",
     "cnnkit.layers.InceptionModule"),
    ("aux_head", "import cnnkit.layers\n\n\ndef aux_head(x, classes, name, filters=128, units=1024):\n"
                 "    return cnnkit.layers.AuxiliaryClassifier(classes, filters=filters, units=units, name=name)(x)",
     "cnnkit.layers.AuxiliaryClassifier"),
    ("googlenet", "from cnnkit.models import GoogLeNet\n\n\ndef build_googlenet(input_shape=(224, 224, 3), classes=1000, "
                  "aux=False):\n    return GoogLeNet(input_shape=input_shape, classes=classes, aux_classifiers=aux)",
     "cnnkit.models.GoogLeNet"),
    ("costs", "from cnnkit.analysis import conv2d_macs as conv_mults", "cnnkit.analysis.conv2d_macs"),
    ("compile_with_heads", "from cnnkit.models.googlenet import compile_with_aux\n\n\ndef compile_with_heads(model):\n"
                           "    compile_with_aux(model)", "cnnkit.models.googlenet.compile_with_aux"),
    ("inference", "from cnnkit.models.googlenet import inference_model", "cnnkit.models.googlenet.inference_model"),
])
def test_answers_taken_from_the_library_are_caught(provided, config, cell, text, found):
    findings = library_findings(config, provided, cell, text)
    assert any(f.what == found for f in findings), findings


def test_the_trained_model_file_loads_safely_with_main_first():
    """The referee loads hand-ins in safe mode and measures output 0: the calibration model is built from
    Keras's own layers only, and its first output is the main classifier."""
    import keras

    model = keras.saving.load_model(Referee(NAME).calibration_model(0), compile=False, safe_mode=True)
    assert list(model.output_names) == ["main", "aux1", "aux2"]
    assert all(type(l).__module__.startswith("keras.") for l in model.layers)


def test_the_pass_mark_separates_trained_from_untrained(harness):
    """The referee's own measurement: an untrained small GoogLeNet is far below the pass mark, a calibration model above."""
    referee = Referee(NAME)
    mark = referee.threshold.value
    low = referee.measure(save_untrained(harness.namespace["build_small_googlenet"]))
    assert low["architecture"] and not low["ok"] and low["accuracy"] < mark - 0.4, low
    high = referee.measure(referee.calibration_model(-1))
    assert high["ok"] and high["accuracy"] >= mark + referee.threshold.margin, high
