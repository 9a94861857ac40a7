"""Alembic's entry point: runs our migrations against the configured database."""

from alembic import context

from storage import models  # noqa: F401  (registers the tables on Base.metadata)
from storage.db import Base, make_engine

config = context.config


def run_migrations_online() -> None:
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # SQLite's way to rebuild a table others refer to: references unchecked while the migrations run (set
            # before the transaction begins, where the setting takes), then every one checked before commit.
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
            if sqlite and (broken := connection.exec_driver_sql("PRAGMA foreign_key_check").all()):
                raise RuntimeError(f"The migration left rows referring to rows that are not there: {broken[:10]}")
    engine.dispose()


run_migrations_online()
