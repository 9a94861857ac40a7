"""Files kept by their SHA-256: written atomically, never overwritten, verified on every read."""

from __future__ import annotations

import hashlib
import os
import pathlib
import re
import tempfile
from collections.abc import Callable
from typing import Protocol

from flask import current_app
from sqlalchemy import exists, select

from storage.db import session
from storage.models import Document, DocumentFile

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class BlobMissing(Exception):
    """No file is stored under that hash."""


class BlobCorrupt(Exception):
    """The stored bytes no longer match their hash."""


class BlobInUse(Exception):
    """The file still belongs to a record that is kept; it cannot be deleted."""


class BlobStore(Protocol):
    def put(self, data: bytes) -> str: ...
    def get(self, sha256: str) -> bytes: ...
    def exists(self, sha256: str) -> bool: ...
    def delete(self, sha256: str) -> None: ...


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class FilesystemBlobStore:
    """Blobs in a local folder, fanned out by the first two hex digits of their hash."""

    def __init__(self, root: str | os.PathLike, in_use: Callable[[str], bool] = lambda _sha256: True):
        self.root = pathlib.Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        # Without a way to ask whether a record still needs a file, every file is treated as needed.
        self.in_use = in_use

    def _path(self, sha256: str) -> pathlib.Path:
        if not _SHA256.match(sha256):
            raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256

    def put(self, data: bytes) -> str:
        """Store `data` durably and return its SHA-256; storing the same bytes twice is a no-op."""
        sha256 = sha256_hex(data)
        path = self._path(sha256)
        if path.exists():
            return sha256
        path.parent.mkdir(exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except BaseException:
            pathlib.Path(tmp).unlink(missing_ok=True)
            raise
        _fsync_dir(path.parent)
        return sha256

    def get(self, sha256: str) -> bytes:
        """The bytes stored under `sha256`, refused if they no longer match it."""
        try:
            data = self._path(sha256).read_bytes()
        except FileNotFoundError:
            raise BlobMissing(f"No file is stored under {sha256}.") from None
        if sha256_hex(data) != sha256:
            raise BlobCorrupt(f"The file stored under {sha256} has been altered or damaged.")
        return data

    def exists(self, sha256: str) -> bool:
        return self._path(sha256).exists()

    def delete(self, sha256: str) -> None:
        """Remove a file no kept record refers to; refused while any document not disposed of needs it."""
        path = self._path(sha256)
        if self.in_use(sha256):
            raise BlobInUse(f"The file {sha256} belongs to a record that is still kept; it cannot be deleted.")
        path.unlink(missing_ok=True)
        _fsync_dir(path.parent)


def _fsync_dir(directory: pathlib.Path) -> None:
    # The rename is only durable once the directory entry itself reaches the disk.
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def referenced_by_kept_document(sha256: str) -> bool:
    """True if a document whose disposal is not authorised has, or ever had, this file."""
    kept = exists().where(DocumentFile.sha256 == sha256, DocumentFile.document_id == Document.id,
                          Document.disposal_authorised_at.is_(None))
    return bool(session.scalar(select(kept)))


def init_app(app) -> None:
    app.extensions["countersign.blobs"] = FilesystemBlobStore(app.config["BLOB_DIR"], referenced_by_kept_document)


def blobs() -> BlobStore:
    """The blob store of the running app."""
    return current_app.extensions["countersign.blobs"]
