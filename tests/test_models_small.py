"""SimpleCNN, LeNet-5, AlexNet, VGG, ResNet-18/34, the CIFAR ResNets and Wide ResNets against
the numbers their sources publish, and on the small inputs the notebooks train with."""

import math

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from cnnkit import models  # noqa: E402
from cnnkit.models.resnet import ResNet  # noqa: E402
from cnnkit.models.vgg import VGG  # noqa: E402


def trainable(model):
    return sum(math.prod(w.shape) for w in model.trainable_weights)


def shapes(model, *names):
    return [tuple(model.get_layer(n).output.shape[1:]) for n in names]


def test_simple_cnn_is_the_seed_001_network():
    model = models.SimpleCNN()
    # Seed 001 / DESIGN.md: 29,130 = conv1 416 + bn1 64 + conv2 12,832 + bn2 128 + fc 15,690.
    assert model.count_params() == 29_130
    # Seed 001's worked sizes: 28x28x16 → 14x14x16 → 14x14x32 → 7x7x32 → 10.
    assert shapes(model, "conv1", "pool1", "conv2", "pool2", "predictions") == [
        (28, 28, 16), (14, 14, 16), (14, 14, 32), (7, 7, 32), (10,)]
    assert [layer.name for layer in model.layers[1:5]] == ["conv1", "bn1", "relu1", "pool1"]


def test_lenet5_is_table_14_1():
    model = models.LeNet5()
    # Seed 002, Table 14-1: C1 28x28x6, S2 14x14x6, C3 10x10x16, S4 5x5x16, C5 1x1x120, F6 84, out 10.
    assert shapes(model, "c1", "s2", "c3", "s4", "c5", "f6", "predictions") == [
        (28, 28, 6), (14, 14, 6), (10, 10, 16), (5, 5, 16), (1, 1, 120), (84,), (10,)]
    # Classic LeNet-5 total with C3 fully connected (LeCun et al. 1998 with a full C3 table):
    # 156 + 2,416 + 48,120 + 10,164 + 850 = 61,706.
    assert model.count_params() == 61_706 == models.info("LeNet5").facts["params"]
    assert model.get_layer("c1").get_config()["activation"] == "tanh"


def test_lenet5_pads_mnist_digits_to_32():
    model = models.LeNet5(input_shape=(28, 28, 1), input_padding=2)
    assert model.count_params() == 61_706
    with pytest.raises(ValueError, match="at least 32x32"):
        models.LeNet5(input_shape=(28, 28, 1))


def test_alexnet_follows_table_14_2():
    model = models.AlexNet()
    # Seed 002, Table 14-2: C1 55x55x96, S2 27, C3 27x27x256, S4 13, C5-C7 13x13 (384, 384, 256);
    # the paper's third max-pool gives 6x6x256 before F8.
    assert shapes(model, "conv1", "pool1", "conv2", "pool2", "conv3", "conv4", "conv5", "pool5") == [
        (55, 55, 96), (27, 27, 96), (27, 27, 256), (13, 13, 256), (13, 13, 384), (13, 13, 384),
        (13, 13, 256), (6, 6, 256)]
    # From the table's maps and kernels (weights + biases):
    # C1 11·11·3·96+96 = 34,944; C3 5·5·96·256+256 = 614,656; C5 3·3·256·384+384 = 885,120;
    # C6 3·3·384·384+384 = 1,327,488; C7 3·3·384·256+256 = 884,992; F8 6·6·256·4096+4096 =
    # 37,752,832; F9 4096·4096+4096 = 16,781,312; Out 4096·1000+1000 = 4,097,000.
    assert model.count_params() == 62_378_344 == models.info("AlexNet").facts["params"]
    assert [type(model.get_layer(n)).__name__ for n in ("lrn1", "lrn2")] == ["LocalResponseNormalization"] * 2


@pytest.mark.parametrize("name,millions", [("VGG11", 133), ("VGG13", 133)])
def test_vgg_a_and_b_match_paper_table_2(name, millions):
    """Simonyan & Zisserman, Table 2: A 133M, B 133M parameters (D 138, E 144 are checked against keras)."""
    model = getattr(models, name)()
    assert round(model.count_params() / 1e6) == millions
    keras.backend.clear_session()


def test_vgg_batch_norm_drops_conv_bias():
    plain = models.VGG11(input_shape=(32, 32, 3), classes=10)
    bn = models.VGG11(input_shape=(32, 32, 3), classes=10, batch_norm=True)
    convs = [64, 128, 256, 256, 512, 512, 512, 512]
    # each conv loses its F biases and gains BN's 4F (γ, β trainable; mean, variance not)
    assert bn.count_params() - plain.count_params() == sum(3 * f for f in convs)


@pytest.mark.parametrize("name,expected", [("ResNet18", 11_689_512), ("ResNet34", 21_797_672)])
def test_basic_resnets_match_torchvision(name, expected):
    """torchvision's published resnet18/resnet34 counts (no conv bias, BN γ/β trainable)."""
    model = getattr(models, name)()
    assert trainable(model) == expected == models.info(name).facts["trainable_params"]
    assert tuple(model.get_layer("conv5_block2_out").output.shape[1:]) == (7, 7, 512)
    keras.backend.clear_session()


# He et al. 2015, Table 6 (CIFAR-10, option A): parameters as printed, with their precision.
@pytest.mark.parametrize("depth,reported,unit", [(20, 0.27, 0.01), (32, 0.46, 0.01), (44, 0.66, 0.01),
                                                 (56, 0.85, 0.01), (110, 1.7, 0.1)])
def test_cifar_resnets_match_table_6(depth, reported, unit):
    model = models.ResNetCIFAR(depth, shortcut="A")
    assert abs(trainable(model) / 1e6 - reported) <= unit / 2
    assert shapes(model, "conv2_block1_out", "conv3_block1_out", "conv4_block1_out") == [
        (32, 32, 16), (16, 16, 32), (8, 8, 64)]
    keras.backend.clear_session()


def test_cifar_option_b_adds_only_the_two_projections():
    a, b = models.ResNetCIFAR(20, shortcut="A"), models.ResNetCIFAR(20, shortcut="B")
    # 1x1 projections 16→32 and 32→64 (no bias) with their BN (4 numbers per channel).
    assert b.count_params() - a.count_params() == (16 * 32 + 4 * 32) + (32 * 64 + 4 * 64)
    assert not any("_0_conv" in layer.name for layer in a.layers)


# Zagoruyko & Komodakis 2016: WRN-28-10 36.5M (Table 3), WRN-40-4 8.9M, WRN-16-8 11.0M (Table 4).
@pytest.mark.parametrize("depth,width,reported", [(28, 10, 36.5), (40, 4, 8.9), (16, 8, 11.0)])
def test_wide_resnets_match_the_paper(depth, width, reported):
    model = models.WideResNet(depth, width)
    assert abs(trainable(model) / 1e6 - reported) <= 0.05
    keras.backend.clear_session()


def test_bad_depths_say_what_is_valid():
    with pytest.raises(ValueError, match="6n \\+ 2.*nearest valid: 20, 26"):
        models.ResNetCIFAR(21)
    with pytest.raises(ValueError, match="6n \\+ 4"):
        models.WideResNet(27, 10)
    with pytest.raises(ValueError, match="ResNetCIFAR"):
        ResNet(20)
    with pytest.raises(ValueError, match='"identity" cannot join'):
        models.ResNetCIFAR(8, shortcut="identity")


SMALL = [
    ("SimpleCNN", {}, (28, 28, 1)),
    ("LeNet5", {"input_padding": 2}, (28, 28, 1)),
    ("AlexNet", {}, (67, 67, 3)),
    ("VGG11", {"batch_norm": True}, (32, 32, 3)),
    ("ResNet18", {}, (28, 28, 1)),
    ("ResNet50V2", {}, (32, 32, 3)),
    ("ResNetCIFAR", {"depth": 8}, (28, 28, 1)),
    ("WideResNet", {"depth": 10, "width": 2, "dropout_rate": 0.3}, (28, 28, 1)),
]


@pytest.mark.parametrize("name,kwargs,shape", SMALL, ids=[s[0] for s in SMALL])
def test_small_inputs_run_forward_and_backward(name, kwargs, shape):
    """Fashion-MNIST-sized inputs build; a training-mode pass on 4 images gives finite gradients."""
    import tensorflow as tf

    model = models.get(name, input_shape=shape, classes=10, **kwargs)
    x = np.random.default_rng(0).random((4, *shape), dtype=np.float32)
    with tf.GradientTape() as tape:
        probs = model(x, training=True)
        loss = keras.losses.sparse_categorical_crossentropy(np.arange(4), probs)
    grads = tape.gradient(loss, model.trainable_weights)
    assert probs.shape == (4, 10)
    assert all(g is not None and np.isfinite(g.numpy()).all() for g in grads)
    keras.backend.clear_session()


def test_simple_cnn_trains_one_step():
    model = models.SimpleCNN()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    x = np.random.default_rng(0).random((8, 28, 28, 1), dtype=np.float32)
    assert np.isfinite(model.train_on_batch(x, np.arange(8)))


@pytest.mark.parametrize("pooling,rank", [(None, 4), ("avg", 2), ("max", 2)])
def test_feature_extractor_heads(pooling, rank):
    for builder in (models.SimpleCNN, models.ResNetCIFAR):
        model = builder(include_top=False, pooling=pooling)
        assert len(model.output.shape) == rank


def test_input_tensor_and_argument_errors():
    inputs = keras.Input((32, 32, 3))
    model = models.VGG11(input_tensor=inputs, classes=5, dropout_rate=0.0)
    assert model.inputs[0] is inputs or model.inputs[0].name == inputs.name
    with pytest.raises(ValueError, match="weights='imagenet' is not supported"):
        models.ResNet50(weights="imagenet")
    with pytest.raises(ValueError, match="pooling must be"):
        models.ResNet18(include_top=False, pooling="min")
    with pytest.raises(ValueError, match="configuration must be one of"):
        VGG("C")
