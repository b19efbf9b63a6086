"""The real app under uvicorn on a loopback port, with its own import worker, and the
people and certificate the browser tests work with."""

from __future__ import annotations

import io
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

import uvicorn
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas

from cmeledger.actions.accounts import Role, create_user, join_organisation, set_sharing
from cmeledger.actions.pars import add_provider
from cmeledger.server.app import create_app
from cmeledger.settings import Settings
from cmeledger.storage.ledger import Store
from tests.web.accounts import OWNER, PASSWORD

MAX_UPLOAD = 1024 * 1024  # the test BlobStore's limit


@dataclass(frozen=True)
class Portal:
    url: str
    store: Store


@contextmanager
def running_portal(store: Store, home: Path) -> Iterator[Portal]:
    """The app with `background=True`, so uploads are read by the server's own worker
    thread as in production. Chromium keeps Secure cookies for http://127.0.0.1, so the
    cookies stay Secure here too."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    settings = Settings(home=home, public_url=url, cookie_secure=True, max_upload_bytes=MAX_UPLOAD)
    app = create_app(store, settings, background=True)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    try:
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the portal did not start under uvicorn")
            time.sleep(0.02)
        yield Portal(url, store)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        listener.close()


@dataclass(frozen=True)
class Certificate:
    """A certificate whose completion date is missing, so the importer reads it but sends
    it to review with the date flagged; the reviewer supplies `completed_on`."""

    learner: str
    title: str = "Anticoagulation in Atrial Fibrillation"
    provider: str = "Riverbend Medical Education"
    hours: str = "1.5"
    completed_on: str = "2026-09-14"

    @property
    def statement(self) -> str:
        """A sentence found only on the certificate itself (not in the ledger's own tables)."""
        return f"{self.provider} certifies that"

    def lines(self) -> tuple[str, ...]:
        return (
            "CERTIFICATE OF COMPLETION",
            self.statement,
            f"{self.learner}, MD",
            "has participated in the enduring material titled",
            self.title,
            f"and is awarded {self.hours} AMA PRA Category 1 Credits(TM).",
            f"{self.provider} designates this enduring material for a maximum of",
            "2.00 AMA PRA Category 1 Credits(TM).",
        )

    def pdf(self) -> bytes:
        out = io.BytesIO()
        pdf = canvas.Canvas(out, pagesize=letter, invariant=1)
        y = 700.0
        for i, line in enumerate(self.lines()):
            pdf.setFont("Helvetica-Bold" if i in (0, 4) else "Helvetica", 14 if i else 18)
            pdf.drawCentredString(306, y, line)
            y -= 34
        pdf.showPage()
        pdf.save()
        return out.getvalue()


def an_org_admin(store: Store, name: str, *members: UUID) -> str:
    """An organisation whose members all share their status, and its admin's e-mail."""
    with store.ledger(OWNER) as ledger:
        organisation = ledger.accounts.add_organisation(f"{name.title()} Medical Group")
        for member in members:
            join_organisation(ledger, organisation.id, member)
            set_sharing(ledger, organisation.id, member, True)
        user = create_user(
            ledger,
            email=f"{name}@example.org",
            display_name=name.title(),
            role=Role.ORG_ADMIN,
            password=PASSWORD,
            organisation_id=organisation.id,
        )
    return user.email


def a_provider_admin(store: Store, name: str) -> str:
    with store.ledger(OWNER) as ledger:
        provider = add_provider(ledger, "0004242", f"{name.title()} CME Institute", None, None)
        user = create_user(
            ledger,
            email=f"{name}@example.org",
            display_name=name.title(),
            role=Role.PROVIDER_ADMIN,
            password=PASSWORD,
            provider_id=provider.id,
        )
    return user.email
