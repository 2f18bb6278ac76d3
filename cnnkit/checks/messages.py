"""Student-facing failure messages: what was expected, what was found, and why."""

from __future__ import annotations

__all__ = ["GradingError", "fmt_shape", "fmt_count", "explain"]


class GradingError(AssertionError):
    """A failed check; an ``AssertionError`` so nbgrader scores the test cell zero, not a crash."""

    def __init__(self, what: str, expected, found, why: str = ""):
        self.what, self.expected, self.found, self.why = what, expected, found, why
        super().__init__(explain(what, expected, found, why))


def fmt_shape(shape) -> str:
    """(14, 14, 32) → ``14x14x32``; a batch axis of None is dropped, other Nones print as ``?``."""
    dims = list(shape)
    if dims and dims[0] is None and len(dims) > 1:
        dims = dims[1:]
    return "x".join("?" if d is None else str(int(d)) for d in dims) or "scalar"


def fmt_count(n) -> str:
    """29130 → ``29,130``."""
    return f"{int(n):,}"


def explain(what: str, expected, found, why: str = "") -> str:
    """``conv2: expected 14x14x32, got 10x10x32 — <why>``."""
    msg = f"{what}: expected {expected}, got {found}"
    return f"{msg} — {why}" if why else msg
