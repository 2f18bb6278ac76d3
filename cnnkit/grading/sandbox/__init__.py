"""The grading sandbox: student code runs in bubblewrap; the grader drives it from outside.

``probe()`` says whether the sandbox can run here (and the fix if not); ``SandboxPolicy`` says
what a sandbox sees and ``bwrap_argv`` builds its command line; ``execute_notebook`` runs a
notebook in a sandboxed kernel under time, memory, process, disk and output limits;
``SandboxedService`` keeps one sandboxed helper process answering JSON requests. Where there is
no bubblewrap but the grader is root, ``RunAs`` runs the kernel and services as unprivileged users.
"""

from cnnkit._lazy import lazy_exports

_LAZY = {
    "probe": "support", "classify": "support", "Support": "support", "require": "support", "SandboxUnavailable": "support",
    "SandboxPolicy": "policy", "bwrap_argv": "policy", "inside": "policy",
    "SandboxedKernelManager": "kernel", "SandboxedKernelClient": "kernel",
    "execute_notebook": "execute", "ExecutionResult": "execute", "SandboxError": "execute",
    "OutputLimits": "outputs",
    "SandboxedService": "service", "ServiceError": "service", "serve": "service",
    "copy_out": "files",
    "RunAs": "identity", "RunAsError": "identity",
}
__getattr__ = lazy_exports(__name__, _LAZY)
__all__ = [*_LAZY]
