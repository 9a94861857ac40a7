"""The database engine and the request-scoped session, configured for SQLite or PostgreSQL."""

from __future__ import annotations

import pathlib

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker

MIGRATIONS = pathlib.Path(__file__).parent / "migrations"


class Base(DeclarativeBase):
    pass


session: scoped_session[Session] = scoped_session(sessionmaker(expire_on_commit=False))


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets WAL, synchronous=FULL, a busy timeout and BEGIN IMMEDIATE."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        _make_sqlite_durable(engine)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _make_sqlite_durable(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Take over transaction control from pysqlite so that BEGIN IMMEDIATE below is honoured.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        # Writers queue up at the start of a transaction instead of failing to upgrade a read lock;
        # a connection marked read_only reads a snapshot beside them instead.
        read_only = connection.get_execution_options().get("read_only")
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def init_app(app) -> None:
    """Bind the session to the app's database and end it with every request."""
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["countersign.engine"] = engine
    session.configure(bind=engine)

    checked = []

    @app.before_request
    def _refuse_unmigrated():
        if not checked:
            check_migrated(engine)
            checked.append(True)

    @app.teardown_appcontext
    def _remove_session(_exc):
        session.remove()


class NotMigrated(Exception):
    """The database schema is behind the code."""


def check_migrated(engine: Engine) -> None:
    """Refuse to run on a database whose schema is not the one this code needs."""
    current, head = migration_status(engine)
    if current != head:
        raise NotMigrated(
            f"The database is not up to date (it is at {current or 'no version'}; this code needs {head}). "
            "Run: flask --app app migrate"
        )


def migration_status(engine: Engine) -> tuple[str | None, str]:
    """The database's Alembic revision and the code's head revision."""
    head = ScriptDirectory.from_config(alembic_config(engine.url.render_as_string(False))).get_current_head()
    with engine.connect().execution_options(read_only=True) as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None, head
        current = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    return current, head


def alembic_config(url: str):
    """An Alembic config pointing at our migrations and `url`."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str) -> None:
    """Bring the database at `url` to the newest schema."""
    command.upgrade(alembic_config(url), "head")
