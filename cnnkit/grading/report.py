"""What a grading run writes: ``grades.csv``, ``report.json``/``report.md`` and the printed table.

The "review" column holds integrity and tampering flags with their evidence: for the instructor to
read, never a score change by themselves. A run without the sandbox says so in the report and on
every row.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

__all__ = ["NO_SANDBOX", "question_columns", "write_grades_csv", "grade_table", "write_all"]

NO_SANDBOX = "graded WITHOUT the sandbox (--no-sandbox): the notebook could read and change anything this user can"


def _fmt(x: float) -> str:
    return f"{x:g}"


def question_columns(results) -> list[str]:
    """Graded-cell ids in first-seen order across all results (one CSV column each)."""
    cols: list[str] = []
    for r in results:
        for cells in r.scores.values():
            cols += [g for g in cells if g not in cols]
    return cols


def _review(r) -> list[str]:
    return ([] if r.sandboxed else [NO_SANDBOX]) + list(r.review)


def write_grades_csv(results, path) -> Path:
    """One row per (student, assignment): status, one column per graded cell, score, max, pending, review."""
    cols = question_columns(results)
    path = Path(path)
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["student", "assignment", "status", *cols, "score", "max_score", "manual_pending", "review"])
        for r in results:
            flat = {g: s for cells in r.scores.values() for g, s in cells.items()}
            w.writerow([r.student, r.assignment, r.status, *(_fmt(flat[c]) if c in flat else "" for c in cols),
                        _fmt(r.score), _fmt(r.max_score), _fmt(sum(r.manual_pending.values())),
                        " | ".join(_review(r))])
    return path


def grade_table(results) -> str:
    """Students × assignments, ``score/max`` and the status when it is not ok; ``+N`` manual points pending,
    ``!`` when there is something to review."""
    assignments = sorted({r.assignment for r in results})
    students = sorted({r.student for r in results})

    def cell(r):
        text = f"{_fmt(r.score)}/{_fmt(r.max_score)}"
        if r.manual_pending:
            text += f" +{_fmt(sum(r.manual_pending.values()))}?"
        if r.status != "ok":
            text += f" ({r.status})"
        return text + (" !" if r.review else "")

    cells = {(r.student, r.assignment): cell(r) for r in results}
    rows = [["student", *assignments]] + [[s, *(cells.get((s, a), "-") for a in assignments)] for s in students]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    legend = "+N? manual points pending · ! see the review column"
    return "\n".join(lines) + f"\n({legend})"


def write_all(batch, *, workers, course, limits) -> None:
    results = batch.results
    out = Path(batch.out)
    write_grades_csv(results, out / "grades.csv")
    entries = [r.as_dict(relative_to=out) for r in results]
    for entry, r in zip(entries, results):
        entry["review"] = _review(r)
    counts: dict[str, int] = {}
    for r in results:
        counts[r.status] = counts.get(r.status, 0) + 1
    summary = {"submissions": len(results), "statuses": counts, "seconds": batch.seconds, "workers": workers,
               "sandboxed": batch.sandboxed, "course": str(course.root), "gradebook": batch.db_url,
               "limits": {a: vars(l) for a, l in limits.items()},
               "flagged_for_review": sum(1 for r in results if r.review)}
    (out / "report.json").write_text(json.dumps({"summary": summary, "submissions": entries}, indent=1, default=str))
    md = ["# Grading report\n",
          f"{len(results)} submissions in {batch.seconds:.0f} s with {workers} workers; "
          + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) + "\n"]
    if not batch.sandboxed:
        md.append(f"**Warning: {NO_SANDBOX}.**\n")
    md += ["```", grade_table(results), "```\n",
           "| student | assignment | status | score | seconds | reasons | review |",
           "| --- | --- | --- | --- | --- | --- | --- |"]
    for e in entries:
        reasons = "<br>".join(x.replace("|", "\\|") for x in e["reasons"]) or "—"
        review = "<br>".join(x.replace("|", "\\|") for x in e["review"]) or "—"
        md.append(f"| {e['student']} | {e['assignment']} | {e['status']} | {_fmt(e['score'])}/{_fmt(e['max_score'])} "
                  f"| {e['seconds']:.1f} | {reasons} | {review} |")
    md.append("\nThe review column lists what the grader noticed and did not score: possible copying (same "
              "model weights or the same answers as a classmate or as a course file), code that tampers with "
              "the notebook's machinery, accuracy above what the reference reaches. Read the evidence before "
              "acting on it.")
    (out / "report.md").write_text("\n".join(md) + "\n")
