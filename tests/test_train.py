"""cnnkit.train: seeding, compile/fit on real Fashion-MNIST, JSON history, metrics checked against scikit-learn."""

import json

import numpy as np
import pytest
from sklearn import metrics as skm

import cnnkit.data as cdata
from cnnkit.train import (classification_report, compile_classifier, confusion_matrix, evaluate_classifier,
                          fit, load_history, save_history, set_seed)


def small_cnn(classes=10, activation="softmax"):
    import keras

    return keras.Sequential([
        keras.Input((28, 28, 1)),
        keras.layers.Conv2D(8, 3, activation="relu"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Flatten(),
        keras.layers.Dense(classes, activation=activation),
    ])


@pytest.fixture(scope="module")
def fashion():
    return cdata.load("fashion_mnist", verbose=False)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_metrics_match_scikit_learn(seed):
    rng = np.random.default_rng(seed)
    y_true = rng.integers(0, 5, 300)
    y_pred = np.where(rng.random(300) < 0.6, y_true, rng.integers(0, 4, 300))  # class 4 rarely predicted
    y_pred[y_pred == 4] = 0  # ... and now never: precision 0 by convention (sklearn zero_division=0)
    report = classification_report(y_true, y_pred, ["a", "b", "c", "d", "e"])
    p, r, f, s = skm.precision_recall_fscore_support(y_true, y_pred, labels=range(5), zero_division=0)
    assert np.allclose(report.precision, p) and np.allclose(report.recall, r) and np.allclose(report.f1, f)
    assert report.support.tolist() == s.tolist()
    assert report.accuracy == pytest.approx(skm.accuracy_score(y_true, y_pred))
    assert report.macro_f1 == pytest.approx(skm.f1_score(y_true, y_pred, average="macro", zero_division=0))
    assert np.array_equal(report.confusion_matrix, skm.confusion_matrix(y_true, y_pred, labels=range(5)))
    assert report.precision[4] == 0.0
    text = report.text()
    assert text.splitlines()[0].split() == ["class", "precision", "recall", "f1-score", "support"]
    assert f"accuracy: {report.accuracy:.4f}" in text


def test_confusion_matrix_rejects_out_of_range_labels():
    with pytest.raises(ValueError, match=r"labels/predictions must lie in 0..2; found \[3\]"):
        confusion_matrix([0, 1, 3], [0, 1, 2], 3)


def test_set_seed_makes_initialisation_reproducible():
    set_seed(7)
    a = small_cnn().get_weights()
    set_seed(7)
    b = small_cnn().get_weights()
    assert all(np.array_equal(u, v) for u, v in zip(a, b))


def test_compile_infers_logits_from_the_head():
    assert compile_classifier(small_cnn()).loss.get_config()["from_logits"] is False
    assert compile_classifier(small_cnn(activation=None)).loss.get_config()["from_logits"] is True


def test_history_json_roundtrip_and_bad_file(tmp_path):
    path = save_history({"loss": [np.float32(0.5), 0.25], "accuracy": [0.8, 0.9]}, tmp_path / "h.json")
    assert load_history(path) == {"loss": [0.5, 0.25], "accuracy": [0.8, 0.9]}
    (tmp_path / "bad.json").write_text("[1, 2]")
    with pytest.raises(ValueError, match="bad.json: expected"):
        load_history(tmp_path / "bad.json")


def test_short_real_training_history_metrics_and_plots(fashion, tmp_path):
    from cnnkit.viz import plot_confusion_matrix, plot_history

    (x, y), (xt, yt) = fashion
    set_seed(0)
    model = small_cnn()
    # Batch 16: 125 steps (seeds 0-3 reach 0.69-0.74 on these 2,000 test images).
    history = fit(model, (x[:2000], y[:2000]), val=(x[2000:2500], y[2000:2500]), epochs=1, batch_size=16,
                  history_path=tmp_path / "history.json", verbose=0)
    saved = json.loads((tmp_path / "history.json").read_text())
    assert set(saved) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert saved["loss"] == pytest.approx(history.history["loss"]) and len(saved["loss"]) == 1
    names = cdata.class_names("fashion_mnist")
    report = evaluate_classifier(model, xt[:2000], yt[:2000], names)
    # Cross-check with Keras itself: its evaluate() accuracy on the same (scaled) images.
    _, keras_accuracy = model.evaluate(xt[:2000] / 255.0, yt[:2000], verbose=0)
    assert report.accuracy == pytest.approx(keras_accuracy, abs=1e-6)
    assert report.accuracy > 0.5  # 10 classes: chance is 0.1; one epoch on 2k images learns far more
    assert report.confusion_matrix.sum() == 2000
    assert report.to_dict()["per_class"]["Trouser"]["support"] == int((yt[:2000] == 1).sum())
    plot_history(history, tmp_path / "curves.png")
    plot_confusion_matrix(report.confusion_matrix, names, tmp_path / "confusion.png")
    for png in ("curves.png", "confusion.png"):
        assert (tmp_path / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
