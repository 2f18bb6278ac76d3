"""Shape / parameter-count / cost quizzes: generator, answer keys, LMS export, grading.

>>> quiz = make_quiz(["output_shape", "layer_params"], level="easy", count=3, seed=1,
...                  students=["ada", "alan"])          # every key cross-checked in Keras
>>> export(quiz, "gift,xml,canvas,blackboard,markdown,pdf", "out/")
>>> quiz.save_key("out/key.json"); grade("out/key.json", "responses.csv").write_csv("grades.csv")

Every answer comes from ``cnnkit.analysis``; the families live in ``cnnkit.quiz.families``.
"""

from cnnkit.quiz.errors import QuizError
from cnnkit.quiz.export import FORMATS, export
from cnnkit.quiz.families import FAMILIES, LEVELS
from cnnkit.quiz.families import names as family_names
from cnnkit.quiz.grade import GradeReport, grade, grade_answer
from cnnkit.quiz.make import Quiz, generate, load_key, load_specs, make_quiz
from cnnkit.quiz.question import Question, answer_forms, format_answer, parse_answer
from cnnkit.quiz.roster import read_roster

__all__ = ["FAMILIES", "FORMATS", "LEVELS", "GradeReport", "Question", "Quiz", "QuizError", "answer_forms",
           "export", "family_names", "format_answer", "generate", "grade", "grade_answer", "load_key",
           "load_specs", "make_quiz", "parse_answer", "read_roster"]
