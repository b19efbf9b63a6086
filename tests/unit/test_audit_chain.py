from __future__ import annotations

import dataclasses
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from cmeledger.audit.chain import GENESIS, Entry, Link, link_hash, verify

KEY = b"k" * 32


def build_chain(n: int) -> list[Link]:
    links, prev = [], GENESIS
    for seq in range(1, n + 1):
        entry = Entry(
            seq,
            f"2026-01-01T00:00:{seq % 60:02d}.000000Z",
            "test",
            "x.created",
            "x",
            str(seq),
            None,
            f'{{"n":{seq}}}',
        )
        digest = link_hash(KEY, prev, entry)
        links.append(Link(entry, prev, digest))
        prev = digest
    return links


def head(links: list[Link]) -> tuple[int, str]:
    return (len(links), links[-1].hash) if links else (0, GENESIS)


@given(st.integers(0, 30))
def test_an_untouched_chain_verifies(n: int) -> None:
    links = build_chain(n)
    assert verify(links, KEY, *head(links)).ok


FIELDS = ["at", "actor", "action", "entity_type", "entity_id", "physician_id", "details"]


@given(st.integers(1, 30), st.data())
def test_any_single_altered_row_is_named(n: int, data: st.DataObject) -> None:
    links = build_chain(n)
    expected_head = head(links)
    i = data.draw(st.integers(0, n - 1))
    field = data.draw(st.sampled_from(FIELDS))
    entry = links[i].entry
    altered: dict[str, Any] = {field: str(getattr(entry, field)) + "!"}
    changed = dataclasses.replace(entry, **altered)
    links[i] = Link(changed, links[i].prev_hash, links[i].hash)
    verdict = verify(links, KEY, *expected_head)
    assert not verdict.ok
    assert verdict.first_broken_seq == i + 1


@given(st.integers(1, 30), st.data())
def test_any_single_removed_row_is_named(n: int, data: st.DataObject) -> None:
    links = build_chain(n)
    expected_head = head(links)
    i = data.draw(st.integers(0, n - 1))
    del links[i]
    verdict = verify(links, KEY, *expected_head)
    assert not verdict.ok
    assert verdict.first_broken_seq == i + 1


@given(st.integers(2, 30), st.data())
def test_a_row_rewritten_and_rehashed_without_the_key_is_caught(
    n: int, data: st.DataObject
) -> None:
    links = build_chain(n)
    expected_head = head(links)
    i = data.draw(st.integers(0, n - 1))
    forged_entry = dataclasses.replace(links[i].entry, actor="intruder")
    forged = link_hash(b"x" * 32, links[i].prev_hash, forged_entry)
    links[i] = Link(forged_entry, links[i].prev_hash, forged)
    verdict = verify(links, KEY, *expected_head)
    assert verdict.first_broken_seq == i + 1
