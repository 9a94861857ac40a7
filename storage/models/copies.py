"""Confirming who is signing with an emailed code, and the one-time links to a signed copy."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base, UTCDateTime, as_utc, utcnow
from storage.models.documents import Document, SigningLink, TokenisedLink
from storage.models.people import Staff


class SigningCode(Base):
    """A one-time code emailed to the person a signing link was sent to, to confirm it is them signing."""

    __tablename__ = "signing_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("signing_links.id"), index=True)
    # The code is never stored: only a salted SHA-256 of it.
    code_hash: Mapped[str] = mapped_column(String(64))
    salt: Mapped[str] = mapped_column(String(32))
    sent_to: Mapped[str] = mapped_column(String(320))
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    wrong_tries: Mapped[int] = mapped_column(Integer, default=0)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    link: Mapped[SigningLink] = relationship()

    @property
    def is_live(self) -> bool:
        return self.used_at is None and as_utc(self.expires_at) > utcnow()


class CopyLink(TokenisedLink, Base):
    """A one-time, expiring link to download a signed copy, emailed when the copy is too big to attach."""

    __tablename__ = "copy_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    # The file the link gives: the sealed PDF as it was when the email was sent.
    sha256: Mapped[str] = mapped_column(String(64))

    document: Mapped[Document] = relationship()
    staff: Mapped[Staff] = relationship()
