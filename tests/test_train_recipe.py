"""cnnkit.train.recipe: the student's compile survives, the schedule follows its formula, recipes round-trip
through TOML, BN re-estimation matches statistics computed by hand, and a short real run learns."""

import math
import tomllib

import numpy as np
import pytest

import cnnkit.data as cdata
from cnnkit.train import (PreciseBatchNorm, Recipe, fit_with_recipe, recalibrate_batchnorm, recompile_with_recipe,
                          set_seed)


@pytest.fixture(scope="module")
def fashion():
    (x, y), (xt, yt) = cdata.load("fashion_mnist", verbose=False)
    scale = lambda a: a.astype("float32") / 255.0  # noqa: E731
    return (scale(x[:4096]), y[:4096]), (scale(xt[:2000]), yt[:2000])


def student_model(optimizer=None, loss=None, metrics=("accuracy",)):
    import keras

    from cnnkit.models import SimpleCNN

    model = SimpleCNN()
    model.compile(optimizer=optimizer or keras.optimizers.Adam(learning_rate=1e-3),
                  loss=loss or "sparse_categorical_crossentropy", metrics=list(metrics))
    return model


def test_recompile_keeps_optimizer_class_settings_loss_and_metrics():
    import keras

    loss = keras.losses.SparseCategoricalCrossentropy()
    top2 = keras.metrics.SparseTopKCategoricalAccuracy(k=2, name="top2")
    model = student_model(keras.optimizers.Adam(learning_rate=2e-3, beta_1=0.8, clipnorm=1.0), loss,
                          metrics=("accuracy", top2))
    recompile_with_recipe(model, Recipe(steps_per_execution=4, learning_rate_multiplier=4.0), steps=50)
    opt = model.optimizer
    assert type(opt) is keras.optimizers.Adam
    assert (opt.beta_1, opt.clipnorm) == (0.8, 1.0)
    assert opt.use_ema and opt.ema_momentum == 0.99
    assert isinstance(opt._learning_rate, keras.optimizers.schedules.CosineDecay)
    assert opt._learning_rate.warmup_target == pytest.approx(2e-3 * 4)  # the student's 2e-3 × 4, batch 128
    assert model.loss is loss
    metrics = model.get_compile_config()["metrics"]
    assert metrics[0] == "accuracy" and metrics[1]["config"]["name"] == "top2"
    assert model.steps_per_execution == 4

    # A second recipe on the same model scales from the student's rate, not from the first schedule.
    recompile_with_recipe(model, Recipe(learning_rate_multiplier=2.0), steps=50)
    assert model.optimizer._learning_rate.warmup_target == pytest.approx(2e-3 * 2)

    # The student's own schedule: the recipe needs an explicit peak, and says so.
    scheduled = student_model(keras.optimizers.Adam(keras.optimizers.schedules.ExponentialDecay(1e-3, 100, 0.9)))
    with pytest.raises(ValueError, match="already has a learning-rate schedule.*peak_learning_rate"):
        recompile_with_recipe(scheduled, Recipe(), steps=10)
    recompile_with_recipe(scheduled, Recipe(peak_learning_rate=5e-3), steps=10)
    assert scheduled.optimizer._learning_rate.warmup_target == 5e-3

    sgd = student_model(keras.optimizers.SGD(learning_rate=0.05, momentum=0.9, nesterov=True))
    recompile_with_recipe(sgd, Recipe(ema_momentum=0.0), steps=10)
    assert type(sgd.optimizer) is keras.optimizers.SGD
    assert (sgd.optimizer.momentum, sgd.optimizer.nesterov, sgd.optimizer.use_ema) == (0.9, True, False)


def expected_lr(step, base, multiplier, batch, warmup_epochs, epochs, steps_per_epoch, rule="linear",
                final=0.0, reference=128):
    """The recipe's schedule written out: linear warm-up from 0, then cosine to final × peak."""
    ratio = batch / reference
    peak = base * multiplier * {"linear": ratio, "sqrt": ratio ** 0.5, "none": 1.0}[rule]
    warm = round(warmup_epochs * steps_per_epoch)
    total = epochs * steps_per_epoch
    if step < warm:
        return peak * step / warm
    t = min(step - warm, total - warm) / (total - warm)
    return peak * (final + (1 - final) * 0.5 * (1 + math.cos(math.pi * t)))


@pytest.mark.parametrize("rule,final", [("linear", 0.0), ("sqrt", 0.1), ("none", 0.0)])
def test_schedule_warms_up_then_decays(rule, final):
    import keras

    recipe = Recipe(batch_size=256, epochs=4, learning_rate_multiplier=3.0, warmup_epochs=0.5,
                    scaling_rule=rule, final_learning_rate_fraction=final)
    schedule = recipe.schedule_for(1e-3, steps_per_epoch=100)
    values = {s: float(keras.ops.convert_to_numpy(schedule(s))) for s in (0, 10, 49, 50, 51, 120, 225, 399, 400, 5000)}
    for step, value in values.items():
        assert value == pytest.approx(expected_lr(step, 1e-3, 3.0, 256, 0.5, 4, 100, rule, final), rel=1e-5, abs=1e-9)
    assert values[0] == 0 and values[10] < values[49] < values[50]             # warm-up rises
    assert values[50] > values[120] > values[225] > values[399]                # then decays
    assert values[400] == pytest.approx(values[5000])                          # and stays at the floor


def test_constant_schedule_and_explicit_peak():
    import keras

    schedule = Recipe(schedule="constant", peak_learning_rate=0.01, warmup_epochs=1.0).schedule_for(1e-3, 20)
    values = [float(keras.ops.convert_to_numpy(schedule(s))) for s in (0, 10, 20, 60, 99)]
    assert values == pytest.approx([0.0, 0.005, 0.01, 0.01, 0.01])
    # No warm-up: the decay starts at the peak on step 0.
    schedule = Recipe(warmup_epochs=0, epochs=2, learning_rate_multiplier=4.0).schedule_for(1e-3, 50)
    for step in (0, 1, 50, 99, 100):
        assert float(keras.ops.convert_to_numpy(schedule(step))) == pytest.approx(
            expected_lr(step, 1e-3, 4.0, 128, 0, 2, 50), rel=1e-5, abs=1e-9)


def toml_text(table: dict) -> str:
    """A minimal TOML writer for flat tables of str/bool/int/float (tomllib only reads)."""
    def value(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        return f'"{v}"' if isinstance(v, str) else repr(v)
    return "[recipe]\n" + "".join(f"{k} = {value(v)}\n" for k, v in table.items())


@pytest.mark.parametrize("recipe", [Recipe(), Recipe(batch_size=256, epochs=3, peak_learning_rate=4e-3,
                                                     scaling_rule="sqrt", jit_compile=False,
                                                     mixed_precision="off", ema_momentum=0.0)])
def test_recipe_round_trips_through_toml(recipe):
    d = recipe.as_dict()
    assert all(isinstance(v, (int, float, str, bool)) for v in d.values())
    assert Recipe.from_dict(d) == recipe
    assert Recipe.from_dict(tomllib.loads(toml_text(d))["recipe"]) == recipe
    assert Recipe.from_dict({"epochs": 3}) == Recipe(epochs=3)


def test_recipe_rejects_bad_values_with_the_fix():
    with pytest.raises(ValueError, match=r"unknown key\(s\) \['batchsize'\]; valid keys: .*'batch_size'"):
        Recipe.from_dict({"batchsize": 64})
    with pytest.raises(ValueError, match=r"schedule must be one of \('cosine', 'constant'\), got 'step'"):
        Recipe(schedule="step")
    with pytest.raises(ValueError, match=r"warmup_epochs must be in \[0, epochs=2\), got 2"):
        Recipe(epochs=2, warmup_epochs=2)
    with pytest.raises(ValueError, match="batch_size must be a positive int, got 12.5"):
        Recipe(batch_size=12.5)


def test_fit_with_recipe_needs_a_compiled_model_and_arrays(fashion):
    from cnnkit.models import SimpleCNN

    (x, y), _ = fashion
    with pytest.raises(ValueError, match="compile the model first"):
        fit_with_recipe(SimpleCNN(), x[:64], y[:64])
    with pytest.raises(TypeError, match="in-memory arrays .* use cnnkit.train.fit"):
        fit_with_recipe(student_model(), [x[0]], [y[0]])


def bn_statistics(model, layer_name, x):
    """Mean and (biased) variance per channel of the BN layer's input over x, by hand."""
    import keras

    conv = keras.Model(model.input, model.get_layer(layer_name).input)
    a = keras.ops.convert_to_numpy(conv(x, training=True)).reshape(-1, conv.output.shape[-1]).astype("float64")
    return a.mean(0), a.var(0)


def test_recalibrate_batchnorm_averages_batch_statistics(fashion):
    from cnnkit.models import SimpleCNN

    (x, _), _ = fashion
    model = SimpleCNN()
    x = x[:512]
    # One batch of everything: the statistics of x itself.
    assert recalibrate_batchnorm(model, x, batches=1, batch_size=512, seed=0) == 2
    mean, var = bn_statistics(model, "bn1", x)
    bn1 = model.get_layer("bn1")
    assert np.allclose(bn1.moving_mean.numpy(), mean, atol=1e-5)
    assert np.allclose(bn1.moving_variance.numpy(), var, rtol=2e-3, atol=1e-6)  # float32 moments
    assert bn1.momentum == 0.99  # restored
    # Two batches covering x (the sample is all of it, in order): the average of the halves' statistics.
    recalibrate_batchnorm(model, x, batches=2, batch_size=256, seed=0)
    (m1, v1), (m2, v2) = bn_statistics(model, "bn1", x[:256]), bn_statistics(model, "bn1", x[256:])
    assert np.allclose(bn1.moving_mean.numpy(), (m1 + m2) / 2, atol=1e-5)
    assert np.allclose(bn1.moving_variance.numpy(), (v1 + v2) / 2, rtol=2e-3, atol=1e-6)  # float32 moments


def test_short_recipe_run_learns_and_keeps_the_compile(fashion, tmp_path):
    import keras

    (x, y), (xt, yt) = fashion
    model = student_model()
    seen = []

    class Watch(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append(float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate)))

    recipe = Recipe(epochs=3, batch_size=64, warmup_epochs=0.2, learning_rate_multiplier=4.0)
    history = fit_with_recipe(model, x[:3072], y[:3072], recipe=recipe, validation_split=0.125, verbose=0,
                              seed=0, callbacks=[Watch()])
    loss = history.history["loss"]
    assert loss[2] < loss[1] < loss[0], loss
    assert set(history.history) >= {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert type(model.optimizer) is keras.optimizers.Adam and model.get_compile_config()["loss"] == \
        "sparse_categorical_crossentropy"
    # 2688 training images / 64 = 42 steps per epoch; the rate at each epoch end follows the schedule.
    for epoch, lr in enumerate(seen, start=1):
        assert lr == pytest.approx(expected_lr(42 * epoch, 1e-3, 4.0, 64, 0.2, 3, 42), rel=1e-4, abs=1e-9)
    accuracy = float(np.mean(model.predict(xt, verbose=0).argmax(-1) == yt))
    assert accuracy > 0.7, (loss, accuracy)  # 2.7k images, 3 epochs; chance is 0.10
    # The saved model (what fit_or_load hands in) loads with plain Keras: the schedule is a built-in.
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert type(loaded.optimizer) is keras.optimizers.Adam
    assert np.allclose(loaded.predict(xt[:64], verbose=0), model.predict(xt[:64], verbose=0), atol=1e-6)


def test_same_seed_same_model(fashion):
    (x, y), _ = fashion
    weights = []
    for _ in range(2):
        set_seed(3)  # the initial weights
        model = student_model()
        fit_with_recipe(model, x[:512], y[:512], recipe=Recipe(epochs=1, precise_bn_batches=2), verbose=0, seed=3)
        weights.append(model.get_weights())
    assert all(np.allclose(a, b, atol=1e-6) for a, b in zip(*weights))


def test_mixed_precision_applies_during_training_and_is_undone(fashion):
    import keras

    (x, y), _ = fashion
    model = student_model()
    during = {}

    class Dtypes(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            during.update(conv=self.model.get_layer("conv1").compute_dtype,
                          head=self.model.layers[-1].compute_dtype)

    fit_with_recipe(model, x[:512], y[:512], recipe=Recipe(epochs=1, mixed_precision="mixed_bfloat16",
                                                           precise_bn_batches=1), verbose=0, seed=0,
                    callbacks=[Dtypes()])
    assert during == {"conv": "bfloat16", "head": "float32"}
    assert {layer.compute_dtype for layer in model.layers} == {"float32"}
    assert model.predict(x[:8], verbose=0).dtype == np.float32


def test_precise_batchnorm_callback_refreshes_before_validation(fashion):
    import keras

    (x, y), _ = fashion
    model = student_model()
    calls = []

    class Counting(PreciseBatchNorm):
        def recalibrate(self):
            calls.append("recalibrate")
            super().recalibrate()

    class Order(keras.callbacks.Callback):
        def on_test_begin(self, logs=None):
            calls.append("validate")

    model.fit(x[:512], y[:512], epochs=2, batch_size=128, validation_split=0.25, verbose=0,
              callbacks=[Counting(x[:384], batches=2, seed=0), Order()])
    assert calls == ["recalibrate", "validate"] * 2  # once per epoch, before the validation pass
