"""Opening a document and handing out its files, each view and download recorded in the audit log."""

from __future__ import annotations

import dataclasses

from storage import audit
from storage.blobs import blobs
from storage.db import session as db
from storage.models import Document, FileKind, RetentionState
from workflows.access import document_for, user_of
from workflows.errors import NotAllowed

MIMETYPES = {"pdf": "application/pdf",
             "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
# What each download is called: its file name's ending, and whether it is a signed copy.
DOWNLOADS = {
    FileKind.WORD.value: ("", "docx"),
    FileKind.PDF.value: ("", "pdf"),
    FileKind.SIGNED_WORD.value: ("-signed", "docx"),
    FileKind.SIGNED_PDF.value: ("-signed", "pdf"),
    # The current copy: the sealed PDF with the annotations sealed into it since (the newest in the chain).
    "current-pdf": (None, "pdf"),
}


@dataclasses.dataclass(frozen=True)
class Download:
    data: bytes
    filename: str
    mimetype: str


def view_document(document_id: int, actor: audit.Actor, *, where: str = "document page") -> Document:
    """The document, if the person may see it; the view is audited (NotAllowed otherwise)."""
    document = document_for(document_id, "view", user_of(actor))
    audit.record(db, "viewed", actor, document.id, page=where)
    db.commit()
    return document


def download(document_id: int, which: str, actor: audit.Actor) -> Download:
    """One of the document's files, if the person may have it; the download is audited."""
    document = document_for(document_id, "download", user_of(actor))
    if which not in DOWNLOADS or document.retention_status is RetentionState.DESTROYED:
        raise NotAllowed()  # unknown, or its files were destroyed at disposal
    sha256 = document.current_files().get(which)
    if sha256 is None:
        raise NotAllowed()
    suffix, extension = DOWNLOADS[which]
    if suffix is None:
        count = len(document.annotated_pdfs())
        suffix = f"-signed-with-{count}-annotation{'s' if count > 1 else ''}" if count else "-signed"
    data = blobs().get(sha256)
    audit.record(db, "downloaded", actor, document.id, file=which, sha256=sha256)
    db.commit()
    return Download(data, f"{document.reference}{suffix}.{extension}", MIMETYPES[extension])
