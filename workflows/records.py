"""The supervisor's use cases for a supervision record: start one, save as they type, finish it, change it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from doc_templates import get_schema, pack_schema
from doc_templates.schema import COLUMN_LIMITS, MAX_ROWS, ROW_COLUMNS, TemplateSchema
from storage import audit
from storage.db import session as db
from storage.models import Document, DocumentState, Organisation, RecordDraft, Role, Staff, utcnow
from storage.states import DOCUMENT
from workflows import agenda, cover, sessions
from workflows.access import can_manage, user_of
from workflows.errors import InvalidInput, NotAllowed
from workflows.renditions import prepare_draft
from workflows.teams import can_write_for
from workflows.templates import current_version


def record_schema(organisation: Organisation) -> TemplateSchema:
    """The record template of an organisation's pack."""
    return pack_schema(organisation.template_pack, "record")


def last_record(supervisee_id: int, *, excluding: int | None = None) -> Document | None:
    """The supervisee's most recent signed record: the one whose actions the next record reviews."""
    query = (select(Document).where(Document.supervisee_id == supervisee_id, Document.kind == "record",
                                    Document.state == DocumentState.LOCKED)
             .order_by(Document.locked_at.desc(), Document.id.desc()))
    if excluding is not None:
        query = query.where(Document.id != excluding)
    return db.scalars(query.limit(1)).first()


def agreed_actions(document: Document) -> list[dict]:
    """A record's open actions: the ones agreed in it and the ones it carried on from the record before."""
    schema = get_schema(document.template_key)
    rows = [row for row in document.data.get("action_review") or [] if row.get("outcome") == "carried"]
    for f in schema.fields:
        if f.kind == "actions":
            rows.extend(document.data.get(f.name) or [])
    return [{"what": r["what"], "who": r["who"], "by_when": r["by_when"]} for r in rows][:MAX_ROWS]


def start_record(supervisor_id: int, supervisee_id: int | None, actor: audit.Actor) -> RecordDraft:
    """Open a record for a supervisee (or carry on with the one not yet finished), with last time's actions."""
    supervisor = db.get(Staff, supervisor_id)
    supervisee = db.get(Staff, supervisee_id) if supervisee_id else None
    if supervisor is None or supervisee is None or not _may_write(supervisor, supervisee):
        raise InvalidInput({"supervisee": "Choose one of your supervisees"})
    unfinished = db.scalars(select(RecordDraft).where(
        RecordDraft.supervisor_id == supervisor.id, RecordDraft.supervisee_id == supervisee.id,
        RecordDraft.document_id.is_(None))).first()
    if unfinished is not None:
        db.rollback()
        return unfinished
    schema = record_schema(supervisor.organisation)
    form = {f.name: f.default for f in schema.fields if f.default and not f.is_rows}
    form["supervision_date"] = dt.date.today().isoformat()
    previous = last_record(supervisee.id)
    for index, action in enumerate(agreed_actions(previous) if previous else []):
        for col in ("what", "who", "by_when"):
            form[f"action_review-{index}-{col}"] = action[col]
    draft = RecordDraft(organisation_id=supervisor.organisation_id, supervisor_id=supervisor.id,
                        supervisee_id=supervisee.id, template_key=schema.key, form=form)
    db.add(draft)
    db.flush()
    form = dict(form)
    agenda_items = agenda.take_into(draft, form)
    draft.form = form
    audit.record(db, "record_started", actor, None, draft=draft.id, supervisee=supervisee.id,
                 reviewing=previous.reference if previous else None, agenda_items=agenda_items)
    db.commit()
    return draft


def change_record(document_id: int, actor: audit.Actor) -> RecordDraft:
    """Open a draft record's form again, from what was saved, to change it before it is sent."""
    document = db.get(Document, document_id)
    user = user_of(actor)
    if document is None or document.kind != "record" or user is None or not can_manage(user, document):
        raise NotAllowed()
    DOCUMENT.check("edit", document.state, DocumentState.DRAFT)
    draft = db.scalars(select(RecordDraft).where(RecordDraft.document_id == document.id)).first()
    if draft is None:
        schema = get_schema(document.template_key)
        draft = RecordDraft(organisation_id=document.organisation_id, supervisor_id=document.supervisor_id,
                            supervisee_id=document.supervisee_id, document_id=document.id,
                            template_key=schema.key, form=schema.form_values(document.data))
        db.add(draft)
    db.commit()
    return draft


def my_draft(draft_id: int, user_id: int) -> RecordDraft:
    """A record draft its supervisor may open; anyone else is refused."""
    draft = db.get(RecordDraft, draft_id)
    if draft is None or draft.supervisor_id != user_id:
        raise NotAllowed()
    return draft


def unfinished_records(supervisor_id: int) -> list[RecordDraft]:
    """The records this supervisor has started and not yet finished (a draft record being changed is not one)."""
    return list(db.scalars(select(RecordDraft).where(RecordDraft.supervisor_id == supervisor_id,
                                                     RecordDraft.document_id.is_(None))))


def save_draft(draft_id: int, form: dict[str, str], actor: audit.Actor) -> RecordDraft:
    """Keep what has been typed so far, checked or not, so nothing is lost if the browser closes."""
    draft = _writable(draft_id, actor)
    draft.form = _kept(get_schema(draft.template_key), form)
    draft.saved_at = utcnow()
    # Not audited: the form saves every few seconds while the supervisor types; finishing the record is.
    db.commit()
    return draft


def finish_record(draft_id: int, form: dict[str, str], actor: audit.Actor) -> Document:
    """Check the form and make (or update) the draft record document from it, ready to preview and send."""
    draft = _writable(draft_id, actor)
    schema = get_schema(draft.template_key)
    draft.form, draft.saved_at = _kept(schema, form), utcnow()
    values, errors = schema.validate(form)
    errors = {**sessions.question_session(schema.pack, values), **errors}
    supervisor, supervisee = draft.supervisor, draft.supervisee
    if draft.document_id is None and not _may_write(supervisor, supervisee):
        errors = {"supervisee": f"{supervisee.name} is no longer your supervisee", **errors}
    if errors:
        db.commit()  # what was typed is kept even though it cannot be finished yet
        raise InvalidInput(errors)
    if draft.document_id is not None:
        document = db.get(Document, draft.document_id, with_for_update=True, populate_existing=True)
        document.edit(values)
        audit.record(db, "edited", actor, document.id)
    else:
        document = Document(organisation_id=draft.organisation_id, kind="record", template_key=schema.key,
                            template_version=current_version(schema.key), supervisor=supervisor,
                            supervisee=supervisee, created_by_id=supervisor.id, data=values,
                            state=DocumentState.DRAFT)
        db.add(document)
        db.flush()
        audit.record(db, "created", actor, document.id, template=schema.key,
                     template_version=document.template_version)
    prepare_draft(document, actor)
    db.delete(draft)
    db.commit()
    return document


def discard_draft(draft_id: int, actor: audit.Actor) -> None:
    """Throw away an unfinished record the supervisor no longer wants (a record already made is untouched)."""
    draft = _writable(draft_id, actor)
    audit.record(db, "record_draft_discarded", actor, draft.document_id, draft=draft.id,
                 supervisee=draft.supervisee_id)
    agenda.release(draft.id)
    db.delete(draft)
    db.commit()


def _may_write(supervisor: Staff, supervisee: Staff) -> bool:
    """Their supervisor writes a supervisee's records, and so does whoever covers for that supervisor today."""
    return can_write_for(supervisor, supervisee) or (
        supervisor.has_role(Role.SUPERVISOR) and supervisor.organisation_id == supervisee.organisation_id
        and cover.is_covering(supervisor.id, supervisee.id))


def _writable(draft_id: int, actor: audit.Actor) -> RecordDraft:
    draft = db.get(RecordDraft, draft_id, with_for_update=True, populate_existing=True)
    if draft is None or draft.supervisor_id != actor.staff_id:
        raise NotAllowed()
    if draft.document_id is not None and draft.document.state is not DocumentState.DRAFT:
        DOCUMENT.check("edit", draft.document.state, DocumentState.DRAFT)
    return draft


def _kept(schema: TemplateSchema, form: dict[str, str]) -> dict[str, str]:
    """The form's own inputs, and nothing else a request might carry; InvalidInput, saving nothing, if one is too long."""
    limits: dict[str, tuple[int, str, str]] = {}  # input's name: (most characters, field, words for the message)
    for f in schema.fields:
        if f.is_rows:
            for i in range(MAX_ROWS):
                for col in ROW_COLUMNS[f.kind]:
                    limits[f"{f.name}-{i}-{col}"] = (COLUMN_LIMITS[col], f.name, f"{f.label}, row {i + 1}, {col}")
        else:
            limits[f.name] = (f.limit, f.name, f.label)
    kept, errors = {}, {}
    for key, value in form.items():
        if key not in limits or not value:
            continue
        most, field, words = limits[key]
        if len(str(value)) > most:
            errors.setdefault(field, f"Enter {most:,} characters or fewer in “{words.replace('_', ' ')}”")
        kept[key] = str(value)
    if errors:
        db.rollback()
        raise InvalidInput(errors)
    return kept
