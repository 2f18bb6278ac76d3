"""tfds.load over the verified local files, offline (a few examples per split, to stay fast)."""

import numpy as np
import pytest

tfds = pytest.importorskip("tensorflow_datasets")

import cnnkit.data as cdata
import cnnkit.data.tfds_builders  # noqa: F401  (registers the builders)


@pytest.mark.parametrize("name", ["cnnkit_fashion_mnist", "cnnkit_mnist"])
def test_tfds_load_reads_verified_local_files(name, tmp_path):
    source = name.removeprefix("cnnkit_")
    n = 12
    config = tfds.download.DownloadConfig(max_examples_per_split=n)  # tfds' own option for quick builds
    ds, info = tfds.load(name, split="test", data_dir=str(tmp_path), as_supervised=True, with_info=True,
                         download_and_prepare_kwargs={"download_config": config})
    assert info.features["label"].names == cdata.class_names(source)
    assert info.features["image"].shape == (28, 28, 1)
    examples = list(tfds.as_numpy(ds))
    assert len(examples) == n
    # tfds shuffles by key; every example must be one of the first n test images, with its label.
    _, (x_test, y_test) = cdata.load(source, verbose=False)
    lookup = {x_test[i].tobytes(): int(y_test[i]) for i in range(n)}
    for image, label in examples:
        assert image.dtype == np.uint8 and image.shape == (28, 28, 1)
        assert lookup[image.tobytes()] == int(label)
    assert sorted(int(label) for _, label in examples) == sorted(y_test[:n].tolist())


def test_builders_are_registered_and_do_not_download():
    assert {"cnnkit_fashion_mnist", "cnnkit_mnist"} <= set(tfds.list_builders(with_community_datasets=False))
    assert cnnkit.data.tfds_builders.CnnkitFashionMnist.url_infos is None  # nothing to download
