"""parse_xml refuses hostile, oversized and malformed XML quickly, without touching the network
or the file system, and gives back the root of anything well formed."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
from lxml import etree

from cmeledger.pars import safe_xml
from cmeledger.pars.errors import ParsDocumentError
from cmeledger.pars.safe_xml import MAX_BODY, parse_xml

BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + b"".join(
        b' <!ENTITY lol%d "%s">\n' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    + b"]>\n<lolz>&lol9;</lolz>"
)
XXE_FILE = (
    b'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<r>&x;</r>'
)


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A local port that records whether anything connected to it."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.setblocking(False)
    yield server
    server.close()


def _connected(server: socket.socket) -> bool:
    try:
        conn, _ = server.accept()
    except BlockingIOError:
        return False
    conn.close()
    return True


def _refused(data: bytes, *, limit: int = MAX_BODY) -> tuple[str, float]:
    began = time.perf_counter()
    with pytest.raises(ParsDocumentError) as caught:
        parse_xml(data, limit=limit)
    return str(caught.value), time.perf_counter() - began


def test_well_formed_xml_gives_its_root_element() -> None:
    root = parse_xml(b'<?xml version="1.0" encoding="UTF-8"?><a xmlns="urn:x"><b>1</b></a>')
    assert root.tag == "{urn:x}a"
    assert root[0].text == "1"


def test_billion_laughs_is_refused_at_once() -> None:
    message, seconds = _refused(BILLION_LAUGHS)
    assert "DOCTYPE" in message
    assert seconds < 0.5


def test_external_entity_to_a_local_file_is_refused_without_reading_it() -> None:
    message, _ = _refused(XXE_FILE)
    assert "DOCTYPE" in message
    assert "root:" not in message


def test_external_dtd_over_http_is_refused_without_a_connection(listener: socket.socket) -> None:
    port = listener.getsockname()[1]
    doc = b'<?xml version="1.0"?><!DOCTYPE r SYSTEM "http://127.0.0.1:%d/evil.dtd"><r/>' % port
    message, _ = _refused(doc)
    assert "DOCTYPE" in message
    assert not _connected(listener)


def test_parameter_entity_fetching_a_remote_dtd_makes_no_connection(
    listener: socket.socket,
) -> None:
    port = listener.getsockname()[1]
    doc = b'<!DOCTYPE r [<!ENTITY %% p SYSTEM "http://127.0.0.1:%d/p.dtd"> %%p;]><r>&e;</r>' % port
    _refused(doc)
    assert not _connected(listener)


def test_the_parser_flags_alone_neither_expand_nor_fetch(listener: socket.socket) -> None:
    # The DOCTYPE refusal is the first wall; the parser's own settings are the second.
    parser = safe_xml._parser()
    port = listener.getsockname()[1]
    local = etree.fromstring(XXE_FILE, parser)
    assert b"root:" not in etree.tostring(local)
    remote = b'<!DOCTYPE r [<!ENTITY x SYSTEM "http://127.0.0.1:%d/x">]><r>&x;</r>' % port
    assert b"&x;" in etree.tostring(etree.fromstring(remote, parser))
    assert not _connected(listener)
    with pytest.raises(etree.XMLSyntaxError):  # libxml2's amplification guard, not a hang
        etree.fromstring(BILLION_LAUGHS, parser)


def test_doctype_in_utf16_is_refused_too() -> None:
    doc = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE r [<!ENTITY a "b">]><r>&a;</r>'
    message, _ = _refused(doc.encode("utf-16"))
    assert "DOCTYPE" in message


def test_body_over_the_limit_is_refused_before_parsing() -> None:
    body = b"<a>" + b"x" * (MAX_BODY + 1) + b"</a>"
    message, seconds = _refused(body)
    assert f"{MAX_BODY:,}" in message
    assert seconds < 0.5


def test_the_limit_can_be_lowered_per_call() -> None:
    message, _ = _refused(b"<a>" + b"x" * 100 + b"</a>", limit=50)
    assert "limit is 50" in message


def test_truncated_xml_is_refused_naming_line_and_column() -> None:
    message, _ = _refused(b'<?xml version="1.0"?>\n<a>\n  <b>text</b>\n  <c>')
    assert message.startswith("malformed XML at line 4")
    assert "column" in message


@pytest.mark.parametrize(
    "data",
    [b"", b"   \n", b"not xml at all", b"<a></b>", b"<a/><b/>", b"\xff\xfe\x00\x00garbage"],
    ids=["empty", "blank", "text", "mismatched", "two-roots", "bad-encoding"],
)
def test_non_documents_are_refused(data: bytes) -> None:
    _refused(data)


def test_absurd_nesting_is_refused_by_the_depth_limit() -> None:
    depth = 100_000
    message, seconds = _refused(b"<a>" * depth + b"</a>" * depth)
    assert "malformed XML" in message
    assert seconds < 2
