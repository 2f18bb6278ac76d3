"""Total parameters of a small CNN given as a layer table."""

from __future__ import annotations

from cnnkit.quiz.errors import QuizError
from cnnkit.quiz.families._base import LENET5, SIMPLE_CNN, check_level, shape_of, table_explanation
from cnnkit.quiz.layers import fmt_shape, normalize, walk
from cnnkit.quiz.question import Question

NAME = "model_params"
TITLE = "Total parameters of a small CNN (layer table)"
MAX_PARAMS = 5_000_000  # keeps the Keras cross-check light


def from_spec(input, layers, level="custom", source="") -> Question:
    in_shape = shape_of(input)
    layers = [normalize(spec) for spec in layers]
    rows = walk(in_shape, layers)
    total = sum(r["params"] for r in rows)
    if total > MAX_PARAMS:
        raise QuizError(f"{NAME}: {total} parameters is more than the {MAX_PARAMS} a quiz model may have")
    stem = (f"A Keras model takes a {fmt_shape(in_shape)} input and applies the layers below in order. "
            "How many parameters does it have in total (trainable and non-trainable, as model.count_params() reports)?")
    return Question(NAME, level, stem, total, "integer", explanation=table_explanation(in_shape, layers),
                    unit="parameters", input_shape=in_shape, layers=layers, table=True, check="params",
                    source=source)


def _conv(rng, padding_choices, filters):
    k = rng.choice([3, 3, 5])
    return {"type": "conv", "filters": rng.choice(filters), "kernel": k,
            "padding": rng.choice(padding_choices)}


def generate(rng, level: str) -> Question:
    check_level(NAME, level)
    shape = rng.choice([(28, 28, 1), (32, 32, 3), (32, 32, 1), (64, 64, 3)])
    classes = rng.choice([2, 5, 10])
    if level == "easy":
        layers = [_conv(rng, ["valid", "same"], [4, 8, 16]), {"type": "maxpool", "pool": 2}]
        if rng.random() < 0.5:
            layers += [_conv(rng, ["valid", "same"], [8, 16]), {"type": "maxpool", "pool": 2}]
        layers += [{"type": "flatten"}, {"type": "dense", "units": classes}]
        return from_spec(shape, layers, level)
    layers = []
    for _ in range(rng.choice([2, 3])):
        conv = _conv(rng, ["valid", "same", 1, 2], [8, 16, 32])
        if level == "hard" and rng.random() < 0.5:
            conv = {**conv, "type": rng.choice(["separable", "depthwise"])}
            if conv["type"] == "depthwise":
                conv.pop("filters")
                conv["depth_multiplier"] = rng.choice([1, 2])
        bn = rng.random() < 0.6
        if bn:
            conv["bias"] = False  # a convolution followed by batch-norm has no bias (DESIGN.md)
        layers += [conv] + ([{"type": "batchnorm"}] if bn else []) + [{"type": "relu"}]
        if level == "hard" and rng.random() < 0.4:
            layers[-3 if bn else -2]["stride"] = 2
        else:
            layers.append({"type": rng.choice(["maxpool", "avgpool"]), "pool": 2})
    if level == "hard" and rng.random() < 0.5:
        layers.append({"type": "gap"})
    else:
        layers.append({"type": "flatten"})
    if rng.random() < 0.6:
        layers += [{"type": "dense", "units": rng.choice([32, 64, 128])}, {"type": "relu"}]
        if level == "hard":
            layers.append({"type": "dropout"})
    layers.append({"type": "dense", "units": classes})
    return from_spec(shape, layers, level)


def lectures() -> list[Question]:
    return [
        from_spec((28, 28, 1), SIMPLE_CNN, "lectures",
                  "seed 001, 'Designing a Convolutional Neural Network' (29,130 parameters, DESIGN.md)"),
        from_spec((32, 32, 1), LENET5, "lectures", "seed 002, Table 14-1 (LeNet-5, output layer as a dense layer)"),
    ]
