"""``cnnkit demo`` end to end on real Fashion-MNIST (small: 1 epoch, 8,000 training images, batch 16).

Batch 16 gives 450 steps, enough for BatchNormalization's moving statistics (momentum 0.99) to
settle (seeds 0-2 reach 0.77-0.80); with a dozen steps the test-time accuracy is near chance.
"""

import json

import numpy as np
import pytest

from cnnkit.cli import main

pytestmark = pytest.mark.slow


def test_demo_end_to_end(tmp_path, capsys):
    import keras

    import cnnkit.data as cdata

    out = tmp_path / "demo"
    assert main(["demo", "--epochs", "1", "--train-subset", "8000", "--batch-size", "16", "--out", str(out),
                 "--skip-grading"]) == 0
    printed = capsys.readouterr().out
    # The analysis table of the seed-001 network: 29,130 parameters (seed 001, DESIGN.md).
    assert "Total params: 29,130" in printed and "conv2 (Conv2D)" in printed
    assert "7200 train / 800 validation / 10000 test images" in printed
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["params"] == 29_130 and metrics["dataset"] == "fashion_mnist"
    assert f"test accuracy: {metrics['accuracy']:.4f}" in printed
    assert metrics["n_examples"] == 10_000 and sum(map(sum, metrics["confusion_matrix"])) == 10_000
    history = json.loads((out / "history.json").read_text())
    assert len(history["loss"]) == 1 and "val_accuracy" in history
    for png in ("curves.png", "confusion.png"):
        assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # The saved model is real: Keras reloads it and its own evaluate() gives the reported accuracy.
    model = keras.saving.load_model(out / "model.keras")
    _, (x_test, y_test) = cdata.load("fashion_mnist", verbose=False)
    _, accuracy = model.evaluate(x_test / np.float32(255), y_test, batch_size=500, verbose=0)
    assert accuracy == pytest.approx(metrics["accuracy"], abs=1e-4)
    assert metrics["accuracy"] > 0.5  # chance is 0.1
    assert str(out / "model.keras") in printed


def test_demo_steps_are_extendable():
    from cnnkit.train.demo import DEMO_STEPS
    from cnnkit.train.run import Step

    assert all(isinstance(step, Step) for step in DEMO_STEPS)
    assert [step.func.__name__ for step in DEMO_STEPS] == [
        "load_data", "build_simple_cnn", "print_summary", "train", "evaluate", "save"]
