"""``python -m cnnkit.grading.referee``: the referee service — one JSON request per line on stdin, one
JSON reply per line on stdout (``cnnkit.grading.sandbox.service.serve``). Started once per grading run,
in its own sandbox; TensorFlow starts quietly, when the grader asks it to prepare (while the assignments
are released) or when the first model arrives."""

from __future__ import annotations

import os


def main() -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from cnnkit.grading.referee.measure import Measurer
    from cnnkit.grading.sandbox.service import serve

    serve(Measurer().handle)


if __name__ == "__main__":
    main()
