"""ResNet50/101/152(V2) and VGG16/19 against keras.applications (weights=None, include_top=True,
224x224x3, 1000 classes): the same parameter counts and the same layers with the same output
shapes, layer by layer (hence after every stage). Each pair is built once and then released."""

import gc
import math

import pytest

keras = pytest.importorskip("keras")

from cnnkit import models  # noqa: E402

# (cnnkit builder, kwargs, keras.applications builder). VGG's paper dropout is switched off:
# keras.applications leaves it out, and it has no parameters.
PAIRS = {
    "ResNet50": ({}, "ResNet50"),
    "ResNet101": ({}, "ResNet101"),
    "ResNet152": ({}, "ResNet152"),
    "ResNet50V2": ({}, "ResNet50V2"),
    "VGG16": ({"dropout_rate": 0.0}, "VGG16"),
    "VGG19": ({"dropout_rate": 0.0}, "VGG19"),
}


def _counts(model):
    trainable = sum(math.prod(w.shape) for w in model.trainable_weights)
    total = model.count_params()
    return {"total": total, "trainable": trainable, "non_trainable": total - trainable}


def _layer_table(model):
    """(name, class, output shape) of every layer but the input."""
    return [(layer.name, type(layer).__name__, tuple(layer.output.shape)) for layer in model.layers[1:]]


@pytest.fixture(scope="module", params=list(PAIRS))
def pair(request):
    name = request.param
    kwargs, keras_name = PAIRS[name]
    keras.backend.clear_session()
    ours = getattr(models, name)(**kwargs)
    ours_facts = (_counts(ours), _layer_table(ours))
    del ours
    theirs = getattr(keras.applications, keras_name)(weights=None)
    theirs_facts = (_counts(theirs), _layer_table(theirs))
    del theirs
    keras.backend.clear_session()
    gc.collect()
    return name, ours_facts, theirs_facts


def test_parameter_counts_match_keras(pair):
    name, (ours, _), (theirs, _) = pair
    assert ours == theirs, f"{name}: cnnkit {ours} vs keras.applications {theirs}"
    # and the registry's fact, from DESIGN.md's table of keras.applications counts
    assert ours["total"] == models.info(name).facts["params"]


def test_every_layer_matches_keras(pair):
    name, (_, ours), (_, theirs) = pair
    assert len(ours) == len(theirs), f"{name}: {len(ours)} layers vs keras's {len(theirs)}"
    for mine, ref in zip(ours, theirs):
        # keras leaves the V2 strided-identity MaxPooling2D(1) unnamed; cnnkit names it *_0_pool.
        if not (ref[1] == "MaxPooling2D" and ref[0].startswith("max_pooling2d")):
            assert mine[0] == ref[0], f"{name}: layer {mine[0]!r} where keras has {ref[0]!r}"
        assert mine[1:] == ref[1:], f"{name}: {mine[0]} is {mine[1:]}, keras's {ref[0]} is {ref[1:]}"


def test_stage_outputs_match_keras(pair):
    """The output shape after every stage (ResNet: conv1..conv5; VGG: block1..block5 pools)."""
    name, (_, ours), (_, theirs) = pair
    stage_ends = {ref[0] for ref in theirs
                  if ref[0].endswith("_pool") or (ref[0].startswith("conv") and ref[0].endswith("_out"))}
    shapes = {n: s for n, _, s in ours}
    assert stage_ends, name
    for ref_name, _, ref_shape in theirs:
        if ref_name in stage_ends:
            assert shapes[ref_name] == ref_shape, f"{name}: {ref_name} {shapes[ref_name]} vs {ref_shape}"
