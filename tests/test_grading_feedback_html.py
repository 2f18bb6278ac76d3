"""The feedback exporter writes the page nbconvert's own HTMLExporter writes, without its per-page costs."""

import base64

import pytest
from bs4 import BeautifulSoup
from nbconvert.exporters import HTMLExporter
from nbconvert.filters import highlight
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from traitlets.config import Config

from cnnkit.grading.feedback_html import NO_ALT, FeedbackExporter, accessible

PNG = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")).decode()


def _notebook(student_answer: str):
    html = ('<p>given <img src="a.png" alt="a plot"> and <img title="x > y" src="b.png"/> '
            "<div class='note'>n</div></p>")
    nb = new_notebook(
        metadata={"language_info": {"name": "python", "pygments_lexer": "ipython3"}},
        cells=[new_markdown_cell("# Q1\n![](c.png)"),
               new_code_cell("import numpy as np\nx = np.arange(3)  # given", outputs=[
                   new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure>"}),
                   new_output("display_data", data={"text/html": html})]),
               new_code_cell(student_answer, outputs=[new_output("stream", name="stdout", text="3\n")]),
               new_code_cell("assert x.sum() == 3, 'the sum'", outputs=[
                   new_output("error", ename="AssertionError", evalue="the sum", traceback=["AssertionError"])])])
    for i, cell in enumerate(nb.cells):
        cell.id = f"cell-{i}"
    return nb


@pytest.mark.parametrize("template", ["lab", "classic"])
def test_the_page_is_nbconverts_own(template):
    config = Config()
    config.HTMLExporter.template_name = template
    nb = _notebook("def f(x):\n    return x + 1\nprint(f(2))")
    theirs, _ = HTMLExporter(config=config).from_notebook_node(nb)
    ours, _ = FeedbackExporter(config=config).from_notebook_node(nb)
    # the same document: nbconvert's page is BeautifulSoup's rendering of the template's output after
    # the same edits, so rendering ours through BeautifulSoup gives it back character for character
    assert str(BeautifulSoup(ours, features="html.parser")) == theirs
    # the figure and the student's HTML image without alt (markdown images get alt="")
    assert ours.count(f'alt="{NO_ALT}"') == theirs.count(f'alt="{NO_ALT}"') == 2
    if template == "lab":
        assert ours.count('tabindex="0"') == theirs.count('tabindex="0"') > 0


def test_accessible_edits_only_what_lacks_a_description():
    page = ('<div class="jp-Notebook"><div class="jp-Cell-inputWrapper">i</div>'
            "<div class='jp-OutputArea-output other'>o</div><div class=\"jp-OutputArea-output\" tabindex=\"-1\">"
            '<img src="a" alt="kept"><IMG SRC="b"/><img data-x="1>2" src="c"></div></div>')
    soup = BeautifulSoup(accessible(page), features="html.parser")
    assert [i.get("alt") for i in soup.find_all("img")] == ["kept", NO_ALT, NO_ALT]
    assert [i.get("data-x") for i in soup.find_all("img")] == [None, None, "1>2"]
    assert [d.get("tabindex") for d in soup.find_all("div")] == [None, "0", "0", "-1"]
    # a classic page has no JupyterLab areas: its divs are left alone
    assert accessible('<div class="jp-Cell-inputWrapper">i</div>') == '<div class="jp-Cell-inputWrapper">i</div>'


def test_each_distinct_cell_is_highlighted_once(monkeypatch):
    calls = []
    real = highlight._pygments_highlight
    monkeypatch.setattr(highlight, "_pygments_highlight", lambda source, *a, **k: calls.append(source) or
                        real(source, *a, **k))
    exporter = FeedbackExporter()
    first, _ = exporter.from_notebook_node(_notebook("print(1)"))
    assert len(calls) == 3
    # a second student: the given code and the test are remembered, only the answer is new
    second, _ = exporter.from_notebook_node(_notebook("print(2)"))
    assert len(calls) == 4 and calls[-1] == "print(2)"
    again, _ = exporter.from_notebook_node(_notebook("print(1)"))
    assert len(calls) == 4 and again == first
    assert first != second
