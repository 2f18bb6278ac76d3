"""``results.json`` in Gradescope's format, from one graded submission.

Gradescope's autograder specification: a top-level ``score``, ``output``, ``execution_time``,
``visibility`` and ``stdout_visibility``, and ``tests``, each with ``name``, ``score``,
``max_score``, ``status``, ``visibility`` and ``output``. The choices (the README's Gradescope
section says the same):

- one test per graded cell, named by its grade id and the section it belongs to; its score is the
  engine's, its output the same screened messages as the feedback page;
- a test with hidden checks shows after the instructor publishes the grades (``after_published``,
  changeable at export): seen at once, a resubmission would probe what the hidden checks test;
  tests without hidden checks are ``visible`` (students ran them already);
- a manually graded cell is listed worth 0 of 0 with a note: its points are a manual question in
  Gradescope, never part of the autograder's score;
- review flags (tampering, suspicious accuracy) go to a 0-point test that is ``hidden`` from
  students, and to the run's stdout, which only instructors see (``stdout_visibility: hidden``).
"""

from __future__ import annotations

from cnnkit.grading.outcomes import Outcome
from cnnkit.grading.single import Graded

__all__ = ["VISIBILITIES", "REVIEW_TEST", "results_json", "general_reasons"]

#: when students may see the outcome of a test with hidden checks (Gradescope's "hidden" is for
#: tests worth no points, so it is not offered: the review entry uses it)
VISIBILITIES = ("after_published", "after_due_date", "visible")
REVIEW_TEST = "Instructor review (no points; never shown to students)"
MANUAL_REASON = "manually graded, pending:"


def _points(n: float) -> str:
    return f"{n:g} point" + ("" if n == 1 else "s")


def _name(o: Outcome) -> str:
    return f"{o.grade_id} ({o.title})" if o.title else o.grade_id


def general_reasons(graded: Graded) -> list[str]:
    """The result's reasons that are about the whole submission, not one test's failure (those are in
    that test's output) nor the manual cells (they have their own entries)."""
    tests = {o.grade_id for o in graded.outcomes if o.kind == "test"}
    kept = []
    for reason in graded.result.reasons:
        head = reason.split(": ", 1)[0]
        if reason.startswith(MANUAL_REASON):
            continue
        if head.endswith(" failed") and head[: -len(" failed")] in tests:
            continue
        if head.endswith(" (referee)") and head[: -len(" (referee)")] in tests:
            continue
        if set(head.split(", ")) <= tests:  # a verdict on named tests (e.g. not written from scratch)
            continue
        kept.append(reason)
    return kept


def _test(o: Outcome, graded: Graded, hidden_visibility: str) -> dict:
    if o.kind == "manual":
        return {"name": f"{_name(o)} — graded by hand", "score": 0.0, "max_score": 0.0, "visibility": "visible",
                "output": f"This answer is graded by hand in Gradescope ({_points(o.points)}); "
                          "it is not part of the autograder's score."}
    if o.messages:
        output = "\n".join(o.messages)
    elif o.passed:
        output = "passed"
    else:
        output = "not graded: the notebook did not get this far (see the summary at the top)"
    return {"name": _name(o), "score": o.score, "max_score": o.points, "status": "passed" if o.passed else "failed",
            "visibility": hidden_visibility if o.hidden else "visible", "output": output}


def _summary(graded: Graded, hidden_visibility: str) -> str:
    r = graded.result
    auto = sum(o.score for o in graded.outcomes if o.kind == "test")
    manual = sum(o.points for o in graded.outcomes if o.kind == "manual")
    lines = [f"{graded.title} (release {graded.release}): the autograder gives {auto:g} of {graded.auto_max:g} points."]
    if manual:
        lines.append(f"Answers graded by hand in Gradescope are worth {manual:g} more point{'' if manual == 1 else 's'}.")
    if r.status != "ok":
        lines.append(f"Status: {r.status}.")
    lines += [f"- {reason}" for reason in general_reasons(graded)]
    if hidden_visibility != "visible" and any(o.hidden for o in graded.outcomes):
        when = {"after_published": "once your instructor publishes the grades",
                "after_due_date": "after the due date"}[hidden_visibility]
        lines.append(f"Tests with hidden checks show their results {when}; until then the total is not shown.")
    return "\n".join(lines)


def results_json(graded: Graded, *, hidden_visibility: str = "after_published", grader_note: str = "") -> dict:
    """The ``results.json`` object for ``graded`` (see the module docstring for every choice)."""
    if hidden_visibility not in VISIBILITIES:
        raise ValueError(f"hidden_visibility: expected one of {VISIBILITIES}, got {hidden_visibility!r}")
    r = graded.result
    tests = [_test(o, graded, hidden_visibility) for o in graded.outcomes]
    review = (list(r.review) or ["no review flags"]) + ([grader_note] if grader_note else [])
    tests.append({"name": REVIEW_TEST, "score": 0.0, "max_score": 0.0, "visibility": "hidden",
                  "output": "\n".join(review)})
    return {
        "score": sum(t["score"] for t in tests),
        "execution_time": int(round(r.seconds)),
        "output": _summary(graded, hidden_visibility),
        "stdout_visibility": "hidden",
        "tests": tests,
        "extra_data": {"cnnkit": {"assignment": r.assignment, "release": graded.release, "status": r.status,
                                  "review_flags": len(r.review)}},
    }
