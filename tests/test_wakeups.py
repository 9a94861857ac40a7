"""Workers in other processes hear of new background work the moment it is committed, on PostgreSQL."""

from __future__ import annotations

import threading

from sqlalchemy.engine import make_url

from storage import jobs, wakeups
from storage.db import session as database_session
from workflows import background  # noqa: F401 - its session events announce queued work


def test_queued_work_wakes_a_worker_listening_from_another_connection(app, db):
    woken, stop = threading.Event(), threading.Event()

    def wake():
        woken.set()

    url = app.config["DATABASE_URL"]
    listener = wakeups.listen(url, wake, stop)
    try:
        if make_url(url).get_backend_name() != "postgresql":
            # SQLite has no NOTIFY: a worker in this process is woken by the commit, others poll.
            assert listener is None
            return
        assert woken.wait(10), "the listener never connected"  # it wakes once on connecting
        woken.clear()
        jobs.queue(database_session, "review_pdf", None)
        database_session.rollback()  # never committed: nobody is told
        assert not woken.wait(1.5)
        jobs.queue(database_session, "review_pdf", None)
        database_session.commit()
        assert woken.wait(5), "committed work was not announced"
    finally:
        stop.set()
    if listener is not None:
        listener.join(5)
        assert not listener.is_alive()
