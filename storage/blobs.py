"""Files kept by their SHA-256: written atomically, never overwritten, verified on every read."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import pathlib
import re
import tempfile
import time
from collections.abc import Callable
from typing import Protocol

from flask import current_app
from sqlalchemy import exists, select

from storage.db import session
from storage.models import AnnotatedCopy, Document, DocumentFile, TemplateVersion

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
    def sweep(self, kept: set[str], *, now: float | None = None) -> SweepReport: ...


# A write still in progress is never this old; a file nothing refers to after a day never will be referred to
# (files are stored just before the transaction that refers to them commits).
INCOMING_MAX_AGE_SECONDS = 3600
UNREFERENCED_MAX_AGE_SECONDS = 86400


@dataclasses.dataclass(frozen=True)
class SweepReport:
    half_written: int  # `.incoming-*` files left by a write that never finished
    unreferenced: int  # files no row refers to


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


    def sweep(self, kept: set[str], *, now: float | None = None) -> SweepReport:
        """Remove half-written files, and files not in `kept`, old enough that no write can still be using them."""
        now = time.time() if now is None else now
        half_written = unreferenced = 0
        for folder in self.root.iterdir():
            if not folder.is_dir():
                continue
            for path in folder.iterdir():
                try:
                    age = now - path.stat().st_mtime
                except FileNotFoundError:
                    continue
                if path.name.startswith(".incoming-") and age > INCOMING_MAX_AGE_SECONDS:
                    path.unlink(missing_ok=True)
                    half_written += 1
                elif _SHA256.match(path.name) and path.name not in kept and age > UNREFERENCED_MAX_AGE_SECONDS:
                    path.unlink(missing_ok=True)
                    unreferenced += 1
        return SweepReport(half_written, unreferenced)


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


def referenced_hashes(db) -> set[str]:
    """Every file any row refers to: documents' files in every version, annotated copies, template versions."""
    columns = (DocumentFile.sha256, Document.docx_sha256, Document.pdf_sha256, Document.final_docx_sha256,
               Document.final_pdf_sha256, AnnotatedCopy.previous_sha256, AnnotatedCopy.pdf_sha256,
               TemplateVersion.sha256)
    kept: set[str] = set()
    for column in columns:
        kept.update(sha for sha in db.scalars(select(column).where(column.is_not(None)).distinct()))
    return kept


def init_app(app) -> None:
    app.extensions["countersign.blobs"] = FilesystemBlobStore(app.config["BLOB_DIR"], referenced_by_kept_document)


def blobs() -> BlobStore:
    """The blob store of the running app."""
    return current_app.extensions["countersign.blobs"]
