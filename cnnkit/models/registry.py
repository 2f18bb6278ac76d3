"""One name → one builder (timm's ``create_model`` idea), with the facts each model's tests check."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ModelInfo:
    name: str
    module: str  # submodule of cnnkit.models holding the builder
    description: str
    paper: str
    min_input: tuple[int, int]  # smallest (height, width) the architecture accepts
    facts: dict = field(default_factory=dict)  # e.g. {"params": 25_636_712} at default input

    def builder(self):
        return getattr(importlib.import_module(f"cnnkit.models.{self.module}"), self.name)


_REGISTRY: dict[str, ModelInfo] = {}


def register(info: ModelInfo) -> ModelInfo:
    if info.name in _REGISTRY:
        raise ValueError(f"model {info.name!r} registered twice")
    _REGISTRY[info.name] = info
    return info


def _catalogue() -> dict[str, ModelInfo]:
    # The entries live in cnnkit/models/catalogue.py (data only, no TensorFlow import).
    if not _REGISTRY:
        importlib.import_module("cnnkit.models.catalogue")
    return _REGISTRY


def names() -> list[str]:
    """All registered model names, sorted."""
    return sorted(_catalogue())


def info(name: str) -> ModelInfo:
    """Description, paper and reference facts of a registered model."""
    table = _catalogue()
    key = {k.lower(): k for k in table}.get(str(name).lower())
    if key is None:
        import difflib

        close = difflib.get_close_matches(str(name), list(table), n=3, cutoff=0.5)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise KeyError(f"unknown model {name!r}.{hint} Known models: {', '.join(sorted(table))}")
    return table[key]


def get(name: str, **kwargs):
    """Build a registered model by (case-insensitive) name: ``get("resnet50", classes=10)``."""
    return info(name).builder()(**kwargs)
