"""Parameters of one conv / depthwise / separable / dense / batch-norm layer."""

from __future__ import annotations

from cnnkit import analysis
from cnnkit.quiz.errors import QuizError
from cnnkit.quiz.families._base import check_level, shape_of
from cnnkit.quiz.layers import describe, fmt_input, fmt_shape, normalize, params, params_formula, walk
from cnnkit.quiz.question import Question

NAME = "layer_params"
TITLE = "Parameters of a conv / depthwise / separable / dense / batch-norm layer"
ASKS = ("total", "trainable")


def from_spec(input, layer, ask="total", level="custom", source="", flatten=False) -> Question:
    """Parameters of ``layer`` on ``input``; ``ask="trainable"`` leaves out batch-norm's moving statistics.

    ``flatten=True`` puts a flatten before a dense layer on an H x W x C input.
    """
    if ask not in ASKS:
        raise QuizError(f"{NAME}: ask must be one of {ASKS}, got {ask!r}")
    in_shape, layer = shape_of(input), normalize(layer)
    layers = ([{"type": "flatten"}] if flatten else []) + [layer]
    rows = walk(in_shape, layers)
    last = rows[-1]
    if ask == "trainable":
        if layer["type"] != "batchnorm":
            raise QuizError(f"{NAME}: ask='trainable' is for batch-norm layers, got {layer['type']}")
        answer = analysis.batch_norm_params(in_shape[-1])["trainable"]
        explanation = f"γ and β per channel: 2·{in_shape[-1]} = {answer} (the moving mean/variance are not trained)"
        what = "trainable parameters"
    else:
        answer = params(layer, last["in"])
        explanation = params_formula(layer, last["in"])
        what = "parameters (weights + biases" + (", trainable or not)" if layer["type"] == "batchnorm" else ")")
    if flatten:
        explanation = f"flatten: {'·'.join(map(str, in_shape))} = {last['in'][0]} inputs; {explanation}"
        where = f"a {fmt_shape(in_shape)} map is flattened and fed to a {describe(layer)}"
    else:
        where = f"a {describe(layer)} is applied to a {fmt_input(in_shape)}"
    stem = f"In Keras, {where}. How many {what} does that layer have?"
    if answer < 1:
        raise QuizError(f"{NAME}: {describe(layer)} has no parameters; ask about a layer that has some")
    return Question(NAME, level, stem, answer, "integer", explanation=explanation, unit="parameters",
                    input_shape=in_shape, layers=layers, check="params", meta={"ask": ask},
                    source=source)


def generate(rng, level: str) -> Question:
    check_level(NAME, level)
    c = rng.choice([1, 3, 8, 16, 32, 64])
    if level == "easy":
        if rng.random() < 0.3:
            return from_spec((rng.randint(8, 1024),), {"type": "dense", "units": rng.randint(2, 512)}, level=level)
        layer = {"type": "conv", "filters": rng.choice([8, 16, 32, 64, 128]), "kernel": rng.choice([1, 3, 5])}
        return from_spec((rng.randint(8, 64),) * 2 + (c,), layer, level=level)
    n = rng.randint(7, 56)
    if level == "medium":
        kind = rng.choice(["conv", "depthwise", "batchnorm", "batchnorm"])
        if kind == "batchnorm":
            return from_spec((n, n, rng.choice([16, 32, 64, 96, 128, 256])), {"type": kind},
                             ask=rng.choice(ASKS), level=level)
        layer = {"type": kind, "kernel": rng.choice([3, 5, 7]), "bias": rng.random() < 0.5}
        if kind == "conv":
            layer["filters"] = rng.choice([16, 32, 64, 96, 128])
        return from_spec((n, n, c), layer, level=level)
    kind = rng.choice(["separable", "separable", "conv", "dense"])
    if kind == "dense":
        h = rng.randint(2, 8)
        return from_spec((h, h, rng.choice([16, 32, 64])), {"type": "dense", "units": rng.choice([10, 64, 128])},
                         level=level, flatten=True)
    k = rng.choice([3, 5, (1, 7), (7, 1), (3, 1)])
    layer = {"type": kind, "filters": rng.choice([32, 64, 128, 256]),
             "kernel": list(k) if isinstance(k, tuple) else k, "bias": rng.random() < 0.5}
    if kind == "separable":
        layer["depth_multiplier"] = rng.choice([1, 2, 4])
    return from_spec((n, n, rng.choice([16, 32, 64, 128])), layer, level=level)


def lectures() -> list[Question]:
    s001, s002 = "seed 001 (Fashion-MNIST CNN)", "seed 002, Table 14-1/14-2"
    conv = lambda f, k, s=1, p="valid": {"type": "conv", "filters": f, "kernel": k, "stride": s, "padding": p}
    dense = lambda u, bias=True: {"type": "dense", "units": u, "bias": bias}
    cases = [
        ((28, 28, 3), dense(1, False), {}, "seed 001, 'Why not fully connected': 28x28x3 image → 2352 weights per hidden neuron"),
        ((200, 200, 3), dense(1, False), {}, "seed 001: 200x200x3 image → 120,000 weights per hidden neuron"),
        ((10, 10, 3), conv(1, 3), {}, "seed 004: one 3x3x3 filter of learnable weights (plus its bias)"),
        ((28, 28, 1), conv(16, 5, 1, 2), {}, f"{s001}: CONV 1, 16 kernels 5x5"),
        ((14, 14, 16), conv(32, 5, 1, 2), {}, f"{s001}: CONV 2, 32 kernels 5x5"),
        ((28, 28, 16), {"type": "batchnorm"}, {"ask": "trainable"}, "seed 003/004: batch-norm learns γ and β per channel"),
        ((7, 7, 32), dense(10), {}, f"{s001}: FC layer on the 7x7x32 map → 10 classes"),
        ((32, 32, 1), conv(6, 5), {}, f"{s002}: LeNet-5 C1"),
        ((14, 14, 6), conv(16, 5), {}, f"{s002}: LeNet-5 C3"),
        ((227, 227, 3), conv(96, 11, 4), {}, f"{s002}: AlexNet C1"),
    ]
    out = []
    for shape, layer, kw, src in cases:
        flatten = layer["type"] == "dense" and len(shape) == 3
        out.append(from_spec(shape, layer, level="lectures", source=src, flatten=flatten, **kw))
    return out
