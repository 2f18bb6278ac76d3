"""``summarize(model)``: a layer-by-layer table of shapes, parameters, MACs, receptive field and memory.

Every number comes from the layer's config and the formulas of :mod:`cnnkit.analysis`, then is
checked against what Keras built (the symbolic output shape, ``count_params()`` and the trainable /
non-trainable weights); a disagreement raises an error naming the layer. Composite layers (a layer
made of sublayers, such as an Inception module or a residual block) are traced and expanded.
"""

from __future__ import annotations

import html
import math

from cnnkit.analysis.cost import (
    activation_bytes,
    activation_memory,
    conv2d_macs,
    dense_macs,
    depthwise_conv2d_macs,
    separable_conv2d_macs,
)
from cnnkit.analysis.params import (
    batch_norm_params,
    batch_norm_params_formula,
    conv2d_params,
    conv2d_params_formula,
    dense_params,
    dense_params_formula,
    depthwise_conv2d_params,
    depthwise_conv2d_params_formula,
    separable_conv2d_params,
    separable_conv2d_params_formula,
)
from cnnkit.analysis.receptive import (
    ReceptiveField,
    _producer,
    _shape,
    build_if_needed,
    layer_geometry,
    model_graph,
    restoring_nodes,
    spatial_dims,
    walk,
)
from cnnkit.analysis.shapes import conv_output_formula, conv_output_size

__all__ = ["Summary", "SummaryMismatchError", "summarize"]


class SummaryMismatchError(ValueError):
    """The formulas and the layer Keras built disagree."""


# ---------------------------------------------------------------- formatting helpers

def format_shape(shape) -> str:
    """(28, 28, 16) → ``28x28x16``; unknown sizes print as ``?``."""
    if shape is None:
        return "?"
    return "x".join("?" if d is None else str(d) for d in shape) or "scalar"


def _fmt_int(n) -> str:
    return "?" if n is None else f"{n:,}"


def _fmt_rf(value) -> str:
    if value is None:
        return "?"
    if isinstance(value, tuple):
        return "x".join(str(v) for v in value)
    return str(value)


def _weight_count(weights) -> int:
    return sum(math.prod(int(d) for d in w.shape) for w in weights)


# ---------------------------------------------------------------- per-layer formulas

def _keras():
    import keras

    return keras


_ELEMENTWISE = (
    "Activation", "ReLU", "ELU", "LeakyReLU", "Softmax", "Dropout", "SpatialDropout1D",
    "SpatialDropout2D", "SpatialDropout3D", "GaussianDropout", "GaussianNoise", "AlphaDropout",
    "Rescaling", "Identity", "ActivityRegularization", "Masking", "RandomFlip", "RandomRotation",
    "RandomTranslation", "RandomZoom", "RandomContrast", "RandomBrightness",
)
_MERGE = ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum")


def _channel_axis(layer) -> int:
    return 0 if getattr(layer, "data_format", "channels_last") == "channels_first" else -1


def _with_spatial(layer, in_shape, spatial, channels):
    if _channel_axis(layer) == 0:
        return (channels, *spatial)
    return (*spatial, channels)


def _conv_like(layer, geometry, in_shape):
    """Spatial output sizes and the written-out formula of a conv or pooling layer."""
    df = getattr(layer, "data_format", "channels_last") or "channels_last"
    spatial_in = spatial_dims(in_shape, df)
    k, s, d, padding = geometry["kernel"], geometry["strides"], geometry["dilation"], geometry["padding"]
    spatial_out, formulas = [], []
    for n, kk, ss, dd in zip(spatial_in, k, s, d):
        if n is None:
            spatial_out.append(None)
            continue
        spatial_out.append(conv_output_size(n, kk, ss, padding, dd))
        formulas.append(conv_output_formula(n, kk, ss, padding, dd))
    unique = list(dict.fromkeys(formulas))
    return tuple(spatial_out), "; ".join(unique)


def _param_entry(total, trainable, formula=""):
    return {"params": total, "trainable": trainable, "non_trainable": total - trainable,
            "params_formula": formula}


def _leaf_facts(layer, in_shapes, keras_out):
    """Formula output shape, parameters and MACs of one known layer; ``None`` if unknown."""
    keras = _keras()
    L = keras.layers
    if not in_shapes:
        return None
    x = in_shapes[0]
    train = bool(getattr(layer, "trainable", True))
    facts = {"formula": "", "macs": 0}

    def params(total, formula=""):
        facts.update(_param_entry(total, total if train else 0, formula))

    geometry = layer_geometry(layer, len(spatial_dims(x)) or 2)
    if isinstance(layer, (L.SeparableConv2D, L.DepthwiseConv2D, L.Conv2D)) and len(x) == 3:
        spatial, facts["formula"] = _conv_like(layer, geometry, x)
        c_in = x[_channel_axis(layer)]
        k = geometry["kernel"]
        h, w = spatial
        if isinstance(layer, L.SeparableConv2D):
            dm, c_out, bias = layer.depth_multiplier, layer.filters, layer.use_bias
            params(separable_conv2d_params(k, c_in, c_out, dm, bias),
                   separable_conv2d_params_formula(k, c_in, c_out, dm, bias))
            if h is not None and w is not None:
                facts["macs"] = separable_conv2d_macs(h, w, k, c_in, c_out, dm)
        elif isinstance(layer, L.DepthwiseConv2D):
            dm, bias = layer.depth_multiplier, layer.use_bias
            c_out = c_in * dm
            params(depthwise_conv2d_params(k, c_in, dm, bias),
                   depthwise_conv2d_params_formula(k, c_in, dm, bias))
            if h is not None and w is not None:
                facts["macs"] = depthwise_conv2d_macs(h, w, k, c_in, dm)
        else:
            c_out, bias, groups = layer.filters, layer.use_bias, getattr(layer, "groups", 1)
            params(conv2d_params(k, c_in, c_out, bias, groups),
                   conv2d_params_formula(k, c_in, c_out, bias, groups))
            if h is not None and w is not None:
                facts["macs"] = conv2d_macs(h, w, k, c_in, c_out, groups)
        facts["out_shape"] = _with_spatial(layer, x, spatial, c_out)
        return facts
    if isinstance(layer, L.Dense):
        n_in, units, bias = x[-1], layer.units, layer.use_bias
        params(dense_params(n_in, units, bias), dense_params_formula(n_in, units, bias))
        positions = math.prod(d for d in x[:-1]) if all(d is not None for d in x[:-1]) else None
        facts["macs"] = None if positions is None else dense_macs(n_in, units) * positions
        facts["out_shape"] = (*x[:-1], units)
        return facts
    if isinstance(layer, L.BatchNormalization):
        axis = layer.axis if isinstance(layer.axis, int) else layer.axis[0]
        axis = axis - 1 if axis > 0 else axis  # config axes count the batch axis
        channels = x[axis]
        bn = batch_norm_params(channels, layer.center, layer.scale)
        facts.update(_param_entry(bn["total"], bn["trainable"] if train else 0,
                                  batch_norm_params_formula(channels, layer.center, layer.scale)))
        facts["out_shape"] = x
        return facts
    if geometry is not None and geometry["kind"] == "pool" and type(layer).__module__.startswith("keras."):
        spatial, facts["formula"] = _conv_like(layer, geometry, x)
        facts["out_shape"] = _with_spatial(layer, x, spatial, x[_channel_axis(layer)])
        params(0)
        return facts
    if geometry is not None and geometry["kind"] == "global":
        c = x[_channel_axis(layer)]
        keep = getattr(layer, "keepdims", False)
        n_sp = len(spatial_dims(x))
        facts["out_shape"] = _with_spatial(layer, x, (1,) * n_sp, c) if keep else (c,)
        params(0)
        return facts
    if isinstance(layer, L.Flatten):
        facts["out_shape"] = (math.prod(x),) if all(d is not None for d in x) else (None,)
        params(0)
        return facts
    if geometry is not None and geometry["kind"] in ("pad", "crop"):
        sign = 1 if geometry["kind"] == "pad" else -1
        sp = spatial_dims(x, getattr(layer, "data_format", "channels_last") or "channels_last")
        spatial = tuple(None if n is None else n + sign * (b + a)
                        for n, b, a in zip(sp, geometry["before"], geometry["after"]))
        facts["out_shape"] = _with_spatial(layer, x, spatial, x[_channel_axis(layer)])
        params(0)
        return facts
    if geometry is not None and geometry["kind"] == "upsample":
        sp = spatial_dims(x, getattr(layer, "data_format", "channels_last") or "channels_last")
        spatial = tuple(None if n is None else n * f for n, f in zip(sp, geometry["factors"]))
        facts["out_shape"] = _with_spatial(layer, x, spatial, x[_channel_axis(layer)])
        params(0)
        return facts
    if isinstance(layer, L.Concatenate) or _op_name(layer) == "Concatenate":
        axis = layer.axis
        axis = axis - 1 if axis > 0 else axis
        sizes = [s[axis] for s in in_shapes]
        out = list(x)
        out[axis] = None if any(v is None for v in sizes) else sum(sizes)
        facts["out_shape"] = tuple(out)
        params(0)
        return facts
    if isinstance(layer, L.Reshape) and all(d is not None for d in x):
        target = list(layer.target_shape)
        if -1 in target:
            known = math.prod(d for d in target if d != -1)
            target[target.index(-1)] = math.prod(x) // known
        facts["out_shape"] = tuple(target)
        params(0)
        return facts
    if _op_name(layer) in _MERGE and all(d is not None for shp in in_shapes for d in shp):
        # Element-wise merges broadcast, e.g. a squeeze-excitation gate 1x1xC times HxWxC.
        import numpy as np

        facts["out_shape"] = tuple(int(d) for d in np.broadcast_shapes(*in_shapes))
        params(0)
        return facts
    if _op_name(layer) in _MERGE and all(shp == x for shp in in_shapes):
        facts["out_shape"] = x
        params(0)
        return facts
    if type(layer).__name__ in _ELEMENTWISE and type(layer).__module__.startswith("keras."):
        facts["out_shape"] = x
        params(0)
        return facts
    if not isinstance(layer, L.Layer) and keras_out is not None and tuple(keras_out) == x:
        # A keras.ops operation (x + y, ops.relu) on equal shapes: element-wise, no weights.
        facts["out_shape"] = x
        params(0)
        return facts
    return None


def _op_name(op) -> str:
    return type(op).__name__


def _sublayers(layer):
    from cnnkit.analysis.receptive import sublayers

    return sublayers(layer)


def _shape_from_weights(layer):
    """A stand-in input shape (unknown spatial size) read from a built layer's kernel, so the
    parameter formulas apply without a traced input."""
    L = _keras().layers
    if not getattr(layer, "built", False):
        return None  # never called: no weights, nothing to count
    kernel = getattr(layer, "kernel", None)
    if isinstance(layer, L.SeparableConv2D):
        return (None, None, int(layer.depthwise_kernel.shape[2]))
    if isinstance(layer, L.DepthwiseConv2D):
        return (None, None, int(layer.kernel.shape[2]))
    if isinstance(layer, L.Conv2D) and kernel is not None:
        return (None, None, int(kernel.shape[2]) * getattr(layer, "groups", 1))
    if isinstance(layer, L.Dense) and kernel is not None:
        return (int(kernel.shape[0]),)
    if isinstance(layer, L.BatchNormalization) and getattr(layer, "moving_mean", None) is not None:
        return (int(layer.moving_mean.shape[0]),)
    if not _weight_count(layer.weights):
        return (None,)  # parameter-free: any stand-in shape gives 0
    return None


# ---------------------------------------------------------------- building the rows

class _Builder:
    def __init__(self, batch_size, dtype_bytes, strict):
        self.batch_size, self.dtype_bytes, self.strict = batch_size, dtype_bytes, strict
        self.rows = []
        self.seen = set()
        self._trace_error = ""

    def _bytes(self, shapes):
        if any(d is None for s in shapes for d in s):
            return None
        return sum(activation_bytes(s, self.dtype_bytes, self.batch_size) for s in shapes)

    def _fail(self, message):
        raise SummaryMismatchError(message + " (summarize(model, strict=False) reports Keras's numbers instead)")

    def _keras_counts(self, layer):
        keras = _keras()
        if not isinstance(layer, keras.layers.Layer):
            return 0, 0
        trainable = _weight_count(layer.trainable_weights)
        return trainable + _weight_count(layer.non_trainable_weights), trainable

    def add(self, g, parent=None):
        layer = g.operation
        in_shapes, out_shapes = g.in_shapes(), g.out_shapes()
        keras_out = out_shapes[0] if out_shapes else ()
        row = {
            "name": g.name, "type": type(layer).__name__, "depth": g.depth, "parent": parent,
            "output_shape": keras_out, "params": 0, "trainable": 0, "non_trainable": 0,
            "macs": 0, "receptive_field": None, "jump": None, "activation_bytes": self._bytes(out_shapes),
            "formula": "", "params_formula": "", "source": "formula", "shared": False,
            "expanded": False,
        }
        if g.field is not None:
            row["receptive_field"], row["jump"] = g.field.size, g.field.jump
        self.rows.append(row)
        shared = id(layer) in self.seen
        self.seen.add(id(layer))
        row["shared"] = shared
        keras = _keras()
        if isinstance(layer, keras.layers.InputLayer):
            return row
        if g.children is not None:
            self._composite(g, row, shared)
        elif g.trace_error is not None:
            self._trace_error = g.trace_error
            self._untraced(layer, row, g.depth, shared)
        else:
            self._leaf(g, row, in_shapes, keras_out, shared)
        if shared:  # a layer called again reuses its weights: count them once
            row.update(params=0, trainable=0, non_trainable=0)
        return row

    def _leaf(self, g, row, in_shapes, keras_out, shared):
        layer = g.operation
        total_k, trainable_k = self._keras_counts(layer)
        facts = _leaf_facts(layer, in_shapes, keras_out)
        if facts is None:
            row.update(params=total_k, trainable=trainable_k, non_trainable=total_k - trainable_k,
                       macs=None, source="keras")
            return
        row.update({k: v for k, v in facts.items() if k != "out_shape"})
        expected = tuple(facts["out_shape"])
        where = f"{g.name} ({type(layer).__name__})"
        if expected != tuple(keras_out):
            if self.strict:
                formula = f" — {facts['formula']}" if facts["formula"] else ""
                self._fail(f"{where}: the formulas give an output of {format_shape(expected)}{formula}, "
                           f"but Keras built {format_shape(keras_out)}; a layer that changes the output must "
                           f"say so in compute_output_shape")
            row["source"] = "keras"
        if (row["params"], row["trainable"]) != (total_k, trainable_k):
            if self.strict:
                formula = f" = {facts['params_formula']}" if facts["params_formula"] else ""
                self._fail(f"{where}: expected {row['params']:,} parameters ({row['trainable']:,} trainable)"
                           f"{formula}, but Keras counts {total_k:,} ({trainable_k:,} trainable); "
                           f"a layer that adds weights is not a plain {type(layer).__name__}")
            row.update(params=total_k, trainable=trainable_k, non_trainable=total_k - trainable_k,
                       source="keras")

    def _untraced(self, layer, row, depth, shared):
        """A composite whose call() could not be traced symbolically (e.g. it multiplies a
        variable by a tensor): list its sublayers with formula parameter counts read from their
        built weights; shapes, MACs and the receptive field stay unknown."""
        row.update(expanded=True, source="sublayers", macs=None, receptive_field=None, jump=None)
        row["note"] = ("call() could not be traced on symbolic inputs, so sublayer shapes and MACs "
                       f"are unknown: {self._trace_error}")
        first = len(self.rows)
        for sub in _sublayers(layer):
            child = {"name": sub.name, "type": type(sub).__name__, "depth": depth + 1, "parent": row["name"],
                     "output_shape": None, "params": 0, "trainable": 0, "non_trainable": 0, "macs": None,
                     "receptive_field": None, "jump": None, "activation_bytes": None, "formula": "",
                     "params_formula": "", "source": "formula", "shared": id(sub) in self.seen,
                     "expanded": False}
            self.seen.add(id(sub))
            self.rows.append(child)
            if _sublayers(sub):
                self._untraced(sub, child, depth + 1, child["shared"])
                continue
            total_k, trainable_k = self._keras_counts(sub)
            facts = _leaf_facts(sub, [_shape_from_weights(sub)], None) if _shape_from_weights(sub) else None
            if facts is None or "params" not in facts:
                child.update(params=total_k, trainable=trainable_k, non_trainable=total_k - trainable_k,
                             source="keras")
            else:
                child.update(params=facts["params"], trainable=facts["trainable"],
                             non_trainable=facts["non_trainable"], params_formula=facts["params_formula"])
                if (facts["params"], facts["trainable"]) != (total_k, trainable_k) and self.strict:
                    self._fail(f"{sub.name} ({type(sub).__name__}): expected {facts['params']:,} parameters "
                               f"= {facts['params_formula']}, but Keras counts {total_k:,}")
        self._sum_children(layer, row, first, depth, shared)

    def _sum_children(self, layer, row, first, depth, shared):
        children = [r for r in self.rows[first:] if r["depth"] == depth + 1]
        own_t = _weight_count(getattr(layer, "_trainable_variables", []))
        own_n = _weight_count(getattr(layer, "_non_trainable_variables", []))
        row["trainable"] = sum(r["trainable"] for r in children) + own_t
        row["non_trainable"] = sum(r["non_trainable"] for r in children) + own_n
        row["params"] = row["trainable"] + row["non_trainable"]
        if shared:
            return children
        total_k, trainable_k = self._keras_counts(layer)
        if (row["params"], row["trainable"]) != (total_k, trainable_k) and self.strict:
            self._fail(f"{row['name']} ({type(layer).__name__}): its sublayers add up to {row['params']:,} "
                       f"parameters ({row['trainable']:,} trainable), but Keras counts {total_k:,} "
                       f"({trainable_k:,} trainable) — a sublayer's weights are missing from the traced call")
        return children

    def _composite(self, g, row, shared):
        layer = g.operation
        row["expanded"] = True
        row["source"] = "sublayers"
        first_child = len(self.rows)
        for child in g.children:
            self.add(child, parent=g.name)
        children = self._sum_children(layer, row, first_child, g.depth, shared)
        row["macs"] = sum(r["macs"] for r in children if r["macs"] is not None)
        if shared:
            return
        inner = [_shape(t) for t in (g.inner_outputs or [])]
        if inner and inner[0] != tuple(row["output_shape"]) and self.strict:
            self._fail(f"{g.name} ({type(layer).__name__}): tracing call() gives {format_shape(inner[0])}, "
                       f"but Keras built {format_shape(row['output_shape'])}")


# ---------------------------------------------------------------- the table

_COLUMNS = [
    ("Layer (type)", lambda r: f"{'  ' * r['depth']}{r['name']} ({r['type']})"),
    ("Output shape", lambda r: format_shape(r["output_shape"])),
    ("Params", lambda r: _fmt_int(r["params"]) + ("*" if r["source"] == "keras" else "")),
    ("Trainable", lambda r: _fmt_int(r["trainable"])),
    ("MACs", lambda r: _fmt_int(r["macs"])),
    ("RF", lambda r: _fmt_rf(r["receptive_field"])),
    ("Activation bytes", lambda r: _fmt_int(r["activation_bytes"])),
    ("Output size formula", lambda r: r["formula"]),
]


class Summary:
    """The table ``summarize`` returns: ``rows`` (plain dicts), totals and text/Markdown/HTML views."""

    def __init__(self, name, rows, batch_size, dtype_bytes):
        self.name = name
        self.rows = rows
        self.batch_size = batch_size
        self.dtype_bytes = dtype_bytes

    # -- totals over the top-level rows (a composite's own row already sums its sublayers)
    def _top(self):
        return [r for r in self.rows if r["depth"] == 0]

    @property
    def total_params(self) -> int:
        return sum(r["params"] for r in self._top())

    @property
    def trainable_params(self) -> int:
        return sum(r["trainable"] for r in self._top())

    @property
    def non_trainable_params(self) -> int:
        return sum(r["non_trainable"] for r in self._top())

    @property
    def total_macs(self) -> int:
        """Multiply-accumulates of one image's forward pass (conv, depthwise, separable, dense)."""
        return sum(r["macs"] or 0 for r in self._top())

    def activation_memory(self, mode: str = "training") -> int:
        """Peak activation bytes (seed 002): training keeps every layer's output for
        back-propagation; inference needs only two consecutive layers' outputs at a time."""
        leaves = [r["activation_bytes"] for r in self.rows if not r["expanded"] and r["activation_bytes"] is not None]
        return activation_memory(leaves, mode)

    def row(self, name: str) -> dict:
        """The row of the layer called ``name``."""
        for r in self.rows:
            if r["name"] == name:
                return r
        raise KeyError(f"no layer named {name!r}; layers: {', '.join(r['name'] for r in self.rows)}")

    def to_dicts(self) -> list[dict]:
        """Plain dict rows (copies), e.g. for ``pandas.DataFrame(summary.to_dicts())``."""
        return [dict(r) for r in self.rows]

    # -- views
    def _cells(self):
        header = [c for c, _ in _COLUMNS]
        body = [[f(r) for _, f in _COLUMNS] for r in self.rows]
        return header, body

    def _footer(self):
        lines = [
            f"Total params: {self.total_params:,}",
            f"Trainable params: {self.trainable_params:,}",
            f"Non-trainable params: {self.non_trainable_params:,}",
            f"MACs per image: {self.total_macs:,}",
            f"Activation memory (batch {self.batch_size}, {self.dtype_bytes} bytes/value): "
            f"training {self.activation_memory('training'):,} B, "
            f"inference {self.activation_memory('inference'):,} B",
        ]
        if any(r["source"] == "keras" for r in self.rows):
            lines.append("* counted by Keras (no formula for this layer type)")
        return lines

    def to_text(self) -> str:
        header, body = self._cells()
        widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]
        numeric = {2, 3, 4, 6}

        def line(cells):
            return "  ".join(c.rjust(w) if i in numeric else c.ljust(w)
                             for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

        rule = "-" * len(line(header))
        out = [f'Model: "{self.name}"', rule, line(header), rule, *(line(b) for b in body), rule]
        return "\n".join(out + self._footer())

    def to_markdown(self) -> str:
        header, body = self._cells()

        def esc(c):
            return c.replace("|", "\\|")

        out = ["| " + " | ".join(header) + " |",
               "|" + "|".join("---:" if i in (2, 3, 4, 6) else "---" for i in range(len(header))) + "|"]
        for b in body:
            b = [b[0].replace("  ", "&nbsp;&nbsp;"), *b[1:]]
            out.append("| " + " | ".join(esc(c) for c in b) + " |")
        return "\n".join(out) + "\n\n" + "  \n".join(self._footer()) + "\n"

    def to_html(self) -> str:
        header, body = self._cells()
        th = "".join(f"<th>{html.escape(h)}</th>" for h in header)
        trs = []
        for r, b in zip(self.rows, body):
            cells = [f'<td style="padding-left:{0.5 + 1.5 * r["depth"]}em">{html.escape(b[0].strip())}</td>']
            cells += [f'<td style="text-align:right">{html.escape(c)}</td>' if i in (2, 3, 4, 6)
                      else f"<td>{html.escape(c)}</td>" for i, c in enumerate(b[1:], start=1)]
            trs.append("<tr>" + "".join(cells) + "</tr>")
        footer = "<br>".join(html.escape(x) for x in self._footer())
        return (f'<div class="cnnkit-summary"><p><b>Model: {html.escape(self.name)}</b></p>'
                f"<table><thead><tr>{th}</tr></thead><tbody>{''.join(trs)}</tbody></table>"
                f"<p>{footer}</p></div>")

    def _repr_html_(self) -> str:
        return self.to_html()

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        return (f"<Summary {self.name!r}: {len(self._top())} layers, {self.total_params:,} params, "
                f"{self.total_macs:,} MACs>")


def summarize(model, input_shape=None, batch_size: int = 1, dtype_bytes: int = 4,
              expand: bool = True, strict: bool = True) -> Summary:
    """Layer-by-layer table of a Keras model (Sequential or functional, with branches and skips).

    ``input_shape`` (height, width, channels) builds an unbuilt Sequential model or re-analyses a
    model at another input size; ``batch_size`` and ``dtype_bytes`` scale the activation memory;
    ``expand`` lists the sublayers of composite layers. With ``strict`` a disagreement between the
    formulas and Keras raises :class:`SummaryMismatchError`; otherwise Keras's numbers are shown.
    """
    keras = _keras()
    if not isinstance(model, keras.Model):
        raise TypeError(f"summarize expects a keras.Model, got {type(model).__name__}; "
                        f"for a list of layers use receptive_field()/the formula functions")
    if int(batch_size) < 1 or int(dtype_bytes) < 1:
        raise ValueError(f"batch_size and dtype_bytes must be >= 1, got {batch_size} and {dtype_bytes}")
    builder = _Builder(int(batch_size), int(dtype_bytes), strict)
    build_if_needed(model, input_shape)
    with restoring_nodes(model):
        inputs, outputs = model_graph(model, input_shape)
        fields = {id(t): ReceptiveField.identity(len(spatial_dims(_shape(t))) or 1)
                  for t in inputs if _producer(t) is None}
        nodes = walk(outputs, fields, expand=expand)
        for t in inputs:
            if _producer(t) is None:  # a fresh input (input_shape=...): give it an input row
                builder.rows.append({
                    "name": "input", "type": "InputLayer", "depth": 0, "parent": None,
                    "output_shape": _shape(t), "params": 0, "trainable": 0, "non_trainable": 0,
                    "macs": 0, "receptive_field": 1, "jump": 1,
                    "activation_bytes": builder._bytes([_shape(t)]), "formula": "",
                    "params_formula": "", "source": "formula", "shared": False, "expanded": False,
                })
        for g in nodes:
            builder.add(g)
    summary = Summary(model.name, builder.rows, int(batch_size), int(dtype_bytes))
    if strict and expand:
        expected = model.count_params()
        if summary.total_params != expected:
            raise SummaryMismatchError(
                f"{model.name}: the layers in the graph add up to {summary.total_params:,} parameters, "
                f"but model.count_params() is {expected:,} — a layer holds weights outside the "
                f"input→output graph (summarize(model, strict=False) shows the graph's count)"
            )
    return summary
