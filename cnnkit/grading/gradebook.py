"""Create an nbgrader gradebook the way nbgrader does, without its ``alembic heads`` subprocess.

nbgrader's ``Gradebook`` creates the tables of a new database and stamps it with the newest migration,
which it finds by running the ``alembic`` command: a Python start-up of about 2 s of CPU, paid by
every grading run on the critical path. The same revision is read here from nbgrader's own migration
scripts, in this process.
"""

from __future__ import annotations

__all__ = ["create_gradebook", "newest_revision"]


def newest_revision() -> str:
    """The head of nbgrader's migrations: what ``alembic heads`` prints for its scripts."""
    from alembic.script import ScriptDirectory
    from nbgrader.dbutil import ALEMBIC_DIR

    return ScriptDirectory(ALEMBIC_DIR).get_current_head()


def create_gradebook(db_url: str) -> bool:
    """Make ``db_url`` a new, stamped nbgrader gradebook unless it holds tables already (then it is left
    alone: nbgrader's own ``Gradebook`` opens it as it is). Whether it created one."""
    from pathlib import Path

    from nbgrader.api import Base
    from sqlalchemy import create_engine, inspect, make_url, text

    url = make_url(db_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)  # SQLite makes the file, not its folder
    engine = create_engine(db_url, future=True)
    try:
        if inspect(engine).get_table_names():
            return False
        revision = newest_revision()
        with engine.begin() as connection:
            Base.metadata.create_all(bind=connection)
            connection.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
            connection.execute(text("INSERT INTO alembic_version (version_num) VALUES (:revision)"),
                               {"revision": revision})
        return True
    finally:
        engine.dispose()
