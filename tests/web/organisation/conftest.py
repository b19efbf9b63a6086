"""A real SMTP server on 127.0.0.1 for every test here, and the app set up to send to it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from cmeledger.settings import Settings
from tests.mail.smtp_server import LocalSmtp, local_smtp


@pytest.fixture
def smtp() -> Iterator[LocalSmtp]:
    with local_smtp() as server:
        yield server


@pytest.fixture
def web_settings(tmp_path: Path, smtp: LocalSmtp) -> Settings:
    """The shared web settings, plus the local mail server."""
    return Settings(
        home=tmp_path / "home",
        public_url="https://testserver",
        cookie_secure=True,
        max_upload_bytes=1024 * 1024,
        smtp_url=SecretStr(smtp.url),
        mail_from="Clinic Reminders <reminders@clinic.example.org>",
    )
