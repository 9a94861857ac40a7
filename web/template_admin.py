"""The admin's template pages: each template of the organisation's pack, its versions, and uploading a new one."""

from __future__ import annotations

import dataclasses
import io

from flask import Blueprint, abort, flash, g, redirect, render_template, send_file, session, url_for

from storage.models import Role
from web.auth import actor, role_required
from web.forms import NOT_DONE, Form, Upload, show, submit
from workflows import templates
from workflows.errors import InvalidInput

bp = Blueprint("template_admin", __name__, url_prefix="/admin/templates")
# The session's key for an upload checked and waiting to be previewed and published.
CANDIDATE = "template_candidate"


class TemplateForm(Form):
    template = Upload("The new template (.docx)", "Choose the .docx file of the new template.")


@bp.get("/")
@role_required(Role.ADMIN)
def index():
    """My organisation's templates and every version of each."""
    pack = templates.pack_schemas(g.user.organisation.template_pack)
    return render_template("admin/templates.html", pack=[(s, templates.versions(s.key)) for s in pack], form=None,
                           restore=Form())


@bp.route("/<path:template_key>/upload", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def upload(template_key: str):
    """Upload a new version of one template; it is checked, then previewed before it is published."""
    schema = templates.schema_in(g.user.organisation.template_pack, template_key)
    form = TemplateForm()
    sent = form.template.data
    candidate = submit(form, lambda: templates.check_candidate(schema.key, sent.filename, sent.read(), actor()))
    if candidate is NOT_DONE:
        return show("admin/template_upload.html", form, schema=schema, variables=sorted(schema.variables))
    session[CANDIDATE] = dataclasses.asdict(candidate)
    return redirect(url_for("template_admin.preview", template_key=schema.key))


def _candidate(template_key: str) -> templates.Candidate:
    """The upload waiting in this session to be previewed and published; none, and the upload page is next."""
    kept = session.get(CANDIDATE) or {}
    if kept.get("template_key") != template_key:
        abort(redirect(url_for("template_admin.upload", template_key=template_key)))
    return templates.Candidate(**kept)


@bp.route("/<path:template_key>/preview", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def preview(template_key: str):
    """Check the preview of an uploaded version, then publish it for new documents."""
    schema = templates.schema_in(g.user.organisation.template_pack, template_key)
    candidate = _candidate(schema.key)
    form = Form()
    row = submit(form, lambda: templates.publish_version(candidate, actor()))
    if row is NOT_DONE:
        return show("admin/template_preview.html", form, schema=schema, candidate=candidate)
    session.pop(CANDIDATE, None)
    flash(f"Version {row.version} of the {schema.title.lower()} is now used for new documents. "
          "Documents already written keep the version they were made from.", "success")
    return redirect(url_for("template_admin.index"))


@bp.get("/<path:template_key>/preview.pdf")
@role_required(Role.ADMIN)
def preview_pdf(template_key: str):
    """The uploaded version filled in with sample values, as a PDF."""
    schema = templates.schema_in(g.user.organisation.template_pack, template_key)
    candidate = _candidate(schema.key)
    try:
        pdf = templates.preview_pdf(candidate, actor())
    except InvalidInput as problem:
        flash(" ".join(problem.errors.values()))
        return redirect(url_for("template_admin.preview", template_key=schema.key))
    return send_file(io.BytesIO(pdf), mimetype="application/pdf", download_name=f"preview-{candidate.filename}.pdf")


@bp.post("/<path:template_key>/preview/cancel")
@role_required(Role.ADMIN)
def cancel_preview(template_key: str):
    """Leave an uploaded version unpublished."""
    schema = templates.schema_in(g.user.organisation.template_pack, template_key)
    if submit(Form(), lambda: session.pop(CANDIDATE, None)) is not NOT_DONE:
        flash(f"The uploaded version of the {schema.title.lower()} was not published.", "success")
    return redirect(url_for("template_admin.index"))


@bp.post("/<path:template_key>/versions/<int:version>/restore")
@role_required(Role.ADMIN)
def restore(template_key: str, version: int):
    """Use an earlier version of one template again for new documents."""
    schema = templates.schema_in(g.user.organisation.template_pack, template_key)
    form = Form()
    row = submit(form, lambda: templates.restore_version(schema.key, version, actor()))
    if row is NOT_DONE:
        flash(" ".join(message for messages in form.errors.values() for message in messages)
              or "Nothing was changed. Try again from this page.")
    else:
        flash(f"Version {version} of the {schema.title.lower()} is in use again, as version {row.version}. "
              "Documents already written keep the version they were made from.", "success")
    return redirect(url_for("template_admin.index"))
