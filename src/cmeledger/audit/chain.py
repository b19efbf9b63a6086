"""The audit hash chain, as pure functions.

Each entry's hash is HMAC-SHA256 under the audit key over the previous hash and the
entry's canonical JSON. Keying the chain means someone who can write to the database
but does not hold the key file cannot rewrite history and recompute the hashes.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from hashlib import sha256

GENESIS = "0" * 64


@dataclass(frozen=True, slots=True)
class Entry:
    seq: int
    at: str
    actor: str
    action: str
    entity_type: str
    entity_id: str | None
    physician_id: str | None
    details: str


@dataclass(frozen=True, slots=True)
class Link:
    entry: Entry
    prev_hash: str
    hash: str


def canonical_details(details: dict[str, object]) -> str:
    return json.dumps(
        details, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str
    )


def link_hash(key: bytes, prev_hash: str, entry: Entry) -> str:
    body = json.dumps(asdict(entry), sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hmac.new(key, f"{prev_hash}\n{body}".encode(), sha256).hexdigest()


def head_mac(key: bytes, seq: int, last_hash: str) -> str:
    return hmac.new(key, f"head\n{seq}\n{last_hash}".encode(), sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class Verdict:
    ok: bool
    checked: int
    first_broken_seq: int | None = None
    reason: str = ""


def verify(
    links: Iterable[Link],
    key: bytes,
    head_seq: int,
    head_hash: str,
    head_signature: str | None = None,
) -> Verdict:
    """Walk the chain in seq order; name the first row that is altered, missing or forged.

    `head_signature`, when given, must be the head's MAC: without the key nobody can move the
    head back to hide rows deleted from the end.
    """
    if head_signature is not None and not hmac.compare_digest(
        head_signature, head_mac(key, head_seq, head_hash)
    ):
        return Verdict(
            False, 0, head_seq or 1, "the chain's head was altered (its MAC does not match)"
        )
    expected_prev = GENESIS
    expected_seq = 1
    checked = 0
    for link in links:
        seq = link.entry.seq
        if seq != expected_seq:
            missing = expected_seq if seq > expected_seq else seq
            return Verdict(
                False, checked, missing, f"row {expected_seq} is missing (next row found is {seq})"
            )
        if link.prev_hash != expected_prev:
            return Verdict(False, checked, seq, f"row {seq} does not point at row {seq - 1}'s hash")
        if not hmac.compare_digest(link_hash(key, link.prev_hash, link.entry), link.hash):
            return Verdict(False, checked, seq, f"row {seq} was altered after it was written")
        expected_prev = link.hash
        expected_seq += 1
        checked += 1
    if checked != head_seq:
        return Verdict(
            False,
            checked,
            checked + 1,
            f"the log ends at row {checked} but {head_seq} rows were written",
        )
    if head_seq and not hmac.compare_digest(expected_prev, head_hash):
        return Verdict(False, checked, head_seq, "the chain's head does not match its last row")
    return Verdict(True, checked)
