"""cnnkit.quiz: per-student variants, exports that parse back, grading of the sample class, clear errors."""

import csv
import json
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from cnnkit.cli import quiz as cli
from cnnkit.quiz import QuizError, export, grade, load_key, load_specs, make_quiz, parse_answer, read_roster
from cnnkit.quiz.question import answer_forms

EXAMPLES = Path(__file__).resolve().parents[1] / "quizzes" / "examples"
ROSTER = ["ada", "grace", "alan", "linus", "barbara", "donald", "margaret", "ken"]  # the sample class
SAMPLE = dict(families="output_shape,layer_params,model_params,macs,receptive_field,inception_cost,no_params",
              level="easy", count=1, seed=2024, title="CNN sample quiz", mac_tolerance=0.01)


@pytest.fixture(scope="module")
def quiz():
    return make_quiz(students=read_roster(EXAMPLES / "roster.csv"), **SAMPLE)


# ---------------------------------------------------------------- answers and variants

@pytest.mark.parametrize("text", ["14x14x32", "(14, 14, 32)", "14 x 14 x 32", "[14,14,32]", "14×14×32",
                                  "(None, 14, 14, 32)", " 14, 14, 32 "])
def test_equivalent_shape_forms(text):
    assert parse_answer(text, "shape") == (14, 14, 32)


def test_integer_and_set_forms():
    assert parse_answer("12,443,648", "integer") == parse_answer("12443648", "integer") == 12443648
    assert parse_answer("5, 2 ,4", "set") == (2, 4, 5)
    assert parse_answer("  ", "shape") is None
    with pytest.raises(ValueError, match="expected a whole number"):
        parse_answer("twelve", "integer")
    assert all(parse_answer(f, "shape") == (7, 7, 32) for f in answer_forms((7, 7, 32), "shape"))


def test_roster_gives_every_student_own_reproducible_numbers(quiz):
    assert quiz.students == ROSTER
    assert len({json.dumps([q.answer if isinstance(q.answer, int) else list(q.answer) for q in qs])
                for qs in quiz.variants.values()}) == len(ROSTER)
    again = make_quiz(students=["ken", "ada"], verify=False, **SAMPLE)  # order and class size do not matter
    assert [q.to_dict() for q in again.variants["ada"]] == [q.to_dict() for q in quiz.variants["ada"]]
    other = make_quiz(students=["ada"], verify=False, **{**SAMPLE, "seed": 7})
    assert [q.answer for q in other.variants["ada"]] != [q.answer for q in quiz.variants["ada"]]


def test_committed_sample_is_what_the_command_makes(quiz):
    committed = json.loads((EXAMPLES / "quiz" / "key.json").read_text(encoding="utf-8"))
    assert committed == json.loads(json.dumps(quiz.to_dict()))
    assert committed["verified"] is True


def test_mac_tolerance_only_on_mac_questions(quiz):
    for q in quiz.variants["ada"]:
        assert (q.tolerance > 0) == (q.unit == "MACs")
        if q.unit == "MACs":
            assert q.tolerance == round(q.answer * 0.01)


# ---------------------------------------------------------------- exports

def _unescape(text):
    return re.sub(r"\\(.)", r"\1", text)


def parse_gift(source):
    """Strict parser for the GIFT subset cnnkit writes: $CATEGORY lines and
    ``::title::[plain]text {#answer:tol####feedback}`` / ``{=form =form####feedback}`` (one a line).
    (pygiftparser, the PyPI parser, was last released in 2017 and is not maintained.)"""
    cats, questions, category = [], [], None
    pattern = re.compile(r"^::((?:\\.|[^:\\])+)::\[plain\]((?:\\.|[^{\\])+) \{((?:\\.|[^}\\])*)\}$")
    for n, line in enumerate(source.splitlines(), 1):
        if not line.strip() or line.startswith("//"):
            continue
        if line.startswith("$CATEGORY: "):
            category = line[len("$CATEGORY: "):]
            cats.append(category)
            continue
        m = pattern.match(line)
        assert m, f"GIFT line {n} does not parse: {line!r}"
        title, text, body = m.groups()
        body, _, feedback = body.partition("####")
        if body.startswith("#"):
            value, tol = body[1:].split(":")
            answer = {"numerical": int(value), "tolerance": int(tol)}
        else:
            forms = re.split(r"(?<!\\)=", body)
            assert forms[0].strip() == "", body
            answer = {"short": [_unescape(f).strip() for f in forms[1:]]}
        questions.append({"category": category, "title": _unescape(title), "text": _unescape(text),
                          "feedback": _unescape(feedback), **answer})
    return cats, questions


@pytest.fixture(scope="module")
def exported(quiz, tmp_path_factory):
    out = tmp_path_factory.mktemp("quiz")
    files = export(quiz, "all", out)
    return out, files


def test_gift_parses_back_to_the_key(quiz, exported):
    out, _ = exported
    cats, questions = parse_gift((out / "quiz.gift").read_text(encoding="utf-8"))
    assert [c.rsplit("/", 1)[1] for c in cats] == ROSTER
    keyed = [(s, q) for s, qs in quiz.variants.items() for q in qs]
    assert len(questions) == len(keyed)
    for parsed, (student, q) in zip(questions, keyed):
        assert parsed["category"].endswith("/" + student)
        if q.kind == "integer":
            assert (parsed["numerical"], parsed["tolerance"]) == (q.answer, q.tolerance)
        else:
            assert parsed["short"] == answer_forms(q.answer, q.kind)
        assert parsed["feedback"] == q.explanation


def test_moodle_xml_structure(quiz, exported):
    out, _ = exported
    root = ET.parse(out / "quiz.xml").getroot()
    assert root.tag == "quiz"
    cats = [q for q in root.findall("question") if q.get("type") == "category"]
    items = [q for q in root.findall("question") if q.get("type") != "category"]
    assert len(cats) == len(ROSTER)
    keyed = [q for qs in quiz.variants.values() for q in qs]
    for el, q in zip(items, keyed, strict=True):
        answers = el.findall("answer")
        assert all(a.get("fraction") == "100" for a in answers)
        if q.kind == "integer":
            assert el.get("type") == "numerical" and len(answers) == 1
            assert int(answers[0].findtext("text")) == q.answer
            assert int(answers[0].findtext("tolerance")) == q.tolerance
        else:
            assert el.get("type") == "shortanswer"
            assert [a.findtext("text") for a in answers] == answer_forms(q.answer, q.kind)
        assert el.find("questiontext").get("format") == "html"


def test_text2qti_turns_the_canvas_file_into_a_qti_zip(quiz, exported, tmp_path):
    out, files = exported
    assert len(files["canvas"]) == len(ROSTER)
    src = tmp_path / "ada.txt"
    shutil.copy(out / "canvas" / "ada.txt", src)
    text2qti = Path(sys.executable).with_name("text2qti")
    subprocess.run([str(text2qti), str(src)], check=True, capture_output=True, cwd=tmp_path)
    with zipfile.ZipFile(tmp_path / "ada.zip") as z:
        names = z.namelist()
        assert "imsmanifest.xml" in names
        xml_name = next(n for n in names if n.endswith(".xml") and "assessment_meta" not in n and n != "imsmanifest.xml")
        assessment = ET.fromstring(z.read(xml_name))
    ns = {"q": "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"}
    items = assessment.findall(".//q:item", ns)
    assert len(items) == len(quiz.variants["ada"])
    for item, q in zip(items, quiz.variants["ada"]):
        equal = [e.text for e in item.findall(".//q:varequal", ns)]
        if q.kind == "integer":
            assert float(equal[0]) == q.answer
        else:
            assert equal == answer_forms(q.answer, q.kind)


def test_blackboard_rows(quiz, exported):
    out, _ = exported
    rows = (out / "blackboard" / "grace.txt").read_text(encoding="utf-8").splitlines()
    for row, q in zip(rows, quiz.variants["grace"], strict=True):
        fields = row.split("\t")
        if q.kind == "integer":
            assert fields[0] == "NUM" and fields[2:] == [str(q.answer), str(q.tolerance)]
        else:
            assert fields[0] == "FIB" and fields[2:] == answer_forms(q.answer, q.kind)


def test_markdown_and_pdf_keep_the_key_apart(quiz, exported):
    out, _ = exported
    paper = (out / "quiz.md").read_text(encoding="utf-8")
    answers = (out / "answers.md").read_text(encoding="utf-8")
    for q in quiz.variants["ada"]:
        assert q.explanation not in paper and q.explanation.replace("*", "\\*") in answers
        assert f"**{q.answer_text}" in answers
    for name in ("quiz.pdf", "answers.pdf"):
        data = (out / name).read_bytes()
        assert data.startswith(b"%PDF") and data.count(b"/Type /Page\n") + data.count(b"/Type /Page ") >= len(ROSTER)


# ---------------------------------------------------------------- grading the sample class

def test_grading_the_sample_responses(quiz):
    report = grade(quiz, EXAMPLES / "responses.csv")
    by = {r.student: r for r in report.results}
    n = len(quiz.question_ids)
    assert by["ada"].score == n  # right answers in other forms: "(19, 19, 8)", "18,464", "5, 4, 2", within 1%
    assert by["donald"].score == n  # "(None, 12, 12, 32)" as Keras prints shapes
    assert by["linus"].marks[0].correct  # 54×54×32
    wrong = by["margaret"].marks[0]
    assert not wrong.correct and "the depth is right" in wrong.feedback and "(32 - 5 + 2·2)/1 + 1 = 32" in wrong.feedback
    assert "could not read" in by["margaret"].marks[4].feedback
    assert "no answer" in by["grace"].marks[5].feedback
    assert by["ken"].line is None and by["ken"].score == 0  # no row in the responses
    assert any("line 6: expected 8 fields" in p for p in report.problems)  # barbara's malformed row
    assert any("line 9: unknown student 'bob'" in p for p in report.problems)
    with pytest.raises(QuizError, match="line 6"):
        grade(quiz, EXAMPLES / "responses.csv", strict=True)


def test_committed_grades_match(quiz, tmp_path):
    report = grade(quiz, EXAMPLES / "responses.csv")
    assert report.write_csv(tmp_path / "g.csv").read_text() == (EXAMPLES / "grades.csv").read_text()


def test_cli_make_and_grade(tmp_path, capsys):
    roster = tmp_path / "roster.csv"
    roster.write_text("student\nada\nken\n")
    assert cli.main(["make", "--family", "output_shape", "--level", "lectures", "--count", "2", "--seed", "1",
                     "--students", str(roster), "--format", "gift,markdown", "--out", str(tmp_path / "q")]) == 0
    key = load_key(tmp_path / "q" / "key.json")
    q = key.variants["ken"][0]
    responses = tmp_path / "r.csv"
    responses.write_text(f'student,q1,q2\nken,"{q.answer_text.replace("x", " x ")}",1x1x1\n')
    assert cli.main(["grade", str(tmp_path / "q" / "key.json"), str(responses), "--out", str(tmp_path / "g.csv"),
                     "--feedback", str(tmp_path / "f.md")]) == 0
    rows = list(csv.DictReader(open(tmp_path / "g.csv")))
    assert rows[1]["q1"] == "1" and rows[1]["q2"] == "0"
    assert "expected" in (tmp_path / "f.md").read_text()


# ---------------------------------------------------------------- bad input

def test_unknown_family_and_level(capsys, tmp_path):
    with pytest.raises(QuizError, match="unknown question family 'shapes'.*output_shape"):
        make_quiz("shapes")
    with pytest.raises(QuizError, match="unknown level"):
        make_quiz("macs", level="expert")
    assert cli.main(["make", "--family", "shapes", "--out", str(tmp_path)]) == 2
    assert "unknown question family" in capsys.readouterr().err


def test_impossible_layer_in_a_spec_file_names_the_line(tmp_path):
    spec = tmp_path / "questions.jsonl"
    spec.write_text(
        '{"family": "output_shape", "input": [28, 28, 1], "layer": {"type": "conv", "filters": 16, "kernel": 5, "padding": 2}}\n'
        '{"family": "output_shape", "input": [5, 5, 1], "layer": {"type": "conv", "filters": 4, "kernel": 7}}\n')
    with pytest.raises(QuizError, match=r"line 2: .*kernel 7.*does not fit an input of 5"):
        load_specs(spec)
    spec.write_text('{"family": "output_shape", "input": [28, 28, 1], "layer": {"type": "conv", "filters": 16, "kernel": 5, "padding": 2}}\n')
    (q,) = load_specs(spec)
    assert q.answer == (28, 28, 16)  # seed 001, CONV 1


def test_malformed_roster_names_the_line(tmp_path):
    bad = tmp_path / "roster.csv"
    bad.write_text("student,name\nada,Ada\ngrace\n")
    with pytest.raises(QuizError, match="line 3: expected 2 fields"):
        read_roster(bad)
    bad.write_text("student,name\nada,Ada\nada,Ada again\n")
    with pytest.raises(QuizError, match="line 3: student 'ada' is listed twice"):
        read_roster(bad)
    bad.write_text("name\nAda\n")
    with pytest.raises(QuizError, match="line 1: expected a 'student' column"):
        read_roster(bad)


def test_malformed_responses_header(quiz, tmp_path):
    bad = tmp_path / "r.csv"
    bad.write_text("student,q1,q99\nada,1x1x1,2\n")
    with pytest.raises(QuizError, match="line 1: question column.*q99"):
        grade(quiz, bad)
    bad.write_text("who,q1\nada,1\n")
    with pytest.raises(QuizError, match="line 1: expected a 'student' column"):
        grade(quiz, bad)
