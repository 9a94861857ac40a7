"""The typed database models: people, supervision relationships, documents and their evidence."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from storage.db import Base
from workflows.lifecycle import DocumentState, check_move


def utcnow() -> dt.datetime:
    """The current time in UTC, timezone-aware."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(DateTime):
    """Stored in UTC; handed back timezone-aware even from SQLite, which forgets the zone."""

    def __init__(self):
        super().__init__(timezone=True)


def as_utc(value: dt.datetime | None) -> dt.datetime | None:
    """The same instant as a UTC-aware datetime (SQLite returns naive ones)."""
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Role(enum.StrEnum):
    SUPERVISOR = "supervisor"
    SUPERVISEE = "supervisee"
    HR = "hr"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return "HR" if self is Role.HR else self.value.capitalize()


class Party(enum.StrEnum):
    SUPERVISOR = "supervisor"
    SUPERVISEE = "supervisee"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    template_pack: Mapped[str] = mapped_column(String(50))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Staff(Base):
    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(300))
    profession: Mapped[str] = mapped_column(String(100), default="")
    staff_category: Mapped[str] = mapped_column(String(100), default="")
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    # How often someone is supervised turns on these (H Appendix 3); staff_category holds a code from workflows.frequency.
    qualified_on: Mapped[dt.date | None] = mapped_column(Date)
    part_time: Mapped[bool] = mapped_column(Boolean, default=False)
    appointed_from_overseas: Mapped[bool] = mapped_column(Boolean, default=False)
    line_manager_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # i5-retention: the last working day; from it their records are HR's and the seven years run.
    leaver_date: Mapped[dt.date | None] = mapped_column(Date)

    organisation: Mapped[Organisation] = relationship()
    line_manager: Mapped[Staff | None] = relationship(remote_side=[id])
    role_rows: Mapped[list[StaffRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="StaffRole.role"
    )

    @property
    def roles(self) -> set[Role]:
        return {row.role for row in self.role_rows}

    def has_role(self, role: Role) -> bool:
        return role in self.roles

    @property
    def category_label(self) -> str:
        """Their staff category in the words of their organisation's policy."""
        from workflows.frequency import category_label

        return category_label(self.organisation.template_pack, self.staff_category)

    def grant(self, role: Role) -> None:
        """Give this person a role (idempotent)."""
        if role not in self.roles:
            self.role_rows.append(StaffRole(role=role))


class StaffRole(Base):
    __tablename__ = "staff_roles"

    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), primary_key=True)
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=20), primary_key=True)


class SupervisionRelationship(Base):
    __tablename__ = "supervision_relationships"

    id: Mapped[int] = mapped_column(primary_key=True)
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    supervisee_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date | None] = mapped_column(Date)

    supervisor: Mapped[Staff] = relationship(foreign_keys=[supervisor_id])
    supervisee: Mapped[Staff] = relationship(foreign_keys=[supervisee_id])

    def is_current(self, on: dt.date) -> bool:
        """In force on that date; it ends at the supervisee's leaver date, when their records become HR's."""
        left = self.supervisee.leaver_date
        return self.starts_on <= on and (self.ends_on is None or on <= self.ends_on) and (left is None or on < left)


class LoginSession(Base):
    """A signed-in browser; deleting the row is what makes logout final."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    staff: Mapped[Staff] = relationship()


class Document(Base):
    """A supervision agreement or record, from draft to locked."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    template_key: Mapped[str] = mapped_column(String(100))
    template_version: Mapped[int] = mapped_column(Integer)
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    supervisee_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[DocumentState] = mapped_column(
        Enum(DocumentState, native_enum=False, length=30), default=DocumentState.DRAFT, index=True
    )
    # Bumped when a declined document is amended: links and signatures belong to one version.
    content_version: Mapped[int] = mapped_column(Integer, default=1)
    docx_sha256: Mapped[str | None] = mapped_column(String(64))
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    final_docx_sha256: Mapped[str | None] = mapped_column(String(64))
    final_pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    pdf_error: Mapped[str | None] = mapped_column(Text)
    closed_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    locked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # i5-retention: kept until this date (set when the supervisee leaves), then reviewed for disposal.
    retain_until: Mapped[dt.date | None] = mapped_column(Date)
    retention_status: Mapped[str | None] = mapped_column(String(20))  # in_review, archived, destroyed
    # Set only by an approved destruction; the database refuses deletes and redactions without it.
    disposal_authorised_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    disposed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    organisation: Mapped[Organisation] = relationship()
    supervisor: Mapped[Staff] = relationship(foreign_keys=[supervisor_id])
    supervisee: Mapped[Staff] = relationship(foreign_keys=[supervisee_id])
    signatures: Mapped[list[Signature]] = relationship(
        back_populates="document", order_by="Signature.signed_at", lazy="selectin"
    )

    KIND_TITLES = {"agreement": "Supervision agreement", "record": "Supervision record"}
    REFERENCE_PREFIX = {"agreement": "AGR", "record": "REC"}

    @property
    def title(self) -> str:
        return f"{self.KIND_TITLES.get(self.kind, self.kind)} for {self.supervisee.name}"

    @property
    def reference(self) -> str:
        return f"{self.REFERENCE_PREFIX.get(self.kind, 'DOC')}-{self.id:06d}"

    @property
    def current_signatures(self) -> list[Signature]:
        return [s for s in self.signatures if s.content_version == self.content_version]

    def signature_of(self, party: Party) -> Signature | None:
        return next((s for s in self.current_signatures if s.party == party), None)

    def party_of(self, staff_id: int) -> Party | None:
        if staff_id == self.supervisor_id:
            return Party.SUPERVISOR
        if staff_id == self.supervisee_id:
            return Party.SUPERVISEE
        return None

    def signer(self, party: Party) -> Staff:
        return self.supervisor if party is Party.SUPERVISOR else self.supervisee

    # Transitions: each refuses a move the lifecycle table does not allow.
    def _move(self, action: str, target: DocumentState) -> None:
        check_move(action, self.state, target)
        self.state = target

    def edit(self, data: dict[str, Any]) -> None:
        self._move("edit", DocumentState.DRAFT)
        self.data = data
        self.docx_sha256 = self.pdf_sha256 = self.pdf_error = None

    def send(self) -> None:
        self._move("send", DocumentState.OUT_FOR_SIGNATURE)
        self.sent_at = utcnow()

    def add_signature(self, signature: Signature) -> bool:
        """Record a party's signature; True when it was the second and the document is now locked."""
        other = Party.SUPERVISEE if signature.party is Party.SUPERVISOR else Party.SUPERVISOR
        locking = self.signature_of(other) is not None
        self._move("sign", DocumentState.LOCKED if locking else DocumentState.SIGNED_BY_ONE)
        signature.content_version = self.content_version
        self.signatures.append(signature)
        if locking:
            self.locked_at = signature.signed_at
        return locking

    def decline(self, reason: str) -> None:
        self._move("decline", DocumentState.DECLINED)
        self.closed_reason, self.closed_at = reason, utcnow()

    def void(self, reason: str) -> None:
        self._move("void", DocumentState.VOIDED)
        self.closed_reason, self.closed_at = reason, utcnow()

    def amend(self) -> None:
        self._move("amend", DocumentState.DRAFT)
        self.content_version += 1
        self.docx_sha256 = self.pdf_sha256 = self.pdf_error = None
        self.closed_reason = self.closed_at = self.sent_at = None


# What may still be written on a locked document: the final files once, and rendering errors.
_WRITE_ONCE_AFTER_LOCK = {"final_docx_sha256", "final_pdf_sha256"}
_OPERATIONAL = {"pdf_error"}
# i5-retention: keeping and disposing of a record is not a change to its content.
_RETENTION = {"retain_until", "retention_status", "disposal_authorised_at", "disposed_at"}


class LockedDocumentError(Exception):
    """A locked document's content was about to change."""


@event.listens_for(Document, "before_update")
def _refuse_changes_to_locked(_mapper, _connection, document: Document) -> None:
    state = inspect(document)
    previous = state.attrs.state.history.deleted
    was = previous[0] if previous else document.state
    if was is not DocumentState.LOCKED:
        return  # not locked before this flush; this flush may be the lock itself
    if document.disposal_authorised_at is not None:
        return  # an approved destruction removes the content of a locked record
    for attr in state.attrs:
        history = attr.history
        if not history.has_changes() or attr.key in _OPERATIONAL or attr.key in _RETENTION:
            continue
        if attr.key in _WRITE_ONCE_AFTER_LOCK and all(v is None for v in history.deleted):
            continue
        raise LockedDocumentError(
            f"{document.reference} is locked; its {attr.key.replace('_', ' ')} cannot change."
        )


class TokenisedLink:
    """What every emailed link carries: who it was sent to, its hashed nonce, and when it expires, was used or revoked."""

    purpose: Mapped[str] = mapped_column(String(30))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    email: Mapped[str] = mapped_column(String(320))
    nonce_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    revoked_reason: Mapped[str | None] = mapped_column(String(200))

    @property
    def is_live(self) -> bool:
        return self.used_at is None and self.revoked_at is None and as_utc(self.expires_at) > utcnow()

    def revoke(self, reason: str) -> None:
        if self.used_at is None and self.revoked_at is None:
            self.revoked_at, self.revoked_reason = utcnow(), reason


class SigningLink(TokenisedLink, Base):
    """A tokenised link emailed to one party; the token's nonce is held here hashed."""

    __tablename__ = "signing_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    content_version: Mapped[int] = mapped_column(Integer)
    party: Mapped[Party] = mapped_column(Enum(Party, native_enum=False, length=20))

    document: Mapped[Document] = relationship()
    staff: Mapped[Staff] = relationship()


class Signature(Base):
    """One party's signature and the evidence of how it was given."""

    __tablename__ = "signatures"
    __table_args__ = (UniqueConstraint("document_id", "content_version", "party"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    content_version: Mapped[int] = mapped_column(Integer)
    party: Mapped[Party] = mapped_column(Enum(Party, native_enum=False, length=20))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    typed_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    link_id: Mapped[int] = mapped_column(ForeignKey("signing_links.id"))
    signed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    ip_address: Mapped[str] = mapped_column(String(64))
    user_agent: Mapped[str] = mapped_column(String(500))
    reviewed_sha256: Mapped[str] = mapped_column(String(64))
    consent_text: Mapped[str] = mapped_column(Text)

    document: Mapped[Document] = relationship(back_populates="signatures")
    staff: Mapped[Staff] = relationship()


class AuditEvent(Base):
    """One row of the append-only, hash-chained audit log."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    event: Mapped[str] = mapped_column(String(50), index=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    actor_email: Mapped[str | None] = mapped_column(String(320))
    ip_address: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(500))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The single row that serialises appends to the audit chain."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_id: Mapped[int] = mapped_column(Integer, default=0)
    last_hash: Mapped[str] = mapped_column(String(64))


class QueuedWork:
    """What every piece of background work carries: its status, its retries and who has claimed it."""

    status: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claimed_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class OutboxMessage(QueuedWork, Base):
    """An email queued in the same transaction as the change that caused it."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class Job(QueuedWork, Base):
    """Background work (rendering PDFs) that survives a restart and is retried until done."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(50))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


def current_supervisees(db, supervisor_id: int, on: dt.date) -> list[Staff]:
    """The people `supervisor_id` supervises on the given date, by name."""
    rows = db.scalars(
        select(SupervisionRelationship).where(SupervisionRelationship.supervisor_id == supervisor_id)
    ).all()
    return sorted((r.supervisee for r in rows if r.is_current(on)), key=lambda s: s.name)


# --- i5-access: the HR archive's composite indexes (migration i5access) ---------------------------

for _name, _columns in {
    "ix_documents_archive_supervisee": ("organisation_id", "supervisee_id", "created_at", "id"),
    "ix_documents_archive_supervisor": ("organisation_id", "supervisor_id", "created_at", "id"),
    "ix_documents_archive_state": ("organisation_id", "state", "created_at", "id"),
    "ix_documents_archive_kind": ("organisation_id", "kind", "created_at", "id"),
    "ix_documents_archive_created": ("organisation_id", "created_at", "id"),
}.items():
    Index(_name, *(Document.__table__.c[c] for c in _columns))


# --- i5-retention: leavers, the seven-year rule, legal holds and disposition ---------------------


class RetentionPolicy(Base):
    """How long an organisation keeps a leaver's records; a staff category may keep them longer."""

    __tablename__ = "retention_policies"
    __table_args__ = (UniqueConstraint("organisation_id", "staff_category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    staff_category: Mapped[str] = mapped_column(String(100), default="")  # "" is everyone else
    years: Mapped[int] = mapped_column(Integer)
    basis: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    organisation: Mapped[Organisation] = relationship()


class LegalHold(Base):
    """A hold on a person's records or on one document: while it stands nothing is disposed of."""

    __tablename__ = "legal_holds"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    placed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    placed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    lifted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    lift_reason: Mapped[str | None] = mapped_column(Text)

    staff: Mapped[Staff | None] = relationship(foreign_keys=[staff_id])
    document: Mapped[Document | None] = relationship(foreign_keys=[document_id])
    placed_by: Mapped[Staff | None] = relationship(foreign_keys=[placed_by_id])
    lifted_by: Mapped[Staff | None] = relationship(foreign_keys=[lifted_by_id])

    @property
    def is_active(self) -> bool:
        return self.lifted_at is None


class DispositionReview(Base):
    """A document past its retention date, waiting for HR to archive, destroy or extend it."""

    __tablename__ = "disposition_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    retain_until: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    decision: Mapped[str | None] = mapped_column(String(20), index=True)  # archive, destroy, extend
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    decision_note: Mapped[str | None] = mapped_column(Text)
    extended_until: Mapped[dt.date | None] = mapped_column(Date)

    document: Mapped[Document] = relationship()
    decided_by: Mapped[Staff | None] = relationship()


class DisposalRecord(Base):
    """What was disposed of, when, how and on whose authority: metadata only, kept for ever."""

    __tablename__ = "disposal_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    reference: Mapped[str] = mapped_column(String(30))
    record_class: Mapped[str] = mapped_column(String(100))
    earliest: Mapped[dt.date] = mapped_column(Date)
    latest: Mapped[dt.date] = mapped_column(Date)
    retained_until: Mapped[dt.date] = mapped_column(Date)
    method: Mapped[str] = mapped_column(String(20))  # archived, destroyed
    how: Mapped[str] = mapped_column(Text)
    authorised_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    authorised_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    note: Mapped[str] = mapped_column(Text, default="")
    files_removed: Mapped[int] = mapped_column(Integer, default=0)

    authorised_by: Mapped[Staff] = relationship()


class ScheduledRun(Base):
    """One row per daily job per day: the unique key is what lets only one worker run it."""

    __tablename__ = "scheduled_runs"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    run_on: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


# The sweep's index: the date range, then what it filters on, so only due rows touch the table.
Index("ix_documents_retention_sweep", Document.retain_until, Document.retention_status, Document.supervisee_id)


class RecordsKept(Exception):
    """A document, its signatures, its audit rows or its disposal record were about to be deleted."""


@event.listens_for(Session, "before_flush")
def _refuse_deleting_kept_records(session: Session, _context, _instances) -> None:
    # Before any SQL, so the refusal is ours and whole, not a half-flushed cascade the database stops.
    for row in session.deleted:
        if isinstance(row, Document) and row.disposal_authorised_at is None:
            raise RecordsKept(f"{row.reference} is kept under the retention rule and cannot be deleted.")
        if isinstance(row, Signature) and row.document.disposal_authorised_at is None:
            raise RecordsKept("A signature is kept with its document and cannot be deleted.")
        if isinstance(row, (AuditEvent, DisposalRecord)):
            raise RecordsKept(f"{type(row).__name__} rows are kept for ever and cannot be deleted.")


# --- issue 6, slice i6-records: template versions and record drafts ---


class TemplateVersion(Base):
    """A version of a template an admin uploaded; version 1 of each template is the file its pack ships."""

    __tablename__ = "template_versions"
    __table_args__ = (UniqueConstraint("template_key", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    template_key: Mapped[str] = mapped_column(String(100), index=True)
    version: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    uploaded_by: Mapped[Staff] = relationship()


class RecordDraft(Base):
    """What a supervisor has typed into a record's form so far, saved as they go, before it becomes a document."""

    __tablename__ = "record_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    supervisee_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    # Set when the draft is a change to a record already written (a draft document or an amended one).
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)
    template_key: Mapped[str] = mapped_column(String(100))
    form: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    saved_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    supervisor: Mapped[Staff] = relationship(foreign_keys=[supervisor_id])
    supervisee: Mapped[Staff] = relationship(foreign_keys=[supervisee_id])
    document: Mapped[Document | None] = relationship()


# --- issue 6, slice i6-due: what is due, postponed sessions, reminders, quality assurance -----------


class PostponedSession(Base):
    """A booked supervision that was postponed; the policies say it is held within seven days (both Appendix 1)."""

    __tablename__ = "postponed_sessions"

    HOLD_WITHIN_DAYS = 7

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    supervisee_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    booked_for: Mapped[dt.date] = mapped_column(Date)
    postponed_on: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text, default="")
    held_on: Mapped[dt.date | None] = mapped_column(Date)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    supervisor: Mapped[Staff] = relationship(foreign_keys=[supervisor_id])
    supervisee: Mapped[Staff] = relationship(foreign_keys=[supervisee_id])

    @property
    def hold_by(self) -> dt.date:
        return self.postponed_on + dt.timedelta(days=self.HOLD_WITHIN_DAYS)


class ReminderSent(Base):
    """The reminder ledger: one row per item per period, so a reminder is never sent twice."""

    __tablename__ = "reminders_sent"
    __table_args__ = (UniqueConstraint("item", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item: Mapped[str] = mapped_column(String(200))
    period: Mapped[str] = mapped_column(String(50))
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    sent_on: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class QualityActivity(Base):
    """One dip-sample audit or observation a supervisor owes in a year (H 6.5, H 10.1), and when it was done."""

    __tablename__ = "quality_activities"
    # Four of each kind per supervisor per year: the slot makes a fifth impossible, even from two browsers.
    __table_args__ = (UniqueConstraint("supervisor_id", "year", "kind", "slot"),)

    KINDS = {"dip_sample_audit": "Dip sample case audit", "observation": "Direct observation"}

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    supervisee_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(30))
    slot: Mapped[int] = mapped_column(Integer)
    planned_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    planned_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    done_on: Mapped[dt.date | None] = mapped_column(Date)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    supervisor: Mapped[Staff] = relationship(foreign_keys=[supervisor_id])
    supervisee: Mapped[Staff] = relationship(foreign_keys=[supervisee_id])
    done_by: Mapped[Staff | None] = relationship(foreign_keys=[done_by_id])

    @property
    def kind_label(self) -> str:
        return self.KINDS[self.kind]


# --- Slice i4-disagree: disagreements, their append-only annotations, and mediators' links ---

from workflows.disagreement_lifecycle import DisagreementState  # noqa: E402
from workflows.disagreement_lifecycle import check_move as check_disagreement_move  # noqa: E402


class AnnotationKind(enum.StrEnum):
    DISAGREEMENT = "disagreement"
    RESOLUTION = "resolution"
    MEDIATION_OUTCOME = "mediation_outcome"
    NOTE = "note"

    @property
    def label(self) -> str:
        return {"disagreement": "Disagreement", "resolution": "Resolved between the parties",
                "mediation_outcome": "Mediation outcome", "note": "Note"}[self.value]


class Disagreement(Base):
    """One party's recorded disagreement with a section of one version of a document."""

    __tablename__ = "disagreements"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    # The version it was raised on: an amended document's new version does not inherit it.
    content_version: Mapped[int] = mapped_column(Integer)
    raised_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    party: Mapped[Party] = mapped_column(Enum(Party, native_enum=False, length=20))
    section_key: Mapped[str] = mapped_column(String(100))
    section_label: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    # Whether the document was already locked when it was raised (then it is an annotation on the locked copy).
    raised_after_lock: Mapped[bool] = mapped_column(default=False)
    state: Mapped[DisagreementState] = mapped_column(
        Enum(DisagreementState, native_enum=False, length=20), default=DisagreementState.OPEN, index=True
    )
    mediator_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    raised_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    escalated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    document: Mapped[Document] = relationship()
    raised_by: Mapped[Staff] = relationship(foreign_keys=[raised_by_id])
    mediator: Mapped[Staff | None] = relationship(foreign_keys=[mediator_id])
    annotations: Mapped[list[Annotation]] = relationship(
        back_populates="disagreement", order_by="Annotation.id", lazy="selectin"
    )

    @property
    def reference(self) -> str:
        return f"{self.document.reference}-D{self.id}"

    @property
    def needs_mediator(self) -> bool:
        return self.state is DisagreementState.ESCALATED and self.mediator_id is None

    def _move(self, action: str, target: DisagreementState) -> None:
        check_disagreement_move(action, self.state, target)
        self.state = target

    def resolve(self) -> None:
        self._move("resolve", DisagreementState.RESOLVED)
        self.closed_at = utcnow()

    def escalate(self, mediator: Staff | None) -> None:
        self._move("escalate", DisagreementState.ESCALATED)
        self.mediator, self.escalated_at = mediator, utcnow()

    def name_mediator(self, mediator: Staff) -> None:
        self._move("name_mediator", DisagreementState.ESCALATED)
        self.mediator = mediator

    def mediate(self) -> None:
        self._move("mediate", DisagreementState.MEDIATED)
        self.closed_at = utcnow()


_DISAGREEMENT_FIXED = {"document_id", "content_version", "raised_by_id", "party", "section_key", "section_label",
                       "text", "raised_after_lock", "raised_at"}


class AnnotationChangeRefused(Exception):
    """Someone tried to change or remove an annotation (or what a disagreement says): never allowed."""

    MESSAGE = ("Annotations cannot be changed or removed: they are part of the document's permanent record. "
               "To add to the record, add a new note to the disagreement.")

    def __init__(self, message: str | None = None, annotation_id: int | None = None):
        self.annotation_id = annotation_id
        super().__init__(message or self.MESSAGE)


@event.listens_for(Disagreement, "before_update")
def _refuse_rewording(_mapper, _connection, disagreement: Disagreement) -> None:
    state = inspect(disagreement)
    for key in _DISAGREEMENT_FIXED:
        if state.attrs[key].history.has_changes() and state.attrs[key].history.deleted:
            raise AnnotationChangeRefused("What a disagreement says, and who raised it, cannot be changed.")


class Annotation(Base):
    """An attributed, timed entry added to a document's record; the table is append-only."""

    __tablename__ = "annotations"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    content_version: Mapped[int] = mapped_column(Integer)
    disagreement_id: Mapped[int | None] = mapped_column(ForeignKey("disagreements.id"), index=True)
    kind: Mapped[AnnotationKind] = mapped_column(Enum(AnnotationKind, native_enum=False, length=30))
    author_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    # The author's part in it, in the users' words: supervisor, supervisee or mediator.
    author_role: Mapped[str] = mapped_column(String(30))
    author_name: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    # True when it was added to an already locked document (phase 2 seals each of these into the PDF).
    on_locked_document: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    document: Mapped[Document] = relationship()
    author: Mapped[Staff] = relationship()
    disagreement: Mapped[Disagreement | None] = relationship(back_populates="annotations")


@event.listens_for(Annotation, "before_update")
@event.listens_for(Annotation, "before_delete")
def _refuse_annotation_change(_mapper, _connection, annotation: Annotation) -> None:
    raise AnnotationChangeRefused(annotation_id=annotation.id)


class MediationLink(TokenisedLink, Base):
    """A tokenised link emailed to a disagreement's mediator; the token's nonce is held here hashed."""

    __tablename__ = "mediation_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    disagreement_id: Mapped[int] = mapped_column(ForeignKey("disagreements.id"), index=True)

    document: Mapped[Document] = relationship()
    disagreement: Mapped[Disagreement] = relationship()
    staff: Mapped[Staff] = relationship()


# --- Slice i4-pdf: the chain of sealed copies, one per annotation added to a locked document ---


class AnnotatedCopy(Base):
    """One link in a locked document's chain of PDFs: the previous copy plus one sealed annotation revision."""

    __tablename__ = "annotated_copies"
    __table_args__ = (UniqueConstraint("document_id", "sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    annotation_id: Mapped[int] = mapped_column(ForeignKey("annotations.id"), unique=True)
    # 1 for the first annotation after lock; the unique pair stops two workers appending at the same place.
    sequence: Mapped[int] = mapped_column(Integer)
    field_name: Mapped[str] = mapped_column(String(100))
    # False once the reserved page is full: the revision is then sealed without a visible box.
    stamped: Mapped[bool] = mapped_column(default=True)
    previous_sha256: Mapped[str] = mapped_column(String(64))
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    annotation: Mapped[Annotation] = relationship()


@event.listens_for(AnnotatedCopy, "before_update")
@event.listens_for(AnnotatedCopy, "before_delete")
def _refuse_copy_change(_mapper, _connection, copy: AnnotatedCopy) -> None:
    raise AnnotationChangeRefused("A sealed copy of a document cannot be changed or removed.")
