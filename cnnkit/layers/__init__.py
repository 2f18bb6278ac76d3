"""Keras layers named as in the lectures; each is serializable and documents its formula."""

from cnnkit._lazy import lazy_exports

_LAZY = {
    "SeparableConv2D": "separable",
    "InceptionModule": "inception",
    "AuxiliaryClassifier": "inception",
    "ResidualBlock": "residual",
    "BottleneckBlock": "residual",
    "DenseBlock": "dense",
    "TransitionLayer": "dense",
    "SqueezeExcitation": "squeeze_excitation",
    "LocalResponseNormalization": "normalization",
    "MinPooling2D": "pooling",
}
__getattr__ = lazy_exports(__name__, _LAZY)
__all__ = list(_LAZY)
