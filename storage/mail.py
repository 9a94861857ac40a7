"""Mail transports: SMTP for real delivery, a folder of .eml files for development."""

from __future__ import annotations

import email.policy
import email.utils
import hashlib
import os
import pathlib
import re
import smtplib
import ssl
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.errors import NonASCIILocalPartDefect
from email.message import EmailMessage

from storage.blobs import BlobCorrupt, BlobMissing, blobs
from storage.models import OutboxMessage, utcnow

DEFAULT_SENDER = "Countersign <no-reply@countersign.local>"
SECURITY_MODES = ("starttls", "ssl", "none")
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
# RFC 5322's limit; a signing link on one long line stays whole and clickable in 7bit.
_MAX_LINE = 998


class TransientMailError(Exception):
    """Sending failed for now; the same message may well go through later."""


class PermanentMailError(Exception):
    """Sending this message will never work, however often it is tried."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 587
    security: str = "starttls"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 20
    sender: str = DEFAULT_SENDER

    def __post_init__(self) -> None:
        if self.security not in SECURITY_MODES:
            raise ValueError(f"SMTP security must be one of {', '.join(SECURITY_MODES)}, not {self.security!r}")


class SmtpTransport:
    """Delivers messages to one SMTP server, one connection per message."""

    def __init__(self, settings: SmtpSettings, ssl_context: ssl.SSLContext | None = None):
        self.settings = settings
        # Tests pass a context trusting their own certificate; production verifies against the system store.
        self.ssl_context = ssl_context or ssl.create_default_context()

    def send(self, message: EmailMessage) -> None:
        """Hand one message to the server, or raise TransientMailError / PermanentMailError."""
        try:
            self._deliver(message)
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _ in error.recipients.values()]
            detail = "; ".join(f"{addr}: {code} {_text(reply)}" for addr, (code, reply) in error.recipients.items())
            if codes and all(500 <= code < 600 for code in codes):
                raise PermanentMailError(f"recipient refused: {detail}") from error
            raise TransientMailError(f"recipient deferred: {detail}") from error
        except smtplib.SMTPAuthenticationError as error:
            # A wrong password is put right in configuration; the mail must still be there when it is.
            raise TransientMailError(
                f"SMTP authentication failed: {error.smtp_code} {_text(error.smtp_error)}"
            ) from error
        except smtplib.SMTPSenderRefused as error:
            # 552 is this message's size; any other refusal of our From address is configuration.
            kind = PermanentMailError if error.smtp_code == 552 else TransientMailError
            raise kind(f"sender refused: {error.smtp_code} {_text(error.smtp_error)}") from error
        except smtplib.SMTPDataError as error:
            kind = PermanentMailError if 500 <= error.smtp_code < 600 else TransientMailError
            raise kind(f"message refused: {error.smtp_code} {_text(error.smtp_error)}") from error
        except smtplib.SMTPResponseException as error:
            # Refusals before the envelope (greeting, EHLO, STARTTLS) are about the server, not the message.
            raise TransientMailError(f"SMTP error: {error.smtp_code} {_text(error.smtp_error)}") from error
        except OSError as error:
            # Includes every other SMTPException, TLS failures, refused connections, timeouts and disconnects.
            where = f"{self.settings.host}:{self.settings.port}"
            raise TransientMailError(f"could not send via {where}: {type(error).__name__}: {error}") from error

    def _deliver(self, message: EmailMessage) -> None:
        settings = self.settings
        if settings.security == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=settings.timeout, context=self.ssl_context
            )
        else:
            smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        try:
            if settings.security == "starttls":
                # Never falls back to plain text: a server without STARTTLS raises SMTPNotSupportedError.
                smtp.starttls(context=self.ssl_context)
            if settings.username:
                smtp.login(settings.username, settings.password or "")
            smtp.send_message(message)
        finally:
            # The message is already accepted; a failed QUIT must not make it look unsent and be sent twice.
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()


class FolderTransport:
    """Writes each message to a folder as an .eml file, for development and demonstrations."""

    def __init__(self, folder: str | os.PathLike[str]):
        self.folder = pathlib.Path(folder)

    def send(self, message: EmailMessage) -> None:
        """Write the message once per Message-ID; a repeat of the same message changes nothing."""
        data = message.as_bytes()
        slug = _slug(message["Message-ID"]) if message["Message-ID"] else hashlib.sha256(data).hexdigest()[:32]
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            if any(self.folder.glob(f"*-{slug}.eml")):
                return
            stamp = utcnow().strftime("%Y%m%dT%H%M%S%fZ")
            fd, temp = tempfile.mkstemp(dir=self.folder, prefix=".", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as file:
                    file.write(data)
                    file.flush()
                    os.fsync(file.fileno())
                # A reader never sees half a message: the file appears whole or not at all.
                os.replace(temp, self.folder / f"{stamp}-{slug}.eml")
            except BaseException:
                pathlib.Path(temp).unlink(missing_ok=True)
                raise
        except OSError as error:
            raise TransientMailError(f"could not write to {self.folder}: {error}") from error


def transport_from_config(config: Mapping) -> SmtpTransport | FolderTransport:
    """The transport the app's configuration asks for: SMTP when SMTP_HOST is set, else the outbox folder."""
    host = config.get("SMTP_HOST")
    if not host:
        return FolderTransport(config["OUTBOX_DIR"])
    security = str(config.get("SMTP_SECURITY") or "starttls").strip().lower()
    if security not in SECURITY_MODES:
        raise ValueError(f"SMTP_SECURITY must be one of {', '.join(SECURITY_MODES)}, not {security!r}")
    return SmtpTransport(
        SmtpSettings(
            host=str(host),
            port=int(config.get("SMTP_PORT") or DEFAULT_PORTS[security]),
            security=security,
            username=config.get("SMTP_USERNAME") or None,
            password=config.get("SMTP_PASSWORD") or None,
            timeout=float(config.get("SMTP_TIMEOUT") or 20),
            sender=config.get("MAIL_FROM") or DEFAULT_SENDER,
        )
    )


def build_message(row: OutboxMessage, sender: str) -> EmailMessage:
    """The email for one outbox row; its Message-ID is the row's, so every retry is the same message."""
    _check_recipient(row.to_address)
    message = EmailMessage(policy=email.policy.default.clone(max_line_length=998))
    try:
        message["From"] = sender
        message["To"] = row.to_address
        message["Subject"] = row.subject
        message["Message-ID"] = row.message_id
    except ValueError as error:  # a header with a line break in it
        raise PermanentMailError(f"cannot build message {row.message_id}: {error}") from error
    message["Date"] = email.utils.format_datetime(utcnow())
    body = row.body_text if row.body_text.endswith("\n") else row.body_text + "\n"
    plain = body.isascii() and all(len(line) <= _MAX_LINE for line in body.splitlines())
    # Never base64: the text, links included, stays readable in the raw message.
    message.set_content(body, charset="utf-8", cte="7bit" if plain else "quoted-printable")
    if row.attachment_sha256:
        message.add_attachment(_attachment(row.attachment_sha256), maintype="application", subtype="pdf",
                               filename=row.attachment_name or "document.pdf")
    return message


def _attachment(sha256: str) -> bytes:
    try:
        return blobs().get(sha256)
    except (BlobMissing, BlobCorrupt) as error:  # disposed of, or damaged: sending later will not mend it
        raise PermanentMailError(f"the attached file is not available: {error}") from error


def _check_recipient(address: str) -> None:
    try:
        header = email.policy.default.header_factory("To", address)
        addresses = header.addresses
        # Non-ASCII local parts are valid with SMTPUTF8; leave that to the server.
        defects = [d for d in header.defects if not isinstance(d, NonASCIILocalPartDefect)]
    except Exception as error:  # the header parser raises IndexError and others on some malformed input
        raise PermanentMailError(f"not a deliverable address: {address!r}") from error
    if "\r" in address or "\n" in address or defects or len(addresses) != 1 or not addresses[0].domain:
        raise PermanentMailError(f"not a deliverable address: {address!r}")


def _slug(message_id: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9@._-]+", "_", message_id.strip().strip("<>"))[:120]
    return slug or hashlib.sha256(message_id.encode()).hexdigest()[:32]


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
