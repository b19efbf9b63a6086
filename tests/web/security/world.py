"""Two tenants with a record of every kind, for the security tests.

Side A is the one whose people sign in; side B is what their attempts aim at. Every name
of B's (physician, documents, organisation, provider, activity, learner, credit IDs)
contains MARK, and none of A's does, so any of B's data in an answer is one substring
search away.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from decimal import Decimal
from uuid import UUID

from cmeledger.actions import accounts
from cmeledger.actions.accounts import Role, create_user, grant_delegate
from cmeledger.actions.document_pages import store_upload
from cmeledger.actions.import_batches import queue_import
from cmeledger.actions.pars import add_provider
from cmeledger.audit.chain import Entry
from cmeledger.domain.pars.model import CME_CERTIFICATION, LearnerCredit
from cmeledger.storage.ledger import Store
from tests.importers.certificates.builders import certificate_pdf
from tests.pars_builders import a_learner, a_record, an_activity
from tests.web.accounts import OWNER, PASSWORD, Tenant, a_tenant

MARK = "zephyr"


@dataclass(frozen=True)
class Side:
    """One tenant: a physician with a sign-in (and licence, certification, DEA, a credit),
    and around it a document, an import batch, an open review item, a delegate, an
    organisation the physician shares with (an admin and an auditor), an API token, and a
    PARS provider (an admin, an accepted activity, a rejected and an accepted credit)."""

    tenant: Tenant
    name: str
    document_id: UUID
    document_name: str
    document_bytes: bytes = field(repr=False)
    batch_id: UUID
    item_id: UUID
    delegate_id: UUID
    delegate_email: str
    organisation_id: UUID
    org_admin_email: str
    auditor_email: str
    token_id: UUID
    token: str
    provider_id: UUID
    provider_accme_id: str
    provider_admin_email: str
    activity_id: UUID
    rejected_credit_id: str
    accepted_credit_id: str
    numbers: tuple[str, ...] = field(repr=False)  # licence, DEA and board numbers

    def ids(self) -> tuple[str, ...]:
        """Every id of this side's records, as text."""
        t = self.tenant
        uuids = (
            t.physician_id,
            t.user_id,
            t.license_id,
            t.certification_id,
            t.dea_id,
            t.completion_id,
            self.document_id,
            self.batch_id,
            self.item_id,
            self.delegate_id,
            self.organisation_id,
            self.token_id,
            self.provider_id,
            self.activity_id,
        )
        return (*(str(u) for u in uuids), self.rejected_credit_id, self.accepted_credit_id)


def a_side(store: Store, name: str, accme_id: str) -> Side:
    tenant = a_tenant(store, name)
    pid = tenant.physician_id
    title = name.title()
    pdf = certificate_pdf(lines=("CERTIFICATE OF COMPLETION", f"{title} Tester, MD"))
    with store.ledger(OWNER) as ledger:
        document, _ = store_upload(ledger, pid, f"{name}-certificate.pdf", io.BytesIO(pdf))
        batch = queue_import(ledger, pid, [(f"{name}-transcript.pdf", io.BytesIO(pdf + b"\n"))])
        item_id = ledger.review.add(
            pid,
            kind="extracted",
            reasons=["made out to someone else"],
            record={
                "source_kind": "certificate",
                "title": f"{title} review course",
                "provider": f"{title} Medical Education",
                "completion_date": "2026-06-03",
                "credits": [{"type": "ama_pra_1", "amount": "1.5", "role": "awarded"}],
            },
            document_sha256=document.sha256,
            page=1,
        )
        delegate_email = f"assistant@{name}.example.org"
        create_user(
            ledger,
            email=delegate_email,
            display_name=f"{title} assistant",
            role=Role.DELEGATE,
            password=PASSWORD,
        )
        delegate = grant_delegate(ledger, pid, delegate_email)
        organisation = ledger.accounts.add_organisation(f"{title} Clinic Group")
        accounts.join_organisation(ledger, organisation.id, pid)
        accounts.set_sharing(ledger, organisation.id, pid, True)
        org_admin = create_user(
            ledger,
            email=f"office@{name}-group.example.org",
            display_name=f"{title} office",
            role=Role.ORG_ADMIN,
            password=PASSWORD,
            organisation_id=organisation.id,
        )
        auditor = create_user(
            ledger,
            email=f"auditor@{name}-group.example.org",
            display_name=f"{title} auditor",
            role=Role.AUDITOR,
            password=PASSWORD,
            organisation_id=organisation.id,
        )
        found = ledger.accounts.by_email(tenant.email)
        assert found is not None
        token, secret = accounts.create_token(ledger, found[0], f"{name} script")
        provider = add_provider(ledger, accme_id, f"{title} CME", None, None)
        provider_admin = create_user(
            ledger,
            email=f"pars@{name}-cme.example.org",
            display_name=f"{title} PARS admin",
            role=Role.PROVIDER_ADMIN,
            password=PASSWORD,
            provider_id=provider.id,
        )
        activity_accme = f"2026{int(accme_id):05d}"
        activity = ledger.pars.save_activity(
            provider.id,
            an_activity(
                provider_id=accme_id,
                title=f"{title} Grand Rounds",
                provider_activity_id=f"{name}-GR-1",
                accme_id=activity_accme,
            ),
            "accepted",
        )
        rejected, accepted = f"ccid:{name}.example.org:1-cme", f"ccid:{name}.example.org:2-cme"
        record = a_record(
            activity_accme,
            provider_id=accme_id,
            activity_title=f"{title} Grand Rounds",
            learner=a_learner(first_name=title, last_name=f"{title}son"),
            credits=(
                LearnerCredit(rejected, CME_CERTIFICATION, Decimal("1.00")),
                LearnerCredit(accepted, CME_CERTIFICATION, Decimal("1.00")),
            ),
        )
        ledger.pars.add_learner_record(provider.id, activity.id, record)
        ledger.pars.set_credit_state(provider.id, rejected, "rejected", "LRN-004 no match")
        ledger.pars.set_credit_state(provider.id, accepted, "accepted")
        numbers = (
            ledger.credentials.license(pid, tenant.license_id).number,
            ledger.credentials.dea_registration(pid, tenant.dea_id).number,
            ledger.credentials.certification(pid, tenant.certification_id).board_id or "",
        )
    return Side(
        tenant=tenant,
        name=name,
        document_id=document.id,
        document_name=f"{name}-certificate.pdf",
        document_bytes=pdf,
        batch_id=batch.id,
        item_id=item_id,
        delegate_id=delegate.id,
        delegate_email=delegate_email,
        organisation_id=organisation.id,
        org_admin_email=org_admin.email,
        auditor_email=auditor.email,
        token_id=token.id,
        token=secret,
        provider_id=provider.id,
        provider_accme_id=accme_id,
        provider_admin_email=provider_admin.email,
        activity_id=activity.id,
        rejected_credit_id=rejected,
        accepted_credit_id=accepted,
        numbers=numbers,
    )


@dataclass(frozen=True)
class World:
    a: Side
    b: Side

    def emails(self) -> dict[str, str]:
        """Each role of side A, by name, with its sign-in e-mail."""
        return {
            "physician": self.a.tenant.email,
            "delegate": self.a.delegate_email,
            "org_admin": self.a.org_admin_email,
            "auditor": self.a.auditor_email,
            "provider_admin": self.a.provider_admin_email,
        }


def a_world(store: Store) -> World:
    return World(a=a_side(store, "ada", "0001234"), b=a_side(store, f"{MARK}ine", "0007654"))


def snapshot(store: Store, side: Side) -> dict[str, str]:
    """What the side holds, as text to compare before and after an attack."""
    pid = side.tenant.physician_id
    with store.ledger(OWNER) as ledger:
        return {
            "profile": repr(ledger.physicians.get(pid)),
            "licences": repr(ledger.credentials.licenses(pid)),
            "certifications": repr(ledger.credentials.certifications(pid)),
            "dea": repr(ledger.credentials.dea_registrations(pid)),
            "credits": repr(ledger.completions.for_physician(pid)),
            "documents": repr(ledger.documents.for_physician(pid)),
            "imports": repr(ledger.imports.count_for(pid)),
            "review": repr(ledger.review.open_items(pid)),
            "delegates": repr(ledger.accounts.delegates_of(pid)),
            "memberships": repr(ledger.accounts.memberships_of(pid)),
            "sharing": repr(sorted(ledger.accounts.sharing_members(side.organisation_id))),
            "tokens": repr(
                [(t.id, t.revoked) for t in ledger.accounts.tokens(side.tenant.user_id)]
            ),
            "activities": repr(ledger.pars.activities(side.provider_id)),
            "pars credits": repr(ledger.pars.credit_states(side.provider_id)),
            "pars jobs": repr(ledger.pars.job_counts(side.provider_id)),
        }


def audit_entries(store: Store) -> list[Entry]:
    """The whole audit log, oldest first."""
    with store.ledger(OWNER) as ledger:
        last = ledger.audit.head()[0]
        return [link.entry for link in ledger.audit.links(last)]


def api_token(store: Store, email: str) -> str:
    """A fresh API token of the user with this e-mail."""
    with store.ledger(OWNER) as ledger:
        found = ledger.accounts.by_email(email)
        assert found is not None
        _, secret = accounts.create_token(ledger, found[0], "security tests")
    return secret
