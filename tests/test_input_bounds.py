"""Every box takes a stated most, refused with a message that says it; nothing too long is kept or emailed."""

from __future__ import annotations

import inspect

from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovTextArea, GovTextInput
from sqlalchemy import select
from wtforms.fields.core import UnboundField
from wtforms.validators import Length

from storage.models import Document, DocumentState, OutboxMessage, RecordDraft
from web.forms import Form

HUGE = "x" * 100_000


def _all_forms() -> list[type[Form]]:
    found, pending = [], list(Form.__subclasses__())
    while pending:
        form = pending.pop()
        found.append(form)
        pending.extend(form.__subclasses__())
    return found


def test_every_text_box_of_every_form_has_a_maximum(app):
    boxes, unbounded = 0, []
    for form in _all_forms():
        for name, unbound in inspect.getmembers(form, lambda member: isinstance(member, UnboundField)):
            # A box someone types into; parameters set by links (sort, page) are checked against a fixed list.
            if isinstance(unbound.kwargs.get("widget"), GovTextInput | GovTextArea | GovPasswordInput):
                boxes += 1
                validators = unbound.kwargs.get("validators") or []
                if not any(isinstance(v, Length) and v.max > 0 for v in validators):
                    unbounded.append(f"{form.__name__}.{name}")
    assert len(_all_forms()) > 20 and boxes > 20
    assert unbounded == []


def test_a_long_decline_reason_is_refused_with_its_limit_and_nothing_is_emailed(client, people, make_agreement,
                                                                                signing_link, db):
    document_id = make_agreement()
    path = signing_link(people.supervisee)
    before = db.scalar(select(OutboxMessage.id).order_by(OutboxMessage.id.desc()).limit(1))
    response = client.post(path, data={"decision": "decline", "reason": HUGE})
    assert response.status_code == 400
    assert "Enter 2,000 characters or fewer in “Why are you declining?”" in response.get_data(as_text=True)
    db.expire_all()
    assert db.get(Document, document_id).state is DocumentState.OUT_FOR_SIGNATURE
    assert db.scalar(select(OutboxMessage.id).order_by(OutboxMessage.id.desc()).limit(1)) == before
    assert client.post(path, data={"decision": "decline", "reason": "y" * 2000}).status_code == 200
    db.expire_all()
    assert db.get(Document, document_id).state is DocumentState.DECLINED


def test_a_long_void_reason_is_refused_with_its_limit(client, people, make_agreement, login, db):
    document_id = make_agreement()
    login(client, people.supervisor)
    response = client.post(f"/documents/{document_id}/void", data={"reason": HUGE})
    assert response.status_code == 400 and "2,000 characters or fewer" in response.get_data(as_text=True)
    db.expire_all()
    assert db.get(Document, document_id).state is DocumentState.OUT_FOR_SIGNATURE


def test_the_page_states_the_maximum_of_a_long_box(client, people, make_agreement, login):
    document_id = make_agreement()
    login(client, people.supervisor)
    assert "You can enter up to 2,000 characters." in client.get(f"/documents/{document_id}/void").get_data(as_text=True)


def test_a_long_disagreement_note_is_refused(client, people, locked_with_disagreement, login, db):
    _document_id, disagreement_id = locked_with_disagreement
    login(client, people.supervisee)
    response = client.post(f"/disagreements/{disagreement_id}/notes", data={"note": HUGE})
    assert response.status_code == 400 and "5,000 characters or fewer" in response.get_data(as_text=True)


def test_autosave_refuses_a_field_beyond_its_maximum_and_says_which(client, people, login, db):
    login(client, people.supervisor)
    draft_id = int(client.post("/records/new", data={"supervisee": people.supervisee.id})
                   .headers["Location"].rsplit("/", 1)[1])
    refused = client.post(f"/records/drafts/{draft_id}/autosave",
                          data={"wellbeing": "x" * 200_000, "team_actions-0-what": "fine"})
    assert refused.status_code == 400
    (message,) = refused.get_json()["errors"]
    assert "10,000 characters or fewer" in message
    db.expire_all()
    assert "wellbeing" not in db.get(RecordDraft, draft_id).form
    saved = client.post(f"/records/drafts/{draft_id}/autosave", data={"wellbeing": "x" * 10_000})
    assert saved.status_code == 200
    db.expire_all()
    assert len(db.get(RecordDraft, draft_id).form["wellbeing"]) == 10_000


def test_saving_a_record_draft_with_a_long_row_says_what_to_shorten(client, people, login):
    login(client, people.supervisor)
    draft_id = int(client.post("/records/new", data={"supervisee": people.supervisee.id})
                   .headers["Location"].rsplit("/", 1)[1])
    response = client.post(f"/records/drafts/{draft_id}", data={"action": "save", "team_actions-0-what": "w" * 600})
    assert response.status_code == 400 and "500 characters or fewer" in response.get_data(as_text=True)


def test_an_id_too_big_for_the_database_or_in_other_digits_is_not_found(client, people, login):
    login(client, people.supervisor)
    for path in ("/documents/9999999999999999999999999", "/documents/2147483648", "/documents/%D9%A3",
                 "/records/drafts/99999999999999999999/autosave"):
        assert client.get(path).status_code in (404, 405), path
    assert client.post("/records/drafts/99999999999999999999/autosave").status_code == 404
    assert client.get("/records/new?supervisee=%C2%B2").status_code == 200
    assert client.get("/agreements/new?supervisee=99999999999999999999").status_code == 200
