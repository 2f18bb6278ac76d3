"""``python -m cnnkit.grading.autograde_one ASSIGNMENT STUDENT``: nbgrader autograde, then feedback.

Runs nbgrader's own ``autograde`` and ``generate_feedback`` apps one after the other in a single
process (in the current course directory), which saves one interpreter start and nbgrader import
per submission. Exit code 1 when autograde failed, 2 when only the feedback failed.
"""

from __future__ import annotations

import sys


def _run(app_cls, argv) -> int:
    app = app_cls.instance()
    try:
        app.initialize(argv)
        app.start()
    except SystemExit as stop:
        return int(stop.code or 0)
    finally:
        app_cls.clear_instance()
    return 0


def main(argv=None) -> int:
    from nbgrader.apps import AutogradeApp, GenerateFeedbackApp

    assignment, student = (argv or sys.argv[1:])[:2]
    common = [assignment, "--student", student, "--force"]
    if _run(AutogradeApp, common) != 0:
        return 1
    print("=== generate_feedback ===", flush=True)
    return 2 if _run(GenerateFeedbackApp, common) != 0 else 0


if __name__ == "__main__":
    sys.exit(main())
