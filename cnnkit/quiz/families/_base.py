"""What every question family shares: the levels and small helpers for stems and tables."""

from __future__ import annotations

from cnnkit.quiz.errors import QuizError
from cnnkit.quiz.layers import fmt_shape, walk

LEVELS = ("easy", "medium", "hard", "lectures")


def check_level(family: str, level: str) -> None:
    if level not in LEVELS:
        raise QuizError(f"{family}: unknown level {level!r}; expected one of {', '.join(LEVELS)}")


def shape_of(value) -> tuple[int, ...]:
    """Read an input shape given as ``[28, 28, 1]`` or ``"28x28x1"``."""
    if isinstance(value, str):
        parts = value.lower().replace("×", "x").split("x")
        try:
            return tuple(int(p) for p in parts)
        except ValueError:
            raise QuizError(f"input shape must look like 28x28x1, got {value!r}") from None
    try:
        shape = tuple(int(d) for d in value)
    except (TypeError, ValueError):
        raise QuizError(f"input shape must look like [28, 28, 1], got {value!r}") from None
    if not shape or any(d < 1 for d in shape):
        raise QuizError(f"input shape must be positive sizes, got {value!r}")
    return shape


def table_explanation(input_shape, layers, what: str = "params") -> str:
    """One line per layer with its output shape and parameter count, then the total."""
    from cnnkit.quiz.layers import params_formula

    rows = walk(input_shape, layers)
    lines = [f"input {fmt_shape(input_shape)}"]
    for r in rows:
        line = f"({r['index']}) → {fmt_shape(r['out'])}"
        if what == "params":
            line += f"; params {params_formula(r['spec'], r['in'])}"
        lines.append(line)
    if what == "params":
        lines.append(f"total = {' + '.join(str(r['params']) for r in rows)} = {sum(r['params'] for r in rows)}")
    return "; ".join(lines)


# The lecture networks as layer tables, shared by the families that quiz them.
def _conv(filters, kernel, padding=0):
    return {"type": "conv", "filters": filters, "kernel": kernel, "padding": padding}


# Seed 001, "Designing a Convolutional Neural Network": (conv 5x5 p2 - BN - ReLU - pool) x2, FC 10.
SIMPLE_CNN = [_conv(16, 5, 2), {"type": "batchnorm"}, {"type": "relu"}, {"type": "maxpool", "pool": 2},
              _conv(32, 5, 2), {"type": "batchnorm"}, {"type": "relu"}, {"type": "maxpool", "pool": 2},
              {"type": "flatten"}, {"type": "dense", "units": 10}]
# Seed 002, Table 14-1: LeNet-5 on 32x32x1 (the output layer as a dense layer).
LENET5 = [_conv(6, 5), {"type": "avgpool", "pool": 2}, _conv(16, 5), {"type": "avgpool", "pool": 2},
          _conv(120, 5), {"type": "flatten"}, {"type": "dense", "units": 84}, {"type": "dense", "units": 10}]
