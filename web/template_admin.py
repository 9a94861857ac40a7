"""The admin's template pages: each template of the organisation's pack, its versions, and uploading a new one."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from storage.models import Role
from web.auth import actor, role_required
from workflows import templates
from workflows.errors import NotAllowed

bp = Blueprint("template_admin", __name__, url_prefix="/admin/templates")


@bp.get("/")
@role_required(Role.ADMIN)
def index():
    """My organisation's templates and every version of each."""
    pack = templates.pack_schemas(g.user.organisation.template_pack)
    return render_template("admin/templates.html", pack=[(s, templates.versions(s.key)) for s in pack])


@bp.route("/<path:template_key>/upload", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def upload(template_key: str):
    """Upload a new version of one template; it is checked before anything is kept."""
    schema = next((s for s in templates.pack_schemas(g.user.organisation.template_pack) if s.key == template_key), None)
    if schema is None:
        abort(404)
    problems = []
    if request.method == "POST":
        sent = request.files.get("template")
        try:
            if sent is None or not sent.filename:
                raise templates.TemplateRefused(["Choose the .docx file of the new template."])
            row = templates.upload_version(template_key, sent.filename, sent.read(), actor())
        except templates.TemplateRefused as refused:
            problems = refused.problems
        except NotAllowed:
            abort(404)
        else:
            flash(f"Version {row.version} of the {schema.title.lower()} is now used for new documents. "
                  "Documents already written keep the version they were made from.", "success")
            return redirect(url_for("template_admin.index"))
    return render_template("admin/template_upload.html", schema=schema, problems=problems,
                           variables=sorted(schema.variables)), 400 if problems else 200
