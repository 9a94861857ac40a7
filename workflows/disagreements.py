"""Disagreements and mediation: raise one, resolve it between you, escalate it, and record the outcome."""

from __future__ import annotations

import dataclasses

from flask import current_app
from sqlalchemy import and_, or_, select

from doc_templates import clean_text, get_schema
from signing.tokens import check_mediation_link, issue_mediation_link
from storage import audit
from storage.blobs import blobs
from storage.db import session as db
from storage.models import (
    Annotation,
    AnnotationChangeRefused,
    AnnotationKind,
    Disagreement,
    DisagreementState,
    Document,
    DocumentState,
    MediationLink,
    Party,
    Role,
    SigningLink,
    Staff,
    StaffRole,
    as_utc,
)
from storage.models.documents import PROFESSIONAL_KINDS
from storage.outbox import queue_email
from storage.states import DISAGREEMENT
from workflows import annotated_pdf, messages
from workflows.access import can_manage, can_view, user_of
from workflows.errors import InvalidInput, LinkRefused, NotAllowed
from workflows.links import admin_mediator_url, disagreement_url, mediation_url
from workflows.renditions import ShownDocument, shown_document

OTHER_SECTION = ("other", "Something else in the document")
MAX_TEXT = 5000


def sections(document: Document) -> list[tuple[str, str]]:
    """The parts of a document someone can disagree with: its template's sections or fields, then "other"."""
    schema = get_schema(document.template_key)
    # A schema that declares headings is offered by heading; otherwise each field the supervisor filled in.
    if schema.sections:
        parts = [(section.key, section.title) for section in schema.sections]
    else:
        parts = [(field.name, field.label) for field in schema.fields]
    return [*parts, OTHER_SECTION]


def _section_label(document: Document, key: str) -> str | None:
    return dict(sections(document)).get(key)


def _clean(text: str) -> str:
    return clean_text(text or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def _check_raise(document: Document, section: str, text: str) -> tuple[str, str]:
    errors = {}
    label = _section_label(document, section)
    if label is None:
        errors["section"] = "Choose the part of the document you disagree with"
    text = _clean(text)
    if not text:
        errors["disagreement"] = "Say what you disagree with, in your own words"
    elif len(text) > MAX_TEXT:
        errors["disagreement"] = f"Say what you disagree with in {MAX_TEXT} characters or fewer"
    if errors:
        db.rollback()
        raise InvalidInput(errors)
    return label, text


def _annotate(document: Document, disagreement: Disagreement | None, kind: AnnotationKind, author: Staff,
              role: str, text: str) -> Annotation:
    annotation = Annotation(
        document_id=document.id,
        content_version=disagreement.content_version if disagreement else document.content_version,
        disagreement=disagreement,
        kind=kind,
        author_id=author.id,
        author_role=role,
        author_name=author.name,
        text=text,
        on_locked_document=document.state is DocumentState.LOCKED,
    )
    db.add(annotation)
    db.flush()
    # On a locked document it is sealed into the PDF too, queued in this same transaction.
    annotated_pdf.queue_for(annotation)
    return annotation


def _involved(disagreement: Disagreement) -> list[Staff]:
    document = disagreement.document
    people = [document.supervisor, document.supervisee]
    if disagreement.mediator is not None:
        people.append(disagreement.mediator)
    return people


def _tell(disagreement: Disagreement, people: list[Staff], compose) -> None:
    for person in people:
        subject, body = compose(person)
        queue_email(db, to=person.email, subject=subject, body=body, document_id=disagreement.document_id)


def _record(document: Document, raised_by: Staff, party: Party, section: str, label: str, text: str,
            actor: audit.Actor, via: str) -> Disagreement:
    disagreement = Disagreement(
        document_id=document.id, content_version=document.content_version, raised_by_id=raised_by.id,
        party=party, section_key=section, section_label=label, text=text,
        raised_after_lock=document.state is DocumentState.LOCKED, state=DisagreementState.OPEN,
    )
    db.add(disagreement)
    db.flush()
    db.refresh(disagreement)
    annotation = _annotate(document, disagreement, AnnotationKind.DISAGREEMENT, raised_by, party.value, text)
    audit.record(db, "disagreement_raised", actor, document.id, disagreement_id=disagreement.id,
                 annotation_id=annotation.id, party=party.value, section=label, text=text,
                 content_version=document.content_version, after_lock=disagreement.raised_after_lock, via=via)
    _tell(disagreement, _involved(disagreement),
          lambda person: messages.disagreement_raised(disagreement, person, disagreement_url(disagreement.id)))
    return disagreement


def record_from_link(document: Document, link: SigningLink, *, section: str, text: str,
                     actor: audit.Actor) -> Disagreement:
    """A party's disagreement from the signing link the signing round has checked; the caller commits."""
    label, text = _check_raise(document, section, text)
    return _record(document, link.staff, link.party, section, label, text, actor, via="signing link")


RAISABLE = {DocumentState.OUT_FOR_SIGNATURE, DocumentState.SIGNED_BY_ONE, DocumentState.LOCKED,
            DocumentState.DECLINED}


def raise_disagreement(document_id: int, *, section: str, text: str, actor: audit.Actor) -> Disagreement:
    """A party, signed in, records a disagreement with a document (after lock it is an annotation on it)."""
    document = db.get(Document, document_id, with_for_update=True, populate_existing=True)
    user = user_of(actor)
    party = document.party_of(user.id) if document is not None else None
    if document is None or party is None or not can_view(user, document):
        raise NotAllowed()
    if document.state not in RAISABLE:
        db.rollback()
        raise InvalidInput({"section": f"You cannot record a disagreement with a document that is "
                                       f"{document.state.label.lower()}. Talk to your supervisor."})
    label, text = _check_raise(document, section, text)
    disagreement = _record(document, user, party, section, label, text, actor, via="document page")
    db.commit()
    return disagreement


def resolve(disagreement_id: int, *, text: str, actor: audit.Actor) -> Disagreement:
    """The supervisor records that the disagreement was resolved between the two of them."""
    disagreement = _for_supervisor(disagreement_id, actor)
    text = _clean(text)
    if not text:
        db.rollback()
        raise InvalidInput({"resolution": "Say how you resolved it between you"})
    if len(text) > MAX_TEXT:
        db.rollback()
        raise InvalidInput({"resolution": f"Say how you resolved it in {MAX_TEXT:,} characters or fewer"})
    disagreement.resolve()
    _revoke_links(disagreement, "the disagreement was resolved between the parties")
    user = user_of(actor)
    annotation = _annotate(disagreement.document, disagreement, AnnotationKind.RESOLUTION, user, "supervisor", text)
    audit.record(db, "disagreement_resolved", actor, disagreement.document_id, disagreement_id=disagreement.id,
                 annotation_id=annotation.id, text=text)
    _tell(disagreement, _involved(disagreement),
          lambda person: messages.disagreement_resolved(disagreement, person, text, disagreement_url(disagreement.id)))
    db.commit()
    return disagreement


@dataclasses.dataclass(frozen=True)
class Escalation:
    disagreement: Disagreement
    mediator: Staff | None


def line_manager_mediator(supervisor: Staff) -> Staff | None:
    """The supervisor's own line manager, if there is one who can mediate (not a party, same organisation)."""
    manager = supervisor.line_manager
    if manager is None or manager.organisation_id != supervisor.organisation_id or manager.id == supervisor.id:
        return None
    return manager


def escalate(disagreement_id: int, *, actor: audit.Actor) -> Escalation:
    """The supervisor asks their line manager to mediate; with no line manager, an admin is asked to name one."""
    disagreement = _for_supervisor(disagreement_id, actor)
    document = disagreement.document
    mediator = line_manager_mediator(document.supervisor)
    if mediator is not None and mediator.id == document.supervisee_id:
        mediator = None
    disagreement.escalate(mediator)
    if mediator is None:
        audit.record(db, "disagreement_escalated", actor, document.id, disagreement_id=disagreement.id,
                     mediator=None, note="the supervisor has no line manager on record; an admin must name one")
        for admin in _admins(document.organisation_id):
            subject, body = messages.needs_mediator(disagreement, admin, admin_mediator_url(disagreement.id))
            queue_email(db, to=admin.email, subject=subject, body=body, document_id=document.id)
    else:
        audit.record(db, "disagreement_escalated", actor, document.id, disagreement_id=disagreement.id,
                     mediator=mediator.email)
        _send_mediator_link(disagreement, mediator, actor)
    _tell(disagreement, [document.supervisor, document.supervisee],
          lambda person: messages.escalated(disagreement, person, disagreement_url(disagreement.id)))
    db.commit()
    return Escalation(disagreement, mediator)


def disagreement_in(organisation_id: int, disagreement_id: int) -> Disagreement:
    """One of an organisation's disagreements, for its admin; NotAllowed if there is none such."""
    disagreement = db.get(Disagreement, disagreement_id)
    if disagreement is None or disagreement.document.organisation_id != organisation_id:
        raise NotAllowed()
    return disagreement


def mediator_choices(disagreement: Disagreement) -> list[Staff]:
    """Who an admin may name as mediator: senior staff (supervisors) of the organisation, not the two parties."""
    document = disagreement.document
    rows = db.scalars(
        select(Staff).join(StaffRole).where(Staff.organisation_id == document.organisation_id,
                                            StaffRole.role == Role.SUPERVISOR).order_by(Staff.name)
    ).all()
    return [s for s in rows if s.id not in (document.supervisor_id, document.supervisee_id)]


def name_mediator(disagreement_id: int, mediator_id: int | None, *, actor: audit.Actor) -> Disagreement:
    """An admin names the senior manager who mediates (the policy's alternative to the line manager)."""
    user = user_of(actor)
    disagreement = db.get(Disagreement, disagreement_id, with_for_update=True, populate_existing=True)
    if disagreement is None or not user.has_role(Role.ADMIN) or \
            disagreement.document.organisation_id != user.organisation_id:
        raise NotAllowed()
    mediator = next((s for s in mediator_choices(disagreement) if s.id == mediator_id), None)
    if mediator is None:
        db.rollback()
        raise InvalidInput({"mediator": "Choose the senior manager who will mediate"})
    replaced = disagreement.mediator.email if disagreement.mediator else None
    disagreement.name_mediator(mediator)
    audit.record(db, "mediator_named", actor, disagreement.document_id, disagreement_id=disagreement.id,
                 mediator=mediator.email, replaced=replaced)
    _send_mediator_link(disagreement, mediator, actor)
    document = disagreement.document
    _tell(disagreement, [document.supervisor, document.supervisee],
          lambda person: messages.mediator_named(disagreement, person, disagreement_url(disagreement.id)))
    db.commit()
    return disagreement


def _send_mediator_link(disagreement: Disagreement, mediator: Staff, actor: audit.Actor) -> None:
    lifetime = current_app.config["LINK_LIFETIME"]
    link, token = issue_mediation_link(db, secret_key=current_app.config["SECRET_KEY"], disagreement=disagreement,
                                       mediator=mediator, lifetime=lifetime)
    url = mediation_url(disagreement.document_id, token)
    subject, body = messages.please_mediate(disagreement, mediator, url, link.expires_at)
    queue_email(db, to=mediator.email, subject=subject, body=body, document_id=disagreement.document_id)
    audit.record(db, "mediation_link_sent", actor, disagreement.document_id, disagreement_id=disagreement.id,
                 to=mediator.email, link_id=link.id, expires_at=link.expires_at.isoformat())


def _mediation_link(document_id: int, token: str, *, lock: bool = False) -> MediationLink:
    link = check_mediation_link(db, secret_key=current_app.config["SECRET_KEY"], token=token,
                                max_age=current_app.config["LINK_LIFETIME"], document_id=document_id, lock=lock)
    if link.disagreement.state is not DisagreementState.ESCALATED or link.disagreement.mediator_id != link.staff_id:
        raise LinkRefused("revoked")
    return link


@dataclasses.dataclass(frozen=True)
class MediationView:
    """What the mediator's page shows: their link (the disagreement and document) and the document to read."""

    link: MediationLink
    shown: ShownDocument | None


def open_for_mediation(document_id: int, token: str, actor: audit.Actor) -> MediationView:
    """Check the mediator's link and record that they opened the disagreement."""
    link = _mediation_link(document_id, token)
    document = link.document
    shown = shown_document(document.final_docx_sha256 or document.docx_sha256)
    audit.record(db, "viewed", _as_mediator(link, actor), document_id, role="mediator",
                 disagreement_id=link.disagreement_id, link_id=link.id, html_sha256=shown.sha256 if shown else None)
    db.commit()
    return MediationView(link, shown)


def mediation_pdf(document_id: int, token: str) -> bytes:
    """The document as the mediator sees it: the signed PDF once locked, else the version disagreed with."""
    link = _mediation_link(document_id, token)
    document = link.document
    # Once locked, the current copy: the sealed PDF with any annotations already sealed into it.
    sha256 = annotated_pdf.current_sha256(document) or document.pdf_sha256
    if sha256 is None:
        db.rollback()
        raise LinkRefused("revoked")
    data = blobs().get(sha256)
    db.rollback()
    return data


def record_outcome(document_id: int, token: str, *, text: str, actor: audit.Actor) -> Disagreement:
    """The mediator records the outcome from their emailed link; the link is then used up."""
    link = _mediation_link(document_id, token, lock=True)
    disagreement = db.get(Disagreement, link.disagreement_id, with_for_update=True, populate_existing=True)
    text = _clean(text)
    if not text:
        db.rollback()
        raise InvalidInput({"outcome": "Record the outcome of the mediation"})
    if len(text) > MAX_TEXT:
        db.rollback()
        raise InvalidInput({"outcome": f"Record the outcome in {MAX_TEXT} characters or fewer"})
    disagreement.mediate()  # refuses if it was resolved or re-assigned meanwhile
    link.used_at = disagreement.closed_at
    annotation = _annotate(link.document, disagreement, AnnotationKind.MEDIATION_OUTCOME, link.staff, "mediator", text)
    audit.record(db, "mediation_recorded", _as_mediator(link, actor), document_id, disagreement_id=disagreement.id,
                 annotation_id=annotation.id, link_id=link.id, text=text)
    _tell(disagreement, _involved(disagreement),
          lambda person: messages.mediated(disagreement, person, text, disagreement_url(disagreement.id)))
    db.commit()
    return disagreement


def add_note(disagreement_id: int, *, text: str, actor: audit.Actor) -> Annotation:
    """A party or the mediator adds a note to a disagreement: the only way to add to what was said."""
    user = user_of(actor)
    disagreement = db.get(Disagreement, disagreement_id)
    role = _role_in(disagreement, user) if disagreement is not None else None
    if role is None or not can_view(user, disagreement.document):
        raise NotAllowed()
    text = _clean(text)
    if not text:
        db.rollback()
        raise InvalidInput({"note": "Write your note"})
    if len(text) > MAX_TEXT:
        db.rollback()
        raise InvalidInput({"note": f"Write your note in {MAX_TEXT:,} characters or fewer"})
    annotation = _annotate(disagreement.document, disagreement, AnnotationKind.NOTE, user, role, text)
    audit.record(db, "annotation_added", actor, disagreement.document_id, disagreement_id=disagreement.id,
                 annotation_id=annotation.id, kind="note", text=text)
    others = [p for p in _involved(disagreement) if p.id != user.id]
    _tell(disagreement, others,
          lambda person: messages.note_added(disagreement, person, user, text, disagreement_url(disagreement.id)))
    db.commit()
    return annotation


def refuse_annotation_change(annotation_id: int, action: str, actor: audit.Actor) -> None:
    """Every attempt to edit or delete an annotation ends here: it is refused, and the attempt is audited."""
    annotation = db.get(Annotation, annotation_id)
    # Someone who cannot see the annotation learns nothing, not even that it exists.
    if annotation is None or not can_view(user_of(actor), annotation.document):
        raise NotAllowed()
    audit.record(db, "annotation_change_refused", actor, annotation.document_id,
                 annotation_id=annotation_id, attempted=action)
    db.commit()
    raise AnnotationChangeRefused(annotation_id=annotation_id)


def record_refused_change(error: AnnotationChangeRefused, actor: audit.Actor) -> None:
    """Audit a change the models refused (the failed transaction is rolled back first, then this commits)."""
    db.rollback()
    annotation = db.get(Annotation, error.annotation_id) if error.annotation_id else None
    audit.record(db, "annotation_change_refused", actor, annotation.document_id if annotation else None,
                 annotation_id=error.annotation_id, attempted="change", message=str(error))
    db.commit()


@dataclasses.dataclass(frozen=True)
class DisagreementView:
    """A disagreement as one person sees it: what they may do next, and who would mediate if it were escalated."""

    disagreement: Disagreement
    actions: frozenset[str]
    mediator: Staff | None
    sees_document: bool  # False for a mediator once it is closed: they keep only the disagreement they were sent
    may_add_note: bool


def view_for(disagreement_id: int, user: Staff) -> DisagreementView:
    """A disagreement for someone who may see its document, or for its mediator; NotAllowed otherwise."""
    disagreement = db.get(Disagreement, disagreement_id)
    if disagreement is None:
        raise NotAllowed()
    sees_document = can_view(user, disagreement.document)
    was_sent_it = (disagreement.mediator_id == user.id and disagreement.state is not DisagreementState.OPEN
                   and disagreement.document.organisation_id == user.organisation_id)
    if not (sees_document or was_sent_it):
        raise NotAllowed()
    manages = can_manage(user, disagreement.document)
    return DisagreementView(disagreement,
                            frozenset(DISAGREEMENT.allowed_actions(disagreement.state)) if manages else frozenset(),
                            line_manager_mediator(disagreement.document.supervisor), sees_document,
                            sees_document and _role_in(disagreement, user) is not None)


def _role_in(disagreement: Disagreement, user: Staff) -> str | None:
    party = disagreement.document.party_of(user.id)
    if party is not None:
        return party.value
    if disagreement.mediator_id == user.id and disagreement.state is DisagreementState.ESCALATED:
        return "mediator"  # until it is closed
    return None


def on_document(document: Document) -> list[Disagreement]:
    """Every disagreement raised on a document, on any version, oldest first."""
    return list(db.scalars(select(Disagreement).where(Disagreement.document_id == document.id)
                           .order_by(Disagreement.id)))


def raised_through_link(document: Document, party: Party) -> list[Disagreement]:
    """What a party has recorded against the version they are being asked to sign."""
    return [d for d in on_document(document) if d.party is party and d.content_version == document.content_version]


def signed_with_disagreement(document: Document) -> set[Party]:
    """The parties who signed the current version after recording a disagreement with it."""
    parties = set()
    for disagreement in on_document(document):
        signature = document.signature_of(disagreement.party)
        if (disagreement.content_version == document.content_version and signature is not None
                and as_utc(disagreement.raised_at) <= as_utc(signature.signed_at)):
            parties.add(disagreement.party)
    return parties


def open_for(user: Staff) -> list[Disagreement]:
    """Open or escalated disagreements for the home page: as a party, the supervisor's manager, or mediator."""
    managed = select(Staff.id).where(Staff.line_manager_id == user.id)
    rows = db.scalars(
        select(Disagreement).join(Document, Disagreement.document_id == Document.id).where(
            Disagreement.state.in_([DisagreementState.OPEN, DisagreementState.ESCALATED]),
            Document.organisation_id == user.organisation_id,
            # A line manager hears of their supervisors' disagreements, but not of those on the professional
            # supervision documents a supervisor writes as someone's professional supervisor (workflows/access.py).
            or_(Document.supervisor_id == user.id, Document.supervisee_id == user.id,
                and_(Document.supervisor_id.in_(managed), Document.kind.not_in(PROFESSIONAL_KINDS)),
                Disagreement.mediator_id == user.id),
        ).order_by(Disagreement.raised_at)
    ).all()
    return list(rows)


def awaiting_mediator(organisation_id: int) -> list[Disagreement]:
    """Escalated disagreements whose supervisor has no line manager, waiting for an admin to name one."""
    rows = db.scalars(
        select(Disagreement).join(Document, Disagreement.document_id == Document.id).where(
            Disagreement.state == DisagreementState.ESCALATED, Document.organisation_id == organisation_id)
        .order_by(Disagreement.escalated_at)
    ).all()
    return list(rows)


def _for_supervisor(disagreement_id: int, actor: audit.Actor) -> Disagreement:
    disagreement = db.get(Disagreement, disagreement_id, with_for_update=True, populate_existing=True)
    user = user_of(actor)
    if disagreement is None or user is None or not can_manage(user, disagreement.document):
        raise NotAllowed()
    return disagreement


def _revoke_links(disagreement: Disagreement, reason: str) -> None:
    for link in db.scalars(select(MediationLink).where(MediationLink.disagreement_id == disagreement.id)):
        link.revoke(reason)


def _admins(organisation_id: int) -> list[Staff]:
    return list(db.scalars(select(Staff).join(StaffRole).where(
        Staff.organisation_id == organisation_id, StaffRole.role == Role.ADMIN).order_by(Staff.name)))


def _as_mediator(link: MediationLink, actor: audit.Actor) -> audit.Actor:
    return audit.Actor(link.staff_id, link.email, actor.ip_address, actor.user_agent)
