"""Feedback that shows what a hidden test said, never what it checks.

nbgrader 0.9's feedback HTML prints the full source of every test cell, hidden tests included,
and IPython tracebacks quote the failing line. ``HideHiddenTests`` (run inside
``nbgrader generate_feedback``) blanks the hidden region and cuts those tracebacks down to the
assertion message.
"""

from __future__ import annotations

from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode

HIDDEN_PLACEHOLDER = "# (hidden tests: their messages, if any, are shown below)"


class HideHiddenTests(NbGraderPreprocessor):
    """Replace ``### BEGIN/END HIDDEN TESTS`` regions with a placeholder; keep error messages."""

    begin_delimeter = Unicode("BEGIN HIDDEN TESTS").tag(config=True)
    end_delimeter = Unicode("END HIDDEN TESTS").tag(config=True)
    placeholder = Unicode(HIDDEN_PLACEHOLDER).tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code" or self.begin_delimeter not in cell.source:
            return cell, resources
        cell.source = hide_hidden_region(cell.source, self.begin_delimeter, self.end_delimeter, self.placeholder)
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                # the traceback quotes the failing (hidden) line: keep only "Name: message"
                output["traceback"] = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]
        return cell, resources


def hide_hidden_region(source: str, begin: str = "BEGIN HIDDEN TESTS", end: str = "END HIDDEN TESTS",
                       placeholder: str = HIDDEN_PLACEHOLDER) -> str:
    """Source with every hidden-test region (delimiter lines included) replaced by ``placeholder``."""
    kept, hiding = [], False
    for line in source.splitlines():
        if begin in line:
            hiding = True
            indent = line[: len(line) - len(line.lstrip())]
            kept.append(indent + placeholder)
        elif end in line and hiding:
            hiding = False
        elif not hiding:
            kept.append(line)
    return "\n".join(kept)
