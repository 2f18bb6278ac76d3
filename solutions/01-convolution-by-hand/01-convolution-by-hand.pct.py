# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown] nbgrader={"grade": false, "grade_id": "intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# # 01 · Convolution by hand
#
# **16 points · about 150 minutes · hand in: this notebook (nothing else).**
#
# You will write in plain numpy everything a convolutional layer computes: zero padding, single- and
# multi-channel convolution with a bias, stride, max / average / min pooling and flatten; then the
# **backward pass** of convolution and of max pooling. Last, you check two feature maps printed in the
# lectures against your own code and **correct the slides' slips** (section 9).
#
# **Numpy only.** These questions are about writing the sliding window yourself. An answer that calls
# TensorFlow, Keras, PyTorch, `scipy.signal`, `scipy.ndimage`, scikit-image or the course kit's layers,
# models and formulas (`cnnkit.layers`, `cnnkit.models`, `cnnkit.analysis`) scores 0 for that question,
# whatever its tests say: the grader reads your code. numpy is all you need (`sliding_window_view`,
# imported below, is allowed and makes things fast); the kit's checks (`check_array`, ...) are fine too.
#
# Conventions (the same as Keras): an image is an array `(height, width)` or `(height, width, channels)`;
# a bank of kernels is `(kernel_h, kernel_w, channels_in, channels_out)`; positions are 0-based
# `(row, column)` numpy indices.
#
# **How this notebook is graded.** Fill in every `# YOUR CODE HERE` and run the test cell under each
# question: its visible checks compare your function with the lectures' worked examples and with Keras's
# own convolution and pooling, and a failing check says what was expected, what your code gave, why, and
# often which mistake gives that result. Hidden checks on other inputs run when the notebook is graded,
# so an answer written only for the visible cases loses points there.

# %% nbgrader={"grade": false, "grade_id": "setup-kit", "locked": true, "schema_version": 3, "solution": false, "task": false}
# Set-up: run this cell first. It checks that the course kit (cnnkit) and this assignment's data are
# installed, and says exactly how to fix anything missing. While the notebook is graded it only imports.
import importlib.util, os, subprocess, sys
from pathlib import Path

if importlib.util.find_spec("cnnkit") is None and not os.environ.get("NBGRADER_EXECUTION"):
    wheels = sorted(Path.cwd().glob("cnnkit-*.whl"))  # the assignment's zip has the kit's wheel beside the notebook
    if not wheels:
        raise ImportError("The course kit `cnnkit` is not installed. Put the cnnkit-*.whl from the assignment's "
                          "zip next to this notebook and run this cell again (or: pip install cnnkit-*.whl).")
    print(f"installing the course kit from {wheels[-1].name} ...")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", str(wheels[-1])], check=True)
from cnnkit.checks.setup import ready

ready()

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import matplotlib.pyplot as plt
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view  # numpy's sliding windows: allowed in your answers

from cnnkit.checks import GradingError, check_array, check_value

np.set_printoptions(precision=3, suppress=True)

# %% [markdown] nbgrader={"grade": false, "grade_id": "images-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 1. Images are arrays
#
# A grayscale photo is a 2-D array of brightness values, a colour photo a 3-D array with one channel per
# colour (the lecture on Inception and the vision backbone: *"1920 x 1080 x 3 (full HD color)"*).
# scikit-image ships a few real photos:

# %% nbgrader={"grade": false, "grade_id": "images", "locked": true, "schema_version": 3, "solution": false, "task": false}
import skimage.data

photo_rgb = skimage.data.astronaut()             # uint8, (512, 512, 3)
photo = skimage.data.camera()[::4, ::4] / 255.0  # grayscale, downsampled to 128x128, values in [0, 1]
print("astronaut:", photo_rgb.shape, photo_rgb.dtype, " camera:", photo.shape, photo.dtype)
print("top-left 4x4 of the red channel:\n", photo_rgb[:4, :4, 0])
fig, axes = plt.subplots(1, 2, figsize=(7, 3.5))
axes[0].imshow(photo_rgb); axes[0].set_title("astronaut (RGB)")
axes[1].imshow(photo, cmap="gray"); axes[1].set_title("camera (gray)")
for ax in axes:
    ax.axis("off")
plt.show()

# %% [markdown] nbgrader={"grade": false, "grade_id": "pad-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 2. Zero padding (1 point)
#
# Padding adds a border of `p` zeros on **every side** of the height and the width — never of the
# channels: an `H×W×C` image becomes `(H + 2p)×(W + 2p)×C`. Seed 003 (the lecture on kernel size, stride
# and padding) pads the 4×4 image `1..16` with `p = 1` into a 6×6 one.
#
# **Q1.** Write `zero_pad(x, p)` for 2-D (`H×W`) and 3-D (`H×W×C`) arrays.

# %% nbgrader={"grade": false, "grade_id": "zero_pad", "locked": false, "schema_version": 3, "solution": true, "task": false}
def zero_pad(x, p):
    # Add p zeros on each side of the first two axes of x (height and width), none on the channels.
    ### BEGIN SOLUTION
    x = np.asarray(x)
    widths = [(p, p), (p, p)] + [(0, 0)] * (x.ndim - 2)
    return np.pad(x, widths)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_zero_pad", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
import keras  # the tests' reference: Keras's own layers and ops (never in your answers)

# Seed 003: the 4x4 image 1..16 padded with p = 1, as the slide prints it.
grid = np.arange(1, 17).reshape(4, 4)
slide_003 = [[0, 0, 0, 0, 0, 0], [0, 1, 2, 3, 4, 0], [0, 5, 6, 7, 8, 0], [0, 9, 10, 11, 12, 0],
             [0, 13, 14, 15, 16, 0], [0, 0, 0, 0, 0, 0]]
padded = zero_pad(grid, 1)
check_value(None if padded is None else np.shape(padded), (6, 6), "zero_pad(4x4 image, p=1): shape",
            why="p zeros on each side: 4 + 2·1 = 6 rows and 6 columns",
            mistakes={(5, 5): "padding one side only (p in total instead of p on each side)",
                      (6, 4): "padding the rows only", (4, 6): "padding the columns only"})
check_array(padded, slide_003, "zero_pad(1..16, p=1)", why="the image sits in the middle of a ring of zeros")
check_array(zero_pad(grid, 0), grid, "zero_pad(x, p=0)", why="p = 0 adds nothing")
# An H×W×C image: height and width are padded, the channels never.
rgb = np.arange(1, 2 * 3 * 3 + 1).reshape(2, 3, 3)
padded = zero_pad(rgb, 2)
check_value(None if padded is None else np.shape(padded), (6, 7, 3), "zero_pad(2x3x3 image, p=2): shape",
            why="(H + 2p)×(W + 2p)×C = (2 + 4)×(3 + 4)×3: the channel axis is not padded",
            mistakes={(6, 7, 7): "padding the channel axis too", (4, 5, 3): "padding one side only",
                      (2, 3, 3): "returning 3-D images unpadded"})
keras_padded = keras.ops.convert_to_numpy(keras.layers.ZeroPadding2D(2)(rgb[None].astype("float32")))[0]
check_array(padded, keras_padded, "zero_pad(2x3x3 image, p=2)", why="keras.layers.ZeroPadding2D(2)")
### BEGIN HIDDEN TESTS
x = np.arange(1, 4 * 5 * 2 + 1).reshape(4, 5, 2) * 0.5
want = keras.ops.convert_to_numpy(keras.layers.ZeroPadding2D(3)(x[None].astype("float32")))[0]
check_array(zero_pad(x, 3), want, "zero_pad(4x5x2 image, p=3)", why="(H + 2p)×(W + 2p)×C, values kept")
check_array(zero_pad(np.ones((2, 7)), 1), np.pad(np.ones((2, 7)), 1), "zero_pad(2x7 image, p=1)")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "conv-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 3. Single-channel convolution, with padding and stride (2 points)
#
# Slide the kernel over the (padded) image; at each position multiply element-wise and sum. With stride
# $s$, output $(i, j)$ reads the window whose top-left corner is at $(i\cdot s,\ j\cdot s)$:
#
# $$\text{out}[i, j] = \sum_{a,b} X_p[i\cdot s + a,\ j\cdot s + b]\; W[a, b], \qquad
#   n_{out} = \left\lfloor \frac{n + 2p - k}{s} \right\rfloor + 1$$
#
# where $X_p$ is the image padded with $p$ zeros. The kernel is **not flipped** (section 7).
# Seed 003's worked example: the 5×5 image and 3×3 kernel of the test below give
# `[[12, 12, 17], [10, 17, 19], [9, 6, 14]]`.
#
# **Q2.** Write `conv2d_single(image, kernel, stride=1, padding=0)` for a 2-D image and a 2-D kernel (not
# necessarily square). A double loop is fine; `sliding_window_view` makes it fast enough for a photo.

# %% nbgrader={"grade": false, "grade_id": "conv2d_single", "locked": false, "schema_version": 3, "solution": true, "task": false}
def conv2d_single(image, kernel, stride=1, padding=0):
    # Slide kernel over the zero-padded image with the given stride; return the 2-D feature map.
    ### BEGIN SOLUTION
    x = zero_pad(np.asarray(image, dtype=float), padding)
    kernel = np.asarray(kernel, dtype=float)
    windows = sliding_window_view(x, kernel.shape)[::stride, ::stride]
    return np.einsum("ijab,ab->ij", windows, kernel)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_conv2d_single", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
import keras  # the reference: keras.ops.conv, Keras's own convolution (never in your answers)

# Seed 003's worked example, as the slide prints it.
image_003 = np.array([[3, 3, 2, 1, 0], [0, 0, 1, 3, 1], [3, 1, 2, 2, 3], [2, 0, 0, 2, 2], [2, 0, 0, 0, 1]])
kernel_003 = np.array([[0, 1, 2], [2, 2, 0], [0, 1, 2]])
slide_003 = np.array([[12, 12, 17], [10, 17, 19], [9, 6, 14]])
flipped = keras.ops.convert_to_numpy(keras.ops.conv(image_003[None, :, :, None] * 1.0, kernel_003[::-1, ::-1, None, None] * 1.0))[0, :, :, 0]
check_array(conv2d_single(image_003, kernel_003), slide_003, "conv2d_single(seed 003 image, seed 003 kernel)",
            why="out[i, j] = Σ image[i + a, j + b]·kernel[a, b]; (5 − 3)/1 + 1 = 3 per axis",
            mistakes=[(slide_003[:2, :2], "range(n − k) instead of range(n − k + 1) (the last window is missing)"),
                      (flipped, "flipping the kernel (layers slide it unflipped)")])
# Seed 000's binary image and 3x3 kernel: the slide works out the first output, 4.
image_000 = np.array([[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]])
kernel_000 = np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]])
check_value(conv2d_single(image_000, kernel_000)[0, 0], 4, "seed 000: first output of the binary image",
            why="the slide's sum 1·1 + 1·0 + 1·1 + 0·0 + 1·1 + 1·0 + 0·1 + 0·0 + 1·1 = 4")
# Stride and padding: pad first, then move the window s pixels at a time.
padded = np.pad(image_003, 1)[None, :, :, None] * 1.0
want = keras.ops.convert_to_numpy(keras.ops.conv(padded, kernel_003[:, :, None, None] * 1.0, strides=2))[0, :, :, 0]
every_pixel = keras.ops.convert_to_numpy(keras.ops.conv(padded, kernel_003[:, :, None, None] * 1.0, strides=1))[0, :, :, 0]
unpadded = keras.ops.convert_to_numpy(keras.ops.conv(image_003[None, :, :, None] * 1.0, kernel_003[:, :, None, None] * 1.0, strides=2))[0, :, :, 0]
check_array(conv2d_single(image_003, kernel_003, stride=2, padding=1), want, "conv2d_single(seed 003, stride=2, padding=1)",
            why="⌊(5 + 2·1 − 3)/2⌋ + 1 = 3: pad with 1 zero, then windows at rows and columns 0, 2, 4",
            mistakes=[(every_pixel, "ignoring the stride (the window moves 1 pixel at a time)"),
                      (unpadded, "ignoring the padding"), (slide_003, "ignoring both stride and padding")])
# A kernel that is not square: 2x3 on a 6x7 image gives (6 − 2 + 1)×(7 − 3 + 1) = 5×5.
rect = np.arange(6 * 7).reshape(6, 7) % 5
kernel_rect = np.array([[1, 0, -1], [2, 0, -2]])
want = keras.ops.convert_to_numpy(keras.ops.conv(rect[None, :, :, None] * 1.0, kernel_rect[:, :, None, None] * 1.0))[0, :, :, 0]
check_array(conv2d_single(rect, kernel_rect), want, "conv2d_single(6x7 image, 2x3 kernel)",
            why="a kh×kw kernel gives (H − kh + 1)×(W − kw + 1) outputs: use both kernel sizes")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(7)
x, k = rng.normal(size=(9, 11)), rng.normal(size=(4, 3))
for s, p in [(1, 0), (2, 0), (3, 2), (2, 1), (1, 3)]:
    want = keras.ops.convert_to_numpy(keras.ops.conv(np.pad(x, p)[None, :, :, None], k[:, :, None, None], strides=s))[0, :, :, 0]
    check_array(conv2d_single(x, k, stride=s, padding=p), want,
                f"conv2d_single(9x11 image, 4x3 kernel, stride={s}, padding={p})", atol=1e-4,
                why="⌊(n + 2p − k)/s⌋ + 1 outputs per axis; window (i, j) starts at (i·s, j·s) of the padded image")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "multi-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 4. Many channels in, many channels out, plus a bias (2 points)
#
# With $C_{in}$ input channels one kernel is $k_h \times k_w \times C_{in}$: each channel is convolved with
# its own slice and the results are **summed**, then the kernel's bias is added (seed 003:
# $(X * W)_{c_o} = \sum_{c_i} X_{c_i} * W_{c_o, c_i}$). $C_{out}$ such kernels give $C_{out}$ output
# channels, and output channel $o$ gets **its own** bias $b_o$.
#
# Seed 000's RGB example (padding 1, bias 1): the three channels give 308, −498 and 164 at the top-left
# corner, so the output there is 308 − 498 + 164 + 1 = **−25**.
#
# **Q3.** Write `conv2d(x, kernels, bias=None, stride=1, padding=0)` with `x` of shape `H×W×C_in`,
# `kernels` of shape `k_h×k_w×C_in×C_out` and `bias` of shape `(C_out,)` (or None: no bias); return
# `H'×W'×C_out`.

# %% nbgrader={"grade": false, "grade_id": "conv2d", "locked": false, "schema_version": 3, "solution": true, "task": false}
def conv2d(x, kernels, bias=None, stride=1, padding=0):
    # Multi-channel convolution: sum over input channels, one output channel per kernel, plus its bias.
    ### BEGIN SOLUTION
    x = zero_pad(np.asarray(x, dtype=float), padding)
    kernels = np.asarray(kernels, dtype=float)
    kh, kw = kernels.shape[:2]
    windows = sliding_window_view(x, (kh, kw), axis=(0, 1))[::stride, ::stride]  # H' W' C kh kw
    out = np.einsum("ijcab,abco->ijo", windows, kernels)
    return out if bias is None else out + np.asarray(bias, dtype=float)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_conv2d", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
import keras  # the reference: keras.ops.conv (never in your answers)

# Seed 000: the visible 5x5 corner of each channel, one 3x3 kernel per channel, bias 1, padding 1.
red = [[156, 155, 156, 158, 158], [153, 154, 157, 159, 159], [149, 151, 155, 158, 159],
       [146, 146, 149, 153, 158], [145, 143, 143, 148, 158]]
green = [[167, 166, 167, 169, 169], [164, 165, 168, 170, 170], [160, 162, 166, 169, 170],
         [156, 156, 159, 163, 168], [155, 153, 153, 158, 168]]
blue = [[163, 162, 163, 165, 165], [160, 161, 164, 166, 166], [156, 158, 162, 165, 166],
        [155, 155, 158, 162, 167], [154, 152, 152, 157, 167]]
rgb = np.stack([red, green, blue], axis=-1)
kernels_000 = np.stack([[[-1, -1, 1], [0, 1, -1], [0, 1, 1]],
                        [[1, 0, 0], [1, -1, -1], [1, 0, -1]],
                        [[0, 1, 1], [0, 1, 0], [1, -1, 1]]], axis=-1)[..., None]  # 3x3x3x1
out = conv2d(rgb, kernels_000, bias=[1], padding=1)
check_value(None if out is None else np.shape(out), (5, 5, 1), "conv2d(5x5x3 image, 3x3x3x1 kernels, padding=1): shape",
            why="(5 + 2·1 − 3)/1 + 1 = 5 rows and columns, one channel per kernel",
            mistakes={(3, 3, 1): "ignoring the padding", (5, 5, 3): "one output channel per input channel (sum over them)"})
check_value(out[0, 0, 0], -25, "seed 000: top-left output", why="the slide's 308 + (−498) + 164 + bias 1 = −25",
            mistakes={-26: "forgetting the bias", 309: "using only the first (red) input channel",
                      -26 / 3 + 1: "averaging the channels instead of summing them"})
want = keras.ops.convert_to_numpy(keras.ops.conv(np.pad(rgb, ((1, 1), (1, 1), (0, 0)))[None] * 1.0, kernels_000 * 1.0))[0]
check_array(out, want + 1, "conv2d(seed 000 RGB example)", why="sum over the 3 channels of each channel's window times its kernel slice, plus the bias")
# Four kernels, four biases: output channel o gets bias[o].
rng = np.random.default_rng(0)
x = rng.integers(-3, 4, size=(6, 5, 3))
k = rng.integers(-2, 3, size=(3, 3, 3, 4))
b = np.array([10, 20, 30, 40])
plain = keras.ops.convert_to_numpy(keras.ops.conv(x[None] * 1.0, k * 1.0))[0]
red_only = keras.ops.convert_to_numpy(keras.ops.conv(x[None, :, :, :1] * 1.0, k[:, :, :1] * 1.0))[0]
check_array(conv2d(x, k, b), plain + b, "conv2d(6x5x3, 3x3x3x4 kernels, bias [10, 20, 30, 40])",
            why="out[i, j, o] = Σ x[i + a, j + b, c]·k[a, b, c, o] + bias[o]",
            mistakes=[(plain + b[0], "adding bias[0] to every channel (output channel o gets bias[o])"),
                      (plain, "forgetting the bias"), (plain / 3 + b, "averaging over the input channels instead of summing"),
                      (red_only + b, "using only the first input channel")])
# Stride and padding, as in Q2.
padded = np.pad(x, ((1, 1), (1, 1), (0, 0)))[None] * 1.0
want = keras.ops.convert_to_numpy(keras.ops.conv(padded, k * 1.0, strides=2))[0] + b
every_pixel = keras.ops.convert_to_numpy(keras.ops.conv(padded, k * 1.0, strides=1))[0] + b
unpadded = keras.ops.convert_to_numpy(keras.ops.conv(x[None] * 1.0, k * 1.0, strides=2))[0] + b
check_array(conv2d(x, k, b, stride=2, padding=1), want, "conv2d(6x5x3, 3x3x3x4, stride=2, padding=1)",
            why="⌊(6 + 2 − 3)/2⌋ + 1 = 3 rows, ⌊(5 + 2 − 3)/2⌋ + 1 = 3 columns: pad height and width, then step by 2",
            mistakes=[(every_pixel, "ignoring the stride"), (unpadded, "ignoring the padding")])
### BEGIN HIDDEN TESTS
# Seed 003: a 28x28x3 image and four 5x5x3 kernels give 4 feature maps of 24x24.
rng = np.random.default_rng(3)
x, k, b = rng.normal(size=(28, 28, 3)), rng.normal(size=(5, 5, 3, 4)), rng.normal(size=4)
want = keras.ops.convert_to_numpy(keras.ops.conv(x[None], k))[0] + b
check_array(conv2d(x, k, b), want, "conv2d(28x28x3, 5x5x3x4 kernels, bias)", atol=1e-4)
check_array(conv2d(x, k), want - b, "conv2d(28x28x3, 5x5x3x4 kernels, bias=None)", atol=1e-4, why="bias=None adds nothing")
xs, ks = x[:9, :10], k[:3, :2]
want = keras.ops.convert_to_numpy(keras.ops.conv(np.pad(xs, ((2, 2), (2, 2), (0, 0)))[None], ks, strides=2))[0] + b
check_array(conv2d(xs, ks, b, stride=2, padding=2), want, "conv2d(9x10x3, 3x2x3x4 kernels, stride=2, padding=2)", atol=1e-4)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "pool-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 5. Pooling and flatten (3 points)
#
# Pooling slides a window (no weights) and keeps the maximum, the average or the minimum of each window,
# **channel by channel** (seed 001 lists max, min and average pooling): an `H×W×C` input gives an
# `H'×W'×C` output, with $H' = \lfloor (H - \text{size})/s \rfloor + 1$. Seed 003 pools the 4×4 grid
# `1..16` with a 2×2 window and stride 2: max `[[6, 8], [14, 16]]`, average `[[3.5, 5.5], [11.5, 13.5]]`.
#
# **Q4.** Write `pool2d(x, size=2, stride=None, mode="max")` for 2-D and `H×W×C` inputs: `stride`
# defaults to `size` (as in Keras); `mode` is `"max"`, `"avg"` or `"min"`.

# %% nbgrader={"grade": false, "grade_id": "pool2d", "locked": false, "schema_version": 3, "solution": true, "task": false}
def pool2d(x, size=2, stride=None, mode="max"):
    # Max / average / min over size x size windows moved by stride (default: size), per channel.
    ### BEGIN SOLUTION
    stride = size if stride is None else stride
    x = np.asarray(x, dtype=float)
    windows = sliding_window_view(x, (size, size), axis=(0, 1))[::stride, ::stride]
    reduce = {"max": np.max, "avg": np.mean, "min": np.min}[mode]
    return reduce(windows, axis=(-2, -1))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_pool2d", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
import keras  # the reference: keras.ops.max_pool / average_pool (never in your answers)

grid = np.arange(1, 17).reshape(4, 4)
# Seed 003: 2x2 pooling with stride 2 of 1..16, as the slide prints it.
check_array(pool2d(grid, 2, 2, mode="max"), [[6, 8], [14, 16]], "max pool of 1..16 (2x2, stride 2)",
            why="the largest of each 2x2 block")
check_array(pool2d(grid, 2, 2, mode="avg"), [[3.5, 5.5], [11.5, 13.5]], "average pool of 1..16 (2x2, stride 2)",
            why="the mean of each 2x2 block: (1 + 2 + 5 + 6)/4 = 3.5")
# Seed 000's 4x4 example: max pool [[9, 7], [8, 6]] (slide); the average and the minimum are Keras's.
x_000 = np.array([[2, 2, 7, 3], [9, 4, 6, 1], [8, 5, 2, 4], [3, 1, 2, 6]])
check_array(pool2d(x_000, 2, 2, "max"), [[9, 7], [8, 6]], "seed 000 max pool")
as_batch = x_000[None, :, :, None] * 1.0
check_array(pool2d(x_000, 2, 2, "avg"), keras.ops.convert_to_numpy(keras.ops.average_pool(as_batch, 2, 2))[0, :, :, 0],
            "seed 000 average pool")
check_array(pool2d(x_000, 2, 2, "min"), -keras.ops.convert_to_numpy(keras.ops.max_pool(-as_batch, 2, 2))[0, :, :, 0],
            "seed 000 min pool", why="min(x) = −max(−x) over each window")
# The default stride is the window size.
x6 = np.arange(36).reshape(6, 6)
want = keras.ops.convert_to_numpy(keras.ops.max_pool(x6[None, :, :, None] * 1.0, 3))[0, :, :, 0]
step_one = keras.ops.convert_to_numpy(keras.ops.max_pool(x6[None, :, :, None] * 1.0, 3, strides=1))[0, :, :, 0]
check_array(pool2d(x6, 3), want, "pool2d(6x6, size=3) with the default stride",
            why="stride=None means stride = size (as in Keras): ⌊(6 − 3)/3⌋ + 1 = 2",
            mistakes=[(step_one, "a default stride of 1 instead of the window size")])
# Seed 000 shows this 5x5 image (the one of seed 003's worked example) max-pooled into [[3, 3, 3], [3, 3, 3],
# [3, 2, 3]]: a 3x3 window moved 1 pixel at a time.
image_003 = np.array([[3, 3, 2, 1, 0], [0, 0, 1, 3, 1], [3, 1, 2, 2, 3], [2, 0, 0, 2, 2], [2, 0, 0, 0, 1]])
check_array(pool2d(image_003, 3, 1), [[3, 3, 3], [3, 3, 3], [3, 2, 3]], "seed 000: 3x3 max pool, stride 1",
            why="overlapping windows: ⌊(5 − 3)/1⌋ + 1 = 3 per axis")
# Channels are pooled one by one: a 4x4x2 input gives 2x2x2.
x2 = np.stack([x_000, 10 - x_000], axis=-1)
want = keras.ops.convert_to_numpy(keras.ops.max_pool(x2[None] * 1.0, 2))[0]
check_array(pool2d(x2, 2, 2), want, "max pool of a 4x4x2 input", why="each channel is pooled on its own: 2x2x2 out",
            mistakes=[(want.max(axis=-1), "taking the maximum over the channels too")])
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(11)
x = rng.normal(size=(7, 9, 3)).astype("float32")
for size, stride in [(2, 2), (3, 2), (2, 1), (3, None)]:
    s = size if stride is None else stride
    check_array(pool2d(x, size, stride, "max"), keras.ops.convert_to_numpy(keras.ops.max_pool(x[None], size, s))[0],
                f"max pool {size}x{size}/{stride} of 7x9x3", atol=1e-5)
    check_array(pool2d(x, size, stride, "avg"), keras.ops.convert_to_numpy(keras.ops.average_pool(x[None], size, s))[0],
                f"avg pool {size}x{size}/{stride} of 7x9x3", atol=1e-5)
    check_array(pool2d(x, size, stride, "min"), -keras.ops.convert_to_numpy(keras.ops.max_pool(-x[None], size, s))[0],
                f"min pool {size}x{size}/{stride} of 7x9x3", atol=1e-5, why="min(x) = −max(−x)")
# Seed 001: [[5,1,3,4],[8,2,9,2],[1,3,0,1],[2,2,2,0]] -> [[8, 9], [3, 2]]; seed 002: -> [[3, 5], [2, 4]].
check_array(pool2d(np.array([[5, 1, 3, 4], [8, 2, 9, 2], [1, 3, 0, 1], [2, 2, 2, 0]]), 2), [[8, 9], [3, 2]], "seed 001 max pool")
check_array(pool2d(np.array([[1, 2, 5, 3], [3, 0, 1, 2], [2, 1, 3, 4], [1, 1, 2, 0]]), 2), [[3, 5], [2, 4]], "seed 002 max pool")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "flatten-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Q5.** Write `flatten(x)`: the 1-D vector a fully connected layer receives, in Keras's order (row by
# row, and within a pixel its channels, innermost). Seed 000 flattens `[[1, 1, 0], [4, 2, 1], [0, 2, 1]]`
# into `[1, 1, 0, 4, 2, 1, 0, 2, 1]`.

# %% nbgrader={"grade": false, "grade_id": "flatten", "locked": false, "schema_version": 3, "solution": true, "task": false}
def flatten(x):
    # Row-major 1-D view of x (height, then width, then channels), as keras.layers.Flatten.
    ### BEGIN SOLUTION
    return np.asarray(x).reshape(-1)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_flatten", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
import keras  # the reference: keras.layers.Flatten (never in your answers)

check_array(flatten([[1, 1, 0], [4, 2, 1], [0, 2, 1]]), [1, 1, 0, 4, 2, 1, 0, 2, 1], "flatten(seed 000 3x3)",
            why="row by row, as the slide shows",
            mistakes=[([1, 4, 0, 1, 2, 2, 0, 1, 1], "column by column (order='F')")])
x = np.arange(2 * 3 * 4).reshape(2, 3, 4)
want = keras.ops.convert_to_numpy(keras.layers.Flatten()(x[None] * 1.0))[0]
check_array(flatten(x), want, "flatten(2x3x4) in Keras's order", why="height, then width, then channels (innermost)",
            mistakes=[(x.transpose(2, 0, 1).reshape(-1), "channels first (one whole channel after another)"),
                      (x.reshape(-1, order="F"), "column-major (Fortran) order")])
### BEGIN HIDDEN TESTS
x = np.arange(3 * 2 * 5).reshape(3, 2, 5) * 0.5
check_array(flatten(x), keras.ops.convert_to_numpy(keras.layers.Flatten()(x[None]))[0], "flatten(3x2x5) in Keras's order")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "kernels-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 6. Classic kernels on a real photo (1 point)
#
# Seed 003 shows three hand-made kernels. Apply each to the camera photo with `padding=1` (a 3×3 kernel
# then keeps the size: (128 + 2·1 − 3)/1 + 1 = 128).
#
# **Q6.** Fill the dict `filtered` with `conv2d_single(photo, kernel, padding=1)` for every kernel of
# `KERNELS`, under the same names.

# %% nbgrader={"grade": false, "grade_id": "kernels", "locked": true, "schema_version": 3, "solution": false, "task": false}
KERNELS = {  # seed 003
    "identity": np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]]),
    "edge": np.array([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]]),
    "sharpen": np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]]),
}

# %% nbgrader={"grade": false, "grade_id": "filtered", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
filtered = {name: conv2d_single(photo, kernel, padding=1) for name, kernel in KERNELS.items()}
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_filtered", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
import keras  # the reference: keras.ops.conv (never in your answers)

check_value(sorted(filtered), sorted(KERNELS), "the names in filtered", why="one entry per kernel of KERNELS")
for name, kernel in KERNELS.items():
    want = keras.ops.convert_to_numpy(keras.ops.conv(np.pad(photo, 1)[None, :, :, None], kernel[:, :, None, None] * 1.0))[0, :, :, 0]
    check_array(filtered[name], want, f"the {name} kernel on the photo", atol=1e-4,
                why="conv2d_single(photo, kernel, padding=1): (128 + 2·1 − 3)/1 + 1 = 128 keeps the size",
                mistakes=[(want[1:-1, 1:-1], "forgetting padding=1")])

# %% nbgrader={"grade": false, "grade_id": "plot-filtered", "locked": true, "schema_version": 3, "solution": false, "task": false}
fig, axes = plt.subplots(1, 3, figsize=(10, 3.6))
for ax, (name, img) in zip(axes, filtered.items()):
    ax.imshow(np.clip(img, 0, 1), cmap="gray"); ax.set_title(name); ax.axis("off")
plt.show()

# %% [markdown] nbgrader={"grade": false, "grade_id": "flip-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 7. Cross-correlation or convolution? (1 point)
#
# What deep-learning libraries call *convolution* is, strictly, **cross-correlation**: the kernel is not
# flipped. Mathematical convolution flips the kernel in **both** axes (up–down and left–right) first. For
# the symmetric kernels of section 6 there is no difference; for seed 003's kernel there is.
#
# **Q7.** Write `true_convolution(image, kernel, padding=0)` (flip, then slide as `conv2d_single` does) and
# set `TF_COMPUTES` to the one that TensorFlow's and Keras's convolution layers compute:
# `"cross-correlation"` or `"convolution"`.

# %% nbgrader={"grade": false, "grade_id": "true_convolution", "locked": false, "schema_version": 3, "solution": true, "task": false}
def true_convolution(image, kernel, padding=0):
    # Mathematical convolution: flip the kernel in both axes, then slide it as conv2d_single does.
    ### BEGIN SOLUTION
    return conv2d_single(image, np.asarray(kernel)[::-1, ::-1], padding=padding)
    ### END SOLUTION


### BEGIN SOLUTION
TF_COMPUTES = "cross-correlation"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_true_convolution", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
import scipy.signal  # the reference: scipy's mathematical convolution (never in your answers)

# Seed 003's 4x4 image 1..16 and a 2x2 kernel with no symmetry at all.
grid, kernel = np.arange(1, 17).reshape(4, 4), np.array([[1, 2], [3, 4]])
check_array(true_convolution(grid, kernel), scipy.signal.convolve2d(grid, kernel, mode="valid"),
            "true_convolution(1..16, [[1, 2], [3, 4]])", why="flip the kernel up–down AND left–right, then slide it",
            mistakes=[(scipy.signal.correlate2d(grid, kernel, mode="valid"), "not flipping at all (that is cross-correlation)"),
                      (scipy.signal.correlate2d(grid, kernel[::-1], mode="valid"), "flipping up–down only"),
                      (scipy.signal.correlate2d(grid, kernel[:, ::-1], mode="valid"), "flipping left–right only"),
                      (scipy.signal.correlate2d(grid, kernel.T, mode="valid"), "transposing instead of flipping")])
image_003 = np.array([[3, 3, 2, 1, 0], [0, 0, 1, 3, 1], [3, 1, 2, 2, 3], [2, 0, 0, 2, 2], [2, 0, 0, 0, 1]])
kernel_003 = np.array([[0, 1, 2], [2, 2, 0], [0, 1, 2]])
check_array(true_convolution(image_003, kernel_003), scipy.signal.convolve2d(image_003, kernel_003, mode="valid"),
            "true_convolution(seed 003 image, seed 003 kernel)", why="flip the kernel in both axes, then slide it")
check_value(TF_COMPUTES in ("cross-correlation", "convolution"), True, f"TF_COMPUTES = {TF_COMPUTES!r}",
            why="one of the two strings 'cross-correlation' or 'convolution'")
### BEGIN HIDDEN TESTS
check_value(TF_COMPUTES, "cross-correlation", "TF_COMPUTES",
            why="tf.nn.conv2d and keras.layers.Conv2D slide the kernel as it is, exactly like your conv2d_single")
rng = np.random.default_rng(5)
x, k = rng.normal(size=(8, 6)), rng.normal(size=(3, 2))
check_array(true_convolution(x, k, padding=1), scipy.signal.convolve2d(np.pad(x, 1), k, mode="valid"),
            "true_convolution(8x6, 3x2 kernel, padding=1)", atol=1e-9)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "backward-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 8. Beyond the forward pass: gradients (4 points)
#
# Training needs the gradient of the loss $L$ with respect to the input, the kernels and the bias. If
# `dout` $= \partial L / \partial\,\text{out}$ (same shape as the output), then for each output position
# $(i, j)$, whose window starts at $(i\cdot s, j\cdot s)$ of the **padded** input $X_p$, and each output
# channel $o$:
#
# * $\partial L/\partial W_{:,:,:,o} \mathrel{+}= \text{dout}_{ijo}\, X_p[i s : i s + k_h,\ j s : j s + k_w,\ :]$,
# * $\partial L/\partial X_p[i s : i s + k_h,\ j s : j s + k_w,\ :] \mathrel{+}= \sum_o \text{dout}_{ijo}\, W_{:,:,:,o}$,
#   and at the end the padding is cut off: $\partial L/\partial X$ has the shape of $X$,
# * $\partial L/\partial b_o = \sum_{i,j} \text{dout}_{ijo}$ (one number per output channel).
#
# Max pooling passes each window's gradient to the position of its maximum only; where windows overlap, a
# position can receive gradient from several windows (they add up).
#
# The tests compare with what Keras computes. $L = \sum \text{out} \cdot \text{dout}$ is linear in $X$, so
# its gradient at entry $m$ of $X$ is $L$ evaluated at the one-hot input $e_m$: the tests run Keras's
# forward convolution on all one-hot inputs at once.
#
# **Q8.** Write `conv2d_backward(x, kernels, dout, stride=1, padding=0)` returning `(dx, dkernels, dbias)`
# with the shapes of `x`, `kernels` and `(C_out,)`.

# %% nbgrader={"grade": false, "grade_id": "conv2d_backward", "locked": false, "schema_version": 3, "solution": true, "task": false}
def conv2d_backward(x, kernels, dout, stride=1, padding=0):
    # Gradients of L with respect to x, kernels and bias, given dout = dL/d(conv2d(x, kernels, ...)).
    ### BEGIN SOLUTION
    xp = zero_pad(np.asarray(x, dtype=float), padding)
    kernels = np.asarray(kernels, dtype=float)
    dout = np.asarray(dout, dtype=float)
    kh, kw = kernels.shape[:2]
    dxp = np.zeros_like(xp)
    dk = np.zeros_like(kernels)
    for i in range(dout.shape[0]):
        for j in range(dout.shape[1]):
            r, c = i * stride, j * stride
            window = xp[r:r + kh, c:c + kw, :]
            dk += window[..., None] * dout[i, j]
            dxp[r:r + kh, c:c + kw, :] += kernels @ dout[i, j]
    dx = dxp[padding:xp.shape[0] - padding, padding:xp.shape[1] - padding] if padding else dxp
    return dx, dk, dout.sum(axis=(0, 1))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_conv2d_backward", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
import keras  # the reference: keras.ops.conv on one-hot inputs (never in your answers)

rng = np.random.default_rng(0)
x, k = rng.integers(-3, 4, size=(5, 5, 2)) * 1.0, rng.integers(-2, 3, size=(3, 3, 2, 3)) * 1.0
one_hot_x = np.eye(x.size).reshape(-1, *x.shape)            # every one-hot input, as a batch
one_hot_k = np.eye(9 * 2).reshape(3, 3, 2, 9 * 2)           # every one-hot 3x3x2 kernel, as output channels
# Stride 1, no padding: out is 3x3x3.
dout = rng.integers(-2, 3, size=(3, 3, 3)) * 1.0
want_dx = np.tensordot(keras.ops.convert_to_numpy(keras.ops.conv(one_hot_x, k)), dout, axes=3).reshape(x.shape)
want_dk = np.tensordot(keras.ops.convert_to_numpy(keras.ops.conv(x[None], one_hot_k))[0], dout, axes=([0, 1], [0, 1])).reshape(k.shape)
dx, dk, db = conv2d_backward(x, k, dout)
check_array(dx, want_dx, "dx (stride 1, padding 0)", why="each window's dout_ijo times kernel o, added back where the window was")
check_array(dk, want_dk, "dkernels (stride 1, padding 0)", why="each window of x times its dout_ijo, summed over the windows")
check_array(db, dout.sum(axis=(0, 1)), "dbias (stride 1, padding 0)", why="one number per output channel: dout summed over i and j",
            mistakes=[(dout.sum(), "summing over the channels too"), (dout.sum(axis=2), "summing over the channels instead of the positions")])
# Stride 2, padding 1: out is (5 + 2 − 3)/2 + 1 = 3 per axis; windows start at 0, 2, 4 of the 7x7 padded input.
dout = rng.integers(-2, 3, size=(3, 3, 3)) * 1.0
padded_one_hot = np.pad(one_hot_x, ((0, 0), (1, 1), (1, 1), (0, 0)))
xp = np.pad(x, ((1, 1), (1, 1), (0, 0)))
want_dx = np.tensordot(keras.ops.convert_to_numpy(keras.ops.conv(padded_one_hot, k, strides=2)), dout, axes=3).reshape(x.shape)
want_dk = np.tensordot(keras.ops.convert_to_numpy(keras.ops.conv(xp[None], one_hot_k, strides=2))[0], dout, axes=([0, 1], [0, 1])).reshape(k.shape)
stride_one_dx = np.tensordot(keras.ops.convert_to_numpy(keras.ops.conv(padded_one_hot, k))[:, :3, :3], dout, axes=3).reshape(x.shape)
stride_one_dk = np.tensordot(keras.ops.convert_to_numpy(keras.ops.conv(xp[None], one_hot_k))[0, :3, :3], dout, axes=([0, 1], [0, 1])).reshape(k.shape)
one_hot_xp = np.eye(xp.size).reshape(-1, *xp.shape)
uncut_dx = np.tensordot(keras.ops.convert_to_numpy(keras.ops.conv(one_hot_xp, k, strides=2)), dout, axes=3).reshape(xp.shape)
try:
    dx, dk, db = conv2d_backward(x, k, dout, stride=2, padding=1)
except (ValueError, IndexError) as exc:
    raise GradingError("conv2d_backward(stride=2, padding=1)", "three gradients", f"{type(exc).__name__} ({str(exc)[:60]})",
                       "pad x first (zero_pad(x, p)), put window (i, j) at (i·s, j·s), cut the padding off dx at the end") from None
check_array(dx, want_dx, "dx (stride 2, padding 1)", why="windows at (i·s, j·s) of the padded input; cut the padding off dx",
            mistakes=[(stride_one_dx, "ignoring the stride (windows at (i, j) instead of (2i, 2j))"),
                      (uncut_dx, "not cutting the padding off dx (its shape is the shape of x)")])
check_array(dk, want_dk, "dkernels (stride 2, padding 1)", why="the windows of the PADDED input, at (i·s, j·s)",
            mistakes=[(stride_one_dk, "ignoring the stride (windows at (i, j) instead of (2i, 2j))")])
check_array(db, dout.sum(axis=(0, 1)), "dbias (stride 2, padding 1)", why="dout summed over i and j, one per output channel")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(42)
x, k = rng.normal(size=(7, 8, 3)), rng.normal(size=(3, 2, 3, 4))
one_hot_x = np.eye(x.size).reshape(-1, *x.shape)
one_hot_k = np.eye(3 * 2 * 3).reshape(3, 2, 3, -1)
for stride, padding in [(2, 1), (1, 2), (3, 0)]:
    pads = ((padding, padding), (padding, padding), (0, 0))
    out_shape = keras.ops.convert_to_numpy(keras.ops.conv(np.pad(x, pads)[None], k, strides=stride))[0].shape
    dout = rng.normal(size=out_shape)
    want_dx = np.tensordot(keras.ops.convert_to_numpy(keras.ops.conv(np.pad(one_hot_x, ((0, 0), *pads)), k, strides=stride)),
                           dout, axes=3).reshape(x.shape)
    want_dk = np.tensordot(keras.ops.convert_to_numpy(keras.ops.conv(np.pad(x, pads)[None], one_hot_k, strides=stride))[0],
                           dout, axes=([0, 1], [0, 1])).reshape(k.shape)
    dx, dk, db = conv2d_backward(x, k, dout, stride, padding)
    check_array(dx, want_dx, f"dx (7x8x3 input, 3x2 kernels, stride={stride}, padding={padding})", atol=1e-4)
    check_array(dk, want_dk, f"dkernels (stride={stride}, padding={padding})", atol=1e-4)
    check_array(db, dout.sum(axis=(0, 1)), f"dbias (stride={stride}, padding={padding})", atol=1e-9)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "pool-backward-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Q9.** Write `maxpool_backward(x, dout, size=2, stride=None)` for `H×W×C` inputs: each entry of `dout`
# goes to the position of the maximum of its window, channel by channel; where windows overlap
# (`stride < size`) a position can be the maximum of several windows, and their gradients **add up**.
# `stride` defaults to `size`.

# %% nbgrader={"grade": false, "grade_id": "maxpool_backward", "locked": false, "schema_version": 3, "solution": true, "task": false}
def maxpool_backward(x, dout, size=2, stride=None):
    # Route each window's gradient to the position of its maximum, channel by channel.
    ### BEGIN SOLUTION
    stride = size if stride is None else stride
    x = np.asarray(x, dtype=float)
    dout = np.asarray(dout, dtype=float)
    dx = np.zeros_like(x)
    for i in range(dout.shape[0]):
        for j in range(dout.shape[1]):
            r, c = i * stride, j * stride
            window = x[r:r + size, c:c + size].reshape(size * size, -1)
            a, b = np.unravel_index(window.argmax(axis=0), (size, size))
            for ch in range(x.shape[2]):
                dx[r + a[ch], c + b[ch], ch] += dout[i, j, ch]
    return dx
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_maxpool_backward", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
import keras  # the reference: keras.ops.max_pool (never in your answers)

# Distinct integers, so every window has one maximum. Moving one entry by ±0.5 changes a window's
# maximum by ±0.5 exactly when that entry is the window's maximum: (pool(x + e/2) − pool(x − e/2)) is
# the derivative, for every entry e at once.
rng = np.random.default_rng(1)
x = rng.permutation(6 * 6 * 2).reshape(6, 6, 2) * 1.0
half = np.eye(x.size).reshape(-1, *x.shape) / 2
dout = rng.integers(1, 6, size=(3, 3, 2)) * 1.0
slope = keras.ops.convert_to_numpy(keras.ops.max_pool(x + half, 2) - keras.ops.max_pool(x - half, 2))
spread = keras.ops.convert_to_numpy(keras.ops.average_pool(x + half, 2) - keras.ops.average_pool(x - half, 2))
check_array(maxpool_backward(x, dout), np.tensordot(slope, dout, axes=3).reshape(x.shape), "maxpool_backward(6x6x2, size 2)",
            why="each dout entry goes to its window's maximum, the other positions get 0",
            mistakes=[(np.tensordot(spread, dout, axes=3).reshape(x.shape),
                       "spreading each gradient evenly over its window (average pooling's backward pass)")])
# Overlapping windows (size 3, stride 2): position (2, 2) holds the largest value and belongs to 4 windows.
x = rng.permutation(7 * 7 * 2).reshape(7, 7, 2) * 1.0
x[2, 2] = [200, 201]
ones = np.ones((3, 3, 2))
got = maxpool_backward(x, ones, 3, 2)
check_value(float(np.sum(got)), 18.0, "sum of maxpool_backward(7x7x2, dout of ones, size 3, stride 2)",
            why="each of the 3·3·2 = 18 windows sends its gradient 1 to one position; windows that share a maximum "
                "must add up (+=), not overwrite (=)")
half = np.eye(x.size).reshape(-1, *x.shape) / 2
slope = keras.ops.convert_to_numpy(keras.ops.max_pool(x + half, 3, 2) - keras.ops.max_pool(x - half, 3, 2))
check_array(got, np.tensordot(slope, ones, axes=3).reshape(x.shape), "maxpool_backward(7x7x2, size 3, stride 2)",
            why="position (2, 2) is the maximum of 4 overlapping windows: it receives 4")
### BEGIN HIDDEN TESTS
x = rng.permutation(7 * 9 * 3).reshape(7, 9, 3) * 1.0
half = np.eye(x.size).reshape(-1, *x.shape) / 2
for size, stride in [(3, 2), (2, 1), (2, None)]:
    s = size if stride is None else stride
    slope = keras.ops.convert_to_numpy(keras.ops.max_pool(x + half, size, s) - keras.ops.max_pool(x - half, size, s))
    dout = rng.normal(size=slope.shape[1:])
    check_array(maxpool_backward(x, dout, size, stride), np.tensordot(slope, dout, axes=3).reshape(x.shape),
                f"maxpool_backward(7x9x3, size={size}, stride={stride})", atol=1e-4)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "errata-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 9. Errata: check the slides' feature maps (2 points)
#
# Slides are typed by people. Two feature maps printed in the lectures are below, exactly as printed,
# with the image and the filter that produced them:
#
# * **seed 000** (the vision backbone lecture), "CONVOLUTION, Stride 1, Padding 0": a 5×5 image and a 2×2
#   filter give a 4×4 feature map;
# * **seed 001** (the CNN lecture's "loopy pattern detector"): the 7×5 image of a 9 and a 3×3 filter; the
#   printed values are the sums divided by 9, the number of entries in the filter (the perfect match in
#   the first row prints as 1), to two decimals.
#
# An entry is a **slip** when the printed value is not the exact value rounded to two decimals (it is off
# by more than 0.005).
#
# **Q10.** Compute both maps with your `conv2d_single`, compare, and fill `ERRATA_000` and `ERRATA_001`:
# for each slip, `(row, column): correct value rounded to 2 decimals` (0-based positions, as numpy
# indexes). Entries the slide gets right do not belong in the dicts.

# %% nbgrader={"grade": false, "grade_id": "errata-data", "locked": true, "schema_version": 3, "solution": false, "task": false}
IMAGE_000 = np.array([[0.4, 0.8, 0.1, -0.5, 0.1],
                      [0.3, -0.7, -0.4, 0.2, 0.5],
                      [0.2, -0.9, -0.3, 0.7, -0.6],
                      [0.1, 0.5, -0.2, -0.5, 0.8],
                      [-0.1, 0.4, 0.3, -0.7, 0.1]])
FILTER_000 = np.array([[-0.3, 0.4],
                       [0.8, -0.2]])
SLIDE_000 = np.array([[0.58, -0.68, -0.59, 0.25],       # as printed in seed 000
                      [-0.03, -0.64, -0.18, 0.82],
                      [-0.44, 0.59, 0.46, -1.01],
                      [-0.88, 0.03, 0.24, -0.11]])

LOOPY_IMAGE = np.array([[-1, 1, 1, 1, -1],
                        [-1, 1, -1, 1, -1],
                        [-1, 1, 1, 1, -1],
                        [-1, -1, -1, 1, -1],
                        [-1, -1, -1, 1, -1],
                        [-1, -1, 1, -1, -1],
                        [-1, 1, -1, -1, -1]])
LOOPY_FILTER = np.array([[1, 1, 1],
                         [1, -1, 1],
                         [1, 1, 1]])
SLIDE_001 = np.array([[-0.11, 1, -0.11],                 # as printed in seed 001 (sums divided by 9)
                      [-0.55, 0.11, -0.33],
                      [-0.33, 0.33, -0.33],
                      [-0.22, -0.11, -0.22],
                      [-0.33, -0.33, -0.33]])

# %% nbgrader={"grade": false, "grade_id": "errata", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
exact_000 = conv2d_single(IMAGE_000, FILTER_000)
exact_001 = conv2d_single(LOOPY_IMAGE, LOOPY_FILTER) / 9
ERRATA_000 = {(int(i), int(j)): round(float(exact_000[i, j]), 2)
              for i, j in np.argwhere(np.abs(exact_000 - SLIDE_000) > 0.005)}
ERRATA_001 = {(int(i), int(j)): round(float(exact_001[i, j]), 2)
              for i, j in np.argwhere(np.abs(exact_001 - SLIDE_001) > 0.005)}
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_errata_000", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
import keras  # the reference: keras.ops.conv (never in your answers)

exact = keras.ops.convert_to_numpy(keras.ops.conv(IMAGE_000[None, :, :, None], FILTER_000[:, :, None, None]))[0, :, :, 0]
slips = sorted((int(i), int(j)) for i, j in np.argwhere(np.abs(exact - SLIDE_000) > 0.005))
found = {}
for key, value in dict(ERRATA_000).items():
    if not (isinstance(key, tuple) and len(key) == 2):
        raise GradingError(f"ERRATA_000 key {key!r}", "a (row, column) pair such as (1, 1)", repr(key), "one entry per wrong number")
    found[tuple(int(v) for v in key)] = float(value)
if found and sorted((i - 1, j - 1) for i, j in found) == slips:
    raise GradingError("ERRATA_000 positions", slips, sorted(found), "positions are 0-based numpy indices: the first row is 0")
for i, j in slips:
    window = IMAGE_000[i:i + 2, j:j + 2]
    terms = " + ".join(f"({a:g})·({w:g})" for a, w in zip(window.ravel(), FILTER_000.ravel()))
    why = f"window IMAGE_000[{i}:{i + 2}, {j}:{j + 2}] times the filter: {terms} = {exact[i, j]:.2f}"
    if (i, j) not in found:
        raise GradingError(f"ERRATA_000[({i}, {j})]", f"{exact[i, j]:.2f} (the slide prints {SLIDE_000[i, j]:.2f})", "no entry", why)
    want = round(float(exact[i, j]), 2)
    check_value(found[(i, j)], want, f"ERRATA_000[({i}, {j})]", rel_tol=0.0051 / abs(want),
                why=why, mistakes={SLIDE_000[i, j]: "copying the slide's value"})
for i, j in sorted(set(found) - set(slips)):
    in_range = 0 <= i < 4 and 0 <= j < 4
    raise GradingError(f"ERRATA_000[({i}, {j})]", "no entry: only the slide's wrong numbers belong here", found[(i, j)],
                       f"the slide's {SLIDE_000[i, j]:.2f} is right (exactly {exact[i, j]:.4f})" if in_range
                       else "the map is 4x4: rows and columns 0 to 3")
print("Corrections to seed 000's feature map:")
for i, j in slips:
    print(f"  ({i}, {j}): the slide prints {SLIDE_000[i, j]:.2f}, the filter gives {exact[i, j]:.2f}")

# %% nbgrader={"grade": true, "grade_id": "test_errata_001", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
import keras  # the reference: keras.ops.conv (never in your answers)

exact = keras.ops.convert_to_numpy(keras.ops.conv(LOOPY_IMAGE[None, :, :, None] * 1.0, LOOPY_FILTER[:, :, None, None] * 1.0))[0, :, :, 0] / 9
slips = sorted((int(i), int(j)) for i, j in np.argwhere(np.abs(exact - SLIDE_001) > 0.005))
found = {}
for key, value in dict(ERRATA_001).items():
    if not (isinstance(key, tuple) and len(key) == 2):
        raise GradingError(f"ERRATA_001 key {key!r}", "a (row, column) pair such as (3, 0)", repr(key), "one entry per wrong number")
    found[tuple(int(v) for v in key)] = float(value)
if found and sorted((i - 1, j - 1) for i, j in found) == slips:
    raise GradingError("ERRATA_001 positions", slips, sorted(found), "positions are 0-based numpy indices: the first row is 0")
for i, j in slips:
    total = int(round(exact[i, j] * 9))
    why = (f"the window LOOPY_IMAGE[{i}:{i + 3}, {j}:{j + 3}] times the filter sums to {total}, and {total}/9 = "
           f"{exact[i, j]:.4f}, which rounds to {exact[i, j]:.2f}")
    if (i, j) not in found:
        raise GradingError(f"ERRATA_001[({i}, {j})]", f"{exact[i, j]:.2f} (the slide prints {SLIDE_001[i, j]:.2f})", "no entry", why)
    want = round(float(exact[i, j]), 2)
    check_value(found[(i, j)], want, f"ERRATA_001[({i}, {j})]", rel_tol=0.0051 / abs(want),
                why=why, mistakes={SLIDE_001[i, j]: "copying the slide's value", exact[i, j] * 9: "forgetting to divide by 9"})
for i, j in sorted(set(found) - set(slips)):
    in_range = 0 <= i < 5 and 0 <= j < 3
    raise GradingError(f"ERRATA_001[({i}, {j})]", "no entry: only the slide's wrong numbers belong here", found[(i, j)],
                       f"the slide's {SLIDE_001[i, j]:.2f} is right (exactly {exact[i, j]:.4f})" if in_range
                       else "the map is 5x3: rows 0 to 4, columns 0 to 2")
print("Corrections to seed 001's feature map:")
for i, j in slips:
    print(f"  ({i}, {j}): the slide prints {SLIDE_001[i, j]:.2f}, the filter gives {int(round(exact[i, j] * 9))}/9 = {exact[i, j]:.2f}")

# %% [markdown] nbgrader={"grade": false, "grade_id": "outro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## What you built
#
# A convolutional layer is `conv2d` + bias + an activation; a pooling layer is `pool2d`; the classifier
# head starts with `flatten`. With `conv2d_backward` and `maxpool_backward` you have everything
# backpropagation needs. Next (02): how big are the outputs, how many parameters, how much compute — and
# more of the slides' numbers to check.
#
# **Hand in** this notebook (saved, with your answers). Nothing else.
