"""The load benchmark's baseline: a minimal Flask app making a given number of database writes per request.

Not part of Countersign. `bench.bench_load` serves it with the same gunicorn settings as the app, on the same
database server, and its load users send each request of the app's journeys here as `GET/POST /<name>?writes=N`,
N being the writes the app's own request of that name made (counted by the benchmark before the run). Each request
opens a transaction, inserts N rows one statement at a time, commits once, and answers a small HTML page.

The database is `COUNTERSIGN_BENCH_MINIMAL_DATABASE_URL` (a SQLAlchemy URL); the table is made when the app starts.
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from flask import Flask, request

URL = os.environ["COUNTERSIGN_BENCH_MINIMAL_DATABASE_URL"]
# On SQLite, writers wait for each other as the app's do (its busy timeout) rather than fail at once.
engine = sa.create_engine(URL, connect_args={"timeout": 10} if URL.startswith("sqlite") else {})
writes = sa.Table("minimal_writes", sa.MetaData(),
                  sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
                  sa.Column("request_name", sa.String(40), nullable=False),
                  sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
                  sa.Column("detail", sa.Text, nullable=False))
try:
    with engine.begin() as connection:
        writes.metadata.create_all(connection, checkfirst=True)
except sa.exc.DatabaseError:  # another gunicorn worker made it at the same moment
    pass

app = Flask(__name__)


@app.route("/<name>", methods=["GET", "POST"])
def answer(name: str):
    count = min(int(request.args.get("writes", "0")), 50)
    if count:
        with engine.begin() as connection:
            for i in range(count):
                connection.execute(writes.insert().values(request_name=name[:40], detail=f"{request.path} {i}"))
    return f"<!doctype html><title>{name}</title><p>{name}: {count} writes</p>"
