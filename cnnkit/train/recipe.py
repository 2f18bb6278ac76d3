"""INTERIM (replaced by the recipe branch): the training recipe interface fit_or_load calls."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Recipe:
    epochs: int = 5
    batch_size: int = 128

    @classmethod
    def from_dict(cls, d):
        return cls(**{k: v for k, v in d.items() if k in ("epochs", "batch_size")})


def fit_with_recipe(model, x, y, *, recipe, validation_split=None, validation_data=None, verbose="auto",
                    callbacks=None, seed=None):
    return model.fit(x, y, epochs=recipe.epochs, batch_size=recipe.batch_size,
                     validation_split=validation_split or 0.0, validation_data=validation_data, verbose=verbose,
                     callbacks=callbacks)
