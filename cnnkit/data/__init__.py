"""Offline-first datasets with verified integrity: Fashion-MNIST, MNIST and scikit-learn's digits.

``load(name)`` returns numpy arrays like ``keras.datasets``; ``fetch``/``verify`` manage the
``data/`` cache (SHA-256 from DESIGN.md); ``make_dataset`` builds the ``tf.data`` pipeline;
``cnnkit.data.tfds_builders`` exposes the same files to ``tfds.load``.
"""

from cnnkit._lazy import lazy_exports
from cnnkit.data.errors import DataError, DataIntegrityError, DataNotFoundError
from cnnkit.data.cache import fetch, fixes, verify
from cnnkit.data.idx import parse_idx, read_idx
from cnnkit.data.loaders import load
from cnnkit.data.manifest import class_names, names
from cnnkit.data.paths import data_root, dataset_dir

# These need TensorFlow; imported on first use.
_LAZY = {
    "make_dataset": "pipeline",
    "normalize": "pipeline",
    "augmentation": "pipeline",
    "train_val_split": "pipeline",
}
__getattr__ = lazy_exports(__name__, _LAZY)

__all__ = [
    "DataError", "DataIntegrityError", "DataNotFoundError", "class_names", "data_root",
    "dataset_dir", "fetch", "fixes", "load", "names", "parse_idx", "read_idx", "verify", *_LAZY,
]
