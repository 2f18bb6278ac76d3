"""The central side of cluster grading: send each submission to the Dask cluster as a task, hand back
each ``Graded`` as it completes (``grade_class`` records it, as in a local run).

Before a batch every worker is asked whether it can grade (sandbox, cnnkit importable); a batch never
starts on a cluster that would grade part of a class unsandboxed. Submissions go in a bounded window
(their files are read only when sent). A task whose worker dies is run again by Dask on another worker
(up to the scheduler's ``distributed.scheduler.allowed-failures``, then the submission is marked
``error`` with zeros — never the batch's end); a lost scheduler ends the batch.
"""

from __future__ import annotations

import logging
import socket
import uuid
from pathlib import Path

from cnnkit.grading.cluster import ClusterError
from cnnkit.grading.cluster.payload import Task, pack_submission, pack_trusted
from cnnkit.grading.grade_one import Graded
from cnnkit.grading.result import Result
from cnnkit.grading.sandbox.support import SandboxUnavailable

log = logging.getLogger(__name__)

__all__ = ["DaskRuns", "ClusterReferee"]

#: submissions in flight per worker thread (more keeps workers busy; fewer keeps this process small)
IN_FLIGHT_PER_THREAD = 2
FIX = ("start a scheduler with `dask scheduler --host HOST --port PORT` and workers with "
       "`dask worker tcp://HOST:PORT --nthreads N` (cnnkit with the instructor and dask extras on each)")


def _distributed():
    try:
        import distributed
    except ImportError:
        raise ClusterError("grading on a Dask cluster needs Dask: pip install 'cnnkit[dask]' (here and on "
                           "every worker)") from None
    return distributed


def _reachable(address: str, timeout: float) -> None:
    """Raise OSError (or ValueError for a malformed address) unless a TCP scheduler address accepts connections."""
    from distributed.comm.addressing import parse_address, parse_host_port

    scheme, location = parse_address(address)
    if scheme in ("tcp", "tls"):
        host, port = parse_host_port(location)
        socket.create_connection((host, port), timeout=timeout).close()


class DaskRuns:
    """Runs submissions on the workers of the Dask scheduler at ``address``."""

    def __init__(self, address: str, *, sandbox: bool = True, preload=(), connect_timeout: float = 20,
                 worker_timeout: float = 60):
        distributed = _distributed()
        from cnnkit.grading.cluster import worker

        self.address = address
        self.sandboxed = sandbox
        self.preload = tuple(preload)
        self.executor = None  # nothing runs here
        try:
            _reachable(address, connect_timeout)  # a refused port fails here at once, not after the timeout
            self.client = distributed.Client(address, timeout=connect_timeout, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise ClusterError(f"no Dask scheduler answered at {address} within {connect_timeout:g} s ({exc}) — "
                               f"{FIX}") from None
        try:
            try:
                self.client.wait_for_workers(1, timeout=worker_timeout)
            except TimeoutError:
                raise ClusterError(f"the Dask scheduler at {address} has no worker after {worker_timeout:g} s — "
                                   f"{FIX}") from None
            self._check_workers(worker)
            self.client.register_plugin(worker.GradingPlugin(), name=worker.PLUGIN_NAME)
            self.workers = sum(self.client.nthreads().values())
        except BaseException:
            self.client.close()
            raise

    def _check_workers(self, worker, timeout: float = 300) -> None:
        # a task pinned to each worker, not ``client.run``: the first import of the grading engine takes
        # seconds, which must not block the worker's event loop (its heartbeats)
        batch = uuid.uuid4().hex[:12]
        futures = {address: self.client.submit(worker.check, self.sandboxed, key=f"cnnkit-check-{batch}-{i}",
                                               workers=[address], allow_other_workers=False, pure=False)
                   for i, address in enumerate(self.client.nthreads())}
        try:
            answers = {address: future.result(timeout=timeout) for address, future in futures.items()}
        except Exception as exc:  # e.g. the worker cannot import cnnkit
            raise ClusterError(f"a Dask worker of {self.address} cannot run cnnkit's grading "
                               f"({type(exc).__name__}: {exc}) — install the same cnnkit, with its instructor "
                               "and dask extras, on every worker") from None
        refusals = {address: why for address, why in answers.items() if why}
        if refusals:
            lines = "\n".join(f"  {address}: {why}" for address, why in sorted(refusals.items()))
            raise ClusterError(f"{len(refusals)} of {len(answers)} Dask workers cannot sandbox a notebook, so "
                               f"nothing was graded:\n{lines}")

    def referee(self, assignments):
        """What the batch's integrity flags ask of a referee (weights digests), done by a worker."""
        if not any(a.config.trained for a in assignments):
            return None
        return ClusterReferee(self.client, self.sandboxed)

    def warm(self, subs, assignments, course, referee) -> None:
        """Nothing to start ahead here: each worker keeps its own fork servers and referee between batches."""

    def run(self, ctx, subs):
        """Each submission's ``Graded``, in the order they complete."""
        distributed = _distributed()
        from cnnkit.grading.cluster import worker

        bundles = {}
        for name in sorted({s.assignment for s in subs}):
            bundle = pack_trusted(ctx.trusted[name])
            bundles[name] = self.client.submit(worker.hold, bundle, key=f"cnnkit-trusted-{name}-{bundle.digest[:24]}",
                                               pure=False)
        batch = uuid.uuid4().hex[:12]
        todo = iter(subs)
        owners = {}
        running = distributed.as_completed(loop=self.client.loop)  # no default client is set

        def send_next() -> None:
            sub = next(todo, None)
            if sub is None:
                return
            task = Task(sub.student, sub.assignment, ctx.limits[sub.assignment], self.sandboxed, self.preload,
                        dict(ctx.screen[sub.assignment].paths) if sub.assignment in ctx.screen else {})
            files = pack_submission(sub.path, ctx.trusted[sub.assignment])
            future = self.client.submit(worker.grade, task, bundles[sub.assignment], files, pure=False,
                                        key=f"cnnkit-grade-{sub.assignment}-{sub.student}-{batch}")
            owners[future.key] = sub
            running.add(future)

        for _ in range(max(1, self.workers) * IN_FLIGHT_PER_THREAD):
            send_next()
        for future in running:
            sub = owners.pop(future.key)
            graded = self._graded(future, sub, ctx)
            future.release()
            send_next()
            yield graded

    def _graded(self, future, sub, ctx) -> Graded:
        if future.status == "finished":
            return future.result()
        if future.status != "error":
            raise ClusterError(f"the cluster lost the task grading {sub.student}/{sub.assignment} "
                               f"({future.status}) — is the scheduler at {self.address} still running?")
        exc = future.exception()
        if isinstance(exc, SandboxUnavailable):  # a worker that joined after the check
            raise exc
        if type(exc).__name__ == "KilledWorker":
            why = (f"every worker that graded it died ({exc}); the scheduler gave up after its allowed "
                   "failures")
        else:
            why = f"{type(exc).__name__}: {exc}"
        log.error("grading %s/%s on the cluster failed: %s", sub.student, sub.assignment, why)
        trusted = ctx.trusted[sub.assignment]
        result = Result(sub.student, sub.assignment, max_score=sum(trusted.graded.values()), sandboxed=self.sandboxed)
        result.flag("error", f"autograder error on the cluster: {why} — nothing could be graded; grade it again")
        return Graded(result, None)

    def close(self) -> None:
        self.client.close()


class ClusterReferee:
    """The referee's ``digest`` for the central process (the batch's integrity flags), done by a worker's
    referee: the central machine needs no sandbox."""

    def __init__(self, client, sandbox: bool, timeout: float = 600):
        self.client = client
        self.sandbox = sandbox
        self.timeout = timeout

    def digest(self, model: Path) -> str | None:
        from cnnkit.grading.cluster import worker

        model = Path(model)
        future = self.client.submit(worker.digest, self.sandbox, model.name, model.read_bytes(), pure=False)
        try:
            return future.result(timeout=self.timeout)
        except Exception as exc:  # noqa: BLE001 - a missing digest only means one flag fewer
            log.warning("no weights digest for %s: %s", model, exc)
            return None
        finally:
            future.release()

    def close(self) -> None:
        pass
