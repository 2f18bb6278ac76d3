"""What a grading run does once instead of per assignment or per submission: one nbgrader process releases
every assignment, the referee starts TensorFlow and loads the held-out data before the first model
arrives, and a course model file is loaded once however often the integrity flags ask for its digest."""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

import pytest

from cnnkit.grading import course as course_module
from cnnkit.grading.course import release, sqlite_url
from cnnkit.grading.executor import Executor
from cnnkit.grading.referee.client import Referee
from cnnkit.grading.referee.measure import Measurer

sys.path.insert(0, str(Path(__file__).parent))
from test_assignment_unit import _cnnkit, _copy_course  # noqa: E402


@pytest.mark.slow
def test_one_release_makes_every_assignment_and_names_the_one_nbgrader_refused(tmp_path, monkeypatch):
    from nbgrader.api import Gradebook

    course = _copy_course(tmp_path)
    for name in ("11-first", "12-second"):
        assert _cnnkit("assignment", "new", name, "--minutes", "20", cwd=course.root).returncode == 0
    runs = []
    real = course_module.nbgrader
    monkeypatch.setattr(course_module, "nbgrader", lambda args, **kw: runs.append(args) or real(args, **kw))
    url = sqlite_url(tmp_path / "gradebook.db")
    folders = release(course, ["11-first", "12-second"], release_dir=tmp_path / "rel", db_url=url)
    assert runs == [["generate_assignment", "*", "--force"]]  # one nbgrader start-up for both
    assert [f.name for f in folders] == ["11-first", "12-second"]
    assert all((f / f"{f.name}.ipynb").is_file() for f in folders)
    assert sorted(p.name for p in (tmp_path / "rel").iterdir()) == ["11-first", "12-second"]  # nothing else
    with Gradebook(url) as gb:
        assert sorted(a.name for a in gb.assignments) == ["11-first", "12-second"]
        assert all(a.notebooks and a.notebooks[0].grade_cells for a in gb.assignments)

    # metadata of a format this nbgrader does not know: the error names that assignment only
    broken = course.assignment("12-second")
    time.sleep(0.05)
    broken.pair.text.write_text(broken.pair.text.read_text().replace('"schema_version": 3', '"schema_version": 99', 1))
    assert _cnnkit("assignment", "sync", broken.name, cwd=course.root).returncode == 0
    with pytest.raises(RuntimeError) as refused:
        release(course, ["11-first", "12-second"], release_dir=tmp_path / "rel2")
    head = str(refused.value).splitlines()[0]
    assert head == "nbgrader generate_assignment failed for 12-second:", head
    assert "newer version" in str(refused.value)  # nbgrader's own explanation follows


@pytest.mark.slow
def test_the_referee_prepares_tensorflow_and_the_held_out_data_ahead():
    measurer = Measurer()
    check = {"dataset": "mnist", "split": "test", "preprocess": "scale01", "image_size": None, "resize": "pad",
             "classes": None}
    assert measurer.handle({"kind": "prepare", "checks": [check]}) == {"ok": True}
    assert "keras" in sys.modules
    (key, (x, y)), = measurer._data.items()
    assert key[0] == "mnist" and len(x) == len(y) == 10_000
    assert measurer._dataset(check)[0] is x  # measuring later finds it loaded
    refused = measurer.handle({"kind": "prepare", "checks": [{**check, "dataset": "no-such-set"}]})
    assert refused["ok"] is False and "no-such-set" in refused["message"]


@pytest.mark.slow
def test_a_course_model_is_loaded_once_however_often_its_digest_is_asked(tmp_path):
    import keras

    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    model.save(tmp_path / "a.keras")
    shutil.copy(tmp_path / "a.keras", tmp_path / "same-bytes.keras")
    keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)]).save(tmp_path / "other.keras")
    with Referee(Executor(sandbox=False).start_service) as referee:
        asked = []
        request = referee._service.request
        referee._service.request = lambda payload, **kw: asked.append(payload["kind"]) or request(payload, **kw)
        first = referee.digest(tmp_path / "a.keras")
        assert first and referee.digest(tmp_path / "a.keras") == first
        assert referee.digest(tmp_path / "same-bytes.keras") == first
        other = referee.digest(tmp_path / "other.keras")
        assert other and other != first
        assert asked == ["digest", "digest"]
