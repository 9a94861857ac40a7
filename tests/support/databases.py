"""An empty database, not yet migrated, on SQLite or (when the suite runs there) PostgreSQL, for migration tests."""

from __future__ import annotations

import os
import uuid

import pytest
import sqlalchemy as sa


@pytest.fixture
def unmigrated_database_url(tmp_path):
    """A new, empty database's URL; on PostgreSQL it is created for the test and dropped after it."""
    postgres = os.environ.get("COUNTERSIGN_TEST_POSTGRES_URL")
    if not postgres:
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    name = f"countersign_migration_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(postgres, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield sa.engine.make_url(postgres).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
