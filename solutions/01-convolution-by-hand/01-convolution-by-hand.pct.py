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
# You will write, in plain numpy, everything a convolutional layer does: zero padding, single- and
# multi-channel convolution with bias, stride, max / average / min pooling and flatten — then the
# **backward pass** of convolution and max pooling, checked with a numeric gradient.
# Every function is compared with TensorFlow (`tf.nn.conv2d`, `tf.nn.max_pool2d`) and with the worked
# examples of the lectures.
#
# Conventions (the same as Keras): an image is an array `(height, width)` or `(height, width, channels)`;
# a bank of kernels is `(kernel_h, kernel_w, channels_in, channels_out)`.
#
# Fill in every `# YOUR CODE HERE`. Run the test cell under each question: a failing test tells you what
# was expected, what your code gave, and why.

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import numpy as np
import matplotlib.pyplot as plt
import skimage.data
import tensorflow as tf
from numpy.lib.stride_tricks import sliding_window_view

from cnnkit.grading import check_array, check_output_shape

np.set_printoptions(precision=3, suppress=True)


def numeric_gradient(f, x, eps=1e-6):
    # Central differences of the scalar function f at x, one entry at a time.
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + eps
        f_plus = f(x)
        x[idx] = old - eps
        f_minus = f(x)
        x[idx] = old
        grad[idx] = (f_plus - f_minus) / (2 * eps)
    return grad


def tf_conv(x, kernels, stride=1, padding=0):
    # TensorFlow's convolution of one HxWxC image with HWIO kernels and explicit zero padding.
    x = tf.constant(np.asarray(x, dtype=float)[None])
    k = tf.constant(np.asarray(kernels, dtype=float))
    pads = [[0, 0], [padding, padding], [padding, padding], [0, 0]]
    return tf.nn.conv2d(x, k, strides=stride, padding=pads).numpy()[0]


# %% [markdown] nbgrader={"grade": false, "grade_id": "images-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 1. Images are arrays
#
# A grayscale photo is a 2-D array of brightness values, a colour photo a 3-D array with one channel per
# colour (seed 000: *"1920 x 1080 x 3 (full HD color)"*). scikit-image ships a few real photos:

# %% nbgrader={"grade": false, "grade_id": "images", "locked": true, "schema_version": 3, "solution": false, "task": false}
photo_rgb = skimage.data.astronaut()          # uint8, (512, 512, 3)
photo = skimage.data.camera()[::4, ::4] / 255.0  # grayscale, downsampled to 128x128, values in [0, 1]
print("astronaut:", photo_rgb.shape, photo_rgb.dtype, " camera:", photo.shape, photo.dtype)
print("top-left 4x4 of the red channel:\n", photo_rgb[:4, :4, 0])
fig, axes = plt.subplots(1, 2, figsize=(7, 3.5))
axes[0].imshow(photo_rgb); axes[0].set_title("astronaut (RGB)")
axes[1].imshow(photo, cmap="gray"); axes[1].set_title("camera (gray)")
for ax in axes: ax.axis("off")
plt.show()


# %% [markdown] nbgrader={"grade": false, "grade_id": "pad-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 2. Zero padding
#
# Padding adds a border of `p` zeros on every side of the height and width (never of the channels).
# Seed 003 pads the 4×4 image `1..16` with `p = 1` into a 6×6 one.
#
# **Q1.** Write `zero_pad(x, p)` for 2-D and 3-D (`H×W×C`) arrays.

# %% nbgrader={"grade": false, "grade_id": "zero_pad", "locked": false, "schema_version": 3, "solution": true, "task": false}
def zero_pad(x, p):
    # Add p zeros on each side of the first two axes of x.
    ### BEGIN SOLUTION
    x = np.asarray(x)
    widths = [(p, p), (p, p)] + [(0, 0)] * (x.ndim - 2)
    return np.pad(x, widths)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_zero_pad", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
# Seed 003: the 4x4 image 1..16 padded with p = 1.
grid = np.arange(1, 17).reshape(4, 4)
expected = [[0, 0, 0, 0, 0, 0],
            [0, 1, 2, 3, 4, 0],
            [0, 5, 6, 7, 8, 0],
            [0, 9, 10, 11, 12, 0],
            [0, 13, 14, 15, 16, 0],
            [0, 0, 0, 0, 0, 0]]
check_array(zero_pad(grid, 1), expected, "zero_pad(1..16, p=1)")
check_array(zero_pad(grid, 0), grid, "zero_pad(x, p=0)", why="p = 0 adds nothing")
### BEGIN HIDDEN TESTS
rgb = np.arange(2 * 3 * 3).reshape(2, 3, 3) + 1
check_array(zero_pad(rgb, 2), np.pad(rgb, ((2, 2), (2, 2), (0, 0))), "zero_pad(2x3x3 image, p=2)",
            why="only height and width are padded, never the channels")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "conv-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 3. Single-channel convolution, with padding and stride
#
# Slide the kernel over the (padded) image; at each position multiply element-wise and sum
# (seed 003: $(X * W)[i, j] = \sum_{a,b} X[i\cdot s + a,\ j\cdot s + b]\, W[a, b]$). The output has
# $\lfloor (n + 2p - k)/s \rfloor + 1$ rows and columns.
#
# Seed 003's worked example: the 5×5 image and 3×3 kernel below give
# `[[12, 12, 17], [10, 17, 19], [9, 6, 14]]`.
#
# **Q2.** Write `conv2d_single(image, kernel, stride=1, padding=0)` (2-D image, 2-D kernel).
# A double loop is fine; `sliding_window_view` makes it fast enough for a photo.

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
# Seed 003's worked example.
image_003 = np.array([[3, 3, 2, 1, 0],
                      [0, 0, 1, 3, 1],
                      [3, 1, 2, 2, 3],
                      [2, 0, 0, 2, 2],
                      [2, 0, 0, 0, 1]])
kernel_003 = np.array([[0, 1, 2],
                       [2, 2, 0],
                       [0, 1, 2]])
check_array(conv2d_single(image_003, kernel_003), [[12, 12, 17], [10, 17, 19], [9, 6, 14]],
            "conv2d_single(seed 003 image, seed 003 kernel)")
# Seed 000's binary image and 3x3 kernel: the slide shows the first output, 4;
# the rest of the map is what TensorFlow computes.
image_000 = np.array([[1, 1, 1, 0, 0],
                      [0, 1, 1, 1, 0],
                      [0, 0, 1, 1, 1],
                      [0, 0, 1, 1, 0],
                      [0, 1, 1, 0, 0]])
kernel_000 = np.array([[1, 0, 1],
                       [0, 1, 0],
                       [1, 0, 1]])
out_000 = conv2d_single(image_000, kernel_000)
assert out_000[0, 0] == 4, f"seed 000: the first output is 4 (1·1 + 1·0 + 1·1 + 0·0 + 1·1 + ...), got {out_000[0, 0]}"
check_array(out_000, tf_conv(image_000[..., None], kernel_000[..., None, None])[..., 0], "conv2d_single(seed 000)")
# Stride and padding: (5 - 3 + 2·1)/2 + 1 = 3 outputs per axis.
check_array(conv2d_single(image_003, kernel_003, stride=2, padding=1),
            tf_conv(image_003[..., None], kernel_003[..., None, None], stride=2, padding=1)[..., 0],
            "conv2d_single(stride=2, padding=1)")
### BEGIN HIDDEN TESTS
# Seed 000's 5x5 image with a 2x2 filter: the first row of the slide's 4x4 feature map.
image_f = np.array([[0.4, 0.8, 0.1, -0.5, 0.1], [0.3, -0.7, -0.4, 0.2, 0.5], [0.2, -0.9, -0.3, 0.7, -0.6],
                    [0.1, 0.5, -0.2, -0.5, 0.8], [-0.1, 0.4, 0.3, -0.7, 0.1]])
filter_f = np.array([[-0.3, 0.4], [0.8, -0.2]])
out_f = conv2d_single(image_f, filter_f)
check_array(out_f[0], [0.58, -0.68, -0.59, 0.25], "seed 000 2x2 filter, first row", atol=0.006)
check_array(out_f, tf_conv(image_f[..., None], filter_f[..., None, None])[..., 0], "seed 000 2x2 filter", atol=1e-9)
# Seed 001's "loopy pattern" detector on the 7x5 image, divided by 9 (rows 1 and 3 of the slide).
loopy = np.array([[-1, 1, 1, 1, -1], [-1, 1, -1, 1, -1], [-1, 1, 1, 1, -1], [-1, -1, -1, 1, -1],
                  [-1, -1, -1, 1, -1], [-1, -1, 1, -1, -1], [-1, 1, -1, -1, -1]])
detector = np.array([[1, 1, 1], [1, -1, 1], [1, 1, 1]])
fmap = conv2d_single(loopy, detector) / 9
check_output_shape(fmap, (5, 3), "loopy feature map")
check_array(fmap[[0, 2]], [[-0.11, 1, -0.11], [-0.33, 0.33, -0.33]], "seed 001 feature map rows 1 and 3", atol=0.006)
rng = np.random.default_rng(7)
x, k = rng.normal(size=(9, 11)), rng.normal(size=(4, 3))
for s, p in [(1, 0), (2, 0), (3, 2), (2, 1)]:
    check_array(conv2d_single(x, k, stride=s, padding=p), tf_conv(x[..., None], k[..., None, None], s, p)[..., 0],
                f"conv2d_single(9x11 image, 4x3 kernel, stride={s}, padding={p})", atol=1e-9)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "multi-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 4. Many channels in, many channels out, plus a bias
#
# With `C_in` input channels, one kernel is `k×k×C_in`: each channel is convolved with its own slice and
# the results are **summed**, then a bias is added (seed 003: $(X * W)_{c_o} = \sum_{c_i} X_{c_i} * W_{c_o, c_i}$).
# `C_out` such kernels give `C_out` output channels.
#
# Seed 000's RGB example (padding 1, bias 1): the three channels give 308, −498 and 164 at the top-left
# corner, so the output there is 308 − 498 + 164 + 1 = **−25**.
#
# **Q3.** Write `conv2d(x, kernels, bias=None, stride=1, padding=0)` with `x` of shape `H×W×C_in`,
# `kernels` of shape `k_h×k_w×C_in×C_out`, `bias` of shape `(C_out,)`; return `H'×W'×C_out`.

# %% nbgrader={"grade": false, "grade_id": "conv2d", "locked": false, "schema_version": 3, "solution": true, "task": false}
def conv2d(x, kernels, bias=None, stride=1, padding=0):
    # Multi-channel convolution: sum over input channels, one output channel per kernel, plus bias.
    ### BEGIN SOLUTION
    x = zero_pad(np.asarray(x, dtype=float), padding)
    kernels = np.asarray(kernels, dtype=float)
    kh, kw = kernels.shape[:2]
    windows = sliding_window_view(x, (kh, kw), axis=(0, 1))[::stride, ::stride]  # H' W' C kh kw
    out = np.einsum("ijcab,abco->ijo", windows, kernels)
    return out if bias is None else out + np.asarray(bias, dtype=float)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_conv2d", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
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
check_output_shape(out, (5, 5, 1), "conv2d(5x5x3 image, 3x3x3x1 kernels, padding=1)")
assert out[0, 0, 0] == -25, f"seed 000: 308 + (-498) + 164 + bias 1 = -25 at the top-left, got {out[0, 0, 0]}"
check_array(out, tf_conv(rgb, kernels_000, padding=1) + 1, "conv2d(seed 000 RGB example)")
### BEGIN HIDDEN TESTS
# Seed 003: a 28x28x3 image and four 5x5x3 kernels give 4 feature maps of 24x24.
rng = np.random.default_rng(3)
x, k, b = rng.normal(size=(28, 28, 3)), rng.normal(size=(5, 5, 3, 4)), rng.normal(size=4)
check_output_shape(conv2d(x, k, b), (24, 24, 4), "conv2d(28x28x3 image, 5x5x3x4 kernels)")
check_array(conv2d(x, k, b), tf_conv(x, k) + b, "conv2d(28x28x3, 5x5x3x4, bias)", atol=1e-8)
check_array(conv2d(x[:9, :10], k[:3, :2], b, stride=2, padding=2), tf_conv(x[:9, :10], k[:3, :2], 2, 2) + b,
            "conv2d(9x10x3, 3x2x3x4 kernels, stride=2, padding=2)", atol=1e-8)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "pool-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 5. Pooling and flatten
#
# Pooling slides a window (no weights) and keeps the maximum, the average or the minimum of each window,
# channel by channel (seed 001 lists max, min and average pooling). Seed 003 pools the 4×4 grid `1..16`
# with a 2×2 window and stride 2: max `[[6, 8], [14, 16]]`, average `[[3.5, 5.5], [11.5, 13.5]]`.
#
# **Q4.** Write `pool2d(x, size=2, stride=None, mode="max")` for 2-D and `H×W×C` inputs; `stride`
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
grid = np.arange(1, 17).reshape(4, 4)
# Seed 003: 2x2 pooling with stride 2 of 1..16.
check_array(pool2d(grid, 2, mode="max"), [[6, 8], [14, 16]], "max pool of 1..16")
check_array(pool2d(grid, 2, mode="avg"), [[3.5, 5.5], [11.5, 13.5]], "average pool of 1..16")
# Seed 000's 4x4 example: max pool [[9, 7], [8, 6]]; the average is what Keras computes.
x_000 = np.array([[2, 2, 7, 3], [9, 4, 6, 1], [8, 5, 2, 4], [3, 1, 2, 6]])
check_array(pool2d(x_000, 2, 2, "max"), [[9, 7], [8, 6]], "seed 000 max pool")
keras_avg = tf.keras.layers.AveragePooling2D(2)(x_000[None, ..., None].astype("float32")).numpy()[0, ..., 0]
check_array(pool2d(x_000, 2, 2, "avg"), keras_avg, "seed 000 average pool")
### BEGIN HIDDEN TESTS
# Seed 001: [[5,1,3,4],[8,2,9,2],[1,3,0,1],[2,2,2,0]] -> [[8, 9], [3, 2]]; seed 002: -> [[3, 5], [2, 4]].
check_array(pool2d(np.array([[5, 1, 3, 4], [8, 2, 9, 2], [1, 3, 0, 1], [2, 2, 2, 0]]), 2), [[8, 9], [3, 2]],
            "seed 001 max pool")
check_array(pool2d(np.array([[1, 2, 5, 3], [3, 0, 1, 2], [2, 1, 3, 4], [1, 1, 2, 0]]), 2), [[3, 5], [2, 4]],
            "seed 002 max pool")
# Seed 000: 3x3 max pooling with stride 1 of seed 003's 5x5 image -> [[3,3,3],[3,3,3],[3,2,3]].
image_003 = np.array([[3, 3, 2, 1, 0], [0, 0, 1, 3, 1], [3, 1, 2, 2, 3], [2, 0, 0, 2, 2], [2, 0, 0, 0, 1]])
check_array(pool2d(image_003, 3, 1), [[3, 3, 3], [3, 3, 3], [3, 2, 3]], "seed 000 3x3/1 max pool")
rng = np.random.default_rng(11)
x = rng.normal(size=(7, 9, 3)).astype("float32")
for size, stride in [(2, 2), (3, 2), (2, 1)]:
    ref_max = tf.nn.max_pool2d(x[None], size, stride, "VALID").numpy()[0]
    check_array(pool2d(x, size, stride, "max"), ref_max, f"max pool {size}x{size}/{stride} of 7x9x3", atol=1e-6)
    ref_avg = tf.nn.avg_pool2d(x[None], size, stride, "VALID").numpy()[0]
    check_array(pool2d(x, size, stride, "avg"), ref_avg, f"avg pool {size}x{size}/{stride} of 7x9x3", atol=1e-5)
    check_array(pool2d(x, size, stride, "min"), -tf.nn.max_pool2d(-x[None], size, stride, "VALID").numpy()[0],
                f"min pool {size}x{size}/{stride}: min(x) = -max(-x)", atol=1e-6)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "flatten-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Q5.** Write `flatten(x)`: the 1-D vector a fully connected layer receives, in Keras's order
# (row by row, channels innermost). Seed 000 flattens `[[1, 1, 0], [4, 2, 1], [0, 2, 1]]` into
# `[1, 1, 0, 4, 2, 1, 0, 2, 1]`.

# %% nbgrader={"grade": false, "grade_id": "flatten", "locked": false, "schema_version": 3, "solution": true, "task": false}
def flatten(x):
    # Row-major 1-D view of x (height, then width, then channels), as keras.layers.Flatten.
    ### BEGIN SOLUTION
    return np.asarray(x).reshape(-1)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_flatten", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
check_array(flatten([[1, 1, 0], [4, 2, 1], [0, 2, 1]]), [1, 1, 0, 4, 2, 1, 0, 2, 1], "flatten(seed 000 3x3)")
### BEGIN HIDDEN TESTS
x = np.arange(2 * 3 * 4).reshape(2, 3, 4).astype("float32")
check_array(flatten(x), tf.keras.layers.Flatten()(x[None]).numpy()[0], "flatten(2x3x4) in Keras's order")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "kernels-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 6. Classic kernels on a real photo
#
# Seed 003 shows three hand-made kernels. Apply each to the camera photo with `padding=1` (a 3×3 kernel
# then keeps the size, 128×128).
#
# **Q6.** Fill the dict `filtered` with `conv2d_single(photo, kernel, padding=1)` for every kernel of `KERNELS`.

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
assert set(filtered) == set(KERNELS), f"filtered needs one entry per kernel: expected {sorted(KERNELS)}, got {sorted(filtered)}"
check_array(filtered["identity"], photo, "identity kernel on the photo", why="the identity kernel copies the image")
### BEGIN HIDDEN TESTS
for name in ("edge", "sharpen"):
    check_array(filtered[name], tf_conv(photo[..., None], KERNELS[name][..., None, None], padding=1)[..., 0],
                f"{name} kernel on the photo", atol=1e-9)
### END HIDDEN TESTS

# %% nbgrader={"grade": false, "grade_id": "plot-filtered", "locked": true, "schema_version": 3, "solution": false, "task": false}
fig, axes = plt.subplots(1, 3, figsize=(10, 3.6))
for ax, (name, img) in zip(axes, filtered.items()):
    ax.imshow(np.clip(img, 0, 1), cmap="gray"); ax.set_title(name); ax.axis("off")
plt.show()


# %% [markdown] nbgrader={"grade": false, "grade_id": "flip-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 7. Cross-correlation or convolution?
#
# What deep-learning libraries call *convolution* is, strictly, **cross-correlation**: the kernel is not
# flipped. Mathematical convolution flips the kernel in both axes first. For the symmetric kernels above
# there is no difference; for seed 003's kernel there is. `tf.nn.conv2d` computes exactly your
# `conv2d_single`.
#
# **Q7.** Write `true_convolution(image, kernel, padding=0)` (flip, then cross-correlate) and set
# `TF_COMPUTES` to `"cross-correlation"` or `"convolution"`.

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
import scipy.signal

image_003 = np.array([[3, 3, 2, 1, 0], [0, 0, 1, 3, 1], [3, 1, 2, 2, 3], [2, 0, 0, 2, 2], [2, 0, 0, 0, 1]])
kernel_003 = np.array([[0, 1, 2], [2, 2, 0], [0, 1, 2]])
check_array(true_convolution(image_003, kernel_003), scipy.signal.convolve2d(image_003, kernel_003, mode="valid"),
            "true_convolution(seed 003)", why="scipy.signal.convolve2d flips the kernel")
### BEGIN HIDDEN TESTS
assert TF_COMPUTES == "cross-correlation", f"TF_COMPUTES: expected 'cross-correlation', got {TF_COMPUTES!r} — tf.nn.conv2d does not flip the kernel"
rng = np.random.default_rng(5)
x, k = rng.normal(size=(8, 6)), rng.normal(size=(3, 2))
check_array(true_convolution(x, k, padding=1), scipy.signal.convolve2d(np.pad(x, 1), k, mode="valid"),
            "true_convolution(8x6, 3x2 kernel, padding=1)", atol=1e-9)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "backward-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 8. Beyond the forward pass: gradients
#
# Training needs the gradient of the loss $L$ with respect to the input and the kernels. If
# `dout` $= \partial L / \partial\,\text{out}$ (same shape as the output), then for each output position
# $(i, j)$ and channel $o$, with the input window $X_{ij}$ that produced it:
#
# * $\partial L/\partial W_{:,:,:,o} \mathrel{+}= \text{dout}_{ijo}\, X_{ij}$,
# * $\partial L/\partial X_{ij} \mathrel{+}= \sum_o \text{dout}_{ijo}\, W_{:,:,:,o}$ (scattered back into the padded input, padding then cut off),
# * $\partial L/\partial b_o = \sum_{i,j} \text{dout}_{ijo}$.
#
# Max pooling passes each window's gradient to the position of its maximum only.
# The tests compare your gradients with a **numeric gradient** (central differences, `numeric_gradient`
# in the first cell) of $L = \sum \text{out} \cdot \text{dout}$ — and with TensorFlow's automatic differentiation.
#
# **Q8.** Write `conv2d_backward(x, kernels, dout, stride=1, padding=0)` returning `(dx, dkernels, dbias)`.

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
rng = np.random.default_rng(0)
x, k, b = rng.normal(size=(5, 5, 2)), rng.normal(size=(3, 3, 2, 3)), rng.normal(size=3)
dout = rng.normal(size=(3, 3, 3))
dx, dk, db = conv2d_backward(x, k, dout)
check_array(dx, numeric_gradient(lambda v: np.sum(conv2d(v, k, b) * dout), x), "dx (numeric gradient check)", atol=1e-5)
check_array(dk, numeric_gradient(lambda v: np.sum(conv2d(x, v, b) * dout), k), "dkernels (numeric gradient check)", atol=1e-5)
check_array(db, numeric_gradient(lambda v: np.sum(conv2d(x, k, v) * dout), b), "dbias (numeric gradient check)", atol=1e-5)
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(42)
x, k = rng.normal(size=(7, 8, 3)), rng.normal(size=(3, 3, 3, 4))
for stride, padding in [(2, 1), (1, 2)]:
    out_shape = tf_conv(x, k, stride, padding).shape
    dout = rng.normal(size=out_shape)
    xt, kt = tf.Variable(x), tf.Variable(k)
    with tf.GradientTape() as tape:
        pads = [[0, 0], [padding, padding], [padding, padding], [0, 0]]
        loss = tf.reduce_sum(tf.nn.conv2d(xt[None], kt, strides=stride, padding=pads)[0] * dout)
    gx, gk = tape.gradient(loss, [xt, kt])
    dx, dk, db = conv2d_backward(x, k, dout, stride, padding)
    check_array(dx, gx.numpy(), f"dx (stride={stride}, padding={padding}) vs TensorFlow", atol=1e-8)
    check_array(dk, gk.numpy(), f"dkernels (stride={stride}, padding={padding}) vs TensorFlow", atol=1e-8)
    check_array(db, dout.sum(axis=(0, 1)), f"dbias (stride={stride}, padding={padding})", atol=1e-9)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "pool-backward-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Q9.** Write `maxpool_backward(x, dout, size=2, stride=None)` for `H×W×C` inputs: each entry of `dout`
# goes to the position of the maximum of its window (add up when windows overlap).

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
rng = np.random.default_rng(1)
x = rng.permutation(6 * 6 * 2).reshape(6, 6, 2) / 10.0  # distinct values: no ties in any window
dout = rng.normal(size=(3, 3, 2))
check_array(maxpool_backward(x, dout), numeric_gradient(lambda v: np.sum(pool2d(v, 2) * dout), x),
            "maxpool_backward (numeric gradient check)", atol=1e-5)
### BEGIN HIDDEN TESTS
x = (rng.permutation(7 * 9 * 3).reshape(7, 9, 3) / 7.0).astype("float64")
for size, stride in [(3, 2), (2, 1)]:
    xt = tf.Variable(x[None])
    with tf.GradientTape() as tape:
        out = tf.nn.max_pool2d(xt, size, stride, "VALID")
        dout = rng.normal(size=out.shape[1:])
        loss = tf.reduce_sum(out[0] * dout)
    check_array(maxpool_backward(x, dout, size, stride), tape.gradient(loss, xt).numpy()[0],
                f"maxpool_backward(size={size}, stride={stride}) vs TensorFlow", atol=1e-8)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "outro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## What you built
#
# A convolutional layer is `conv2d` + bias + an activation; a pooling layer is `pool2d`; the classifier
# head starts with `flatten`. With `conv2d_backward` and `maxpool_backward` you have everything
# backpropagation needs. Next (02): how big are the outputs, how many parameters, how much compute.
