"""`loads`: hostile and malformed JSON bodies are refused with the problem and its place."""

from __future__ import annotations

import contextlib
import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cmeledger.pars.errors import ParsDocumentError
from cmeledger.pars.json_documents import MAX_BODY, MAX_DEPTH, loads


def test_loads_parses_numbers_as_decimals() -> None:
    assert loads(b'{"a": [1, 0.25, "x", true, null]}') == {
        "a": [1, Decimal("0.25"), "x", True, None]
    }


def test_loads_accepts_a_utf8_byte_order_mark() -> None:
    assert loads(b'\xef\xbb\xbf{"a": "\xc3\xa9"}') == {"a": "é"}


def test_loads_refuses_a_body_over_the_default_50_mib_limit() -> None:
    body = b'{"pad": "' + b"x" * MAX_BODY + b'"}'
    with pytest.raises(ParsDocumentError, match=f"the limit is {MAX_BODY}"):
        loads(body)


def test_loads_refuses_a_body_over_a_given_limit() -> None:
    with pytest.raises(ParsDocumentError, match="11 bytes; the limit is 10"):
        loads(b'{"a": "bc"}', limit=10)


def test_loads_refuses_invalid_utf8_with_its_position() -> None:
    with pytest.raises(ParsDocumentError, match=r"not valid UTF-8 at line 2, column 7"):
        loads(b'{\n"\xc3\xa9": "\xff"}')


def test_loads_refuses_invalid_json_with_line_and_column() -> None:
    with pytest.raises(ParsDocumentError, match=r"invalid JSON at line 3, column 1"):
        loads(b'{\n"a": 1,\n}')


def test_loads_refuses_nesting_that_would_exhaust_the_parser() -> None:
    with pytest.raises(ParsDocumentError, match=rf"deeper than {MAX_DEPTH} levels at line 1"):
        loads(b"[" * 200_000)


def test_loads_refuses_nesting_just_past_the_limit_naming_the_path() -> None:
    body = b'{"a":' * (MAX_DEPTH + 1) + b"1" + b"}" * (MAX_DEPTH + 1)
    with pytest.raises(ParsDocumentError, match=r"at \$\.a\.a\.a.*line 1, column"):
        loads(body)
    assert loads(b'{"a":' * MAX_DEPTH + b"1" + b"}" * MAX_DEPTH) is not None


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"a": 1, "a": 2}', "duplicate key 'a'"),
        (b'{"a": NaN}', "NaN is not a JSON number"),
        (b"[Infinity]", "Infinity is not a JSON number"),
        (b"[" + b"9" * 5000 + b"]", "integer string conversion"),
        (b"", "invalid JSON at line 1, column 1"),
    ],
)
def test_loads_refuses_ambiguous_or_unbounded_values(body: bytes, message: str) -> None:
    with pytest.raises(ParsDocumentError, match=message):
        loads(body)


@given(st.binary(max_size=200))
def test_loads_fails_only_with_document_errors(body: bytes) -> None:
    # Anything but ParsDocumentError (RecursionError, UnicodeError, ...) fails the test.
    with contextlib.suppress(ParsDocumentError):
        loads(body)


@given(
    st.recursive(
        st.none() | st.booleans() | st.text(), lambda c: st.lists(c) | st.dictionaries(st.text(), c)
    )
)
def test_loads_reads_what_json_writes(value: object) -> None:
    body = json.dumps(value).encode("utf-8")
    if _depth(value) > MAX_DEPTH:
        with pytest.raises(ParsDocumentError, match="deeper than"):
            loads(body)
    else:
        assert loads(body) == value


def _depth(value: object) -> int:
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    return 0
