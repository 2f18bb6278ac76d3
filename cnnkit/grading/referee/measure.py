"""What the referee does with one model file: load it safely, compare it with the reference, measure it.

Runs in the referee process (sandboxed, no student code): ``safe_mode`` refuses Lambda layers and
any class that is neither Keras's nor cnnkit's, so loading a file never runs code from it. TensorFlow,
the datasets and the reference models are loaded once and kept; a file whose weights were already
measured (the same model handed in twice) is answered from memory.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

__all__ = ["Measurer", "weights_digest"]


def weights_digest(model) -> str:
    """SHA-256 over every weight array (shapes and values): equal for the same trained weights,
    whatever zip timestamps or file names a ``.keras`` file carries."""
    h = hashlib.sha256()
    for w in model.get_weights():
        a = np.ascontiguousarray(w)
        h.update(str((a.dtype.str, a.shape)).encode())
        h.update(a.tobytes())
    return h.hexdigest()


class Measurer:
    """Answers referee requests (dicts) with verdicts (dicts); keeps data and references in memory."""

    def __init__(self):
        self._data: dict = {}
        self._references: dict = {}
        self._verdicts: dict = {}

    def handle(self, request: dict) -> dict:
        kind = request.get("kind", "measure")
        if kind == "ping":
            return {"ok": True}
        if kind == "digest":
            return self._digest(request)
        if kind == "prepare":
            return self._prepare(request)
        if kind != "measure":
            return {"ok": False, "message": f"unknown request kind {kind!r}"}
        start = time.monotonic()
        verdict = self._measure(request)
        verdict["seconds"] = round(time.monotonic() - start, 3)
        return verdict

    @staticmethod
    def _start_keras():
        import sys

        if "tensorflow" not in sys.modules:  # the referee process: start TensorFlow without its C++ chatter
            from cnnkit.quiet import quiet_tensorflow

            quiet_tensorflow()
        import keras

        import cnnkit.layers  # noqa: F401 — registers cnnkit's serializable layers

        return keras

    def _load(self, path: str):
        return self._start_keras().saving.load_model(path, compile=False, safe_mode=True)

    def _digest(self, request: dict) -> dict:
        try:
            return {"ok": True, "digest": weights_digest(self._load(request["model"]))}
        except Exception as exc:
            return {"ok": False, "message": f"{type(exc).__name__}: {str(exc)[:300]}"}

    def _prepare(self, request: dict) -> dict:
        """Start TensorFlow and load the held-out data of ``request["checks"]`` (each a measure request's
        dataset fields) before the first model arrives, so no submission waits for them."""
        try:
            self._start_keras()
            for check in request.get("checks", []):
                self._dataset(check)
        except Exception as exc:  # measuring reports it again, for the submission it concerns
            return {"ok": False, "message": f"{type(exc).__name__}: {str(exc)[:300]}"}
        return {"ok": True}

    def _dataset(self, request: dict):
        from cnnkit.data import load
        from cnnkit.data.transforms import prepare

        key = (request["dataset"], request.get("split", "test"), request.get("preprocess", "scale01"),
               request.get("image_size"), request.get("resize", "pad"), tuple(request.get("classes") or ()))
        if key not in self._data:
            train, test = load(request["dataset"], verbose=False)
            x, y = test if key[1] == "test" else train
            self._data[key] = prepare(x, y, preprocess=key[2], image_size=key[3], resize_mode=key[4],
                                      classes=list(key[5]) or None)
        return self._data[key]

    def _reference(self, path: str):
        if path not in self._references:
            self._references[path] = self._load(path)
        return self._references[path]

    def _measure(self, request: dict) -> dict:
        from cnnkit.checks.compare import compare_architecture

        name = request.get("name") or os.path.basename(request["model"])
        try:
            model = self._load(request["model"])
        except Exception as exc:
            first = str(exc).strip().splitlines()[0][:240] if str(exc).strip() else ""
            return {"ok": False, "loaded": False, "message": (
                f"'{name}' could not be loaded safely ({type(exc).__name__}: {first}) — save it again with "
                f"model.save('{name}') from the notebook; files holding Lambda layers or classes other than "
                "Keras's and cnnkit's are refused")}
        digest = weights_digest(model)
        cached = self._verdicts.get((digest, request.get("reference"), request.get("threshold"),
                                     request.get("dataset"), request.get("split"), tuple(request.get("classes") or ())))
        if cached is not None:
            return {**cached, "cached": True}
        verdict = {"loaded": True, "digest": digest, "params": int(model.count_params())}
        if request.get("reference"):
            try:
                report = compare_architecture(model, self._reference(request["reference"]))
                same, detail = report.ok, report.message
            except Exception as exc:
                same, detail = False, f"{type(exc).__name__}: {exc}"
            if not same:
                verdict.update(ok=False, architecture=False, message=(
                    f"'{name}' does not have the architecture the assignment asks for — {detail}. Train the "
                    "network the notebook builds and hand in the file its training cell saves"))
                return self._remember(request, digest, verdict)
        verdict["architecture"] = True
        x, y = self._dataset(request)
        try:
            outputs = model.predict(x, batch_size=int(request.get("batch_size", 1000)), verbose=0)
        except Exception as exc:
            verdict.update(ok=False, message=f"'{name}' could not be run on the held-out images "
                                             f"({type(exc).__name__}: {str(exc)[:200]})")
            return self._remember(request, digest, verdict)
        if isinstance(outputs, (list, tuple)):
            outputs = outputs[int(request.get("output", 0))]
        elif isinstance(outputs, dict):
            outputs = list(outputs.values())[int(request.get("output", 0))]
        outputs = np.asarray(outputs)
        if not np.all(np.isfinite(outputs)):
            verdict.update(ok=False, accuracy=0.0, message=(
                f"'{name}' predicts NaN or infinite values on the held-out images: training diverged — lower "
                "the learning rate, retrain and hand in the new file"))
            return self._remember(request, digest, verdict)
        accuracy = float(np.mean(outputs.argmax(-1) == np.asarray(y).reshape(-1)))
        threshold = float(request["threshold"])
        verdict.update(accuracy=accuracy, ok=accuracy >= threshold, threshold=threshold, images=int(len(y)))
        where = f"{len(y):,} held-out {request['dataset']} images"
        if accuracy >= threshold:
            verdict["message"] = f"'{name}': accuracy {accuracy:.4f} on {where}, at least the pass mark {threshold:.3f}"
        else:
            hint = ("train for the recipe's epochs, scale the images the same way in training and testing, "
                    "and hand in the file the training cell saved")
            if accuracy < 1.5 / max(2, int(outputs.shape[-1])):
                hint = "that is about chance level: the model looks untrained. " + hint
            verdict["message"] = (f"'{name}': accuracy {accuracy:.4f} on {where}, below the pass mark "
                                  f"{threshold:.3f} — {hint}")
        return self._remember(request, digest, verdict)

    def _remember(self, request: dict, digest: str, verdict: dict) -> dict:
        self._verdicts[(digest, request.get("reference"), request.get("threshold"), request.get("dataset"),
                        request.get("split"), tuple(request.get("classes") or ()))] = verdict
        return verdict
