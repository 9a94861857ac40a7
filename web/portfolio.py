"""The supervisee's portfolio: their own signed documents, as one PDF or a ZIP of the sealed originals."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, g, render_template

from storage.models import Role
from web.auth import actor, role_required
from workflows import portfolio, reflections

bp = Blueprint("portfolio", __name__)


@bp.get("/portfolio")
@role_required(Role.SUPERVISEE)
def page():
    """My signed documents, and the two ways to download them."""
    return render_template("portfolio/page.html", documents=portfolio.signed_documents(g.user.id),
                           reflections=reflections.reflections_of(g.user.id, in_portfolio=True))


@bp.get("/portfolio.pdf")
@role_required(Role.SUPERVISEE)
def as_pdf():
    """One PDF: a contents page, then each signed document."""
    return _download(portfolio.portfolio_pdf(g.user.id, actor()), "pdf", "application/pdf")


@bp.get("/portfolio.zip")
@role_required(Role.SUPERVISEE)
def as_zip():
    """A ZIP of the sealed originals, each verifiable on its own."""
    return _download(portfolio.portfolio_zip(g.user.id, actor()), "zip", "application/zip")


def _download(data: bytes, extension: str, mimetype: str) -> Response:
    name = f"supervision-portfolio-{dt.date.today().isoformat()}.{extension}"
    return Response(data, mimetype=mimetype, headers={"Content-Disposition": f"attachment; filename={name}"})
