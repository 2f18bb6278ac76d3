"""An assignment's ``assignment.toml``: the one place for its title, release, hand-in files, budgets,
training recipe and calibrated thresholds.

The notebook reads it (``config()`` finds the file beside the notebook) for the recipe and the files to
hand in; the grading engine reads it for budgets, hand-in limits and the checks it runs outside the
student's kernel; ``cnnkit assignment calibrate`` writes the thresholds back into it. Only the standard
library is needed here, so students' installs read it too.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["CONFIG_NAME", "ConfigError", "AssignmentConfig", "HandIn", "Budgets", "TrainedCheck",
           "Threshold", "FromScratch", "load_config", "config", "budget_name", "seed"]

CONFIG_NAME = "assignment.toml"
#: environment variables a notebook's training cell honours (tests and calibration set them)
BUDGET_ENV, SEED_ENV = "CNNKIT_BUDGET", "CNNKIT_SEED"


class ConfigError(ValueError):
    """``assignment.toml`` is missing, unreadable or has a wrong value; the message says which and how to fix it."""


@dataclass(frozen=True)
class HandIn:
    """What a student hands in besides the notebook, and how large files may be."""

    files: tuple[str, ...] = ()
    max_mb: float = 20.0
    notebook_max_mb: float = 5.0


@dataclass(frozen=True)
class Budgets:
    """Seconds per cell, per cell tagged ``training``, per submission; MB of memory for the notebook."""

    cell_timeout: int = 120
    training_timeout: int = 900
    submission_timeout: int = 1800
    memory_mb: int = 4096


@dataclass(frozen=True)
class Threshold:
    """A calibrated pass mark and the record it came from (``cnnkit assignment calibrate``)."""

    value: float
    mean: float
    min: float
    max: float
    margin: float
    seeds: tuple[int, ...]
    per_seed: tuple[float, ...]
    budget: str = "full"
    hardware: str = ""
    minutes: float = 0.0
    calibrated_on: str = ""
    models: tuple[str, ...] = ()


@dataclass(frozen=True)
class TrainedCheck:
    """A graded cell whose points come from the referee: the submitted model file, measured outside the kernel."""

    test: str
    file: str
    dataset: str
    split: str = "test"
    preprocess: str = "scale01"
    image_size: int | None = None
    resize: str = "pad"
    classes: tuple[int, ...] | None = None
    architecture: str = "reference"
    threshold: Threshold | None = None


@dataclass(frozen=True)
class FromScratch:
    """Answer cells that must be written from scratch: calling any of ``forbid`` zeroes ``tests``."""

    answers: tuple[str, ...]
    tests: tuple[str, ...]
    forbid: tuple[str, ...]
    why: str = ""


@dataclass(frozen=True)
class AssignmentConfig:
    """Everything ``assignment.toml`` says about one assignment."""

    name: str
    folder: Path
    title: str
    release: int
    minutes: int
    datasets: tuple[str, ...] = ()
    tensorflow: bool = True
    handin: HandIn = HandIn()
    budgets: Budgets = Budgets()
    recipe: dict = field(default_factory=dict)
    trained: tuple[TrainedCheck, ...] = ()
    from_scratch: tuple[FromScratch, ...] = ()

    @property
    def path(self) -> Path:
        return self.folder / CONFIG_NAME

    def training(self, budget: str | None = None) -> dict:
        """The recipe for ``budget`` ("full" or "small"; default ``$CNNKIT_BUDGET`` or "full").

        The small budget (``[recipe.small]``) overrides the full recipe's values so a notebook runs
        top to bottom in a few minutes on 2 CPU cores (the test suite sets it).
        """
        budget = budget or budget_name()
        full = {k: v for k, v in self.recipe.items() if not isinstance(v, dict)}
        if budget == "full":
            return full
        if budget not in self.recipe or not isinstance(self.recipe[budget], dict):
            raise ConfigError(f"{self.path}: no [recipe.{budget}] table — add one, or unset {BUDGET_ENV}")
        return {**full, **self.recipe[budget]}

    def trained_check(self, test: str) -> TrainedCheck:
        for check in self.trained:
            if check.test == test:
                return check
        raise ConfigError(f"{self.path}: no [[trained]] entry with test = {test!r} "
                          f"(entries: {[c.test for c in self.trained] or 'none'})")


def budget_name() -> str:
    """``$CNNKIT_BUDGET`` ("full" unless set, e.g. "small" in the test suite)."""
    return os.environ.get(BUDGET_ENV, "").strip() or "full"


def seed(default: int = 0) -> int:
    """The training seed: ``$CNNKIT_SEED`` when set (calibration runs seeds 0, 1, 2, ...), else ``default``."""
    value = os.environ.get(SEED_ENV, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"{SEED_ENV}={value!r}: expected an integer seed") from None


def _get(table: dict, key: str, kind, where: str, default=...):
    if key not in table:
        if default is ...:
            raise ConfigError(f"{where}: missing `{key}` — add e.g. `{key} = {_example(kind)}`")
        return default
    value = table[key]
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise ConfigError(f"{where}: `{key}` must be {_kind_name(kind)}, got {value!r}")
    return value


def _example(kind) -> str:
    return {str: '"..."', int: "1", float: "0.5", list: "[]", dict: "{}"}.get(kind, "...")


def _kind_name(kind) -> str:
    return {str: "a string", int: "an integer", float: "a number", list: "a list", dict: "a table"}.get(
        kind, kind.__name__)


def _strings(table: dict, key: str, where: str, default=()) -> tuple[str, ...]:
    values = _get(table, key, list, where, list(default))
    if not all(isinstance(v, str) and v for v in values):
        raise ConfigError(f"{where}: `{key}` must be a list of non-empty strings, got {values!r}")
    return tuple(values)


def _threshold(table: dict, where: str) -> Threshold:
    return Threshold(
        value=_get(table, "value", float, where), mean=_get(table, "mean", float, where),
        min=_get(table, "min", float, where), max=_get(table, "max", float, where),
        margin=_get(table, "margin", float, where),
        seeds=tuple(int(s) for s in _get(table, "seeds", list, where)),
        per_seed=tuple(float(a) for a in _get(table, "per_seed", list, where)),
        budget=_get(table, "budget", str, where, "full"), hardware=_get(table, "hardware", str, where, ""),
        minutes=_get(table, "minutes", float, where, 0.0),
        calibrated_on=str(table.get("calibrated_on", "")),
        models=_strings(table, "models", where))


def _trained(table: dict, where: str) -> TrainedCheck:
    classes = table.get("classes")
    if classes is not None and not (isinstance(classes, list) and all(isinstance(c, int) for c in classes)):
        raise ConfigError(f"{where}: `classes` must be a list of class indices, got {classes!r}")
    image_size = _get(table, "image_size", int, where, None) if "image_size" in table else None
    threshold = _threshold(table["threshold"], f"{where}.threshold") if "threshold" in table else None
    return TrainedCheck(
        test=_get(table, "test", str, where), file=_get(table, "file", str, where),
        dataset=_get(table, "dataset", str, where), split=_get(table, "split", str, where, "test"),
        preprocess=_get(table, "preprocess", str, where, "scale01"), image_size=image_size,
        resize=_get(table, "resize", str, where, "pad"),
        classes=tuple(classes) if classes is not None else None,
        architecture=_get(table, "architecture", str, where, "reference"), threshold=threshold)


def load_config(folder, name: str | None = None) -> AssignmentConfig:
    """Read and validate ``<folder>/assignment.toml``; ``name`` defaults to the folder's name."""
    folder = Path(folder)
    path = folder / CONFIG_NAME
    if not path.is_file():
        raise ConfigError(f"{path}: not found — every assignment folder has an {CONFIG_NAME} "
                          f"(`cnnkit assignment new NAME` writes one)")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    where = str(path)
    handin = data.get("handin", {})
    budgets = data.get("limits", {})
    defaults = Budgets()
    recipe = _get(data, "recipe", dict, where, {})
    config = AssignmentConfig(
        name=name or folder.name, folder=folder,
        title=_get(data, "title", str, where), release=_get(data, "release", int, where),
        minutes=_get(data, "minutes", int, where, 0),
        datasets=_strings(data, "datasets", where),
        tensorflow=_get(data, "tensorflow", bool, where, True),
        handin=HandIn(files=_strings(handin, "files", f"{where} [handin]"),
                      max_mb=_get(handin, "max_mb", float, f"{where} [handin]", HandIn.max_mb),
                      notebook_max_mb=_get(handin, "notebook_max_mb", float, f"{where} [handin]",
                                           HandIn.notebook_max_mb)),
        budgets=Budgets(**{k: _get(budgets, k, int, f"{where} [limits]", getattr(defaults, k))
                           for k in ("cell_timeout", "training_timeout", "submission_timeout", "memory_mb")}),
        recipe=recipe,
        trained=tuple(_trained(t, f"{where} [[trained]] #{i + 1}") for i, t in enumerate(data.get("trained", []))),
        from_scratch=tuple(FromScratch(answers=_strings(t, "answers", f"{where} [[from_scratch]]"),
                                       tests=_strings(t, "tests", f"{where} [[from_scratch]]"),
                                       forbid=_strings(t, "forbid", f"{where} [[from_scratch]]"),
                                       why=_get(t, "why", str, f"{where} [[from_scratch]]", ""))
                           for t in data.get("from_scratch", [])),
    )
    if config.release < 1:
        raise ConfigError(f"{where}: `release` must be 1 or more (bump it when you change a released notebook)")
    unknown = sorted(set(data) - {"title", "release", "minutes", "datasets", "tensorflow", "handin", "limits",
                                  "recipe", "trained", "from_scratch"})
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {unknown} — known: title, release, minutes, datasets, "
                          "tensorflow, [handin], [limits], [recipe], [[trained]], [[from_scratch]]")
    for check in config.trained:
        if check.file not in config.handin.files:
            raise ConfigError(f"{where}: [[trained]] test {check.test!r} grades {check.file!r}, which is not "
                              f"in [handin] files {list(config.handin.files)} — add it there")
    return config


def config(folder=None) -> AssignmentConfig:
    """The ``assignment.toml`` beside the running notebook (the current folder), or in ``folder``."""
    return load_config(Path(folder) if folder is not None else Path.cwd())
