"""Receptive field, jump (cumulative stride) and start offset through a stack of layers.

Each layer with kernel k (dilation d: effective span k_eff = d·(k − 1) + 1), stride s and p zeros
before the input updates the three numbers as

    size_out  = size_in + (k_eff − 1)·jump_in
    jump_out  = jump_in·s
    start_out = start_in + ((k_eff − 1)/2 − p)·jump_in

(Araujo, Norris & Sim, "Computing receptive fields of convolutional neural networks", Distill 2019).
``start`` is the input coordinate of the centre of the first output unit's field (pixel i's centre is i).
Where paths merge (Inception's concatenation, ResNet's addition) a unit sees the union of its
inputs' fields, so the largest is kept.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from cnnkit.analysis.shapes import conv_output_size, effective_kernel_size, same_padding

__all__ = ["ReceptiveField", "receptive_field", "receptive_field_table"]


def _num(x):
    """An int when the value is integral (sizes and jumps usually are), else the float."""
    return int(x) if float(x).is_integer() else float(x)


@dataclass(frozen=True)
class ReceptiveField:
    """Receptive field ``size``, ``jump`` (input pixels between neighbouring units) and ``start``.

    Each is a number when every spatial axis agrees, else a tuple per axis (a 1x7 kernel gives
    ``size=(1, 7)``); ``axes`` is the number of spatial axes.
    """

    size: int | float | tuple
    jump: int | float | tuple
    start: int | float | tuple
    axes: int = 1

    @classmethod
    def from_axes(cls, sizes, jumps, starts) -> "ReceptiveField":
        def collapse(values):
            values = tuple(_num(v) for v in values)
            return values[0] if len(set(values)) == 1 else values

        return cls(collapse(sizes), collapse(jumps), collapse(starts), len(tuple(sizes)))

    @classmethod
    def identity(cls, axes: int = 1) -> "ReceptiveField":
        """The field of an input pixel: itself."""
        return cls(1, 1, 0, axes)

    def per_axis(self) -> tuple[tuple, tuple, tuple]:
        """(sizes, jumps, starts), one entry per spatial axis."""

        def spread(v):
            return tuple(v) if isinstance(v, tuple) else (v,) * self.axes

        return spread(self.size), spread(self.jump), spread(self.start)

    def __str__(self) -> str:
        sizes, jumps, starts = self.per_axis()
        fmt = "x".join
        return (f"{fmt(str(s) for s in sizes)} (jump {fmt(str(j) for j in jumps)}, "
                f"start {fmt(str(s) for s in starts)})")


# ---------------------------------------------------------------- the per-layer steps

def _conv_step(rf: ReceptiveField, kernels, strides, dilations, pads_before) -> ReceptiveField:
    sizes, jumps, starts = rf.per_axis()
    out = []
    for r, j, st, k, s, d, p in zip(sizes, jumps, starts, kernels, strides, dilations, pads_before):
        k_eff = effective_kernel_size(k, d)
        out.append((r + (k_eff - 1) * j, j * s, st + ((k_eff - 1) / 2 - p) * j))
    return ReceptiveField.from_axes(*zip(*out))


def _global_step(rf: ReceptiveField, spatial) -> ReceptiveField:
    """A unit that reads the whole map (global pooling, a Dense layer after Flatten)."""
    if any(n is None for n in spatial):
        raise ValueError(
            f"a global layer's receptive field needs the spatial size of its input, got {spatial}; "
            f"pass input_size= (or input_shape=) so the size is known"
        )
    return _conv_step(rf, spatial, [1] * len(spatial), [1] * len(spatial), [0] * len(spatial))


def _shift_step(rf: ReceptiveField, before, sign: int) -> ReceptiveField:
    """Zero padding (sign −1) or cropping (sign +1): the field is unchanged, its start moves."""
    sizes, jumps, starts = rf.per_axis()
    return ReceptiveField.from_axes(sizes, jumps, [st + sign * b * j for st, b, j in zip(starts, before, jumps)])


def _upsample_step(rf: ReceptiveField, factors) -> ReceptiveField:
    sizes, jumps, starts = rf.per_axis()
    return ReceptiveField.from_axes(sizes, [j / f for j, f in zip(jumps, factors)], starts)


def _merge(fields) -> ReceptiveField | None:
    """Where paths join, a unit sees the union: keep the largest field (per axis)."""
    fields = [f for f in fields if f is not None]
    if not fields:
        return None
    if len(fields) == 1:
        return fields[0]
    axes = max(f.axes for f in fields)
    per = [f.per_axis() for f in fields if f.axes == axes]
    sizes, jumps, starts = [], [], []
    for a in range(axes):
        best = max(per, key=lambda p: p[0][a])
        sizes.append(best[0][a])
        jumps.append(best[1][a])
        starts.append(best[2][a])
    return ReceptiveField.from_axes(sizes, jumps, starts)


def _pads_before(padding, spatial, kernels, strides, dilations):
    if isinstance(padding, str) and padding.lower() == "same":
        pads = []
        for n, k, s, d in zip(spatial, kernels, strides, dilations):
            if n is None:
                if s != 1:
                    raise ValueError(
                        f'padding="same" with stride {s} pads according to the input size, which is '
                        f"unknown here; pass input_size= so the padding can be computed"
                    )
                pads.append((effective_kernel_size(k, d) - 1) // 2)
            else:
                pads.append(same_padding(n, k, s, d)[0])
        return pads
    if isinstance(padding, str):
        if padding.lower() != "valid":
            raise ValueError(f'padding must be an int, "valid" or "same", got {padding!r}')
        return [0] * len(kernels)
    if isinstance(padding, (tuple, list)):
        return [int(p) for p in padding]
    return [int(padding)] * len(kernels)


# ---------------------------------------------------------------- Keras layer geometry

def _keras():
    import keras

    return keras


def _tuple(v, n):
    return tuple(int(x) for x in v) if isinstance(v, (tuple, list)) else (int(v),) * n


def layer_geometry(layer, n_spatial: int = 2):
    """What a Keras layer does to space, read from its config: a dict with ``kind`` one of
    ``conv``/``pool`` (kernel, strides, dilation, padding), ``pad``/``crop`` (before, after),
    ``global``, ``flatten``, ``upsample`` (factors), ``pointwise``, or ``None`` when unknown."""
    keras = _keras()
    L = keras.layers
    if isinstance(layer, L.InputLayer):
        return {"kind": "input"}
    if isinstance(layer, (L.Conv2DTranspose, getattr(L, "Conv1DTranspose", ()), getattr(L, "Conv3DTranspose", ()))):
        return None
    cfg = {}
    with contextlib.suppress(Exception):
        cfg = layer.get_config()
    conv_types = (L.Conv1D, L.Conv2D, L.Conv3D, L.DepthwiseConv2D, L.SeparableConv2D,
                  getattr(L, "DepthwiseConv1D", L.Conv1D), getattr(L, "SeparableConv1D", L.Conv1D))
    if isinstance(layer, conv_types) or ("kernel_size" in cfg and "strides" in cfg and "padding" in cfg):
        k = _tuple(cfg.get("kernel_size", getattr(layer, "kernel_size", 1)), n_spatial)
        return {"kind": "conv", "kernel": k, "strides": _tuple(cfg.get("strides", 1), len(k)),
                "dilation": _tuple(cfg.get("dilation_rate", 1), len(k)), "padding": cfg.get("padding", "valid")}
    pool_types = (L.MaxPooling1D, L.MaxPooling2D, L.MaxPooling3D,
                  L.AveragePooling1D, L.AveragePooling2D, L.AveragePooling3D)
    if isinstance(layer, pool_types) or ("pool_size" in cfg and "padding" in cfg):
        k = _tuple(cfg.get("pool_size"), n_spatial)
        strides = cfg.get("strides")
        return {"kind": "pool", "kernel": k, "strides": _tuple(k if strides is None else strides, len(k)),
                "dilation": (1,) * len(k), "padding": cfg.get("padding", "valid")}
    if isinstance(layer, (L.ZeroPadding1D, L.ZeroPadding2D, L.ZeroPadding3D)):
        pads = [_tuple(p, 2) for p in _tuple_of_pairs(layer.padding)]
        return {"kind": "pad", "before": [p[0] for p in pads], "after": [p[1] for p in pads]}
    if isinstance(layer, (L.Cropping1D, L.Cropping2D, L.Cropping3D)):
        crops = [_tuple(c, 2) for c in _tuple_of_pairs(layer.cropping)]
        return {"kind": "crop", "before": [c[0] for c in crops], "after": [c[1] for c in crops]}
    global_types = (L.GlobalAveragePooling1D, L.GlobalAveragePooling2D, L.GlobalAveragePooling3D,
                    L.GlobalMaxPooling1D, L.GlobalMaxPooling2D, L.GlobalMaxPooling3D)
    if isinstance(layer, global_types):
        return {"kind": "global"}
    if isinstance(layer, L.Flatten):
        return {"kind": "flatten"}
    if isinstance(layer, (L.UpSampling1D, L.UpSampling2D, L.UpSampling3D)):
        return {"kind": "upsample", "factors": _tuple(getattr(layer, "size", 2), n_spatial)}
    if isinstance(layer, L.Dense):
        return {"kind": "pointwise"}
    return None


def _tuple_of_pairs(p):
    """Keras keeps ((top, bottom), (left, right)) for 2-D padding/cropping, (before, after) for 1-D."""
    p = tuple(p)
    if p and not isinstance(p[0], (tuple, list)):
        return (p,)
    return p


def spatial_dims(shape, data_format: str = "channels_last"):
    """Spatial sizes of a (batch-less) shape: (H, W) of (H, W, C)."""
    shape = tuple(shape)
    if len(shape) < 2:
        return ()
    return shape[1:] if data_format == "channels_first" else shape[:-1]


def _data_format(layer) -> str:
    return getattr(layer, "data_format", None) or "channels_last"


def _keras_step(layer, in_fields, in_shapes, out_shape):
    """The field after one Keras layer (or op), given its inputs' fields and shapes (no batch axis)."""
    if any(f is None for f in in_fields):
        return None
    if not in_fields:
        return None
    df = _data_format(layer)
    in_spatial = spatial_dims(in_shapes[0], df) if in_shapes else ()
    out_spatial = spatial_dims(out_shape, df)
    geometry = layer_geometry(layer, len(in_spatial) or 2)
    rf = _merge(in_fields)
    if geometry is not None and geometry["kind"] in ("conv", "pool"):
        k, s, d = geometry["kernel"], geometry["strides"], geometry["dilation"]
        if len(k) != rf.axes:
            return None
        pads = _pads_before(geometry["padding"], in_spatial, k, s, d)
        return _conv_step(rf, k, s, d, pads)
    if geometry is not None and geometry["kind"] == "pad":
        return _shift_step(rf, geometry["before"], -1)
    if geometry is not None and geometry["kind"] == "crop":
        return _shift_step(rf, geometry["before"], +1)
    if geometry is not None and geometry["kind"] == "upsample":
        return _upsample_step(rf, geometry["factors"])
    if geometry is not None and geometry["kind"] in ("global", "flatten"):
        if len(in_spatial) == rf.axes and len(in_shapes[0]) > 1:
            return _global_step(rf, in_spatial)
        return rf
    if geometry is not None and geometry["kind"] == "pointwise":
        return rf
    # Unknown layers and ops keep the (merged) field when they do not move space: element-wise
    # ones (activations, normalisation, merges), broadcasting a 1x1 gate (squeeze-excitation), or
    # reshaping a map that is already global ((1, 1, C) <-> (C,)).
    def trivial(spatial):
        return all(d == 1 for d in spatial)

    for s in in_shapes:
        sp = spatial_dims(s, df) if len(s) >= 2 else ()
        if sp == out_spatial:
            continue
        if trivial(sp) and (trivial(out_spatial) or len(s) == len(out_shape)):
            continue
        return None
    return rf


# ---------------------------------------------------------------- walking a Keras graph

@dataclass
class GraphNode:
    """One call of a layer (or op) in a model, with what the walk learnt about it."""

    operation: object
    node: object
    inputs: list
    outputs: list
    depth: int
    field: ReceptiveField | None = None
    children: list | None = None  # the traced sub-graph of a composite layer
    trace_error: str | None = None
    inner_outputs: list | None = None

    @property
    def name(self) -> str:
        return self.operation.name

    def in_shapes(self):
        return [_shape(t) for t in self.inputs]

    def out_shapes(self):
        return [_shape(t) for t in self.outputs]


def _shape(tensor) -> tuple:
    """Shape without the batch axis."""
    return tuple(tensor.shape)[1:]


def _is_keras_builtin(layer) -> bool:
    return type(layer).__module__.startswith("keras.")


def sublayers(layer) -> list:
    """The layers a composite layer tracks directly (its building blocks)."""
    try:
        return list(layer._flatten_layers(include_self=False, recursive=False))
    except Exception:
        return []


def is_composite(layer) -> bool:
    keras = _keras()
    if not isinstance(layer, keras.layers.Layer) or isinstance(layer, keras.layers.InputLayer):
        return False
    if _is_keras_builtin(layer) and not isinstance(layer, keras.Model):
        return False
    return bool(sublayers(layer))


@contextlib.contextmanager
def restoring_nodes(*roots):
    """Walks may call layers on fresh symbolic inputs; drop the graph nodes that adds on exit.

    (A layer with two inbound nodes no longer has a single ``layer.output``.)
    """
    saved = {}
    for root in roots:
        with contextlib.suppress(Exception):
            for layer in root._flatten_layers(include_self=True, recursive=True):
                saved[id(layer)] = (layer, len(layer._inbound_nodes), len(layer._outbound_nodes))
    try:
        yield
    finally:
        for layer, n_in, n_out in saved.values():
            del layer._inbound_nodes[n_in:]
            del layer._outbound_nodes[n_out:]


def _producer(tensor):
    history = getattr(tensor, "_keras_history", None)
    if history is None or history.operation is None:
        return None
    return history.operation._inbound_nodes[history.node_index]


def _topological(outputs, stop_ids):
    """Nodes that lead from the stop tensors to ``outputs``, inputs before users."""
    order, seen = [], set()
    stack = [(_producer(t), False) for t in reversed(list(outputs)) if id(t) not in stop_ids]
    while stack:
        node, expanded = stack.pop()
        if node is None:
            continue
        if expanded:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        for t in reversed(list(node.input_tensors)):
            if id(t) not in stop_ids:
                stack.append((_producer(t), False))
    return order


def trace(layer, node):
    """Call a composite layer's ``call`` on fresh symbolic inputs shaped like ``node``'s, so its
    sublayers' calls become graph nodes. Returns (new input tensors, new outputs, old→new ids)."""
    keras = _keras()
    fresh = {id(t): keras.KerasTensor(t.shape, dtype=t.dtype) for t in node.input_tensors}
    args, kwargs = node.arguments.fill_in(fresh)
    outputs = layer.call(*args, **kwargs)
    flat = keras.tree.flatten(outputs)
    return fresh, flat


def walk(outputs, input_fields: dict, depth: int = 0, expand: bool = True):
    """Walk the graph ending in ``outputs``; ``input_fields`` maps id(input tensor) → its field.

    Returns the list of :class:`GraphNode` in topological order; composite layers are traced and
    their sub-graphs walked as ``children`` (one level deeper).
    """
    keras = _keras()
    fields = dict(input_fields)
    nodes = []
    for node in _topological(outputs, set(input_fields)):
        op = node.operation
        ins, outs = list(node.input_tensors), list(node.output_tensors)
        if type(op).__name__ == "ConvertToTensor":  # Functional.call's input conversion: a no-op
            for t in outs:
                fields[id(t)] = _merge([fields.get(id(i)) for i in ins])
            continue
        g = GraphNode(op, node, ins, outs, depth)
        if isinstance(op, keras.layers.InputLayer):
            axes = len(spatial_dims(_shape(outs[0]))) or 1
            g.field = ReceptiveField.identity(axes)
        elif expand and is_composite(op):
            try:
                fresh, inner_outs = trace(op, node)
                inner_in = {id(fresh[id(t)]): fields.get(id(t)) for t in ins}
                g.children = walk(inner_outs, inner_in, depth + 1, expand)
                inner_fields = {id(t): c.field for c in g.children for t in c.outputs}
                inner_fields.update(inner_in)
                g.field = _merge([inner_fields.get(id(t)) for t in inner_outs[:1]])
                g.inner_outputs = inner_outs
            except Exception as exc:  # an exotic call(): report the layer as a whole
                g.children, g.trace_error = None, f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
                g.field = None  # its sublayers' geometry is unknown
        else:
            try:
                g.field = _keras_step(op, [fields.get(id(t)) for t in ins], g.in_shapes(), _shape(outs[0]))
            except ValueError:
                g.field = None
        for t in outs:
            fields[id(t)] = g.field
        nodes.append(g)
    return nodes


def build_if_needed(model, input_shape=None) -> None:
    """Build a model that has no input yet (a Sequential without ``keras.Input``) for ``input_shape``.

    Done before a walk's :func:`restoring_nodes`, so the nodes the build creates are kept.
    """
    built_inputs = None
    with contextlib.suppress(Exception):
        built_inputs = model.inputs
    if not built_inputs and input_shape is not None:
        model.build((None, *(None if d is None else int(d) for d in input_shape)))


def model_graph(model, input_shape=None):
    """(input tensors, output tensors) of a Keras model, at ``input_shape`` when given.

    A Sequential model without an ``Input`` is built for ``input_shape``; a built model asked
    for another input size is traced on a fresh input (its layers are left as they were).
    """
    keras = _keras()
    built_inputs = None
    with contextlib.suppress(Exception):
        built_inputs = model.inputs
    if input_shape is not None:
        shape = tuple(None if d is None else int(d) for d in input_shape)
        if not built_inputs:
            build_if_needed(model, shape)
            return list(model.inputs), list(model.outputs)
        if len(built_inputs) == 1 and _shape(built_inputs[0]) == shape:
            return list(model.inputs), list(model.outputs)
        if len(built_inputs) != 1:
            raise ValueError(
                f"{model.name} has {len(built_inputs)} inputs; input_shape= describes one input — "
                f"leave it out to analyse the model at the shapes it was built for"
            )
        fresh = keras.KerasTensor((None, *shape), dtype=built_inputs[0].dtype)
        return [fresh], keras.tree.flatten(model.call(fresh))
    if not built_inputs:
        raise ValueError(
            f"{model.name} has no input shape yet: expected a model built on keras.Input(...), "
            f"found an unbuilt {type(model).__name__}; pass input_shape=(height, width, channels)"
        )
    return list(model.inputs), list(model.outputs)


# ---------------------------------------------------------------- plain specs

def _parse_spec(spec, axes):
    """A plain spec → (kind, kernel, stride, dilation, padding) with per-axis tuples."""
    if isinstance(spec, dict):
        kind = str(spec.get("type", spec.get("kind", "pool" if "pool_size" in spec else "conv"))).lower()
        kernel = spec.get("kernel", spec.get("kernel_size", spec.get("pool_size")))
        if kernel is None:
            raise ValueError(f"spec {spec!r} needs a 'kernel' (e.g. {{'kernel': 3, 'stride': 1}})")
        default_stride = kernel if kind.startswith("pool") else 1
        stride = spec.get("stride", spec.get("strides", default_stride))
        dilation = spec.get("dilation", spec.get("dilation_rate", 1))
        padding = spec.get("padding", 0)
    elif isinstance(spec, (tuple, list)) and spec and isinstance(spec[0], str):
        kind, *rest = spec
        kind = kind.lower()
        if not rest:
            raise ValueError(f"spec {spec!r} needs a kernel size: ({kind!r}, kernel, stride)")
        kernel = rest[0]
        stride = rest[1] if len(rest) > 1 else (kernel if kind.startswith("pool") else 1)
        padding = rest[2] if len(rest) > 2 else 0
        dilation = rest[3] if len(rest) > 3 else 1
    elif isinstance(spec, (tuple, list)) and spec:
        if len(spec) > 4:
            raise ValueError(f"spec {spec!r}: expected (kernel, stride, padding, dilation) at most")
        kind = "conv"
        kernel, stride, padding, dilation = (*spec, None, None, None)[:4]
        stride = 1 if stride is None else stride
        padding = 0 if padding is None else padding
        dilation = 1 if dilation is None else dilation
    elif isinstance(spec, int):
        kind, kernel, stride, padding, dilation = "conv", spec, 1, 0, 1
    else:
        raise TypeError(
            f"a layer spec must be a Keras layer, (kernel, stride), ('pool', kernel, stride) or "
            f"{{'kernel': k, 'stride': s, 'dilation': d}}, got {spec!r}"
        )
    if kind not in ("conv", "pool", "maxpool", "avgpool", "pooling"):
        raise ValueError(f"spec kind must be 'conv' or 'pool', got {kind!r} in {spec!r}")
    k, s, d = _tuple(kernel, axes), _tuple(stride, axes), _tuple(dilation, axes)
    if isinstance(padding, str):
        pad = padding
    elif isinstance(padding, (tuple, list)):
        pad = tuple(int(p) for p in padding)
    else:
        pad = (int(padding),) * axes
    return kind, k, s, d, pad


def _spec_axes(spec) -> int:
    if isinstance(spec, dict):
        kernel = spec.get("kernel", spec.get("kernel_size", spec.get("pool_size")))
    elif isinstance(spec, (tuple, list)) and spec:
        kernel = spec[1] if isinstance(spec[0], str) and len(spec) > 1 else spec[0]
    else:
        return 1
    return len(kernel) if isinstance(kernel, (tuple, list)) else 1


def _name_of(spec, index):
    if hasattr(spec, "name"):
        return spec.name
    return f"layer{index + 1}"


def _walk_list(items, input_size=None):
    keras = _keras() if any(not isinstance(s, (int, tuple, list, dict)) for s in items) else None
    if keras is not None:
        axes = 2
    else:
        axes = max([_spec_axes(s) for s in items] + [1])
    if input_size is None:
        spatial = (None,) * axes
    else:
        spatial = _tuple(input_size, axes)
    rf = ReceptiveField.identity(axes)
    rows = []
    for i, spec in enumerate(items):
        if keras is not None and isinstance(spec, keras.layers.Layer):
            geometry = layer_geometry(spec, axes)
            if geometry is None or geometry["kind"] in ("pointwise", "input"):
                rows.append((_name_of(spec, i), rf))  # element-wise or unknown: the field is kept
                continue
            kind = geometry["kind"]
            if kind in ("conv", "pool"):
                k, s, d, pad = geometry["kernel"], geometry["strides"], geometry["dilation"], geometry["padding"]
            elif kind == "pad":
                rf = _shift_step(rf, geometry["before"], -1)
                spatial = tuple(None if n is None else n + b + a
                                for n, b, a in zip(spatial, geometry["before"], geometry["after"]))
                rows.append((_name_of(spec, i), rf))
                continue
            elif kind == "crop":
                rf = _shift_step(rf, geometry["before"], +1)
                spatial = tuple(None if n is None else n - b - a
                                for n, b, a in zip(spatial, geometry["before"], geometry["after"]))
                rows.append((_name_of(spec, i), rf))
                continue
            elif kind in ("global", "flatten"):
                rf = _global_step(rf, spatial)
                spatial = (1,) * axes
                rows.append((_name_of(spec, i), rf))
                continue
            elif kind == "upsample":
                rf = _upsample_step(rf, geometry["factors"])
                spatial = tuple(None if n is None else n * f for n, f in zip(spatial, geometry["factors"]))
                rows.append((_name_of(spec, i), rf))
                continue
        else:
            _, k, s, d, pad = _parse_spec(spec, axes)
        pads = _pads_before(pad, spatial, k, s, d)
        rf = _conv_step(rf, k, s, d, pads)
        if not (isinstance(pad, str) and pad.lower() == "same"):
            pad_amount = [0] * axes if isinstance(pad, str) else list(pad)
        else:
            pad_amount = None
        spatial = tuple(
            None if n is None else (
                conv_output_size(n, kk, ss, "same", dd) if pad_amount is None
                else conv_output_size(n, kk, ss, pp, dd))
            for n, kk, ss, dd, pp in zip(spatial, k, s, d, pad_amount or [0] * axes)
        )
        rows.append((_name_of(spec, i), rf))
    return rows


# ---------------------------------------------------------------- public API

def _is_model(obj) -> bool:
    try:
        keras = _keras()
    except ImportError:  # pragma: no cover
        return False
    return isinstance(obj, keras.Model)


def _model_nodes(model, input_shape):
    build_if_needed(model, input_shape)
    with restoring_nodes(model):
        inputs, outputs = model_graph(model, input_shape)
        fields = {id(t): ReceptiveField.identity(len(spatial_dims(_shape(t))) or 1)
                  for t in inputs if _producer(t) is None}
        return walk(outputs, fields), outputs


def receptive_field_table(model_or_layers, input_size=None, input_shape=None):
    """``[(layer name, ReceptiveField), ...]`` for every layer of a model (every call, in graph
    order) or every item of a list of layers / specs such as ``[(3, 1), ("pool", 2, 2)]``.

    ``input_size`` (int or (height, width)) is needed in a plain list only for ``padding="same"``
    with stride > 1 and for global layers; ``input_shape`` (H, W, C) builds or re-sizes a model.
    """
    if _is_model(model_or_layers):
        nodes, _ = _model_nodes(model_or_layers, input_shape)
        return [(g.name, g.field) for g in nodes]
    items = list(model_or_layers)
    if not items:
        raise ValueError("expected a Keras model or a non-empty list of layers/specs, got an empty list")
    return _walk_list(items, input_size)


def receptive_field(model_or_layers, input_size=None, input_shape=None) -> ReceptiveField:
    """Receptive field (size, jump, start) at the end of a stack of layers or at a model's output
    (the largest one when a model has several outputs, e.g. GoogLeNet's auxiliary heads)."""
    if _is_model(model_or_layers):
        model = model_or_layers
        nodes, outputs = _model_nodes(model, input_shape)
        by_tensor = {id(t): g.field for g in nodes for t in g.outputs}
        known = [f for f in (by_tensor.get(id(t)) for t in outputs) if f is not None]
        if not known:
            raise ValueError(
                f"{model.name}: the receptive field could not be followed to the output (a layer "
                f"that reshapes space in an unknown way); receptive_field_table(model) shows where it stops"
            )
        return max(known, key=lambda f: max(f.per_axis()[0]))
    return receptive_field_table(model_or_layers, input_size)[-1][1]
