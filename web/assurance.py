"""Assurance for the council: supervision figures by service and team, on the page and as CSV."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, g, render_template

from storage.models import Role
from web.auth import role_required
from workflows import assurance

bp = Blueprint("assurance", __name__)


@bp.get("/assurance")
@role_required(Role.HR)
def page():
    """The year's figures by service and team, with bars for the shares."""
    today = dt.date.today()
    return render_template("assurance/page.html", teams=assurance.report(g.user.organisation_id, today), today=today)


@bp.get("/assurance.csv")
@role_required(Role.HR)
def export():
    """The same figures as a CSV file."""
    today = dt.date.today()
    return Response(assurance.report_csv(g.user.organisation_id, today), mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename=supervision-assurance-{today.isoformat()}.csv"})
