"""Group supervision: a session with its facilitator and attendees, and each attendee's answer to its record.

A group session's record is a document (kind "group_record") whose supervisor is the facilitator. Each attendee,
and the facilitator, answers once per version of the record: signed (attended), or did not attend. The answers
are the record's signatures and are append-only, like the signatures of a one-to-one document.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Boolean, Date, Enum, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base, UTCDateTime, utcnow
from storage.models.documents import Document
from storage.models.people import Staff

# The kind of document a group session's record is.
GROUP_RECORD = "group_record"


class GroupKind(enum.StrEnum):
    """The kinds of group the policies name (H 5.2, 5.3; B 4.3, 4.4)."""

    GROUP_SUPERVISION = "group_supervision"
    REFLECTIVE_GROUP = "reflective_group"
    ACTION_LEARNING_SET = "action_learning_set"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]


_KIND_LABELS = {
    GroupKind.GROUP_SUPERVISION: "Group supervision",
    GroupKind.REFLECTIVE_GROUP: "Reflective practice group",
    GroupKind.ACTION_LEARNING_SET: "Action learning set",
}


class Role(enum.StrEnum):
    FACILITATOR = "facilitator"
    ATTENDEE = "attendee"


def _values(states: type[enum.Enum]) -> list[str]:
    return [member.value for member in states]


class GroupSession(Base):
    """A group session: who facilitated it, who was invited, when, how long, and its record once written."""

    __tablename__ = "group_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    facilitator_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    kind: Mapped[GroupKind] = mapped_column(Enum(GroupKind, native_enum=False, length=30, values_callable=_values))
    held_on: Mapped[dt.date] = mapped_column(Date, index=True)
    length_minutes: Mapped[int] = mapped_column(Integer)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    facilitator: Mapped[Staff] = relationship()
    document: Mapped[Document | None] = relationship()
    attendees: Mapped[list[GroupAttendee]] = relationship(order_by="GroupAttendee.id", lazy="selectin",
                                                          back_populates="session")

    @property
    def title(self) -> str:
        return f"{self.kind.label} on {self.held_on:%-d %B %Y}"

    def attendee(self, staff_id: int) -> GroupAttendee | None:
        return next((a for a in self.attendees if a.staff_id == staff_id), None)


class GroupAttendee(Base):
    """One person invited to a group session."""

    __tablename__ = "group_attendees"
    __table_args__ = (UniqueConstraint("group_session_id", "staff_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_session_id: Mapped[int] = mapped_column(ForeignKey("group_sessions.id"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)

    session: Mapped[GroupSession] = relationship(back_populates="attendees")
    staff: Mapped[Staff] = relationship(lazy="joined")


class GroupAnswer(Base):
    """One person's answer to a version of a group record: signed as present, or recorded as not attending.

    Append-only in the database; a new version of the record (after a decline) is answered afresh.
    """

    __tablename__ = "group_answers"
    __table_args__ = (UniqueConstraint("document_id", "content_version", "staff_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    content_version: Mapped[int] = mapped_column(Integer)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=20, values_callable=_values))
    attended: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    email: Mapped[str] = mapped_column(String(320))
    # Who recorded it: the person themselves (from their link or page) or the facilitator (an absence).
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    # A signature's evidence, as for a one-to-one document's (empty for an absence).
    typed_name: Mapped[str | None] = mapped_column(String(200))
    link_id: Mapped[int | None] = mapped_column(ForeignKey("signing_links.id"))
    ip_address: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(500), default="")
    reviewed_sha256: Mapped[str | None] = mapped_column(String(64))
    consent_text: Mapped[str | None] = mapped_column(Text)
    shown_html_sha256: Mapped[str | None] = mapped_column(String(64))
    signed_from: Mapped[str | None] = mapped_column(String(30))
    identity_check: Mapped[str | None] = mapped_column(String(400))
    # Why they did not attend, in the words of whoever recorded it.
    absence_note: Mapped[str | None] = mapped_column(Text)

    staff: Mapped[Staff] = relationship(foreign_keys=[staff_id], lazy="joined")
    recorded_by: Mapped[Staff] = relationship(foreign_keys=[recorded_by_id])
