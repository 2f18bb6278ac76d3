"""The registry's entries: data only, so listing models never imports TensorFlow.

``facts`` hold reference numbers at the default input with ``include_top=True``; the tests
compare built models against them (keras.applications counts are for ``weights=None``).
"""

from cnnkit.models.registry import ModelInfo, register

_E = [
    ModelInfo("SimpleCNN", "simple", "Seed 001 Fashion-MNIST CNN: (conv5x5-BN-ReLU-maxpool) x2 (16, 32 filters), FC 10.",
              "Lecture seed 001 (BCSE-332L, Module 3)", (4, 4), {"params": 29_130}),
    ModelInfo("LeNet5", "lenet", "LeNet-5: tanh, average pooling, C3 fully connected, 32x32x1 input.",
              "LeCun et al., Gradient-based learning applied to document recognition, 1998", (32, 32),
              {"params": 61_706}),
    ModelInfo("AlexNet", "alexnet", "AlexNet: 5 conv (LRN after conv1/conv2), 3 max-pool, 3 FC, 227x227x3 input.",
              "Krizhevsky, Sutskever & Hinton, ImageNet classification with deep CNNs, 2012", (67, 67),
              {"params": 62_378_344}),
    ModelInfo("VGG11", "vgg", "VGG configuration A (11 weight layers), optional batch norm.",
              "Simonyan & Zisserman, Very deep convolutional networks, 2015", (32, 32)),
    ModelInfo("VGG13", "vgg", "VGG configuration B (13 weight layers), optional batch norm.",
              "Simonyan & Zisserman, Very deep convolutional networks, 2015", (32, 32)),
    ModelInfo("VGG16", "vgg", "VGG configuration D (16 weight layers), optional batch norm.",
              "Simonyan & Zisserman, Very deep convolutional networks, 2015", (32, 32),
              {"params": 138_357_544, "keras_application": "VGG16"}),
    ModelInfo("VGG19", "vgg", "VGG configuration E (19 weight layers), optional batch norm.",
              "Simonyan & Zisserman, Very deep convolutional networks, 2015", (32, 32),
              {"params": 143_667_240, "keras_application": "VGG19"}),
    ModelInfo("GoogLeNet", "googlenet", "GoogLeNet / Inception v1: 9 inception modules, optional auxiliary heads on 4a and 4d.",
              "Szegedy et al., Going deeper with convolutions, 2015", (1, 1),
              # every stride-2 step is "same"-padded (⌈n/2⌉), so any input builds; Table 1 sums to ≈ 6.8M
              {"paper_params_millions": 6.8}),
    ModelInfo("InceptionV3", "inception_v3", "Inception v3: factorised 7x7 convolutions, 299x299x3 input.",
              "Szegedy et al., Rethinking the Inception architecture, 2016", (75, 75),  # mixed8's 3x3/2 valid needs 3x3
              {"params": 23_851_784, "keras_application": "InceptionV3"}),
    ModelInfo("ResNet18", "resnet", "ResNet-18: basic blocks [2, 2, 2, 2].",
              "He et al., Deep residual learning for image recognition, 2016", (1, 1),
              {"trainable_params": 11_689_512, "source": "torchvision resnet18"}),
    ModelInfo("ResNet34", "resnet", "ResNet-34: basic blocks [3, 4, 6, 3].",
              "He et al., Deep residual learning for image recognition, 2016", (1, 1),
              {"trainable_params": 21_797_672, "source": "torchvision resnet34"}),
    ModelInfo("ResNet50", "resnet", "ResNet-50: bottleneck blocks [3, 4, 6, 3].",
              "He et al., Deep residual learning for image recognition, 2016", (1, 1),
              {"params": 25_636_712, "keras_application": "ResNet50"}),
    ModelInfo("ResNet101", "resnet", "ResNet-101: bottleneck blocks [3, 4, 23, 3].",
              "He et al., Deep residual learning for image recognition, 2016", (1, 1),
              {"params": 44_707_176, "keras_application": "ResNet101"}),
    ModelInfo("ResNet152", "resnet", "ResNet-152: bottleneck blocks [3, 8, 36, 3].",
              "He et al., Deep residual learning for image recognition, 2016", (1, 1),
              {"params": 60_419_944, "keras_application": "ResNet152"}),
    ModelInfo("ResNet18V2", "resnet", "ResNet-18 v2: pre-activation basic blocks [2, 2, 2, 2].",
              "He et al., Identity mappings in deep residual networks, 2016", (1, 1)),
    ModelInfo("ResNet34V2", "resnet", "ResNet-34 v2: pre-activation basic blocks [3, 4, 6, 3].",
              "He et al., Identity mappings in deep residual networks, 2016", (1, 1)),
    ModelInfo("ResNet50V2", "resnet", "ResNet-50 v2: pre-activation bottleneck blocks [3, 4, 6, 3].",
              "He et al., Identity mappings in deep residual networks, 2016", (1, 1),
              {"params": 25_613_800, "keras_application": "ResNet50V2"}),
    ModelInfo("ResNet101V2", "resnet", "ResNet-101 v2: pre-activation bottleneck blocks [3, 4, 23, 3].",
              "He et al., Identity mappings in deep residual networks, 2016", (1, 1),
              {"params": 44_675_560, "keras_application": "ResNet101V2"}),
    ModelInfo("ResNet152V2", "resnet", "ResNet-152 v2: pre-activation bottleneck blocks [3, 8, 36, 3].",
              "He et al., Identity mappings in deep residual networks, 2016", (1, 1),
              {"params": 60_380_648, "keras_application": "ResNet152V2"}),
    ModelInfo("ResNetCIFAR", "resnet_cifar", "CIFAR ResNet of depth 6n+2 (16/32/64 filters), option-A or projection shortcuts.",
              "He et al., Deep residual learning for image recognition, 2016, §4.2", (1, 1)),
    ModelInfo("WideResNet", "wide_resnet", "Wide ResNet WRN-depth-width with pre-activation blocks and dropout.",
              "Zagoruyko & Komodakis, Wide residual networks, 2016", (1, 1)),
    ModelInfo("DenseNet121", "densenet", "DenseNet-121: dense blocks [6, 12, 24, 16], growth rate 32.",
              "Huang et al., Densely connected convolutional networks, 2017", (29, 29),  # stem ⌈n/4⌉ must survive three 2x2/2 transitions
              {"params": 8_062_504, "keras_application": "DenseNet121"}),
    ModelInfo("DenseNet169", "densenet", "DenseNet-169: dense blocks [6, 12, 32, 32], growth rate 32.",
              "Huang et al., Densely connected convolutional networks, 2017", (29, 29),  # stem ⌈n/4⌉ must survive three 2x2/2 transitions
              {"params": 14_307_880, "keras_application": "DenseNet169"}),
    ModelInfo("DenseNet201", "densenet", "DenseNet-201: dense blocks [6, 12, 48, 32], growth rate 32.",
              "Huang et al., Densely connected convolutional networks, 2017", (29, 29),  # stem ⌈n/4⌉ must survive three 2x2/2 transitions
              {"params": 20_242_984, "keras_application": "DenseNet201"}),
    ModelInfo("DenseNetCIFAR", "densenet_cifar", "CIFAR DenseNet(-BC): 3 dense blocks, growth rate k, bottleneck and compression.",
              "Huang et al., Densely connected convolutional networks, 2017", (4, 4),
              # two 2x2/2 transitions; defaults are DenseNet-BC (L=100, k=12): 0.8M in Table 2
              {"paper_params_millions": 0.8}),
    ModelInfo("Xception", "xception", "Xception: depthwise-separable convolutions with residual connections, 299x299x3 input.",
              "Chollet, Xception: deep learning with depthwise separable convolutions, 2017", (7, 7),  # two valid 3x3 convs (keras asks 71)
              {"params": 22_910_480, "keras_application": "Xception"}),
    ModelInfo("MobileNet", "mobilenet", "MobileNet v1: depthwise-separable blocks, width multiplier alpha.",
              "Howard et al., MobileNets, 2017", (31, 31),  # conv1 ⌈n/2⌉, then four ⌊n/2⌋ (keras asks 32)
              {"params": 4_253_864, "keras_application": "MobileNet"}),
]

for _entry in _E:
    register(_entry)
