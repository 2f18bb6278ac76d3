"""Grade one submission: prepare (trusted) → run (sandboxed) → referee and scans (trusted) → record → feedback.

Never raises for anything the submission does: every problem becomes a status and a reason, and
the gradebook still gets a row (zeros where nothing could be graded).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from cnnkit.grading import scan
from cnnkit.grading.executor import Executor, RunLimits
from cnnkit.grading.feedback import Screen, screen_outputs, write_feedback
from cnnkit.grading.prepare import Prepared, TrustedAssignment, grade_id, prepare
from cnnkit.grading.record import add_verdict, record_nothing_ran, record_scores
from cnnkit.grading.result import STOP_STATUS, Result

log = logging.getLogger(__name__)

__all__ = ["BatchContext", "Graded", "kernel_preload", "run_submission", "record_submission", "grade_submission"]


@dataclass
class BatchContext:
    """What every submission of a batch shares: the trusted assignments, the executor, the referee, the
    screens (``run_submission`` needs these), and the gradebook and output folder (``record_submission``).
    On a Dask cluster each worker makes its own for ``run_submission``; the central one has no executor."""

    trusted: dict[str, TrustedAssignment]
    executor: Executor | None
    referee: object | None
    db_url: str
    out: Path
    limits: dict[str, RunLimits]
    screen: dict[str, Screen] = field(default_factory=dict)
    digests: dict = field(default_factory=dict)   # (student, assignment, file) → weights digest
    answers: dict = field(default_factory=dict)   # (student, assignment) → answer cell sources


@dataclass
class Graded:
    """What running one submission produced, before anything is recorded: picklable, so a grading
    worker elsewhere (Dask) can hand it back; recording it twice gives the same gradebook."""

    result: Result
    nb: object | None                             # the executed, verdict-annotated, screened notebook
    answers: dict = field(default_factory=dict)
    digests: dict = field(default_factory=dict)   # hand-in file → weights digest


def kernel_preload(assignment) -> tuple[str, ...]:
    """What an assignment's kernels import before any cell: Keras (and so TensorFlow) when it uses them."""
    return ("keras",) if assignment.config.tensorflow else ()


def run_submission(ctx: BatchContext, student: str, assignment: str, folder: Path) -> Graded:
    """prepare (trusted) → run (sandboxed) → referee and static scans (trusted) → screened outputs.
    Touches no gradebook and writes nothing outside its temporary sandbox folder."""
    trusted = ctx.trusted[assignment]
    result = Result(student, assignment, max_score=sum(trusted.graded.values()), sandboxed=ctx.executor.sandboxed)
    phases = result.phases
    graded = Graded(result, None)
    try:
        t = time.monotonic()
        prepared = prepare(trusted, Path(folder), result)
        phases["prepare"] = time.monotonic() - t
        if prepared is None:
            return graded
        graded.answers = prepared.answers
        _review(trusted, prepared, result)
        t = time.monotonic()
        execution = ctx.executor.run(prepared.nb, prepared.files, ctx.limits[assignment],
                                     kernel_preload(trusted.assignment))
        phases.update(execution.phases or {"run": time.monotonic() - t})
        nb = execution.nb
        if execution.stopped:
            kind, why = execution.stopped
            result.flag(STOP_STATUS.get(kind, "error"), why)
        _explain_failures(nb, trusted, result, ctx.limits[assignment])
        t = time.monotonic()
        graded.digests = _referee(ctx, trusted, prepared, nb, result)
        phases["referee"] = time.monotonic() - t
        _from_scratch(trusted, prepared, nb, result)
        screen_outputs(nb, ctx.screen[assignment])
        graded.nb = nb
    except Exception as exc:  # the grader's own failure for this submission: reported, the batch goes on
        log.exception("grading %s/%s failed", student, assignment)
        result.flag("error", f"autograder error: {type(exc).__name__}: {exc}")
        graded.nb = None
    return graded


def record_submission(ctx: BatchContext, graded: Graded) -> Result:
    """Scores into the gradebook, the autograded notebook and the feedback page: the grader's own writing,
    after the sandbox is gone."""
    result, trusted = graded.result, ctx.trusted[graded.result.assignment]
    student, assignment = result.student, result.assignment
    phases = result.phases
    ctx.answers[(student, assignment)] = graded.answers
    for file, digest in graded.digests.items():
        ctx.digests[(student, assignment, file)] = digest
    try:
        t = time.monotonic()
        if graded.nb is None:
            record_nothing_ran(trusted, result, ctx.db_url)
        else:
            record_scores(graded.nb, trusted, result, ctx.db_url)
            _save_autograded(ctx, trusted, result, graded.nb)
            phases["record"] = time.monotonic() - t
            t = time.monotonic()
            html = ctx.out / "feedback" / student / assignment / f"{trusted.assignment.notebook_name}.html"
            write_feedback(graded.nb, {"nbgrader": {"db_url": ctx.db_url, "assignment": assignment,
                                                    "notebook": trusted.assignment.notebook_name,
                                                    "student": student}}, html)
            result.feedback = [html]
            phases["feedback"] = time.monotonic() - t
    except Exception as exc:
        log.exception("recording %s/%s failed", student, assignment)
        result.flag("error", f"autograder error while recording: {type(exc).__name__}: {exc}")
        try:
            record_nothing_ran(trusted, result, ctx.db_url)
        except Exception:
            log.exception("could not record zeros for %s/%s", student, assignment)
    if not result.scores:
        result.scores = {trusted.assignment.notebook_name: {g: 0.0 for g in trusted.graded}}
    if result.manual_pending:
        result.reasons.append("manually graded, pending: " + ", ".join(
            f"{g} ({p:g} points)" for g, p in result.manual_pending.items()))
    result.phases = {k: round(v, 3) for k, v in phases.items()}
    result.seconds = round(sum(result.phases.values()), 2)
    return result


def grade_submission(ctx: BatchContext, student: str, assignment: str, folder: Path) -> Result:
    """Run then record one submission in this process (``grade_class`` runs in threads or on Dask workers
    and records each result centrally). Never raises for anything the submission does."""
    return record_submission(ctx, run_submission(ctx, student, assignment, folder))


def _provided_sources(trusted: TrustedAssignment) -> list[str]:
    """The course's own code, whose imports the answers run beside: provided cells, and the visible part
    of test cells (a test's `from cnnkit import analysis` puts `analysis` in the namespace that later
    answers see, so `analysis.x` there must resolve to cnnkit.analysis)."""
    sources = []
    for c in trusted.source_nb.cells:
        meta = c.metadata.get("nbgrader", {})
        if c.cell_type != "code" or meta.get("solution"):
            continue
        sources.append(c.source.partition("### BEGIN HIDDEN TESTS")[0] if meta.get("grade") else c.source)
    return sources


def _review(trusted: TrustedAssignment, prepared: Prepared, result: Result) -> None:
    """Tampering flags from the static scan, for the instructor (scores unchanged)."""
    cells = dict(prepared.answers)
    cells.update({f"own cell {i + 1}": src for i, src in enumerate(prepared.extra_cells)})
    for finding in scan.tampering(cells, _provided_sources(trusted)):
        result.review.append(f"code: {finding}")
    shadow = scan.shadowing_files(prepared.undeclared)
    if shadow:
        result.review.append("handed-in files that would shadow an import (not copied into the sandbox): "
                             + ", ".join(shadow))


def _explain_failures(nb, trusted: TrustedAssignment, result: Result, limits: RunLimits) -> None:
    """One reason per failed test cell, per timed-out cell and per cell that ran out of memory."""
    tests = set(trusted.tests)
    for index, cell in enumerate(nb.cells):
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if not errors:
            continue
        gid = grade_id(cell)
        name = f"'{gid}'" if gid else f"#{index + 1}"
        names = {o.get("ename") for o in errors}
        ename, evalue = errors[0].get("ename", ""), str(errors[0].get("evalue", "")).strip()
        if "CellTimeoutError" in names:
            result.flag("timeout", f"cell {name} ran over its {limits.cell_budget(cell)} s budget and was interrupted")
        elif "MemoryError" in names:
            result.flag("memory", f"cell {name} ran out of memory (the notebook may use {limits.memory_mb} MB)")
        if gid in tests and ename not in ("KernelStopped",):
            first = evalue.splitlines()[0][:300] if evalue else ""
            result.reasons.append(f"{gid} failed: {ename}: {first}".rstrip(": "))


def _reference_model(trusted: TrustedAssignment, check) -> Path | None:
    if check.architecture != "reference" or not check.threshold or not check.threshold.models:
        return None
    return trusted.assignment.folder / check.threshold.models[0]


def _referee(ctx: BatchContext, trusted: TrustedAssignment, prepared: Prepared, nb, result: Result) -> dict:
    """The referee's verdict on each hand-in model: the only source of those tests' points. Returns the
    weights digest of each file it could load (for the integrity flags)."""
    digests = {}
    for check in trusted.assignment.config.trained:
        path = prepared.files.get(check.file)
        if path is None:
            verdict_ok, message = False, f"{check.file}: not handed in (or over the size limit) — nothing to measure"
        elif ctx.referee is None:
            verdict_ok, message = False, "no referee in this grading run"
        else:
            verdict = ctx.referee.measure(check, path, _reference_model(trusted, check))
            verdict_ok, message = verdict.ok, verdict.message
            if verdict.digest:
                digests[check.file] = verdict.digest
            if verdict.accuracy is not None and check.threshold is not None:
                ceiling = check.threshold.max + check.threshold.margin
                if verdict.accuracy > ceiling:
                    result.review.append(f"{check.file}: accuracy {verdict.accuracy:.4f} is above the reference's "
                                         f"best ({check.threshold.max:.4f}) by more than the margin "
                                         f"{check.threshold.margin:g} — check how it was trained")
        add_verdict(nb, check.test, verdict_ok, message, source="referee")
        if not verdict_ok:
            result.reasons.append(f"{check.test} (referee): {message}")
    return digests


def _from_scratch(trusted: TrustedAssignment, prepared: Prepared, nb, result: Result) -> None:
    """Answers that use what the question rules out: their tests score 0, with the evidence."""
    provided = _provided_sources(trusted)
    for rule in trusted.assignment.config.from_scratch:
        findings = scan.from_scratch(rule, prepared.answers, provided)
        if not findings:
            continue
        evidence = "; ".join(str(f) for f in findings[:3])
        why = f" {rule.why}" if rule.why else ""
        message = f"not written from scratch — {evidence}.{why} This test scores 0; write it with the tools the question allows"
        for test in rule.tests:
            add_verdict(nb, test, False, message, source="grader")
        result.reasons.append(f"{', '.join(rule.tests)}: {message}")


def _save_autograded(ctx: BatchContext, trusted: TrustedAssignment, result: Result, nb) -> None:
    folder = ctx.out / "autograded" / result.student / trusted.name
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{trusted.assignment.notebook_name}.ipynb"
    nbformat.write(nb, path)
    result.autograded = folder
