"""The two faces of a source notebook: the text file an instructor edits (jupytext percent format,
``<name>.pct.py``) and the ``.ipynb`` nbgrader reads (also editable in JupyterLab).

An edit to either is never lost: ``status`` compares what the two say (cells, sources, nbgrader
metadata and tags — not outputs, ids or timestamps); ``sync`` rewrites the stale one from the other
(the newer file by default, like jupytext's own ``--sync``), and everything that builds from the
source refuses to run while they disagree, naming the command that syncs them.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path

import nbformat

__all__ = ["TEXT_SUFFIX", "TEXT_FORMAT", "PairingError", "Pair", "pair", "read_text", "render_ipynb",
           "comparable", "sync_command"]

TEXT_SUFFIX = ".pct.py"
TEXT_FORMAT = "py:percent"
#: cell metadata that is part of the source (everything else — ids, execution, collapsed — is not)
SOURCE_METADATA = ("nbgrader", "tags")
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


class PairingError(RuntimeError):
    """The text source and the ``.ipynb`` disagree (or one is missing); the message names the fix."""


def sync_command(name: str, source: str | None = None) -> str:
    return f"cnnkit assignment sync {name}" + (f" --from {source}" if source else "")


def read_text(path) -> nbformat.NotebookNode:
    """The notebook a ``.pct.py`` text source describes."""
    import jupytext

    return jupytext.read(Path(path), fmt=TEXT_FORMAT)


def comparable(nb) -> list[tuple]:
    """What the source says, cell by cell: type, source (trailing blanks dropped), nbgrader metadata, tags."""
    cells = []
    for cell in nb.cells:
        meta = {k: cell.get("metadata", {}).get(k) for k in SOURCE_METADATA if k in cell.get("metadata", {})}
        source = "\n".join(line.rstrip() for line in cell.source.strip("\n").splitlines())
        cells.append((cell.cell_type, source, repr(sorted(meta.items()))))
    return cells


def _cell_id(cell, index: int, taken: set) -> str:
    grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
    base = grade_id or f"cell-{index + 1}"
    cid, n = base, 2
    while cid in taken:
        cid, n = f"{base}-{n}", n + 1
    taken.add(cid)
    return cid


def render_ipynb(nb, *, assignment: str, release: int) -> str:
    """The ``.ipynb`` text nbgrader reads: no outputs, cell ids = grade ids (stable diffs), and the
    assignment's name and release number in the notebook metadata (graded submissions report an old release)."""
    nb = copy.deepcopy(nb)
    nb.metadata = {"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"},
                   "cnnkit": {"assignment": assignment, "release": int(release)}}
    taken: set = set()
    for index, cell in enumerate(nb.cells):
        cell["id"] = _cell_id(cell, index, taken)
        cell.metadata = {k: cell.metadata[k] for k in SOURCE_METADATA if k in cell.metadata}
        cell.source = cell.source.strip("\n")
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nb.nbformat, nb.nbformat_minor = 4, 5
    return nbformat.writes(nb, version=4) + "\n"


def _render_text(nb) -> str:
    import jupytext

    nb = copy.deepcopy(nb)
    nb.metadata = {"kernelspec": dict(KERNELSPEC)}
    for cell in nb.cells:
        cell.metadata = {k: cell.metadata[k] for k in SOURCE_METADATA if k in cell.metadata}
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return jupytext.writes(nb, fmt=TEXT_FORMAT)


@dataclass(frozen=True)
class Pair:
    """The text source and ``.ipynb`` of one assignment's notebook."""

    name: str
    folder: Path

    @property
    def text(self) -> Path:
        return self.folder / f"{self.name}{TEXT_SUFFIX}"

    @property
    def ipynb(self) -> Path:
        return self.folder / f"{self.name}.ipynb"

    def status(self) -> str:
        """"in-sync", "text-missing", "ipynb-missing", "ipynb-newer" or "text-newer"."""
        if not self.text.is_file():
            return "text-missing" if self.ipynb.is_file() else "missing"
        if not self.ipynb.is_file():
            return "ipynb-missing"
        ipynb = nbformat.read(self.ipynb, as_version=4)
        if comparable(read_text(self.text)) == comparable(ipynb):
            return "in-sync"
        return "ipynb-newer" if self.ipynb.stat().st_mtime > self.text.stat().st_mtime else "text-newer"

    def difference(self) -> str:
        """The first cell where the two disagree, for messages."""
        a, b = comparable(read_text(self.text)), comparable(nbformat.read(self.ipynb, as_version=4))
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y:
                what = "type" if x[0] != y[0] else "source" if x[1] != y[1] else "metadata"
                return f"cell {i + 1} differs ({what})"
        return f"{self.text.name} has {len(a)} cells, {self.ipynb.name} has {len(b)}"

    def require_in_sync(self) -> None:
        """Raise a :class:`PairingError` naming the sync command unless both files say the same."""
        state = self.status()
        if state == "in-sync":
            return
        if state == "missing":
            raise PairingError(f"{self.folder}: no {self.text.name} or {self.ipynb.name} — "
                               f"`cnnkit assignment new {self.name}` scaffolds one")
        if state in ("text-missing", "ipynb-missing"):
            have = self.ipynb if state == "text-missing" else self.text
            raise PairingError(f"{self.folder}: only {have.name} exists — run `{sync_command(self.name)}` "
                               "to write the other, then commit both")
        newer = self.ipynb if state == "ipynb-newer" else self.text
        raise PairingError(
            f"{self.folder}: {self.text.name} and {self.ipynb.name} disagree ({self.difference()}); "
            f"{newer.name} is newer{' (edited in JupyterLab?)' if state == 'ipynb-newer' else ''} — run "
            f"`{sync_command(self.name)}` to take the newer one, or "
            f"`{sync_command(self.name, 'text')}` / `{sync_command(self.name, 'ipynb')}` to choose, "
            "then commit both")

    def sync(self, source: str = "auto", *, release: int) -> str:
        """Make both files say what ``source`` ("text", "ipynb" or "auto": the newer) says; returns
        which one was the source. The ``.ipynb`` is always rewritten in its normal form (no outputs)."""
        state = self.status()
        if source == "auto":
            source = {"text-missing": "ipynb", "ipynb-newer": "ipynb"}.get(state, "text")
        if source not in ("text", "ipynb"):
            raise ValueError(f"sync source: expected 'text', 'ipynb' or 'auto', got {source!r}")
        origin = self.text if source == "text" else self.ipynb
        if not origin.is_file():
            raise PairingError(f"{origin}: not found — nothing to sync from")
        nb = read_text(self.text) if source == "text" else nbformat.read(self.ipynb, as_version=4)
        text = _render_text(nb)
        if source == "ipynb" or not self.text.is_file():
            self.text.write_text(text, encoding="utf-8")
        ipynb = render_ipynb(nb, assignment=self.name, release=release)
        if not self.ipynb.is_file() or self.ipynb.read_text(encoding="utf-8") != ipynb:
            self.ipynb.write_text(ipynb, encoding="utf-8")
        return source


def pair(folder, name: str | None = None) -> Pair:
    folder = Path(folder)
    return Pair(name or folder.name, folder)
