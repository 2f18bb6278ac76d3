"""Compute cost (multiply-accumulates) and activation memory."""

from __future__ import annotations

from cnnkit.analysis.params import _pair

__all__ = ["conv2d_macs", "depthwise_conv2d_macs", "separable_conv2d_macs", "dense_macs",
           "activation_bytes", "activation_memory"]


def conv2d_macs(h_out: int, w_out: int, kernel, c_in: int, c_out: int, groups: int = 1) -> int:
    """H_out·W_out·C_out outputs, each k_h·k_w·C_in/groups multiply-accumulates (seed 000: 28·28·32·5·5·192)."""
    kh, kw = _pair(kernel)
    return int(h_out) * int(w_out) * int(c_out) * kh * kw * (int(c_in) // int(groups))


def depthwise_conv2d_macs(h_out: int, w_out: int, kernel, c_in: int, depth_multiplier: int = 1) -> int:
    """Each of the C_in·dm output maps costs k_h·k_w MACs per position."""
    kh, kw = _pair(kernel)
    return int(h_out) * int(w_out) * int(c_in) * int(depth_multiplier) * kh * kw


def separable_conv2d_macs(h_out: int, w_out: int, kernel, c_in: int, c_out: int, depth_multiplier: int = 1) -> int:
    """Depthwise stage plus the 1x1 pointwise stage."""
    dw = depthwise_conv2d_macs(h_out, w_out, kernel, c_in, depth_multiplier)
    return dw + conv2d_macs(h_out, w_out, 1, c_in * int(depth_multiplier), c_out)


def dense_macs(n_in: int, n_out: int) -> int:
    """One MAC per weight."""
    return int(n_in) * int(n_out)


def activation_bytes(shape, dtype_bytes: int = 4, batch_size: int = 1) -> int:
    """Bytes to hold one activation tensor of ``shape`` (without the batch axis)."""
    n = int(batch_size)
    for d in shape:
        n *= int(d)
    return n * int(dtype_bytes)


def activation_memory(layer_bytes, mode: str = "training") -> int:
    """Peak activation memory of a chain of layers (seed 002).

    Training keeps every layer's activations for back-propagation (their sum); inference only
    needs the input and output of the layer being computed (largest pair of consecutive ones).
    """
    sizes = [int(b) for b in layer_bytes]
    if not sizes:
        return 0
    if mode == "training":
        return sum(sizes)
    if mode == "inference":
        if len(sizes) == 1:
            return sizes[0]
        return max(a + b for a, b in zip(sizes, sizes[1:]))
    raise ValueError(f'mode must be "training" or "inference", got {mode!r}')
