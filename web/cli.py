"""Command-line tasks: migrate, seed the demo, serve, run the worker, verify the audit chain."""

from __future__ import annotations

import datetime as dt
import logging
import pathlib
import signal
import sys
import threading
from urllib.parse import urlsplit

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from waitress import serve as waitress_serve

from doc_templates import PACKS, pool
from signing import dev_ca
from signing.seal import DEV_PKCS12_FILE, create_dev_seal
from signing.seal import init_app as check_seal_at_start_up
from storage import db as database
from storage import jobs
from storage.db import session
from storage.outbox import retry_failed
from storage.times import as_utc, uk_date, utcnow
from web import devmail
from workflows import evidence, housekeeping, queue_engine
from workflows.background import failed_work, retry_failed_work, retry_now, run_forever, start_in_thread
from workflows.councils import (
    SealSettings,
    SignInSettings,
    change_seal,
    change_sender,
    change_sign_in,
    make_development_seal,
    own_seals,
    set_up_council,
    verify_audit_log,
)
from workflows.demo import seed_demo
from workflows.errors import InvalidInput
from workflows.reminders import send_reminders as send
from workflows.retention import sweep
from workflows.verification import SealNotConfigured, check_pdf

log = logging.getLogger(__name__)


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
    app = current_app._get_current_object()
    port = port or urlsplit(app.config["BASE_URL"]).port or 5000
    _refuse_unmigrated()
    _check_seals(app)
    if demo:
        _print_demo_accounts()
    if worker:
        _exit_on_sigterm()
        if queue_engine.configured(app):
            stop = threading.Event()
            threading.Thread(target=queue_engine.run_forever, args=(app, stop), name="countersign-worker",
                             daemon=True).start()
        else:
            start_in_thread(app)
    click.echo(f"\nCountersign is running at {app.config['BASE_URL']}\n  database: {app.config['DATABASE_URL']}"
               f"\n  files:    {app.config['BLOB_DIR']}\n  email:    {_say_where_email_goes(app)}\nPress Ctrl+C to stop.")
    waitress_serve(app, host=host, port=port, **waitress_settings(app))


def waitress_settings(app: Flask) -> dict:
    """How `flask serve` serves the app. Behind the proxies COUNTERSIGN_PROXY_COUNT trusts, waitress passes their
    X-Forwarded-* headers on for the app to read as it always does (it would otherwise drop them, and every request
    would seem to come from the proxy: one address in the audit log, one count for the throttle). With no proxy the
    headers are dropped, so nobody can claim another address by sending them."""
    return {"threads": int(app.config["WEB_THREADS"]), "ident": "Countersign",
            "clear_untrusted_proxy_headers": not app.config.get("PROXY_COUNT")}


def _check_seals(app) -> None:
    """At start-up: the deployment's seal, then each council's own, logged; a broken one stops only its sending."""
    check_seal_at_start_up(app)
    for council, problem in own_seals():
        if problem:
            log.error("%s: %s", council, problem)
        else:
            log.info("%s's own sealing certificate loaded and working.", council)


def _say_where_email_goes(app) -> str:
    """Where email goes, logged at start-up: with no mail server and no development mail page, nobody gets it."""
    if app.config.get("SMTP_HOST"):
        return f"SMTP {app.config['SMTP_HOST']}"
    if devmail.enabled(app):
        return f"written to the outbox folder, shown at {app.config['BASE_URL']}/dev/mail (development)"
    log.warning("No mail server is set (COUNTERSIGN_SMTP_HOST), so email is only written to %s and nobody receives "
                "it: set COUNTERSIGN_SMTP_HOST to send it.", app.config["OUTBOX_DIR"])
    return f"written to {app.config['OUTBOX_DIR']} only: nobody receives it (set COUNTERSIGN_SMTP_HOST)"


def _exit_on_sigterm() -> None:
    # A service manager stops us with SIGTERM; leaving through SystemExit runs atexit, which stops LibreOffice.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))


@click.command("worker")
@click.option("--queues", default=",".join(queue_engine.QUEUES), show_default=True,
              help="With COUNTERSIGN_QUEUE_URL: the queues this worker takes work from.")
@with_appcontext
def worker(queues: str) -> None:
    """Run only the background worker (PDFs, email, daily work), for deployments with several app processes."""
    app = current_app._get_current_object()
    engine = queue_engine.configured(app)
    try:
        names = queue_engine.queue_names(queues)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--queues") from None
    if not engine and set(names) != set(queue_engine.QUEUES):
        raise click.BadParameter("separate queues need a queue engine: set COUNTERSIGN_QUEUE_URL to a redis:// URL",
                                 param_hint="--queues")
    _refuse_unmigrated()
    _check_seals(current_app)
    _exit_on_sigterm()
    _say_where_email_goes(app)
    if not engine:
        click.echo("Worker running. Press Ctrl+C to stop.")
        run_forever(app, threading.Event())
        return
    click.echo(f"Worker running on the queues {', '.join(names)} of {_without_password(app.config['QUEUE_URL'])}. "
               "Press Ctrl+C to stop.")
    queue_engine.run_forever(app, threading.Event(), names)


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    return parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()


@click.command("audit-verify")
@click.option("--organisation", default=None, help="Check only this council's chain (its name, as it was set up).")
@with_appcontext
def audit_verify(organisation: str | None) -> None:
    """Check each council's audit hash chain and report, per chain, the first broken row."""
    try:
        report = verify_audit_log(organisation)
    except InvalidInput as invalid:
        raise click.ClickException("\n".join(f"--{k}: {v}" for k, v in invalid.errors.items())) from None
    for chain in report.chains:
        if chain.ok:
            click.echo(f"Audit log intact for {chain.council}: {chain.rows} row{'' if chain.rows == 1 else 's'}, "
                       "every hash checks out.")
        else:
            click.echo(f"Audit log BROKEN for {chain.council}: {chain.problem}.", err=True)
    if not report.chains:
        click.echo("The audit log has no rows yet.")
    if not report.ok:
        sys.exit(1)


@click.command("retry-renders")
@with_appcontext
def retry_renders() -> None:
    """Retry waiting PDF conversions now, and put failed email back in the queue."""
    report = retry_now()
    click.echo(f"{report.due_now} PDF conversions and {retry_failed(session)} emails will be retried now.")
    if report.released:
        click.echo(f"{report.released} of the conversions were held by a process that has stopped; they are free again.")
    if report.working:
        click.echo(f"{report.working} are being made right now by a running process and are left to it.")
    if report.requeued:
        click.echo(f"{report.requeued} job(s) and email(s) waiting in the queue engine are handed to it again.")


@click.command("failed-work")
@click.option("--retry", is_flag=True, help="Try all of it again now, email given up on included.")
@with_appcontext
def failed_work_command(retry: bool) -> None:
    """List background work that has failed (PDFs, sealing, email, evidence renewal): why, and when it is tried next."""
    _refuse_unmigrated()
    failures = failed_work()
    now = utcnow()
    for failure in failures:
        if failure.next_try is None:
            when = "given up (failed for good)"
        elif as_utc(failure.next_try) <= now:
            when = "due again now"
        else:
            when = f"next try in {int((as_utc(failure.next_try) - now).total_seconds())}s"
        click.echo(f"  {failure.what}: {failure.attempts} failed attempt(s), {when}")
        if failure.error:
            click.echo(f"      why: {failure.error}")
    if not failures:
        click.echo("No background work has failed.")
        return
    if retry:
        click.echo(f"{retry_failed_work()} will be tried again now.")
    else:
        click.echo(f"{len(failures)} piece(s) of work failed. `flask --app app failed-work --retry` tries them all now.")


@click.command("clean-up")
@with_appcontext
def clean_up() -> None:
    """Clean up what stopped processes left: LibreOffice and its folders, half-written and unreferenced files."""
    swept = housekeeping.sweep()
    click.echo(f"Freed {swept.abandoned_jobs} job(s) and email(s) held by stopped processes on this machine. "
               f"Removed {swept.pool_folders} LibreOffice folder(s) of stopped processes (and any LibreOffice "
               f"still running from them), {swept.half_written} half-written file(s) and {swept.unreferenced} "
               "file(s) nothing refers to.")


@click.command("render-status")
@with_appcontext
def render_status() -> None:
    """Show the LibreOffice pool of every running app process and the PDF conversions waiting."""
    config = current_app.config
    problem = pool.unavailable_reason(int(config["PDF_POOL_SIZE"]), config["PDF_POOL_PYTHON"])
    if problem:
        click.echo(f"Warm pool: CANNOT RUN here ({problem}); documents are converted by a cold soffice each.")
    statuses = pool.read_statuses(str(pathlib.Path(current_app.instance_path) / "render-pool"))
    if not statuses and not problem:
        click.echo("Warm pool: no app process is running one (start `flask serve` or `flask worker`).")
    for status in statuses:
        click.echo(f"Warm pool in process {status['pid']}: {status['size']} LibreOffice instance(s)")
        for instance in status["instances"]:
            click.echo(f"  #{instance['instance']}: {instance['state']}, pid {instance['pid'] or '-'}, "
                       f"port {instance['port'] or '-'}, {instance['conversions']} conversions, "
                       f"{instance['restarts']} restarts")
            if instance["last_error"]:
                click.echo(f"      last problem: {instance['last_error']}")
    waiting = jobs.waiting(session)
    if not waiting:
        click.echo("No PDF conversions are waiting.")
        return
    click.echo(f"{len(waiting)} PDF conversion(s) waiting:")
    now = utcnow()
    for job, document in waiting:
        when, held = as_utc(job.next_attempt_at), as_utc(job.claimed_until)
        if held is not None and held >= now and job.claimed_by == jobs.RELAYED:
            due = (f"in the {queue_engine.QUEUE_OF.get(job.kind, queue_engine.PDFS)} queue, waiting for a worker "
                   "(`retry-renders` hands it over again if the queue lost it)")
        elif held is not None and held >= now:
            owner = job.claimed_by or "a worker"
            due = f"being made now by {owner}" + ("" if housekeeping.process_is_alive(owner) else
                                                  f" (which has stopped: free again within {int((held - now).total_seconds())}s)")
        else:
            due = "due now" if when <= now else f"next try in {int((when - now).total_seconds())}s"
        click.echo(f"  {document.reference} ({job.kind.replace('_', ' ')}): {job.attempts} failed attempt(s), {due}")
        if job.last_error:
            click.echo(f"      why: {job.last_error}")
    session.commit()
    click.echo("Once LibreOffice works again, `flask --app app retry-renders` tries them all now.")


@click.command("seal-dev-ca")
@click.option("--organisation", default="Countersign Development", show_default=True,
              help="The organisation named in the development certificates.")
@click.option("--if-missing", is_flag=True, help="Do nothing if a seal is configured or already made (for make run).")
@click.option("--for-organisation", default=None,
              help="Make it a council's own development seal, in a folder of its own, and use it for that council "
                   "(its name, as it was set up).")
@with_appcontext
def seal_dev_ca(organisation: str, if_missing: bool, for_organisation: str | None) -> None:
    """Create a development CA and sealing certificate in instance/seal (not for production documents)."""
    if for_organisation is not None:
        _refuse_unmigrated()
        try:
            council, made = make_development_seal(for_organisation)
        except InvalidInput as invalid:
            raise _refused(invalid) from None
        click.echo(f"{council.name}'s own development seal is written to {made.pkcs12_path} and in use for its "
                   f"documents now. Its CA certificate is {made.ca_path}. Not for real documents: give the council "
                   "its real seal with configure-seal.")
        return
    config = current_app.config
    directory = pathlib.Path(config["SEAL_DIR"])
    older = (directory / DEV_PKCS12_FILE).exists() and not (directory / dev_ca.TSA_FILE).exists()
    if if_missing and (config.get("SEAL_PKCS12") or ((directory / DEV_PKCS12_FILE).exists() and not older)):
        click.echo(f"A seal is already set up ({config.get('SEAL_PKCS12') or directory / DEV_PKCS12_FILE}).")
        return
    if if_missing and older:
        click.echo("The development seal has no timestamp authority or revocation list yet; making a new one.")
    if config.get("SEAL_PKCS12"):
        click.echo("COUNTERSIGN_SEAL_PKCS12 is set, so the app uses that certificate; the development seal made now "
                   "is used only if you unset it.", err=True)
    seal = create_dev_seal(directory, organisation, crl_url=config["BASE_URL"].rstrip("/") + dev_ca.CRL_PATH)
    click.echo(f"Development seal written to {seal.pkcs12_path} (passphrase in {directory / 'passphrase'}).\n"
               f"Its CA certificate is {seal.ca_path}: trust it in pdfsig or Adobe to see the seal as trusted.\n"
               f"With it come a development timestamp authority ({directory / dev_ca.TSA_FILE}) and its revocation "
               f"list ({seal.crl_url}), so documents are sealed PAdES B-LTA on this machine.\n"
               "Restart Countersign to use it. For real documents use the organisation's own certificate "
               "(COUNTERSIGN_SEAL_PKCS12, COUNTERSIGN_SEAL_PASSPHRASE).")


@click.command("verify")
@click.argument("pdf", type=click.File("rb"))
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Check whether the evidence would still hold on this later date (YYYY-MM-DD) with nothing added.")
@with_appcontext
def verify(pdf, as_of) -> None:
    """Check a signed PDF: sealed by this organisation, unaltered, which document, its evidence (exit 0 valid, 1 not)."""
    _refuse_unmigrated()
    try:
        result = check_pdf(pdf.read(), as_of=as_of.replace(tzinfo=dt.UTC) if as_of else None)
    except SealNotConfigured as error:
        click.echo(f"Cannot check seals: {error}", err=True)
        sys.exit(2)
    for line in result.lines():
        click.echo(line)
    sys.exit(0 if result.ok else 1)


@click.command("evidence-status")
@click.option("--due", "due_only", is_flag=True, help="Only documents whose renewal is due now (or failing).")
@with_appcontext
def evidence_status(due_only: bool) -> None:
    """List sealed documents' evidence: timestamped by, valid until, next renewal due, last renewal, problems."""
    _refuse_unmigrated()
    rows = evidence.status_list(limit=100_000)
    shown = [r for r in rows if r.overdue or r.last_error] if due_only else rows
    for row in shown:
        due = uk_date(row.renew_by) if row.renew_by else "never (no timestamp)"
        renewed = f"renewed {uk_date(row.renewed_at)} ({row.renewals}x)" if row.renewed_at else "not renewed yet"
        flag = "  DUE" if row.overdue else ""
        click.echo(f"  {row.reference}  valid until {uk_date(row.valid_until) if row.valid_until else '-'}  "
                   f"next renewal due {due}  {renewed}{flag}")
        if row.last_error:
            click.echo(f"      last renewal failed: {row.last_error}")
    overdue = sum(1 for r in rows if r.overdue)
    click.echo(f"{len(rows)} sealed document{'' if len(rows) == 1 else 's'}; {overdue} due for renewal now.")


@click.command("renew-evidence")
@click.option("--dry-run", is_flag=True, help="Only list the documents whose renewal is due; change nothing.")
@with_appcontext
def renew_evidence(dry_run: bool) -> None:
    """Renew now the evidence of every kept document that is due (the worker also does this once a day)."""
    _refuse_unmigrated()
    if dry_run:
        due = [r for r in evidence.status_list(limit=100_000) if r.overdue]
        for row in due:
            click.echo(f"  {row.reference}  due {uk_date(row.renew_by)}")
        click.echo(f"{len(due)} document{'' if len(due) == 1 else 's'} due for renewal (dry run: nothing was changed).")
        return
    renewed, failed = evidence.renew_due_now()
    click.echo(f"{renewed} document{'' if renewed == 1 else 's'} renewed; {failed} failed and will be retried "
               "by the worker (evidence-status --due says why).")
    if failed:
        sys.exit(1)


@click.command("disposition-sweep")
@click.option("--dry-run", is_flag=True, help="Only list what would go into review; change nothing.")
@with_appcontext
def disposition_sweep(dry_run: bool) -> None:
    """Put records past their retention date (and not held) into HR's disposition review."""
    _refuse_unmigrated()
    if dry_run:
        due = sweep(dry_run=True)
        for item in due:
            click.echo(f"  {item.reference}  kept until {uk_date(item.retain_until)}")
        click.echo(f"{len(due)} record{'' if len(due) == 1 else 's'} would go into HR's disposition review "
                   "(dry run: nothing was changed).")
        return
    count = sweep()
    click.echo(f"{count} record{'' if count == 1 else 's'} went into HR's disposition review.")


@click.command("send-reminders")
@click.option("--dry-run", is_flag=True, help="List what would be sent, and send nothing.")
@with_appcontext
def send_reminders(dry_run: bool) -> None:
    """Email today's reminders (due and overdue supervision, reviews, unsigned documents), once per period."""
    _refuse_unmigrated()
    report = send(dry_run=dry_run)
    if dry_run:
        for reminder in report.pending:
            click.echo(f"would remind {reminder.recipient_name}: {reminder.text}")
        click.echo(f"{len(report.pending)} reminders would be sent. Nothing was sent (dry run).")
        return
    click.echo(f"{report.emails} emails queued for {report.reminders} reminders."
               + (f" {report.skipped} people were reached by another run at the same time." if report.skipped else ""))


def _sign_in_options(command):
    """The options saying how an organisation's staff sign in."""
    for option in reversed((
        click.option("--oidc-issuer", default="", help="the identity provider's issuer URL (OpenID Connect)"),
        click.option("--oidc-client-id", default="", help="the client ID the provider gave Countersign"),
        click.option("--oidc-client-secret", default="", envvar="COUNTERSIGN_OIDC_CLIENT_SECRET",
                     help="its client secret (or set COUNTERSIGN_OIDC_CLIENT_SECRET)"),
        click.option("--email-domains", default="", help="staff email domains allowed to sign in through it"),
        click.option("--password-sign-in/--no-password-sign-in", default=True,
                     help="whether staff may also sign in with a password"),
    )):
        command = option(command)
    return command


def _settings(options: dict) -> SignInSettings:
    return SignInSettings(oidc_issuer=options["oidc_issuer"], oidc_client_id=options["oidc_client_id"],
                          oidc_client_secret=options["oidc_client_secret"], email_domains=options["email_domains"],
                          password_sign_in=options["password_sign_in"])


def _refused(invalid: InvalidInput) -> click.ClickException:
    return click.ClickException("Nothing was saved:\n" + "\n".join(f"  --{k.replace('_', '-')}: {v}"
                                                                      for k, v in invalid.errors.items()))


@click.command("create-organisation")
@click.option("--name", required=True, help="the council's name, as staff know it")
@click.option("--template-pack", required=True, help="its templates and supervision policy: " + ", ".join(PACKS))
@click.option("--admin-name", required=True, help="the first admin's full name")
@click.option("--admin-email", required=True, help="the first admin's work email address")
@click.option("--retention-years", default=7, show_default=True, help="years a leaver's records are kept")
@_sign_in_options
@with_appcontext
def create_organisation(name, template_pack, admin_name, admin_email, retention_years, **options) -> None:
    """Set up a council and its first admin, who is emailed how to sign in."""
    _refuse_unmigrated()
    try:
        done = set_up_council(name, template_pack, admin_name, admin_email, _settings(options), retention_years)
    except InvalidInput as invalid:
        raise _refused(invalid) from None
    click.echo(f"{done.organisation.name} is set up. {done.admin.name} ({done.admin.email}) has been emailed "
               + ("a link to set their password." if done.organisation.password_sign_in
                  else "how to sign in with single sign-on."))
    if done.organisation.single_sign_on:
        click.echo(f"Register this redirect URI with the identity provider: {done.callback_url}")


@click.command("configure-sign-in")
@click.option("--name", required=True, help="the organisation's name, as it was set up")
@_sign_in_options
@with_appcontext
def configure_sign_in(name, **options) -> None:
    """Change how an organisation's staff sign in: single sign-on, allowed domains, password sign-in."""
    _refuse_unmigrated()
    try:
        organisation = change_sign_in(name, _settings(options))
    except InvalidInput as invalid:
        raise _refused(invalid) from None
    how = ("single sign-on" if organisation.single_sign_on else "") + (
        (" and " if organisation.single_sign_on else "") + "passwords" if organisation.password_sign_in else "")
    click.echo(f"{organisation.name}'s staff now sign in with {how}.")


@click.command("configure-mail")
@click.option("--name", required=True, help="the organisation's name, as it was set up")
@click.option("--mail-from", required=True, help='its sender, like "Havering Supervision <supervision@havering.gov.uk>"; '
                                                 '"" goes back to COUNTERSIGN_MAIL_FROM')
@with_appcontext
def configure_mail(name, mail_from) -> None:
    """Set the address an organisation's email comes from."""
    _refuse_unmigrated()
    try:
        organisation = change_sender(name, mail_from)
    except InvalidInput as invalid:
        raise _refused(invalid) from None
    click.echo(f"{organisation.name}'s email now comes from {organisation.mail_from or current_app.config['MAIL_FROM']}.")


@click.command("configure-seal")
@click.option("--name", required=True, help="the organisation's name, as it was set up")
@click.option("--pkcs12", required=True, help='the full path of its seal\'s PKCS#12 file (.p12/.pfx); "" goes back to '
                                              "the deployment's seal (COUNTERSIGN_SEAL_PKCS12)")
@click.option("--passphrase-file", default="", help="the full path of a file holding the PKCS#12 file's passphrase "
                                                    "(default: a file named passphrase beside it, if there is one)")
@click.option("--trust-pem", default="", help="the full path of the CA certificate(s) its seal must chain to, in PEM "
                                              "(default: the CA certificates in the PKCS#12 file)")
@with_appcontext
def configure_seal(name, pkcs12, passphrase_file, trust_pem) -> None:
    """Give a council its own seal certificate: its documents are sealed with it, and /verify names it."""
    _refuse_unmigrated()
    try:
        organisation, holder = change_seal(name, SealSettings(pkcs12, passphrase_file, trust_pem))
    except InvalidInput as invalid:
        raise _refused(invalid) from None
    if holder is None:
        click.echo(f"{organisation.name}'s documents are sealed with the deployment's seal again.")
    else:
        click.echo(f"{organisation.name}'s documents are sealed from now on with its own seal: {holder}. "
                   "The key stays in its file; only where the files are is kept in the database.")


commands = [migrate, demo, serve, worker, audit_verify, retry_renders, failed_work_command, render_status, clean_up, seal_dev_ca, verify,
            evidence_status, renew_evidence, disposition_sweep, send_reminders, create_organisation, configure_sign_in,
            configure_mail, configure_seal]
