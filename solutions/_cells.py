"""Cell constructors for the nbgrader source notebooks (see build_notebooks.py)."""

import nbformat


def _meta(grade_id, *, grade=False, solution=False, locked=True, points=None, tags=()):
    meta = {"nbgrader": {"grade": grade, "grade_id": grade_id, "locked": locked,
                         "schema_version": 3, "solution": solution, "task": False}}
    if points is not None:
        meta["nbgrader"]["points"] = points
    if tags:
        meta["tags"] = list(tags)
    return meta


def md(grade_id, text):
    return nbformat.v4.new_markdown_cell(text.strip("\n"), metadata=_meta(grade_id))


def code(grade_id, src, tags=()):
    return nbformat.v4.new_code_cell(src.strip("\n"), metadata=_meta(grade_id, tags=tags))


def solution(grade_id, src, tags=()):
    return nbformat.v4.new_code_cell(src.strip("\n"), metadata=_meta(grade_id, solution=True, locked=False,
                                                                     tags=tags))


def tests(grade_id, points, src):
    return nbformat.v4.new_code_cell(src.strip("\n"), metadata=_meta(grade_id, grade=True, points=points))
