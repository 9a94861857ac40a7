"""The admin's template pages: each template of the organisation's pack, its versions, and uploading a new one."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, url_for

from storage.models import Role
from web.auth import actor, role_required
from web.forms import NOT_DONE, Form, Upload, show, submit
from workflows import templates

bp = Blueprint("template_admin", __name__, url_prefix="/admin/templates")


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
    """Upload a new version of one template; it is checked before anything is kept."""
    schema = templates.schema_in(g.user.organisation.template_pack, template_key)
    form = TemplateForm()
    sent = form.template.data
    row = submit(form, lambda: templates.upload_version(schema.key, sent.filename, sent.read(), actor()))
    if row is NOT_DONE:
        return show("admin/template_upload.html", form, schema=schema, variables=sorted(schema.variables))
    flash(f"Version {row.version} of the {schema.title.lower()} is now used for new documents. "
          "Documents already written keep the version they were made from.", "success")
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
