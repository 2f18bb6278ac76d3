"""A new gradebook made without nbgrader's `alembic` subprocess is the one nbgrader makes."""

from sqlalchemy import create_engine, inspect, text

from cnnkit.grading.course import ensure_tools_on_path, sqlite_url
from cnnkit.grading.gradebook import create_gradebook, newest_revision


def _schema(url):
    engine = create_engine(url)
    try:
        tables = sorted(inspect(engine).get_table_names())
        with engine.connect() as c:
            stamp = c.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        return tables, stamp
    finally:
        engine.dispose()


def test_the_gradebook_is_nbgraders_own(tmp_path, monkeypatch):
    import nbgrader.api
    from nbgrader.api import Gradebook

    theirs = sqlite_url(tmp_path / "theirs.db")
    ensure_tools_on_path()
    Gradebook(theirs).close()  # nbgrader's way: `alembic heads` in a subprocess
    ours = sqlite_url(tmp_path / "ours.db")
    monkeypatch.setattr(nbgrader.api, "get_alembic_version", lambda: (_ for _ in ()).throw(AssertionError("called")))
    assert create_gradebook(ours) is True
    assert _schema(ours) == _schema(theirs)
    assert _schema(ours)[1] == [newest_revision()]
    # nbgrader opens it as its own, without asking alembic, and what it writes stays
    with Gradebook(ours) as gb:
        gb.update_or_create_student("ada")
    assert create_gradebook(ours) is False  # a gradebook with tables is left alone
    with Gradebook(ours) as gb:
        assert [s.id for s in gb.students] == ["ada"]
    # a gradebook in a folder that does not exist yet (the Gradescope export's): the folder is made
    nested = sqlite_url(tmp_path / "course" / "gradebook.db")
    assert create_gradebook(nested) is True
    assert _schema(nested) == _schema(theirs)
