"""The question families: each module has NAME, TITLE, ``generate(rng, level)``, ``lectures()``
and ``from_spec(...)`` (a question from explicit numbers)."""

from __future__ import annotations

import importlib

from cnnkit.quiz.errors import QuizError
from cnnkit.quiz.families._base import LEVELS

__all__ = ["FAMILIES", "LEVELS", "get", "names"]

FAMILIES = ("output_shape", "layer_params", "model_params", "macs", "receptive_field",
            "inception_cost", "no_params")


def names() -> list[str]:
    return list(FAMILIES)


def get(name: str):
    """The family module for ``name``; QuizError listing the families when it is unknown."""
    if name not in FAMILIES:
        raise QuizError(f"unknown question family {name!r}; expected one of: {', '.join(FAMILIES)} "
                        "(`cnnkit quiz families` lists them)")
    return importlib.import_module(f"cnnkit.quiz.families.{name}")
