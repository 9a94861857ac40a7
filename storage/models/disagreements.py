"""Disagreements, their append-only annotations, mediators' links, and the sealed copies annotations go into."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Enum, ForeignKey, Integer, String, Text, UniqueConstraint, event, inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base, UTCDateTime, utcnow
from storage.models.documents import Document, Party, TokenisedLink
from storage.models.people import Staff
from storage.states import DISAGREEMENT, DisagreementState


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
    # The section's heading as the template names it; long enough for the longest heading of any template.
    section_label: Mapped[str] = mapped_column(String(300))
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
        DISAGREEMENT.check(action, self.state, target)
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
    # True when it was added to an already locked document: then it is sealed into the PDF as a revision.
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
