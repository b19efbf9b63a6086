"""Builders for portal tests: delegates, organisation admins, provider admins, and a check
that a page would run under the portal's Content-Security-Policy."""

from __future__ import annotations

import re
from uuid import UUID

from cmeledger.actions.accounts import Role, create_user, join_organisation, set_sharing
from cmeledger.actions.pars import add_provider
from cmeledger.storage.ledger import Store
from tests.web.accounts import OWNER, PASSWORD

AS_OF = "2026-11-26"  # the tenant's CA cycle runs 2025-07-01 to 2027-06-30


def a_delegate(store: Store, name: str, *physicians: UUID) -> str:
    """A delegate account `name@example.org` granted the given ledgers."""
    with store.ledger(OWNER) as ledger:
        user = create_user(
            ledger,
            email=f"{name}@example.org",
            display_name=name.title(),
            role=Role.DELEGATE,
            password=PASSWORD,
        )
        for physician_id in physicians:
            ledger.accounts.grant(physician_id, user.id)
    return user.email


def an_organisation(store: Store, name: str, *members: UUID, sharing: bool = True) -> UUID:
    with store.ledger(OWNER) as ledger:
        organisation = ledger.accounts.add_organisation(name)
        for physician_id in members:
            join_organisation(ledger, organisation.id, physician_id)
            if sharing:
                set_sharing(ledger, organisation.id, physician_id, True)
    return organisation.id


def an_org_admin(store: Store, name: str, organisation_id: UUID) -> str:
    with store.ledger(OWNER) as ledger:
        user = create_user(
            ledger,
            email=f"{name}@example.org",
            display_name=name.title(),
            role=Role.ORG_ADMIN,
            password=PASSWORD,
            organisation_id=organisation_id,
        )
    return user.email


def a_provider_admin(store: Store, name: str) -> str:
    with store.ledger(OWNER) as ledger:
        provider = add_provider(ledger, "0001234", "Test Provider", None, None)
        user = create_user(
            ledger,
            email=f"{name}@example.org",
            display_name=name.title(),
            role=Role.PROVIDER_ADMIN,
            password=PASSWORD,
            provider_id=provider.id,
        )
    return user.email


_INLINE = (
    re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),  # a script without src
    re.compile(r"<style\b", re.IGNORECASE),
    re.compile(r"\sstyle\s*=", re.IGNORECASE),
    re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),  # onclick=, onload=, …
    re.compile(r"\shx-on[:-]", re.IGNORECASE),
    re.compile(r"javascript:", re.IGNORECASE),
)


def inline_code(html: str) -> list[str]:
    """Everything in `html` that a `script-src 'self'; style-src 'self'` policy would block."""
    return [m.group(0) for pattern in _INLINE for m in pattern.finditer(html)]


def post_forms(html: str) -> list[str]:
    """The actions of the page's POST forms, sign-out excepted."""
    actions = re.findall(r'<form[^>]*method="post"[^>]*action="([^"]*)"', html)
    return [a for a in actions if a != "/logout"]
