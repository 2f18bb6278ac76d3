"""The grader's side of the referee: copies a hand-in model into the referee's inbox and asks for a verdict.

One referee process serves a whole grading run (TensorFlow and the held-out data load once). It runs
in its own sandbox when grading is sandboxed; it sees its inbox read-only and nothing of the course
but the reference models the grader copied there.
"""

from __future__ import annotations

import hashlib
import itertools
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from cnnkit.checks.assignment import TrainedCheck

__all__ = ["Verdict", "Referee"]


@dataclass(frozen=True)
class Verdict:
    """The referee's answer for one hand-in file."""

    ok: bool
    message: str
    accuracy: float | None = None
    digest: str | None = None
    loaded: bool = False

    @classmethod
    def from_reply(cls, reply: dict) -> "Verdict":
        return cls(bool(reply.get("ok")), str(reply.get("message", "")), reply.get("accuracy"),
                   reply.get("digest"), bool(reply.get("loaded")))


class Referee:
    """A running referee service; ``start_service(inbox)`` returns a ``SandboxedService`` (sandboxed or
    not: see ``cnnkit.grading.executor``)."""

    def __init__(self, start_service, timeout: float = 300.0):
        self._inbox = Path(tempfile.mkdtemp(prefix="cnk-ref-"))
        self._service = start_service(self._inbox)
        self._timeout = timeout
        self._ids = itertools.count()
        self._lock = threading.Lock()
        self._copied: dict[Path, str] = {}
        self._digests: dict[str, str | None] = {}   # file content hash → weights digest

    @property
    def inbox(self) -> Path:
        return self._inbox

    def _into_inbox(self, path: Path, content_hash: str | None = None) -> str:
        """Copy ``path`` into the inbox (named by content, so equal files are copied once); the path the
        referee sees it at."""
        return self._service.put(path, f"{content_hash or _content_hash(path)}.keras")

    def _reference(self, path: Path) -> str:
        path = Path(path).resolve()
        if path not in self._copied:
            self._copied[path] = self._into_inbox(path)
        return self._copied[path]

    def prepare(self, checks) -> bool:
        """Start TensorFlow and load the held-out data these checks measure on, ahead of the first model
        (``grade_class`` asks while it releases the assignments); whether that went well."""
        request = {"kind": "prepare", "checks": [_data_fields(c) for c in checks]}
        return bool(self._ask(request).get("ok"))

    def measure(self, check: TrainedCheck, model: Path, reference: Path | None) -> Verdict:
        """Load ``model`` safely, compare it with ``reference`` (if any), measure accuracy against the pass mark."""
        if check.threshold is None:
            return Verdict(False, f"{check.test}: no calibrated pass mark for {check.file} — the instructor "
                                  "runs `cnnkit assignment calibrate` (the grader cannot grade this check)")
        request = {"kind": "measure", "model": self._into_inbox(model), "name": check.file, **_data_fields(check),
                   "threshold": check.threshold.value,
                   "reference": self._reference(reference) if reference else None}
        return Verdict.from_reply(self._ask(request))

    def digest(self, model: Path) -> str | None:
        """The weights digest of a model file (None if it cannot be loaded safely); a file with the same
        bytes is loaded once per run."""
        key = _content_hash(model)
        if key not in self._digests:
            reply = self._ask({"kind": "digest", "model": self._into_inbox(model, key)})
            self._digests[key] = reply.get("digest") if reply.get("ok") else None
        return self._digests[key]

    def _ask(self, request: dict) -> dict:
        with self._lock:  # one request at a time: the referee is a single process
            request["id"] = next(self._ids)
            try:
                return self._service.request(request, timeout=self._timeout)
            except Exception as exc:
                return {"ok": False, "message": f"the referee could not measure this file ({exc}); "
                                                "it is graded 0 here and listed in the report"}

    def close(self) -> None:
        try:
            self._service.close()
        finally:
            shutil.rmtree(self._inbox, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _content_hash(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:24]


def _data_fields(check: TrainedCheck) -> dict:
    """The fields of a request that say which held-out images a check measures on."""
    return {"dataset": check.dataset, "split": check.split, "preprocess": check.preprocess,
            "image_size": check.image_size, "resize": check.resize,
            "classes": list(check.classes) if check.classes else None}
