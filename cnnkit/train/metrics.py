"""Test-set metrics: accuracy, per-class precision/recall/F1, macro averages and the confusion matrix."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


def confusion_matrix(y_true, y_pred, n_classes: int) -> np.ndarray:
    """``cm[i, j]`` = number of class-``i`` examples predicted as ``j`` (rows true, columns predicted)."""
    y_true = np.asarray(y_true, dtype=np.int64).ravel()
    y_pred = np.asarray(y_pred, dtype=np.int64).ravel()
    if y_true.shape != y_pred.shape:
        raise ValueError(f"{len(y_true)} labels but {len(y_pred)} predictions")
    both = np.concatenate([y_true, y_pred])
    bad = both[(both < 0) | (both >= n_classes)]
    if bad.size:
        raise ValueError(f"labels/predictions must lie in 0..{n_classes - 1}; "
                         f"found {sorted(set(bad.tolist()))[:5]}")
    return np.bincount(n_classes * y_true + y_pred, minlength=n_classes**2).reshape(n_classes, n_classes)


def _ratio(num, den):
    # Classes never predicted (or never present) score 0, as scikit-learn's zero_division=0.
    return np.divide(num, den, out=np.zeros(len(num), dtype=float), where=den > 0)


@dataclass
class ClassificationReport:
    """Everything ``evaluate_classifier`` measures; ``str(report)`` is the printed table."""

    class_names: list[str]
    confusion_matrix: np.ndarray
    precision: np.ndarray = field(init=False)
    recall: np.ndarray = field(init=False)
    f1: np.ndarray = field(init=False)
    support: np.ndarray = field(init=False)
    accuracy: float = field(init=False)

    def __post_init__(self):
        cm = np.asarray(self.confusion_matrix)
        tp = np.diag(cm).astype(float)
        self.support = cm.sum(axis=1)
        self.precision = _ratio(tp, cm.sum(axis=0))
        self.recall = _ratio(tp, self.support)
        self.f1 = _ratio(2 * self.precision * self.recall, self.precision + self.recall)
        self.accuracy = float(tp.sum() / cm.sum()) if cm.sum() else 0.0

    @property
    def macro_precision(self) -> float:
        return float(self.precision.mean())

    @property
    def macro_recall(self) -> float:
        return float(self.recall.mean())

    @property
    def macro_f1(self) -> float:
        return float(self.f1.mean())

    def to_dict(self) -> dict:
        """JSON-ready: accuracy, macro averages, per-class numbers and the confusion matrix."""
        return {
            "accuracy": self.accuracy,
            "n_examples": int(self.support.sum()),
            "macro_avg": {"precision": self.macro_precision, "recall": self.macro_recall, "f1": self.macro_f1},
            "per_class": {
                name: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
                for name, p, r, f, s in zip(self.class_names, self.precision, self.recall, self.f1, self.support)
            },
            "confusion_matrix": np.asarray(self.confusion_matrix).tolist(),
            "class_names": list(self.class_names),
        }

    def text(self) -> str:
        """Per-class table (like scikit-learn's classification_report) with accuracy last."""
        width = max(12, *(len(n) for n in self.class_names))
        lines = [f"{'class':<{width}}  precision  recall  f1-score  support"]
        for name, p, r, f, s in zip(self.class_names, self.precision, self.recall, self.f1, self.support):
            lines.append(f"{name:<{width}}  {p:9.3f}  {r:6.3f}  {f:8.3f}  {s:7d}")
        lines.append(f"{'macro avg':<{width}}  {self.macro_precision:9.3f}  {self.macro_recall:6.3f}  "
                     f"{self.macro_f1:8.3f}  {int(self.support.sum()):7d}")
        correct = int(np.trace(self.confusion_matrix))
        lines.append(f"accuracy: {self.accuracy:.4f} ({correct}/{int(self.support.sum())})")
        return "\n".join(lines)

    __str__ = text


def classification_report(y_true, y_pred, class_names) -> ClassificationReport:
    """Metrics from integer labels and predictions; ``class_names`` may be a list or a class count."""
    names = [str(i) for i in range(class_names)] if isinstance(class_names, int) else list(class_names)
    return ClassificationReport(names, confusion_matrix(y_true, y_pred, len(names)))


def predict_classes(model, x, batch_size: int = 256, image_size=None) -> np.ndarray:
    """Arg-max predictions of ``model`` on images ``x`` (uint8 scaled to 0..1 like in ``fit``)."""
    from cnnkit.data.pipeline import make_dataset

    x = np.asarray(x)
    ds = make_dataset(x, batch_size=batch_size, cache=False, normalize_images=x.dtype == np.uint8,
                      image_size=image_size)
    return np.argmax(model.predict(ds, verbose=0), axis=-1)


def evaluate_classifier(model, x, y, class_names=None, batch_size: int = 256, image_size=None) -> ClassificationReport:
    """Accuracy, per-class precision/recall/F1, macro averages and confusion matrix of ``model`` on ``(x, y)``."""
    if class_names is None:
        class_names = int(model.outputs[0].shape[-1])
    return classification_report(y, predict_classes(model, x, batch_size, image_size), class_names)
