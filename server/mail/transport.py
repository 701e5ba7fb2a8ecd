"""Where composed messages go: an outbox folder of `.eml` files (default) or an SMTP server.

SMTP runs the stdlib `smtplib` in a worker thread (no anyio SMTP client is installed). Errors
are reduced to a generic reason — exception class and SMTP code — because a server's reply text
often quotes the recipient's address, and reasons end up in logs and in the advisor's view.
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

import trio

from server.config import MailConfig

log = logging.getLogger(__name__)


class DeliveryError(Exception):
    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class MailTransport(Protocol):
    async def send(self, message: EmailMessage, name: str) -> str | None:
        """Deliver; return the outbox file name if the message was written to a file."""
        ...


class OutboxTransport:
    """Writes each message as `<name>.eml` (readable by any mail program), atomically."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def send(self, message: EmailMessage, name: str) -> str | None:
        await trio.to_thread.run_sync(self._write, message, name)
        log.info("message written to outbox file %s", self.folder / f"{name}.eml")
        return f"{name}.eml"

    def _write(self, message: EmailMessage, name: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        final = self.folder / f"{name}.eml"
        partial = self.folder / f".{name}.eml.tmp"
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(message.as_bytes())
            f.flush()
            os.fsync(f.fileno())
        os.replace(partial, final)


def _reason(exc: BaseException) -> tuple[str, bool]:
    """A reason without the server's text, and whether retrying is pointless (5xx)."""
    code: int | None = None
    if isinstance(exc, smtplib.SMTPResponseException):
        code = exc.smtp_code
    elif isinstance(exc, smtplib.SMTPRecipientsRefused) and exc.recipients:
        code = next(iter(exc.recipients.values()))[0]
    permanent = code is not None and 500 <= code < 600
    if isinstance(exc, smtplib.SMTPAuthenticationError | ssl.SSLCertVerificationError):
        permanent = False  # configuration problems: an operator may fix them, keep retrying
    reason = type(exc).__name__ + (f" {code}" if code is not None else "")
    return reason, permanent


class SmtpTransport:
    def __init__(self, config: MailConfig) -> None:
        self._config = config

    async def send(self, message: EmailMessage, name: str) -> str | None:
        try:
            await trio.to_thread.run_sync(self._send_sync, message)
        except (smtplib.SMTPException, OSError) as exc:
            reason, permanent = _reason(exc)
            raise DeliveryError(reason, permanent=permanent) from None
        log.info("message %s handed to the SMTP server", name)
        return None

    def _tls_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self._config.smtp_ca_file or None)

    def _send_sync(self, message: EmailMessage) -> None:
        c = self._config
        client: smtplib.SMTP
        if c.smtp_tls:
            client = smtplib.SMTP_SSL(c.smtp_host, c.smtp_port, timeout=c.smtp_timeout_seconds,
                                      context=self._tls_context())
        else:
            client = smtplib.SMTP(c.smtp_host, c.smtp_port, timeout=c.smtp_timeout_seconds)
        with client:
            client.ehlo()
            if c.smtp_starttls and not c.smtp_tls:
                client.starttls(context=self._tls_context())
                client.ehlo()
            if c.smtp_username:
                client.login(c.smtp_username, c.smtp_password)
            client.send_message(message)
