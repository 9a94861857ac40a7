"""Making a new draft document of any kind from its pack's template: the step every "write a …" use case shares."""

from __future__ import annotations

from typing import Any

from doc_templates import pack_schema
from storage import audit
from storage.db import session as db
from storage.models import Document, DocumentState, Staff
from workflows.errors import InvalidInput
from workflows.renditions import prepare_draft
from workflows.templates import current_version


def draft_document(kind: str, author: Staff, supervisee: Staff, form: dict[str, str], actor: audit.Actor, *,
                   errors: dict[str, str] | None = None, extra: dict[str, Any] | None = None) -> Document:
    """Check the form against the organisation's template for this kind, then add the draft and render its Word
    file (the caller commits). `errors` are the caller's own findings, shown with the form's; `extra` is kept in
    the document's data beside what was typed."""
    schema = pack_schema(author.organisation.template_pack, kind)
    values, problems = schema.validate(form)
    problems = {**(errors or {}), **problems}
    if problems:
        raise InvalidInput(problems)
    document = Document(organisation_id=author.organisation_id, kind=kind, template_key=schema.key,
                        template_version=current_version(schema.key), supervisor=author, supervisee=supervisee,
                        created_by_id=author.id, data={**values, **(extra or {})}, state=DocumentState.DRAFT)
    db.add(document)
    db.flush()
    audit.record(db, "created", actor, document.id, template=schema.key, template_version=document.template_version)
    prepare_draft(document, actor)
    return document
