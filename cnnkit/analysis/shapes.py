"""Output sizes of convolution and pooling — the lecture formula ⌊(n + 2p − d(k−1) − 1)/s⌋ + 1.

Padding may be an int (symmetric zero padding, as on the slides) or Keras's ``"valid"`` /
``"same"``; results use floor semantics exactly as Keras builds them.
"""

from __future__ import annotations

import math

__all__ = [
    "conv_output_size",
    "pool_output_size",
    "same_padding",
    "effective_kernel_size",
    "conv_output_formula",
]


def _positive_int(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int,)) and not (
        hasattr(value, "__index__")
    ):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    value = int(value)
    if value < 1:
        raise ValueError(f"{name} must be >= 1, got {value}")
    return value


def effective_kernel_size(kernel: int, dilation: int = 1) -> int:
    """Span of a dilated kernel: d·(k − 1) + 1 (a 3x3 kernel with dilation 2 covers 5x5)."""
    kernel = _positive_int("kernel", kernel)
    dilation = _positive_int("dilation", dilation)
    return dilation * (kernel - 1) + 1


def same_padding(n: int, kernel: int, stride: int = 1, dilation: int = 1) -> tuple[int, int]:
    """(before, after) zeros that Keras/TensorFlow add for ``padding="same"``.

    TensorFlow pads so the output is ⌈n/s⌉ and puts the odd extra zero *after* the input.
    """
    n = _positive_int("n", n)
    stride = _positive_int("stride", stride)
    k_eff = effective_kernel_size(kernel, dilation)
    out = math.ceil(n / stride)
    total = max((out - 1) * stride + k_eff - n, 0)
    return total // 2, total - total // 2


def _resolve_padding(padding) -> str | int:
    if isinstance(padding, str):
        mode = padding.lower()
        if mode not in ("valid", "same"):
            raise ValueError(
                f'padding must be an int or "valid"/"same", got {padding!r}'
            )
        return mode
    if isinstance(padding, bool) or not hasattr(padding, "__index__"):
        raise TypeError(f'padding must be an int or "valid"/"same", got {padding!r}')
    padding = int(padding)
    if padding < 0:
        raise ValueError(f"padding must be >= 0, got {padding}")
    return padding


def conv_output_size(n: int, kernel: int, stride: int = 1, padding=0, dilation: int = 1) -> int:
    """Spatial output size of a convolution along one axis.

    ``padding``: zeros added on *each* side (int), or ``"valid"`` (0) / ``"same"`` (⌈n/s⌉).
    Raises ``ValueError`` when the (padded) input is smaller than the kernel.
    """
    n = _positive_int("n", n)
    kernel = _positive_int("kernel", kernel)
    stride = _positive_int("stride", stride)
    pad = _resolve_padding(padding)
    k_eff = effective_kernel_size(kernel, dilation)
    if pad == "same":
        return math.ceil(n / stride)
    if pad == "valid":
        pad = 0
    span = n + 2 * pad - k_eff
    if span < 0:
        raise ValueError(
            f"kernel {kernel} (effective {k_eff} with dilation {dilation}) does not fit an input of "
            f"{n} with padding {pad}: n + 2p = {n + 2 * pad} < {k_eff}"
        )
    return span // stride + 1


def pool_output_size(n: int, pool_size: int, stride: int | None = None, padding="valid") -> int:
    """Spatial output size of max/average/min pooling; ``stride`` defaults to ``pool_size`` as in Keras."""
    return conv_output_size(n, pool_size, pool_size if stride is None else stride, padding)


def conv_output_formula(n: int, kernel: int, stride: int = 1, padding=0, dilation: int = 1) -> str:
    """The arithmetic behind :func:`conv_output_size`, written out for a student.

    >>> conv_output_formula(14, 5, 1, 0)
    '(14 - 5 + 2·0)/1 + 1 = 10'
    """
    out = conv_output_size(n, kernel, stride, padding, dilation)
    pad = _resolve_padding(padding)
    if pad == "same":
        return f'⌈{n}/{stride}⌉ = {out} (padding="same")'
    p = 0 if pad == "valid" else pad
    k = str(kernel) if dilation == 1 else f"({dilation}·({kernel} - 1) + 1)"
    frac = f"(" f"{n} - {k} + 2·{p})/{stride}"
    if (n + 2 * p - effective_kernel_size(kernel, dilation)) % stride:
        frac = f"⌊{frac}⌋"
    return f"{frac} + 1 = {out}"
