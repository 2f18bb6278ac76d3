"""Where the verified cache lives: ``$CNNKIT_DATA_DIR``, else ``<checkout>/data``, else ``~/.cache/cnnkit``."""

from __future__ import annotations

import os
from pathlib import Path


def repo_root() -> Path | None:
    """The checkout holding this package, or None when cnnkit is installed elsewhere."""
    root = Path(__file__).resolve().parents[2]
    if (root / "pyproject.toml").is_file() and (root / "cnnkit" / "__init__.py").is_file():
        return root
    return None


def data_root() -> Path:
    """Root of the dataset cache (not created here)."""
    if os.environ.get("CNNKIT_DATA_DIR"):
        return Path(os.environ["CNNKIT_DATA_DIR"]).expanduser()
    root = repo_root()
    if root is not None:
        return root / "data"
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "cnnkit"


def dataset_dir(name: str) -> Path:
    """``<data_root>/<name>``: the four uncompressed, verified IDX files of one dataset."""
    return data_root() / name


def offline() -> bool:
    """True when ``CNNKIT_OFFLINE`` is set to 1/true/yes: the online step is skipped."""
    return os.environ.get("CNNKIT_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}
