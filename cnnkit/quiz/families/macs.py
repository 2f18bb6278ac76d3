"""Multiply-accumulates (MACs) of one conv / depthwise / separable / dense layer."""

from __future__ import annotations

from cnnkit.quiz.errors import QuizError
from cnnkit.quiz.families._base import check_level, shape_of
from cnnkit.quiz.layers import describe, fmt_input, fmt_shape, macs, macs_formula, normalize, output_shape, shape_formula
from cnnkit.quiz.question import Question

NAME = "macs"
TITLE = "Cost (multiply-accumulates) of a layer"


def from_spec(input, layer, level="custom", source="") -> Question:
    in_shape, layer = shape_of(input), normalize(layer)
    if layer["type"] not in ("conv", "depthwise", "separable", "dense"):
        raise QuizError(f"{NAME}: ask about a conv, depthwise, separable or dense layer, got {layer['type']}")
    answer = macs(layer, in_shape)
    out = output_shape(layer, in_shape)
    why = macs_formula(layer, in_shape)
    if len(in_shape) == 3:
        why = f"output {shape_formula(layer, in_shape)}; MACs {why}"
    stem = (f"A {describe(layer)} is applied to a {fmt_input(in_shape)} (output {fmt_shape(out)}). "
            "How many multiply-accumulate operations (MACs) does one forward pass of one image take? "
            "Ignore biases and activations.")
    return Question(NAME, level, stem, answer, "integer", explanation=why, unit="MACs",
                    input_shape=in_shape, layers=[layer], check="macs", source=source)


def generate(rng, level: str) -> Question:
    check_level(NAME, level)
    n, c = rng.choice([7, 8, 14, 16, 28, 32, 56]), rng.choice([3, 16, 32, 64, 128, 192])
    if level == "easy":
        layer = {"type": "conv", "filters": rng.choice([8, 16, 32, 64]), "kernel": rng.choice([1, 3, 5]),
                 "padding": "same"}
        return from_spec((n, n, c), layer, level)
    if level == "medium":
        if rng.random() < 0.3:
            return from_spec((rng.choice([128, 256, 512, 1024, 2048]),),
                             {"type": "dense", "units": rng.choice([10, 100, 1000])}, level)
        layer = {"type": "conv", "filters": rng.choice([16, 32, 64, 128]), "kernel": rng.choice([1, 3, 5, 7]),
                 "stride": rng.choice([1, 2]), "padding": rng.choice(["valid", "same"])}
        return from_spec((n, n, c), layer, level)
    kind = rng.choice(["depthwise", "separable"])
    layer = {"type": kind, "kernel": rng.choice([3, 5]), "stride": rng.choice([1, 2]), "padding": "same",
             "depth_multiplier": rng.choice([1, 1, 2])}
    if kind == "separable":
        layer["filters"] = rng.choice([32, 64, 128, 256])
    return from_spec((n, n, c), layer, level)


def lectures() -> list[Question]:
    src = "seed 000, 'Let's compute computational cost' (inception, 28x28x192 input)"
    same = lambda f, k: {"type": "conv", "filters": f, "kernel": k, "padding": "same"}
    return [
        from_spec((28, 28, 192), same(32, 5), "lectures", f"{src}: 28x28x32x5x5x192 = 120M"),
        from_spec((28, 28, 192), same(16, 1), "lectures", f"{src}: the 1x1 → 16 reduction"),
        from_spec((28, 28, 16), same(32, 5), "lectures", f"{src}: the 5x5 → 32 after the reduction"),
    ]
