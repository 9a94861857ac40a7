"""Storage: files kept by hash and checked on read, a durable SQLite, and no start on an old schema."""

from __future__ import annotations

import os

import pytest

from storage import db as database
from storage.blobs import BlobCorrupt, BlobMissing, FilesystemBlobStore, sha256_hex


def test_blobs_are_stored_by_hash_and_verified_on_read(tmp_path):
    store = FilesystemBlobStore(tmp_path)
    sha = store.put(b"agreement bytes")
    assert sha == sha256_hex(b"agreement bytes")
    assert store.get(sha) == b"agreement bytes"
    assert store.put(b"agreement bytes") == sha  # idempotent
    path = tmp_path / sha[:2] / sha
    path.write_bytes(b"agreement bytez")
    with pytest.raises(BlobCorrupt):
        store.get(sha)
    with pytest.raises(BlobMissing):
        store.get("0" * 64)
    with pytest.raises(ValueError):
        store.get("../../etc/passwd")


def test_a_failed_write_leaves_no_partial_file(tmp_path, monkeypatch):
    store = FilesystemBlobStore(tmp_path)

    def broken_fsync(_fd):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError):
        store.put(b"half written")
    leftovers = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert leftovers == []


def test_the_database_runs_durable(app):
    engine = app.extensions["countersign.engine"]
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SHOW synchronous_commit").scalar() == "on"
            assert connection.exec_driver_sql("SHOW fsync").scalar() == "on"
        return
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_the_app_refuses_an_unmigrated_database(tmp_path):
    from app import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}",
                      "BLOB_DIR": str(tmp_path / "b"), "OUTBOX_DIR": str(tmp_path / "o")})
    response = app.test_client().get("/sign-in")
    assert response.status_code == 503
    assert "flask --app app migrate" in response.get_data(as_text=True)
    result = app.test_cli_runner().invoke(args=["serve", "--no-worker"])
    assert result.exit_code == 1 and "flask --app app migrate" in result.output
    assert app.test_cli_runner().invoke(args=["migrate"]).exit_code == 0
    assert app.test_client().get("/sign-in").status_code == 200
    app.extensions["countersign.engine"].dispose()
    database.session.remove()


def test_migrations_create_exactly_the_models(database_url):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from storage.db import Base

    engine = database.make_engine(database_url)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert diff == []
