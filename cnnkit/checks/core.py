"""The checks students and tests call; each failure says what was expected, what was found, and why."""

from __future__ import annotations

import numpy as np

from cnnkit.checks.messages import GradingError, fmt_count, fmt_shape

__all__ = ["check_output_shape", "check_param_count", "check_array", "check_value", "check_built_from",
           "check_architecture",
           "check_accuracy", "evaluate_accuracy", "Check"]


def _is_model(obj) -> bool:
    return hasattr(obj, "layers") and hasattr(obj, "count_params")


def _shape_walk(model) -> str:
    from cnnkit.checks.compare import layer_specs, shape_formula

    lines = []
    for spec in layer_specs(model):
        f = shape_formula(spec)
        lines.append(f"  {spec.name:<16} {fmt_shape(spec.output_shape):<12} {f}")
    return "shapes through your model:\n" + "\n".join(lines)


def check_output_shape(obj, expected, name: str = "output", why: str = ""):
    """A model's output shape (batch axis dropped) or an array's full shape equals ``expected``."""
    __tracebackhide__ = True  # students see their check's message, not the kit's frames
    expected = tuple(int(d) for d in expected)
    if _is_model(obj):
        found = tuple(obj.output.shape[1:]) if not isinstance(obj.output, (list, tuple)) \
            else tuple(obj.output[0].shape[1:])
        found = tuple(None if d is None else int(d) for d in found)
        if found != expected:
            raise GradingError(f"{name} shape", fmt_shape(expected), fmt_shape(found),
                               "; ".join(p for p in (why, _shape_walk(obj)) if p))
        return None
    found = tuple(int(d) for d in np.shape(obj))
    if found != expected:
        hint = why
        if not hint and len(found) + 1 == len(expected) and found == expected[: len(found)]:
            hint = f"the last axis (size {expected[-1]}) is missing: add it, e.g. x[..., None]"
        elif not hint and int(np.prod(found)) == int(np.prod(expected)):
            hint = "same number of values, different layout: check the axis order (height, width, channels)"
        raise GradingError(f"{name} shape", fmt_shape_tuple(expected), fmt_shape_tuple(found), hint)
    return None


def check_param_count(obj, expected: int, name: str = "parameters", mistakes=None):
    """A model's (or a number's) parameter count equals ``expected``; a model mismatch lists every
    layer's count with its formula from :mod:`cnnkit.analysis`; ``mistakes`` maps a wrong count to the
    mistake that gives it."""
    __tracebackhide__ = True  # students see their check's message, not the kit's frames
    from cnnkit.checks.compare import layer_specs, param_formula

    found = int(obj.count_params()) if _is_model(obj) else int(obj)
    if found != int(expected):
        parts = []
        likely = (mistakes or {}).get(found)
        if likely:
            parts.append(f"this is what {likely} gives")
        if _is_model(obj):
            rows = []
            for spec in layer_specs(obj):
                if spec.params:
                    _, f = param_formula(spec)
                    rows.append(f"  {spec.name:<16} {fmt_count(spec.params):>10}  {f}")
            parts.append("your layers:\n" + "\n".join(rows))
        raise GradingError(name, fmt_count(expected), fmt_count(found), "; ".join(parts))
    return None


def _plain(value):
    """Numbers and nested sequences as plain Python values, so (55, 55) equals [55, 55] and np.int64(3) equals 3."""
    if isinstance(value, (list, tuple)) or (isinstance(value, np.ndarray) and value.ndim > 0):
        return tuple(_plain(v) for v in value)
    if isinstance(value, np.generic):
        return value.item()
    return value


def _show(value) -> str:
    value = _plain(value)
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int):
        return fmt_count(value) if abs(value) >= 10_000 else str(value)
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, tuple):
        return "(" + ", ".join(_show(v) for v in value) + ")"
    return repr(value)


def _same(a, b, rel_tol: float) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) \
            and not isinstance(b, bool):
        return abs(a - b) <= rel_tol * max(abs(a), abs(b), 1e-12)
    return a == b


def check_value(found, expected, what: str, why: str = "", rel_tol: float = 0.0, mistakes=None):
    """``found == expected`` for numbers, strings and (nested) sequences — a list where a tuple is
    expected is fine. ``why`` states the rule or formula; ``mistakes`` maps a wrong value to the
    mistake that produces it, so the message can name it ("looks like ceil instead of floor")."""
    __tracebackhide__ = True  # students see their check's message, not the kit's frames
    got, exp = _plain(found), _plain(expected)
    same = got == exp
    if not same and rel_tol and isinstance(got, (int, float)) and isinstance(exp, (int, float)) \
            and not isinstance(got, bool):
        same = abs(got - exp) <= rel_tol * max(abs(exp), 1e-12)
    if same:
        return None
    if got is None:
        raise GradingError(what, _show(exp), "None", "did the function `return` its result?")
    likely = ""
    for value, mistake in (mistakes or {}).items():
        if _same(_plain(value), got, rel_tol or 1e-6):
            likely = f"this is what {mistake} gives"
            break
    raise GradingError(what, _show(exp), _show(got), "; ".join(p for p in (likely, why) if p))


def _likely_array(got, mistakes, atol: float) -> str:
    """"this is what <mistake> gives" for the first of ``mistakes`` (wrong array, mistake) that ``got`` matches."""
    for wrong, mistake in mistakes or ():
        wrong = np.asarray(wrong, dtype=float)
        if wrong.shape == got.shape and np.allclose(got, wrong, atol=atol, rtol=0):
            return f"this is what {mistake} gives"
    return ""


def check_array(found, expected, name: str = "result", atol: float = 1e-6, why: str = "", mistakes=None):
    """``found`` has ``expected``'s shape and values (within ``atol``). A mismatch is summarised — the
    first differing entry and its index, how many entries differ, the largest error — never dumped
    (``conv: expected 19 at [1, 2], got 18 — 1 of 9 entries differ, largest error 1``).
    ``mistakes`` is a list of (wrong array, mistake) pairs: a result equal to one of them is named
    ("this is what padding the channel axis too gives"), shape mismatches included."""
    __tracebackhide__ = True  # students see their check's message, not the kit's frames
    exp = np.asarray(expected, dtype=float)
    if found is None:
        raise GradingError(name, f"an array of shape {exp.shape}", "None", "did the function `return` its result?")
    try:
        got = np.asarray(found, dtype=float)
    except (TypeError, ValueError):
        raise GradingError(name, f"an array of numbers of shape {exp.shape}", type(found).__name__, why) from None
    likely = _likely_array(got, mistakes, atol)
    if got.shape != exp.shape and likely:
        raise GradingError(f"{name} shape", fmt_shape_tuple(exp.shape), fmt_shape_tuple(got.shape),
                           "; ".join(p for p in (likely, why) if p))
    check_output_shape(got, exp.shape, name, why=why)
    bad = ~np.isclose(got, exp, atol=atol, rtol=0, equal_nan=False)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        where = f" at [{', '.join(map(str, idx))}]" if idx else ""
        err = np.abs(np.nan_to_num(got - exp, nan=np.inf))
        detail = f"{int(bad.sum())} of {bad.size} entries differ, largest error {float(err.max()):.3g}"
        raise GradingError(name, f"{exp[idx]:.6g}{where}", f"{got[idx]:.6g}",
                           "; ".join(p for p in (likely, detail, why.rstrip(".")) if p))
    return None


def fmt_shape_tuple(shape) -> str:
    return "(" + ", ".join(str(int(d)) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def _all_layers(model):
    """Every layer inside ``model``: nested models' layers and the sublayers a custom layer tracks
    (a home-made layer wrapping ``DepthwiseConv2D`` is still built from ``DepthwiseConv2D``)."""
    flatten = getattr(model, "_flatten_layers", None)  # Keras 3 layers and models
    if flatten is not None:
        yield from flatten(include_self=not hasattr(model, "layers"), recursive=True)
        return
    for layer in getattr(model, "layers", []):
        yield layer
        if hasattr(layer, "layers") and layer is not model:
            yield from _all_layers(layer)


def check_built_from(model, forbid=(), what: str = "your model", allowed_reason: str = ""):
    """``model`` uses none of the layer classes in ``forbid`` — class names (``"SeparableConv2D"``) or
    module prefixes (``"cnnkit.layers"``, ``"keras.applications"``) — including inside nested models.
    For questions that ask students to build something themselves rather than take the library's."""
    __tracebackhide__ = True  # students see their check's message, not the kit's frames
    for layer in _all_layers(model):
        cls = type(layer)
        module = cls.__module__
        for item in forbid:
            if cls.__name__ == item or module == item or module.startswith(item + ".") \
                    or (item.startswith("keras.") and module.startswith(item.replace("keras.", "keras.src.", 1))):
                raise GradingError(f"{what}: layer '{layer.name}'", "a layer you built yourself",
                                   f"{cls.__name__} from {module}",
                                   allowed_reason or "the question asks you to build this part yourself, "
                                   f"not to use {item}")
    return None


def check_architecture(model, reference):
    """Layer-by-layer comparison with ``reference``; raises with the first mismatch explained."""
    __tracebackhide__ = True  # students see their check's message, not the kit's frames
    from cnnkit.checks.compare import compare_architecture

    compare_architecture(model, reference).assert_ok()


def _as_arrays(dataset):
    if isinstance(dataset, (tuple, list)) and len(dataset) == 2:
        return np.asarray(dataset[0]), np.asarray(dataset[1])
    xs, ys = [], []
    for x, y in dataset:  # a tf.data.Dataset of (images, labels) batches
        xs.append(np.asarray(x))
        ys.append(np.asarray(y))
    return np.concatenate(xs), np.concatenate(ys)


def evaluate_accuracy(model, dataset, batch_size: int = 1000) -> float:
    """Fraction of ``(x, y)`` (integer or one-hot labels) that ``model`` classifies correctly."""
    x, y = _as_arrays(dataset)
    pred = np.asarray(model.predict(x, batch_size=batch_size, verbose=0))
    if y.ndim > 1 and y.shape[-1] > 1:
        y = y.argmax(-1)
    return float(np.mean(pred.argmax(-1) == y.reshape(-1)))


def check_accuracy(model, dataset, threshold: float, name: str = "test accuracy",
                   batch_size: int = 1000) -> float:
    """``model``'s accuracy on ``dataset`` is at least ``threshold``; returns the accuracy.

    A model that :func:`cnnkit.checks.fit_or_load` could not load (no file, wrong architecture)
    fails here with that reason, so only this test scores zero.
    """
    from cnnkit.checks.trained import load_status

    status = load_status(model)
    if status is not None and not status.ok:
        raise GradingError(name, f"at least {threshold:.3f} from your submitted model",
                           "no usable trained model", status.reason)
    acc = evaluate_accuracy(model, dataset, batch_size)
    if acc < threshold:
        hint = ("train for the recommended number of epochs, check that the images are scaled to "
                "[0, 1] the same way in training and testing, and submit the .keras file your "
                "notebook saved")
        if acc < 0.2:
            hint = "this is close to chance (1 in 10): the model looks untrained. " + hint
        raise GradingError(name, f"at least {threshold:.3f}", f"{acc:.3f}", hint)
    return acc


class Check:
    """A learntools-style self-check: ``q.check()``, ``q.hint()``, ``q.solution()``.

    ``test`` is a callable that raises ``AssertionError`` (e.g. a ``GradingError``) when wrong.
    """

    def __init__(self, name: str, test, hint: str = "", solution: str = ""):
        self.name, self._test, self._hint, self._solution = name, test, hint, solution

    def check(self) -> bool:
        try:
            self._test()
        except NotImplementedError:
            print(f"{self.name}: not done yet — replace `raise NotImplementedError()` with your code.")
            return False
        except AssertionError as exc:
            print(f"{self.name}: incorrect.\n{exc}")
            return False
        print(f"{self.name}: correct ✓")
        return True

    def hint(self) -> None:
        print(f"Hint ({self.name}): {self._hint or 'no hint for this one.'}")

    def solution(self) -> None:
        print(f"Solution ({self.name}):\n{self._solution or 'no solution text for this one.'}")

    def __repr__(self) -> str:
        return f"Check({self.name!r})"
