"""``python -m cnnkit.grading.sandbox.ipkernel -f CONNECTION_FILE``: ipykernel with capped messages.

Runs inside the sandbox. A ``print`` of 200 MB would otherwise become one 200 MB message, which
the grader's sockets refuse (and then stop the run): here any message over the cap is cut down
before it is sent — stream text truncated with a note, a rich output replaced by a note, long
tracebacks shortened — so the notebook goes on. This is courtesy, not security: the grader still
enforces every limit itself.
"""

from __future__ import annotations

import os
import sys

#: the per-message cap, set by SandboxedKernelManager (kernel.MAX_MESSAGE_ENV)
MAX_MESSAGE_ENV = "CNNKIT_MAX_MESSAGE_BYTES"


def truncation_note(extra: int) -> str:
    return f"\n[output truncated: {extra} bytes over the per-cell limit]\n"


def _cut_strings(obj, keep: int):
    """A copy of a JSON-like value with every string longer than ``keep`` cut to ``keep``."""
    if isinstance(obj, str):
        return obj if len(obj) <= keep else obj[:keep] + "…"
    if isinstance(obj, dict):
        return {k: _cut_strings(v, keep) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_cut_strings(v, keep) for v in obj[:max(keep // 64, 20)]]
    return obj


def shrink(msg_type: str, content: dict, keep: int) -> dict:
    """``content`` cut down to about ``keep`` characters of payload, saying what was dropped."""
    if msg_type == "stream":
        text = content.get("text", "")
        return {**content, "text": text[:keep] + truncation_note(len(text) - keep)}
    if msg_type in ("display_data", "execute_result", "update_display_data"):
        size = sum(len(v) if isinstance(v, str) else 0 for v in content.get("data", {}).values())
        note = f"[output dropped: {size} bytes, over the per-cell limit]"
        return {**content, "data": {"text/plain": note}, "metadata": {}}
    if "traceback" in content or "evalue" in content:
        lines = [line[:keep // 8] for line in content.get("traceback", [])][-20:]
        return {**content, "evalue": str(content.get("evalue", ""))[:keep // 4], "traceback": lines}
    return _cut_strings(content, keep)


def install_output_cap(max_bytes: int) -> None:
    """Make every message this process's ``Session`` serializes fit in ``max_bytes``."""
    from jupyter_client.session import Session

    original = Session.serialize
    if getattr(original, "_cnnkit_capped", False):
        return

    def serialize(self, msg, ident=None):
        frames = original(self, msg, ident)
        if sum(len(f) for f in frames) <= max_bytes or not isinstance(msg.get("content"), dict):
            return frames
        keep = max(max_bytes - 16384, max_bytes // 2)  # room for the header, metadata and note
        for _ in range(12):  # JSON escaping can expand text up to 6x: shrink until it fits
            small = {**msg, "content": shrink(msg["header"]["msg_type"], msg["content"], keep)}
            frames = original(self, small, ident)
            if sum(len(f) for f in frames) <= max_bytes:
                return frames
            keep //= 2
        return original(self, {**msg, "content": {"status": "error", "ename": "OutputTooLarge",
                                                   "evalue": "message dropped", "traceback": []}}, ident)

    serialize._cnnkit_capped = True
    Session.serialize = serialize


def main() -> None:
    cap = int(os.environ.get(MAX_MESSAGE_ENV, "0") or 0)
    if cap > 0:
        install_output_cap(cap)
    if sys.path and sys.path[0] in ("", os.getcwd()):  # as ipykernel_launcher: the kernel's cwd is not code
        del sys.path[0]
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()


if __name__ == "__main__":
    main()
