"""Command-line tasks: migrate, seed the demo, serve, run the worker, verify the audit chain."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from storage import db as database


@click.command("migrate")
@with_appcontext
def migrate() -> None:
    """Create or update the database schema."""
    database.upgrade(current_app.config["DATABASE_URL"])
    click.echo("Database is up to date.")


@click.command("demo")
@with_appcontext
def demo() -> None:
    """Add the demo organisation and accounts (once) and print how to sign in."""
    _print_demo_accounts()


def _print_demo_accounts() -> None:
    from workflows.demo import seed_demo

    accounts = seed_demo(current_app.instance_path)
    click.echo(f"\nDemo accounts (all share one password: {accounts[0].password})")
    for account in accounts:
        click.echo(f"  {account.email:<32} {account.name:<16} {', '.join(account.roles)}")


def _refuse_unmigrated() -> None:
    try:
        database.check_migrated(current_app.extensions["countersign.engine"])
    except database.NotMigrated as error:
        click.echo(str(error), err=True)
        sys.exit(1)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=None, help="Default: the port in COUNTERSIGN_BASE_URL, else 5000.")
@click.option("--demo/--no-demo", default=False, help="Add the demo organisation and print its accounts.")
@click.option("--worker/--no-worker", default=True, show_default=True, help="Run the background worker in this process.")
@with_appcontext
def serve(host: str, port: int | None, demo: bool, worker: bool) -> None:
    """Serve Countersign (waitress) with its background worker."""
    from urllib.parse import urlsplit

    from waitress import serve as waitress_serve

    from workflows.background import start_in_thread

    app = current_app._get_current_object()
    port = port or urlsplit(app.config["BASE_URL"]).port or 5000
    _refuse_unmigrated()
    if demo:
        _print_demo_accounts()
    if worker:
        start_in_thread(app)
    mail = f"SMTP {app.config['SMTP_HOST']}" if app.config.get("SMTP_HOST") else (
        f"written to {app.config['OUTBOX_DIR']} (see {app.config['BASE_URL']}/dev/mail)")
    click.echo(f"\nCountersign is running at {app.config['BASE_URL']}\n  database: {app.config['DATABASE_URL']}"
               f"\n  files:    {app.config['BLOB_DIR']}\n  email:    {mail}\nPress Ctrl+C to stop.")
    waitress_serve(app, host=host, port=port, threads=8, ident="Countersign")


@click.command("worker")
@with_appcontext
def worker() -> None:
    """Run only the background worker (PDFs and email), for deployments with several app processes."""
    import threading

    from workflows.background import run_forever

    _refuse_unmigrated()
    click.echo("Worker running. Press Ctrl+C to stop.")
    run_forever(current_app._get_current_object(), threading.Event())


@click.command("audit-verify")
@with_appcontext
def audit_verify() -> None:
    """Check the audit log's hash chain and report the first broken row."""
    from storage.audit import verify_chain
    from storage.db import session

    report = verify_chain(session)
    if report.ok:
        click.echo(f"Audit log intact: {report.rows} rows, every hash checks out.")
        return
    click.echo(f"Audit log BROKEN: {report.problem}.", err=True)
    sys.exit(1)


@click.command("retry-renders")
@with_appcontext
def retry_renders() -> None:
    """Retry waiting PDF conversions now, and put failed email back in the queue."""
    from storage.db import session
    from storage.outbox import retry_failed
    from workflows.rendering import retry_now

    click.echo(f"{retry_now()} PDF conversions and {retry_failed(session)} emails will be retried now.")


@click.command("send-reminders")
@click.option("--dry-run", is_flag=True, help="List what would be sent, and send nothing.")
@with_appcontext
def send_reminders(dry_run: bool) -> None:
    """Email today's reminders (due and overdue supervision, reviews, unsigned documents), once per period."""
    from workflows.reminders import send_reminders as send

    _refuse_unmigrated()
    report = send(dry_run=dry_run)
    if dry_run:
        for reminder in report.pending:
            click.echo(f"would remind {reminder.recipient_name}: {reminder.text}")
        click.echo(f"{len(report.pending)} reminders would be sent. Nothing was sent (dry run).")
        return
    click.echo(f"{report.emails} emails queued for {report.reminders} reminders."
               + (f" {report.skipped} people were reached by another run at the same time." if report.skipped else ""))


commands = [migrate, demo, serve, worker, audit_verify, retry_renders, send_reminders]
