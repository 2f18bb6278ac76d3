"""Argument normalisation shared by cnnkit's layers."""

from __future__ import annotations


def pair(value, name: str, owner: str) -> tuple[int, int]:
    """An int or (height, width) as a pair of ints; ``owner`` names the layer in the error."""
    if isinstance(value, int):
        return (value, value)
    value = tuple(int(v) for v in value)
    if len(value) != 2:
        raise ValueError(f"{owner}: {name} must be an int or (height, width), got {value!r}")
    return value
