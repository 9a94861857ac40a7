"""Alembic's entry point: runs our migrations against the configured database."""

from alembic import context

from storage import models  # noqa: F401  (registers the tables on Base.metadata)
from storage.db import Base, make_engine

config = context.config


def run_migrations_online() -> None:
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
