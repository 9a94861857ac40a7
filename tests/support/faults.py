"""Breaking things as an operator would: a database lock held by someone else."""

from __future__ import annotations

import contextlib

import sqlalchemy as sa


@contextlib.contextmanager
def database_lock_held(url: str):
    """Another connection holds the lock every writer needs (SQLite's write lock; on PostgreSQL the audit log's
    head and every document row), until the block ends."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                connection.connection.driver_connection.isolation_level = None
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                connection.exec_driver_sql("BEGIN")
                connection.exec_driver_sql("LOCK TABLE audit_head IN ACCESS EXCLUSIVE MODE")
                connection.exec_driver_sql("SELECT id FROM documents FOR UPDATE")
            try:
                yield
            finally:
                connection.exec_driver_sql("ROLLBACK")
    finally:
        engine.dispose()
