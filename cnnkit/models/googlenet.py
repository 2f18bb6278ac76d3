"""GoogLeNet / Inception v1 (Szegedy et al., Going deeper with convolutions, 2015), Table 1 layout.

With ``aux_classifiers=True`` the model has three outputs — ``main``, ``aux1`` (on 4a) and
``aux2`` (on 4d) — and :func:`compile_with_aux` weights their losses 1, 0.3, 0.3, so that
``total_loss = real_loss + 0.3·aux_loss_1 + 0.3·aux_loss_2`` (seed 000).
:func:`inference_model` drops the side heads and shares the weights.

Every stride-2 step is ``"same"``-padded (⌈n/2⌉, the paper's 224 → 112 → 56 → 28 → 14 → 7), so
any input of at least 1x1 builds; on small inputs (28x28, 32x32) the auxiliary pool window
shrinks to min(5, H) (see :class:`cnnkit.layers.AuxiliaryClassifier`).
"""

from __future__ import annotations

import keras
from keras import layers

from cnnkit.layers.inception import AuxiliaryClassifier, InceptionModule
from cnnkit.models._common import (check_head_arguments, classifier_head, finish_model,
                                   model_input, registered_min_input, reject_weights)

# Table 1: #1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool proj.
TABLE1 = {
    "3a": (64, 96, 128, 16, 32, 32), "3b": (128, 128, 192, 32, 96, 64),
    "4a": (192, 96, 208, 16, 48, 64), "4b": (160, 112, 224, 24, 64, 64),
    "4c": (128, 128, 256, 24, 64, 64), "4d": (112, 144, 288, 32, 64, 64),
    "4e": (256, 160, 320, 32, 128, 128),
    "5a": (256, 160, 320, 32, 128, 128), "5b": (384, 192, 384, 48, 128, 128),
}
AUX_LOSS_WEIGHT = 0.3  # Szegedy et al. 2015 §5; seed 000


def _conv(x, filters, kernel, strides, batch_norm, name):
    if not batch_norm:
        return layers.Conv2D(filters, kernel, strides=strides, padding="same", activation="relu",
                             name=name)(x)
    x = layers.Conv2D(filters, kernel, strides=strides, padding="same", use_bias=False, name=name)(x)
    x = layers.BatchNormalization(name=f"{name}_bn")(x)
    return layers.Activation("relu", name=f"{name}_relu")(x)


def _lrn(x, name):
    from cnnkit.layers.normalization import LocalResponseNormalization

    # bvlc_googlenet's LRN: local_size 5, α = 1e-4 (Caffe divides α by the size), β = 0.75, k = 1.
    return LocalResponseNormalization(size=5, k=1.0, alpha=1e-4 / 5, beta=0.75, name=name)(x)


def GoogLeNet(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None,
              classes=1000, classifier_activation="softmax", aux_classifiers=False,
              local_response_norm=True, batch_norm=False, dropout_rate=0.4, aux_dropout_rate=0.7,
              name="googlenet"):
    """GoogLeNet (22 weight layers, 9 inception modules), default input 224x224x3.

    ``local_response_norm`` (default True, as in the paper's Figure 3) adds LRN after pool1 and
    conv2; it has no parameters. ``batch_norm=True`` swaps conv biases for batch normalization
    (not in the paper; helps a from-scratch run on small data). ``aux_classifiers=True`` needs
    ``include_top=True``.
    """
    weights = reject_weights(weights, "GoogLeNet")
    check_head_arguments(include_top, pooling, classes, "GoogLeNet")
    if aux_classifiers and not include_top:
        raise ValueError("GoogLeNet: aux_classifiers=True needs include_top=True (the auxiliary "
                         "heads are classifiers); set include_top=True or aux_classifiers=False")
    img = model_input(input_shape, (224, 224, 3), registered_min_input("GoogLeNet"), "GoogLeNet",
                      input_tensor)

    x = _conv(img, 64, 7, 2, batch_norm, "conv1_7x7")
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool1")(x)
    if local_response_norm:
        x = _lrn(x, "pool1_norm")
    x = _conv(x, 64, 1, 1, batch_norm, "conv2_3x3_reduce")
    x = _conv(x, 192, 3, 1, batch_norm, "conv2_3x3")
    if local_response_norm:
        x = _lrn(x, "conv2_norm")
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool2")(x)

    aux_outputs = []
    for stage, modules in ((3, "ab"), (4, "abcde"), (5, "ab")):
        for m in modules:
            key = f"{stage}{m}"
            x = InceptionModule(*TABLE1[key], batch_norm=batch_norm, name=f"inception_{key}")(x)
            if aux_classifiers and key in ("4a", "4d"):
                aux = AuxiliaryClassifier(classes, dropout_rate=aux_dropout_rate,
                                          activation=classifier_activation,
                                          name=f"aux{len(aux_outputs) + 1}")
                aux_outputs.append(aux(x))
        if stage < 5:
            x = layers.MaxPooling2D(3, strides=2, padding="same", name=f"pool{stage}")(x)

    x = classifier_head(x, include_top, pooling, classes, classifier_activation,
                        dropout_rate=dropout_rate, name="main")
    outputs = [x, *aux_outputs] if aux_outputs else x
    return finish_model(img, outputs, name, input_tensor, weights)


def inference_model(model):
    """The model without its auxiliary heads (same layers, same weights): input → ``main``."""
    if len(model.outputs) == 1:
        return model
    return keras.Model(model.input, model.get_layer("main").output, name=f"{model.name}_inference")


def aux_targets(y):
    """The labels once per output, ``{"main": y, "aux1": y, "aux2": y}``, for fit/evaluate.

    Works on arrays and inside ``tf.data``: ``ds.map(lambda x, y: (x, aux_targets(y)))``.
    """
    return {"main": y, "aux1": y, "aux2": y}


def compile_with_aux(model, optimizer="adam", loss="sparse_categorical_crossentropy",
                     metrics=("accuracy",), aux_weight=AUX_LOSS_WEIGHT, **compile_kwargs):
    """Compile a three-output GoogLeNet with loss weights {main: 1, aux1: 0.3, aux2: 0.3}.

    Keras reports ``loss`` = main_loss + 0.3·aux1_loss + 0.3·aux2_loss; metrics go on ``main``.
    Give the labels once per output: ``model.fit(x, aux_targets(y))``.
    """
    names = list(model.output_names)
    if names != ["main", "aux1", "aux2"]:
        raise ValueError(f"compile_with_aux: expected a GoogLeNet(aux_classifiers=True) with outputs "
                         f"['main', 'aux1', 'aux2'], got {names}; build it with aux_classifiers=True")
    model.compile(
        optimizer=optimizer,
        loss={n: loss for n in names},
        loss_weights={"main": 1.0, "aux1": aux_weight, "aux2": aux_weight},
        metrics={"main": list(metrics)} if metrics else None,
        **compile_kwargs,
    )
    return model


__all__ = ["GoogLeNet", "inference_model", "compile_with_aux", "aux_targets", "TABLE1"]
