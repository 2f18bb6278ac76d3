"""Build the sample class in ``autograder/examples/submissions/`` from the current notebooks.

Every student is the solution (or release) notebook with the few edits a real student makes,
so the class stays in sync when the notebooks change. Re-run after editing ``solutions/``:

    .venv/bin/python autograder/examples/build_class.py

``expected_scores.json`` (beside this script) says, by hand, what each student should score.
"""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
OUT = HERE / "submissions"
MODEL = "fashion_cnn.keras"
#: the full-marks model: the reference recipe trained with seed 0 by ``cnnkit grade calibrate``
REFERENCE_MODEL = ROOT / "autograder" / "calibration" / "03-first-cnn-seed0.keras"
A1, A2, A3 = "01-convolution-by-hand", "02-shapes-and-parameters", "03-first-cnn"


def solution(a):
    return nbformat.read(ROOT / "solutions" / a / f"{a}.ipynb", as_version=4)


def release(a):
    return nbformat.read(ROOT / "assignments" / a / f"{a}.ipynb", as_version=4)


def cell(nb, grade_id):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def answer(nb, grade_id, source):
    """Replace the student's answer in solution cell ``grade_id``."""
    cell(nb, grade_id).source = source


def unanswered(nb, grade_id, a):
    """Leave ``grade_id`` as the release has it (``raise NotImplementedError()``)."""
    cell(nb, grade_id).source = cell(release(a), grade_id).source


def without_markers(source):
    """The solution code as a student would type it: no nbgrader ``### BEGIN/END SOLUTION`` lines."""
    return "\n".join(line for line in source.splitlines() if "### BEGIN SOLUTION" not in line
                     and "### END SOLUTION" not in line)


def as_submitted(nb):
    """What a student's saved notebook looks like: no outputs (nbgrader clears them anyway)."""
    for c in nb.cells:
        if c.cell_type == "code":
            c.outputs, c.execution_count = [], None
    return nb


def students():
    """student → {assignment: (notebook or raw text, {extra file: source path or None})}."""
    s = {}
    s["ada"] = {a: (solution(a), {}) for a in (A1, A2)}  # full marks everywhere
    s["ada"][A3] = (solution(A3), {MODEL: REFERENCE_MODEL})

    nb1 = solution(A1)  # did not get to the two backward-pass questions
    unanswered(nb1, "conv2d_backward", A1)
    unanswered(nb1, "maxpool_backward", A1)
    nb3 = solution(A3)  # SGD instead of Adam: the visible test (loss) passes, the hidden one fails
    answer(nb3, "compile_model", 'def compile_model(model):\n    model.compile(optimizer="sgd", '
                                 'loss="sparse_categorical_crossentropy", metrics=["accuracy"])')
    s["grace"] = {A1: (nb1, {}), A3: (nb3, {MODEL: REFERENCE_MODEL})}

    text = nbformat.writes(solution(A1))
    s["alan"] = {A1: (text[: len(text) // 2], {})}  # the upload was cut off: invalid JSON

    nb1 = solution(A1)  # an infinite loop in true_convolution: that test times out, the rest counts
    answer(nb1, "true_convolution", 'def true_convolution(image, kernel, padding=0):\n'
                                    '    while True:\n        pass\n\n\nTF_COMPUTES = "cross-correlation"')
    s["linus"] = {A1: (nb1, {})}

    nb3 = solution(A3)  # 3x3 kernels instead of seed 001's 5x5: wrong parameters and shapes
    answer(nb3, "build_model", without_markers(cell(nb3, "build_model").source).replace(
        "layers.Conv2D(filters, 5,", "layers.Conv2D(filters, 3,"))
    s["barbara"] = {A3: (nb3, {MODEL: "barbara"})}

    s["donald"] = {A3: (solution(A3), {})}  # forgot to upload fashion_cnn.keras

    nb2 = solution(A2)  # answers shaped to pass the visible tests only
    answer(nb2, "out_size", "def out_size(n, k, s=1, p=0, d=1):\n    return (n + 2 * p - k) // s + 1  # no dilation")
    answer(nb2, "macs", "def conv_macs(h_out, w_out, k, c_in, c_out):\n    return h_out * w_out * k * k * c_in * c_out\n\n\n"
                        "def inception_5x5_macs(reduce_to=None):\n"
                        "    return 120_422_400 if reduce_to is None else 12_443_648  # the two visible answers")
    s["margaret"] = {A2: (nb2, {})}

    nb2 = solution(A2)  # deleted a (read-only) test cell and renamed conv_macs
    nb2.cells.remove(cell(nb2, "test_receptive_field"))
    answer(nb2, "macs", without_markers(cell(nb2, "macs").source).replace("conv_macs", "conv_mac"))
    s["ken"] = {A2: (nb2, {})}
    return s


def barbara_model(path):
    """Barbara's network (3x3 kernels), saved untrained: what her notebook built."""
    import keras
    from keras import layers

    keras.utils.set_random_seed(0)  # the same file on every rebuild
    inputs = keras.Input(shape=(28, 28, 1))
    x = inputs
    for i, filters in enumerate((16, 32), start=1):
        x = layers.Conv2D(filters, 3, padding="same", name=f"conv{i}")(x)
        x = layers.BatchNormalization(name=f"bn{i}")(x)
        x = layers.ReLU(name=f"relu{i}")(x)
        x = layers.MaxPooling2D(2, strides=2, name=f"pool{i}")(x)
    x = layers.Flatten(name="flatten")(x)
    outputs = layers.Dense(10, activation="softmax", name="predictions")(x)
    model = keras.Model(inputs, outputs, name="fashion_cnn")
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.save(path)


def main() -> None:
    # keras writes a zip with fresh timestamps: keep an existing file so rebuilds leave git clean
    kept = {p.relative_to(OUT): p.read_bytes() for p in OUT.glob("barbara/*/*.keras")} if OUT.exists() else {}
    if OUT.exists():
        shutil.rmtree(OUT)
    for student, work in students().items():
        for a, (nb, files) in work.items():
            folder = OUT / student / a
            folder.mkdir(parents=True)
            path = folder / f"{a}.ipynb"
            if isinstance(nb, str):
                path.write_text(nb)
            else:
                nbformat.write(as_submitted(copy.deepcopy(nb)), path)
            for name, src in files.items():
                if src == "barbara" and (folder / name).relative_to(OUT) in kept:
                    (folder / name).write_bytes(kept[(folder / name).relative_to(OUT)])
                elif src == "barbara":
                    barbara_model(folder / name)
                else:
                    shutil.copy(src, folder / name)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
