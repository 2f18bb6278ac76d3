"""Parameter counts of the layers a CNN course meets (weights + biases, as Keras counts them)."""

from __future__ import annotations

__all__ = [
    "conv2d_params",
    "depthwise_conv2d_params",
    "separable_conv2d_params",
    "dense_params",
    "batch_norm_params",
    "conv2d_params_formula",
    "depthwise_conv2d_params_formula",
    "separable_conv2d_params_formula",
    "dense_params_formula",
    "batch_norm_params_formula",
]


def _pair(kernel) -> tuple[int, int]:
    if isinstance(kernel, (tuple, list)):
        if len(kernel) != 2:
            raise ValueError(f"kernel must be an int or (height, width), got {kernel!r}")
        kh, kw = (int(k) for k in kernel)
    else:
        kh = kw = int(kernel)
    if kh < 1 or kw < 1:
        raise ValueError(f"kernel sizes must be >= 1, got {kernel!r}")
    return kh, kw


def _count(name: str, value) -> int:
    value = int(value)
    if value < 1:
        raise ValueError(f"{name} must be >= 1, got {value}")
    return value


def conv2d_params(kernel, c_in: int, c_out: int, bias: bool = True, groups: int = 1) -> int:
    """k_h·k_w·(C_in/groups)·C_out weights, plus C_out biases."""
    kh, kw = _pair(kernel)
    c_in, c_out, groups = _count("c_in", c_in), _count("c_out", c_out), _count("groups", groups)
    if c_in % groups or c_out % groups:
        raise ValueError(f"groups={groups} must divide c_in={c_in} and c_out={c_out}")
    return kh * kw * (c_in // groups) * c_out + (c_out if bias else 0)


def depthwise_conv2d_params(kernel, c_in: int, depth_multiplier: int = 1, bias: bool = True) -> int:
    """One k_h·k_w filter per input channel (times the depth multiplier), plus C_in·dm biases."""
    kh, kw = _pair(kernel)
    c_in, dm = _count("c_in", c_in), _count("depth_multiplier", depth_multiplier)
    return kh * kw * c_in * dm + (c_in * dm if bias else 0)


def separable_conv2d_params(kernel, c_in: int, c_out: int, depth_multiplier: int = 1, bias: bool = True) -> int:
    """Depthwise k·k·C_in·dm + pointwise C_in·dm·C_out (+ C_out biases), as Keras's SeparableConv2D."""
    kh, kw = _pair(kernel)
    c_in, c_out = _count("c_in", c_in), _count("c_out", c_out)
    dm = _count("depth_multiplier", depth_multiplier)
    return kh * kw * c_in * dm + c_in * dm * c_out + (c_out if bias else 0)


def dense_params(n_in: int, n_out: int, bias: bool = True) -> int:
    """n_in·n_out weights plus n_out biases."""
    n_in, n_out = _count("n_in", n_in), _count("n_out", n_out)
    return n_in * n_out + (n_out if bias else 0)


def batch_norm_params(channels: int, center: bool = True, scale: bool = True) -> dict[str, int]:
    """BatchNormalization: γ and β are trained; the moving mean and variance are not.

    Returns ``{"trainable": ..., "non_trainable": ..., "total": ...}``.
    """
    channels = _count("channels", channels)
    trainable = channels * (int(center) + int(scale))
    non_trainable = 2 * channels
    return {"trainable": trainable, "non_trainable": non_trainable, "total": trainable + non_trainable}


# The same counts written out for a student (the right-hand side, without "= n": callers add the
# total in their own number style). Summaries, grading messages and quiz keys all use these.

def _times(*factors) -> str:
    return "·".join(str(f) for f in factors)


def _dm(depth_multiplier: int) -> tuple:
    return () if depth_multiplier == 1 else (depth_multiplier,)


def conv2d_params_formula(kernel, c_in: int, c_out: int, bias: bool = True, groups: int = 1) -> str:
    """``5·5·1·16 + 16`` (seed 001's conv1); grouped: ``3·3·(64/2)·64 + 64``."""
    kh, kw = _pair(kernel)
    per_group = c_in if groups == 1 else f"({c_in}/{groups})"
    return _times(kh, kw, per_group, c_out) + (f" + {c_out}" if bias else "")


def depthwise_conv2d_params_formula(kernel, c_in: int, depth_multiplier: int = 1, bias: bool = True) -> str:
    """``3·3·32 + 32``: one k_h·k_w filter per input channel (times the depth multiplier)."""
    kh, kw = _pair(kernel)
    return _times(kh, kw, c_in, *_dm(depth_multiplier)) + (f" + {c_in * depth_multiplier}" if bias else "")


def separable_conv2d_params_formula(kernel, c_in: int, c_out: int, depth_multiplier: int = 1,
                                    bias: bool = True) -> str:
    """``3·3·32 + 32·64 + 64``: the depthwise stage, then the 1x1 pointwise stage."""
    kh, kw = _pair(kernel)
    dm = _dm(depth_multiplier)
    return (_times(kh, kw, c_in, *dm) + " + " + _times(c_in, *dm, c_out)
            + (f" + {c_out}" if bias else ""))


def dense_params_formula(n_in: int, n_out: int, bias: bool = True) -> str:
    """``1568·10 + 10`` (seed 001's FC layer)."""
    return _times(n_in, n_out) + (f" + {n_out}" if bias else "")


def batch_norm_params_formula(channels: int, center: bool = True, scale: bool = True) -> str:
    """``2·16 trainable (γ, β) + 2·16 non-trainable (moving mean, variance)``."""
    names = [n for n, on in (("γ", scale), ("β", center)) if on]
    trained = f"{len(names)}·{channels} trainable ({', '.join(names)})" if names else "0 trainable"
    return f"{trained} + 2·{channels} non-trainable (moving mean, variance)"
