"""Telling workers in other processes that background work was queued, at once: PostgreSQL's NOTIFY and LISTEN."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import psycopg
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

CHANNEL = "countersign_work"
RECONNECT_SECONDS = 5.0


def announce(session: Session) -> None:
    """In the transaction that queues work: PostgreSQL tells every listening worker when it commits (and never if it
    rolls back). SQLite has no such thing; its workers share the process or poll."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"NOTIFY {CHANNEL}")


def listen(database_url: str, wake: Callable[[], None], stop: threading.Event) -> threading.Thread | None:
    """On PostgreSQL, a daemon thread calling `wake` each time work is announced, until `stop` is set; None on SQLite."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        return None
    conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
    thread = threading.Thread(target=_listen, args=(conninfo, wake, stop), name="countersign-listen", daemon=True)
    thread.start()
    return thread


def _listen(conninfo: str, wake: Callable[[], None], stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            with psycopg.connect(conninfo, autocommit=True) as connection:
                connection.execute(f"LISTEN {CHANNEL}")
                wake()  # whatever was announced while nobody was listening
                while not stop.is_set():
                    for _notice in connection.notifies(timeout=1.0, stop_after=1):
                        wake()
        except psycopg.Error as error:  # the server restarted or the network dropped: the worker still polls
            log.warning("not listening for new background work (%s); trying again in %s s", error, RECONNECT_SECONDS)
            stop.wait(RECONNECT_SECONDS)
