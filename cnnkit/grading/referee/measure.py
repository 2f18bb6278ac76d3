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
import zipfile
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

__all__ = ["Measurer", "file_digest", "weights_digest"]

#: where a ``.keras`` file keeps its weights, and its architecture
_WEIGHTS, _CONFIG = "model.weights.h5", "config.json"
#: a member unpacking past this, and to far more than it stores, may be a zip bomb: Keras's loader refuses it
_UNPACKED_FLOOR, _EXPANSION = 64 * 2**20, 20


def _digest_of(arrays) -> str:
    """SHA-256 over the sorted hashes of the arrays (dtype, shape, values): the same for the same weights
    whatever the layers are called or in which order a file lists them."""
    each = []
    for w in arrays:
        a = np.ascontiguousarray(w)
        each.append(hashlib.sha256(str((a.dtype.str, a.shape)).encode() + a.tobytes()).hexdigest())
    return hashlib.sha256("".join(sorted(each)).encode()).hexdigest()


def weights_digest(model) -> str:
    """The digest of a loaded model's weights: equal for the same trained weights, whatever zip timestamps,
    file or layer names a ``.keras`` file carries."""
    return _digest_of(model.get_weights())


def file_digest(path) -> tuple[str, str] | None:
    """(weights digest, architecture hash) read straight from a ``.keras`` file, without building the model
    (building GoogLeNet takes a second); ``weights_digest`` of the loaded model gives the same digest.
    None when the file does not keep its weights that way (the caller loads the model instead)."""
    import h5py

    try:
        with zipfile.ZipFile(path) as archive:
            for member in (_CONFIG, _WEIGHTS):
                info = archive.getinfo(member)
                if info.file_size > max(_UNPACKED_FLOOR, _EXPANSION * info.compress_size):
                    return None
            config = hashlib.sha256(archive.read(_CONFIG)).hexdigest()
            arrays = []
            with archive.open(_WEIGHTS) as raw, h5py.File(raw, "r") as weights:
                def visit(name, item):
                    # the optimizer's state is not the trained model; everything else (layers, the
                    # model's own variables) is
                    if isinstance(item, h5py.Dataset) and not name.startswith("optimizer/"):
                        arrays.append(item[()])

                weights.visititems(visit)
    except Exception:  # not a zip, no weights file, not HDF5: loading the model says what is wrong
        return None
    return _digest_of(arrays), config


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
        found = file_digest(request["model"])
        if found is not None:
            return {"ok": True, "digest": found[0]}
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
        found = file_digest(request["model"])
        if found is not None:  # the same weights and architecture measured already: no need to load it
            cached = self._verdicts.get(self._key(request, *found))
            if cached is not None:
                return {**cached, "cached": True}
        try:
            model = self._load(request["model"])
        except Exception as exc:
            first = str(exc).strip().splitlines()[0][:240] if str(exc).strip() else ""
            return {"ok": False, "loaded": False, "message": (
                f"'{name}' could not be loaded safely ({type(exc).__name__}: {first}) — save it again with "
                f"model.save('{name}') from the notebook; files holding Lambda layers or classes other than "
                "Keras's and cnnkit's are refused")}
        digest, config = found or (weights_digest(model), _architecture(model))
        key = self._key(request, digest, config)
        cached = self._verdicts.get(key)
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
                return self._remember(key, verdict)
        verdict["architecture"] = True
        x, y = self._dataset(request)
        try:
            outputs = _predict(model, x, int(request.get("batch_size", 1000)))
        except Exception as exc:
            verdict.update(ok=False, message=f"'{name}' could not be run on the held-out images "
                                             f"({type(exc).__name__}: {str(exc)[:200]})")
            return self._remember(key, verdict)
        if isinstance(outputs, (list, tuple)):
            outputs = outputs[int(request.get("output", 0))]
        elif isinstance(outputs, dict):
            outputs = list(outputs.values())[int(request.get("output", 0))]
        outputs = np.asarray(outputs)
        if not np.all(np.isfinite(outputs)):
            verdict.update(ok=False, accuracy=0.0, message=(
                f"'{name}' predicts NaN or infinite values on the held-out images: training diverged — lower "
                "the learning rate, retrain and hand in the new file"))
            return self._remember(key, verdict)
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
        return self._remember(key, verdict)

    @staticmethod
    def _key(request: dict, digest: str, architecture: str) -> tuple:
        """What a verdict depends on: the weights, the architecture, the reference, the pass mark, the data."""
        return (digest, architecture, request.get("reference"), request.get("threshold"), request.get("dataset"),
                request.get("split"), tuple(request.get("classes") or ()))

    def _remember(self, key: tuple, verdict: dict) -> dict:
        self._verdicts[key] = verdict
        return verdict


def _predict(model, x, batch_size: int):
    """``model.predict`` without its ``tf.data`` pipeline, batch by batch: the same outputs, and on 2 cores
    it kept both busy where ``predict`` now and then ran on one (ResNet-14 on 10,000 images: 5 s, not 10)."""
    import keras

    parts = []
    for start in range(0, len(x), batch_size):
        batch = x[start:start + batch_size]
        short = batch_size - len(batch) if len(x) > batch_size else 0
        if short:  # the last batch padded to the others' size: one traced function serves every batch
            batch = np.concatenate([batch, np.zeros((short, *batch.shape[1:]), batch.dtype)])
        out = model.predict_on_batch(batch)
        parts.append(keras.tree.map_structure(lambda o: np.asarray(o)[:len(o) - short], out))
    return keras.tree.map_structure(lambda *batches: np.concatenate(batches), *parts)


def _architecture(model) -> str:
    import json

    return hashlib.sha256(json.dumps(model.get_config(), sort_keys=True, default=str).encode()).hexdigest()
