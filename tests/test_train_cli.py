"""``cnnkit train MODEL``: the registry + the demo's steps, on scikit-learn's digits (8x8, fast)."""

import json

import pytest

from cnnkit.cli import main

pytestmark = pytest.mark.slow


def test_train_registered_model_on_digits(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "simplecnn", "--dataset", "digits", "--epochs", "2", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["model"] == "simple_cnn" and metrics["dataset"] == "digits"
    # digits split 1437/360 (cnnkit.data); 10% of the training part is held out for validation.
    assert metrics["train_examples"] + metrics["val_examples"] == 1437 and metrics["n_examples"] == 360
    assert "Total params" in printed and f"test accuracy: {metrics['accuracy']:.4f}" in printed
    assert {p.name for p in out.iterdir()} == {"history.json", "curves.png", "confusion.png", "metrics.json",
                                              "model.keras"}


def test_train_unknown_model_or_dataset(capsys):
    assert main(["train", "ResNet5", "--epochs", "1"]) == 2
    assert "unknown model 'ResNet5'" in capsys.readouterr().err
    assert main(["train", "SimpleCNN", "--dataset", "cifar", "--epochs", "1"]) == 2
    assert "unknown dataset 'cifar'" in capsys.readouterr().err


def test_train_input_too_small_suggests_resizing(tmp_path, capsys):
    # LeNet-5 takes 32x32 inputs (LeCun et al. 1998); the 8x8 digits are too small for it.
    assert main(["train", "LeNet5", "--dataset", "digits", "--epochs", "1", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "LeNet5" in err and "too small" in err and "--image-size" in err
