"""Which layers of a table have no parameters (pooling, flatten, activations, dropout)?"""

from __future__ import annotations

from cnnkit.quiz.errors import QuizError
from cnnkit.quiz.families._base import LENET5, SIMPLE_CNN, check_level, shape_of
from cnnkit.quiz.layers import fmt_shape, normalize, params_formula, walk
from cnnkit.quiz.question import Question

NAME = "no_params"
TITLE = "Which layers have no parameters"


def from_spec(input, layers, level="custom", source="") -> Question:
    in_shape = shape_of(input)
    layers = [normalize(spec) for spec in layers]
    rows = walk(in_shape, layers)
    free = tuple(r["index"] for r in rows if r["params"] == 0)
    if not free:
        raise QuizError(f"{NAME}: every layer has parameters; add a pooling or flatten layer")
    why = "; ".join(f"({r['index']}) {params_formula(r['spec'], r['in'])}" for r in rows)
    stem = (f"A Keras model takes a {fmt_shape(in_shape)} input and applies the layers below in order. "
            "Which layers have no parameters at all? Give their numbers, e.g. 2, 5.")
    return Question(NAME, level, stem, free, "set", explanation=why, input_shape=in_shape, layers=layers,
                    table=True, check="no_params", source=source)


def generate(rng, level: str) -> Question:
    check_level(NAME, level)
    shape = rng.choice([(28, 28, 1), (32, 32, 3), (64, 64, 3)])
    conv = lambda: {"type": "conv", "filters": rng.choice([8, 16, 32]), "kernel": 3, "padding": "same"}
    layers = []
    for _ in range(rng.choice([1, 2, 3]) if level != "easy" else rng.choice([1, 2])):
        block = [conv()]
        if level != "easy":
            block += [{"type": "batchnorm"}] if rng.random() < 0.5 else []
            block += [{"type": "relu"}]
        if level == "hard" and rng.random() < 0.5:
            block.insert(1, {"type": "depthwise", "kernel": 3, "padding": "same"})
        block.append({"type": rng.choice(["maxpool", "avgpool"]), "pool": 2})
        layers += block
    layers.append({"type": "gap"} if level == "hard" and rng.random() < 0.5 else {"type": "flatten"})
    if rng.random() < 0.5:
        layers += [{"type": "dense", "units": rng.choice([32, 64])}, {"type": "relu"}]
    if level != "easy" and rng.random() < 0.5:
        layers.append({"type": "dropout"})
    layers.append({"type": "dense", "units": 10})
    return from_spec(shape, layers, level)


def lectures() -> list[Question]:
    return [
        from_spec((28, 28, 1), SIMPLE_CNN, "lectures",
                  "seed 001 network; seed 000: pooling layers 'have no learnable parameters'"),
        from_spec((32, 32, 1), LENET5, "lectures", "seed 002, Table 14-1 (LeNet-5); seed 004: pooling is a 'parameter-free layer'"),
    ]
