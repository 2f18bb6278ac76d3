"""``python -m cnnkit.grading.referee``: the referee service — one JSON request per line on stdin,
one JSON verdict per line on stdout (logs go to stderr). Started once per grading run."""

from __future__ import annotations

import json
import logging
import os
import sys


def main() -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
    # stdout carries the protocol only: anything a library prints goes to stderr
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    from cnnkit.quiet import quiet_tensorflow

    quiet_tensorflow()
    from cnnkit.grading.referee.measure import Measurer

    measurer = Measurer()
    protocol.write(json.dumps({"ready": True}) + "\n")
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            request = json.loads(line)
            reply = measurer.handle(request)
            reply["id"] = request.get("id")
        except Exception as exc:  # a bad request is answered, never fatal
            reply = {"ok": False, "message": f"referee error: {type(exc).__name__}: {exc}"}
        protocol.write(json.dumps(reply) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
