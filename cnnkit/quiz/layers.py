"""Layer tables: the small spec dicts questions are written in, their shapes/params/MACs from
``cnnkit.analysis``, their wording, and the Keras layers that cross-check them.

A spec is ``{"type": "conv", "filters": 16, "kernel": 5, "stride": 1, "padding": 2}``;
``padding`` is zeros per side (as on the slides) or ``"same"``/``"valid"`` (as in Keras).
"""

from __future__ import annotations

from cnnkit import analysis
from cnnkit.quiz.errors import QuizError

__all__ = ["TYPES", "PARAMETER_FREE", "normalize", "output_shape", "params", "macs", "describe",
           "shape_formula", "params_formula", "macs_formula", "walk", "keras_layers", "fmt_shape"]

CONV_TYPES = ("conv", "depthwise", "separable")
POOL_TYPES = ("maxpool", "avgpool")
PARAMETER_FREE = ("maxpool", "avgpool", "flatten", "relu", "dropout", "gap")
TYPES = (*CONV_TYPES, "dense", "batchnorm", *PARAMETER_FREE)

_DEFAULTS = {
    "conv": {"stride": 1, "padding": "valid", "dilation": 1, "bias": True},
    "depthwise": {"stride": 1, "padding": "valid", "dilation": 1, "bias": True, "depth_multiplier": 1},
    "separable": {"stride": 1, "padding": "valid", "dilation": 1, "bias": True, "depth_multiplier": 1},
    "dense": {"bias": True},
    "maxpool": {"stride": None, "padding": "valid"},
    "avgpool": {"stride": None, "padding": "valid"},
}
_REQUIRED = {"conv": ("filters", "kernel"), "separable": ("filters", "kernel"), "depthwise": ("kernel",),
             "dense": ("units",), "maxpool": ("pool",), "avgpool": ("pool",)}


def fmt_shape(shape) -> str:
    return "x".join(str(d) for d in shape)


def fmt_input(shape) -> str:
    """``28x28x1`` for a map, ``vector of 512 features`` for a flat input."""
    shape = tuple(shape)
    return f"vector of {shape[0]} features" if len(shape) == 1 else f"{fmt_shape(shape)} input"


def _pair(k) -> tuple[int, int]:
    return (int(k[0]), int(k[1])) if isinstance(k, (list, tuple)) else (int(k), int(k))


def _k(k) -> str:
    kh, kw = _pair(k)
    return f"{kh}x{kw}"


def normalize(spec: dict) -> dict:
    """Fill defaults and reject unknown types or missing fields, naming what is missing."""
    if not isinstance(spec, dict) or "type" not in spec:
        raise QuizError(f"a layer is a dict with a 'type' (one of {', '.join(TYPES)}), got {spec!r}")
    kind = spec["type"]
    if kind not in TYPES:
        raise QuizError(f"unknown layer type {kind!r}: expected one of {', '.join(TYPES)}")
    missing = [f for f in _REQUIRED.get(kind, ()) if f not in spec]
    if missing:
        raise QuizError(f"{kind} layer needs {', '.join(missing)}; got {spec!r}")
    out = {**_DEFAULTS.get(kind, {}), **spec}
    if isinstance(out.get("kernel"), (list, tuple)):
        out["kernel"] = [int(k) for k in out["kernel"]]
    if kind in POOL_TYPES and out["stride"] is None:
        out["stride"] = out["pool"]
    if kind in CONV_TYPES and out["stride"] > 1 and out["dilation"] > 1:
        raise QuizError(f"{kind}: stride {out['stride']} with dilation {out['dilation']} — Keras supports "
                        "dilation only with stride 1; use one of them")
    return out


def _spatial(spec, in_shape) -> tuple[int, int]:
    """Output height and width of a conv or pool layer (ValueError when the kernel does not fit)."""
    h, w = in_shape[0], in_shape[1]
    if spec["type"] in POOL_TYPES:
        kh, kw = _pair(spec["pool"])
        return (analysis.pool_output_size(h, kh, spec["stride"], spec["padding"]),
                analysis.pool_output_size(w, kw, spec["stride"], spec["padding"]))
    kh, kw = _pair(spec["kernel"])
    s, p, d = spec["stride"], spec["padding"], spec["dilation"]
    return (analysis.conv_output_size(h, kh, s, p, d), analysis.conv_output_size(w, kw, s, p, d))


def output_shape(spec: dict, in_shape) -> tuple[int, ...]:
    """Shape after the layer (no batch axis); QuizError for an impossible layer."""
    spec = normalize(spec)
    kind, in_shape = spec["type"], tuple(in_shape)
    if kind in ("dense",) and len(in_shape) != 1:
        raise QuizError(f"dense after a {fmt_shape(in_shape)} map: add a flatten (or gap) layer first")
    if kind in (*CONV_TYPES, *POOL_TYPES, "flatten", "gap") and len(in_shape) != 3:
        raise QuizError(f"{kind} needs an H x W x C input, got {fmt_shape(in_shape)}")
    try:
        if kind in CONV_TYPES or kind in POOL_TYPES:
            h, w = _spatial(spec, in_shape)
    except ValueError as exc:
        raise QuizError(f"{describe(spec)} on {fmt_shape(in_shape)}: {exc}") from None
    if kind in ("conv", "separable"):
        return (h, w, int(spec["filters"]))
    if kind == "depthwise":
        return (h, w, in_shape[2] * int(spec["depth_multiplier"]))
    if kind in POOL_TYPES:
        return (h, w, in_shape[2])
    if kind == "dense":
        return (int(spec["units"]),)
    if kind == "flatten":
        return (in_shape[0] * in_shape[1] * in_shape[2],)
    if kind == "gap":
        return (in_shape[2],)
    return in_shape  # batchnorm, relu, dropout


def params(spec: dict, in_shape) -> int:
    """Parameters Keras counts for the layer (batch-norm: γ, β and the moving mean/variance)."""
    spec, c = normalize(spec), tuple(in_shape)[-1]
    kind, bias = spec["type"], spec.get("bias", True)
    if kind == "conv":
        return analysis.conv2d_params(_pair(spec["kernel"]), c, spec["filters"], bias)
    if kind == "depthwise":
        return analysis.depthwise_conv2d_params(_pair(spec["kernel"]), c, spec["depth_multiplier"], bias)
    if kind == "separable":
        return analysis.separable_conv2d_params(_pair(spec["kernel"]), c, spec["filters"],
                                                spec["depth_multiplier"], bias)
    if kind == "dense":
        return analysis.dense_params(c, spec["units"], bias)
    if kind == "batchnorm":
        return analysis.batch_norm_params(c)["total"]
    return 0


def macs(spec: dict, in_shape, out_shape=None) -> int:
    """Multiply-accumulates of one forward pass (conv/depthwise/separable/dense); 0 for the rest.

    ``out_shape`` defaults to :func:`output_shape`; the Keras cross-check passes the shape Keras built.
    """
    spec, in_shape = normalize(spec), tuple(in_shape)
    out, kind = tuple(out_shape or output_shape(spec, in_shape)), spec["type"]
    if kind == "conv":
        return analysis.conv2d_macs(out[0], out[1], _pair(spec["kernel"]), in_shape[2], out[2])
    if kind == "depthwise":
        return analysis.depthwise_conv2d_macs(out[0], out[1], _pair(spec["kernel"]), in_shape[2],
                                              spec["depth_multiplier"])
    if kind == "separable":
        return analysis.separable_conv2d_macs(out[0], out[1], _pair(spec["kernel"]), in_shape[2], out[2],
                                              spec["depth_multiplier"])
    if kind == "dense":
        return analysis.dense_macs(in_shape[0], out[0])
    return 0


def _padding_words(p) -> str:
    return f'padding "{p}"' if isinstance(p, str) else f"padding {p}"


def describe(spec: dict) -> str:
    """The layer in lecture words: ``conv 16 filters 5x5, stride 1, padding 2``."""
    spec = normalize(spec)
    kind = spec["type"]
    if kind in CONV_TYPES:
        filters = f"{spec.get('filters')} filter" + ("" if spec.get("filters") == 1 else "s")
        head = {"conv": f"conv {filters} {_k(spec['kernel'])}",
                "depthwise": f"depthwise conv {_k(spec['kernel'])}",
                "separable": f"separable conv {filters} {_k(spec['kernel'])}"}[kind]
        parts = [head, f"stride {spec['stride']}", _padding_words(spec["padding"])]
        if spec["dilation"] > 1:
            parts.append(f"dilation {spec['dilation']}")
        if kind != "conv" and spec["depth_multiplier"] > 1:
            parts.append(f"depth multiplier {spec['depth_multiplier']}")
        if not spec["bias"]:
            parts.append("no bias")
        return ", ".join(parts)
    if kind in POOL_TYPES:
        name = "max-pool" if kind == "maxpool" else "average-pool"
        out = f"{name} {_k(spec['pool'])}, stride {spec['stride']}"
        return out if spec["padding"] == "valid" else f"{out}, {_padding_words(spec['padding'])}"
    if kind == "dense":
        return f"dense {spec['units']} units" + ("" if spec["bias"] else ", no bias")
    return {"batchnorm": "batch-norm", "relu": "ReLU", "flatten": "flatten", "dropout": "dropout 0.5",
            "gap": "global average pooling"}[kind]


def shape_formula(spec: dict, in_shape) -> str:
    """Why the layer outputs what it does, with the numbers (the lecture formula per axis)."""
    spec, in_shape = normalize(spec), tuple(in_shape)
    out, kind = output_shape(spec, in_shape), spec["type"]
    if kind in CONV_TYPES or kind in POOL_TYPES:
        k = spec["pool"] if kind in POOL_TYPES else spec["kernel"]
        d = spec.get("dilation", 1)
        (kh, kw), s, p = _pair(k), spec["stride"], spec["padding"]
        hf = analysis.conv_output_formula(in_shape[0], kh, s, p, d)
        wf = hf if (in_shape[0], kh) == (in_shape[1], kw) else analysis.conv_output_formula(in_shape[1], kw, s, p, d)
        spatial = f"H = W: {hf}" if hf == wf else f"H: {hf}; W: {wf}"
        if kind in ("conv", "separable"):
            depth = f"{out[2]} filter" + ("" if out[2] == 1 else "s")
        elif kind == "depthwise":
            depth = f"{in_shape[2]}·{spec['depth_multiplier']} channels"
        else:
            depth = "depth unchanged"
        return f"{spatial}; {depth} → {fmt_shape(out)}"
    if kind == "flatten":
        return f"{'·'.join(map(str, in_shape))} = {out[0]}"
    if kind == "gap":
        return f"one average per channel → {out[0]}"
    if kind == "dense":
        return f"{out[0]} units"
    return f"shape unchanged: {fmt_shape(out)}"


def params_formula(spec: dict, in_shape) -> str:
    """The parameter count written out: ``5·5·1·16 + 16 = 416`` (text from :mod:`cnnkit.analysis`)."""
    spec, in_shape = normalize(spec), tuple(in_shape)
    n, kind, c = params(spec, in_shape), spec["type"], in_shape[-1]
    bias = spec.get("bias", True)
    if kind == "conv":
        f = analysis.conv2d_params_formula(spec["kernel"], c, spec["filters"], bias)
    elif kind == "depthwise":
        f = analysis.depthwise_conv2d_params_formula(spec["kernel"], c, spec.get("depth_multiplier", 1), bias)
    elif kind in CONV_TYPES:
        f = analysis.separable_conv2d_params_formula(spec["kernel"], c, spec["filters"],
                                                     spec.get("depth_multiplier", 1), bias)
    elif kind == "dense":
        f = analysis.dense_params_formula(c, spec["units"], bias)
    elif kind == "batchnorm":
        f = analysis.batch_norm_params_formula(c)
    else:
        return "no parameters: nothing is learned"
    return f"{f} = {n}" + ("" if bias or kind == "batchnorm" else " (no bias)")


def macs_formula(spec: dict, in_shape) -> str:
    """The MAC count written out: ``28·28·32 outputs × 5·5·192 = 120422400``."""
    spec, in_shape = normalize(spec), tuple(in_shape)
    out, n, kind = output_shape(spec, in_shape), macs(spec, in_shape), spec["type"]
    if kind == "dense":
        return f"{in_shape[0]}·{out[0]} = {n}"
    kh, kw = _pair(spec["kernel"])
    c, dm = in_shape[2], spec.get("depth_multiplier", 1)
    hw = f"{out[0]}·{out[1]}"
    if kind == "conv":
        return f"{hw}·{out[2]} outputs × {kh}·{kw}·{c} = {n}"
    dw = f"{hw}·{c * dm} outputs × {kh}·{kw}"
    if kind == "depthwise":
        return f"{dw} = {n}"
    return f"depthwise {dw} + pointwise {hw}·{out[2]} × {c * dm} = {n}"


def walk(input_shape, specs) -> list[dict]:
    """Each layer with its input shape, output shape and parameters; QuizError names the bad layer."""
    rows, shape = [], tuple(int(d) for d in input_shape)
    for i, spec in enumerate(specs, 1):
        try:
            out = output_shape(spec, shape)
            rows.append({"index": i, "spec": normalize(spec), "in": shape, "out": out,
                         "params": params(spec, shape)})
        except QuizError as exc:
            raise QuizError(f"layer {i}: {exc}") from None
        shape = out
    return rows


def keras_layers(spec: dict) -> list:
    """The Keras layers that build ``spec`` (integer padding becomes ZeroPadding2D + "valid")."""
    import keras

    spec = normalize(spec)
    kind, pad = spec["type"], spec.get("padding")
    pre = []
    if isinstance(pad, int):
        if pad:
            pre.append(keras.layers.ZeroPadding2D(pad))
        pad = "valid"
    if kind == "conv":
        return pre + [keras.layers.Conv2D(spec["filters"], _pair(spec["kernel"]), spec["stride"], pad,
                                          dilation_rate=spec["dilation"], use_bias=spec["bias"])]
    if kind == "depthwise":
        return pre + [keras.layers.DepthwiseConv2D(_pair(spec["kernel"]), spec["stride"], pad,
                                                   depth_multiplier=spec["depth_multiplier"],
                                                   dilation_rate=spec["dilation"], use_bias=spec["bias"])]
    if kind == "separable":
        return pre + [keras.layers.SeparableConv2D(spec["filters"], _pair(spec["kernel"]), spec["stride"], pad,
                                                   depth_multiplier=spec["depth_multiplier"],
                                                   dilation_rate=spec["dilation"], use_bias=spec["bias"])]
    if kind in POOL_TYPES:
        cls = keras.layers.MaxPooling2D if kind == "maxpool" else keras.layers.AveragePooling2D
        return pre + [cls(_pair(spec["pool"]), spec["stride"], pad)]
    return [{
        "dense": lambda: keras.layers.Dense(spec["units"], use_bias=spec["bias"]),
        "batchnorm": keras.layers.BatchNormalization,
        "relu": keras.layers.ReLU,
        "flatten": keras.layers.Flatten,
        "dropout": lambda: keras.layers.Dropout(0.5),
        "gap": keras.layers.GlobalAveragePooling2D,
    }[kind]()]
