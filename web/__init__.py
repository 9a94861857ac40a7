"""The web side: blueprints, CSRF, GOV.UK templates and forms, the signed-in user and friendly error pages."""

from __future__ import annotations

import errno
import pathlib

from flask import Flask, g, render_template, request, send_from_directory
from flask_wtf.csrf import CSRFError, CSRFProtect
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from sqlalchemy.exc import OperationalError
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.middleware.shared_data import SharedDataMiddleware

from signing.evidence import short_fingerprint
from storage.db import NotMigrated
from storage.db import session as database
from storage.models import Role
from storage.states import IllegalMove
from storage.times import uk_date, uk_time
from web import (
    account,
    admin,
    agenda,
    archive,
    assurance,
    auth,
    cover,
    devmail,
    disagreements,
    documents,
    groups,
    headers,
    idle,
    link_pages,
    policy_changes,
    portfolio,
    professional,
    professional_documents,
    quality_forms,
    records,
    reflections,
    retention,
    schedule,
    sessions,
    template_admin,
    throttle,
    transfers,
    verify,
)
from web.ids import IdConverter
from web.qr import qr_code
from workflows.errors import NotAllowed
from workflows.frequency import category_label
from workflows.lock import event_label

csrf = CSRFProtect()
TEMPLATES = pathlib.Path(__file__).parent / "templates"
GOVUK_ASSETS = pathlib.Path(__file__).parent / "static" / "govuk" / "assets"
BUSY_RETRY_AFTER_SECONDS = 5
DISK_FULL_RETRY_AFTER_SECONDS = 300
BLUEPRINTS = (auth.bp, account.bp, documents.bp, link_pages.signing, link_pages.mediation, link_pages.copies,
              admin.bp, verify.bp,
              archive.bp, transfers.bp, records.bp, template_admin.bp, schedule.bp, sessions.bp, policy_changes.bp, agenda.bp, cover.bp, professional.bp, assurance.bp, portfolio.bp, retention.bp, disagreements.bp,
              groups.bp)
BLUEPRINTS += (professional_documents.bp, reflections.bp, quality_forms.bp)


def init_app(app: Flask) -> None:
    auth.init_app(app)  # first, so even a refused form's error page knows who is signed in
    idle.init_app(app)
    headers.init_app(app)
    throttle.init_app(app)
    csrf.init_app(app)
    configure_templates(app)
    # Stylesheets and images are answered before the app's request handling: never wait on the database.
    app.wsgi_app = SharedDataMiddleware(app.wsgi_app, {app.static_url_path: app.static_folder, "/assets": str(GOVUK_ASSETS)},
                                        cache_timeout=3600)
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
                                  event_label=event_label, typed_date=typed_date, qr_code=qr_code)

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

    @app.errorhandler(OperationalError)
    def _busy(error: OperationalError):
        # A lock held too long, a deadlock broken by the database, or the database briefly out of reach.
        if not _is_busy(error):
            return _unexpected(error)
        app.logger.warning("answered busy (503): %s", error.orig)
        _leave_the_database()
        return render_template("errors/busy.html"), 503, {"Retry-After": str(BUSY_RETRY_AFTER_SECONDS)}

    @app.errorhandler(OSError)
    def _disk_full(error: OSError):
        if error.errno != errno.ENOSPC:
            return _unexpected(error)
        app.logger.error("the disk is full: %s", error)
        _leave_the_database()
        return render_template("errors/disk_full.html"), 503, {"Retry-After": str(DISK_FULL_RETRY_AFTER_SECONDS)}

    @app.errorhandler(500)
    def _server_error(_error):
        _leave_the_database()
        return render_template("errors/server_error.html"), 500

    def _unexpected(error: Exception):
        # Caught by a handler above but not what it is for: logged as Flask logs any other, then the 500 page.
        app.logger.error("Exception on %s [%s]", request.path, request.method, exc_info=error)
        return _server_error(error)


def _is_busy(error: OperationalError) -> bool:
    """PostgreSQL's operational errors are all passing (lock timeout, deadlock, connection); SQLite's only
    when it is locked or busy (its others are mistakes, such as a missing column)."""
    if error.orig is None or type(error.orig).__module__ != "sqlite3":
        return True
    return any(word in str(error.orig).lower() for word in ("locked", "busy"))


def _leave_the_database() -> None:
    """An error page never touches the failed transaction: it is rolled back and the page shows no one's data."""
    try:
        database.rollback()
    except Exception:  # noqa: BLE001 - the connection itself may be gone; the page is shown all the same
        pass
    database.remove()
    g.user = None


def typed_date(value: str | None) -> str:
    """A date a form kept as typed, as people write it ("31 December 2026") when it is one, else as it was typed."""
    try:
        return uk_date(value) if value else ""
    except (TypeError, ValueError):
        return str(value)
