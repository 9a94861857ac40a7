"""Checking a signed PDF: anyone holding one may upload it, signed in or not."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from workflows.verification import SealNotConfigured, check_pdf

bp = Blueprint("verify", __name__)


@bp.route("/verify", methods=["GET", "POST"])
def verify():
    """Upload a PDF and learn whether this organisation sealed it, whether it changed, and which document it is."""
    if request.method == "GET":
        return render_template("verify/verify.html", errors={}, result=None)
    upload = request.files.get("file")
    data = upload.read() if upload else b""
    if not data:
        return render_template("verify/verify.html", result=None,
                               errors={"file": "Choose the PDF file you want to check"}), 400
    if not data.lstrip()[:5].startswith(b"%PDF-"):
        return render_template("verify/verify.html", result=None,
                               errors={"file": "The file must be a PDF: choose the signed PDF you downloaded"}), 400
    try:
        result = check_pdf(data)
    except SealNotConfigured as error:
        return render_template("verify/verify.html", result=None, errors={},
                               unavailable=str(error)), 503
    return render_template("verify/verify.html", errors={}, result=result, filename=upload.filename or "the file")
