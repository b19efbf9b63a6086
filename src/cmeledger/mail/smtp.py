"""Delivering messages to an SMTP server (stdlib smtplib), with errors that name the server.

`Mailer` and `Outbox` are the boundary the use cases depend on; `SmtpMailer` is the real one.
A connection is opened once per run (`with mailer.connect() as outbox:`) and every message
of the run goes through it. The URL format is described in `cmeledger.mail.message`.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from email.message import EmailMessage
from typing import Protocol

from cmeledger.errors import CmeLedgerError, ConfigurationError
from cmeledger.mail.message import SmtpTarget, parse_smtp_url
from cmeledger.settings import Settings


class MailError(CmeLedgerError):
    """The mail server could not be reached, or refused what we sent; nothing was delivered."""

    exit_code = 9


class RecipientRefusedError(MailError):
    """The server refused this one recipient; other messages may still go through."""

    def __init__(self, message: str, recipient: str) -> None:
        super().__init__(message)
        self.recipient = recipient


class Outbox(Protocol):
    def send(self, message: EmailMessage) -> None: ...


class Mailer(Protocol):
    def connect(self) -> AbstractContextManager[Outbox]: ...


def _reason(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        raw = exc.smtp_error
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw or "")
        return f"{exc.smtp_code} {text}".strip()
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


class SmtpOutbox:
    def __init__(self, client: smtplib.SMTP, server: str) -> None:
        self._client = client
        self._server = server

    def send(self, message: EmailMessage) -> None:
        recipient = str(message["To"])
        try:
            self._client.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            reasons = "; ".join(_reason(_as_error(v)) for v in exc.recipients.values())
            raise RecipientRefusedError(
                f"the mail server {self._server} refused the recipient {recipient} ({reasons})",
                recipient,
            ) from None
        except smtplib.SMTPSenderRefused as exc:
            raise MailError(
                f"the mail server {self._server} refused the sender address "
                f"{message['From']} ({_reason(exc)}); check CMELEDGER_MAIL_FROM"
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise MailError(
                f"the mail server {self._server} did not take the message ({_reason(exc)})"
            ) from None


def _as_error(value: tuple[int, bytes]) -> smtplib.SMTPResponseException:
    code, text = value
    return smtplib.SMTPResponseException(code, text)


class SmtpMailer:
    """`ssl_context` replaces the default (system trust store, host name checked), for a
    server whose certificate comes from a private authority."""

    def __init__(
        self,
        target: SmtpTarget,
        *,
        ssl_context: ssl.SSLContext | None = None,
        local_hostname: str | None = None,
    ) -> None:
        self.target = target
        self._context = ssl_context
        self._local_hostname = local_hostname

    def _ssl(self) -> ssl.SSLContext:
        return self._context if self._context is not None else ssl.create_default_context()

    def _open(self) -> smtplib.SMTP:
        t = self.target
        try:
            if t.security == "tls":
                client: smtplib.SMTP = smtplib.SMTP_SSL(
                    t.host,
                    t.port,
                    local_hostname=self._local_hostname,
                    timeout=t.timeout,
                    context=self._ssl(),
                )
            else:
                client = smtplib.SMTP(
                    t.host, t.port, local_hostname=self._local_hostname, timeout=t.timeout
                )
        except ssl.SSLError as exc:
            raise MailError(
                f"the TLS handshake with the mail server {t.server} failed ({exc})"
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise MailError(
                f"cannot reach the mail server {t.server} ({_reason(exc)}); "
                "check CMELEDGER_SMTP_URL and that the server is running"
            ) from None
        try:
            self._greet(client)
        except BaseException:
            client.close()
            raise
        return client

    def _greet(self, client: smtplib.SMTP) -> None:
        t = self.target
        try:
            client.ehlo()
            if t.security == "starttls":
                if not client.has_extn("starttls"):
                    raise MailError(
                        f"the mail server {t.server} does not offer STARTTLS; "
                        "remove ?starttls=1 only if the network is trusted, or use smtps://"
                    )
                client.starttls(context=self._ssl())
                client.ehlo()
            if t.username:
                client.login(t.username, t.password or "")
        except smtplib.SMTPAuthenticationError as exc:
            raise MailError(
                f"the mail server {t.server} refused the user name or password ({_reason(exc)})"
            ) from None
        except smtplib.SMTPNotSupportedError:
            raise MailError(
                f"the mail server {t.server} does not accept a sign-in here; "
                "remove the user name from CMELEDGER_SMTP_URL or use TLS"
            ) from None
        except ssl.SSLError as exc:
            raise MailError(
                f"the TLS handshake with the mail server {t.server} failed ({exc})"
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise MailError(f"the mail server {t.server} refused us ({_reason(exc)})") from None

    @contextmanager
    def connect(self) -> Iterator[Outbox]:
        """An open, greeted (and signed-in) connection; closed politely at the end."""
        client = self._open()
        try:
            yield SmtpOutbox(client, self.target.server)
        finally:
            try:
                client.quit()
            except (smtplib.SMTPException, OSError):
                client.close()  # everything was already handed over; only the goodbye failed


def mailer_from_settings(
    settings: Settings, *, ssl_context: ssl.SSLContext | None = None
) -> SmtpMailer:
    if settings.smtp_url is None:
        raise ConfigurationError(
            "no mail server is configured: set CMELEDGER_SMTP_URL, for example "
            "smtp://user:password@mail.example.org:587?starttls=1 or smtps://…:465"
        )
    return SmtpMailer(parse_smtp_url(settings.smtp_url.get_secret_value()), ssl_context=ssl_context)
