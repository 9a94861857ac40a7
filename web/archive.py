"""HR's archive pages: search every document, and export everything held on one person."""

from __future__ import annotations

from flask import Blueprint, abort, g, render_template, request, send_file, url_for
from sqlalchemy import select

from storage.db import session as db
from storage.models import Document, Staff
from storage.states import DocumentState
from storage.times import parse_date
from web.auth import actor, login_required
from workflows import archive
from workflows.access import can_search_archive
from workflows.errors import NotAllowed

bp = Blueprint("archive", __name__)


def _hr_only() -> None:
    if not can_search_archive(g.user):
        abort(404)


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@bp.get("/archive")
@login_required
def search():
    """Search the organisation's documents by person, supervisor, type, status and date, paged and sorted."""
    _hr_only()
    args = request.args
    errors: dict[str, str] = {}
    dates = {}
    for name, label in (("from", "'from' date"), ("to", "'to' date")):
        raw = args.get(name, "").strip()
        dates[name], error = parse_date(raw, label) if raw else (None, None)
        if error:
            errors[name] = error
    if dates["from"] and dates["to"] and dates["to"] < dates["from"]:
        errors["to"] = "Enter a 'to' date the same as or after the 'from' date"
    state = args.get("status") if args.get("status") in {s.value for s in DocumentState} else None
    kind = args.get("type") if args.get("type") in Document.KIND_TITLES else None
    sort = args.get("sort") if args.get("sort") in archive.SORTS else "created"
    query = archive.Search(
        organisation_id=g.user.organisation_id, supervisee_id=_int(args.get("person")),
        supervisor_id=_int(args.get("supervisor")), kind=kind, state=DocumentState(state) if state else None,
        created_from=None if errors else dates["from"], created_to=None if errors else dates["to"],
        sort=sort, descending=args.get("order", "desc" if sort == "created" else "asc") == "desc",
        page=_int(args.get("page")) or 1,
    )
    results = archive.search(query)
    people = db.scalars(select(Staff).where(Staff.organisation_id == g.user.organisation_id).order_by(Staff.name)).all()
    person = next((p for p in people if p.id == query.supervisee_id), None)
    kept = {k: v for k, v in args.items() if k not in ("page", "sort", "order") and v}
    kept.update(sort=query.sort, order="desc" if query.descending else "asc", page=str(query.page))

    def link(**changes) -> str:
        """This search's address with some parameters changed (None drops one)."""
        merged = {k: v for k, v in {**kept, **changes}.items() if v is not None}
        return url_for("archive.search", **merged)
    return render_template("archive/search.html", query=query, results=results, people=people, person=person,
                           link=link, args=args, errors=errors, sort_labels=archive.SORT_LABELS,
                           states=list(DocumentState), kinds=Document.KIND_TITLES), 400 if errors else 200


@bp.post("/archive/people/<int:person_id>/export")
@login_required
def export(person_id: int):
    """Download everything held on one person as one ZIP (for a subject access request or a transfer)."""
    _hr_only()
    try:
        made = archive.export_person(person_id, actor())
    except NotAllowed:
        abort(404)
    response = send_file(made.file, mimetype="application/zip", as_attachment=True, download_name=made.filename,
                         max_age=0)
    response.call_on_close(made.file.close)
    return response
