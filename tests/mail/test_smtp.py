"""Sending mail: the server URL, message building, and delivery to a real local server."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import SecretStr

from cmeledger.errors import ConfigurationError
from cmeledger.mail.message import AddressError, build_message, parse_smtp_url
from cmeledger.mail.smtp import MailError, RecipientRefusedError, SmtpMailer, mailer_from_settings
from cmeledger.settings import Settings
from tests.mail.smtp_server import free_port, local_smtp, self_signed

AT = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)


def a_message(to: str = "ada@example.org", subject: str = "CME reminder") -> object:
    return build_message(
        sender="CME Ledger <noreply@example.org>",
        to=to,
        subject=subject,
        text="Your CME is due on 2027-03-01.\nRemaining hours: 5.5\n",
        at=AT,
    )


# the URL ------------------------------------------------------------------------------------
def test_it_reads_a_starttls_submission_url_with_a_percent_encoded_user() -> None:
    target = parse_smtp_url("smtp://office%40example.org:s%3Acret@mail.example.org?starttls=1")
    assert (target.host, target.port, target.security) == ("mail.example.org", 587, "starttls")
    assert (target.username, target.password) == ("office@example.org", "s:cret")
    assert "s:cret" not in repr(target)
    assert target.server == "mail.example.org:587"


def test_it_uses_implicit_tls_on_465_for_smtps_and_plain_25_for_smtp() -> None:
    assert parse_smtp_url("smtps://mail.example.org").port == 465
    assert parse_smtp_url("smtps://mail.example.org").security == "tls"
    plain = parse_smtp_url("smtp://127.0.0.1?timeout=5")
    assert (plain.port, plain.security, plain.timeout) == (25, "plain", 5.0)


@pytest.mark.parametrize(
    ("url", "complaint"),
    [
        ("http://mail.example.org", "smtp:// or smtps://"),
        ("smtp://", "no mail server host"),
        ("smtp://mail.example.org?tls=1", "unknown option 'tls'"),
        ("smtp://mail.example.org?starttls=maybe", "starttls='maybe'"),
        ("smtps://mail.example.org?starttls=1", "already TLS"),
        ("smtp://u:p@mail.example.org:25", "in clear text"),
        ("smtp://mail.example.org?timeout=soon", "number of seconds"),
    ],
)
def test_it_refuses_a_smtp_url_it_cannot_use_safely(url: str, complaint: str) -> None:
    with pytest.raises(ConfigurationError, match=complaint) as raised:
        parse_smtp_url(url)
    assert ":p@" not in str(raised.value)


def test_it_asks_for_a_smtp_url_when_none_is_configured(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="CMELEDGER_SMTP_URL"):
        mailer_from_settings(Settings(home=tmp_path, smtp_url=None))


# the message --------------------------------------------------------------------------------
def test_it_builds_a_plain_text_machine_sent_message_without_any_io() -> None:
    message = build_message(
        sender="CME Ledger <noreply@localhost>",
        to="zoë@example.org".replace("ë", "e"),
        to_name="Zoë Tester",
        subject="Due\r\nBcc: victim@example.org soon",
        text="Remaining hours: 5.5 · due 1 Mar 2027\n",
        at=AT,
    )
    assert message["Subject"] == "Due Bcc: victim@example.org soon"
    assert message["Bcc"] is None
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Date"] == "Thu, 26 Nov 2026 09:30:00 +0000"
    assert message["Message-ID"].endswith("@localhost>")
    assert "Zoë Tester" in str(message["To"])
    assert message.get_content() == "Remaining hours: 5.5 · due 1 Mar 2027\n"


@pytest.mark.parametrize("bad", ["", "not an address", "a@", "x@y.org, z@y.org", "a\n@b.org"])
def test_it_refuses_a_recipient_that_is_not_one_address(bad: str) -> None:
    with pytest.raises(AddressError):
        a_message(to=bad)


# delivery -----------------------------------------------------------------------------------
def test_it_delivers_a_message_to_a_local_smtp_server() -> None:
    with local_smtp() as server:
        mailer = SmtpMailer(parse_smtp_url(server.url))
        with mailer.connect() as outbox:
            outbox.send(a_message())  # type: ignore[arg-type]
        assert len(server.messages) == 1
        got = server.messages[0]
    assert got.envelope_to == ["ada@example.org"]
    assert got.envelope_from == "noreply@example.org"
    assert got.message["Subject"] == "CME reminder"
    assert "Remaining hours: 5.5" in got.body


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_it_signs_in_with_the_user_and_password_from_the_url() -> None:
    with local_smtp(credentials=("office", "s3cret")) as server:
        good = SmtpMailer(parse_smtp_url(f"smtp://office:s3cret@127.0.0.1:{server.port}"))
        with good.connect() as outbox:
            outbox.send(a_message())  # type: ignore[arg-type]
        bad = SmtpMailer(parse_smtp_url(f"smtp://office:wrong@127.0.0.1:{server.port}?timeout=5"))
        with (
            pytest.raises(MailError, match="refused the user name or password") as raised,
            bad.connect(),
        ):
            pass
        assert len(server.messages) == 1
    assert f"127.0.0.1:{server.port}" in str(raised.value)
    assert "wrong" not in str(raised.value)


def test_it_names_the_server_when_nothing_listens_there() -> None:
    port = free_port()
    mailer = SmtpMailer(parse_smtp_url(f"smtp://127.0.0.1:{port}?timeout=5"))
    with (
        pytest.raises(MailError, match=f"cannot reach the mail server 127.0.0.1:{port}"),
        mailer.connect(),
    ):
        pass


def test_it_upgrades_with_starttls_and_checks_the_certificate(tmp_path: Path) -> None:
    cert = self_signed(tmp_path)
    with local_smtp(credentials=("office", "s3cret"), tls_context=cert.server) as server:
        url = f"smtp://office:s3cret@127.0.0.1:{server.port}?starttls=1"
        trusted = SmtpMailer(parse_smtp_url(url), ssl_context=cert.client)
        with trusted.connect() as outbox:
            outbox.send(a_message())  # type: ignore[arg-type]
        untrusting = SmtpMailer(parse_smtp_url(url))  # the system store does not know it
        with pytest.raises(MailError, match="TLS handshake"), untrusting.connect():
            pass
        assert len(server.messages) == 1


def test_it_refuses_to_go_on_in_clear_text_when_starttls_is_not_offered() -> None:
    with local_smtp() as server:
        mailer = SmtpMailer(parse_smtp_url(f"smtp://127.0.0.1:{server.port}?starttls=1"))
        with pytest.raises(MailError, match="does not offer STARTTLS"), mailer.connect():
            pass
        assert server.messages == []


def test_it_reports_a_refused_recipient_and_keeps_the_connection_for_the_next() -> None:
    with local_smtp() as server:
        server.collector.refuse.add("gone@example.org")
        with SmtpMailer(parse_smtp_url(server.url)).connect() as outbox:
            with pytest.raises(RecipientRefusedError, match="550") as raised:
                outbox.send(a_message(to="gone@example.org"))  # type: ignore[arg-type]
            outbox.send(a_message())  # type: ignore[arg-type]
        assert [m.envelope_to for m in server.messages] == [["ada@example.org"]]
    assert raised.value.recipient == "gone@example.org"


def test_it_builds_the_mailer_from_the_settings(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, smtp_url=SecretStr("smtps://u:p@mail.example.org:2465"))
    mailer = mailer_from_settings(settings)
    assert (mailer.target.server, mailer.target.security) == ("mail.example.org:2465", "tls")
