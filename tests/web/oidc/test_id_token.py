"""ID token checks and the sealed flow cookie, with keys made here (no provider needed)."""

from __future__ import annotations

import time
from typing import Any
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st
from joserfc import jwt
from joserfc.errors import (
    BadSignatureError,
    ExpiredTokenError,
    InvalidClaimError,
    InvalidKeyIdError,
    JoseError,
    MissingClaimError,
    UnsupportedAlgorithmError,
)
from joserfc.jwk import KeySet, OctKey, RSAKey

from cmeledger.web.oidc_flow import FlowState, cookie_key, open_state, seal_state, validate_id_token

ISSUER = "https://idp.example"
CLIENT = "cme-ledger"
NONCE = "n-0S6_WzA2Mj"
SIGNER = RSAKey.generate_key(2048, {"kid": "k1"}, private=True)
PUBLISHED = KeySet.import_key_set({"keys": [SIGNER.as_dict(private=False)]})


def claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {
        "iss": ISSUER,
        "sub": "248289761001",
        "aud": CLIENT,
        "exp": now + 300,
        "iat": now,
        "nonce": NONCE,
        "email": "ada@example.org",
        "email_verified": True,
    }
    return {k: v for k, v in (base | changes).items() if v is not None}


def signed(payload: dict[str, Any], key: Any = SIGNER, alg: str = "RS256", kid: str = "k1") -> str:
    return jwt.encode({"alg": alg, "kid": kid}, payload, key)


def check(token: str, **overrides: Any) -> dict[str, Any]:
    keys = overrides.pop("keys", PUBLISHED)
    options: dict[str, Any] = {
        "issuer": ISSUER,
        "client_id": CLIENT,
        "nonce": NONCE,
        "algorithms": ["RS256"],
    } | overrides
    return validate_id_token(token, keys, **options)


def test_it_accepts_a_token_signed_by_the_published_key_for_this_client() -> None:
    assert check(signed(claims()))["sub"] == "248289761001"


def test_it_accepts_an_audience_list_that_names_this_client_as_authorised_party() -> None:
    token = signed(claims(aud=[CLIENT, "other"], azp=CLIENT))
    assert check(token)["azp"] == CLIENT


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"aud": "someone-else"}, InvalidClaimError),
        ({"aud": [CLIENT, "other"]}, MissingClaimError),  # several audiences need azp
        ({"iss": "https://evil.example"}, InvalidClaimError),
        ({"exp": int(time.time()) - 600}, ExpiredTokenError),
        ({"nonce": "another"}, InvalidClaimError),
        ({"nonce": None}, MissingClaimError),
        ({"sub": None}, MissingClaimError),
        ({"exp": None}, MissingClaimError),
    ],
)
def test_it_refuses_claims_that_do_not_hold(
    changes: dict[str, Any], error: type[JoseError]
) -> None:
    with pytest.raises(error):
        check(signed(claims(**changes)))


def test_it_refuses_a_token_signed_by_another_key_under_the_same_key_id() -> None:
    impostor = RSAKey.generate_key(2048, {"kid": "k1"}, private=True)
    with pytest.raises(BadSignatureError):
        check(signed(claims(), key=impostor))


def test_it_says_when_the_key_id_is_unknown_so_the_keys_can_be_fetched_again() -> None:
    rotated = RSAKey.generate_key(2048, {"kid": "k2"}, private=True)
    with pytest.raises(InvalidKeyIdError):
        check(signed(claims(), key=rotated, kid="k2"))


def test_it_refuses_hmac_tokens_even_when_the_provider_lists_hmac() -> None:
    # Keyed with the client secret, an HS256 token could be minted by anyone holding it.
    secret = OctKey.import_key("client-secret-that-is-long-enough-32b", {"kid": "k1"})
    token = signed(claims(), key=secret, alg="HS256")
    with pytest.raises(UnsupportedAlgorithmError):
        check(token, algorithms=["HS256"], keys=KeySet([secret]))
    with pytest.raises(UnsupportedAlgorithmError):
        check(token, algorithms=["RS256", "HS256"], keys=KeySet([secret]))


def test_it_refuses_an_unsigned_token() -> None:
    header = "eyJhbGciOiJub25lIiwia2lkIjoiazEifQ"  # {"alg":"none","kid":"k1"}
    body = signed(claims()).split(".")[1]
    with pytest.raises(JoseError):
        check(f"{header}.{body}.", algorithms=["RS256", "none"])


KEY = cookie_key(b"\x01" * 32)


def a_flow(expires_in: int = 600) -> FlowState:
    return FlowState("st", "no", "ver", uuid4(), "/next?a=1", int(time.time()) + expires_in)


def test_it_reads_back_the_flow_it_sealed() -> None:
    flow = a_flow()
    assert open_state(KEY, seal_state(KEY, flow), time.time()) == flow


@given(position=st.integers(min_value=0, max_value=10_000), replacement=st.characters())
def test_it_refuses_a_cookie_with_any_character_changed(position: int, replacement: str) -> None:
    sealed = seal_state(KEY, a_flow())
    at = position % len(sealed)
    changed = sealed[:at] + replacement + sealed[at + 1 :]
    if changed != sealed:
        assert open_state(KEY, changed, time.time()) is None


def test_it_refuses_a_cookie_sealed_under_another_keyring_or_expired() -> None:
    other = cookie_key(b"\x02" * 32)
    assert open_state(KEY, seal_state(other, a_flow()), time.time()) is None
    assert open_state(KEY, seal_state(KEY, a_flow(expires_in=-1)), time.time()) is None


def test_it_derives_a_cookie_key_different_from_the_index_key() -> None:
    assert cookie_key(b"\x01" * 32) != b"\x01" * 32
