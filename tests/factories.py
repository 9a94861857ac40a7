"""factory_boy factories: organisations, people and their roles, who supervises whom, and documents in any state."""

from __future__ import annotations

import datetime as dt

import factory
from factory.alchemy import SQLAlchemyModelFactory

from storage import db as database
from storage.blobs import blobs
from storage.models import (
    Document,
    DocumentState,
    FileKind,
    Organisation,
    Party,
    Role,
    Signature,
    SigningLink,
    Staff,
    SupervisionRelationship,
    utcnow,
)
from tests.support.data import password_hash
from tests.support.identity import give_second_factor


class _Factory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: database.session  # noqa: E731 - the app's session, bound per test
        sqlalchemy_session_persistence = "commit"


class OrganisationFactory(_Factory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"London Borough {n}")
    template_pack = "havering"


class StaffFactory(_Factory):
    """A person who can sign in with the test password; `roles` lists their roles."""

    class Meta:
        model = Staff

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Person {n}")
    email = factory.Sequence(lambda n: f"person{n}@council.example")
    password_hash = factory.LazyFunction(password_hash)
    profession = "Social worker"
    staff_category = "Qualified social worker"
    start_date = dt.date(2025, 9, 1)

    @factory.post_generation
    def roles(self, create, roles, **_kwargs):
        for role in roles or (Role.SUPERVISEE,):
            self.grant(role)
        give_second_factor(self)
        if create:
            database.session.commit()


class RelationshipFactory(_Factory):
    """One person supervising another from a date."""

    class Meta:
        model = SupervisionRelationship

    supervisor = factory.SubFactory(StaffFactory, roles=(Role.SUPERVISOR,))
    supervisee = factory.SubFactory(StaffFactory, organisation=factory.SelfAttribute("..supervisor.organisation"))
    starts_on = dt.date(2026, 1, 5)


class DocumentFactory(_Factory):
    """A document in any state, written straight to the database with real stored files (no conversion).

    Locked documents get a signed Word file and PDF as well; out-for-signature ones were sent now. Pass `state`.
    """

    class Meta:
        model = Document
        exclude = ("supervisor", "supervisee")

    supervisor = factory.SubFactory(StaffFactory, roles=(Role.SUPERVISOR,))
    supervisee = factory.SubFactory(StaffFactory, organisation=factory.SelfAttribute("..supervisor.organisation"))
    organisation_id = factory.SelfAttribute("supervisor.organisation_id")
    supervisor_id = factory.SelfAttribute("supervisor.id")
    supervisee_id = factory.SelfAttribute("supervisee.id")
    created_by_id = factory.SelfAttribute("supervisor.id")
    kind = "agreement"
    template_key = factory.LazyAttribute(lambda d: f"havering/supervision-{d.kind}")
    template_version = 1
    data = factory.LazyFunction(lambda: {"frequency_weeks": 4})
    state = DocumentState.DRAFT

    @classmethod
    def _create(cls, model_class, *args, state=DocumentState.DRAFT, **kwargs):
        session = cls._meta.sqlalchemy_session_factory()
        document = model_class(*args, state=DocumentState.DRAFT, **kwargs)
        session.add(document)
        session.flush()
        document.attach(FileKind.WORD, blobs().put(f"PK word file of document {document.id}".encode()))
        document.attach(FileKind.PDF, blobs().put(f"%PDF-1.7 review copy of document {document.id}".encode()))
        if state is not DocumentState.DRAFT:
            document.sent_at = utcnow()
        if state in (DocumentState.SIGNED_BY_ONE, DocumentState.LOCKED):
            for party in (Party.SUPERVISEE, Party.SUPERVISOR)[: 1 if state is DocumentState.SIGNED_BY_ONE else 2]:
                document.signatures.append(_signature(session, document, party))
        if state is DocumentState.LOCKED:
            document.attach(FileKind.SIGNED_WORD, blobs().put(f"PK signed word file of {document.id}".encode()))
            document.attach(FileKind.SIGNED_PDF, blobs().put(f"%PDF-1.7 signed copy of {document.id}".encode()))
            document.locked_at = utcnow()
        if state in (DocumentState.DECLINED, DocumentState.VOIDED):
            document.closed_reason, document.closed_at = "The cover arrangement is wrong.", utcnow()
        document.state = state  # set last: the flush that locks may still write the final files
        session.commit()
        return document


def _signature(session, document: Document, party: Party) -> Signature:
    person = document.signer(party)
    link = SigningLink(document_id=document.id, content_version=1, party=party, purpose="sign", staff_id=person.id,
                       email=person.email, nonce_hash=f"{document.id}-{party.value}".ljust(64, "0"),
                       expires_at=utcnow() + dt.timedelta(days=14), used_at=utcnow())
    session.add(link)
    session.flush()
    return Signature(content_version=1, party=party, staff_id=person.id, typed_name=person.name, email=person.email,
                     link_id=link.id, signed_at=utcnow(), ip_address="203.0.113.7", user_agent="pytest",
                     reviewed_sha256=document.pdf_sha256, consent_text="I agree to sign electronically.")


def put_document(supervisor, supervisee, state: DocumentState = DocumentState.DRAFT, *,
                 created_at: dt.datetime | None = None, kind: str = "agreement") -> int:
    """A document with real stored files, written straight to the database: its id."""
    extra = {"created_at": created_at} if created_at is not None else {}
    return DocumentFactory(supervisor=supervisor, supervisee=supervisee, state=state, kind=kind, **extra).id


def add_document(supervisor, supervisee, kind: str = "record", state: DocumentState = DocumentState.LOCKED,
                 sent_days_ago: int | None = None, **data) -> int:
    """A record or agreement holding `data` as its form stores it: its id."""
    extra = {} if sent_days_ago is None else {"sent_at": utcnow() - dt.timedelta(days=sent_days_ago)}
    document = DocumentFactory(supervisor=supervisor, supervisee=supervisee, kind=kind, state=state, data=data)
    if extra:
        document.sent_at = extra["sent_at"]
        database.session.commit()
    return document.id
