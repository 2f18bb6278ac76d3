"""Notebook 01 (convolution by hand): each common mistake fails a VISIBLE test with a message naming it,
library calls in the numpy-only answers are caught, and the errata exercise checks every slide slip.

The solution runs once in-process (``Harness``); each case replays one test with one answer replaced.
"""

from __future__ import annotations

import pytest

from cnnkit.grading import scan

from assignment_kit import (assert_names_the_mistake, assert_the_solution_passes, graded_tests, harness_fixture,
                            setup_cells)

NAME = "01-convolution-by-hand"


harness = harness_fixture(NAME)


# A student's conv2d_single, written with loops; each variant below changes one line of it.
_CONV_SINGLE = '''
def conv2d_single(image, kernel, stride=1, padding=0):
    x = {padded}
    kernel = np.asarray(kernel, dtype=float){flip}
    kh, kw = kernel.shape
    rows, cols = {rows}, {cols}
    out = np.zeros((rows, cols))
    for i in range(rows):
        for j in range(cols):
            r, c = {corner}
            out[i, j] = np.sum(x[r:r + kh, c:c + kw] * kernel)
    return out
'''
_GOOD_SINGLE = dict(padded="zero_pad(np.asarray(image, dtype=float), padding)", flip="",
                    rows="(x.shape[0] - kh) // stride + 1", cols="(x.shape[1] - kw) // stride + 1",
                    corner="i * stride, j * stride")


def conv_single(**change) -> str:
    return _CONV_SINGLE.format(**{**_GOOD_SINGLE, **change})


_CONV = '''
def conv2d(x, kernels, bias=None, stride=1, padding=0):
    x = {padded}
    kernels = np.asarray(kernels, dtype=float)
    kh, kw, c_in, c_out = kernels.shape
    rows, cols = (x.shape[0] - kh) // {stride} + 1, (x.shape[1] - kw) // {stride} + 1
    out = np.zeros((rows, cols, c_out))
    for i in range(rows):
        for j in range(cols):
            window = x[i * {stride}:i * {stride} + kh, j * {stride}:j * {stride} + kw, :]
            for o in range(c_out):
                out[i, j, o] = {combine}
    if bias is not None:
        out = out + {bias}
    return out
'''
_GOOD_CONV = dict(padded="zero_pad(np.asarray(x, dtype=float), padding)", stride="stride",
                  combine="np.sum(window * kernels[:, :, :, o])", bias="np.asarray(bias)")


def conv(**change) -> str:
    return _CONV.format(**{**_GOOD_CONV, **change})


_BACKWARD = '''
def conv2d_backward(x, kernels, dout, stride=1, padding=0):
    xp = {padded}
    kernels, dout = np.asarray(kernels, dtype=float), np.asarray(dout, dtype=float)
    kh, kw = kernels.shape[:2]
    dxp, dk = np.zeros_like(xp), np.zeros_like(kernels)
    for i in range(dout.shape[0]):
        for j in range(dout.shape[1]):
            r, c = {corner}
            dk += xp[r:r + kh, c:c + kw, :, None] * dout[i, j]
            dxp[r:r + kh, c:c + kw, :] += kernels @ dout[i, j]
    dx = {crop}
    return dx, dk, {dbias}
'''
_GOOD_BACKWARD = dict(padded="zero_pad(np.asarray(x, dtype=float), padding)", corner="i * stride, j * stride",
                      crop="dxp[padding:dxp.shape[0] - padding, padding:dxp.shape[1] - padding]",
                      dbias="dout.sum(axis=(0, 1))")


def backward(**change) -> str:
    return _BACKWARD.format(**{**_GOOD_BACKWARD, **change})


_MAXPOOL_BACKWARD = '''
def maxpool_backward(x, dout, size=2, stride=None):
    stride = size if stride is None else stride
    x, dout = np.asarray(x, dtype=float), np.asarray(dout, dtype=float)
    dx = np.zeros_like(x)
    for i in range(dout.shape[0]):
        for j in range(dout.shape[1]):
            for ch in range(x.shape[2]):
                window = x[i * stride:i * stride + size, j * stride:j * stride + size, ch]
                {route}
    return dx
'''
_ROUTE_ADD = '''a, b = np.unravel_index(window.argmax(), window.shape)
                dx[i * stride + a, j * stride + b, ch] += dout[i, j, ch]'''
_ROUTE_OVERWRITE = _ROUTE_ADD.replace("+= dout", "= dout")
_ROUTE_SPREAD = "dx[i * stride:i * stride + size, j * stride:j * stride + size, ch] += dout[i, j, ch] / size ** 2"

# (answer cell, the student's text, test, what the failure message must say)
MISTAKES = [
    ("zero_pad", "def zero_pad(x, p):\n    return np.pad(np.asarray(x), p)\n", "test_zero_pad",
     "padding the channel axis too"),
    ("zero_pad", "def zero_pad(x, p):\n    x = np.asarray(x)\n    return np.pad(x, [(0, p), (0, p)] + [(0, 0)] * (x.ndim - 2))\n",
     "test_zero_pad", "padding one side only"),
    ("conv2d_single", conv_single(rows="x.shape[0] - kh + 1", cols="x.shape[1] - kw + 1", corner="i, j"),
     "test_conv2d_single", "ignoring the stride"),
    ("conv2d_single", conv_single(padded="np.asarray(image, dtype=float)"), "test_conv2d_single", "ignoring the padding"),
    ("conv2d_single", conv_single(flip="[::-1, ::-1]"), "test_conv2d_single", "flipping the kernel"),
    ("conv2d_single", conv_single(rows="(x.shape[0] - kh) // stride", cols="(x.shape[1] - kw) // stride"),
     "test_conv2d_single", "range(n − k) instead of range(n − k + 1)"),
    ("conv2d", conv(bias="bias[0]"), "test_conv2d", "adding bias[0] to every channel"),
    ("conv2d", conv(bias="0"), "test_conv2d", "forgetting the bias"),
    ("conv2d", conv(combine="np.mean(np.sum(window * kernels[:, :, :, o], axis=(0, 1)))"), "test_conv2d",
     "averaging the channels instead of summing"),
    ("conv2d", conv(combine="np.sum(window[:, :, 0] * kernels[:, :, 0, o])"), "test_conv2d",
     "using only the first (red) input channel"),
    ("conv2d", conv(stride="1"), "test_conv2d", "ignoring the stride"),
    ("conv2d", conv(padded="np.asarray(x, dtype=float)"), "test_conv2d", "ignoring the padding"),
    ("pool2d", '''
def pool2d(x, size=2, stride=1, mode="max"):
    windows = sliding_window_view(np.asarray(x, dtype=float), (size, size), axis=(0, 1))[::stride, ::stride]
    return {"max": np.max, "avg": np.mean, "min": np.min}[mode](windows, axis=(-2, -1))
''', "test_pool2d", "a default stride of 1 instead of the window size"),
    ("pool2d", '''
def pool2d(x, size=2, stride=None, mode="max"):
    stride = stride or size
    x = np.asarray(x, dtype=float)
    rows, cols = (x.shape[0] - size) // stride + 1, (x.shape[1] - size) // stride + 1
    reduce = {"max": np.max, "avg": np.mean, "min": np.min}[mode]
    return np.array([[reduce(x[i * stride:i * stride + size, j * stride:j * stride + size])
                      for j in range(cols)] for i in range(rows)])
''', "test_pool2d", "taking the maximum over the channels too"),
    ("flatten", "def flatten(x):\n    return np.asarray(x).ravel(order='F')\n", "test_flatten", "column by column"),
    ("flatten", "def flatten(x):\n    x = np.asarray(x)\n    return np.moveaxis(x, -1, 0).ravel() if x.ndim == 3 else x.ravel()\n",
     "test_flatten", "channels first"),
    ("filtered", "filtered = {name: conv2d_single(photo, kernel) for name, kernel in KERNELS.items()}\n",
     "test_filtered", "forgetting padding=1"),
    ("true_convolution", "def true_convolution(image, kernel, padding=0):\n"
     "    return conv2d_single(image, np.asarray(kernel)[::-1], padding=padding)\n\n\nTF_COMPUTES = 'cross-correlation'\n",
     "test_true_convolution", "flipping up–down only"),
    ("true_convolution", "def true_convolution(image, kernel, padding=0):\n"
     "    return conv2d_single(image, kernel, padding=padding)\n\n\nTF_COMPUTES = 'cross-correlation'\n",
     "test_true_convolution", "not flipping at all"),
    ("conv2d_backward", backward(corner="i, j"), "test_conv2d_backward", "ignoring the stride"),
    ("conv2d_backward", backward(crop="dxp"), "test_conv2d_backward", "not cutting the padding off dx"),
    ("conv2d_backward", backward(padded="np.asarray(x, dtype=float)", crop="dxp"), "test_conv2d_backward",
     "pad x first (zero_pad(x, p))"),
    ("conv2d_backward", backward(dbias="dout.sum()"), "test_conv2d_backward", "summing over the channels too"),
    ("maxpool_backward", _MAXPOOL_BACKWARD.format(route=_ROUTE_OVERWRITE), "test_maxpool_backward",
     "must add up (+=), not overwrite (=)"),
    ("maxpool_backward", _MAXPOOL_BACKWARD.format(route=_ROUTE_SPREAD), "test_maxpool_backward",
     "spreading each gradient evenly over its window"),
    # the errata: the slide's own numbers, 1-based positions, a missing or an extra entry
    ("errata", "ERRATA_000 = {(1, 1): -0.64, (2, 2): 0.46, (3, 0): -0.88}\nERRATA_001 = {}\n", "test_errata_000",
     "copying the slide's value"),
    ("errata", "ERRATA_000 = {(2, 2): -0.61, (3, 3): 0.31, (4, 1): 0.01}\nERRATA_001 = {}\n", "test_errata_000",
     "positions are 0-based"),
    ("errata", "ERRATA_000 = {(1, 1): -0.61, (2, 2): 0.31}\nERRATA_001 = {}\n", "test_errata_000",
     "the slide prints -0.88"),
    ("errata", "ERRATA_000 = {(1, 1): -0.61, (2, 2): 0.31, (3, 0): 0.01, (0, 0): 0.58}\nERRATA_001 = {}\n",
     "test_errata_000", "the slide's 0.58 is right"),
    ("errata", "ERRATA_000 = {}\nERRATA_001 = {(3, 0): -0.56, (3, 2): -0.56, (4, 1): -0.56}\n", "test_errata_001",
     "5/9 = -0.5556, which rounds to -0.56"),
    ("errata", "ERRATA_000 = {}\nERRATA_001 = {(1, 0): -5, (3, 0): -5, (3, 2): -5, (4, 1): -5}\n", "test_errata_001",
     "forgetting to divide by 9"),
]


@pytest.mark.parametrize("answer,source,test,says", MISTAKES, ids=[f"{m[2]}:{m[3][:40]}" for m in MISTAKES])
def test_each_common_mistake_fails_a_visible_test_that_names_it(harness, answer, source, test, says):
    message = harness.outcome(test, {answer: source}, part="visible")
    assert_names_the_mistake(message, test, says)
    assert " — " in message and "expected" in message, f"no expected/why in: {message}"
    assert len(message) < 300, f"{len(message)} characters: {message}"


def test_the_solution_passes_every_test_visible_and_hidden(harness):
    tests = graded_tests(harness)
    assert len(tests) == 11
    assert_the_solution_passes(harness, tests)


def test_arrays_are_summarised_not_dumped(harness):
    wrong = conv_single(corner="i, j")  # a stride mistake on the 9x11 hidden image: large arrays
    message = harness.outcome("test_conv2d_single", {"conv2d_single": wrong}, part="all")
    assert "differ" in message or "shape" in message
    assert "[[" not in message and len(message) < 300, message


def test_half_right_answers_pass_the_visible_tests_and_lose_hidden_points(harness):
    # bias=None is never used by the visible checks: adding np.asarray(None) fails only when graded
    no_none = conv(bias="np.asarray(bias)").replace("    if bias is not None:\n        out = out + np.asarray(bias)",
                                                     "    out = out + np.asarray(bias, dtype=float)")
    assert harness.outcome("test_conv2d", {"conv2d": no_none}, part="visible") is None
    assert harness.outcome("test_conv2d", {"conv2d": no_none}, part="all") is not None
    # TF_COMPUTES is a two-way choice: the visible test only checks it is one of the two
    flipped = "def true_convolution(image, kernel, padding=0):\n" \
              "    return conv2d_single(image, np.asarray(kernel)[::-1, ::-1], padding=padding)\n\n\nTF_COMPUTES = 'convolution'\n"
    assert harness.outcome("test_true_convolution", {"true_convolution": flipped}, part="visible") is None
    hidden = harness.outcome("test_true_convolution", {"true_convolution": flipped}, part="all")
    assert "TF_COMPUTES: expected 'cross-correlation', got 'convolution'" in hidden


def test_the_errata_tests_explain_each_correction(harness):
    missing = harness.outcome("test_errata_000", {"errata": "ERRATA_000 = {}\nERRATA_001 = {}\n"})
    assert "ERRATA_000[(1, 1)]: expected -0.61 (the slide prints -0.64), got no entry" in missing
    assert "(-0.7)·(-0.3) + (-0.4)·(0.4) + (-0.9)·(0.8) + (-0.3)·(-0.2) = -0.61" in missing
    for answer, test, says in [
        ("ERRATA_000 = {(1, 1): -0.61, (3, 0): 0.01}\nERRATA_001 = {}", "test_errata_000",
         "expected 0.31 (the slide prints 0.46)"),
        ("ERRATA_000 = {(1, 1): -0.61, (2, 2): 0.31}\nERRATA_001 = {}", "test_errata_000",
         "expected 0.01 (the slide prints -0.88)"),
        ("ERRATA_000 = {}\nERRATA_001 = {(1, 0): -0.56, (3, 2): -0.56, (4, 1): -0.56}", "test_errata_001",
         "expected -0.56 (the slide prints -0.22)"),
        ("ERRATA_000 = {}\nERRATA_001 = {(1, 0): -0.56, (3, 0): -0.56, (3, 2): -0.56}", "test_errata_001",
         "expected -0.56 (the slide prints -0.33)"),
    ]:
        message = harness.outcome(test, {"errata": answer})
        assert says in message, message
    # exact values (not rounded) are fine too
    exact = "ERRATA_000 = {(1, 1): -0.61, (2, 2): 0.31, (3, 0): 0.01}\n" \
            "ERRATA_001 = {(1, 0): -5/9, (3, 0): -5/9, (3, 2): -5/9, (4, 1): -5/9}"
    assert harness.outcome("test_errata_001", {"errata": exact}) is None


# Answers that do not do the work: each calls a library where the question says numpy.
LIBRARY_ANSWERS = [
    ("conv2d_single", '''
import tensorflow as tf

def conv2d_single(image, kernel, stride=1, padding=0):
    x = tf.constant(np.pad(image, padding)[None, :, :, None], tf.float64)
    return tf.nn.conv2d(x, np.asarray(kernel, float)[:, :, None, None], stride, "VALID").numpy()[0, :, :, 0]
''', "tensorflow.nn.conv2d"),
    ("conv2d_single", '''
def conv2d_single(image, kernel, stride=1, padding=0):  # keras was imported by a test cell
    x = np.pad(image, padding)[None, :, :, None] * 1.0
    return keras.ops.convert_to_numpy(keras.ops.conv(x, np.asarray(kernel)[:, :, None, None] * 1.0, stride))[0, :, :, 0]
''', "keras.ops.conv"),
    ("conv2d", '''
from scipy.signal import correlate2d

def conv2d(x, kernels, bias=None, stride=1, padding=0):
    x = zero_pad(x, padding)
    out = np.stack([sum(correlate2d(x[..., c], kernels[:, :, c, o], "valid") for c in range(x.shape[2]))
                    for o in range(kernels.shape[3])], axis=-1)[::stride, ::stride]
    return out if bias is None else out + bias
''', "scipy.signal.correlate2d"),
    ("pool2d", '''
def pool2d(x, size=2, stride=None, mode="max"):
    import skimage.measure
    return skimage.measure.block_reduce(x, (size, size) + (1,) * (np.ndim(x) - 2), np.max)
''', "skimage.measure.block_reduce"),
    ("conv2d_backward", '''
def conv2d_backward(x, kernels, dout, stride=1, padding=0):
    import tensorflow
    xt, kt = tensorflow.Variable(x[None]), tensorflow.Variable(kernels)
    with tensorflow.GradientTape() as tape:
        out = tensorflow.nn.conv2d(tensorflow.pad(xt, [[0, 0], [padding] * 2, [padding] * 2, [0, 0]]), kt, stride, "VALID")
        loss = tensorflow.reduce_sum(out[0] * dout)
    gx, gk = tape.gradient(loss, [xt, kt])
    return gx.numpy()[0], gk.numpy(), dout.sum(axis=(0, 1))
''', "tensorflow.Variable"),
    ("true_convolution", '''
def true_convolution(image, kernel, padding=0):
    return scipy.signal.convolve2d(np.pad(image, padding), kernel, mode="valid")  # a test cell imported scipy.signal

TF_COMPUTES = "cross-correlation"
''', "scipy.signal.convolve2d"),
    ("zero_pad", '''
from cnnkit.layers import SeparableConv2D  # anything from the kit counts

def zero_pad(x, p):
    return np.pad(x, [(p, p), (p, p)] + [(0, 0)] * (np.ndim(x) - 2))
''', "cnnkit.layers.SeparableConv2D"),
]


@pytest.mark.parametrize("answer,source,evidence", LIBRARY_ANSWERS, ids=[a[2] for a in LIBRARY_ANSWERS])
def test_library_calls_in_numpy_answers_lose_that_question(harness, answer, source, evidence):
    config = harness.assignment.config
    provided = setup_cells(harness)
    zeroed = set()
    for rule in config.from_scratch:
        findings = scan.from_scratch(rule, {answer: source}, provided)
        if findings:
            zeroed |= set(rule.tests)
            assert any(f.what.startswith(evidence) for f in findings), findings
    assert zeroed == {"test_" + answer}, zeroed  # that question's test, no other


def test_the_solution_and_the_provided_cells_are_numpy_only(harness):
    config = harness.assignment.config
    answers = {g: c.source for g, c in harness.cells.items() if c.metadata["nbgrader"].get("solution")}
    provided = setup_cells(harness)
    assert all(not scan.from_scratch(rule, answers, provided) for rule in config.from_scratch)
    # the set-up cells import nothing that convolves, pools or differentiates
    setup = "\n".join(harness.cells[g].source for g in ("setup", "images"))
    for name in ("tensorflow", "keras", "scipy", "torch", "cnnkit.layers", "cnnkit.models", "cnnkit.analysis",
                 "def "):
        assert name not in setup, name


def test_checking_your_own_result_with_the_kits_checks_is_allowed(harness):
    source = """
def flatten(x):
    out = np.asarray(x).reshape(-1)
    check_value(out.size, np.size(x), "my flatten keeps every value")
    return out
"""
    provided = setup_cells(harness)
    for rule in harness.assignment.config.from_scratch:
        assert not scan.from_scratch(rule, {"flatten": source}, provided)
    assert harness.outcome("test_flatten", {"flatten": source}, part="all") is None
