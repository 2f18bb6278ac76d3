"""Write the nbgrader source notebooks in solutions/ from the cells defined here (python data).

Run ``python solutions/build_notebooks.py`` after editing; ``--check`` exits 1 if a committed
.ipynb differs from what this script would write. Cells (``_cells.py``): ``md`` (locked text), ``code`` (locked
provided code), ``solution`` (student fills ``### BEGIN/END SOLUTION``), ``tests`` (graded,
visible asserts then ``### BEGIN/END HIDDEN TESTS``). Outputs are never stored.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent


def notebook(cells):
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata = {"kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python",
                                  "name": "python3"},
                   "language_info": {"name": "python"}}
    for cell in nb.cells:  # stable files: each cell's id is its nbgrader grade id
        cell["id"] = cell.metadata["nbgrader"]["grade_id"]
    nb.nbformat, nb.nbformat_minor = 4, 5
    return nb


sys.path.insert(0, str(HERE))  # the cell data modules (_nb01.py, ...) live beside this script
NOTEBOOKS = {
    "01-convolution-by-hand": "_nb01",
    "02-shapes-and-parameters": "_nb02",
    "03-first-cnn": "_nb03",
}


def render(name: str) -> str:
    """The .ipynb text of one assignment's source notebook."""
    cells = importlib.import_module(NOTEBOOKS[name]).CELLS
    return nbformat.writes(notebook(cells), version=4) + "\n"


def build(check: bool = False, only=None, out=None) -> int:
    stale = 0
    for name in only or NOTEBOOKS:
        path = (Path(out) if out else HERE) / name / f"{name}.ipynb"
        text = render(name)
        if check:
            if not path.is_file() or path.read_text() != text:
                print(f"stale: {path}")
                stale += 1
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        print(f"wrote {path}")
    return 1 if stale else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if a notebook is out of date")
    parser.add_argument("--only", nargs="*", choices=sorted(NOTEBOOKS), help="build these assignments only")
    parser.add_argument("--out", help="write under this folder instead of solutions/")
    args = parser.parse_args()
    sys.exit(build(args.check, args.only, args.out))
