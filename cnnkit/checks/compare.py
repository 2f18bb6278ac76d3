"""Layer-by-layer comparison of a student's model with a reference, explained with the lecture formulas.

Shapes and parameter counts in the explanations come from :mod:`cnnkit.analysis`; the numbers
compared are what Keras built (``layer.output.shape``, ``layer.count_params()``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cnnkit import analysis
from cnnkit.checks.messages import GradingError, explain, fmt_count, fmt_shape

__all__ = [
    "LayerSpec", "Mismatch", "ArchitectureReport", "layer_specs", "param_formula",
    "shape_formula", "compare_architecture", "compare_blocks",
]

# Config entries that define what a layer computes (others, like names and initialisers, do not).
KEY_CONFIG = ("filters", "units", "kernel_size", "strides", "padding", "dilation_rate",
              "depth_multiplier", "pool_size", "activation", "use_bias", "rate", "groups",
              "center", "scale")
_CONV = ("Conv2D", "DepthwiseConv2D", "SeparableConv2D")
_POOL = ("MaxPooling2D", "AveragePooling2D", "MinPooling2D")


@dataclass
class LayerSpec:
    """What matters about one built layer: kind, shapes, parameter count and key config."""

    name: str
    kind: str
    input_shape: tuple
    output_shape: tuple
    params: int
    config: dict = field(default_factory=dict)

    def describe(self) -> str:
        extras = ", ".join(f"{k}={_fmt_value(v)}" for k, v in self.config.items()
                           if k in ("filters", "units", "kernel_size", "strides", "padding", "pool_size"))
        return f"{self.kind}({extras})" if extras else self.kind


@dataclass
class Mismatch:
    """The first difference found at one layer, with the reason in lecture terms."""

    index: int
    layer: str
    what: str
    expected: object
    found: object
    why: str = ""

    @property
    def message(self) -> str:
        return explain(f"{self.layer} {self.what}".strip(), self.expected, self.found, self.why)


@dataclass
class ArchitectureReport:
    """Result of :func:`compare_architecture`; falsy when the architectures differ."""

    mismatches: list
    reference_params: int
    model_params: int
    reference_layers: list
    model_layers: list

    @property
    def ok(self) -> bool:
        return not self.mismatches

    def __bool__(self) -> bool:
        return self.ok

    @property
    def message(self) -> str:
        if self.ok:
            return (f"architecture matches the reference: {len(self.reference_layers)} layers, "
                    f"{fmt_count(self.reference_params)} parameters")
        first = self.mismatches[0].message
        rest = len(self.mismatches) - 1
        return first + (f"\n(and {rest} more difference{'s' if rest > 1 else ''} after it; "
                        f"fix the first one and compare again)" if rest else "")

    def assert_ok(self) -> "ArchitectureReport":
        """Raise a :class:`GradingError` explaining the first mismatch (or return self)."""
        if not self.ok:
            first = self.mismatches[0]
            err = GradingError(f"{first.layer} {first.what}".strip(), first.expected, first.found, first.why)
            err.args = (self.message,)
            raise err
        return self

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"<ArchitectureReport ok={self.ok}: {self.message}>"


def _fmt_value(v):
    if isinstance(v, (tuple, list)) and len(v) == 2 and all(isinstance(x, int) for x in v):
        return f"{v[0]}x{v[1]}"
    if isinstance(v, str):
        return f'"{v}"'
    return str(v)


def _walk(layers):
    import keras

    for layer in layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        if isinstance(layer, keras.Model):
            yield from _walk(layer.layers)
        else:
            yield layer


def _kind(layer, config) -> str:
    kind = type(layer).__name__
    # Activation("relu") and ReLU() compute the same thing.
    if kind == "Activation" and config.get("activation") == "relu":
        return "ReLU"
    return kind


def _shape_of(tensor):
    if isinstance(tensor, (list, tuple)):
        tensor = tensor[0]
    return tuple(None if d is None else int(d) for d in tensor.shape[1:])


def _layer_spec(layer) -> LayerSpec:
    config = layer.get_config()
    try:
        in_shape, out_shape = _shape_of(layer.input), _shape_of(layer.output)
    except (AttributeError, ValueError) as exc:
        raise GradingError(
            f"layer {layer.name}", "a built layer with known input and output shapes",
            "a layer that was never called on an input",
            "build the model from keras.Input(shape=...) (functional API) or give Sequential an "
            "Input first, so every layer knows its shapes") from exc
    key = {}
    kind = _kind(layer, config)
    for k in KEY_CONFIG:
        if k in config:
            v = config[k]
            key[k] = tuple(v) if isinstance(v, list) else v
    if kind == "ReLU":  # Activation("relu") and ReLU() are one kind: its "activation" key says nothing more
        key.pop("activation", None)
    if kind in _CONV and _pair(key.get("kernel_size", 0)) == (1, 1) and _pair(key.get("dilation_rate", 1)) == (1, 1):
        key.pop("padding", None)  # a 1x1 kernel never pads: "same" and "valid" give ⌈n/s⌉ and the same values
    return LayerSpec(layer.name, kind, in_shape, out_shape, int(layer.count_params()), key)


def layer_specs(model) -> list:
    """The model's computing layers in order (inputs skipped, nested models flattened)."""
    return [_layer_spec(layer) for layer in _walk(model.layers)]


def _pair(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


def param_formula(spec: LayerSpec):
    """(count, "5·5·1·16 + 16 = 416") from :mod:`cnnkit.analysis`, or (None, "") for other layers."""
    c, c_in = spec.config, spec.input_shape[-1]
    bias = c.get("use_bias", True)
    if spec.kind == "Conv2D":
        args = (_pair(c["kernel_size"]), c_in, c["filters"], bias, c.get("groups", 1))
        n, f = analysis.conv2d_params(*args), analysis.conv2d_params_formula(*args)
    elif spec.kind == "DepthwiseConv2D":
        args = (_pair(c["kernel_size"]), c_in, c.get("depth_multiplier", 1), bias)
        n, f = analysis.depthwise_conv2d_params(*args), analysis.depthwise_conv2d_params_formula(*args)
    elif spec.kind == "SeparableConv2D":
        args = (_pair(c["kernel_size"]), c_in, c["filters"], c.get("depth_multiplier", 1), bias)
        n, f = analysis.separable_conv2d_params(*args), analysis.separable_conv2d_params_formula(*args)
    elif spec.kind == "Dense":
        args = (c_in, c["units"], bias)
        n, f = analysis.dense_params(*args), analysis.dense_params_formula(*args)
    elif spec.kind == "BatchNormalization":
        args = (c_in, c.get("center", True), c.get("scale", True))
        n, f = analysis.batch_norm_params(*args)["total"], analysis.batch_norm_params_formula(*args)
    else:
        return None, ""
    return n, f"{f} = {fmt_count(n)}"


def shape_formula(spec: LayerSpec) -> str:
    """The output-size arithmetic of a convolution or pooling layer along the height axis."""
    c = spec.config
    if spec.kind not in _CONV + _POOL or len(spec.input_shape) != 3 or spec.input_shape[0] is None:
        return ""
    n = spec.input_shape[0]
    if spec.kind in _CONV:
        k, s, d = _pair(c["kernel_size"])[0], _pair(c["strides"])[0], _pair(c.get("dilation_rate", 1))[0]
    else:
        k = _pair(c["pool_size"])[0]
        s = _pair(c.get("strides") or c["pool_size"])[0]
        d = 1
    try:
        return analysis.conv_output_formula(n, k, s, c.get("padding", "valid"), d)
    except ValueError as exc:
        return str(exc)


def _name(ref: LayerSpec, got: LayerSpec) -> str:
    return ref.name if ref.name == got.name else f"{ref.name} (your layer '{got.name}')"


def _shape_why(ref: LayerSpec, got: LayerSpec) -> str:
    if ref.output_shape[:-1] == got.output_shape[:-1]:
        for key, what in (("filters", "one output channel per kernel"), ("units", "one output per unit")):
            if key in ref.config and ref.config[key] != got.config.get(key):
                return f"the reference has {key}={ref.config[key]} ({what}), yours {got.config.get(key)}"
    got_f, ref_f = shape_formula(got), shape_formula(ref)
    if not got_f:
        return ""
    hints = []
    for key in ("kernel_size", "pool_size", "strides", "padding", "dilation_rate"):
        if key in ref.config and ref.config.get(key) != got.config.get(key):
            hints.append(f"{key}={_fmt_value(ref.config[key])}")
    if ref.config.get("padding") == "same" and got.config.get("padding") != "same" \
            and _pair(ref.config.get("strides", 1))[0] == 1:
        return f'{got_f}: padding="same" keeps {ref.output_shape[0]}'
    if hints:
        return f"{got_f}: the reference uses {', '.join(hints)}, giving {ref_f}"
    return f"{got_f}; the reference computes {ref_f}" if ref_f else got_f


def _compare_layer(i: int, ref: LayerSpec, got: LayerSpec):
    name = _name(ref, got)
    if ref.kind != got.kind:
        return Mismatch(i, f"layer {i + 1}", "type", f"{ref.kind} ('{ref.name}')",
                        f"{got.kind} ('{got.name}')",
                        "layers must come in the reference's order")
    if ref.output_shape != got.output_shape:
        if ref.input_shape != got.input_shape:
            return Mismatch(i, name, "input", fmt_shape(ref.input_shape), fmt_shape(got.input_shape),
                            "the layers before it produce a different shape")
        return Mismatch(i, name, "", fmt_shape(ref.output_shape), fmt_shape(got.output_shape),
                        _shape_why(ref, got))
    if ref.params != got.params:
        ref_n, ref_f = param_formula(ref)
        got_n, got_f = param_formula(got)
        why = f"yours: {got_f}; the reference: {ref_f}" if got_f and ref_f else ""
        if ref.config.get("use_bias") != got.config.get("use_bias") and "use_bias" in ref.config:
            why += f" (use_bias={ref.config['use_bias']})"
        return Mismatch(i, name, "parameters", fmt_count(ref.params), fmt_count(got.params), why)
    for key, value in ref.config.items():
        if got.config.get(key) != value:
            return Mismatch(i, name, key, _fmt_value(value), _fmt_value(got.config.get(key)),
                            f"the reference's {ref.describe()} sets {key}={_fmt_value(value)}")
    return None


def compare_architecture(model, reference) -> ArchitectureReport:
    """Compare type, output shape, parameters and key config (kernel, stride, padding, activation)
    of every layer of ``model`` with ``reference``; the report explains the first mismatch."""
    ref_layers, got_layers = layer_specs(reference), layer_specs(model)
    mismatches = []
    if ref_layers and got_layers and ref_layers[0].input_shape != got_layers[0].input_shape:
        mismatches.append(Mismatch(0, "input", "shape", fmt_shape(ref_layers[0].input_shape),
                                   fmt_shape(got_layers[0].input_shape),
                                   "keras.Input(shape=...) must match the images (height, width, channels)"))
    for i, (ref, got) in enumerate(zip(ref_layers, got_layers)):
        m = _compare_layer(i, ref, got)
        if m is not None:
            mismatches.append(m)
    if len(ref_layers) != len(got_layers):
        n, k = len(ref_layers), len(got_layers)
        if k < n:
            missing = ", ".join(f"{s.name}: {s.describe()}" for s in ref_layers[k:])
            why = f"missing at the end: {missing}"
        else:
            why = "extra at the end: " + ", ".join(f"{s.name}: {s.describe()}" for s in got_layers[n:])
        mismatches.append(Mismatch(min(n, k), "model", "layer count", n, k, why))
    ref_total = int(reference.count_params())
    got_total = int(model.count_params())
    if ref_total != got_total and not mismatches:
        mismatches.append(Mismatch(len(ref_layers), "model", "parameters", fmt_count(ref_total),
                                   fmt_count(got_total), "weights outside the compared layers differ"))
    return ArchitectureReport(mismatches, ref_total, got_total, ref_layers, got_layers)


def _signature(spec: LayerSpec) -> tuple:
    c = spec.config
    detail = tuple(_fmt_value(c[k]) for k in ("filters", "units", "kernel_size", "pool_size", "strides") if k in c)
    return (spec.kind, fmt_shape(spec.output_shape), spec.params, detail)


def _counted(spec: LayerSpec) -> bool:
    """Layers a block comparison counts: those with weights, and pooling that reduces a window (a 1x1 pool
    with a stride is only a subsampler, as in option-A shortcuts: written differently by different people)."""
    if spec.params:
        return True
    pool = spec.config.get("pool_size")
    return spec.kind in _POOL and _pair(pool) != (1, 1) or spec.kind.startswith("Global")


def _describe_signature(sig) -> str:
    kind, shape, params, detail = sig
    return f"{kind}({', '.join(detail)}) → {shape}, {fmt_count(params)} params" if detail else \
        f"{kind} → {shape}, {fmt_count(params)} params"


def _blocks(specs, boundary: str):
    parts, current = [], []
    for spec in specs:
        current.append(spec)
        if spec.kind == boundary:
            parts.append(current)
            current = []
    parts.append(current)
    return parts


def compare_blocks(model, reference, boundary: str = "Add") -> ArchitectureReport:
    """Compare ``model`` with ``reference`` block by block: both are cut after every ``boundary`` layer (a
    residual block ends with its ``Add``) and each block must give the same output shape, the same
    parameters and the same layers (kind, output shape, parameters, filters, kernel, strides) — in any
    order, so a shortcut built before or after the branch, ``padding="same"`` instead of an explicit
    ``ZeroPadding2D``, or ``ReLU()`` instead of ``Activation("relu")`` all match. The first part holds the
    stem and the first block; the last part is the head."""
    ref_parts = _blocks(layer_specs(reference), boundary)
    got_parts = _blocks(layer_specs(model), boundary)
    mismatches = []
    n = len(ref_parts) - 1
    if len(got_parts) != len(ref_parts):
        mismatches.append(Mismatch(0, "model", f"number of blocks (each ending in {boundary})", n,
                                   len(got_parts) - 1, f"the reference has {n} blocks joined by {boundary} layers"))
    for i, (ref, got) in enumerate(zip(ref_parts, got_parts)):
        if not ref or not got:
            continue
        where = (f"block {i + 1} of {n} ('{ref[-1].name}' in the reference)" if i < n
                 else "the head (after the last block)")
        if i < n and ref[-1].output_shape != got[-1].output_shape:
            mismatches.append(Mismatch(i, where, "output", fmt_shape(ref[-1].output_shape),
                                       fmt_shape(got[-1].output_shape),
                                       "a stride or a channel count differs in this block or before it"))
            continue
        ref_sigs = sorted(_signature(s) for s in ref if _counted(s))
        got_sigs = sorted(_signature(s) for s in got if _counted(s))
        if ref_sigs != got_sigs:
            missing, extra = list(ref_sigs), []
            for sig in got_sigs:
                if sig in missing:
                    missing.remove(sig)
                else:
                    extra.append(sig)
            why = "; ".join(p for p in (
                "the reference has " + ", ".join(map(_describe_signature, missing)) if missing else "",
                "yours has " + ", ".join(map(_describe_signature, extra)) if extra else "") if p)
            mismatches.append(Mismatch(i, where, "layers",
                                       f"{fmt_count(sum(s[2] for s in ref_sigs))} parameters in {len(ref_sigs)} layers",
                                       f"{fmt_count(sum(s[2] for s in got_sigs))} parameters in {len(got_sigs)} layers",
                                       why))
    return ArchitectureReport(mismatches, int(reference.count_params()), int(model.count_params()),
                              [s for p in ref_parts for s in p], [s for p in got_parts for s in p])
