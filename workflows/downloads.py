"""Opening a document and handing out its files, each view and download recorded in the audit log."""

from __future__ import annotations

import dataclasses

from storage import audit
from storage.blobs import blobs
from storage.db import session as db
from storage.models import Document, Staff
from workflows.access import NoAccess, document_for

FILES = {
    "word": ("docx_sha256", "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "pdf": ("pdf_sha256", "pdf", "application/pdf"),
    "signed-word": ("final_docx_sha256", "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "signed-pdf": ("final_pdf_sha256", "pdf", "application/pdf"),
    # The current copy: the sealed PDF with the annotations sealed into it since (the newest in the chain).
    "current-pdf": (None, "pdf", "application/pdf"),
}


@dataclasses.dataclass(frozen=True)
class Download:
    data: bytes
    filename: str
    mimetype: str


class NoSuchFile(NoAccess):
    """The person may not have it, or it does not exist (yet): the web answers 404 either way."""


def _user(actor: audit.Actor) -> Staff | None:
    return db.get(Staff, actor.staff_id) if actor.staff_id else None


def view_document(document_id: int, actor: audit.Actor, *, where: str = "document page") -> Document:
    """The document, if the person may see it; the view is audited (NoAccess otherwise)."""
    document = document_for(document_id, "view", _user(actor))
    audit.record(db, "viewed", actor, document.id, page=where)
    db.commit()
    return document


def download(document_id: int, which: str, actor: audit.Actor) -> Download:
    """One of the document's files, if the person may have it; the download is audited."""
    try:
        document = document_for(document_id, "download", _user(actor))
    except NoAccess:
        raise NoSuchFile() from None
    if which not in FILES:
        raise NoSuchFile()
    if document.retention_status == "destroyed":
        raise NoSuchFile()  # its files were destroyed at disposal
    column, extension, mimetype = FILES[which]
    if column is None:
        sha256, suffix = _current_copy(document)
    else:
        sha256, suffix = getattr(document, column), "-signed" if which.startswith("signed") else ""
    if sha256 is None:
        raise NoSuchFile()
    data = blobs().get(sha256)
    audit.record(db, "downloaded", actor, document.id, file=which, sha256=sha256)
    db.commit()
    return Download(data, f"{document.reference}{suffix}.{extension}", mimetype)


def _current_copy(document: Document) -> tuple[str | None, str]:
    # The newest sealed copy, with every annotation added after lock; "signed-pdf" stays the copy as locked.
    from workflows.annotated_pdf import copies

    chain = copies(document.id)
    if not chain:
        return document.final_pdf_sha256, "-signed"
    return chain[-1].pdf_sha256, f"-signed-with-{len(chain)}-annotation{'s' if len(chain) > 1 else ''}"
