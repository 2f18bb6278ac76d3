"""Output shape of one conv/pool layer: padding (numbers, "same", "valid"), stride, dilation."""

from __future__ import annotations

from cnnkit.quiz.families._base import check_level, shape_of
from cnnkit.quiz.layers import describe, fmt_shape, normalize, output_shape, shape_formula
from cnnkit.quiz.question import Question

NAME = "output_shape"
TITLE = "Output shape of a convolution or pooling layer"


def from_spec(input, layer, level="custom", source="") -> Question:
    """The question for one layer on one input (QuizError when the layer cannot run on it)."""
    in_shape, layer = shape_of(input), normalize(layer)
    out = output_shape(layer, in_shape)
    stem = (f"A {fmt_shape(in_shape)} input (H x W x C) goes through a {describe(layer)}. "
            "What is the output shape (H x W x C)?")
    return Question(NAME, level, stem, out, "shape", explanation=shape_formula(layer, in_shape),
                    input_shape=in_shape, layers=[layer], check="shape", source=source)


def generate(rng, level: str) -> Question:
    check_level(NAME, level)
    if level == "easy":
        n, c = rng.randint(6, 64), rng.choice([1, 3, 8, 16, 32])
        if rng.random() < 0.3:
            n += n % 2
            return from_spec((n, n, c), {"type": "maxpool", "pool": 2}, level)
        k = rng.choice([1, 3, 5, 7])
        layer = {"type": "conv", "filters": rng.choice([8, 16, 32, 64]), "kernel": k,
                 "stride": rng.choice([1, 1, 2]), "padding": rng.randint(0, k // 2)}
        return from_spec((n, n, c), layer, level)
    if level == "medium":
        n, c = rng.randint(7, 128), rng.choice([3, 16, 32, 64, 96])
        if rng.random() < 0.35:
            layer = {"type": rng.choice(["maxpool", "avgpool"]), "pool": rng.choice([2, 3]),
                     "stride": rng.choice([1, 2, 3]), "padding": rng.choice(["valid", "same"])}
        else:
            k = rng.choice([1, 3, 5, 7, 11])
            layer = {"type": "conv", "filters": rng.choice([16, 32, 64, 96, 128, 256]), "kernel": k,
                     "stride": rng.choice([1, 2, 3, 4]),
                     "padding": rng.choice(["valid", "same", rng.randint(0, k // 2 + 1)])}
        return from_spec((n, n, c), layer, level)
    # hard: rectangular inputs and kernels, dilation, depthwise/separable channel arithmetic
    h, w, c = rng.randint(9, 96), rng.randint(9, 96), rng.choice([3, 8, 24, 32, 48])
    kind = rng.choice(["conv", "conv", "depthwise", "separable"])
    k = rng.choice([3, 5, 7, (1, 7), (7, 1), (1, 3), (3, 1), (3, 5)])
    dilation = rng.choice([1, 2, 3]) if rng.random() < 0.5 else 1
    layer = {"type": kind, "kernel": list(k) if isinstance(k, tuple) else k, "dilation": dilation,
             "stride": 1 if dilation > 1 else rng.choice([1, 2, 3]),
             "padding": rng.choice(["valid", "same", rng.randint(0, 3)])}
    if kind != "depthwise":
        layer["filters"] = rng.choice([16, 32, 64, 128])
    if kind != "conv":
        layer["depth_multiplier"] = rng.choice([1, 2, 3])
    return from_spec((h, w, c), layer, level)


def lectures() -> list[Question]:
    """The worked examples of the seeds, shape for shape."""
    s001 = "seed 001, 'Designing a Convolutional Neural Network' (Fashion-MNIST CNN)"
    s002 = "seed 002, Table 14-1/14-2 (LeNet-5 / AlexNet)"
    conv = lambda f, k, s=1, p=0: {"type": "conv", "filters": f, "kernel": k, "stride": s, "padding": p}
    pool = lambda k, s=None: {"type": "maxpool", "pool": k, "stride": s or k}
    avg = {"type": "avgpool", "pool": 2, "stride": 2}
    cases = [
        ((28, 28, 1), conv(16, 5, 1, 2), f"{s001}: CONV 1 → 28x28x16"),
        ((28, 28, 16), pool(2, 2), f"{s001}: POOL 1 → 14x14x16"),
        ((14, 14, 16), conv(32, 5, 1, 2), f"{s001}: CONV 2 → 14x14x32"),
        ((14, 14, 32), pool(2, 2), f"{s001}: POOL 2 → 7x7x32"),
        ((6, 6, 1), conv(1, 3), "seed 001, convolution operation: 6x6 input, 3x3 kernel → 4x4 feature map"),
        ((9, 9, 1), conv(1, 3, 1, 1), "seed 001, padding: 9x9 image, 3x3 filter, 1 layer of padding → 9x9"),
        ((5, 5, 1), conv(1, 2), "seed 000: 5x5x1 input, 2x2x1 filter, stride 1, padding 0 → 4x4x1"),
        ((4, 4, 1), pool(2, 2), "seed 000, max pooling: 4x4, filter 2x2, stride 2 → 2x2"),
        ((4, 4, 1), conv(1, 2), "seed 003: w = 4, k = 2, s = 1, p = 0 → output 3x3"),
        ((4, 4, 1), conv(1, 2, 2), "seed 003: w = 4, k = 2, s = 2, p = 0 → output 2x2"),
        ((10, 10, 3), conv(1, 3), "seed 004: 10x10x3 input, one 3x3x3 filter → 8x8x1"),
        ((32, 32, 1), {**conv(6, 5), "padding": "valid"}, f"{s002}: LeNet-5 C1 → 28x28x6"),
        ((28, 28, 6), avg, f"{s002}: LeNet-5 S2 → 14x14x6"),
        ((14, 14, 6), conv(16, 5), f"{s002}: LeNet-5 C3 → 10x10x16"),
        ((10, 10, 16), avg, f"{s002}: LeNet-5 S4 → 5x5x16"),
        ((5, 5, 16), conv(120, 5), f"{s002}: LeNet-5 C5 → 1x1x120"),
        ((227, 227, 3), {**conv(96, 11, 4), "padding": "valid"}, f"{s002}: AlexNet C1 → 55x55x96"),
        ((55, 55, 96), pool(3, 2), f"{s002}: AlexNet S2 → 27x27x96"),
        ((27, 27, 96), {**conv(256, 5), "padding": "same"}, f"{s002}: AlexNet C3 → 27x27x256"),
        ((27, 27, 256), pool(3, 2), f"{s002}: AlexNet S4 → 13x13x256"),
        ((13, 13, 256), {**conv(384, 3), "padding": "same"}, f"{s002}: AlexNet C5 → 13x13x384"),
    ]
    return [from_spec(i, layer, "lectures", src) for i, layer, src in cases]
