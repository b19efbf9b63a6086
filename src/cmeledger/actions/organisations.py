"""Organisations: creating them, and the OpenID Connect sign-in some of them bring."""

from __future__ import annotations

from urllib.parse import urlsplit

from cmeledger.audit import events
from cmeledger.errors import CmeLedgerError
from cmeledger.storage.ledger import Ledger
from cmeledger.storage.repositories.accounts import Organisation


def add_organisation(
    ledger: Ledger,
    name: str,
    *,
    oidc_issuer: str | None = None,
    oidc_client_id: str | None = None,
    oidc_client_secret: str | None = None,
) -> Organisation:
    if not name.strip():
        raise CmeLedgerError("the organisation needs a name")
    given = (oidc_issuer, oidc_client_id, oidc_client_secret)
    if any(v is not None for v in given) and not all(given):
        raise CmeLedgerError(
            "OpenID Connect needs all three: --oidc-issuer, --oidc-client-id and "
            "--oidc-client-secret-file"
        )
    if oidc_issuer is not None:
        parts = urlsplit(oidc_issuer)
        local = parts.hostname in ("localhost", "127.0.0.1", "::1")
        if parts.scheme != "https" and not (parts.scheme == "http" and local):
            raise CmeLedgerError(
                f"the OIDC issuer {oidc_issuer!r} must be an https:// URL "
                "(plain http only for a provider on this machine)"
            )
    organisation = ledger.accounts.add_organisation(
        name.strip(),
        oidc_issuer=None if oidc_issuer is None else oidc_issuer.rstrip("/"),
        oidc_client_id=oidc_client_id,
        oidc_client_secret=oidc_client_secret,
        cipher=ledger.cipher,
    )
    ledger.audit.record(events.ORGANISATION_CREATED, "organisation", organisation.id)
    return organisation
