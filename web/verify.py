"""Checking a signed PDF: anyone holding one may upload it, signed in or not."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template

from web import throttle
from web.forms import NOT_DONE, Form, Upload, show, submit
from workflows.verification import NoDevelopmentCa, SealNotConfigured, check_upload, development_revocation_list

bp = Blueprint("verify", __name__)


class VerifyForm(Form):
    file = Upload("Upload a PDF file", "Choose the PDF file you want to check")


@bp.route("/verify", methods=["GET", "POST"])
@throttle.verify_upload
def verify():
    """Upload a PDF and learn whether this organisation sealed it, whether it changed, and which document it is."""
    form = VerifyForm()
    result = submit(form, lambda: check_upload(form.file.data.read()))
    if result is NOT_DONE:
        return show("verify/verify.html", form)
    return show("verify/verify.html", form, result=result, filename=form.file.data.filename or "the file")


@bp.route("/pki/dev-ca.crl")
def development_crl():
    """The development CA's revocation list, at the address its certificates name (404 with a real seal)."""
    try:
        crl = development_revocation_list()
    except NoDevelopmentCa:
        abort(404)
    return Response(crl, mimetype="application/pkix-crl", headers={"Cache-Control": "max-age=3600"})


@bp.route("/pki/organisations/<int:organisation_id>/dev-ca.crl")
def organisation_development_crl(organisation_id: int):
    """A council's own development CA's revocation list (404 where it has none)."""
    try:
        crl = development_revocation_list(organisation_id)
    except NoDevelopmentCa:
        abort(404)
    return Response(crl, mimetype="application/pkix-crl", headers={"Cache-Control": "max-age=3600"})


@bp.errorhandler(SealNotConfigured)
def unavailable(error: SealNotConfigured):
    """Checking needs the organisation's certificate; say so rather than fail."""
    return render_template("verify/verify.html", form=VerifyForm(), unavailable=str(error)), 503
