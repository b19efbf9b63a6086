"""Pure parts of sending mail: reading the server URL and building a message (no I/O).

The server URL (`CMELEDGER_SMTP_URL`) says how to reach the mail server:

    smtp://[user[:password]@]host[:port][?starttls=1][&timeout=30]
    smtps://[user[:password]@]host[:port][?timeout=30]

- `smtp://` talks plain SMTP (port 25 by default). With `?starttls=1` (also `true`, `yes`,
  `on`) it upgrades the connection with STARTTLS before anything else is said, refuses to
  go on if the server does not offer it, and defaults to port 587 (submission).
- `smtps://` is TLS from the first byte (implicit TLS, port 465 by default).
- Certificates are checked against the system's trust store and the host name.
- A user name and password are percent-decoded (write `@` as `%40`). They are refused on a
  plain connection to anything but this machine, so a password never crosses a network in
  clear text.
- `timeout` is seconds per network operation (default 30).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, getaddresses, make_msgid
from typing import Literal
from urllib.parse import parse_qsl, unquote, urlsplit

from cmeledger.errors import CmeLedgerError, ConfigurationError

Security = Literal["plain", "starttls", "tls"]
DEFAULT_TIMEOUT = 30.0
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})
_PARAMS = ("starttls", "timeout")
_LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})


class AddressError(CmeLedgerError):
    """An e-mail address that cannot be written into a message header."""


@dataclass(frozen=True, slots=True)
class SmtpTarget:
    """Where and how to deliver; `repr` and `server` never show the password."""

    host: str
    port: int
    security: Security
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = DEFAULT_TIMEOUT

    @property
    def server(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


def _flag(name: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ConfigurationError(f"CMELEDGER_SMTP_URL: {name}={value!r} should be 1 or 0")


def parse_smtp_url(url: str) -> SmtpTarget:
    """The mail server described by `url` (see the module docstring for the format)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise ConfigurationError(f"CMELEDGER_SMTP_URL is not a valid URL ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in ("smtp", "smtps"):
        raise ConfigurationError(
            "CMELEDGER_SMTP_URL must start with smtp:// or smtps:// "
            "(for example smtp://user:password@mail.example.org:587?starttls=1)"
        )
    if not parts.hostname:
        raise ConfigurationError("CMELEDGER_SMTP_URL names no mail server host")
    if parts.path not in ("", "/") or parts.fragment:
        raise ConfigurationError("CMELEDGER_SMTP_URL takes no path; only host, port and options")
    options: dict[str, str] = {}
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key not in _PARAMS:
            raise ConfigurationError(
                f"CMELEDGER_SMTP_URL: unknown option {key!r} (known: {', '.join(_PARAMS)})"
            )
        options[key] = value
    starttls = _flag("starttls", options.get("starttls", "0"))
    if scheme == "smtps" and starttls:
        raise ConfigurationError(
            "CMELEDGER_SMTP_URL: smtps:// is already TLS; use smtp://…?starttls=1 for STARTTLS"
        )
    try:
        timeout = float(options.get("timeout", DEFAULT_TIMEOUT))
    except ValueError:
        raise ConfigurationError(
            "CMELEDGER_SMTP_URL: timeout must be a number of seconds"
        ) from None
    if not 0 < timeout <= 600:
        raise ConfigurationError("CMELEDGER_SMTP_URL: timeout must be between 0 and 600 seconds")
    security: Security = "tls" if scheme == "smtps" else "starttls" if starttls else "plain"
    default_port = {"tls": 465, "starttls": 587, "plain": 25}[security]
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    host = parts.hostname
    if username and security == "plain" and host not in _LOOPBACK:
        raise ConfigurationError(
            f"CMELEDGER_SMTP_URL would send the password to {host} in clear text; "
            "use smtps:// or add ?starttls=1"
        )
    return SmtpTarget(
        host=host,
        port=port or default_port,
        security=security,
        username=username,
        password=password,
        timeout=timeout,
    )


def parse_address(text: str, what: str) -> tuple[str, str]:
    """(display name, address) of exactly one address; AddressError otherwise."""
    if "\r" in text or "\n" in text:
        raise AddressError(f"the {what} address {text!r} has a line break in it")
    found = getaddresses([text])
    if len(found) != 1 or "@" not in found[0][1]:
        raise AddressError(f"{text!r} is not one e-mail address (the {what})")
    name, addr = found[0]
    local, _, domain = addr.rpartition("@")
    try:
        Address(addr_spec=addr)
    except (ValueError, IndexError, HeaderParseError):
        raise AddressError(f"{addr!r} is not a valid e-mail address (the {what})") from None
    if not local or not domain:
        raise AddressError(f"{addr!r} is not a valid e-mail address (the {what})")
    return name, addr


def one_line(text: str) -> str:
    """Header text from outside (names, licence labels) folded into one line."""
    return " ".join(text.split())


def build_message(
    *,
    sender: str,
    to: str,
    subject: str,
    text: str,
    at: datetime,
    to_name: str | None = None,
) -> EmailMessage:
    """A plain-text UTF-8 message, marked as sent by a machine (RFC 3834) so that
    out-of-office replies do not answer it."""
    sender_name, sender_addr = parse_address(sender, "sender")
    given_name, to_addr = parse_address(to, "recipient")
    message = EmailMessage()
    message["From"] = formataddr((one_line(sender_name), sender_addr))
    message["To"] = formataddr((one_line(to_name or given_name), to_addr))
    message["Subject"] = one_line(subject)
    message["Date"] = format_datetime(at)
    # A domain is given so that make_msgid does not ask the network for this host's name.
    message["Message-ID"] = make_msgid(domain=sender_addr.rpartition("@")[2])
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text, charset="utf-8")
    return message
