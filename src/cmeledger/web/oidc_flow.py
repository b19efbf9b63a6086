"""OpenID Connect sign-in: the authorization-code flow with PKCE, state and nonce.

Nothing about a sign-in in progress is stored on the server. The browser carries it in a
short-lived cookie whose MAC is keyed from the ledger's keyring, so it cannot be forged or
edited; its `state` must come back from the provider unchanged and its `nonce` must be in
the ID token, which ties the answer to this browser and this attempt. The provider's
one-time authorization code (and PKCE) stop a replayed callback.

ID tokens are checked the way Authlib's own OpenID client does it: the signature with
joserfc against the provider's published keys (Authlib's JOSE engine), the claims with
`authlib.oidc.core.CodeIDToken`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit
from uuid import UUID

import httpx
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError, UnsupportedAlgorithmError
from joserfc.jwk import KeySet

from cmeledger.storage.repositories.accounts import OidcClient

STATE_COOKIE = "cmeledger_oidc"
STATE_PATH = "/login/oidc"
STATE_SECONDS = 600
CALLBACK_PATH = "/login/oidc/callback"
SCOPES = "openid email profile"
HTTP_TIMEOUT = 10.0
CACHE_SECONDS = 3600.0
LEEWAY_SECONDS = 60
# Asymmetric only: an HMAC-signed ID token would be keyed with the client secret, and
# `none` is no signature at all.
SIGNING_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
_COOKIE_PURPOSE = b"cmeledger/oidc-sign-in-cookie/v1"


class OidcRefusedError(Exception):
    """A sign-in that must not go ahead; `detail` is shown to the person, `reason` audited."""

    def __init__(self, status: int, detail: str, reason: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.reason = reason


# Provider metadata (discovery) ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProviderMetadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str | None
    token_auth_methods: tuple[str, ...]
    signing_algorithms: tuple[str, ...]
    sends_iss: bool


_lock = threading.Lock()
_metadata: dict[str, tuple[float, ProviderMetadata]] = {}
_keys: dict[str, tuple[float, KeySet]] = {}


def _allowed_url(url: object, issuer: str) -> str:
    """https everywhere; plain http only where the issuer itself is on this machine."""
    if not isinstance(url, str):
        raise OidcRefusedError(
            502, "the identity provider's configuration is incomplete", "metadata"
        )
    parts, home = urlsplit(url), urlsplit(issuer)
    local = home.scheme == "http" and home.hostname in ("localhost", "127.0.0.1", "::1")
    if parts.scheme == "https" or (local and parts.scheme == "http" and parts.hostname):
        return url
    raise OidcRefusedError(
        502, f"the identity provider published an unsafe address: {url}", "metadata"
    )


def _kind(exc: Exception) -> str:
    """What went wrong, without echoing server internals onto a public page."""
    if isinstance(exc, httpx.HTTPStatusError):
        return f"HTTP {exc.response.status_code}"
    return type(exc).__name__


def _get_json(url: str, what: str, **kwargs: Any) -> dict[str, Any]:
    try:
        answer = httpx.get(url, timeout=HTTP_TIMEOUT, follow_redirects=False, **kwargs)
        answer.raise_for_status()
        body = answer.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise OidcRefusedError(
            502, f"the identity provider could not be reached for its {what} ({_kind(exc)})", what
        ) from None
    if not isinstance(body, dict):
        raise OidcRefusedError(502, f"the identity provider's {what} is not a JSON object", what)
    return body


def metadata(issuer: str) -> ProviderMetadata:
    """The provider's discovery document, cached for an hour (failures are not cached)."""
    now = time.monotonic()
    with _lock:
        cached = _metadata.get(issuer)
    if cached is not None and now - cached[0] < CACHE_SECONDS:
        return cached[1]
    doc = _get_json(f"{issuer}/.well-known/openid-configuration", "configuration")
    # OpenID Connect Discovery 1.0 §4.3: the document must name exactly this issuer.
    if doc.get("issuer") != issuer and doc.get("issuer") != f"{issuer}/":
        raise OidcRefusedError(
            502,
            f"the identity provider calls itself {doc.get('issuer')!r}, not {issuer!r}",
            "metadata",
        )
    found = ProviderMetadata(
        issuer=str(doc["issuer"]),
        authorization_endpoint=_allowed_url(doc.get("authorization_endpoint"), issuer),
        token_endpoint=_allowed_url(doc.get("token_endpoint"), issuer),
        jwks_uri=_allowed_url(doc.get("jwks_uri"), issuer),
        userinfo_endpoint=(
            _allowed_url(doc["userinfo_endpoint"], issuer) if doc.get("userinfo_endpoint") else None
        ),
        token_auth_methods=tuple(
            doc.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
        ),
        signing_algorithms=tuple(doc.get("id_token_signing_alg_values_supported") or ["RS256"]),
        sends_iss=doc.get("authorization_response_iss_parameter_supported") is True,
    )
    with _lock:
        _metadata[issuer] = (now, found)
    return found


def signing_keys(provider: ProviderMetadata, *, refresh: bool = False) -> KeySet:
    """The provider's published keys; `refresh` after a key id we do not know (rotation)."""
    now = time.monotonic()
    with _lock:
        cached = _keys.get(provider.jwks_uri)
    if cached is not None and not refresh and now - cached[0] < CACHE_SECONDS:
        return cached[1]
    doc = _get_json(provider.jwks_uri, "signing keys")
    try:
        keys = KeySet.import_key_set(doc)  # type: ignore[arg-type]
    except (JoseError, ValueError, KeyError, TypeError) as exc:
        raise OidcRefusedError(
            502, f"the identity provider's keys are unusable ({_kind(exc)})", "jwks"
        ) from None
    with _lock:
        _keys[provider.jwks_uri] = (now, keys)
    return keys


# The sign-in in progress, in a MAC'd cookie --------------------------------------------


@dataclass(frozen=True, slots=True)
class FlowState:
    state: str
    nonce: str
    verifier: str
    organisation_id: UUID
    next_path: str
    expires: int


def cookie_key(index_key: bytes) -> bytes:
    """A key of its own for this cookie, so a MAC made here is good for nothing else."""
    return hmac.new(index_key, _COOKIE_PURPOSE, hashlib.sha256).digest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def seal_state(key: bytes, flow: FlowState) -> str:
    body = _b64(
        json.dumps(
            {
                "s": flow.state,
                "n": flow.nonce,
                "v": flow.verifier,
                "o": str(flow.organisation_id),
                "x": flow.next_path,
                "e": flow.expires,
            },
            separators=(",", ":"),
        ).encode()
    )
    mac = _b64(hmac.new(key, body.encode("ascii"), hashlib.sha256).digest())
    return f"{body}.{mac}"


def open_state(key: bytes, value: str, now: float) -> FlowState | None:
    """The flow sealed in `value`, or None when it was altered, is malformed or expired."""
    body, _, mac = value.partition(".")
    expected = _b64(hmac.new(key, body.encode("ascii", "replace"), hashlib.sha256).digest())
    if not mac or not hmac.compare_digest(mac.encode("ascii", "replace"), expected.encode()):
        return None
    try:
        data = json.loads(_unb64(body))
        flow = FlowState(
            str(data["s"]),
            str(data["n"]),
            str(data["v"]),
            UUID(str(data["o"])),
            str(data["x"]),
            int(data["e"]),
        )
    except (ValueError, KeyError, TypeError):
        return None
    return flow if flow.expires > now else None


def begin(
    provider: ProviderMetadata,
    client_id: str,
    organisation_id: UUID,
    redirect_uri: str,
    next_path: str,
) -> tuple[str, FlowState]:
    """The provider's authorization URL to send the browser to, and what to remember."""
    flow = FlowState(
        state=secrets.token_urlsafe(32),
        nonce=secrets.token_urlsafe(32),
        verifier=secrets.token_urlsafe(64),  # 86 characters: RFC 7636 wants 43 to 128
        organisation_id=organisation_id,
        next_path=next_path,
        expires=int(time.time()) + STATE_SECONDS,
    )
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": SCOPES,
        "state": flow.state,
        "nonce": flow.nonce,
        "code_challenge": create_s256_code_challenge(flow.verifier),
        "code_challenge_method": "S256",
    }
    parts = urlsplit(provider.authorization_endpoint)
    query = urlencode([*parse_qsl(parts.query), *params.items()])
    return urlunsplit(parts._replace(query=query)), flow


# Finishing: code for tokens, tokens checked, the person's verified identity ------------


@dataclass(frozen=True, slots=True)
class Identity:
    issuer: str
    subject: str
    email: str | None
    email_verified: bool


def _exchange(
    provider: ProviderMetadata, client: OidcClient, code: str, verifier: str, redirect_uri: str
) -> dict[str, Any]:
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "code_verifier": verifier,
    }
    auth: tuple[str, str] | None = None
    if "client_secret_basic" in provider.token_auth_methods:
        # RFC 6749 §2.3.1: both halves are form-encoded before they are joined.
        auth = (quote(client.client_id, safe=""), quote(client.client_secret, safe=""))
    elif "client_secret_post" in provider.token_auth_methods:
        data |= {"client_id": client.client_id, "client_secret": client.client_secret}
    else:
        raise OidcRefusedError(
            502, "the identity provider accepts no client-secret authentication", "token"
        )
    try:
        answer = httpx.post(
            provider.token_endpoint,
            data=data,
            auth=auth,
            headers={"Accept": "application/json"},
            timeout=HTTP_TIMEOUT,
            follow_redirects=False,
        )
        body = answer.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise OidcRefusedError(
            502, f"the identity provider could not be reached to finish ({_kind(exc)})", "token"
        ) from None
    if answer.status_code != 200 or not isinstance(body, dict) or "id_token" not in body:
        error = body.get("error", answer.status_code) if isinstance(body, dict) else "?"
        raise OidcRefusedError(
            403,
            f"the identity provider refused to finish the sign-in ({error}); the link may "
            "have been used already. Start again from the sign-in page.",
            "token",
        )
    return body


def validate_id_token(
    raw: str,
    keys: KeySet,
    *,
    issuer: str,
    client_id: str,
    nonce: str,
    algorithms: Sequence[str],
    access_token: str | None = None,
    now: int | None = None,
) -> dict[str, Any]:
    """The ID token's claims once its signature, issuer, audience, times and nonce hold.

    Raises joserfc errors (`JoseError`) for anything wrong."""
    allowed = [a for a in algorithms if a in SIGNING_ALGORITHMS]
    if not allowed:
        # An empty list would mean joserfc's defaults, which include HMAC.
        raise UnsupportedAlgorithmError("the provider signs ID tokens with no algorithm we accept")
    token = jwt.decode(raw, keys, algorithms=allowed)
    claims = CodeIDToken(
        token.claims,
        token.header,
        {
            "iss": {"essential": True, "value": issuer},
            "aud": {"essential": True, "value": client_id},
            "sub": {"essential": True},
        },
        {"nonce": nonce, "client_id": client_id, "access_token": access_token},
    )
    claims.validate(now=now, leeway=LEEWAY_SECONDS)
    return dict(claims)


def finish(
    client: OidcClient,
    flow: FlowState,
    *,
    code: str,
    iss: str | None,
    redirect_uri: str,
) -> Identity:
    provider = metadata(client.issuer)
    # RFC 9207: a provider that names itself in the answer must name the one we asked.
    if (iss is not None or provider.sends_iss) and iss != provider.issuer:
        raise OidcRefusedError(
            400, "the answer came from a different identity provider than the one asked", "iss"
        )
    tokens = _exchange(provider, client, code, flow.verifier, redirect_uri)
    access_token = tokens.get("access_token")
    bearer = access_token if isinstance(access_token, str) else None
    raw = str(tokens["id_token"])

    def checked(keys: KeySet) -> dict[str, Any]:
        return validate_id_token(
            raw,
            keys,
            issuer=provider.issuer,
            client_id=client.client_id,
            nonce=flow.nonce,
            algorithms=provider.signing_algorithms,
            access_token=bearer,
        )

    try:
        try:
            claims = checked(signing_keys(provider))
        except InvalidKeyIdError:
            claims = checked(signing_keys(provider, refresh=True))
    except JoseError as exc:
        raise OidcRefusedError(
            403,
            f"the identity provider's ID token is not valid ({exc.description or exc.error})",
            "id_token",
        ) from None
    if "email" not in claims and provider.userinfo_endpoint and bearer is not None:
        claims = {**_userinfo(provider.userinfo_endpoint, bearer, claims["sub"]), **claims}
    email = claims.get("email")
    return Identity(
        issuer=provider.issuer,
        subject=str(claims["sub"]),
        email=email.strip().lower() if isinstance(email, str) and email.strip() else None,
        email_verified=claims.get("email_verified") is True,
    )


def _userinfo(url: str, access_token: str, subject: str) -> dict[str, Any]:
    """Claims the provider keeps out of the ID token (the default for the code flow)."""
    info = _get_json(url, "user information", headers={"Authorization": f"Bearer {access_token}"})
    # OpenID Connect Core §5.3.2: a mismatched sub must not be used (token substitution).
    if info.get("sub") != subject:
        raise OidcRefusedError(
            403, "the identity provider's user information is not about you", "sub"
        )
    return {k: v for k, v in info.items() if k in ("email", "email_verified")}
