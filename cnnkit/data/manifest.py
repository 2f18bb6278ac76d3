"""The dataset manifest (``manifest.json``, package data): files, SHA-256, label counts, sources."""

from __future__ import annotations

import difflib
import functools
import json
from importlib import resources


@functools.cache
def manifest() -> dict:
    """The parsed manifest; its checksums and counts are DESIGN.md's."""
    return json.loads(resources.files("cnnkit.data").joinpath("manifest.json").read_text("utf-8"))


def names() -> list[str]:
    """Dataset names ``load`` accepts."""
    return list(manifest()["datasets"])


def entry(name: str) -> dict:
    """The manifest entry of ``name``; an unknown name gets the list of known ones."""
    table = manifest()["datasets"]
    key = str(name).lower().replace("-", "_")
    if key not in table:
        close = difflib.get_close_matches(key, list(table), n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ValueError(f"unknown dataset {name!r}.{hint} Known datasets: {', '.join(table)}")
    return table[key]


def canonical(name: str) -> str:
    """``"Fashion-MNIST"`` → ``"fashion_mnist"`` (after checking the name exists)."""
    entry(name)
    return str(name).lower().replace("-", "_")


def class_names(name: str) -> list[str]:
    """Human-readable class names, index = label."""
    return list(entry(name)["class_names"])
