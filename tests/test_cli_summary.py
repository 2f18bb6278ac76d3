"""``cnnkit summary``: a saved .keras file, a registered name, and the errors a user can meet."""

import argparse
import importlib
from pathlib import Path

import pytest

keras = pytest.importorskip("keras")

from cnnkit.cli import summary as summary_cli  # noqa: E402

layers = keras.layers
SIMPLE = Path(__file__).resolve().parents[1] / "cnnkit" / "models" / "simple.py"


def run_summary(argv, capsys):
    """Parse ``cnnkit summary ...`` with the command's own parser and run it."""
    parser = argparse.ArgumentParser(prog="cnnkit")
    summary_cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["summary", *argv])
    code = args.func(args)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def saved_model(tmp_path_factory):
    inputs = keras.Input((None, None, 1))
    x = layers.Conv2D(4, 3, padding="same", name="conv")(inputs)
    x = layers.MaxPooling2D(name="pool")(x)
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    model = keras.Model(inputs, layers.Dense(3, name="fc")(x), name="tiny")
    path = tmp_path_factory.mktemp("models") / "tiny.keras"
    model.save(path)
    return path, model.count_params()


def test_saved_keras_file(saved_model, capsys):
    path, params = saved_model
    code, out, _ = run_summary([str(path), "--input-shape", "12,12,1"], capsys)
    assert code == 0
    assert 'Model: "tiny"' in out and f"Total params: {params:,}" in out
    assert "conv (Conv2D)" in out and "12x12x4" in out and "6x6x4" in out  # ⌊(12 − 2)/2⌋ + 1 = 6
    # conv: 12·12·4 outputs · 3·3·1 MACs, fc: 4·3.
    assert f"MACs per image: {12 * 12 * 4 * 9 + 4 * 3:,}" in out


def test_formats(saved_model, capsys):
    path, _ = saved_model
    code, md, _ = run_summary([str(path), "--input-shape", "8,8,1", "--format", "markdown"], capsys)
    assert code == 0 and md.startswith("| Layer (type) |")
    code, html, _ = run_summary([str(path), "--input-shape", "8,8,1", "--format", "html"], capsys)
    assert code == 0 and "<table>" in html


def test_missing_file_is_a_clear_error(tmp_path, capsys):
    code, out, err = run_summary([str(tmp_path / "nope.keras")], capsys)
    assert code == 2 and out == ""
    assert "no model file" in err and "nope.keras" in err


def test_unknown_name_lists_close_matches(capsys):
    code, _, err = run_summary(["ResNet5"], capsys)
    assert code == 2
    assert "unknown model 'ResNet5'" in err and "Did you mean" in err and "ResNet50" in err


def test_bad_input_shape_is_rejected(capsys):
    with pytest.raises(SystemExit) as exc:
        run_summary(["SimpleCNN", "--input-shape", "32,32"], capsys)
    assert exc.value.code == 2
    assert "H,W,C" in capsys.readouterr().err


@pytest.mark.skipif(not SIMPLE.exists(), reason="cnnkit/models/simple.py (SimpleCNN) is not written yet")
def test_registered_simple_cnn(capsys):
    code, out, _ = run_summary(["simplecnn"], capsys)
    assert code == 0
    assert "Total params: 29,130" in out  # seed 001 / DESIGN.md
    assert "28x28x16" in out and "7x7x32" in out
    code, out, _ = run_summary(["SimpleCNN", "--input-shape", "32,32,3", "--classes", "5"], capsys)
    # Seed 001's net on 32x32x3 with 5 classes: the flattened 8·8·32 feeds FC 5.
    assert code == 0 and "8x8x32" in out and f"{8 * 8 * 32 * 5 + 5:,}" in out


def test_through_the_cnnkit_command(saved_model, capsys):
    from cnnkit import cli

    missing = []
    for name in cli._COMMANDS:
        try:
            importlib.import_module(f"cnnkit.cli.{name}")
        except ModuleNotFoundError:
            missing.append(name)
    if missing:
        pytest.skip(f"the cnnkit command needs cnnkit/cli/{{{','.join(missing)}}}.py, not written yet")
    path, params = saved_model
    assert cli.main(["summary", str(path), "--input-shape", "10,10,1"]) == 0
    assert f"Total params: {params:,}" in capsys.readouterr().out
