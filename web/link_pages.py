"""The pages reached from an emailed link: a party reads and signs (or declines), a mediator records an outcome."""

from __future__ import annotations

import io

from flask import Blueprint, make_response, render_template, request, send_file

from web.auth import actor
from workflows import disagreements, signing_round
from workflows.errors import InvalidInput, LinkRefused

signing = Blueprint("signing", __name__, url_prefix="/sign")
mediation = Blueprint("mediation", __name__, url_prefix="/mediate")


@signing.after_request
@mediation.after_request
def _no_referrer(response):
    # The token is in the URL: never leak it to another site, and never cache the page.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


def _refused(refusal: LinkRefused):
    return make_response(render_template("signing/refused.html", refusal=refusal), 403 if refusal.reason != "expired" else 410)


@signing.get("/<int:document_id>/<token>")
def review(document_id: int, token: str):
    """Show the document to be signed, the consent statement and the signature form."""
    try:
        view = signing_round.open_for_signing(document_id, token, actor())
    except LinkRefused as refusal:
        return _refused(refusal)
    return _review_page(view, token, errors={}, form={})


def _review_page(view, token: str, *, errors: dict, form, notice: str | None = None):
    return render_template("signing/review.html", view=view, token=token, errors=errors, form=form, notice=notice,
                           sections=disagreements.sections(view.document),
                           recorded=disagreements.raised_through_link(view.document, view.party))


@signing.get("/<int:document_id>/<token>/document.pdf")
def pdf(document_id: int, token: str):
    """The exact PDF whose fingerprint is recorded when the party signs."""
    try:
        data = signing_round.review_pdf(document_id, token)
    except LinkRefused as refusal:
        return _refused(refusal)
    return send_file(io.BytesIO(data), mimetype="application/pdf", download_name="document.pdf", max_age=0)


@signing.post("/<int:document_id>/<token>")
def submit(document_id: int, token: str):
    """Decline (with a reason), or sign: check the typed name and consent, then confirm."""
    form = request.form
    try:
        if form.get("decision") == "disagree":
            disagreements.raise_by_link(document_id, token, section=form.get("section", ""),
                                        text=form.get("disagreement", ""), actor=actor())
            view = signing_round.open_for_signing(document_id, token, actor())
            return _review_page(view, token, errors={}, form={},
                                notice="Your disagreement has been recorded. You can now sign with it recorded, "
                                       "or decline to sign.")
        if form.get("decision") == "decline":
            signing_round.decline_document(document_id, token, reason=form.get("reason", ""), actor=actor())
            return render_template("signing/done.html", declined=True)
        details = {"typed_name": form.get("typed_name", ""), "consented": form.get("consent") == "yes",
                   "reviewed_sha256": form.get("reviewed_sha256", "")}
        if form.get("confirmed") != "yes":
            view = signing_round.check_signature(document_id, token, **details)
            return render_template("signing/confirm.html", view=view, token=token, form=form,
                                   recorded=disagreements.raised_through_link(view.document, view.party))
        outcome = signing_round.sign_document(
            document_id, token, **details, actor=actor())
    except LinkRefused as refusal:
        return _refused(refusal)
    except InvalidInput as invalid:
        view = signing_round.open_for_signing(document_id, token, actor())
        return _review_page(view, token, errors=invalid.errors, form=form), 400
    return render_template("signing/done.html", declined=False, locked=outcome.locked, document=outcome.document,
                           with_disagreement=bool(outcome.disagreement_ids))


def _mediation_refused(refusal: LinkRefused):
    return make_response(render_template("disagreements/refused.html", refusal=refusal),
                         403 if refusal.reason != "expired" else 410)


@mediation.get("/<int:document_id>/<token>", endpoint="review")
def mediation_review(document_id: int, token: str):
    """The mediator's page from their emailed link: the document, the disagreement, the outcome form."""
    try:
        link = disagreements.open_for_mediation(document_id, token, actor())
    except LinkRefused as refusal:
        return _mediation_refused(refusal)
    return render_template("disagreements/mediate.html", link=link, disagreement=link.disagreement,
                           document=link.document, token=token, errors={}, form={})


@mediation.get("/<int:document_id>/<token>/document.pdf", endpoint="pdf")
def mediation_pdf(document_id: int, token: str):
    """The document the disagreement is about."""
    try:
        data = disagreements.mediation_pdf(document_id, token)
    except LinkRefused as refusal:
        return _mediation_refused(refusal)
    return send_file(io.BytesIO(data), mimetype="application/pdf", download_name="document.pdf", max_age=0)


@mediation.post("/<int:document_id>/<token>")
def record(document_id: int, token: str):
    """Record the outcome of the mediation; the link is then used up."""
    try:
        disagreement = disagreements.record_outcome(document_id, token, text=request.form.get("outcome", ""),
                                                    actor=actor())
    except LinkRefused as refusal:
        return _mediation_refused(refusal)
    except InvalidInput as invalid:
        link = disagreements.open_for_mediation(document_id, token, actor())
        return render_template("disagreements/mediate.html", link=link, disagreement=link.disagreement,
                               document=link.document, token=token, errors=invalid.errors, form=request.form), 400
    return render_template("disagreements/mediated.html", disagreement=disagreement)
