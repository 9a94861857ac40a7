"""The web side: blueprints, CSRF, GOV.UK templates and forms, the signed-in user and friendly error pages."""

from __future__ import annotations

import pathlib

from flask import Flask, render_template, send_from_directory
from flask_wtf.csrf import CSRFError, CSRFProtect
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from werkzeug.middleware.proxy_fix import ProxyFix

from signing.evidence import short_fingerprint
from storage.db import NotMigrated
from storage.models import Role
from storage.states import IllegalMove
from storage.times import uk_date, uk_time
from web import (
    account,
    admin,
    archive,
    auth,
    devmail,
    disagreements,
    documents,
    headers,
    idle,
    link_pages,
    records,
    retention,
    schedule,
    template_admin,
    throttle,
    transfers,
    verify,
)
from web.ids import IdConverter
from workflows.errors import NotAllowed
from workflows.frequency import category_label
from workflows.lock import event_label

csrf = CSRFProtect()
TEMPLATES = pathlib.Path(__file__).parent / "templates"
GOVUK_ASSETS = pathlib.Path(__file__).parent / "static" / "govuk" / "assets"
BLUEPRINTS = (auth.bp, account.bp, documents.bp, link_pages.signing, link_pages.mediation, link_pages.copies,
              admin.bp, verify.bp,
              archive.bp, transfers.bp, records.bp, template_admin.bp, schedule.bp, retention.bp, disagreements.bp)


def init_app(app: Flask) -> None:
    auth.init_app(app)  # first, so even a refused form's error page knows who is signed in
    idle.init_app(app)
    headers.init_app(app)
    throttle.init_app(app)
    csrf.init_app(app)
    configure_templates(app)
    # Before any route is added: every `<int:…>` in an address is a database id, checked to fit its column.
    app.url_map.converters["int"] = IdConverter
    if app.config.get("PROXY_COUNT"):
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=int(app.config["PROXY_COUNT"]), x_proto=1)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    if devmail.enabled(app):  # a development server only: otherwise /dev/mail does not exist
        app.register_blueprint(devmail.bp)
    register_error_pages(app)

    @app.get("/assets/<path:filename>")
    def govuk_assets(filename: str):
        """The GOV.UK Frontend stylesheet asks for its images at /assets."""
        return send_from_directory(GOVUK_ASSETS, filename, max_age=86400)


def configure_templates(app: Flask) -> None:
    """Our pages, then the GOV.UK Design System's components and their WTForms widgets."""
    app.jinja_loader = ChoiceLoader([
        FileSystemLoader(TEMPLATES),
        PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                      "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf")}),
    ])
    WTFormsHelpers(app)
    app.jinja_env.filters.update(uk_time=uk_time, uk_date=uk_date, short_fingerprint=short_fingerprint,
                                  event_label=event_label)

    @app.context_processor
    def _globals():
        return {"Role": Role, "show_dev_mail": devmail.enabled(app), "staff_category": staff_category}


def staff_category(person) -> str:
    """A person's staff category in the words of their organisation's policy."""
    return category_label(person.organisation.template_pack, person.staff_category)


def register_error_pages(app: Flask) -> None:
    @app.errorhandler(IllegalMove)
    def _illegal_move(error: IllegalMove):
        return render_template("errors/conflict.html", message=str(error)), 409

    @app.errorhandler(NotAllowed)
    def _not_allowed(_error):
        # The same page as a missing id: nobody learns what exists that they may not see.
        return render_template("errors/not_found.html"), 404

    @app.errorhandler(CSRFError)
    def _csrf(_error):
        return render_template("errors/csrf.html"), 400

    @app.errorhandler(404)
    def _not_found(_error):
        return render_template("errors/not_found.html"), 404

    @app.errorhandler(400)
    def _bad_request(_error):
        return render_template("errors/bad_request.html"), 400

    @app.errorhandler(405)
    def _wrong_method(_error):
        # A form's address opened as a page, or a page posted to: the same as a page that is not there.
        return render_template("errors/not_found.html"), 405

    @app.errorhandler(403)
    def _forbidden(_error):
        return render_template("errors/not_found.html"), 404

    @app.errorhandler(413)
    def _too_large(_error):
        return render_template("errors/too_large.html"), 413

    @app.errorhandler(NotMigrated)
    def _not_migrated(error: NotMigrated):
        return render_template("errors/not_migrated.html", message=str(error)), 503

    @app.errorhandler(500)
    def _server_error(_error):
        return render_template("errors/server_error.html"), 500
