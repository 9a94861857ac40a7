"""Handing out a document's files, each download recorded in the audit log."""

from __future__ import annotations

import dataclasses

from storage import audit
from storage.blobs import blobs
from storage.db import session as db
from storage.models import Document, Staff
from workflows.access import can_view

FILES = {
    "word": ("docx_sha256", "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "pdf": ("pdf_sha256", "pdf", "application/pdf"),
    "signed-word": ("final_docx_sha256", "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "signed-pdf": ("final_pdf_sha256", "pdf", "application/pdf"),
}


@dataclasses.dataclass(frozen=True)
class Download:
    data: bytes
    filename: str
    mimetype: str


class NoSuchFile(Exception):
    """The person may not have it, or it does not exist (yet): the web answers 404 either way."""


def download(document_id: int, which: str, actor: audit.Actor) -> Download:
    """One of the document's files, if the person may see the document; the download is audited."""
    document = db.get(Document, document_id)
    user = db.get(Staff, actor.staff_id) if actor.staff_id else None
    if document is None or user is None or which not in FILES or not can_view(user, document):
        raise NoSuchFile()
    if document.retention_status == "destroyed":
        raise NoSuchFile()  # its files were destroyed at disposal
    column, extension, mimetype = FILES[which]
    sha256 = getattr(document, column)
    if sha256 is None:
        raise NoSuchFile()
    data = blobs().get(sha256)
    audit.record(db, "downloaded", actor, document.id, file=which, sha256=sha256)
    db.commit()
    suffix = "-signed" if which.startswith("signed") else ""
    return Download(data, f"{document.reference}{suffix}.{extension}", mimetype)
