"""What a CNN learned: the convolution kernels (filters) and the feature maps they produce on one image."""

from __future__ import annotations

import math

import numpy as np

from cnnkit.viz._figure import finish, new_figure


def _kernel(layer_or_weights) -> np.ndarray:
    if hasattr(layer_or_weights, "get_weights"):
        weights = layer_or_weights.get_weights()
        if not weights or np.ndim(weights[0]) != 4:
            raise ValueError(f"layer {getattr(layer_or_weights, 'name', '?')!r} has no 4-D convolution "
                             f"kernel (kernel_h, kernel_w, c_in, filters); pick a Conv2D layer")
        return np.asarray(weights[0])
    kernel = np.asarray(layer_or_weights)
    if kernel.ndim != 4:
        raise ValueError(f"expected a kernel of shape (kernel_h, kernel_w, c_in, filters), got {kernel.shape}")
    return kernel


def plot_filters(layer_or_weights, path=None, max_filters: int = 64, cols: int = 8):
    """Each filter as a small image: RGB when c_in = 3, else averaged over input channels."""
    kernel = _kernel(layer_or_weights)
    k_h, k_w, c_in, filters = kernel.shape
    count = min(filters, max_filters)
    cols = min(cols, count)
    rows = math.ceil(count / cols)
    fig = new_figure(1.1 * cols, 1.2 * rows + 0.4)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for i, ax in enumerate(axes):
        ax.axis("off")
        if i >= count:
            continue
        f = kernel[..., i]
        if c_in == 3:  # scale each filter to 0..1 to show it as colour
            ax.imshow((f - f.min()) / (np.ptp(f) or 1.0))
        else:
            ax.imshow(f.mean(axis=-1), cmap="gray")
        ax.set_title(str(i), fontsize=7)
    name = getattr(layer_or_weights, "name", "kernel")
    fig.suptitle(f"{name}: {filters} filters of {k_h}x{k_w}x{c_in}" + (f" (first {count})" if count < filters else ""))
    return finish(fig, path)


def plot_feature_maps(model, image, layer_names=None, path=None, max_maps: int = 8):
    """Feature maps of ``image`` (HxWxC, uint8 scaled to 0..1) after each named layer (default: the convolutions)."""
    import keras

    if layer_names is None:
        layer_names = [layer.name for layer in model.layers if "Conv" in type(layer).__name__]
    if not layer_names:
        raise ValueError("the model has no convolution layers; pass layer_names=[...]")
    known = {layer.name for layer in model.layers}
    missing = [name for name in layer_names if name not in known]
    if missing:
        raise ValueError(f"no layer named {missing} in {model.name!r}; layers: {sorted(known)}")
    probe = keras.Model(model.inputs, [model.get_layer(name).output for name in layer_names])
    image = np.asarray(image)
    batch = (image.astype("float32") / 255.0 if image.dtype == np.uint8 else image.astype("float32"))[None]
    outputs = probe.predict(batch, verbose=0)
    outputs = outputs if isinstance(outputs, list) else [outputs]
    cols = max_maps
    fig = new_figure(1.2 * cols + 1.0, 1.35 * len(layer_names))
    axes = fig.subplots(len(layer_names), cols, squeeze=False)
    for row, (name, maps) in zip(axes, zip(layer_names, outputs)):
        maps = maps[0]
        for j, ax in enumerate(row):
            ax.set_xticks([])
            ax.set_yticks([])
            if maps.ndim != 3 or j >= maps.shape[-1]:
                ax.axis("off")
                continue
            ax.imshow(maps[..., j], cmap="viridis")
            if j == 0:
                ax.set_ylabel(f"{name}\n{'x'.join(map(str, maps.shape))}", fontsize=7)
    fig.suptitle("feature maps (first channels of each layer)")
    return finish(fig, path)
