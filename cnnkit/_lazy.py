"""Lazy attribute export: ``from cnnkit.models import ResNet50`` imports only the ResNet module.

Keeps ``import cnnkit.<package>`` cheap (TensorFlow loads once something that needs it is used).
"""

from __future__ import annotations

import importlib


def lazy_exports(package: str, table: dict[str, str]):
    """Return a module ``__getattr__`` that resolves ``name`` from ``table[name]`` (a submodule)."""

    def __getattr__(name: str):
        try:
            module = table[name]
        except KeyError:
            raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        return getattr(importlib.import_module(f"{package}.{module}"), name)

    return __getattr__
