"""The database engine and the request-scoped session, configured for SQLite or PostgreSQL."""

from __future__ import annotations

import contextlib
import pathlib
from contextvars import ContextVar

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from flask import g, request
from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker

MIGRATIONS = pathlib.Path(__file__).parent / "migrations"


class Base(DeclarativeBase):
    pass


session: scoped_session[Session] = scoped_session(sessionmaker(expire_on_commit=False))


# Page views (GET) begin SQLite transactions without the write lock; see write_from_here().
_reading: ContextVar[bool] = ContextVar("countersign_reading", default=False)
_DEFERRED = "countersign.deferred_since"


def make_engine(url: str, busy_seconds: float = 30) -> Engine:
    """An engine for `url`; SQLite gets WAL, synchronous=FULL, a busy timeout and BEGIN IMMEDIATE for writers.

    `busy_seconds` is the longest a statement waits for another's lock (SQLite's busy timeout, PostgreSQL's
    lock_timeout) before giving up with an OperationalError, which the pages answer as "busy, try again".
    """
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": busy_seconds, "check_same_thread": False})
        _make_sqlite_durable(engine, busy_seconds)
        return engine
    return create_engine(url, pool_pre_ping=True,
                         connect_args={"options": f"-c lock_timeout={int(busy_seconds * 1000)}"})


def _make_sqlite_durable(engine: Engine, busy_seconds: float) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Take over transaction control from pysqlite so that BEGIN IMMEDIATE below is honoured.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_seconds * 1000)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        # Writers queue up at the start of a transaction instead of failing to upgrade a read lock; a reading
        # request, or a connection marked read_only, reads a snapshot beside them instead (WAL never blocks it).
        deferred = bool(connection.get_execution_options().get("read_only") or _reading.get())
        connection.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")
        connection.info[_DEFERRED] = connection.connection.driver_connection.total_changes if deferred else None


@contextlib.contextmanager
def reading():
    """Within it, a SQLite transaction that begins does so as a reader (the write lock is not taken)."""
    token = _reading.set(True)
    try:
        yield
    finally:
        _reading.reset(token)


def write_from_here(db: Session) -> None:
    """About to write: a SQLite transaction begun as a reader that has written nothing becomes a writer.

    It waits its turn for the write lock (BEGIN IMMEDIATE) rather than failing to upgrade a stale snapshot;
    what it read before stays read, as a page view's reads are. Anything else is left as it is.
    """
    connection = db.connection()
    since = connection.info.get(_DEFERRED)
    if connection.dialect.name != "sqlite" or since is None:
        return
    if connection.connection.driver_connection.total_changes != since:
        return  # it has written already: keep it one transaction
    connection.exec_driver_sql("COMMIT")
    connection.exec_driver_sql("BEGIN IMMEDIATE")
    connection.info[_DEFERRED] = None


def init_app(app) -> None:
    """Bind the session to the app's database and end it with every request; page views begin as readers."""
    engine = make_engine(app.config["DATABASE_URL"], float(app.config.get("DATABASE_BUSY_SECONDS", 30)))
    app.extensions["countersign.engine"] = engine
    session.configure(bind=engine)

    checked = []

    @app.before_request
    def _refuse_unmigrated():
        if not checked:
            check_migrated(engine)
            checked.append(True)

    @app.before_request
    def _page_views_read():
        if request.method in ("GET", "HEAD", "OPTIONS"):
            g.countersign_reading = _reading.set(True)

    @app.teardown_request
    def _end_reading(_exc):
        token = g.pop("countersign_reading", None)
        if token is not None:
            _reading.reset(token)

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
