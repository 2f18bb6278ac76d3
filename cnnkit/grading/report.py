"""What a grading run writes: ``grades.csv``, ``report.json``/``report.md`` and the printed table."""

from __future__ import annotations

import csv
import json
from pathlib import Path


def _fmt(x: float) -> str:
    return f"{x:g}"


def question_columns(results) -> list[str]:
    """Graded-cell ids in first-seen order across all results (one CSV column each)."""
    cols: list[str] = []
    for r in results:
        for cells in r.scores.values():
            cols += [g for g in cells if g not in cols]
    return cols


def write_grades_csv(results, path) -> Path:
    """One row per (student, assignment): status, one column per graded cell, score, max_score."""
    cols = question_columns(results)
    path = Path(path)
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["student", "assignment", "status", *cols, "score", "max_score"])
        for r in results:
            flat = {g: s for cells in r.scores.values() for g, s in cells.items()}
            w.writerow([r.student, r.assignment, r.status, *(_fmt(flat[c]) if c in flat else "" for c in cols),
                        _fmt(r.score), _fmt(r.max_score)])
    return path


def grade_table(results) -> str:
    """Students × assignments, ``score/max`` and the status when it is not ok."""
    assignments = sorted({r.assignment for r in results})
    students = sorted({r.student for r in results})
    cell = {(r.student, r.assignment): f"{_fmt(r.score)}/{_fmt(r.max_score)}"
            + ("" if r.status == "ok" else f" ({r.status})") for r in results}
    rows = [["student", *assignments]] + [[s, *(cell.get((s, a), "-") for a in assignments)] for s in students]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def write_all(batch, *, limits, workers, source) -> None:
    results = batch.results
    out = Path(batch.out)
    write_grades_csv(results, out / "grades.csv")
    entries = [{"student": r.student, "assignment": r.assignment, "status": r.status, "score": r.score,
                "max_score": r.max_score, "seconds": r.seconds, "reasons": r.reasons,
                "feedback": [str(Path(f).relative_to(out)) for f in r.feedback]} for r in results]
    counts = {}
    for r in results:
        counts[r.status] = counts.get(r.status, 0) + 1
    summary = {"submissions": len(results), "statuses": counts, "seconds": batch.seconds,
               "workers": workers, "limits": limits.as_dict(), "source": str(source),
               "gradebook": batch.db_url}
    (out / "report.json").write_text(json.dumps({"summary": summary, "submissions": entries}, indent=1))
    md = [f"# Grading report\n",
          f"{len(results)} submissions in {batch.seconds:.0f} s with {workers} workers; "
          + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) + "\n",
          "```", grade_table(results), "```\n",
          "| student | assignment | status | score | seconds | reasons |", "| --- | --- | --- | --- | --- | --- |"]
    for e in entries:
        reasons = "<br>".join(x.replace("|", "\\|") for x in e["reasons"]) or "—"
        md.append(f"| {e['student']} | {e['assignment']} | {e['status']} | {_fmt(e['score'])}/{_fmt(e['max_score'])} "
                  f"| {e['seconds']:.1f} | {reasons} |")
    (out / "report.md").write_text("\n".join(md) + "\n")
