"""The referee's weights digest read straight from a ``.keras`` file: the loaded model's digest, without
building the model; a file measured once is answered from memory, only when weights and architecture match."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from cnnkit.grading.referee.measure import Measurer, file_digest, weights_digest

FIXTURES = Path(__file__).parent / "fixtures"
HONEST = FIXTURES / "models" / "honest-fixture-model.keras"
REFERENCE = FIXTURES / "course" / "solutions" / "fixture-model" / "instructor" / "calibration" / "seed0.keras"
CHECK = {"dataset": "digits", "split": "test", "preprocess": "scale01", "image_size": None, "resize": "pad",
         "classes": None, "threshold": 0.5}


def _load(path):
    import keras

    return keras.saving.load_model(path, compile=False, safe_mode=True)


@pytest.mark.slow
def test_the_file_digest_is_the_loaded_models_and_ignores_names_and_the_optimizer(tmp_path):
    import keras

    for path in sorted(FIXTURES.rglob("*.keras")):
        assert file_digest(path)[0] == weights_digest(_load(path)), path
    # a compiled, trained model keeps its optimizer's state in the file: not part of the digest
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3), keras.layers.BatchNormalization(),
                              keras.layers.Dropout(0.5), keras.layers.Dense(2)])
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(np.ones((8, 4)), np.zeros(8), epochs=1, verbose=0)
    model.save(tmp_path / "trained.keras")
    digest, architecture = file_digest(tmp_path / "trained.keras")
    assert digest == weights_digest(model)
    # the same weights under other layer names, without the optimizer: the same digest, another architecture
    twin = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, name="a"), keras.layers.BatchNormalization(name="b"),
                             keras.layers.Dropout(0.5, name="c"), keras.layers.Dense(2, name="d")])
    twin.set_weights(model.get_weights())
    twin.save(tmp_path / "twin.keras")
    assert file_digest(tmp_path / "twin.keras")[0] == digest
    assert file_digest(tmp_path / "twin.keras")[1] != architecture
    weights = model.get_weights()
    weights[0][0, 0] += 1e-3
    twin.set_weights(weights)
    twin.save(tmp_path / "nudged.keras")
    assert file_digest(tmp_path / "nudged.keras")[0] != digest
    # not a .keras file, or a zip bomb: None, and the caller loads it, which says what is wrong
    (tmp_path / "junk.keras").write_bytes(b"not a zip")
    assert file_digest(tmp_path / "junk.keras") is None
    import zipfile

    with zipfile.ZipFile(tmp_path / "trained.keras") as good, \
            zipfile.ZipFile(tmp_path / "bomb.keras", "w", zipfile.ZIP_DEFLATED) as bomb:
        bomb.writestr("config.json", b" " * (80 * 2**20))  # 80 MB of spaces pack into a few kB
        bomb.writestr("model.weights.h5", good.read("model.weights.h5"))
    assert file_digest(tmp_path / "bomb.keras") is None


@pytest.mark.slow
def test_a_file_measured_before_is_answered_without_loading_it_again(tmp_path):
    import keras

    measurer = Measurer()
    loads = []
    real = measurer._load
    measurer._load = lambda path: loads.append(Path(path).name) or real(path)
    shutil.copy(HONEST, tmp_path / "ada.keras")
    shutil.copy(HONEST, tmp_path / "bob.keras")
    first = measurer.handle({"kind": "measure", "model": str(tmp_path / "ada.keras"), "reference": str(REFERENCE),
                             **CHECK})
    assert first["ok"] and first["loaded"] and not first.get("cached"), first
    again = measurer.handle({"kind": "measure", "model": str(tmp_path / "bob.keras"), "reference": str(REFERENCE),
                             **CHECK})
    assert again["cached"] and again["accuracy"] == first["accuracy"] and again["digest"] == first["digest"]
    assert loads == ["ada.keras", REFERENCE.name]  # bob's file was never loaded
    # the same weights in another architecture (a different activation) is measured anew
    model = _load(HONEST)
    config = model.get_config()
    dense = [layer for layer in config["layers"] if layer["class_name"] == "Dense"][0]
    dense["config"]["activation"] = "tanh" if dense["config"]["activation"] != "tanh" else "relu"
    other = keras.Sequential.from_config(config)
    other.set_weights(model.get_weights())
    other.save(tmp_path / "eve.keras")
    third = measurer.handle({"kind": "measure", "model": str(tmp_path / "eve.keras"), **CHECK})
    assert not third.get("cached") and third["digest"] == first["digest"]
    assert loads[-1] == "eve.keras"


@pytest.mark.slow
def test_the_referees_predict_is_kerass_for_every_output_structure():
    import keras

    from cnnkit.grading.referee.measure import _predict

    inputs = keras.Input((4,))
    main, aux = keras.layers.Dense(3, activation="softmax")(inputs), keras.layers.Dense(2)(inputs)
    x = np.random.default_rng(0).random((2500, 4), dtype=np.float32)  # the last batch is short: padded, cut
    for outputs in (main, [main, aux], {"main": main, "aux": aux}):
        model = keras.Model(inputs, outputs)
        got, want = _predict(model, x, 1000), model.predict(x, batch_size=1000, verbose=0)
        assert keras.tree.flatten(keras.tree.map_structure(
            lambda g, w: g.shape == w.shape and np.allclose(g, w, atol=1e-6), got, want)) == \
            [True] * len(keras.tree.flatten(want))
