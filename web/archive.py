"""HR's archive pages: search every document, and export everything held on one person."""

from __future__ import annotations

from flask import Blueprint, abort, g, request, send_file, url_for
from govuk_frontend_wtf.wtforms_widgets import GovSelect
from wtforms import SelectField, StringField

from storage.models import Document, Role, Staff
from storage.states import DocumentState
from web.auth import actor, login_required
from web.forms import DateInput, Form, PersonChoice, Text, show
from workflows import archive
from workflows.access import can_search_archive
from workflows.people import staff_of

bp = Blueprint("archive", __name__)


def _any_of(label: str, options: dict[str, str], **kwargs) -> SelectField:
    """A filter to narrow the search by; a value that is not offered is simply no filter."""
    return SelectField(label, choices={"": "Any", **options}, widget=GovSelect(), validate_choice=False, **kwargs)


class SearchForm(Form):
    """The archive's filters, read from the address so a search can be bookmarked, shared and paged.

    The field names are the use case's; the names in the address are the ones links already carry.
    """

    typed = Text("Reference or name", max_length=archive.MAX_TYPED, name="q",
                 description="A reference such as AGR-000012, or part of a supervisee's or supervisor's name")
    supervisee_id = PersonChoice("Supervisee", prompt="Anyone", name="person")
    supervisor_id = PersonChoice("Supervisor", prompt="Anyone", name="supervisor")
    kind = _any_of("Type", Document.KIND_TITLES, name="type")
    status = _any_of("Status", {state.value: state.label for state in DocumentState})
    created_from = DateInput("Created from (optional)", name="from")
    created_to = DateInput("Created to (optional)", name="to")
    # Set by the column headings and page links, never typed: a new search starts from the first page.
    sort = StringField()
    order = StringField()
    page = StringField()

    def offer(self, everyone: list[Staff]) -> None:
        """Everyone as a supervisee to search for; only supervisors as a supervisor."""
        self.supervisee_id.offer((p.id, p.name) for p in everyone)
        self.supervisor_id.offer((p.id, p.name) for p in everyone if p.has_role(Role.SUPERVISOR))

    def link(self, query: archive.Search, **changes) -> str:
        """This search's address with the sort, order or page changed (None leaves one out)."""
        kept = {field.name: field.raw_data for field in self if any(field.raw_data or ())}
        place = {"sort": query.sort, "order": "desc" if query.descending else "asc", "page": query.page}
        wanted = {name: value for name, value in {**kept, **place, **changes}.items() if value is not None}
        return url_for("archive.search", **wanted)


def _hr_only() -> None:
    if not can_search_archive(g.user):
        abort(404)


@bp.get("/archive")
@login_required
def search():
    """Search the organisation's documents by person, supervisor, type, status and date, paged and sorted."""
    _hr_only()
    form = SearchForm(formdata=request.args, meta={"csrf": False})
    everyone = staff_of(g.user.organisation_id)
    form.offer(everyone)
    query, problems = archive.search_for(g.user.organisation_id, **form.data)
    form.add_errors(problems)
    person = next((p for p in everyone if p.id == query.supervisee_id), None)
    return show("archive/search.html", form, query=query, results=archive.search(query), person=person,
                export=Form(), sort_labels=archive.SORT_LABELS)


@bp.post("/archive/people/<int:person_id>/export")
@login_required
def export(person_id: int):
    """Download everything held on one person as one ZIP (for a subject access request or a transfer)."""
    _hr_only()
    made = archive.export_person(person_id, actor())
    response = send_file(made.file, mimetype="application/zip", as_attachment=True, download_name=made.filename,
                         max_age=0)
    response.call_on_close(made.file.close)
    return response
