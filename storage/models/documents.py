"""Documents: an agreement or record from draft to locked, its files, the links sent to sign it and the signatures."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, Date, Enum, ForeignKey, Index, Integer, String, Text, UniqueConstraint, event, inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from storage.models.base import Base, UTCDateTime, as_utc, utcnow
from storage.models.people import Organisation, Staff
from storage.states import DOCUMENT, RETENTION, DocumentState, IllegalMove, RetentionState


class Party(enum.StrEnum):
    SUPERVISOR = "supervisor"
    SUPERVISEE = "supervisee"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class FileKind(enum.StrEnum):
    """What a file is to its document; the names are also what the download links say."""

    WORD = "word"  # a version's Word file, made from the form
    PDF = "pdf"  # a version's PDF, the copy each party reviews and signs
    SIGNED_WORD = "signed-word"  # the Word file made again at lock, with the signatures
    SIGNED_PDF = "signed-pdf"  # the sealed PDF with its audit certificate, exactly as locked
    ANNOTATED_PDF = "annotated-pdf"  # the sealed PDF with annotations sealed in after lock, one per revision
    RENEWED_PDF = "renewed-pdf"  # the newest sealed copy with a fresh document timestamp over it (evidence renewed)


def _values(states: type[enum.Enum]) -> list[str]:
    """Store an enum's values (as these columns always have), not its member names."""
    return [member.value for member in states]


# The document's own column for the newest file of each kind.
_COLUMN = {FileKind.WORD: "docx_sha256", FileKind.PDF: "pdf_sha256", FileKind.SIGNED_WORD: "final_docx_sha256",
           FileKind.SIGNED_PDF: "final_pdf_sha256"}


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
    # Kept until this date (set when the supervisee leaves), then reviewed for disposal.
    retain_until: Mapped[dt.date | None] = mapped_column(Date)
    retention_status: Mapped[RetentionState] = mapped_column(
        # Nullable in the schema only because SQLite cannot tighten a column without rebuilding the table and its
        # guard triggers; every row holds a state.
        Enum(RetentionState, native_enum=False, length=20, values_callable=_values), default=RetentionState.KEPT,
        nullable=True)
    # Set only by an approved destruction; the database refuses deletes and redactions without it.
    disposal_authorised_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    disposed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # What the due pages read from the form, copied from `data` whenever it is set, so what is due is a query:
    # a record's session date and the next one booked, an agreement's start date and agreed frequency.
    supervision_date: Mapped[dt.date | None] = mapped_column(Date)
    next_supervision_date: Mapped[dt.date | None] = mapped_column(Date)
    agreement_start_date: Mapped[dt.date | None] = mapped_column(Date)
    agreed_frequency_weeks: Mapped[int | None] = mapped_column(Integer)

    organisation: Mapped[Organisation] = relationship()
    supervisor: Mapped[Staff] = relationship(foreign_keys=[supervisor_id])
    supervisee: Mapped[Staff] = relationship(foreign_keys=[supervisee_id])
    signatures: Mapped[list[Signature]] = relationship(
        back_populates="document", order_by="Signature.signed_at", lazy="selectin"
    )
    files: Mapped[list[DocumentFile]] = relationship(order_by="DocumentFile.id")

    KIND_TITLES = {"agreement": "Supervision agreement", "record": "Supervision record"}
    REFERENCE_PREFIX = {"agreement": "AGR", "record": "REC"}
    KIND_TITLES["group_record"] = "Group supervision record"
    REFERENCE_PREFIX["group_record"] = "GRP"
    # Professional supervision beside line supervision, and each council's quality assurance forms.
    KIND_TITLES.update({"professional_agreement": "Professional supervision agreement",
                        "professional_record": "Professional supervision record",
                        "three_way_meeting": "Three-way meeting record",
                        "observation": "Practice observation", "dip_sample_audit": "Case file audit"})
    REFERENCE_PREFIX.update({"professional_agreement": "PSA", "professional_record": "PSR",
                             "three_way_meeting": "TWM", "observation": "OBS", "dip_sample_audit": "AUD"})

    @property
    def title(self) -> str:
        if self.kind == "group_record":  # its supervisor is the facilitator; its attendees sign it
            return f"{self.KIND_TITLES[self.kind]} facilitated by {self.supervisor.name}"
        return f"{self.KIND_TITLES.get(self.kind, self.kind)} for {self.supervisee.name}"

    @property
    def reference(self) -> str:
        return reference_of(self.kind, self.id)

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

    def departed_signer(self, on: dt.date) -> Staff | None:
        """A party who has left by that date: from then the document can no longer be signed by anyone."""
        return next((person for person in (self.supervisee, self.supervisor) if person.has_left(on)), None)

    def signer(self, party: Party) -> Staff:
        return self.supervisor if party is Party.SUPERVISOR else self.supervisee

    @validates("data")
    def _keep_due_facts(self, _key: str, data: dict[str, Any] | None) -> dict[str, Any] | None:
        for column, value in due_facts(data).items():
            setattr(self, column, value)
        return data

    # -- its files ------------------------------------------------------------------------------

    def attach(self, kind: FileKind, sha256: str) -> None:
        """Record a file as this document's newest of its kind; every file it ever had stays listed in `files`."""
        if kind in _COLUMN:
            setattr(self, _COLUMN[kind], sha256)
        if not any(f.kind is kind and f.sha256 == sha256 for f in self.files):
            self.files.append(DocumentFile(kind=kind, sha256=sha256, content_version=self.content_version))

    def current_files(self) -> dict[str, str]:
        """The files that can be downloaded now, by name; "current-pdf" is the newest sealed copy."""
        current = {kind.value: getattr(self, column) for kind, column in _COLUMN.items() if getattr(self, column)}
        later = [f.sha256 for f in self.files if f.kind in (FileKind.ANNOTATED_PDF, FileKind.RENEWED_PDF)]
        if later or self.final_pdf_sha256:
            current["current-pdf"] = later[-1] if later else self.final_pdf_sha256
        return current

    def annotated_pdfs(self) -> list[str]:
        """The sealed copies with annotations added after lock, oldest first."""
        return [f.sha256 for f in self.files if f.kind is FileKind.ANNOTATED_PDF]

    def file_hashes(self) -> set[str]:
        """Every file this document has ever had, in any version: what its disposal removes and the store keeps."""
        hashes = {f.sha256 for f in self.files} | {getattr(self, column) for column in _COLUMN.values()}
        hashes |= {s.reviewed_sha256 for s in self.signatures}
        return {h for h in hashes if h}

    # -- transitions: each refuses a move the lifecycle table does not allow --------------------

    def _move(self, action: str, target: DocumentState) -> None:
        DOCUMENT.check(action, self.state, target)
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

    def answer_group(self, *, complete: bool, at: dt.datetime) -> None:
        """A group record has one more answer (a signature, or an absence); when it is the last, it locks."""
        self._move("answer", DocumentState.LOCKED if complete else DocumentState.SIGNED_BY_ONE)
        if complete:
            self.locked_at = at

    def decline(self, reason: str) -> None:
        self._move("decline", DocumentState.DECLINED)
        self.closed_reason, self.closed_at = reason, utcnow()

    def void(self, reason: str) -> None:
        self._move("void", DocumentState.VOIDED)
        self.closed_reason, self.closed_at = reason, utcnow()

    @property
    def was_ever_sent(self) -> bool:
        """Whether anyone was ever sent it: an amended draft was, its first version having been declined."""
        return self.sent_at is not None or self.content_version > 1

    def delete(self) -> None:
        """Discard a draft nobody was ever sent (one that was is voided, with a reason the parties are told)."""
        if self.was_ever_sent:
            raise IllegalMove("delete", self.state, "This draft has been sent before: void it instead, saying why",
                              DocumentState.DELETED)
        self._move("delete", DocumentState.DELETED)
        self.closed_at = utcnow()

    def amend(self) -> None:
        self._move("amend", DocumentState.DRAFT)
        self.content_version += 1
        self.docx_sha256 = self.pdf_sha256 = self.pdf_error = None
        self.closed_reason = self.closed_at = self.sent_at = None


    # -- retention: each move refuses one the retention table does not allow ---------------------

    def _retention_move(self, action: str, target: RetentionState) -> None:
        RETENTION.check(action, self.retention_status, target)
        self.retention_status = target

    def withdraw_from_review(self) -> None:
        """A legal hold, or a retention date now in the future, takes it out of disposition review."""
        self._retention_move("withdraw", RetentionState.KEPT)

    def keep_until(self, day: dt.date) -> None:
        """HR keeps it longer, to a new date."""
        self._retention_move("extend", RetentionState.KEPT)
        self.retain_until = day

    def archive(self) -> None:
        """Kept unchanged after its retention period; from now on only HR opens it."""
        self._retention_move("archive", RetentionState.ARCHIVED)
        self.disposed_at = utcnow()

    def destroyed(self, at: dt.datetime) -> None:
        """Its files and personal content have been removed at disposal; only metadata is left."""
        self._retention_move("destroy", RetentionState.DESTROYED)
        self.disposed_at = at


# The professional supervisor's own documents: their line manager does not see them (need to know).
PROFESSIONAL_KINDS = frozenset({"professional_agreement", "professional_record"})
# Quality assurance forms, one per kind of QualityActivity.
QUALITY_KINDS = frozenset({"observation", "dip_sample_audit"})


def due_facts(data: dict[str, Any] | None) -> dict[str, dt.date | int | None]:
    """The due pages' columns as a document's form data gives them (unreadable values count as missing)."""
    data = data or {}
    return {"supervision_date": form_date(data.get("supervision_date")),
            "next_supervision_date": form_date(data.get("next_supervision_date")),
            "agreement_start_date": form_date(data.get("start_date")),
            "agreed_frequency_weeks": positive_int(data.get("frequency_weeks"))}


def form_date(value: Any) -> dt.date | None:
    """A date kept in a form's data (ISO text), or None if there is none or it cannot be read."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def positive_int(value: Any) -> int | None:
    """A whole number kept in a form's data, or None if there is none, it cannot be read or it is not above zero
    (or too big for an integer column)."""
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if 0 < number < 2**31 else None


def reference_of(kind: str, document_id: int) -> str:
    """A document's reference, like AGR-000001, from its kind and id alone (for set-based queries)."""
    return f"{Document.REFERENCE_PREFIX.get(kind, 'DOC')}-{document_id:06d}"


class DocumentFile(Base):
    """One file a document has had, in any version: the one list of what belongs to it."""

    __tablename__ = "document_files"
    __table_args__ = (UniqueConstraint("document_id", "kind", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    kind: Mapped[FileKind] = mapped_column(Enum(FileKind, native_enum=False, length=20, values_callable=_values))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    content_version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


# What may still be written on a locked document: the final files once, and rendering errors.
_WRITE_ONCE_AFTER_LOCK = {"final_docx_sha256", "final_pdf_sha256"}
_OPERATIONAL = {"pdf_error"}
# Its list of files grows after lock (the sealed PDF, annotated copies); no file already listed changes.
_GROWS_AFTER_LOCK = {"files"}
# Keeping and disposing of a record is not a change to its content.
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
        key, history = attr.key, attr.history
        if not history.has_changes() or key in _OPERATIONAL or key in _RETENTION or key in _GROWS_AFTER_LOCK:
            continue
        if key in _WRITE_ONCE_AFTER_LOCK and all(v is None for v in history.deleted):
            continue
        raise LockedDocumentError(f"{document.reference} is locked; its {key.replace('_', ' ')} cannot change.")


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
    # The fingerprint of the document's text as read in the page (HTML made from the Word file).
    shown_html_sha256: Mapped[str | None] = mapped_column(String(64))
    # "emailed link" or "document page" (signed in).
    signed_from: Mapped[str | None] = mapped_column(String(30))
    # How it was confirmed that the signer is the person: "code emailed to j•••@havering.example at …".
    identity_check: Mapped[str | None] = mapped_column(String(400))

    document: Mapped[Document] = relationship(back_populates="signatures")
    staff: Mapped[Staff] = relationship()


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


# HR's archive: each common search answered by one composite index.
for _name, _columns in {
    "ix_documents_archive_supervisee": ("organisation_id", "supervisee_id", "created_at", "id"),
    "ix_documents_archive_supervisor": ("organisation_id", "supervisor_id", "created_at", "id"),
    "ix_documents_archive_state": ("organisation_id", "state", "created_at", "id"),
    "ix_documents_archive_kind": ("organisation_id", "kind", "created_at", "id"),
    "ix_documents_archive_created": ("organisation_id", "created_at", "id"),
}.items():
    Index(_name, *(Document.__table__.c[c] for c in _columns))
# What is due: each supervisee's latest record and agreement, without reading the documents' data.
Index("ix_documents_due", Document.kind, Document.supervisee_id, Document.organisation_id, Document.supervision_date,
      Document.state)
# The disposition sweep: the date range, then what it filters on, so only due rows touch the table.
Index("ix_documents_retention_sweep", Document.retain_until, Document.retention_status, Document.supervisee_id)
