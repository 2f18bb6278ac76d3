"""The errors a data user meets: each says what was expected, what was found and the fix."""

from __future__ import annotations


class DataError(RuntimeError):
    """Base class for cnnkit dataset problems."""


class DataIntegrityError(DataError):
    """A dataset file is corrupted, truncated or not the expected IDX file (the message names it)."""

    def __init__(self, path, problem: str):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class DataNotFoundError(DataError):
    """No source could provide a dataset; ``tried`` lists (source, why it failed)."""

    def __init__(self, name: str, tried: list[tuple[str, str]], fixes: list[str]):
        self.name = name
        self.tried = list(tried)
        self.fixes = list(fixes)
        lines = [f"dataset {name!r} is not available; sources tried, in order:"]
        lines += [f"  {i}. {source}: {why}" for i, (source, why) in enumerate(self.tried, 1)]
        lines.append("To fix it, run one of:")
        lines += [f"  {fix}" for fix in self.fixes]
        super().__init__("\n".join(lines))
