"""Feedback a student may see: every message, never a hidden test's or a solution's source, never a
path of the grading machine.

nbgrader 0.9's feedback HTML prints the source of every test cell, hidden tests included, and
tracebacks quote the failing line. Here, in the grader's own process and after the sandbox is gone:
hidden regions become a placeholder and their tracebacks are cut to the message
(``HideHiddenTests``); every output is screened — a line that quotes hidden-test or solution source
is withheld and grading-machine paths are replaced (``screen_outputs``) — then nbgrader's own
``GetGrades`` and feedback template render the page.
"""

from __future__ import annotations

import os
import re
import sys
import threading
from pathlib import Path

from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode

__all__ = ["HIDDEN_PLACEHOLDER", "WITHHELD", "HideHiddenTests", "hide_hidden_region", "secret_lines",
           "Screen", "screen_outputs", "write_feedback"]

HIDDEN_PLACEHOLDER = "# (hidden tests: their messages, if any, are shown below)"
WITHHELD = "[line withheld: it quotes the course's hidden tests or solution]"
#: a secret line shorter than this is too generic to withhold ("return x", "pass")
MIN_SECRET = 24
#: nbgrader's region markers: an output quoting one is quoting the course's source
_MARKERS = re.compile(r"(BEGIN|END) (HIDDEN TESTS|SOLUTION)")


class HideHiddenTests(NbGraderPreprocessor):
    """Replace ``### BEGIN/END HIDDEN TESTS`` regions with a placeholder; keep error messages."""

    begin_delimeter = Unicode("BEGIN HIDDEN TESTS").tag(config=True)
    end_delimeter = Unicode("END HIDDEN TESTS").tag(config=True)
    placeholder = Unicode(HIDDEN_PLACEHOLDER).tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code" or self.begin_delimeter not in cell.source:
            return cell, resources
        cell.source = hide_hidden_region(cell.source, self.begin_delimeter, self.end_delimeter, self.placeholder)
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                # the traceback quotes the failing (hidden) line: keep only "Name: message"
                output["traceback"] = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]
        return cell, resources


def hide_hidden_region(source: str, begin: str = "BEGIN HIDDEN TESTS", end: str = "END HIDDEN TESTS",
                       placeholder: str = HIDDEN_PLACEHOLDER) -> str:
    """Source with every hidden-test region (delimiter lines included) replaced by ``placeholder``."""
    kept, hiding = [], False
    for line in source.splitlines():
        if begin in line:
            hiding = True
            indent = line[: len(line) - len(line.lstrip())]
            kept.append(indent + placeholder)
        elif end in line and hiding:
            hiding = False
        elif not hiding:
            kept.append(line)
    return "\n".join(kept)


_REGIONS = (("BEGIN HIDDEN TESTS", "END HIDDEN TESTS"), ("BEGIN SOLUTION", "END SOLUTION"))


def _split_lines(source: str) -> tuple[list[str], list[str]]:
    """A cell's stripped lines as (inside a hidden-test or solution region, outside any), markers left out."""
    inside, outside, region = [], [], None
    for line in source.splitlines():
        stripped = line.strip()
        marker = next(((b, e) for b, e in _REGIONS if b in stripped or e in stripped), None)
        if marker is not None:
            region = marker if marker[0] in stripped else None
        elif region is not None:
            inside.append(stripped)
        else:
            outside.append(stripped)
    return inside, outside


def secret_lines(source_nb) -> set[str]:
    """Lines of the course's hidden tests and solutions long enough to be recognisable when quoted —
    except those that students see anyway elsewhere in the notebook."""
    secrets, public = set(), set()
    for cell in source_nb.cells:
        inside, outside = _split_lines(cell.source)
        secrets |= {line for line in inside if len(line) >= MIN_SECRET and not line.startswith("#")}
        public |= set(outside)
    # A hidden line that students can read anyway (a visible line contains it, perhaps with a comment
    # after it) is no secret; withholding it would also hide their own visible test's output.
    seen = "\n".join(public)
    return {line for line in secrets if line not in seen and _code(line) not in seen}


def _code(line: str) -> str:
    """The line without a trailing comment (a crude cut: good enough for lines a course wrote)."""
    return line.split("  #")[0].rstrip()


class Screen:
    """Replaces grading-machine paths and withholds quoted secrets in output text."""

    def __init__(self, secrets=(), paths: dict[str, str] | None = None):
        self.secrets = sorted(set(secrets), key=len, reverse=True)
        package = Path(__file__).resolve().parents[1]
        # The package's parent is on the sandbox's PYTHONPATH: site-packages, or the repository of an
        # editable install (a path of the grading machine either way).
        defaults = {sys.prefix: "<python>", sys.base_prefix: "<python>", str(package): "<cnnkit>",
                    str(package.parent): "<lib>", os.path.expanduser("~"): "<home>"}
        merged = {**defaults, **(paths or {})}
        # longest first, so /a/b/c is replaced before /a/b
        self.paths = sorted(((str(k), v) for k, v in merged.items() if k and len(str(k)) > 1),
                            key=lambda kv: len(kv[0]), reverse=True)
        tmp = re.escape(os.path.realpath("/tmp"))
        self._tmp = re.compile(rf"(?:{tmp}|/tmp)/[\w.\-]+")

    def text(self, text: str) -> str:
        if not text:
            return text
        out = []
        for line in text.split("\n"):
            if any(secret in line for secret in self.secrets) or _MARKERS.search(line):
                out.append(WITHHELD)
                continue
            for path, label in self.paths:
                line = line.replace(path, label)
            out.append(self._tmp.sub("<tmp>", line))
        return "\n".join(out)


def screen_outputs(nb, screen: Screen):
    """Screen every output of every cell in place (stream text, error messages, tracebacks, plain text)."""
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            kind = output.get("output_type")
            if kind == "stream":
                output["text"] = screen.text(_text(output.get("text", "")))
            elif kind == "error":
                output["evalue"] = screen.text(str(output.get("evalue", "")))
                output["traceback"] = [screen.text(str(t)) for t in output.get("traceback", [])]
            elif kind in ("execute_result", "display_data"):
                data = output.get("data", {})
                for mime in ("text/plain", "text/html", "text/markdown", "text/latex"):
                    if mime in data:
                        data[mime] = screen.text(_text(data[mime]))
    return nb


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def write_feedback(nb, resources: dict, path: Path) -> Path:
    """Render the graded notebook as nbgrader's feedback page at ``path`` (scores from the gradebook)."""
    import copy

    from nbgrader.preprocessors import GetGrades

    from cnnkit.grading.record import GRADEBOOK_LOCK

    nb, resources = copy.deepcopy(nb), copy.deepcopy(resources)
    with GRADEBOOK_LOCK:
        nb, resources = GetGrades().preprocess(nb, resources)
    body, _ = _exporter().from_notebook_node(nb, resources=resources)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body, encoding="utf-8")
    return path


_LOCAL = threading.local()


def _exporter():
    """nbgrader's feedback exporter, made once per grading thread: building one loads and compiles its
    templates, which took longer than rendering a page."""
    exporter = getattr(_LOCAL, "exporter", None)
    if exporter is None:
        from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
        from traitlets.config import Config

        import nbgrader

        from cnnkit.grading.feedback_html import FeedbackExporter

        base = Path(nbgrader.__file__).parent / "server_extensions" / "formgrader"
        config = Config()
        config.HTMLExporter.template_name = "feedback"
        config.HTMLExporter.extra_template_basedirs = [str(base / "templates")]
        config.HTMLExporter.extra_template_paths = [str(base / "static" / "node_modules" / "bootstrap" / "dist" / "css")]
        exporter = FeedbackExporter(config=config)
        exporter.register_preprocessor(HideHiddenTests(), enabled=True)
        exporter.register_preprocessor(CSSHTMLHeaderPreprocessor(), enabled=True)
        _LOCAL.exporter = exporter
    return exporter
