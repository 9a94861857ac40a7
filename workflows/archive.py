"""HR's archive: search every document in the organisation, read its history, export all held on one person."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import tempfile
import zipfile
from typing import IO, Any

from sqlalchemy import func, select
from sqlalchemy.orm import aliased, joinedload, lazyload

from signing.seal import config_for, verify_pdf
from storage import audit
from storage.blobs import BlobCorrupt, BlobMissing, blobs
from storage.db import session as db
from storage.models import AuditEvent, Document, DocumentState, GroupAttendee, GroupSession, Staff, as_utc
from storage.times import parse_date
from workflows.access import allowed, can_search_archive, user_of
from workflows.errors import NotAllowed
from workflows.retention import retention_statement
from workflows.spreadsheet import write_csv

PER_PAGE = 25
# Counting every match of a broad search costs more than the page itself; beyond this we say "more than".
COUNT_CAP = 10_000
# A typed reference: AGR-000012, rec-12 or REC 12 (its prefix says the kind, its number is the document's).
_REFERENCE = re.compile(r"^\s*(?P<prefix>[A-Za-z]{3})[-\s]?(?P<number>\d{1,9})\s*$")
MAX_TYPED = 100

_Supervisee = aliased(Staff)
_Supervisor = aliased(Staff)
SORTS = {
    "created": Document.created_at,
    "reference": Document.id,
    "type": Document.kind,
    "status": Document.state,
    "supervisee": _Supervisee.name,
    "supervisor": _Supervisor.name,
}
SORT_LABELS = {"created": "Created", "reference": "Reference", "type": "Type", "status": "Status",
               "supervisee": "Supervisee", "supervisor": "Supervisor"}


@dataclasses.dataclass(frozen=True)
class Search:
    """One HR search: the organisation, any filters, the order and the page."""

    organisation_id: int
    typed: str = ""
    supervisee_id: int | None = None
    supervisor_id: int | None = None
    kind: str | None = None
    state: DocumentState | None = None
    created_from: dt.date | None = None
    created_to: dt.date | None = None
    sort: str = "created"
    descending: bool = True
    page: int = 1
    per_page: int = PER_PAGE


@dataclasses.dataclass(frozen=True)
class Results:
    documents: list[Document]
    total: int
    more_than_total: bool
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages or self.more_than_total

    @property
    def first_shown(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.documents else 0

    @property
    def last_shown(self) -> int:
        return (self.page - 1) * self.per_page + len(self.documents)


def search_for(organisation_id: int, supervisee_id: int | None = None, supervisor_id: int | None = None,
               kind: str | None = None, status: str | None = None, created_from: dt.date | str | None = None,
               created_to: dt.date | str | None = None, sort: str | None = None, order: str | None = None,
               page: str | None = None, typed: str | None = None) -> tuple[Search, dict[str, str]]:
    """The search HR asked for, from its filters as given, and what is wrong with its dates (left out till put right).

    A filter that is not one of the choices is no filter: an old bookmark still finds something.
    """
    dates: dict[str, dt.date | None] = {}
    problems: dict[str, str] = {}
    for name, raw, label in (("created_from", created_from, "'from' date"), ("created_to", created_to, "'to' date")):
        dates[name], problem = parse_date(raw, label) if raw else (None, None)
        if problem:
            problems[name] = problem
    typed = " ".join(str(typed or "").split())
    if len(typed) > MAX_TYPED:
        problems["typed"] = f"Enter a reference or a name of {MAX_TYPED} characters or fewer"
        typed = ""
    if not problems and dates["created_from"] and dates["created_to"] and dates["created_to"] < dates["created_from"]:
        problems["created_to"] = "Enter a 'to' date the same as or after the 'from' date"
    sort = sort if sort in SORTS else "created"
    states = {state.value: state for state in DocumentState}
    return Search(
        organisation_id=organisation_id, typed=typed, supervisee_id=supervisee_id, supervisor_id=supervisor_id,
        kind=kind if kind in Document.KIND_TITLES else None, state=states.get(status or ""),
        created_from=None if problems else dates["created_from"], created_to=None if problems else dates["created_to"],
        sort=sort, descending=(order or ("desc" if sort == "created" else "asc")) == "desc", page=_page(page),
    ), problems


def _page(value: str | None) -> int:
    text = str(value or "")
    # A page number is a few digits: anything else, or an absurd one, is the first page.
    return int(text) if text.isascii() and text.isdigit() and 0 < len(text) <= 6 and int(text) > 0 else 1


def _start_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def _filtered(query: Search):
    """The WHERE clause of a search, shaped so each common search is answered by one composite index."""
    statement = select(Document).where(Document.organisation_id == query.organisation_id)
    if query.typed:
        statement = statement.where(_typed(query.organisation_id, query.typed))
    if query.supervisee_id is not None:
        statement = statement.where(Document.supervisee_id == query.supervisee_id)
    if query.supervisor_id is not None:
        statement = statement.where(Document.supervisor_id == query.supervisor_id)
    if query.kind:
        statement = statement.where(Document.kind == query.kind)
    if query.state is not None:
        statement = statement.where(Document.state == query.state)
    if query.created_from is not None:
        statement = statement.where(Document.created_at >= _start_of(query.created_from))
    if query.created_to is not None:
        statement = statement.where(Document.created_at < _start_of(query.created_to + dt.timedelta(days=1)))
    return statement


def _typed(organisation_id: int, typed: str):
    """A reference finds its document; anything else finds the documents of anyone whose name contains it."""
    reference = _REFERENCE.match(typed)
    kinds = {prefix: kind for kind, prefix in Document.REFERENCE_PREFIX.items()}
    if reference and reference["prefix"].upper() in kinds:
        return (Document.id == int(reference["number"])) & (Document.kind == kinds[reference["prefix"].upper()])
    escaped = typed.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    named = select(Staff.id).where(Staff.organisation_id == organisation_id,
                                   Staff.name.ilike(f"%{escaped}%", escape="\\"))
    return Document.supervisee_id.in_(named) | Document.supervisor_id.in_(named)


def search(query: Search) -> Results:
    """One page of the organisation's documents matching the search, in the order asked for."""
    key = SORTS.get(query.sort, Document.created_at)
    statement = _filtered(query)
    if query.sort == "supervisee":
        statement = statement.join(_Supervisee, _Supervisee.id == Document.supervisee_id)
    elif query.sort == "supervisor":
        statement = statement.join(_Supervisor, _Supervisor.id == Document.supervisor_id)
    order = (key.desc(), Document.id.desc()) if query.descending else (key.asc(), Document.id.asc())
    page = max(1, query.page)
    documents = db.scalars(
        statement.order_by(*order).limit(query.per_page).offset((page - 1) * query.per_page)
        # One query for the page: the two names come in by primary-key joins, and nothing else is loaded.
        .options(joinedload(Document.supervisee).lazyload(Staff.role_rows),
                 joinedload(Document.supervisor).lazyload(Staff.role_rows), lazyload(Document.signatures))
    ).all()
    capped = _filtered(query).with_only_columns(Document.id).limit(COUNT_CAP + 1).subquery()
    total = db.scalar(select(func.count()).select_from(capped))
    return Results(list(documents), min(total, COUNT_CAP), total > COUNT_CAP, page, query.per_page)


def document_history(document: Document, user: Staff) -> list[AuditEvent]:
    """The document's audit trail, oldest first, for someone allowed to read it."""
    if not allowed(user, "history", document):
        return []
    return list(db.scalars(select(AuditEvent).where(AuditEvent.document_id == document.id).order_by(AuditEvent.id)))


@dataclasses.dataclass(frozen=True)
class StoredCopyCheck:
    """Whether the stored signed PDF still has the fingerprint recorded for it, and its seal holds."""

    ok: bool
    message: str


def check_stored_copy(document: Document) -> StoredCopyCheck | None:
    """Check the signed PDF in the blob store against its recorded SHA-256 (None if there is no signed PDF yet)."""
    if document.final_pdf_sha256 is None:
        return None
    try:
        pdf = blobs().get(document.final_pdf_sha256)  # the store re-hashes what it reads and refuses a mismatch
    except BlobMissing:
        return StoredCopyCheck(False, "The signed PDF is missing from storage. Restore it from backup.")
    except BlobCorrupt:
        return StoredCopyCheck(False, "The stored signed PDF does not match its recorded SHA-256: it has been altered.")
    # The file and its seal, not today's revocation data: a CA's responder being down is not this file's problem.
    check = verify_pdf(pdf, config_for(document.organisation), long_term_check=False)
    if not check.ok:
        why = check.problem or ("its seal is not this organisation's" if not check.sealed_by_organisation
                                else "it has been altered since it was sealed" if not check.unaltered
                                else check.evidence_problem)
        return StoredCopyCheck(False, f"The stored signed PDF matches its recorded SHA-256, but its seal does not "
                                   f"check out: {why}.")
    return StoredCopyCheck(True, "The stored signed PDF matches its recorded SHA-256, and its digital seal is this "
                              "organisation's and intact.")


# --- exporting everything held on one person -----------------------------------------------------

MANIFEST_COLUMNS = ("reference", "document_id", "type", "title", "person_is", "status", "supervisor", "supervisee",
                    "created_at", "locked_at", "file", "file_kind", "sha256", "bytes", "retention")
AUDIT_COLUMNS = ("id", "at", "event", "actor_email", "ip_address", "detail", "hash")


@dataclasses.dataclass(frozen=True)
class Export:
    file: IO[bytes]
    filename: str
    documents: int


def _files_of(document: Document) -> list[tuple[str, str, str]]:
    """(file kind, file name, sha256) for the files worth handing over: the signed ones once locked."""
    ref = document.reference
    if document.state is DocumentState.LOCKED:
        candidates = [("signed PDF", f"{ref}-signed.pdf", document.final_pdf_sha256),
                      ("signed Word file", f"{ref}-signed.docx", document.final_docx_sha256),
                      ("PDF that was reviewed", f"{ref}-reviewed.pdf", document.pdf_sha256)]
    else:
        candidates = [("PDF", f"{ref}.pdf", document.pdf_sha256), ("Word file", f"{ref}.docx", document.docx_sha256)]
    return [(kind, name, sha) for kind, name, sha in candidates if sha]


def _audit_rows(document_id: int) -> list[dict[str, Any]]:
    rows = db.scalars(select(AuditEvent).where(AuditEvent.document_id == document_id).order_by(AuditEvent.id))
    return [{"id": e.id, "at": as_utc(e.at).isoformat(), "event": e.event, "actor_email": e.actor_email,
             "ip_address": e.ip_address, "detail": e.detail, "hash": e.hash} for e in rows]


def export_person(person_id: int, actor: audit.Actor) -> Export:
    """A ZIP of everything held on one person (files, manifest, audit trails, retention); the export is audited."""
    user = user_of(actor)
    person = db.get(Staff, person_id)
    if not can_search_archive(user) or person is None or person.organisation_id != user.organisation_id:
        raise NotAllowed()
    # The group records of sessions they were invited to are held on them too.
    attended = select(GroupSession.document_id).join(GroupAttendee).where(GroupAttendee.staff_id == person.id)
    documents = [d for d in db.scalars(
        select(Document).where((Document.supervisee_id == person.id) | (Document.supervisor_id == person.id)
                               | Document.id.in_(attended))
        .where(Document.organisation_id == person.organisation_id).order_by(Document.id)
    ) if allowed(user, "export", d)]
    # Built on disk, one file at a time, so a person with thousands of documents does not fill memory.
    spool = tempfile.TemporaryFile(prefix="countersign-export-")
    manifest: list[dict[str, Any]] = []
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for document in documents:
            folder = f"documents/{document.reference}"
            retention = retention_statement(document)
            base = {"reference": document.reference, "document_id": document.id, "type": document.kind,
                    "title": document.title, "status": document.state.label,
                    "person_is": ("attendee" if person.id not in (document.supervisee_id, document.supervisor_id)
                                  else "supervisee" if document.supervisee_id == person.id else "supervisor"),
                    "supervisor": document.supervisor.name, "supervisee": document.supervisee.name,
                    "created_at": as_utc(document.created_at).isoformat(),
                    "locked_at": as_utc(document.locked_at).isoformat() if document.locked_at else "",
                    "retention": retention}
            files = []
            for kind, name, sha256 in _files_of(document):
                data = blobs().get(sha256)
                zf.writestr(f"{folder}/{name}", data)
                files.append({"file": f"{folder}/{name}", "file_kind": kind, "sha256": sha256, "bytes": len(data)})
            trail = _audit_rows(document.id)
            zf.writestr(f"{folder}/audit-trail.csv", write_csv(trail, AUDIT_COLUMNS))
            zf.writestr(f"{folder}/audit-trail.json", json.dumps(trail, indent=2, ensure_ascii=False))
            manifest.append({**base, "files": files, "audit_events": len(trail)})
        rows = [{**{k: v for k, v in entry.items() if k != "files"}, **f} for entry in manifest for f in entry["files"]]
        rows += [{k: v for k, v in entry.items() if k != "files"} for entry in manifest if not entry["files"]]
        zf.writestr("manifest.csv", write_csv(rows, MANIFEST_COLUMNS))
        zf.writestr("manifest.json", json.dumps({
            "person": {"id": person.id, "name": person.name, "email": person.email},
            "organisation": person.organisation.name,
            "exported_at": dt.datetime.now(dt.UTC).isoformat(),
            "exported_by": user.email,
            "documents": manifest,
        }, indent=2, ensure_ascii=False))
        zf.writestr("retention.txt", "".join(f"{e['reference']} ({e['title']}): {e['retention']}\n" for e in manifest)
                    or f"No documents are held on {person.name}.\n")
    for document in documents:
        audit.record(db, "exported", actor, document.id, person_id=person.id)
    audit.record(db, "person_exported", actor, person_id=person.id, email=person.email,
                 documents=[d.id for d in documents])
    db.commit()
    spool.seek(0)
    safe_name = "".join(c if c.isalnum() else "-" for c in person.name).strip("-").lower() or "person"
    return Export(spool, f"countersign-{safe_name}-{dt.date.today().isoformat()}.zip", len(documents))
