"""The pages reached from an emailed link: a party reads and signs (or declines), a mediator records an outcome.

The token in the address is the permission. Each page's use case checks it; a refused link gets the same answer on
every page, and no page is cached or tells another site its address.
"""

from __future__ import annotations

import io

from flask import Blueprint, render_template, request, send_file, url_for
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput
from wtforms import BooleanField, HiddenField

from web import throttle
from web.auth import actor
from web.disagreements import DisagreementForm
from web.forms import NOT_DONE, Form, LongText, Text, show, submit
from workflows import copies as signed_copies
from workflows import disagreements, group_attendance, signing_round
from workflows.errors import LinkRefused

signing = Blueprint("signing", __name__, url_prefix="/sign")
mediation = Blueprint("mediation", __name__, url_prefix="/mediate")
copies = Blueprint("copies", __name__, url_prefix="/copy")

# What a refused link says depends on what it was for: signing, mediating, or a signed copy.
REFUSAL_PAGES = {"signing": "signing/refused.html", "mediation": "disagreements/refused.html",
                 "copies": "signing/copy_refused.html"}


@signing.after_request
@mediation.after_request
@copies.after_request
def _no_referrer(response):
    # The token is in the URL: never leak it to another site, and never cache the page.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


@signing.errorhandler(LinkRefused)
@mediation.errorhandler(LinkRefused)
@copies.errorhandler(LinkRefused)
def _refused(refusal: LinkRefused):
    # An expired link, or a document a leaver can no longer sign, is gone for good; any other refusal is forbidden.
    gone = refusal.reason in ("expired", "signer_left")
    return render_template(REFUSAL_PAGES[request.blueprint], refusal=refusal), 410 if gone else 403


def _pdf(data: bytes):
    return send_file(io.BytesIO(data), mimetype="application/pdf", download_name="document.pdf", max_age=0)


class Consent(BooleanField):
    """The consent checkbox: it counts only when ticked, which sends "yes"."""

    widget = GovCheckboxInput()

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = valuelist[:1] == ["yes"]

    def _value(self) -> str:
        return "yes"


class SignForm(Form):
    consent = Consent("I agree to sign electronically")
    typed_name = Text("Type your full name to sign", default="")
    # Only where the organisation asks signers to confirm who they are with an emailed code.
    code = Text("Code from the email", default="")
    # The fingerprint of the PDF the page showed: a party signs what they saw, or nothing.
    reviewed_sha256 = HiddenField(default="")

    def details(self) -> dict:
        """What the signing round checks and records."""
        return {"typed_name": self.typed_name.data, "consented": self.consent.data,
                "reviewed_sha256": self.reviewed_sha256.data}


class CodeForm(Form):
    """Asks for a one-time code to be emailed to the person the link was sent to."""


class DeclineForm(Form):
    reason = LongText("Why are you declining?", default="", max_length=signing_round.MAX_REASON)


class NotAttendedForm(Form):
    """An attendee of a group session says they were not there: recorded on the record, which they do not sign."""

    note = LongText("Anything to add (optional)", default="", max_length=group_attendance.MAX_NOTE,
                    description="For example: I was on annual leave that day. The facilitator is emailed this.")


class Decision(Form):
    """Which of the signing page's forms was sent (each says in `decision`), and whether a signature is confirmed."""

    class Meta:
        csrf = False  # it only reads which form was sent; that form checks the CSRF token

    decision = HiddenField()
    confirmed = HiddenField()

    @property
    def step(self) -> str:
        """disagree, decline, code, confirm (Sign pressed on the page) or sign (Confirm and sign pressed)."""
        if self.decision.data in ("disagree", "decline", "code", "absent"):
            return self.decision.data
        return "sign" if self.confirmed.data == "yes" else "confirm"


@signing.get("/<int:document_id>/<token>")
def review(document_id: int, token: str):
    """Show the document to be signed, the consent statement and the signature form."""
    return _signing_page(document_id, token)


@signing.get("/<int:document_id>/<token>/document.pdf")
def pdf(document_id: int, token: str):
    """The exact PDF whose fingerprint is recorded when the party signs."""
    return _pdf(signing_round.review_pdf(document_id, token))


@signing.post("/<int:document_id>/<token>", endpoint="submit")
@throttle.emailed_link_post
def decide(document_id: int, token: str):
    """Record a disagreement, decline (with a reason), or sign: check the typed name and consent, then confirm."""
    return STEPS[Decision().step](document_id, token)


def _disagree(document_id: int, token: str):
    form = DisagreementForm()
    view = submit(form, lambda: signing_round.record_disagreement(
        document_id, token, section=form.section.data, text=form.disagreement.data, actor=actor()))
    if view is NOT_DONE:
        return _signing_page(document_id, token, form)
    return _signing_page(document_id, token, view=view,
                         notice="Your disagreement has been recorded. You can now sign with it recorded, "
                                "or decline to sign.")


def _decline(document_id: int, token: str):
    form = DeclineForm()
    declined = submit(form, lambda: signing_round.decline_document(document_id, token, reason=form.reason.data,
                                                                   actor=actor()))
    if declined is NOT_DONE:
        return _signing_page(document_id, token, form)
    return render_template("signing/done.html", declined=True)


def _code(document_id: int, token: str):
    form = CodeForm()
    view = submit(form, lambda: signing_round.send_code(document_id, token, actor()))
    if view is NOT_DONE:
        return _signing_page(document_id, token, form)
    return _signing_page(document_id, token, view=view, notice_title="Code sent",
                         notice=f"We have emailed a code to {view.code_sent_to}. It works for 10 minutes.")


def _confirm(document_id: int, token: str):
    form = SignForm()
    view = submit(form, lambda: signing_round.check_signature(document_id, token, **form.details(),
                                                              code=form.code.data))
    if view is NOT_DONE:
        return _signing_page(document_id, token, form)
    return show("signing/confirm.html", form, view=view,
                action=url_for("signing.submit", document_id=document_id, token=token),
                back=url_for("signing.review", document_id=document_id, token=token))


def _sign(document_id: int, token: str):
    form = SignForm()
    outcome = submit(form, lambda: signing_round.sign_document(document_id, token, **form.details(), actor=actor()))
    if outcome is NOT_DONE:
        return _signing_page(document_id, token, form)
    return render_template("signing/done.html", declined=False, locked=outcome.locked, document=outcome.document,
                           with_disagreement=bool(outcome.disagreement_ids))


def _absent(document_id: int, token: str):
    form = NotAttendedForm()
    done = submit(form, lambda: group_attendance.not_attended_from_link(document_id, token, note=form.note.data or "",
                                                                        actor=actor()))
    if done is NOT_DONE:
        return _signing_page(document_id, token, form)
    return render_template("signing/done.html", declined=False, absent=True, document=done)


STEPS = {"disagree": _disagree, "decline": _decline, "code": _code, "confirm": _confirm, "sign": _sign,
         "absent": _absent}
SIGNING_PAGE_FORMS = {"sign_form": SignForm, "code_form": CodeForm, "disagree_form": DisagreementForm,
                      "decline_form": DeclineForm, "absent_form": NotAttendedForm}


def _signing_page(document_id: int, token: str, sent: Form | None = None, *,
                  view: signing_round.SigningView | None = None, notice: str | None = None,
                  notice_title: str = "Recorded"):
    # Three forms on one page: the one just sent comes back as it was, with its errors; the others start empty.
    view = view or signing_round.open_for_signing(document_id, token, actor())
    forms = {name: sent if isinstance(sent, kind) else kind(formdata=None) for name, kind in SIGNING_PAGE_FORMS.items()}
    forms["disagree_form"].offer(view.sections)
    return show("signing/review.html", sent, view=view, token=token, notice=notice, notice_title=notice_title,
                **forms)


class OutcomeForm(Form):
    outcome = LongText("What was agreed, or decided?", default="",
                       description="Both parties will be emailed this and it is added to the document's record. It "
                                   "cannot be changed afterwards, and this link then stops working.")


@mediation.route("/<int:document_id>/<token>", methods=["GET", "POST"], endpoint="review")
@throttle.emailed_link_post
def mediate(document_id: int, token: str):
    """The mediator's page from their emailed link: the document, the disagreement, and the outcome to record."""
    form = OutcomeForm()
    disagreement = submit(form, lambda: disagreements.record_outcome(document_id, token, text=form.outcome.data,
                                                                     actor=actor()))
    if disagreement is not NOT_DONE:
        return render_template("disagreements/mediated.html", disagreement=disagreement)
    view = disagreements.open_for_mediation(document_id, token, actor())
    return show("disagreements/mediate.html", form, view=view, token=token)


@mediation.get("/<int:document_id>/<token>/document.pdf", endpoint="pdf")
def mediation_pdf(document_id: int, token: str):
    """The document the disagreement is about."""
    return _pdf(disagreements.mediation_pdf(document_id, token))


class DownloadCopyForm(Form):
    """Downloading uses the link up, so it is a button (a mail scanner opening the link does not)."""


@copies.route("/<int:document_id>/<token>", methods=["GET", "POST"], endpoint="download")
@throttle.emailed_link_post
def copy(document_id: int, token: str):
    """A party's one-time link from the "signed by both" email: their signed copy, with no password."""
    form = DownloadCopyForm()
    got = submit(form, lambda: signed_copies.download_copy(document_id, token, actor()))
    if got is not NOT_DONE:
        return send_file(io.BytesIO(got.data), mimetype="application/pdf", as_attachment=True,
                         download_name=got.filename, max_age=0)
    return show("signing/copy.html", form, link=signed_copies.open_copy_link(document_id, token))
