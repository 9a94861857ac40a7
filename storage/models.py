"""The typed database models: people, supervision relationships, documents and their evidence."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

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
    line_manager_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

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
        return self.starts_on <= on and (self.ends_on is None or on <= self.ends_on)


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


class LockedDocumentError(Exception):
    """A locked document's content was about to change."""


@event.listens_for(Document, "before_update")
def _refuse_changes_to_locked(_mapper, _connection, document: Document) -> None:
    state = inspect(document)
    previous = state.attrs.state.history.deleted
    was = previous[0] if previous else document.state
    if was is not DocumentState.LOCKED:
        return  # not locked before this flush; this flush may be the lock itself
    for attr in state.attrs:
        history = attr.history
        if not history.has_changes() or attr.key in _OPERATIONAL:
            continue
        if attr.key in _WRITE_ONCE_AFTER_LOCK and all(v is None for v in history.deleted):
            continue
        raise LockedDocumentError(
            f"{document.reference} is locked; its {attr.key.replace('_', ' ')} cannot change."
        )


class SigningLink(Base):
    """A tokenised link emailed to one party; the token's nonce is held here hashed."""

    __tablename__ = "signing_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    content_version: Mapped[int] = mapped_column(Integer)
    party: Mapped[Party] = mapped_column(Enum(Party, native_enum=False, length=20))
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

    document: Mapped[Document] = relationship()
    staff: Mapped[Staff] = relationship()

    @property
    def is_live(self) -> bool:
        return self.used_at is None and self.revoked_at is None and as_utc(self.expires_at) > utcnow()

    def revoke(self, reason: str) -> None:
        if self.used_at is None and self.revoked_at is None:
            self.revoked_at, self.revoked_reason = utcnow(), reason


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


class MediationLink(Base):
    """A tokenised link emailed to a disagreement's mediator; the token's nonce is held here hashed."""

    __tablename__ = "mediation_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    disagreement_id: Mapped[int] = mapped_column(ForeignKey("disagreements.id"), index=True)
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

    document: Mapped[Document] = relationship()
    disagreement: Mapped[Disagreement] = relationship()
    staff: Mapped[Staff] = relationship()

    @property
    def is_live(self) -> bool:
        return self.used_at is None and self.revoked_at is None and as_utc(self.expires_at) > utcnow()

    def revoke(self, reason: str) -> None:
        if self.used_at is None and self.revoked_at is None:
            self.revoked_at, self.revoked_reason = utcnow(), reason


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
