"""The model zoo, with the ``keras.applications`` builder signature, and its registry.

``get(name, **kwargs)`` builds a model by name; ``names()`` lists them; ``info(name)`` gives the
one-line description, the paper and the facts (parameter counts) its tests check.
"""

from cnnkit._lazy import lazy_exports
from cnnkit.models.registry import get, info, names

_LAZY = {
    "SimpleCNN": "simple",
    "LeNet5": "lenet",
    "AlexNet": "alexnet",
    "VGG11": "vgg", "VGG13": "vgg", "VGG16": "vgg", "VGG19": "vgg",
    "GoogLeNet": "googlenet", "inference_model": "googlenet", "compile_with_aux": "googlenet",
    "aux_targets": "googlenet",
    "InceptionV3": "inception_v3",
    "ResNet18": "resnet", "ResNet34": "resnet", "ResNet50": "resnet", "ResNet101": "resnet",
    "ResNet152": "resnet",
    "ResNet18V2": "resnet", "ResNet34V2": "resnet", "ResNet50V2": "resnet",
    "ResNet101V2": "resnet", "ResNet152V2": "resnet",
    "ResNetCIFAR": "resnet_cifar",
    "WideResNet": "wide_resnet",
    "DenseNet121": "densenet", "DenseNet169": "densenet", "DenseNet201": "densenet",
    "DenseNetCIFAR": "densenet_cifar",
    "Xception": "xception",
    "MobileNet": "mobilenet",
}
__getattr__ = lazy_exports(__name__, _LAZY)
__all__ = ["get", "info", "names", *_LAZY]
