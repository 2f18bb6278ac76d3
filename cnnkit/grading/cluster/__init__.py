"""Grading on a Dask cluster: ``cnnkit grade run --scheduler tcp://HOST:PORT``.

Workers run exactly the local grading of one submission (``grade_one.run_submission``: trusted
rebuild, sandboxed run, referee, screened outputs) and hand back its ``Graded``; the central process
records it (gradebook, autograded notebook, feedback) and writes the same report as a local run.
``payload`` is what a task carries (the trusted material and the submission, as bytes: workers keep no
state between batches), ``worker`` the worker side (one executor and one referee per worker process),
``client`` the central side. Needs the ``dask`` extra; importing this package imports nothing of Dask.
"""

from cnnkit._lazy import lazy_exports

__all__ = ["ClusterError", "DaskRuns"]


class ClusterError(RuntimeError):
    """No Dask, no scheduler at the address, no worker, or a worker that cannot grade; the message says
    which and the fix."""


__getattr__ = lazy_exports(__name__, {"DaskRuns": "client"})
