"""nbgrader's Execute preprocessor with a per-tag cell budget and a graceful stop.

``TaggedExecute`` gives cells tagged ``training`` their own timeout (``training_timeout``).
When the autograder kills the kernel (memory or submission budget), the cells not yet run are
marked as errors with the reason, so graded cells after the stop score zero instead of the
whole submission failing.
"""

from __future__ import annotations

import os
from pathlib import Path

from nbclient.exceptions import DeadKernelError
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import Execute
from traitlets import Integer, Unicode

from cnnkit.grading.limits import TRAINING_TAG

#: file where the autograder's watchdog writes why it stopped the kernel
STOP_REASON_ENV = "CNNKIT_GRADER_STOP_FILE"
STOPPED_ENAME = "KernelStopped"


def _error(ename: str, evalue: str) -> NotebookNode:
    return NotebookNode(output_type="error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


class TaggedExecute(Execute):
    """Execute with ``timeout`` per cell, ``training_timeout`` for cells tagged ``training``."""

    training_timeout = Integer(900, help="Seconds allowed for a cell tagged 'training'.").tag(config=True)
    training_tag = Unicode(TRAINING_TAG, help="Cell tag that selects training_timeout.").tag(config=True)

    def _cell_timeout(self, cell) -> int:
        tags = cell.get("metadata", {}).get("tags", [])
        return self.training_timeout if self.training_tag in tags else self.timeout

    def preprocess(self, nb, resources=None, km=None):
        self._stop_reason = None
        self.timeout_func = self._cell_timeout
        return super().preprocess(nb, resources, km)

    def preprocess_cell(self, cell, resources, index):
        if self._stop_reason is not None:
            if cell.cell_type == "code" and cell.source.strip():
                cell.outputs = [_error(STOPPED_ENAME, f"not run: {self._stop_reason}")]
            return cell, self.resources
        try:
            return super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            self._stop_reason = _read_stop_reason()
            cell.outputs.append(_error(STOPPED_ENAME, self._stop_reason))
            return cell, self.resources


def _read_stop_reason() -> str:
    path = os.environ.get(STOP_REASON_ENV)
    if path and Path(path).is_file():
        text = Path(path).read_text().strip()
        if text:
            return text
    return "the kernel died (the code crashed the Python process or was killed)"
