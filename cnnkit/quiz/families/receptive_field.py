"""Receptive field of a stack of conv/pool layers (answered by ``cnnkit.analysis.receptive_field``)."""

from __future__ import annotations

from cnnkit.quiz.errors import QuizError
from cnnkit.quiz.families._base import check_level, shape_of
from cnnkit.quiz.layers import POOL_TYPES, normalize, walk
from cnnkit.quiz.question import Question

NAME = "receptive_field"
TITLE = "Receptive field of a stack of layers"


def analysis_spec(spec: dict) -> dict:
    """A conv/pool spec as ``cnnkit.analysis.receptive_field`` reads it."""
    pool = spec["type"] in POOL_TYPES
    return {"type": "pool" if pool else "conv", "kernel": spec["pool"] if pool else spec["kernel"],
            "stride": spec["stride"], "dilation": 1 if pool else spec["dilation"], "padding": spec["padding"]}


def from_spec(input, layers, level="custom", source="") -> Question:
    from cnnkit.analysis import receptive_field

    in_shape = shape_of(input)
    layers = [normalize(spec) for spec in layers]
    if any(spec["type"] not in ("conv", *POOL_TYPES) for spec in layers):
        raise QuizError(f"{NAME}: the stack may hold conv and pooling layers only, got "
                        f"{[s['type'] for s in layers]}")
    walk(in_shape, layers)  # the stack must run on its input
    if any(isinstance(s["kernel" if s["type"] == "conv" else "pool"], list) for s in layers):
        raise QuizError(f"{NAME}: use square kernels so the field is one number")
    specs = [analysis_spec(s) for s in layers]
    steps = []
    for i in range(1, len(specs) + 1):
        steps.append(receptive_field(specs[:i], input_size=in_shape[:2]))
    rf = steps[-1]
    why, size, jump = [], 1, 1
    for i, (spec, step) in enumerate(zip(specs, steps), 1):
        k_eff = spec["dilation"] * (spec["kernel"] - 1) + 1
        why.append(f"({i}) r = {size} + ({k_eff} - 1)·{jump} = {step.size}, jump {jump}·{spec['stride']} = {step.jump}")
        size, jump = step.size, step.jump
    stem = (f"The layers below are stacked on a {in_shape[0]}x{in_shape[1]} input. What is the receptive "
            "field (in input pixels, along one side) of one unit of the last layer?")
    return Question(NAME, level, stem, int(rf.size), "integer", explanation="; ".join(why), unit="pixels",
                    input_shape=in_shape, layers=layers, table=True, check="receptive", source=source)


def generate(rng, level: str) -> Question:
    check_level(NAME, level)
    n = rng.choice([32, 64, 96, 128])
    conv = lambda k, s=1, d=1: {"type": "conv", "filters": 8, "kernel": k, "stride": s, "dilation": d,
                                "padding": "same"}
    if level == "easy":
        layers = [conv(rng.choice([3, 3, 5])) for _ in range(rng.randint(2, 4))]
    elif level == "medium":
        layers = []
        for _ in range(rng.randint(2, 3)):
            layers += [conv(rng.choice([3, 5])) for _ in range(rng.randint(1, 2))]
            layers.append({"type": "maxpool", "pool": 2})
        layers.append(conv(3))
    else:
        layers = []
        for _ in range(rng.randint(3, 6)):
            roll = rng.random()
            if roll < 0.3:
                layers.append(conv(3, 1, rng.choice([2, 3, 4])))
            elif roll < 0.55:
                layers.append(conv(rng.choice([3, 5, 7]), 2))
            elif roll < 0.75:
                layers.append({"type": "maxpool", "pool": rng.choice([2, 3]), "stride": 2, "padding": "same"})
            else:
                layers.append(conv(rng.choice([1, 3])))
    return from_spec((n, n, 3), layers, level)


def lectures() -> list[Question]:
    conv = lambda k, p=0: {"type": "conv", "filters": 8, "kernel": k, "padding": p}
    pool = {"type": "avgpool", "pool": 2}
    return [
        from_spec((32, 32, 3), [conv(3), conv(3)], "lectures",
                  "seed 001/002: two stacked 3x3 convolutions replace one 5x5 (same field, 18 vs 25 weights per channel)"),
        from_spec((32, 32, 3), [conv(3), conv(3), conv(3)], "lectures",
                  "seed 004, VGG: 'repeating small (3x3) convolutions' — three see what one 7x7 sees"),
        from_spec((32, 32, 1), [conv(5), pool, conv(5), pool, conv(5)], "lectures",
                  "seed 002, Table 14-1: LeNet-5's C5 sees the whole 32x32 input (its output is 1x1)"),
    ]
