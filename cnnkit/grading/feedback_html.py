"""nbconvert's HTML exporter, minus two costs a grading run paid again for every feedback page.

- ``HTMLExporter`` re-parses each finished page with BeautifulSoup to give images without ``alt`` a
  description and to make JupyterLab input and output areas focusable. That parse took longer than
  rendering the page. Here one pass over the tags does the same edits, and the rest of the page is
  left exactly as the template wrote it.
- Pygments highlighted every code cell of every page, although most cells (the given code, the tests)
  are the same for every student of an assignment. Here the highlighted HTML is remembered by source.
"""

from __future__ import annotations

import functools
import re

from nbconvert.exporters import HTMLExporter, TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

__all__ = ["FeedbackExporter", "accessible"]

#: what nbconvert writes into an image that has no description
NO_ALT = "No description has been provided for this image"
_TAG = re.compile(r"""<(img|div)(\s(?:[^<>"']|"[^"]*"|'[^']*')*?)?(/?)>""", re.IGNORECASE)
_CLASS = re.compile(r"""\sclass\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""", re.IGNORECASE)
_FOCUSABLE = {"jp-Cell-inputWrapper", "jp-OutputArea-output"}


def accessible(html: str) -> str:
    """The edits nbconvert's exporter makes with BeautifulSoup: an ``alt`` on every image without one, and
    ``tabindex="0"`` on JupyterLab templates' input wrappers and outputs (only lab templates have them)."""
    lab = "jp-Notebook" in html

    def edit(match: re.Match) -> str:
        tag, attrs, close = match.group(1), match.group(2) or "", match.group(3)
        if tag.lower() == "img":
            if re.search(r"\salt\s*=", attrs, re.IGNORECASE):
                return match.group(0)
            return f'<{tag}{attrs} alt="{NO_ALT}"{close}>'
        if not lab or re.search(r"\stabindex\s*=", attrs, re.IGNORECASE):
            return match.group(0)
        found = _CLASS.search(attrs)
        classes = set(next(g for g in found.groups() if g is not None).split()) if found else set()
        if classes & _FOCUSABLE:
            return f'<{tag}{attrs} tabindex="0"{close}>'
        return match.group(0)

    return _TAG.sub(edit, html)


class _RememberedHighlight(Highlight2HTML):
    """``Highlight2HTML`` that highlights each distinct (source, language) once."""

    def __call__(self, source, language=None, metadata=None):
        magics = (metadata or {}).get("magics_language")
        return self._highlight(source, language, magics)

    @functools.lru_cache(maxsize=4096)  # noqa: B019 — one filter per exporter, which lives for the run
    def _highlight(self, source, language, magics):
        return super().__call__(source, language, {"magics_language": magics} if magics else None)


class FeedbackExporter(HTMLExporter):
    """``HTMLExporter`` whose pages are the same, made faster (see the module docstring)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._highlighters: dict = {}   # pygments lexer name → its remembering highlighter

    def from_notebook_node(self, nb, resources=None, **kw):
        # what HTMLExporter.from_notebook_node does, with the highlighter remembered and without the
        # BeautifulSoup pass (``accessible`` makes its edits)
        info = nb.metadata.get("language_info", {})
        lexer = info.get("pygments_lexer", info.get("name", None))
        if lexer not in self._highlighters:
            self._highlighters[lexer] = self.filters.get("highlight_code") or _RememberedHighlight(
                pygments_lexer=lexer, parent=self)
        resources = self._init_resources(resources)
        self.register_filter("highlight_code", self._highlighters[lexer])
        self.register_filter("filter_data_type", WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata,
                                                                       parent=self, resources=resources))
        html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
        return accessible(html), resources
