"""Countersign: supervision agreements and records, generated, signed by both parties and kept."""

from __future__ import annotations

import datetime as dt
import pathlib
import secrets
import sys

import click
from flask import Flask

from doc_templates import pool
from signing import seal
from storage import blobs, db, object_store
from storage.settings import is_on
from web import init_app as configure_pages
from web.cli import commands

DEFAULTS = {
    "DEVELOPMENT": False,  # a developer's machine: without COUNTERSIGN_SECRET_KEY a random one is kept in instance/
    "DATABASE_URL": None,  # default: SQLite in the instance folder
    "BLOB_DIR": None,  # default: instance/blobs
    "S3_BUCKET": "",  # set it and files go to this S3-compatible bucket instead of BLOB_DIR
    "S3_ENDPOINT_URL": "",  # MinIO, Ceph RGW...; empty for AWS S3 (credentials: the usual AWS_* variables)
    "S3_REGION": "",
    "S3_PREFIX": "",  # keys start with this, so one bucket can hold several installs
    "S3_LOCK_YEARS": None,  # how long Object Lock holds each file, where the bucket has it; default RETENTION_YEARS
    "S3_LOCK_MODE": "COMPLIANCE",  # or GOVERNANCE, which a privileged account can lift
    "QUEUE_URL": "",  # redis://host:6379/0: background work on Dramatiq queues; empty: the worker in `flask serve`
    "QUEUE_PREFIX": "countersign",  # the queues' keys in Redis start with this, so one Redis can serve several installs
    "OUTBOX_DIR": None,  # default: instance/outbox (used when no SMTP_HOST is set)
    "BASE_URL": "http://127.0.0.1:5000",  # links in emails are built from this, never from the request
    "LINK_LIFETIME_DAYS": 14,
    "LOGIN_LIFETIME_HOURS": 10,  # a sign-in ends this long after it began, however busy
    "IDLE_MINUTES": 30,  # ... or after this long without a request
    "PASSWORD_RESET_MINUTES": 60,  # how long an emailed password reset link works
    "WELCOME_LINK_DAYS": 7,  # how long a new account's emailed link to set a password works
    "SMTP_HOST": "",
    "SMTP_PORT": 587,
    "SMTP_SECURITY": "starttls",
    "SMTP_USERNAME": None,
    "SMTP_PASSWORD": None,
    "SMTP_TIMEOUT": 20,
    "MAIL_FROM": "Countersign <no-reply@countersign.local>",
    "DATABASE_BUSY_SECONDS": 10,  # longest a request waits for another's database lock before "busy, try again"
    "WEB_THREADS": 16,  # requests served at once by `flask serve`
    "PDF_TIMEOUT_SECONDS": 120,
    "PDF_POOL_SIZE": 2,  # warm LibreOffice instances converting in parallel; 0 = a cold soffice per document
    "PDF_POOL_PYTHON": "/usr/bin/python3",  # the Python that has LibreOffice's uno module (Debian: python3-uno)
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": None,  # the login session bounds a form's life
    "MAX_CONTENT_LENGTH": 10 * 1024 * 1024,
    "SEAL_PKCS12": None,  # the organisation's sealing key and certificate; default: instance/seal/seal.p12 (seal-dev-ca)
    "SEAL_PASSPHRASE": None,  # default: read from instance/seal/passphrase beside the development seal
    "SEAL_DIR": None,  # default: instance/seal, where seal-dev-ca writes the development CA and seal
    "SEAL_TRUST_PEM": None,  # CA certificate(s) a seal must chain to; default: the CA inside the PKCS#12
    "TSA_URL": "",  # an RFC 3161 timestamp authority; with it (or the development one) seals are PAdES B-LTA
    "TSA_TRUST_PEM": None,  # the timestamp authority's root certificate(s), when not the seal's own CA
    "EVIDENCE_RENEWAL": True,  # the worker queues due evidence renewals once a day
    "EVIDENCE_RENEW_BEFORE_DAYS": 90,  # renew this long before the newest timestamp's certificate expires
    "RETENTION_YEARS": 7,  # a leaver's records are kept this long unless HR sets a policy (H 9.4, B 9.4)
    "DISPOSITION_SWEEP": True,  # the background worker puts records past retention into review once a day
    "TEMPLATE_MAX_BYTES": 5 * 1024 * 1024,  # an uploaded .docx template, as uploaded
    "TEMPLATE_MAX_UNZIPPED_BYTES": 50 * 1024 * 1024,  # ... and unpacked (a ZIP bomb is refused unopened)
    "RECORD_AUTOSAVE_SECONDS": 3,  # how long the record form waits after typing before saving the draft
    "RECORD_SEND_WORKING_DAYS": 5,  # a record not sent for signature this many working days after its session is flagged
    "UNSIGNED_REMINDER_DAYS": 5,  # remind whoever has not signed, every this many days after sending
    "SEND_DAILY_REMINDERS": True,  # the background worker emails the day's reminders once a day
    "COPY_ATTACHMENT_MAX_BYTES": 5 * 1024 * 1024,  # a signed copy this size or smaller is attached to the email
    "COPY_LINK_LIFETIME_DAYS": 7,  # ... a bigger one is a one-time download link that works this long
    "RATELIMIT_STORAGE_URI": "memory://",  # throttle counters; redis://host:6379/0 shares them between processes
    "THROTTLE_SIGN_IN": "10 per minute; 100 per hour",  # posts from one IP address, in Flask-Limiter's words
    "THROTTLE_PASSWORD_RESET": "5 per 15 minutes; 20 per day",
    "THROTTLE_VERIFY": "10 per minute; 100 per day",  # /verify uploads
    "THROTTLE_EMAILED_LINKS": "20 per minute; 200 per hour",  # signing and mediation posts, together
    "DEV_MAIL": False,  # development only: /dev/mail shows the outbox to people signed in (`make run` turns it on)
}


def create_app(config: dict | None = None) -> Flask:
    """Build the app: defaults, then COUNTERSIGN_* environment variables, then `config`."""
    app = Flask(__name__, template_folder="web/templates", static_folder="web/static")
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("COUNTERSIGN")
    if config:
        app.config.update(config)
    configure_switches(app)
    configure_paths(app)
    configure_secret_key(app)
    configure_storage(app)
    configure_seal(app)
    configure_web(app)
    configure_cli(app)
    configure_rendering(app)
    return app


def configure_switches(app: Flask) -> None:
    # `COUNTERSIGN_X=False` arrives as the string "False"; every on/off setting is read the one way.
    for name in [name for name, default in DEFAULTS.items() if isinstance(default, bool)] + ["TESTING"]:
        app.config[name] = is_on(app.config.get(name), name=f"COUNTERSIGN_{name}")


def configure_paths(app: Flask) -> None:
    instance = pathlib.Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    app.config["DATABASE_URL"] = app.config["DATABASE_URL"] or f"sqlite:///{instance / 'countersign.db'}"
    app.config["BLOB_DIR"] = app.config["BLOB_DIR"] or str(instance / "blobs")
    app.config["OUTBOX_DIR"] = app.config["OUTBOX_DIR"] or str(instance / "outbox")
    app.config["LINK_LIFETIME"] = dt.timedelta(days=float(app.config["LINK_LIFETIME_DAYS"]))
    app.config["COPY_LINK_LIFETIME"] = dt.timedelta(days=float(app.config["COPY_LINK_LIFETIME_DAYS"]))
    app.config["SEAL_DIR"] = app.config["SEAL_DIR"] or str(instance / "seal")
    app.config["SESSION_COOKIE_SECURE"] = app.config["BASE_URL"].startswith("https://")


class MissingSecretKey(RuntimeError):
    """Outside development the app does not start without COUNTERSIGN_SECRET_KEY."""


def configure_secret_key(app: Flask) -> None:
    # A development install gets a random key kept in the instance folder. Anywhere else a key made up here would
    # differ between hosts and processes, and a link emailed by one would fail on the others: refuse to start.
    if app.config.get("SECRET_KEY"):
        return
    if not (app.config["DEVELOPMENT"] or app.config["TESTING"] or _started_as_demo()):
        raise MissingSecretKey(
            "COUNTERSIGN_SECRET_KEY is not set. Set it to one long random value, the same for every web and worker "
            "process (for example: python3 -c 'import secrets; print(secrets.token_hex(32))'). On a developer's "
            "machine use `make run`, `flask --app app serve --demo` or COUNTERSIGN_DEVELOPMENT=true instead.")
    key_file = pathlib.Path(app.instance_path) / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    app.config["SECRET_KEY"] = key_file.read_text().strip()


def _started_as_demo() -> bool:
    # `flask serve --demo` is development by definition; the app is built before the command reads its options.
    args = sys.argv[1:]
    return "serve" in args and "--demo" in args


def configure_storage(app: Flask) -> None:
    db.init_app(app)
    # Files in an S3-compatible bucket when one is named, else in the local folder.
    (object_store if app.config["S3_BUCKET"] else blobs).init_app(app)


def configure_seal(app: Flask) -> None:
    # Checked now, so a broken key stops documents being sent rather than leaving them locked but unsealed: when the
    # app is built to serve (gunicorn's create_app()). Built by the flask command line, only `serve` and `worker`
    # check it (web/cli.py): `migrate` or `seal-dev-ca` run before there is a seal to check.
    if click.get_current_context(silent=True) is None:
        seal.init_app(app)


def configure_web(app: Flask) -> None:
    configure_pages(app)


def configure_cli(app: Flask) -> None:
    for command in commands:
        app.cli.add_command(command)


def configure_rendering(app: Flask) -> None:
    # The pool itself starts lazily, or with the worker; this only says how it should run.
    pool.configure(int(app.config["PDF_POOL_SIZE"]), python=app.config["PDF_POOL_PYTHON"],
                   status_dir=str(pathlib.Path(app.instance_path) / "render-pool"))
