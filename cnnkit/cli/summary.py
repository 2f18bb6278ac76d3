"""``cnnkit summary NAME_OR_PATH``: the layer table of a zoo model or a saved ``.keras`` file."""

from __future__ import annotations

import os
import sys


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "summary", help="layer-by-layer shapes, parameters, MACs and receptive field of a model",
        description="Build a registered model (see `cnnkit summary --list`) or load a saved .keras "
                    "file and print its summary: output shape, parameters (trainable), MACs, "
                    "receptive field and activation memory per layer, each checked against Keras.")
    parser.add_argument("model", nargs="?", metavar="NAME_OR_PATH",
                        help="a registered model name (e.g. SimpleCNN, ResNet50) or a .keras file")
    parser.add_argument("--input-shape", metavar="H,W,C", type=_shape_arg,
                        help="input shape, e.g. 32,32,3 (default: the model's own)")
    parser.add_argument("--classes", type=int, metavar="N", help="number of classes (registered models)")
    parser.add_argument("--format", choices=("text", "markdown", "html"), default="text")
    parser.add_argument("--batch-size", type=int, default=1, metavar="B",
                        help="batch size for the activation memory (default 1)")
    parser.add_argument("--list", action="store_true", help="list the registered model names and exit")
    parser.set_defaults(func=run)


def _shape_arg(text: str) -> tuple[int, ...]:
    import argparse

    try:
        shape = tuple(int(p) for p in text.replace("x", ",").split(",") if p.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected H,W,C such as 32,32,3, got {text!r}") from None
    if len(shape) != 3 or min(shape) < 1:
        raise argparse.ArgumentTypeError(f"expected three positive sizes H,W,C such as 32,32,3, got {text!r}")
    return shape


def _looks_like_path(text: str) -> bool:
    return text.endswith((".keras", ".h5")) or os.sep in text or text.startswith(".")


def _load(args):
    """The model the arguments name, or an error message and exit code."""
    from cnnkit.models import registry

    target = args.model
    if _looks_like_path(target) or os.path.exists(target):
        if not os.path.isfile(target):
            return None, (f"error: no model file at {target!r}: expected a saved .keras file "
                          f"(model.save('model.keras')) or a registered name: "
                          f"{', '.join(registry.names())}"), 2
        if args.classes is not None:
            return None, "error: --classes applies to registered models, not to a saved file", 2
        import keras

        _import_custom_layers()  # cnnkit's layers register themselves for loading
        try:
            model = keras.saving.load_model(target, compile=False)
        except Exception as exc:
            return None, f"error: could not load {target!r} as a Keras model: {exc}", 1
        return model, None, 0
    try:
        info = registry.info(target)
    except KeyError as exc:
        return None, f"error: {exc.args[0]}", 2
    kwargs = {}
    if args.input_shape is not None:
        kwargs["input_shape"] = args.input_shape
    if args.classes is not None:
        kwargs["classes"] = args.classes
    try:
        return info.builder()(**kwargs), None, 0
    except (ValueError, TypeError) as exc:
        return None, f"error: {info.name}: {exc}", 2


def _import_custom_layers() -> None:
    """Import every cnnkit layer module so their serializable classes are registered."""
    import importlib

    from cnnkit import layers

    for module in sorted(set(layers._LAZY.values())):
        importlib.import_module(f"cnnkit.layers.{module}")


def run(args) -> int:
    if args.list:
        from cnnkit.models import registry

        for name in registry.names():
            print(f"{name:15s} {registry.info(name).description}")
        return 0
    if not args.model:
        print("error: expected a model name or a .keras file, e.g. `cnnkit summary SimpleCNN` "
              "(`cnnkit summary --list` shows the names)", file=sys.stderr)
        return 2
    model, message, code = _load(args)
    if model is None:
        print(message, file=sys.stderr)
        return code
    from cnnkit.analysis import summarize

    # A registered model was built at --input-shape already; a loaded file is re-analysed there.
    shape = args.input_shape if _looks_like_path(args.model) or os.path.exists(args.model) else None
    try:
        summary = summarize(model, input_shape=shape, batch_size=args.batch_size)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.format == "markdown":
        print(summary.to_markdown())
    elif args.format == "html":
        print(summary.to_html())
    else:
        print(summary.to_text())
    return 0
